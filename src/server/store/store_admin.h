/* SPDX-License-Identifier: MIT */
/* store_admin.h - the store operations of server operations (docs/server.md "Metrics", "Backup and
 * restore"): the gauges of GET /metrics, and the consistent copy of the database that
 * `fastio-server backup` makes while the server keeps serving (D-117, D-119). */
#ifndef SRV_STORE_ADMIN_H
#define SRV_STORE_ADMIN_H

#include <stdint.h>

#include "store.h"

struct store_stats {
    int64_t sessions_open;    /* upload sessions ready, uploading or assembling */
    int64_t sessions_expired; /* sessions past their expiry not yet removed: the sweep's queue */
    int64_t imports_pending;  /* URL imports waiting for a worker */
    int64_t imports_running;  /* URL imports queued, downloading or uploading */
};

/* One blob of a backup: the version id (its file name under DATA/blobs/) and its size. */
typedef int (*store_blob_fn)(const char *version_id, int64_t size, void *arg);

struct store_admin_ops {
    /* The gauges at now (wall-clock microseconds). */
    enum store_rc (*stats)(struct store_conn *c, int64_t now, struct store_stats *out);
    /* Copy the whole database, as of one moment, into a new file at path (which must not
     * exist), while other connections keep reading and writing. */
    enum store_rc (*backup)(struct store_conn *c, const char *path);
    /* Every file version (fn returns non-zero to stop: STORE_ERROR). */
    enum store_rc (*each_version)(struct store_conn *c, store_blob_fn fn, void *arg);
    /* Remove the upload sessions that were not stored (their bytes are in DATA/tmp, which a
     * backup does not carry): run on a backup's copy only. */
    enum store_rc (*drop_open_sessions)(struct store_conn *c);
};

#endif
