/* URL parsing: ps_url_parse, ps_url_parse_target and the directory names
 * derived from URLs. The input is one string (a NUL inside ends it, as in
 * C). A URL that parses must give a directory name that parses back to
 * its host and port; a directory name that parses must format back to
 * itself. */
#include "fuzz.h"
#include "probestore/probestore.h"

static void check_url(const ps_url *u)
{
	FUZZ_ASSERT(u->scheme && u->host && u->path);
	FUZZ_ASSERT(u->port >= 1 && u->port <= 65535);
	FUZZ_ASSERT(strlen(u->host) <= PS_URL_HOST_MAX);
	char dir[PS_HOST_PORT_DIR_MAX];
	if (ps_url_host_port_dir(u, dir, sizeof dir) != 0)
		return;
	char host[PS_URL_HOST_MAX + 1];
	int port;
	FUZZ_ASSERT(ps_host_port_dir_parse(dir, host, sizeof host, &port) == 0);
	FUZZ_ASSERT(port == u->port);
	FUZZ_ASSERT(strcmp(host, u->host) == 0);
	char disp[PS_HOST_PORT_DISPLAY_MAX];
	FUZZ_ASSERT(ps_host_port_format(host, port, disp, sizeof disp) == 0);
	FUZZ_ASSERT(ps_host_port_dir_display(dir, disp, sizeof disp) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;

	ps_url u;
	if (ps_url_parse(s, &u) == 0) {
		check_url(&u);
		ps_url_free(&u);
	}
	if (ps_url_parse_target(s, &u) == 0) {
		check_url(&u);
		ps_url_free(&u);
	}
	char dir[PS_HOST_PORT_DIR_MAX];
	(void)ps_target_host_port_dir(s, dir, sizeof dir);

	char host[PS_URL_HOST_MAX + 1];
	int port;
	if (ps_host_port_dir_parse(s, host, sizeof host, &port) == 0) {
		FUZZ_ASSERT(port >= 1 && port <= 65535);
		char again[PS_HOST_PORT_DIR_MAX];
		FUZZ_ASSERT(ps_host_port_dir_format(host, port, again, sizeof again) == 0);
		FUZZ_ASSERT(strcmp(again, s) == 0);
	}
	/* a small buffer: the parser must report the limit, not overflow it */
	char small[8];
	int rc = ps_host_port_dir_parse(s, small, sizeof small, &port);
	if (rc == 0)
		FUZZ_ASSERT(strlen(small) < sizeof small);
	char hash[65];
	FUZZ_ASSERT(ps_url_hash(s, 64, hash) == 0 && strlen(hash) == 64);
	free(s);
	return 0;
}
