/* The S3 client: requests built and retried here, sent and signed by
 * libcurl (CURLOPT_AWS_SIGV4), responses' XML read by expat (xml.c). */
#include "storage/s3.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../error.h"
#include "../util.h"
#include "storage/xml.h"

#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_MAX_PARTS 10000
#define S3_MIN_PART (5u << 20)

struct ps_s3 {
	ps_s3_options o;
	char *bucket, *prefix, *region;
	char *base;       /* scheme://host[:port] with the bucket's host for virtual-hosted style */
	char *base_path;  /* the endpoint's own path, "" or "/path" */
	char *sigv4;      /* "aws:amz:REGION:s3" */
	char *access_key, *secret_key;
	char *token_hdr;  /* "x-amz-security-token: ..." or NULL */
	CURL *easy;
	CURLM *multi;
	ps_s3_stats st;
	uint64_t rng;
	char pin[PS_S3_ETAG_MAX];       /* ranged GETs with If-Match on it; "" none */
	char last_etag[PS_S3_ETAG_MAX]; /* the ETag of the last tail GET */
};

/* ---- small helpers ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint64_t rng_next(ps_s3 *s3)
{
	uint64_t z = (s3->rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

/* S3's URI encoding: every byte but the unreserved ones as %XX; '/' kept
 * in a key's path, encoded in a query value. */
static int uri_encode(ps_buf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p) || (keep_slash && *p == '/')) {
			if (ps_buf_addc(b, (char)*p))
				return PS_ENOMEM;
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			if (ps_buf_add(b, e, 3))
				return PS_ENOMEM;
		}
	}
	return 0;
}

static void hex_digest(const unsigned char *d, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = 0;
}

static int digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!EVP_Digest(data, len, d, &n, md, NULL))
		return ps_err(PS_EIO, "S3: computing a digest failed");
	hex_digest(d, n, out);
	return 0;
}

/* An ETag header or element without its quotes (and a weak W/ prefix). */
static void etag_copy(char dst[PS_S3_ETAG_MAX], const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n >= 2 && s[0] == 'W' && s[1] == '/') {
		s += 2;
		n -= 2;
	}
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n >= PS_S3_ETAG_MAX)
		n = PS_S3_ETAG_MAX - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

/* ---- options, open, close ---- */

void ps_s3_options_default(ps_s3_options *o)
{
	memset(o, 0, sizeof *o);
	o->max_attempts = 5;
	o->backoff_base_ms = 100;
	o->backoff_max_ms = 5000;
	o->retry_budget_ms = 60000;
	o->connect_timeout_ms = 5000;
	o->stall_timeout_s = 30;
	o->part_size = (size_t)8 << 20;
	o->max_inflight = 8;
	o->coalesce_gap = 0;
	o->coalesce_gap_useful = 0;
	o->coalesce_max = (size_t)32 << 20;
	o->get_max = (size_t)1 << 30;
}

/* libcurl, loaded by the first S3 client rather than when the program
 * starts: with the libraries it needs (TLS, LDAP, SSH, Kerberos, ...)
 * it is most of a process's start, which every command on a local store
 * would pay (benchmarks.md: 5.2 -> 2.2 ms for `probestore --version`). */
#define CURL_API(X) \
	X(global_init) X(easy_strerror) X(url) X(url_set) X(url_get) X(url_cleanup) X(free) X(easy_init) \
	X(easy_cleanup) X(easy_reset) X(easy_setopt) X(easy_getinfo) X(easy_perform) X(slist_append) \
	X(slist_free_all) X(multi_init) X(multi_cleanup) X(multi_add_handle) X(multi_remove_handle) \
	X(multi_perform) X(multi_poll) X(multi_info_read) X(multi_strerror)

/* The functions s3.c calls, as cu.NAME for curl_NAME, each of the type
 * curl.h gives it. */
typedef struct curl_api {
#define CURL_FIELD(name) __typeof__(curl_##name) *name;
	CURL_API(CURL_FIELD)
#undef CURL_FIELD
} curl_api;
static curl_api cu;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static char curl_init_err[256]; /* "" once libcurl is loaded and initialised */

#define LIBCURL "libcurl.so.4"

static void curl_init(void)
{
	/* lazily bound: of libcurl's own calls into its 30-odd libraries, a
	 * run makes few (0.4 ms less of the 3.5 ms the loading takes) */
	void *h = dlopen(LIBCURL, RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(curl_init_err, sizeof curl_init_err, "cannot load %s: %s", LIBCURL, e ? e : "unknown error");
		return;
	}
	static const struct {
		const char *name;
		size_t at;
	} syms[] = {
#define CURL_SYM(name) {"curl_" #name, offsetof(curl_api, name)},
		CURL_API(CURL_SYM)
#undef CURL_SYM
	};
	for (size_t i = 0; i < sizeof syms / sizeof *syms; i++) {
		void *f = dlsym(h, syms[i].name);
		if (!f) {
			snprintf(curl_init_err, sizeof curl_init_err, "%s has no %s", LIBCURL, syms[i].name);
			dlclose(h);
			return;
		}
		memcpy((char *)&cu + syms[i].at, &f, sizeof f);
	}
	CURLcode c = cu.global_init(CURL_GLOBAL_DEFAULT);
	if (c)
		snprintf(curl_init_err, sizeof curl_init_err, "libcurl does not initialise: %s", cu.easy_strerror(c));
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* Splits the endpoint into base URL and path, the bucket's host put in
 * front for virtual-hosted style. */
static int endpoint_parse(ps_s3 *s3, const char *endpoint)
{
	CURLU *u = cu.url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	int rc = 0;
	if (!u)
		return ps_err_nomem();
	if (cu.url_set(u, CURLUPART_URL, endpoint, 0) || cu.url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    cu.url_get(u, CURLUPART_HOST, &host, 0)) {
		rc = ps_err(PS_ECONFIG, "S3: endpoint \"%s\" is not a URL (scheme://host[:port])", endpoint);
		goto out;
	}
	if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		rc = ps_err(PS_ECONFIG, "S3: endpoint \"%s\": scheme must be http or https", endpoint);
		goto out;
	}
	cu.url_get(u, CURLUPART_PORT, &port, 0);
	cu.url_get(u, CURLUPART_PATH, &path, 0);
	ps_buf b = {0};
	if (ps_buf_printf(&b, "%s://%s%s%s%s%s", scheme, s3->o.path_style ? "" : s3->bucket,
	                  s3->o.path_style ? "" : ".", host, port ? ":" : "", port ? port : "")) {
		rc = ps_err_nomem();
		goto out;
	}
	s3->base = b.data;
	size_t pl = path ? strlen(path) : 0;
	while (pl && path[pl - 1] == '/')
		pl--;
	s3->base_path = malloc(pl + 1);
	if (!s3->base_path) {
		rc = ps_err_nomem();
		goto out;
	}
	if (pl)
		memcpy(s3->base_path, path, pl);
	s3->base_path[pl] = 0;
out:
	cu.free(scheme);
	cu.free(host);
	cu.free(port);
	cu.free(path);
	cu.url_cleanup(u);
	return rc;
}

void ps_s3_close(ps_s3 *s3)
{
	if (!s3)
		return;
	if (s3->easy)
		cu.easy_cleanup(s3->easy);
	if (s3->multi)
		cu.multi_cleanup(s3->multi);
	if (s3->secret_key)
		memset(s3->secret_key, 0, strlen(s3->secret_key));
	if (s3->token_hdr)
		memset(s3->token_hdr, 0, strlen(s3->token_hdr));
	free(s3->bucket);
	free(s3->prefix);
	free(s3->region);
	free(s3->base);
	free(s3->base_path);
	free(s3->sigv4);
	free(s3->access_key);
	free(s3->secret_key);
	free(s3->token_hdr);
	free(s3);
}

