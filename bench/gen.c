#include "gen.h"

#include <stdio.h>
#include <string.h>

static const char *const TECH[60] = {
	"Nginx", "Apache", "IIS", "Cloudflare", "Varnish", "OpenResty", "Caddy", "Envoy", "HAProxy", "Akamai",
	"React", "Vue.js", "Angular", "jQuery", "Bootstrap", "Tailwind CSS", "Next.js", "Nuxt.js", "Svelte", "Ember.js",
	"PHP", "Laravel", "Symfony", "WordPress", "Drupal", "Joomla", "Magento", "Shopify", "Django", "Flask",
	"Ruby on Rails", "Express", "ASP.NET", "Java", "Spring", "Tomcat", "Jetty", "Node.js", "Go", "Python",
	"Google Analytics", "Google Tag Manager", "Hotjar", "Segment", "Sentry", "New Relic", "Datadog", "Stripe",
	"PayPal", "reCAPTCHA", "Font Awesome", "Google Font API", "Lodash", "Moment.js", "core-js", "Webpack",
	"Amazon S3", "Amazon CloudFront", "Fastly", "HSTS",
};
static const char *const CTYPES[] = {"text/html; charset=utf-8", "text/html", "application/json",
                                     "application/javascript", "text/plain", "image/png", "text/css",
                                     "application/xml"};
static const char *const SERVERS[] = {"nginx", "Apache", "cloudflare", "Microsoft-IIS/10.0", "nginx/1.18.0",
                                      "AmazonS3", "envoy", "gunicorn", "openresty", "Apache/2.4.41 (Ubuntu)"};
static const char *const WORDS[] = {"Login", "Dashboard", "Admin", "Welcome", "API", "Docs", "Portal",
                                    "Sign in", "Not Found", "Forbidden", "Home", "Status", "Grafana", "Jenkins",
                                    "Kibana", "Swagger UI", "Index of /", "Redirecting", "Error", "Support"};
static const char *const PATHS[] = {"", "login", "admin", "api/v1/users", "api/v2/health", "static/app.js",
                                    "wp-login.php", ".git/config", "robots.txt", "graphql", "swagger.json",
                                    "dashboard", "metrics", "server-status", "backup.zip", "search?q=test"};
static const char *const HNAMES[15] = {"content_type", "server", "date", "cache_control", "x_frame_options",
                                       "strict_transport_security", "x_content_type_options", "vary",
                                       "set_cookie", "etag", "last_modified", "x_powered_by", "connection",
                                       "content_security_policy", "access_control_allow_origin"};

static uint64_t mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t next(rng *g)
{
	return g->s = mix(g->s);
}

static int below(rng *g, int n)
{
	return (int)(next(g) % (uint64_t)n);
}

const char *bench_tech(int k)
{
	return TECH[k % 60];
}

const char *bench_target(int t)
{
	static const char *const names[BENCH_TARGETS] = {
		"https://t00.example-corp.com", "https://t01.example-corp.com", "https://t02.example-corp.com",
		"https://t03.example-corp.com", "https://t04.example-corp.com", "https://t05.example-corp.com",
		"https://t06.example-corp.com", "https://t07.example-corp.com", "https://t08.example-corp.com",
		"https://t09.example-corp.com", "https://t10.example-corp.com", "https://t11.example-corp.com",
		"https://t12.example-corp.com", "https://t13.example-corp.com", "https://t14.example-corp.com",
		"https://t15.example-corp.com", "https://t16.example-corp.com", "https://t17.example-corp.com",
		"https://t18.example-corp.com", "https://t19.example-corp.com", "https://t20.example-corp.com",
		"https://t21.example-corp.com", "https://t22.example-corp.com", "https://t23.example-corp.com",
		"https://t24.example-corp.com", "https://t25.example-corp.com", "https://t26.example-corp.com",
		"https://t27.example-corp.com", "https://t28.example-corp.com", "https://t29.example-corp.com",
		"https://t30.example-corp.com", "https://t31.example-corp.com", "https://t32.example-corp.com",
		"https://t33.example-corp.com", "https://t34.example-corp.com", "https://t35.example-corp.com",
		"https://t36.example-corp.com", "https://t37.example-corp.com", "https://t38.example-corp.com",
		"https://t39.example-corp.com", "https://t40.example-corp.com", "https://t41.example-corp.com",
		"https://t42.example-corp.com", "https://t43.example-corp.com", "https://t44.example-corp.com",
		"https://t45.example-corp.com", "https://t46.example-corp.com", "https://t47.example-corp.com",
		"https://t48.example-corp.com", "https://t49.example-corp.com",
	};
	return names[t % BENCH_TARGETS];
}

