/* SPDX-License-Identifier: MIT */
/* store_upload.h - the upload_sessions table (schema.sql; api §5): one row per upload session,
 * status 'ready' -> 'uploading' -> 'assembling' (between the blob rename and the commit of a
 * completion) -> 'complete' | 'failed'. Rows outlive their session until `expires` so that a
 * client can read the details of a finished upload. */
#ifndef SRV_STORE_UPLOAD_H
#define SRV_STORE_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "id.h"
#include "name.h"
#include "store.h"
#include "store_lock.h"

/* A session as the upload logic reasons about it. "" stands for SQL NULL in the text fields. */
struct store_upload_session {
    char id[FIO_OPAQUE_ID_SIZE];
    char user_id[FIO_PROFILE_ID_SIZE];
    char ws_id[FIO_PROFILE_ID_SIZE];
    char folder_id[FIO_OPAQUE_ID_SIZE]; /* "" = root */
    char file_id[FIO_OPAQUE_ID_SIZE];   /* "" unless action=update */
    char name[FIO_NAME_MAX_BYTES + 1];
    char kind[8]; /* chunked | stream | single | batch */
    char status[20];
    char file_crc32c[9]; /* "" = not announced */
    char new_file_id[FIO_OPAQUE_ID_SIZE];
    int64_t size, max_size, chunk_size;
    char lock_hash[STORE_LOCK_HASH_SIZE]; /* SHA-256 hex of the create's lock_token; "" = none */
};

/* A new session row (insert). Text fields "" = NULL; status_message starts empty. */
struct store_upload_new {
    const char *id, *user_id, *ws_id, *folder_id, *file_id, *name, *kind, *status;
    int64_t size, max_size, chunk_size;
    const char *file_crc32c, *new_file_id, *version_id, *lock_hash;
    int64_t created, expires;
};

/* What the session details show (api §5): the session plus its message and times. */
struct store_upload_view {
    struct store_upload_session s;
    char status_message[512];
    char *integrity_failure; /* OWNED (free()): JSON object text, NULL when none */
    int64_t created, updated, expires;
};

/* One received chunk. */
struct store_upload_chunk {
    int64_t order, size;
    char crc32c[9]; /* 8 lowercase hex digits */
    int64_t created;
};
/* Visitor of chunks_each: 0 to go on, non-zero to stop (the store then returns STORE_OK). */
typedef int (*store_chunk_fn)(const struct store_upload_chunk *ch, void *arg);