int ps_s3_open(ps_s3 **out, const ps_s3_options *opts)
{
	*out = NULL;
	ps_s3_options def;
	if (!opts) {
		ps_s3_options_default(&def);
		opts = &def;
	}
	if (!opts->bucket || !*opts->bucket)
		return ps_err(PS_ECONFIG, "S3: no bucket given");
	for (const char *p = opts->bucket; *p; p++)
		if (!unreserved((unsigned char)*p) || *p == '~')
			return ps_err(PS_ECONFIG, "S3: bucket name \"%s\" has a character that is not allowed", opts->bucket);
	if (opts->max_attempts < 1 || opts->max_inflight < 1 || opts->part_size < S3_MIN_PART ||
	    opts->part_size > ((size_t)5 << 30))
		return ps_err(PS_ECONFIG, "S3: max_attempts and max_inflight must be >= 1, part_size within 5 MiB..5 GiB");
	const char *ak = env_nonempty("AWS_ACCESS_KEY_ID"), *sk = env_nonempty("AWS_SECRET_ACCESS_KEY");
	if (!ak || !sk)
		return ps_err(PS_ECONFIG, "S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
	pthread_once(&curl_once, curl_init);
	if (curl_init_err[0])
		return ps_err(PS_EIO, "S3: %s", curl_init_err);

	ps_s3 *s3 = calloc(1, sizeof *s3);
	if (!s3)
		return ps_err_nomem();
	s3->o = *opts;
	const char *region = opts->region ? opts->region : env_nonempty("AWS_REGION");
	if (!region)
		region = env_nonempty("AWS_DEFAULT_REGION");
	if (!region)
		region = "us-east-1";
	for (const char *p = region; *p; p++)
		if (!unreserved((unsigned char)*p)) {
			ps_s3_close(s3);
			return ps_err(PS_ECONFIG, "S3: region \"%s\" is malformed", region);
		}
	s3->bucket = xstrdup(opts->bucket);
	s3->region = xstrdup(region);
	s3->access_key = xstrdup(ak);
	s3->secret_key = xstrdup(sk);
	ps_buf b = {0};
	const char *pre = opts->prefix ? opts->prefix : "";
	while (*pre == '/')
		pre++;
	int rc = ps_buf_add(&b, pre, strlen(pre));
	if (!rc && b.len && b.data[b.len - 1] != '/')
		rc = ps_buf_addc(&b, '/');
	if (!rc && !b.data)
		rc = ps_buf_add(&b, "", 0);
	s3->prefix = b.data;
	ps_buf sig = {0};
	if (!rc)
		rc = ps_buf_printf(&sig, "aws:amz:%s:s3", region);
	s3->sigv4 = sig.data;
	const char *tok = env_nonempty("AWS_SESSION_TOKEN");
	if (tok && strpbrk(tok, "\r\n")) {
		ps_s3_close(s3);
		return ps_err(PS_ECONFIG, "S3: AWS_SESSION_TOKEN holds a line break");
	}
	if (!rc && tok) {
		ps_buf t = {0};
		rc = ps_buf_printf(&t, "x-amz-security-token: %s", tok);
		s3->token_hdr = t.data;
	}
	if (rc || !s3->bucket || !s3->region || !s3->access_key || !s3->secret_key) {
		ps_s3_close(s3);
		return ps_err_nomem();
	}
	const char *endpoint = opts->endpoint ? opts->endpoint : env_nonempty("AWS_ENDPOINT_URL");
	ps_buf ep = {0};
	if (!endpoint) {
		if (ps_buf_printf(&ep, "https://s3.%s.amazonaws.com", region)) {
			ps_s3_close(s3);
			return ps_err_nomem();
		}
		endpoint = ep.data;
	}
	rc = endpoint_parse(s3, endpoint);
	ps_buf_free(&ep);
	if (rc) {
		ps_s3_close(s3);
		return rc;
	}
	s3->easy = cu.easy_init();
	s3->multi = cu.multi_init();
	if (!s3->easy || !s3->multi) {
		ps_s3_close(s3);
		return ps_err(PS_EIO, "S3: libcurl handle creation failed");
	}
	s3->rng = now_ms() ^ (uint64_t)(uintptr_t)s3;
	*out = s3;
	return 0;
}

void ps_s3_endpoint(const ps_s3 *s3, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s", s3->base, s3->base_path);
}

void ps_s3_stats_get(const ps_s3 *s3, ps_s3_stats *out)
{
	*out = s3->st;
}

/* ---- one request ---- */

typedef struct s3_req {
	ps_s3 *s3;
	const char *op;       /* for messages: "GET", "PUT", "list", ... */
	const char *key;      /* for messages: relative key or prefix */
	const char *method;   /* GET HEAD PUT POST DELETE */
	ps_buf url;
	struct curl_slist *hdrs;
	const uint8_t *body;
	size_t body_len, body_pos;
	bool is_get;

	/* response of the current attempt */
	CURL *h;
	long status;
	ps_buf resp;          /* body, when dst is NULL or the status is not 2xx */
	uint8_t *dst;         /* fixed destination of a ranged GET */
	size_t dst_cap, dst_len;
	size_t resp_max;
	bool too_long;
	char etag[PS_S3_ETAG_MAX];
	bool have_total;
	uint64_t total;       /* the object's size, from Content-Range */
	uint64_t clen;
	bool have_clen;
	CURLcode cc;
	char cerr[CURL_ERROR_SIZE];

	/* retry state */
	int attempts;
	uint64_t t0, next_at;
	bool retried;         /* an earlier attempt may have reached the server */
} s3_req;

static void req_free(s3_req *r)
{
	ps_buf_free(&r->url);
	ps_buf_free(&r->resp);
	cu.slist_free_all(r->hdrs);
	r->hdrs = NULL;
}

static int req_header(s3_req *r, const char *h)
{
	struct curl_slist *n = cu.slist_append(r->hdrs, h);
	if (!n)
		return ps_err_nomem();
	r->hdrs = n;
	return 0;
}

/* The URL of key (relative, NULL for the bucket) with a query string
 * whose parameters are already sorted and encoded (NULL: none). */
static int req_init(s3_req *r, ps_s3 *s3, const char *op, const char *method, const char *key, const char *query,
                    const void *body, size_t body_len)
{
	memset(r, 0, sizeof *r);
	r->s3 = s3;
	r->op = op;
	r->key = key ? key : "";
	r->method = method;
	r->body = body;
	r->body_len = body_len;
	r->is_get = !strcmp(method, "GET");
	r->resp_max = (size_t)16 << 20;
	int rc = ps_buf_printf(&r->url, "%s%s/", s3->base, s3->base_path);
	if (!rc && s3->o.path_style) {
		rc = uri_encode(&r->url, s3->bucket, false);
		if (!rc && key)
			rc = ps_buf_addc(&r->url, '/');
	}
	if (!rc && key) {
		rc = uri_encode(&r->url, s3->prefix, true);
		if (!rc)
			rc = uri_encode(&r->url, key, true);
	}
	if (!rc && query) {
		rc = ps_buf_addc(&r->url, '?');
		if (!rc)
			rc = ps_buf_add(&r->url, query, strlen(query));
	}
	char h[128];
	char sha[65];
	if (!rc) {
		if (body_len)
			rc = digest_hex(EVP_sha256(), body, body_len, sha);
		else
			memcpy(sha, S3_EMPTY_SHA256, sizeof sha);
		snprintf(h, sizeof h, "x-amz-content-sha256: %s", sha);
		if (!rc)
			rc = req_header(r, h);
	}
	/* no "Expect:" to suppress curl's 100-continue: curl 7.88 would sign
	 * the header it then leaves out. The wait lets a 412 come before the
	 * body is sent. */
	if (!rc && s3->token_hdr)
		rc = req_header(r, s3->token_hdr);
	if (!rc && !strcmp(method, "POST"))
		rc = req_header(r, "Content-Type: application/xml");
	if (!rc && !strcmp(method, "PUT"))
		rc = req_header(r, "Content-Type: application/octet-stream");
	if (rc) {
		req_free(r);
		return rc == PS_ENOMEM ? ps_err_nomem() : rc;
	}
	return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	s3_req *r = ud;
	size_t len = size * n;
	if (r->status == 0)
		cu.easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->is_get)
		r->s3->st.bytes_fetched += len;
	if (r->dst && r->status >= 200 && r->status < 300) {
		if (len > r->dst_cap - r->dst_len) {
			r->too_long = true;
			return 0;
		}
		memcpy(r->dst + r->dst_len, p, len);
		r->dst_len += len;
		return len;
	}
	if (len > r->resp_max - r->resp.len) {
		r->too_long = true;
		return 0;
	}
	if (ps_buf_add(&r->resp, p, len))
		return 0;
	return len;
}

