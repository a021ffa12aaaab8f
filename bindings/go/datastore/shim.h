/* C side of the Go package: the trampolines that carry the store's
 * callbacks into Go, and calls that must read the calling thread's error
 * message before the goroutine can move to another thread. */
#ifndef PROBESTORE_GO_SHIM_H
#define PROBESTORE_GO_SHIM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <probestore/probestore.h>

/* Opens a store with the defaults, then the n "key", "value" pairs of kv
 * set one by one (ps_config_set), the logger a Go handle (0: none). On an
 * error, errbuf receives the message. */
int gops_store_open(ps_store **out, const char *base_path, const char *const *kv, size_t n,
                    uintptr_t log_handle, int log_min_level, char *errbuf, size_t cap);

/* ps_scan_stream and ps_history_stream with a Go handle as user data. */
int gops_scan_stream(const char *path, uintptr_t handle, const ps_cancel *cancel);
int gops_history_stream(const char *path, uintptr_t handle, const ps_cancel *cancel);

/* The value of a log field of each type (the union is opaque to Go). */
const char *gops_field_str(const ps_log_field *f);
int64_t gops_field_int(const ps_log_field *f);
uint64_t gops_field_uint(const ps_log_field *f);
double gops_field_double(const ps_log_field *f);
int gops_field_bool(const ps_log_field *f);

#endif
