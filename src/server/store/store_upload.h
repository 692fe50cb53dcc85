/* store_upload.h - the upload_sessions table (schema.sql; api §5): one row per upload session,
 * status 'ready' -> 'uploading' -> 'assembling' (between the blob rename and the commit of a
 * completion) -> 'complete' | 'failed'. Rows outlive their session until `expires` so that a
 * client can read the details of a finished upload. */
#ifndef SRV_STORE_UPLOAD_H
#define SRV_STORE_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* Visitor of store_upload_ops.each_assembling (ids borrowed for the call). */
typedef void (*store_assembling_fn)(const char *upload_id, const char *version_id, void *arg);

struct store_upload_ops {
    /* Startup recovery: call fn for each session that is 'assembling' (at most max), then put
     * them all back to 'uploading' without a version, so a retried complete finishes them. */
    enum store_rc (*reopen_assembling)(struct store_conn *c, long max, store_assembling_fn fn,
                                       void *arg);
    /* Delete the sessions that expired before now. */
    enum store_rc (*expire)(struct store_conn *c, int64_t now);
    /* Whether session id is live (ready, uploading or assembling), so its temporary file must
     * stay: STORE_OK or STORE_NOT_FOUND. */
    enum store_rc (*live)(struct store_conn *c, const char *upload_id);
};

extern const struct store_upload_ops store_sqlite_upload_ops;

#endif