static bool header_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return false;
	*val = line + k + 1;
	*vlen = n - k - 1;
	return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	s3_req *r = ud;
	size_t len = size * n;
	const char *v;
	size_t vl;
	char tmp[128];
	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		/* a new response (after 100 Continue): forget the previous one's */
		r->etag[0] = 0;
		r->have_total = r->have_clen = false;
		r->status = 0;
	} else if (header_is(p, len, "ETag", &v, &vl)) {
		etag_copy(r->etag, v, vl);
	} else if (header_is(p, len, "Content-Range", &v, &vl)) {
		/* "bytes a-b/total" or "bytes * /total" */
		if (vl >= sizeof tmp)
			vl = sizeof tmp - 1;
		memcpy(tmp, v, vl);
		tmp[vl] = 0;
		const char *slash = strrchr(tmp, '/');
		if (slash && slash[1] >= '0' && slash[1] <= '9') {
			r->total = strtoull(slash + 1, NULL, 10);
			r->have_total = true;
		}
	} else if (header_is(p, len, "Content-Length", &v, &vl)) {
		if (vl >= sizeof tmp)
			vl = sizeof tmp - 1;
		memcpy(tmp, v, vl);
		tmp[vl] = 0;
		r->clen = strtoull(tmp, NULL, 10);
		r->have_clen = true;
	}
	return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
	s3_req *r = ud;
	size_t len = size * n, left = r->body_len - r->body_pos;
	if (len > left)
		len = left;
	if (len)
		memcpy(p, r->body + r->body_pos, len);
	r->body_pos += len;
	r->s3->st.bytes_sent += len;
	return len;
}

static int on_seek(void *ud, curl_off_t off, int origin)
{
	s3_req *r = ud;
	if (origin != SEEK_SET || off < 0 || (uint64_t)off > r->body_len)
		return CURL_SEEKFUNC_FAIL;
	r->body_pos = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	s3_req *r = ud;
	(void)a, (void)b, (void)c, (void)d;
	return ps_cancel_requested(r->s3->o.cancel) ? 1 : 0;
}
/* Acknowledge at once: a server that sends an answer's head and a small
 * body in two writes with Nagle's algorithm on (radosgw's beast does by
 * default) holds the body until the head is acknowledged, and a delayed
 * acknowledgement makes that 40 ms per request. */
static int on_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
	(void)ud;
	if (purpose == CURLSOCKTYPE_IPCXN) {
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
	}
	return CURL_SOCKOPT_OK;
}


/* Sets h up for the next attempt of r. */
static int req_setup(s3_req *r, CURL *h)
{
	ps_s3 *s3 = r->s3;
	cu.easy_reset(h);
	r->h = h;
	r->status = 0;
	r->resp.len = 0;
	if (r->resp.data)
		r->resp.data[0] = 0;
	r->dst_len = 0;
	r->too_long = false;
	r->etag[0] = 0;
	r->have_total = r->have_clen = false;
	r->body_pos = 0;
	r->cerr[0] = 0;
	CURLcode c = CURLE_OK;
#define SET(opt, val) if (!c) c = cu.easy_setopt(h, opt, val)
	SET(CURLOPT_URL, r->url.data);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_AWS_SIGV4, s3->sigv4);
	SET(CURLOPT_USERNAME, s3->access_key);
	SET(CURLOPT_PASSWORD, s3->secret_key);
	SET(CURLOPT_HTTPHEADER, r->hdrs);
	SET(CURLOPT_ERRORBUFFER, r->cerr);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, r);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, r);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)s3->o.connect_timeout_ms);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, (long)(s3->o.stall_timeout_s ? s3->o.stall_timeout_s : 1));
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_SOCKOPTFUNCTION, on_sockopt);
	if (s3->o.cancel) {
		SET(CURLOPT_XFERINFOFUNCTION, on_progress);
		SET(CURLOPT_XFERINFODATA, r);
		SET(CURLOPT_NOPROGRESS, 0L);
	}
	if (!strcmp(r->method, "HEAD")) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (!strcmp(r->method, "PUT")) {
		SET(CURLOPT_UPLOAD, 1L);
		SET(CURLOPT_READFUNCTION, on_read);
		SET(CURLOPT_READDATA, r);
		SET(CURLOPT_SEEKFUNCTION, on_seek);
		SET(CURLOPT_SEEKDATA, r);
		SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_len);
	} else if (!strcmp(r->method, "POST")) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, r->body ? (const char *)r->body : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		if (!c)
			s3->st.bytes_sent += r->body_len;
	} else if (!strcmp(r->method, "DELETE")) {
		SET(CURLOPT_CUSTOMREQUEST, "DELETE");
	}
#undef SET
	if (c)
		return ps_err(PS_EIO, "S3 %s %s: libcurl option: %s", r->op, r->key, cu.easy_strerror(c));
	return 0;
}

static bool curl_retryable(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		return true;
	default:
		return false;
	}
}

/* Code and Message of an S3 error document into code/msg. */
typedef struct err_doc {
	char code[64], msg[192];
} err_doc;

static int err_doc_fn(void *ctx, const char *path, const char *text, size_t len)
{
	err_doc *d = ctx;
	char *dst = NULL;
	size_t cap = 0;
	if (!strcmp(path, "Error/Code")) {
		dst = d->code;
		cap = sizeof d->code;
	} else if (!strcmp(path, "Error/Message")) {
		dst = d->msg;
		cap = sizeof d->msg;
	}
	if (dst) {
		if (len >= cap)
			len = cap - 1;
		memcpy(dst, text, len);
		dst[len] = 0;
	}
	return 0;
}

