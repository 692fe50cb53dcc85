/* SPDX-License-Identifier: MIT */
/* upload.h - what the upload handlers share (h_upload.c sessions, h_upload_chunk.c chunk and
 * stream bodies, h_upload_store.c placing a finished file in the tree, h_upload_batch.c,
 * h_download.c): the session row, the per-session count of chunks in flight, the workspace check
 * of an upload, the limits of api §5.1 as this server applies them (docs/decisions.md "Uploads
 * and downloads"), and the streamed-body context h_upload.c and h_upload_chunk.c share. */
#ifndef SRV_UPLOAD_H
#define SRV_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "multipart.h"
#include "server.h"
#include "storage.h"
#include "store_upload.h"

/* Limits (GET /upload/limits/). */
#define UP_SINGLE_MAX (4LL * 1024 * 1024)        /* flow A and each batch file */
#define UP_CHUNK_MAX (100LL * 1024 * 1024)       /* chunk_size */
#define UP_CHUNK_MIN_DEFAULT (1LL * 1024 * 1024) /* --min-chunk-size */
#define UP_FILE_MAX (1024LL * 1024 * 1024 * 1024) /* size: 1 TiB */
#define UP_CHUNKS_MAX 10000                      /* chunks per session */
#define UP_SESSIONS_MAX 1000                     /* live sessions per user */
#define UP_SESSIONS_SIZE_MAX (4LL * UP_FILE_MAX) /* declared bytes of a user's live sessions */
#define UP_INFLIGHT_MAX 3                        /* chunks of one session at once (api §5.1) */
#define UP_WAIT_MAX 590                          /* details long-poll, seconds */
#define UP_SESSION_TTL_US (24LL * 3600 * 1000000) /* an abandoned session expires after a day */
#define UP_BATCH_FILES_MAX 200
#define UP_BATCH_BYTES_MAX (100LL * 1024 * 1024)

/* The configured limits (srv_config; 0 there = these defaults): open sessions per user, their
 * declared bytes, a session's lifetime, the largest file (UP_FILE_MAX, lowered by a quota). */
long up_max_sessions(const struct server *s);
long long up_sessions_size_max(const struct server *s);
int64_t up_session_ttl_us(const struct server *s);
long long up_file_max(const struct server *s);
/* Admission of add more bytes for the caller into r->ws (D-080): with session, the session
 * limits (403 / 413, 1685); the user and org quotas (413, 1685); then up_disk_check(disk_add).
 * Inside the request's connection, before the row or file is made. 0 or -1 (error set). */
int up_admit(struct req *r, int64_t add, int64_t disk_add, bool session);
/* Bytes the user and org quotas still allow the caller in r->ws (UP_FILE_MAX at most; 0 when
 * used up); -1 with the error set on a database error. */
long long up_quota_left(struct req *r);
/* The disk reserve (--disk-reserve): 507 when writing disk_add more bytes would leave less
 * free space than the reserve. 0 or -1 (error set). */
int up_disk_check(struct req *r, int64_t disk_add);

/* The expiry sweep (upload_sweep.c): a thread that removes expired sessions and their files
 * every --sweep-interval seconds. start: 0 or -1; stop: joins it (harmless when not started). */
int upload_sweep_start(struct server *s);
void upload_sweep_stop(struct server *s);
/* One sweep now (also what the thread runs): the number of sessions removed, -1 on error. */
long upload_sweep_once(struct server *s);

/* A session row: struct store_upload_session (store_upload.h). */

/* The in-memory table of chunks in flight (server-wide, mutex-protected). */
int upload_state_init(struct server *s);
void upload_state_free(struct server *s);
/* A held in-flight slot: its index and the generation it was taken with. */
struct up_ticket {
    int slot;     /* -1 = none */
    uint64_t gen;
};
/* Take a slot for chunk `order` of session id: 0, or -1 when UP_INFLIGHT_MAX are in flight or
 * that order is already being received (*dup set). With takeover, an order already being
 * received is taken over instead (*took_over set): the earlier request (a client that vanished
 * without closing its connection, or one a stalled worker still holds) can write no further
 * byte and commit no row once this returns, because both happen under the slot's lock and
 * check the generation (upload_slot_lock). */
int upload_inflight_take(struct server *s, const char *id, int order, bool takeover, bool *dup,
                         bool *took_over, struct up_ticket *t);
/* Give the slot back (nothing when it was taken over since). */
void upload_inflight_put(struct server *s, struct up_ticket *t);
/* Lock the ticket's slot for a write or a commit: true when the ticket still owns it (then
 * unlock with upload_slot_unlock), false when it was taken over (nothing to unlock). */
bool upload_slot_lock(struct server *s, const struct up_ticket *t);
void upload_slot_unlock(struct server *s, const struct up_ticket *t);
/* Chunks of session id in flight now (order 0 = any), or whether that order is. */
int upload_inflight_count(struct server *s, const char *id, int order);

/* Load session id of user user_id: 1 found, 0 not (another user's id behaves the same), -1 on
 * a database error. */
int up_session_load(struct store_conn *c, const char *id, const char *user_id,
                    struct store_upload_session *out);
/* Resolve workspace key (id or folder_name) into r->ws with the caller's role, refusing (403 /
 * 404) a non-member, a role below need, or an archived workspace when write: the router's own
 * check (router_ws_enter, router.h), after a 400 for a missing key (instance_id).
 * 0 or -1 (error set). */
/* Activity (activity.h): note "upload:{id}" on the caller's user id after a session's state
 * changed (created, chunk committed, stored, failed, cancelled). Best effort: an out-of-memory
 * note is dropped, never turned into an error of a committed change. */
void up_note(struct req *r, const char *upload_id);

int up_ws_enter(struct req *r, const char *key, enum role need, bool write);