enum gen_mode { GEN_ONE_DOMAIN, GEN_TARGET_DOMAINS, GEN_SUBDOMAINS };

/* The data set's row i. The modes change names only: every mode makes the
 * same random draws, so the rows differ in their hosts and versions, not
 * in their statuses, technologies or sizes. `sub_host` is the subdomain of
 * GEN_SUBDOMAINS. */
static void gen_row(uint64_t seed, int64_t i, enum gen_mode mode, const char *sub_host, bench_row *o)
{
	rng g = {mix(seed ^ mix((uint64_t)i))};
	memset(&o->r, 0, sizeof o->r);
	o->input[0] = 0;
	/* targets are unevenly large, as real programs are */
	int t = below(&g, 4) == 0 ? below(&g, 5) : below(&g, BENCH_TARGETS);
	o->target = t;
	if (mode == GEN_ONE_DOMAIN)
		snprintf(o->root, sizeof o->root, "%s", bench_target(t));
	else if (mode == GEN_TARGET_DOMAINS)
		snprintf(o->root, sizeof o->root, "https://t%02d-example.com", t);
	else
		snprintf(o->root, sizeof o->root, "https://%s", sub_host);
	const char *host = o->root + 8; /* after https:// */
	int sub = below(&g, 400);
	const char *path = PATHS[below(&g, 16)];
	bool http = below(&g, 10) == 0;
	const char *query = below(&g, 5) == 0 ? "?id=1" : "";
	if (mode == GEN_SUBDOMAINS)
		snprintf(o->url, sizeof o->url, "%s://%s/%s%s", http ? "http" : "https", host, path, query);
	else
		snprintf(o->url, sizeof o->url, "%s://s%d.%s/%s%s", http ? "http" : "https", sub, host, path, query);
	if (mode != GEN_ONE_DOMAIN)
		snprintf(o->input, sizeof o->input, "%s", host);
	o->r.input_url = o->url;
	o->r.root_target_url = o->root;
	o->timestamp_ms = 1764000000000 + i * 13;
	o->r.method = "GET";
	if (below(&g, 100) < 5) { /* failed probe: an error, no status */
		static const char *const errs[] = {"context deadline exceeded", "no such host",
		                                   "connection refused", "tls: handshake failure"};
		snprintf(o->err, sizeof o->err, "%s", errs[below(&g, 4)]);
		o->r.error = o->err;
		return;
	}
	int p = below(&g, 100);
	o->r.status_code = p < 62 ? 200 : p < 76 ? 404 : p < 84 ? 301 : p < 90 ? 302 : p < 96 ? 403 : p < 98 ? 500 : 503;
	if (o->r.status_code == 301 || o->r.status_code == 302) {
		snprintf(o->final_url, sizeof o->final_url, "https://s%d.%s/%s/", sub, host, path);
		o->r.final_url = o->final_url;
	}
	o->r.content_length = below(&g, 20) == 0 ? 0 : 100 + (int64_t)(next(&g) % 250000);
	o->r.content_type = CTYPES[below(&g, 8)];
	o->r.web_server = below(&g, 12) == 0 ? NULL : SERVERS[below(&g, 10)];
	if (below(&g, 6)) {
		/* draws in a statement each: the order of a call's arguments is
		 * unspecified (gcc and clang differ), the data must not be; this
		 * order keeps the bytes the gcc builds made */
		int n = below(&g, 1000), w = below(&g, 20);
		snprintf(o->title, sizeof o->title, "%s - %s %d", WORDS[w], host, n);
		o->r.title = o->title;
	}
	int nt = below(&g, 7);
	for (int k = 0; k < nt; k++) {
		o->tech_ptrs[k] = TECH[(t * 7 + k * 13 + below(&g, 3)) % 60];
		/* a version from a hash of its own, so the draws stay the same */
		uint64_t v = mix(seed ^ mix((uint64_t)i * 8 + (uint64_t)k + 0x7e57));
		if (mode != GEN_ONE_DOMAIN && (v & 1)) {
			snprintf(o->tech_buf[k], sizeof o->tech_buf[k], "%s:%d.%d.%d", o->tech_ptrs[k], (int)((v >> 8) % 9),
			         (int)((v >> 16) % 20), (int)((v >> 24) % 30));
			o->tech_ptrs[k] = o->tech_buf[k];
		}
	}
	o->r.technologies = nt ? o->tech_ptrs : NULL;
	o->r.n_technologies = (size_t)nt;
	int ni = 1 + below(&g, 4);
	for (int k = 0; k < ni; k++) {
		int d = below(&g, 256), c = below(&g, 256), b = below(&g, 256);
		snprintf(o->ips[k], sizeof o->ips[k], "%u.%u.%u.%u", (unsigned char)(10 + t), (unsigned char)b,
		         (unsigned char)c, (unsigned char)d);
		o->ip_ptrs[k] = o->ips[k];
	}
	o->r.ips = o->ip_ptrs;
	o->r.n_ips = (size_t)ni;
	int nh = 8 + below(&g, 8);
	for (int k = 0; k < nh; k++) {
		switch (k) {
		case 0: snprintf(o->hdr_vals[k], 48, "%s", o->r.content_type); break;
		case 1: snprintf(o->hdr_vals[k], 48, "%s", o->r.web_server ? o->r.web_server : "unknown"); break;
		case 2: {
			int sec = below(&g, 60), min = below(&g, 60), hour = below(&g, 24);
			snprintf(o->hdr_vals[k], 48, "Tue, 25 Nov 2025 %02d:%02d:%02d GMT", hour, min, sec);
			break;
		}
		default: snprintf(o->hdr_vals[k], 48, "v%llx", (unsigned long long)(next(&g) & 0xffffffffffull)); break;
		}
		o->hdr[k].name = HNAMES[k];
		o->hdr[k].value = o->hdr_vals[k];
	}
	o->r.headers = o->hdr;
	o->r.n_headers = (size_t)nh;
}