static void err_doc_read(const s3_req *r, err_doc *d)
{
	memset(d, 0, sizeof *d);
	if (r->resp.len && r->resp.data[0] == '<') {
		char keep[1024];
		snprintf(keep, sizeof keep, "%s", ps_errmsg());
		if (ps_xml_parse(r->resp.data, r->resp.len, "error", err_doc_fn, d))
			d->code[0] = d->msg[0] = 0;
		ps_err(0, "%s", keep);
	}
	/* only printable ASCII goes into a message */
	for (char *p = d->code; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	for (char *p = d->msg; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

/* "HTTP 503 SlowDown (Please reduce...)" or the transfer's failure. */
static void describe(const s3_req *r, char *buf, size_t cap)
{
	if (r->cc == CURLE_OK || r->cc == CURLE_WRITE_ERROR) {
		if (r->too_long) {
			snprintf(buf, cap, "HTTP %ld, response longer than expected", r->status);
			return;
		}
		err_doc d;
		err_doc_read(r, &d);
		snprintf(buf, cap, "HTTP %ld%s%s%s%s%s", r->status, d.code[0] ? " " : "", d.code, d.msg[0] ? " (" : "",
		         d.msg, d.msg[0] ? ")" : "");
	} else {
		snprintf(buf, cap, "%s", r->cerr[0] ? r->cerr : cu.easy_strerror(r->cc));
	}
}

/* 500, 502, 503 (SlowDown), 504, 429, and S3's 400 RequestTimeout (the
 * body came too slowly): answers that a later attempt may not get. */
static bool status_retryable(const s3_req *r)
{
	long st = r->status;
	if (st == 500 || st == 502 || st == 503 || st == 504 || st == 429)
		return true;
	if (st == 400) {
		err_doc d;
		err_doc_read(r, &d);
		return !strcmp(d.code, "RequestTimeout");
	}
	return false;
}

enum { ATTEMPT_DONE, ATTEMPT_RETRY, ATTEMPT_FAIL };

/* After an attempt: done (a final HTTP answer, 2xx or not), retry (after
 * r->next_at) or fail (error set). */
static int req_outcome(s3_req *r, CURLcode cc, int *rc)
{
	ps_s3 *s3 = r->s3;
	r->cc = cc;
	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && r->too_long))
		cu.easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->status);
	if (cc == CURLE_ABORTED_BY_CALLBACK && ps_cancel_requested(s3->o.cancel)) {
		*rc = ps_err(PS_ECANCELED, "S3 %s %s: canceled", r->op, r->key);
		return ATTEMPT_FAIL;
	}
	bool retry = cc == CURLE_OK ? status_retryable(r) : curl_retryable(cc);
	if (!retry) {
		if (cc == CURLE_OK)
			return ATTEMPT_DONE;
		char why[512];
		describe(r, why, sizeof why);
		*rc = ps_err(r->too_long ? PS_ELIMIT : PS_EIO, "S3 %s %s: %s", r->op, r->key, why);
		return ATTEMPT_FAIL;
	}
	r->retried = true;
	uint64_t now = now_ms(), elapsed = now - r->t0;
	uint64_t cap = (uint64_t)s3->o.backoff_base_ms << (r->attempts - 1 < 20 ? r->attempts - 1 : 20);
	if (cap > s3->o.backoff_max_ms)
		cap = s3->o.backoff_max_ms;
	uint64_t delay = cap ? rng_next(s3) % (cap + 1) : 0;
	if (r->attempts >= s3->o.max_attempts || elapsed + delay > s3->o.retry_budget_ms ||
	    ps_cancel_requested(s3->o.cancel)) {
		char why[512];
		describe(r, why, sizeof why);
		if (ps_cancel_requested(s3->o.cancel))
			*rc = ps_err(PS_ECANCELED, "S3 %s %s: canceled after %d attempts, the last: %s", r->op, r->key,
			             r->attempts, why);
		else
			*rc = ps_err(PS_EIO, "S3 %s %s: %s; gave up after %d attempt%s in %.1f s (limits: %d attempts, %.1f s)",
			             r->op, r->key, why, r->attempts, r->attempts == 1 ? "" : "s", (double)elapsed / 1000.0,
			             s3->o.max_attempts, (double)s3->o.retry_budget_ms / 1000.0);
		return ATTEMPT_FAIL;
	}
	r->next_at = now + delay;
	return ATTEMPT_RETRY;
}

/* Runs r to a final HTTP answer on the handle's easy handle. */
static int req_run(s3_req *r)
{
	ps_s3 *s3 = r->s3;
	r->t0 = now_ms();
	for (;;) {
		if (ps_cancel_requested(s3->o.cancel))
			return ps_err(PS_ECANCELED, "S3 %s %s: canceled", r->op, r->key);
		int rc = req_setup(r, s3->easy);
		if (rc)
			return rc;
		r->attempts++;
		s3->st.requests++;
		if (r->attempts > 1)
			s3->st.retries++;
		CURLcode cc = cu.easy_perform(s3->easy);
		switch (req_outcome(r, cc, &rc)) {
		case ATTEMPT_DONE:
			return 0;
		case ATTEMPT_FAIL:
			return rc;
		default:
			break;
		}
		/* the backoff, in slices so that a cancellation ends it */
		for (uint64_t now = now_ms(); r->next_at > now && !ps_cancel_requested(s3->o.cancel); now = now_ms())
			sleep_ms(r->next_at - now < 50 ? r->next_at - now : 50);
	}
}

/* The error for a final, non-2xx answer that the caller does not handle. */
static int req_http_error(const s3_req *r)
{
	char why[512];
	describe(r, why, sizeof why);
	int code = r->status == 404 ? PS_ENOTFOUND : PS_EIO;
	return ps_err(code, "S3 %s %s: %s", r->op, r->key, why);
}

static bool ok2xx(const s3_req *r)
{
	return r->status >= 200 && r->status < 300;
}

/* ---- objects ---- */

int ps_s3_head(ps_s3 *s3, const char *key, ps_s3_stat *out)
{
	s3_req r;
	memset(out, 0, sizeof *out);
	int rc = req_init(&r, s3, "HEAD", "HEAD", key, NULL, NULL, 0);
	if (!rc)
		rc = req_run(&r);
	if (!rc && !ok2xx(&r))
		rc = r.status == 404 ? ps_err(PS_ENOTFOUND, "S3 HEAD %s: no such key", key) : req_http_error(&r);
	if (!rc) {
		out->size = r.clen;
		memcpy(out->etag, r.etag, sizeof out->etag);
	}
	req_free(&r);
	return rc;
}

int ps_s3_get(ps_s3 *s3, const char *key, uint8_t **data, size_t *len, char etag[PS_S3_ETAG_MAX])
{
	s3_req r;
	*data = NULL;
	*len = 0;
	int rc = req_init(&r, s3, "GET", "GET", key, NULL, NULL, 0);
	if (rc)
		return rc;
	r.resp_max = s3->o.get_max;
	rc = req_run(&r);
	if (!rc && !ok2xx(&r))
		rc = r.status == 404 ? ps_err(PS_ENOTFOUND, "S3 GET %s: no such key", key) : req_http_error(&r);
	if (!rc && r.have_clen && r.clen != r.resp.len)
		rc = ps_err(PS_EIO, "S3 GET %s: %zu bytes received of %" PRIu64, key, r.resp.len, r.clen);
	if (!rc) {
		if (!r.resp.data && ps_buf_add(&r.resp, "", 0)) {
			req_free(&r);
			return ps_err_nomem();
		}
		*data = (uint8_t *)r.resp.data;
		*len = r.resp.len;
		r.resp.data = NULL;
		if (etag)
			memcpy(etag, r.etag, PS_S3_ETAG_MAX);
	}
	req_free(&r);
	return rc;
}

/* Prepares a ranged GET of [off, off+len) (len 0: the last tail bytes)
 * into dst. */
static int range_init(s3_req *r, ps_s3 *s3, const char *key, uint64_t off, size_t len, size_t tail, void *dst)
{
	int rc = req_init(r, s3, "GET", "GET", key, NULL, NULL, 0);
	if (rc)
		return rc;
	char h[96];
	if (tail)
		snprintf(h, sizeof h, "Range: bytes=-%zu", tail);
	else
		snprintf(h, sizeof h, "Range: bytes=%" PRIu64 "-%" PRIu64, off, off + len - 1);
	if ((rc = req_header(r, h))) {
		req_free(r);
		return rc;
	}
	if (s3->pin[0]) {
		char m[PS_S3_ETAG_MAX + 16];
		snprintf(m, sizeof m, "If-Match: %s", s3->pin);
		if ((rc = req_header(r, m))) {
			req_free(r);
			return rc;
		}
	}
	r->dst = dst;
	r->dst_cap = tail ? tail : len;
	return 0;
}

/* A ranged GET's final answer: 206 with the bytes, 416 past the end. */
static int range_result(s3_req *r, size_t *got)
{
	if (r->status == 206) {
		if (r->have_clen && r->clen != r->dst_len)
			return ps_err(PS_EIO, "S3 GET %s: %zu bytes received of %" PRIu64, r->key, r->dst_len, r->clen);
		*got = r->dst_len;
		return 0;
	}
	if (r->status == 200 && r->dst_len == 0 && r->have_clen && r->clen == 0) {
		*got = 0; /* an empty object */
		r->have_total = true;
		r->total = 0;
		return 0;
	}
	if (r->status == 416) {
		*got = 0;
		return 0;
	}
	if (r->status == 200)
		return ps_err(PS_EUNSUPPORTED, "S3 GET %s: the server ignored the Range header", r->key);
	if (r->status == 404)
		return ps_err(PS_ENOTFOUND, "S3 GET %s: no such key", r->key);
	if (r->status == 412)
		return ps_err(PS_S3_ECHANGED, "S3 GET %s: the object was replaced while it was read", r->key);
	return req_http_error(r);
}