/* Place a finished upload in the tree inside the caller's open transaction (h_upload_store.c):
 * insert version vid (size, crc) and either a new file node in folder (NULL = root) named name,
 * or a new version of file_id (action=update), or of the live file already named `name` there
 * (api §4.4), and record the event workspace_storage_file_added / _updated (events.h; its
 * activity keys "storage" and "storage:{node}" are noted on r: a caller that rolls back calls
 * activity_discard). The node id goes to node_id. 0 or -1 (error set). */
int up_place_file(struct req *r, const char *folder, const char *file_id, const char *name,
                  const char *vid, int64_t size, uint32_t crc, char node_id[FIO_OPAQUE_ID_SIZE]);
/* up_place_file checks a new version of an existing file against its lock with the request's
 * own lock_token; a session completed by a later request passes the token hash it kept
 * (lock_hash, "" = none) to up_place_file_locked instead. */
int up_place_file_locked(struct req *r, const char *folder, const char *file_id,
                         const char *name, const char *vid, int64_t size, uint32_t crc,
                         const char *lock_hash, char node_id[FIO_OPAQUE_ID_SIZE]);
/* At session create: hash the request's lock_token into hash ("" = none) and check the file the
 * upload would write (file_id, else the live file named name in folder) against its lock now,
 * so a writer without the token is refused before it sends any bytes. 0 or -1 (error set). */
int up_lock_param(struct req *r, const char *folder, const char *file_id, const char *name,
                  char hash[STORE_LOCK_HASH_SIZE]);
/* Check a target folder param ("root", "" or a node id) names a live folder of r->ws: the
 * normalised id goes to out ("" = root). 0 or -1 (error set). */
int up_check_folder(struct req *r, const char *folder_param, char out[FIO_OPAQUE_ID_SIZE]);
/* Check file_id names a live file of r->ws (normalised into out). 0 or -1. */
int up_check_file(struct req *r, const char *file_param, char out[FIO_OPAQUE_ID_SIZE]);

/* The session as JSON (details, list); with_chunks adds the chunks map. NULL + 500 on error. */
json_t *up_session_json(struct req *r, const char *id, bool with_chunks);

/* ---- between h_upload.c and h_upload_chunk.c -------------------------------------------------- */

/* The state of one streamed upload body (r->stream_ctx), freed by up_ctx_free. */
enum up_ctx_kind { UP_CTX_FORM, UP_CTX_SINGLE, UP_CTX_CHUNK, UP_CTX_STREAM };

struct up_ctx {
    enum up_ctx_kind kind;
    struct fio_buf form;   /* UP_CTX_FORM: the urlencoded body (≤ SRV_MAX_BODY) */
    struct mp_parser mp;   /* multipart bodies */
    bool mp_on;
    bool raw;              /* chunk sent as application/octet-stream */
    struct store_upload_session ses;
    char upload_id[FIO_OPAQUE_ID_SIZE];
    int fd;
    bool tmp_created;      /* UP_CTX_SINGLE: remove the temporary file unless committed */
    bool committed;
    bool inflight;         /* holds an in-flight slot for `order` (ticket) */
    struct up_ticket ticket;
    bool stream_started;   /* UP_CTX_STREAM: the session left 'ready' */
    int order;
    int64_t off, got, limit;
    uint32_t crc;
    bool part_seen, part_done;
    char hash_algo[8];
    char hash[129];
    EVP_MD_CTX *md;
    struct req *r;
};

/* h_upload.c */
/* Log err and fail 507 (disk full) or 500. -1. */
int up_fail_io(struct req *r, const char *what, int err);
/* Take a database connection for r (r->st) if it has none (req_conn.h): false when none is
 * free. */
bool up_db_enter(struct req *r);
/* Give r's connection back (rolling back an open transaction). */
void up_db_leave(struct req *r);
/* The file_crc32c param: NULL when absent, or when invalid (*bad set, error set). */
const char *up_file_crc_param(struct req *r, bool *bad);
/* The same for a value from elsewhere (a form field after a chunk's bytes). */
const char *up_file_crc_check(struct req *r, const char *v, bool *bad);
/* Store the session's received bytes (size, crc) as a file version: the commit protocol of a
 * completion (claim, sync + rename, one transaction). 0 or -1 (error set). */
int up_finalize(struct req *r, const struct store_upload_session *ses, int64_t size, uint32_t crc);
/* The session of path argument 0 of the caller: 0, or -1 (404 / 500 set). */
int up_session_or_404(struct req *r, struct store_upload_session *ses);
/* ready or uploading: it takes chunks and can complete. */
bool up_open_status(const struct store_upload_session *ses);

/* h_upload_chunk.c */
/* The hash_algo + hash params (api §5.4) into c: 0 or -1 (error set). */
int up_hash_params(struct req *r, struct up_ctx *c);
/* The received bytes against the announced hash: 0, or -1 (406 / 10778 set). */
int up_hash_verify(struct req *r, struct up_ctx *c);
/* A multipart parser status as the request's error: -1. */
int up_mp_error(struct req *r, struct up_ctx *c, enum mp_status st);
/* Start parsing a multipart body into c (its part 'chunk' is written as the file). 0 or -1. */
int up_start_multipart(struct req *r, struct up_ctx *c);
bool up_is_multipart(const struct req *r);
/* Content-Length against a bound, before reading the body: 0 or -1 (413 set). */
int up_length_check(struct req *r, int64_t max);
/* The req_stream free op of every upload body. */
void up_ctx_free(struct req *r);
/* A new body context attached to r with ops (freed by up_ctx_free when the request ends). NULL
 * (500 set) when out of memory. */
struct up_ctx *up_ctx_new(struct req *r, enum up_ctx_kind kind, const struct req_stream *ops);

#endif