/* Visitor of store_upload_ops.reopen_assembling (ids borrowed for the call). */
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

    /* ---- sessions ---- */
    /* Session id (normalised) of user_id: STORE_OK (filled) or STORE_NOT_FOUND (also when it is
     * another user's). */
    enum store_rc (*get)(struct store_conn *c, const char *id, const char *user_id,
                         struct store_upload_session *out);
    /* Session id with its details: STORE_OK (filled; free out->integrity_failure) or
     * STORE_NOT_FOUND. */
    enum store_rc (*view)(struct store_conn *c, const char *id, struct store_upload_view *out);
    enum store_rc (*insert)(struct store_conn *c, const struct store_upload_new *n);
    /* The open sessions of user_id (ready, uploading, assembling): how many and their declared
     * bytes (a stream's unknown size counts as its max_size: what it may still write). */
    enum store_rc (*usage)(struct store_conn *c, const char *user_id, int64_t *count,
                           int64_t *bytes);
    /* Up to max session ids of user_id into ids; not_stored: only the sessions not stored,
     * newest first (else in no particular order). */
    enum store_rc (*list_ids)(struct store_conn *c, const char *user_id, bool not_stored,
                              size_t max, char (*ids)[FIO_OPAQUE_ID_SIZE], size_t *n);
    /* Quotas (D-080): bytes charged to user_id (sizes of the versions they created plus the
     * declared bytes of their open sessions, as usage counts them) and, when org_bytes is not
     * NULL, to the org of workspace ws_id (sizes of the versions its workspaces' nodes hold
     * plus the open sessions into its workspaces). */
    enum store_rc (*quota_usage)(struct store_conn *c, const char *user_id, const char *ws_id,
                                 int64_t *user_bytes, int64_t *org_bytes);
    /* Up to max ids of sessions that expired before now and are not 'assembling' (a completion
     * owns those), oldest first. */
    enum store_rc (*expired)(struct store_conn *c, int64_t now, size_t max,
                             char (*ids)[FIO_OPAQUE_ID_SIZE], size_t *n);
    /* Delete session id whoever owns it if it still expired before now and is not
     * 'assembling' (the expiry sweep): STORE_OK, or STORE_NOT_FOUND when no row went. */
    enum store_rc (*drop)(struct store_conn *c, const char *id, int64_t now);
    /* Delete session id of user_id: STORE_OK when a row went, STORE_NOT_FOUND when none. */
    enum store_rc (*remove)(struct store_conn *c, const char *id, const char *user_id);
    /* The first chunk sets the chunk size of a session that has none (another request may have
     * set it first: re-read it). */
    enum store_rc (*set_chunk_size)(struct store_conn *c, const char *id, int64_t chunk_size);
    /* Status changes. claim: 'ready'/'uploading' -> 'assembling' with version_id recorded
     * (STORE_NOT_FOUND when the session was not in those states); reopen: back to 'uploading'
     * without a version; stored: 'stored' with its node; failed: 'assembly_failed' with message
     * and integrity failure (JSON text or NULL); stream_start: 'ready' -> 'uploading';
     * stream_broken: 'uploading' -> 'assembly_failed' (these two STORE_NOT_FOUND when the
     * session was not in the first state). */
    enum store_rc (*claim)(struct store_conn *c, const char *id, const char *version_id,
                           int64_t now);
    enum store_rc (*reopen)(struct store_conn *c, const char *id);
    enum store_rc (*stored)(struct store_conn *c, const char *id, const char *node_id, int64_t now);
    enum store_rc (*failed)(struct store_conn *c, const char *id, const char *message,
                            const char *integrity_json, int64_t now);
    enum store_rc (*stream_start)(struct store_conn *c, const char *id, int64_t now);
    enum store_rc (*stream_broken)(struct store_conn *c, const char *id, int64_t now);

    /* ---- chunks ---- */
    /* Record chunk `order` (replacing an older row) and mark the session 'uploading'; the
     * session's file_crc32c is set to file_crc32c (lowercase, NULL = none) unless it has one. */
    enum store_rc (*chunk_put)(struct store_conn *c, const char *id, int order, int64_t size,
                               const char *crc32c_hex, const char *file_crc32c, int64_t now);
    /* Forget chunk `order` of session id: STORE_OK when it had a row, STORE_NOT_FOUND if not. */
    enum store_rc (*chunk_forget)(struct store_conn *c, const char *id, int order);
    /* The chunks of session id in order (only `order` unless 0), at most max. */
    enum store_rc (*chunks_each)(struct store_conn *c, const char *id, int64_t order, long max,
                                 store_chunk_fn fn, void *arg);

    /* ---- transactions of this area ---- */
    /* One entry of a batch upload inside the open transaction: entry_begin, then entry_end
     * keeping (keep) or undoing the entry's rows. */
    enum store_rc (*entry_begin)(struct store_conn *c);
    enum store_rc (*entry_end)(struct store_conn *c, bool keep);
    /* Commits of this connection need not reach the disk on their own until lazy_commit(c,
     * false) or the connection goes back to the pool (chunk rows under --sync complete|none:
     * their bytes are not on disk yet either; the completion's sync covers both). Call outside
     * a transaction. */
    enum store_rc (*lazy_commit)(struct store_conn *c, bool lazy);
};

#endif