int ps_s3_get_range(ps_s3 *s3, const char *key, uint64_t off, size_t len, void *dst, size_t *got)
{
	*got = 0;
	if (len == 0)
		return 0;
	if (off > UINT64_MAX - len)
		return ps_err(PS_EINVAL, "S3 GET %s: range %" PRIu64 "+%zu overflows", key, off, len);
	s3_req r;
	int rc = range_init(&r, s3, key, off, len, 0, dst);
	if (!rc)
		rc = req_run(&r);
	if (!rc)
		rc = range_result(&r, got);
	req_free(&r);
	return rc;
}

int ps_s3_get_tail(ps_s3 *s3, const char *key, size_t n, void *dst, size_t *got, uint64_t *size)
{
	*got = 0;
	if (size)
		*size = 0;
	if (n == 0) {
		ps_s3_stat st;
		int rc = ps_s3_head(s3, key, &st);
		if (!rc && size)
			*size = st.size;
		return rc;
	}
	s3_req r;
	int rc = range_init(&r, s3, key, 0, 0, n, dst);
	if (!rc)
		rc = req_run(&r);
	if (!rc)
		rc = range_result(&r, got);
	if (!rc && size)
		*size = r.have_total ? r.total : *got;
	if (!rc)
		memcpy(s3->last_etag, r.etag, PS_S3_ETAG_MAX);
	req_free(&r);
	return rc;
}

void ps_s3_pin(ps_s3 *s3, const char *etag)
{
	snprintf(s3->pin, sizeof s3->pin, "%s", etag ? etag : "");
}

const char *ps_s3_last_etag(const ps_s3 *s3)
{
	return s3->last_etag;
}

/* ---- several ranges at once ---- */

typedef struct range_group {
	uint64_t lo, hi;   /* [lo, hi) */
	uint64_t useful;   /* bytes of the ranges it holds */
	size_t first, count; /* in the sorted order */
	uint8_t *buf;      /* owned, or the single range's dst */
	bool own;
	s3_req req;
	bool started, done;
} range_group;

typedef struct range_key {
	uint64_t off;
	size_t i;
} range_key;

static int range_cmp(const void *a, const void *b)
{
	uint64_t x = ((const range_key *)a)->off, y = ((const range_key *)b)->off;
	return x < y ? -1 : x > y;
}

/* idx[0..n) ordered by the ranges' offsets */
static int sort_ranges(const ps_s3_range *ranges, size_t *idx, size_t n)
{
	range_key *k = malloc((n ? n : 1) * sizeof *k);
	if (!k)
		return ps_err_nomem();
	for (size_t j = 0; j < n; j++)
		k[j] = (range_key){ranges[idx[j]].off, idx[j]};
	qsort(k, n, sizeof *k, range_cmp);
	for (size_t j = 0; j < n; j++)
		idx[j] = k[j].i;
	free(k);
	return 0;
}