void bench_gen_row(uint64_t seed, int64_t i, bench_row *o)
{
	gen_row(seed, i, GEN_ONE_DOMAIN, NULL, o);
}

void bench_gen_target_row(uint64_t seed, int64_t i, bench_row *o)
{
	gen_row(seed, i, GEN_TARGET_DOMAINS, NULL, o);
}

void bench_gen_subdomain_row(uint64_t seed, int64_t i, bench_row *o)
{
	static const char *const SUFFIX[5] = {"com", "co.uk", "net", "com.au", "io"};
	static const char *const LABEL[12] = {"api", "dev", "staging", "mail", "vpn", "shop",
	                                      "cdn", "app", "admin", "beta", "portal", "git"};
	/* lines 0..6 of every 10 probe a new subdomain, 7..9 one seen before */
	int64_t seen = i / 10 * 7 + (i % 10 < 7 ? i % 10 : 7);
	int64_t s = i % 10 < 7 ? seen : (int64_t)(mix(seed ^ mix((uint64_t)i ^ 0x5b5b)) % (uint64_t)seen);
	uint64_t h = mix(seed ^ mix((uint64_t)s ^ 0xd0d0));
	/* three domains hold about a third of the subdomains */
	int d = (h & 3) == 0 ? (int)((h >> 8) % 3) : (int)((h >> 8) % 20);
	char host[96];
	snprintf(host, sizeof host, "%s-%lld.d%02d-example.%s", LABEL[(h >> 16) % 12], (long long)s, d, SUFFIX[d % 5]);
	gen_row(seed, i, GEN_SUBDOMAINS, host, o);
}
