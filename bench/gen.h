/* Deterministic, realistic probe results for benchmarks: about 50 root
 * targets with subdomains and paths, status codes skewed as real scans are,
 * ~5% failed probes, small vocabularies of content types and servers, 0-6
 * of ~60 technologies, 1-4 IPs, 8-15 headers. Row i depends only on the
 * seed and i. */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stdint.h>

#include "probestore/probestore.h"

#define BENCH_TARGETS 50

/* Storage for one row's strings; reused row after row. */
typedef struct bench_row {
	ps_probe_result r;
	char url[160], final_url[176], title[96], root[64], ips[4][16], err[64];
	char input[96];          /* httpx's `input`; empty: the URL */
	char tech_buf[6][32];    /* technologies with the version httpx appends */
	const char *ip_ptrs[4];
	const char *tech_ptrs[6];
	ps_header hdr[15];
	char hdr_vals[15][48];
	int target;              /* 0..BENCH_TARGETS-1 */
	int64_t timestamp_ms;
} bench_row;

/* Fills row i of the data set with the given seed. */
void bench_gen_row(uint64_t seed, int64_t i, bench_row *out);
/* Row i of the product benchmark's data set: the same draws as
 * bench_gen_row, but each of the 50 targets is a registrable domain of
 * its own ("https://t07-example.com"), httpx's `input` is the target's
 * host (the list httpx was given), and about half the technologies carry
 * the version httpx appends ("WordPress:6.4.2"). */
void bench_gen_target_row(uint64_t seed, int64_t i, bench_row *out);
/* Row i of a subdomain list: 7 lines in 10 probe a
 * subdomain not seen before (so 20,000 lines name 14,000), the others one
 * seen before; the subdomains belong to 20 registrable domains of
 * unequal size (some under two-label suffixes such as co.uk), and `input`
 * is the subdomain, as `httpx -l subdomains.txt` reports it. */
void bench_gen_subdomain_row(uint64_t seed, int64_t i, bench_row *out);
/* The root target of target t ("https://t07.example-corp.com"). */
const char *bench_target(int t);
/* The name of technology k (0..59) and the one the selective query uses. */
const char *bench_tech(int k);
#define BENCH_QUERY_TECH "Laravel"

#endif