int ps_s3_get_ranges(ps_s3 *s3, const char *key, ps_s3_range *ranges, size_t n)
{
	size_t *idx = NULL, nidx = 0;
	range_group *g = NULL;
	size_t ng = 0;
	CURL **easies = NULL;
	int rc = 0, nslots = s3->o.max_inflight;
	if ((size_t)nslots > n)
		nslots = (int)n;
	for (size_t i = 0; i < n; i++) {
		ranges[i].got = 0;
		if (ranges[i].len && ranges[i].off > UINT64_MAX - ranges[i].len)
			return ps_err(PS_EINVAL, "S3 GET %s: range %" PRIu64 "+%zu overflows", key, ranges[i].off,
			              ranges[i].len);
	}
	if (!n)
		return 0;
	idx = malloc(n * sizeof *idx);
	g = calloc(n, sizeof *g);
	easies = calloc((size_t)nslots, sizeof *easies);
	if (!idx || !g || !easies) {
		rc = ps_err_nomem();
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (ranges[i].len)
			idx[nidx++] = i;
	if ((rc = sort_ranges(ranges, idx, nidx)))
		goto out;
	for (size_t k = 0; k < nidx; k++) {
		const ps_s3_range *x = &ranges[idx[k]];
		uint64_t end = x->off + x->len;
		if (ng) {
			range_group *c = &g[ng - 1];
			uint64_t hi = end > c->hi ? end : c->hi;
			uint64_t gap = x->off > c->hi ? x->off - c->hi : 0;
			if (hi - c->lo <= s3->o.coalesce_max &&
			    (gap <= s3->o.coalesce_gap || (gap <= s3->o.coalesce_gap_useful && gap <= c->useful + x->len))) {
				c->hi = hi;
				c->useful += x->len;
				c->count++;
				continue;
			}
		}
		g[ng++] = (range_group){.lo = x->off, .hi = end, .useful = x->len, .first = k, .count = 1};
	}
	for (size_t i = 0; i < ng; i++) {
		range_group *c = &g[i];
		if (c->count == 1) {
			c->buf = ranges[idx[c->first]].dst;
		} else {
			c->buf = malloc((size_t)(c->hi - c->lo));
			c->own = true;
			if (!c->buf) {
				rc = ps_err_nomem();
				goto out;
			}
		}
		if ((rc = range_init(&c->req, s3, key, c->lo, (size_t)(c->hi - c->lo), 0, c->buf)))
			goto out;
		c->started = true;
	}

	/* run them, nslots at a time; each slot's easy handle keeps its connection */
	size_t next = 0, done = 0;
	int *slot_of = calloc(ng, sizeof *slot_of);
	bool *busy = calloc((size_t)nslots, sizeof *busy);
	size_t *waiting = malloc(ng * sizeof *waiting); /* groups waiting for a retry */
	size_t nwait = 0;
	if (!slot_of || !busy || !waiting) {
		free(slot_of);
		free(busy);
		free(waiting);
		rc = ps_err_nomem();
		goto out;
	}
	for (int s = 0; s < nslots; s++)
		if (!(easies[s] = cu.easy_init())) {
			rc = ps_err(PS_EIO, "S3: libcurl handle creation failed");
			break;
		}
	uint64_t t0 = now_ms();
	for (size_t i = 0; i < ng; i++)
		g[i].req.t0 = t0;
	while (!rc && done < ng) {
		if (ps_cancel_requested(s3->o.cancel)) {
			rc = ps_err(PS_ECANCELED, "S3 GET %s: canceled", key);
			break;
		}
		/* start what may start: retries that are due first, then new groups */
		uint64_t now = now_ms(), wake = now + 100;
		for (int s = 0; s < nslots && !rc; s++) {
			if (busy[s])
				continue;
			size_t pick = ng;
			for (size_t w = 0; w < nwait; w++)
				if (g[waiting[w]].req.next_at <= now) {
					pick = waiting[w];
					waiting[w] = waiting[--nwait];
					break;
				}
			if (pick == ng && next < ng)
				pick = next++;
			if (pick == ng)
				break;
			s3_req *r = &g[pick].req;
			if ((rc = req_setup(r, easies[s])))
				break;
			cu.easy_setopt(easies[s], CURLOPT_PRIVATE, (void *)&g[pick]);
			r->attempts++;
			s3->st.requests++;
			if (r->attempts > 1)
				s3->st.retries++;
			if (cu.multi_add_handle(s3->multi, easies[s])) {
				rc = ps_err(PS_EIO, "S3 GET %s: libcurl multi add failed", key);
				break;
			}
			busy[s] = true;
			slot_of[pick] = s;
		}
		for (size_t w = 0; w < nwait; w++)
			if (g[waiting[w]].req.next_at < wake)
				wake = g[waiting[w]].req.next_at;
		if (rc)
			break;
		int running = 0;
		CURLMcode mc = cu.multi_perform(s3->multi, &running);
		if (mc) {
			rc = ps_err(PS_EIO, "S3 GET %s: libcurl: %s", key, cu.multi_strerror(mc));
			break;
		}
		CURLMsg *m;
		int left;
		while ((m = cu.multi_info_read(s3->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			range_group *c = NULL;
			cu.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			CURLcode cc = m->data.result;
			cu.multi_remove_handle(s3->multi, m->easy_handle);
			busy[slot_of[c - g]] = false;
			int orc = 0;
			switch (req_outcome(&c->req, cc, &orc)) {
			case ATTEMPT_DONE: {
				size_t got = 0;
				if ((orc = range_result(&c->req, &got)))
					break;
				for (size_t k = c->first; k < c->first + c->count; k++) {
					ps_s3_range *x = &ranges[idx[k]];
					uint64_t at = x->off - c->lo;
					size_t avail = got > at ? got - (size_t)at : 0;
					x->got = avail < x->len ? avail : x->len;
					if (c->own && x->got)
						memcpy(x->dst, c->buf + at, x->got);
				}
				c->done = true;
				done++;
				break;
			}
			case ATTEMPT_RETRY:
				waiting[nwait++] = (size_t)(c - g);
				break;
			default:
				break;
			}
			if (orc && !rc)
				rc = orc;
		}
		if (rc || done == ng)
			break;
		now = now_ms();
		int timeout = wake > now ? (int)(wake - now) : 0;
		if (running || timeout > 0)
			cu.multi_poll(s3->multi, NULL, 0, timeout > 100 ? 100 : timeout, NULL);
	}
	for (int s = 0; s < nslots; s++)
		if (easies[s]) {
			if (busy[s])
				cu.multi_remove_handle(s3->multi, easies[s]);
			cu.easy_cleanup(easies[s]);
		}
	free(slot_of);
	free(busy);
	free(waiting);
out:
	if (g)
		for (size_t i = 0; i < ng; i++) {
			if (g[i].started)
				req_free(&g[i].req);
			if (g[i].own)
				free(g[i].buf);
		}
	if (rc)
		for (size_t i = 0; i < n; i++)
			ranges[i].got = 0;
	free(easies);
	free(g);
	free(idx);
	return rc;
}

/* ---- PUT ---- */

enum { PUT_ALWAYS, PUT_IF_ABSENT, PUT_IF_MATCH };

/* After a 412 on an attempt that followed one whose answer was lost: the
 * lost one may have written this very content. Single-part ETags are the
 * MD5 of the content. */
static bool put_landed(ps_s3 *s3, const char *key, const void *data, size_t len, char etag[PS_S3_ETAG_MAX])
{
	char md5[33];
	ps_s3_stat st;
	char keep[1024];
	snprintf(keep, sizeof keep, "%s", ps_errmsg());
	bool same = !digest_hex(EVP_md5(), data, len, md5) && !ps_s3_head(s3, key, &st) && st.size == len &&
	            !strcasecmp(st.etag, md5);
	ps_err(0, "%s", keep);
	if (same && etag)
		memcpy(etag, st.etag, PS_S3_ETAG_MAX);
	return same;
}

static int put_any(ps_s3 *s3, const char *key, const void *data, size_t len, int cond, const char *if_etag,
                   char etag[PS_S3_ETAG_MAX])
{
	s3_req r;
	if (etag)
		etag[0] = 0;
	if (cond == PUT_IF_MATCH && (!if_etag || !*if_etag || strpbrk(if_etag, "\r\n\"")))
		return ps_err(PS_EINVAL, "S3 PUT %s: If-Match needs an ETag without quotes", key);
	int rc = req_init(&r, s3, "PUT", "PUT", key, NULL, data, len);
	if (rc)
		return rc;
	if (cond == PUT_IF_ABSENT) {
		rc = req_header(&r, "If-None-Match: *");
	} else if (cond == PUT_IF_MATCH) {
		/* radosgw matches an unquoted ETag only; AWS takes either */
		char h[PS_S3_ETAG_MAX + 16];
		snprintf(h, sizeof h, "If-Match: %.*s", PS_S3_ETAG_MAX - 1, if_etag);
		rc = req_header(&r, h);
	}
	if (!rc)
		rc = req_run(&r);
	if (!rc) {
		if (ok2xx(&r)) {
			if (etag)
				memcpy(etag, r.etag, PS_S3_ETAG_MAX);
		} else if (r.status == 412 && r.retried && put_landed(s3, key, data, len, etag)) {
			rc = 0;
		} else if (r.status == 412 && cond == PUT_IF_ABSENT) {
			rc = ps_err(PS_S3_EEXISTS, "S3 PUT %s: the key exists", key);
		} else if (r.status == 412 && cond == PUT_IF_MATCH) {
			rc = ps_err(PS_S3_ECHANGED, "S3 PUT %s: the object is no longer ETag %s", key, if_etag);
		} else if (r.status == 404 && cond == PUT_IF_MATCH) {
			rc = ps_err(PS_ENOTFOUND, "S3 PUT %s: If-Match %s, but no such key", key, if_etag);
		} else {
			rc = req_http_error(&r);
		}
	}
	req_free(&r);
	return rc;
}

int ps_s3_put(ps_s3 *s3, const char *key, const void *data, size_t len, char etag[PS_S3_ETAG_MAX])
{
	return put_any(s3, key, data, len, PUT_ALWAYS, NULL, etag);
}

int ps_s3_put_new(ps_s3 *s3, const char *key, const void *data, size_t len, char etag[PS_S3_ETAG_MAX])
{
	return put_any(s3, key, data, len, PUT_IF_ABSENT, NULL, etag);
}

int ps_s3_put_if_match(ps_s3 *s3, const char *key, const void *data, size_t len, const char *if_etag,
                       char etag[PS_S3_ETAG_MAX])
{
	return put_any(s3, key, data, len, PUT_IF_MATCH, if_etag, etag);
}

int ps_s3_delete(ps_s3 *s3, const char *key)
{
	s3_req r;
	int rc = req_init(&r, s3, "DELETE", "DELETE", key, NULL, NULL, 0);
	if (!rc)
		rc = req_run(&r);
	if (!rc && !ok2xx(&r) && r.status != 404)
		rc = req_http_error(&r);
	req_free(&r);
	return rc;
}

/* ---- listing ---- */

typedef struct list_ctx {
	ps_s3 *s3;
	ps_s3_list_page *page;
	size_t cap_e, cap_p;
	ps_s3_entry cur;
	bool truncated;
	int rc;
} list_ctx;

static char *strip_prefix(ps_s3 *s3, const char *key, size_t len)
{
	size_t pl = strlen(s3->prefix);
	if (len < pl || memcmp(key, s3->prefix, pl))
		return NULL;
	char *d = malloc(len - pl + 1);
	if (d) {
		memcpy(d, key + pl, len - pl);
		d[len - pl] = 0;
	}
	return d;
}

static int list_fn(void *ud, const char *path, const char *text, size_t len)
{
	list_ctx *c = ud;
	ps_s3_list_page *p = c->page;
	if (strncmp(path, "ListBucketResult/", 17))
		return 0;
	path += 17;
	if (!strcmp(path, "Contents/Key")) {
		free(c->cur.key);
		if (!(c->cur.key = strip_prefix(c->s3, text, len)))
			return ps_err(PS_ECORRUPT, "S3 list: key \"%.200s\" outside the prefix \"%s\"", text, c->s3->prefix);
	} else if (!strcmp(path, "Contents/Size")) {
		char *end;
		c->cur.size = strtoull(text, &end, 10);
		if (end == text || *end)
			return ps_err(PS_ECORRUPT, "S3 list: size \"%.40s\" is not a number", text);
	} else if (!strcmp(path, "Contents/ETag")) {
		etag_copy(c->cur.etag, text, len);
	} else if (!strcmp(path, "Contents")) {
		if (!c->cur.key)
			return ps_err(PS_ECORRUPT, "S3 list: an entry without a key");
		if (ps_array_room(&p->entries, &c->cap_e, p->n_entries, sizeof *p->entries, 64))
			return PS_ENOMEM;
		p->entries[p->n_entries++] = c->cur;
		memset(&c->cur, 0, sizeof c->cur);
	} else if (!strcmp(path, "CommonPrefixes/Prefix")) {
		char *s = strip_prefix(c->s3, text, len);
		if (!s)
			return ps_err(PS_ECORRUPT, "S3 list: prefix \"%.200s\" outside \"%s\"", text, c->s3->prefix);
		if (ps_array_room(&p->prefixes, &c->cap_p, p->n_prefixes, sizeof *p->prefixes, 16)) {
			free(s);
			return PS_ENOMEM;
		}
		p->prefixes[p->n_prefixes++] = s;
	} else if (!strcmp(path, "IsTruncated")) {
		c->truncated = !strcmp(text, "true");
	} else if (!strcmp(path, "NextContinuationToken")) {
		free(p->next_token);
		if (!(p->next_token = xstrdup(text)))
			return ps_err_nomem();
	}
	return 0;
}

void ps_s3_list_page_free(ps_s3_list_page *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_entries; i++)
		free(p->entries[i].key);
	for (size_t i = 0; i < p->n_prefixes; i++)
		free(p->prefixes[i]);
	free(p->entries);
	free(p->prefixes);
	free(p->next_token);
	memset(p, 0, sizeof *p);
}

/* "name=value&" with the value encoded, for a query built in sorted order. */
static int query_add(ps_buf *q, const char *name, const char *value)
{
	if (q->len && ps_buf_addc(q, '&'))
		return PS_ENOMEM;
	if (ps_buf_add(q, name, strlen(name)) || ps_buf_addc(q, '='))
		return PS_ENOMEM;
	return uri_encode(q, value ? value : "", false);
}

int ps_s3_list(ps_s3 *s3, const char *prefix, const char *delimiter, const char *token, int max_keys,
               ps_s3_list_page *page)
{
	memset(page, 0, sizeof *page);
	ps_buf q = {0}, full = {0};
	char mk[16];
	snprintf(mk, sizeof mk, "%d", max_keys);
	/* parameters in their sorted order: SigV4's canonical query */
	int rc = ps_buf_printf(&full, "%s%s", s3->prefix, prefix ? prefix : "");
	if (!rc && token)
		rc = query_add(&q, "continuation-token", token);
	if (!rc && delimiter && *delimiter)
		rc = query_add(&q, "delimiter", delimiter);
	if (!rc)
		rc = query_add(&q, "list-type", "2");
	if (!rc && max_keys > 0)
		rc = query_add(&q, "max-keys", mk);
	if (!rc)
		rc = query_add(&q, "prefix", full.data);
	if (rc) {
		ps_buf_free(&q);
		ps_buf_free(&full);
		return ps_err_nomem();
	}
	s3_req r;
	rc = req_init(&r, s3, "list", "GET", NULL, q.data, NULL, 0);
	if (!rc) {
		r.key = prefix ? prefix : "";
		rc = req_run(&r);
	}
	if (!rc && !ok2xx(&r))
		rc = req_http_error(&r);
	if (!rc) {
		list_ctx c = {.s3 = s3, .page = page};
		rc = ps_xml_parse(r.resp.data ? r.resp.data : "", r.resp.len, "S3 list", list_fn, &c);
		free(c.cur.key);
		if (!rc && c.truncated && !page->next_token)
			rc = ps_err(PS_ECORRUPT, "S3 list %s: a truncated page without a continuation token", r.key);
		if (!rc && !c.truncated) {
			free(page->next_token);
			page->next_token = NULL;
		}
		if (rc)
			ps_s3_list_page_free(page);
		if (rc == PS_ENOMEM)
			ps_err_nomem();
	}
	req_free(&r);
	ps_buf_free(&q);
	ps_buf_free(&full);
	return rc;
}

static int uploads_fn(void *ud, const char *path, const char *text, size_t len)
{
	(void)text, (void)len;
	if (!strcmp(path, "ListMultipartUploadsResult/Upload"))
		(*(size_t *)ud)++;
	return 0;
}

int ps_s3_uploads_count(ps_s3 *s3, const char *prefix, size_t *n)
{
	ps_buf q = {0}, full = {0};
	*n = 0;
	int rc = ps_buf_printf(&full, "%s%s", s3->prefix, prefix ? prefix : "");
	if (!rc)
		rc = query_add(&q, "prefix", full.data);
	if (!rc)
		rc = query_add(&q, "uploads", "");
	if (rc) {
		ps_buf_free(&q);
		ps_buf_free(&full);
		return ps_err_nomem();
	}
	s3_req r;
	rc = req_init(&r, s3, "list uploads", "GET", NULL, q.data, NULL, 0);
	if (!rc) {
		r.key = prefix ? prefix : "";
		rc = req_run(&r);
	}
	if (!rc && !ok2xx(&r))
		rc = req_http_error(&r);
	if (!rc)
		rc = ps_xml_parse(r.resp.data ? r.resp.data : "", r.resp.len, "S3 list uploads", uploads_fn, n);
	req_free(&r);
	ps_buf_free(&q);
	ps_buf_free(&full);
	return rc;
}

/* ---- multipart upload ---- */

struct ps_s3_upload {
	ps_s3 *s3;
	char *key;
	uint8_t *buf;
	size_t len;
	char *upload_id;
	char (*etags)[PS_S3_ETAG_MAX];
	size_t n_parts, cap_parts;
	uint64_t total;
	bool failed;
};

typedef struct text_ctx {
	const char *want;
	char *out;
	size_t cap;
	bool found, is_error;
} text_ctx;

static int text_fn(void *ud, const char *path, const char *text, size_t len)
{
	text_ctx *c = ud;
	if (!strncmp(path, "Error", 5) && (path[5] == 0 || path[5] == '/'))
		c->is_error = true;
	if (!strcmp(path, c->want)) {
		if (len >= c->cap)
			return ps_err(PS_ECORRUPT, "S3: %s is too long", c->want);
		memcpy(c->out, text, len);
		c->out[len] = 0;
		c->found = true;
	}
	return 0;
}

int ps_s3_upload_begin(ps_s3 *s3, const char *key, ps_s3_upload **out)
{
	*out = NULL;
	ps_s3_upload *u = calloc(1, sizeof *u);
	if (!u)
		return ps_err_nomem();
	u->s3 = s3;
	u->key = xstrdup(key);
	u->buf = malloc(s3->o.part_size);
	if (!u->key || !u->buf) {
		free(u->key);
		free(u->buf);
		free(u);
		return ps_err_nomem();
	}
	*out = u;
	return 0;
}

static int upload_query(ps_buf *q, const char *part, const char *id)
{
	/* sorted: partNumber before uploadId */
	int rc = 0;
	if (part)
		rc = query_add(q, "partNumber", part);
	if (!rc)
		rc = query_add(q, "uploadId", id);
	return rc ? ps_err_nomem() : 0;
}

static int upload_create(ps_s3_upload *u)
{
	s3_req r;
	int rc = req_init(&r, u->s3, "create multipart upload", "POST", u->key, "uploads=", NULL, 0);
	if (rc)
		return rc;
	rc = req_run(&r);
	if (!rc && !ok2xx(&r))
		rc = req_http_error(&r);
	char id[1024];
	text_ctx c = {.want = "InitiateMultipartUploadResult/UploadId", .out = id, .cap = sizeof id};
	if (!rc)
		rc = ps_xml_parse(r.resp.data ? r.resp.data : "", r.resp.len, "S3 create multipart upload", text_fn, &c);
	if (!rc && (!c.found || !id[0]))
		rc = ps_err(PS_ECORRUPT, "S3 create multipart upload %s: no UploadId in the answer", u->key);
	if (!rc && !(u->upload_id = xstrdup(id)))
		rc = ps_err_nomem();
	req_free(&r);
	return rc;
}

static int upload_part(ps_s3_upload *u)
{
	if (u->n_parts >= S3_MAX_PARTS)
		return ps_err(PS_ELIMIT, "S3 upload %s: more than %d parts of %zu bytes", u->key, S3_MAX_PARTS,
		              u->s3->o.part_size);
	if (ps_cancel_requested(u->s3->o.cancel))
		return ps_err(PS_ECANCELED, "S3 upload %s: canceled", u->key);
	int rc;
	if (!u->upload_id && (rc = upload_create(u)))
		return rc;
	if (ps_array_room(&u->etags, &u->cap_parts, u->n_parts, sizeof *u->etags, 16))
		return PS_ENOMEM;
	char num[16];
	snprintf(num, sizeof num, "%zu", u->n_parts + 1);
	ps_buf q = {0};
	if ((rc = upload_query(&q, num, u->upload_id)))
		return rc;
	s3_req r;
	rc = req_init(&r, u->s3, "upload part", "PUT", u->key, q.data, u->buf, u->len);
	ps_buf_free(&q);
	if (rc)
		return rc;
	rc = req_run(&r);
	if (!rc && !ok2xx(&r))
		rc = req_http_error(&r);
	if (!rc && !r.etag[0])
		rc = ps_err(PS_ECORRUPT, "S3 upload part %zu of %s: no ETag in the answer", u->n_parts + 1, u->key);
	if (!rc) {
		memcpy(u->etags[u->n_parts++], r.etag, PS_S3_ETAG_MAX);
		u->len = 0;
	}
	req_free(&r);
	return rc;
}

static int upload_abort_request(ps_s3_upload *u)
{
	if (!u->upload_id)
		return 0;
	ps_buf q = {0};
	int rc = upload_query(&q, NULL, u->upload_id);
	if (rc)
		return rc;
	s3_req r;
	/* an abort must run even when the cancellation that caused it is set */
	const ps_cancel *cancel = u->s3->o.cancel;
	u->s3->o.cancel = NULL;
	rc = req_init(&r, u->s3, "abort multipart upload", "DELETE", u->key, q.data, NULL, 0);
	ps_buf_free(&q);
	if (!rc) {
		rc = req_run(&r);
		if (!rc && !ok2xx(&r) && r.status != 404)
			rc = req_http_error(&r);
		req_free(&r);
	}
	if (!rc) {
		free(u->upload_id);
		u->upload_id = NULL;
	}
	u->s3->o.cancel = cancel;
	return rc;
}

/* Aborts after a failure, keeping the failure's message. */
static int upload_fail(ps_s3_upload *u, int rc)
{
	char keep[1024];
	snprintf(keep, sizeof keep, "%s", ps_errmsg());
	u->failed = true;
	if (upload_abort_request(u))
		snprintf(keep + strlen(keep), sizeof keep - strlen(keep), "; the abort failed as well, the upload stays");
	ps_err(0, "%s", keep);
	return rc;
}

int ps_s3_upload_write(ps_s3_upload *u, const void *data, size_t len)
{
	if (u->failed)
		return ps_err(PS_EINVAL, "S3 upload %s: an earlier write failed", u->key);
	const uint8_t *p = data;
	size_t cap = u->s3->o.part_size;
	while (len) {
		size_t room = cap - u->len, n = len < room ? len : room;
		memcpy(u->buf + u->len, p, n);
		u->len += n;
		u->total += n;
		p += n;
		len -= n;
		if (u->len == cap && len) {
			int rc = upload_part(u);
			if (rc)
				return upload_fail(u, rc);
		}
	}
	/* a full buffer is sent when more comes or at finish: the last part
	 * may then be the full one, and a one-part object a plain PUT */
	return 0;
}

static void upload_free(ps_s3_upload *u)
{
	free(u->key);
	free(u->buf);
	free(u->upload_id);
	free(u->etags);
	free(u);
}

int ps_s3_upload_abort(ps_s3_upload *u)
{
	if (!u)
		return 0;
	int rc = upload_abort_request(u);
	upload_free(u);
	return rc;
}

/* After a lost answer to the complete request the upload is gone (404
 * NoSuchUpload) when it had succeeded: the object is there with the size
 * and the part count ("-N" ETag) written. */
static bool complete_landed(ps_s3_upload *u, char etag[PS_S3_ETAG_MAX])
{
	ps_s3_stat st;
	char keep[1024], suffix[24];
	snprintf(keep, sizeof keep, "%s", ps_errmsg());
	snprintf(suffix, sizeof suffix, "-%zu", u->n_parts);
	bool ok = !ps_s3_head(u->s3, u->key, &st) && st.size == u->total && strlen(st.etag) > strlen(suffix) &&
	          !strcmp(st.etag + strlen(st.etag) - strlen(suffix), suffix);
	ps_err(0, "%s", keep);
	if (ok && etag)
		memcpy(etag, st.etag, PS_S3_ETAG_MAX);
	return ok;
}

int ps_s3_upload_finish(ps_s3_upload *u, char etag[PS_S3_ETAG_MAX])
{
	int rc = 0;
	if (etag)
		etag[0] = 0;
	if (u->failed) {
		rc = ps_err(PS_EINVAL, "S3 upload %s: an earlier write failed", u->key);
		upload_free(u);
		return rc;
	}
	if (!u->upload_id) {
		if (ps_cancel_requested(u->s3->o.cancel))
			rc = ps_err(PS_ECANCELED, "S3 upload %s: canceled", u->key);
		else
			rc = ps_s3_put(u->s3, u->key, u->buf, u->len, etag);
		upload_free(u);
		return rc;
	}
	if (u->len && (rc = upload_part(u))) {
		rc = upload_fail(u, rc);
		upload_free(u);
		return rc;
	}
	if (ps_cancel_requested(u->s3->o.cancel)) {
		rc = upload_fail(u, ps_err(PS_ECANCELED, "S3 upload %s: canceled", u->key));
		upload_free(u);
		return rc;
	}
	ps_buf body = {0}, q = {0};
	rc = ps_buf_printf(&body, "<CompleteMultipartUpload>");
	for (size_t i = 0; !rc && i < u->n_parts; i++)
		rc = ps_buf_printf(&body, "<Part><PartNumber>%zu</PartNumber><ETag>\"%s\"</ETag></Part>", i + 1,
		                   u->etags[i]);
	if (!rc)
		rc = ps_buf_printf(&body, "</CompleteMultipartUpload>");
	if (rc)
		rc = ps_err_nomem();
	if (!rc)
		rc = upload_query(&q, NULL, u->upload_id);
	s3_req r;
	memset(&r, 0, sizeof r);
	if (!rc)
		rc = req_init(&r, u->s3, "complete multipart upload", "POST", u->key, q.data, body.data, body.len);
	if (!rc)
		rc = req_run(&r);
	char et[PS_S3_ETAG_MAX] = "";
	if (!rc) {
		if (r.status == 404 && r.retried && complete_landed(u, etag)) {
			free(u->upload_id);
			u->upload_id = NULL;
		} else if (!ok2xx(&r)) {
			rc = req_http_error(&r);
		} else {
			/* a 200 may still carry an Error document */
			text_ctx c = {.want = "CompleteMultipartUploadResult/ETag", .out = et, .cap = sizeof et};
			rc = ps_xml_parse(r.resp.data ? r.resp.data : "", r.resp.len, "S3 complete multipart upload",
			                  text_fn, &c);
			if (!rc && c.is_error) {
				char why[512];
				describe(&r, why, sizeof why);
				rc = ps_err(PS_EIO, "S3 complete multipart upload %s: %s", u->key, why);
			}
			if (!rc) {
				free(u->upload_id);
				u->upload_id = NULL;
			}
			/* radosgw 16 may answer an empty ETag: ask for it */
			ps_s3_stat st;
			if (!rc && etag && !et[0] && !ps_s3_head(u->s3, u->key, &st))
				memcpy(et, st.etag, sizeof et);
			if (!rc && etag)
				etag_copy(etag, et, strlen(et));
		}
	}
	req_free(&r);
	ps_buf_free(&body);
	ps_buf_free(&q);
	if (rc)
		rc = upload_fail(u, rc);
	upload_free(u);
	return rc;
}
