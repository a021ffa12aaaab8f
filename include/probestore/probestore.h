/*
 * libprobestore: web-reconnaissance results kept in Parquet files.
 *
 * On disk (see docs/format.md):
 *   <base>/probe_results/<host>_<port>/scan_<YYYYMMDD_HHMMSS>.parquet
 *   <base>/file_history/<host>_<port>/<urlhash>.parquet
 *   <base>/file_history/<host>_<port>/archive/<urlhash>_<YYYYMMDD_HHMMSS>.parquet
 *
 * Conventions: functions return 0 or a negative PS_E* code; ps_errmsg()
 * gives the calling thread's last error message with its context. The store
 * handle is thread-safe; other handles are not.
 *
 * This header holds the error codes and includes one header per concept.
 */
#ifndef PROBESTORE_H
#define PROBESTORE_H

#include "probestore/base.h"
#include "probestore/url.h"
#include "probestore/log.h"
#include "probestore/config.h"
#include "probestore/probe.h"
#include "probestore/store.h"
#include "probestore/history.h"
#include "probestore/report.h"
#include "probestore/ingest.h"

#endif
