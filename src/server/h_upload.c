/* h_upload.c - upload flows A-C of api §5 on streamed request bodies: POST /upload/ (a session
 * from a form, or a whole file ≤ 4 MiB from multipart), chunks written once with pwrite at their
 * final offset with the CRC-32C computed on the way, completion (sizes and combined CRCs checked,
 * nothing re-read; sync, rename, one transaction), stream sessions, details with long-poll, and
 * session management. The commit order of every chunk: data written -> row committed -> 200. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "activity.h"
#include "blob.h"
#include "crc32c.h"
#include "handlers.h"
#include "multipart.h"
#include "timeutil.h"
#include "upload.h"

enum ctx_kind { CTX_FORM, CTX_SINGLE, CTX_CHUNK, CTX_STREAM };

struct up_ctx {
    enum ctx_kind kind;
    struct fio_buf form;   /* CTX_FORM: the urlencoded body (≤ SRV_MAX_BODY) */
    struct mp_parser mp;   /* multipart bodies */
    bool mp_on;
    bool raw;              /* chunk sent as application/octet-stream */
    struct up_session ses;
    char upload_id[FIO_OPAQUE_ID_SIZE];
    int fd;
    bool tmp_created;      /* CTX_SINGLE: remove the temporary file unless committed */
    bool committed;
    bool inflight;         /* holds an in-flight slot for `order` */
    bool stream_started;   /* CTX_STREAM: the session left 'ready' */
    int order;
    int64_t off, got, limit;
    uint32_t crc;
    bool part_seen, part_done;
    char hash_algo[8];
    char hash[129];
    EVP_MD_CTX *md;
    struct req *r;
};

/* ---- small helpers -------------------------------------------------------------------------- */

static int fail_io(struct req *r, const char *what, int err)
{
    srv_log(r->srv, SRV_LOG_ERROR, "upload: %s: %s", what, strerror(err));
    if (err == ENOSPC || err == EDQUOT)
        return req_fail(r, 507, 0, "Insufficient storage");
    return req_fail(r, 500, 0, "Storage error");
}

static bool db_enter(struct req *r)
{
    if (!r->db)
        r->db = db_acquire(r->srv->db);
    return r->db != NULL;
}

static void db_leave(struct req *r)
{
    if (!r->db)
        return;
    if (r->db->in_txn)
        db_rollback(r->db);
    db_release(r->srv->db, r->db);
    r->db = NULL;
}

static const char *name_param(struct req *r)
{
    const char *v = req_param(r, "name");
    if (!v || !*v) {
        req_fail_param(r, "name", "missing", "The parameter 'name' is required");
        return NULL;
    }
    enum fio_name_check c = fio_name_check(v, strlen(v));
    if (c != FIO_NAME_OK) {
        req_fail_param(r, "name", "invalid", "The name %s", fio_name_check_str(c));
        return NULL;
    }
    return v;
}

/* hash_algo + hash pair (api §5.4): both or neither; crc32c (8 hex), sha256 (64), md5 (32). */
static int hash_params(struct req *r, struct up_ctx *c)
{
    const char *algo = req_param(r, "hash_algo"), *h = req_param(r, "hash");
    if ((!algo || !*algo) && (!h || !*h))
        return 0;
    if (!algo || !*algo || !h || !*h)
        return req_fail_param(r, algo && *algo ? "hash" : "hash_algo", "missing",
                              "hash and hash_algo go together");
    size_t want = strcmp(algo, "crc32c") == 0   ? 8
                  : strcmp(algo, "sha256") == 0 ? 64
                  : strcmp(algo, "md5") == 0    ? 32
                                                : 0;
    if (!want)
        return req_fail_param(r, "hash_algo", "invalid", "hash_algo must be crc32c, sha256 or md5");
    if (strlen(h) != want || strspn(h, "0123456789abcdefABCDEF") != want)
        return req_fail_param(r, "hash", "invalid", "hash must be %zu hex digits", want);
    fio_strlcpy(c->hash_algo, algo, sizeof(c->hash_algo));
    for (size_t i = 0; i <= want; i++)
        c->hash[i] = (char)((h[i] >= 'A' && h[i] <= 'F') ? h[i] - 'A' + 'a' : h[i]);
    if (want != 8) {
        c->md = EVP_MD_CTX_new();
        if (!c->md || EVP_DigestInit_ex(c->md, want == 64 ? EVP_sha256() : EVP_md5(), NULL) != 1)
            return req_fail(r, 500, 0, "Out of memory");
    }
    return 0;
}

/* The received bytes against the announced hash: 0, or 406 / 10778. */
static int hash_verify(struct req *r, struct up_ctx *c)
{
    if (!c->hash_algo[0])
        return 0;
    char got[129];
    if (!c->md) {
        fio_crc32c_hex(c->crc, got);
    } else {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(c->md, d, &n) != 1)
            return req_fail(r, 500, 0, "Digest failed");
        for (unsigned i = 0; i < n; i++)
            snprintf(got + 2 * i, 3, "%02x", d[i]);
    }
    if (strcmp(got, c->hash) != 0)
        return req_fail(r, 406, API_ERR_CRC_MISMATCH,
                        "The %s of the received bytes (%s) does not match the hash sent (%s)",
                        c->hash_algo, got, c->hash);
    return 0;
}

static const char *file_crc_param(struct req *r, bool *bad)
{
    const char *v = req_param(r, "file_crc32c");
    uint32_t x;
    *bad = false;
    if (!v || !*v)
        return NULL;
    if (!fio_crc32c_parse_hex(v, strlen(v), &x)) {
        *bad = true;
        req_fail_param(r, "file_crc32c", "invalid", "file_crc32c must be 8 hex digits");
        return NULL;
    }
    return v;
}

/* ---- the file part of a body: written at its offset, CRC-32C on the way ---------------------- */

static int take_bytes(struct req *r, struct up_ctx *c, const char *d, size_t n)
{
    if ((int64_t)n > c->limit - c->got) {
        if (c->kind == CTX_CHUNK)
            return req_fail_param(r, "size", "invalid",
                                  "The chunk carries more bytes than its size %lld",
                                  (long long)c->limit);
        return req_fail(r, 413, API_ERR_INVALID, "The file is larger than allowed (%lld bytes)",
                        (long long)c->limit);
    }
    if (blob_pwrite_all(c->fd, d, n, c->off + c->got) != 0)
        return fail_io(r, "write", errno);
    c->crc = fio_crc32c(c->crc, d, n);
    if (c->md && EVP_DigestUpdate(c->md, d, n) != 1)
        return req_fail(r, 500, 0, "Digest failed");
    c->got += (int64_t)n;
    return 0;
}

static enum mp_part_action mp_on_part(void *ud, const char *name, const char *filename)
{
    struct up_ctx *c = ud;
    (void)filename;
    if (strcmp(name, "chunk") != 0)
        return MP_PART_COLLECT;
    if (c->part_seen) {
        req_fail(c->r, 400, API_ERR_INVALID, "Only one part named 'chunk' is allowed");
        return MP_PART_ABORT;
    }
    c->part_seen = true;
    if (c->kind == CTX_SINGLE && !c->tmp_created) {
        if (blob_tmp_create(c->r->srv, c->upload_id, 0) != 0) {
            fail_io(c->r, "create temporary file", errno);
            return MP_PART_ABORT;
        }
        c->tmp_created = true;
        c->fd = blob_tmp_open(c->r->srv, c->upload_id);
        if (c->fd < 0) {
            fail_io(c->r, "open temporary file", errno);
            return MP_PART_ABORT;
        }
    }
    return MP_PART_STREAM;
}

static int mp_on_data(void *ud, const char *d, size_t n)
{
    struct up_ctx *c = ud;
    return take_bytes(c->r, c, d, n);
}

static int mp_on_end(void *ud)
{
    ((struct up_ctx *)ud)->part_done = true;
    return 0;
}

static const struct mp_callbacks mp_cbs = {mp_on_part, mp_on_data, mp_on_end};

static int mp_error(struct req *r, struct up_ctx *c, enum mp_status st)
{
    if (r->err.http)
        return -1; /* a callback already said why */
    if (st == MP_ERR_LIMIT)
        return req_fail(r, 413, API_ERR_INVALID, "Multipart body: %s", c->mp.err);
    if (st == MP_ERR_NOMEM)
        return req_fail(r, 500, 0, "Out of memory");
    return req_fail(r, 400, API_ERR_INVALID, "Malformed multipart body: %s", c->mp.err);
}

static int start_multipart(struct req *r, struct up_ctx *c)
{
    char boundary[MP_BOUNDARY_MAX + 1];
    if (!mp_content_type_boundary(r->content_type, boundary, sizeof(boundary)) ||
        !mp_init(&c->mp, boundary, &mp_cbs, c)) {
        mp_release(&c->mp);
        return req_fail(r, 400, API_ERR_INVALID, "multipart/form-data needs a valid boundary");
    }
    c->mp_on = true;
    return 0;
}

static bool is_multipart(const struct req *r)
{
    return strncasecmp(r->content_type, "multipart/form-data", 19) == 0;
}

/* Content-Length against a bound, before reading the body. */
static int length_check(struct req *r, int64_t max)
{
    if (r->content_length > max)
        return req_fail(r, 413, API_ERR_INVALID, "Request body too large (limit %lld bytes)",
                        (long long)max);
    return 0;
}

static void ctx_free(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    if (c->inflight)
        upload_inflight_put(r->srv, c->ses.id, c->order);
    if (c->kind == CTX_SINGLE && c->tmp_created && !c->committed)
        blob_tmp_remove(r->srv, c->upload_id);
    if (c->kind == CTX_STREAM && c->stream_started && !c->committed) {
        /* a stream is single-shot: a broken one ends the session */
        struct db_conn *db = db_acquire(r->srv->db);
        db_exec(db,
                "UPDATE upload_sessions SET status = 'assembly_failed', status_message = "
                "'stream interrupted', updated = ?1 WHERE id = ?2 AND status = 'uploading'",
                "it", srv_now_us(), c->ses.id);
        if (db && sqlite3_changes(db->db) == 1)
            up_note(r, c->ses.id); /* published by activity_req_end, right after this */
        db_release(r->srv->db, db);
        blob_tmp_remove(r->srv, c->ses.id);
    }
    if (c->mp_on)
        mp_release(&c->mp);
    fio_buf_release(&c->form);
    EVP_MD_CTX_free(c->md);
    free(c);
    r->stream_ctx = NULL;
}

static struct up_ctx *ctx_new(struct req *r, enum ctx_kind kind, const struct req_stream *ops)
{
    struct up_ctx *c = calloc(1, sizeof(*c));
    if (!c) {
        req_fail(r, 500, 0, "Out of memory");
        return NULL;
    }
    c->kind = kind;
    c->fd = -1;
    c->r = r;
    fio_buf_init(&c->form, SRV_MAX_BODY);
    r->stream_ctx = c;
    r->stream = ops; /* from here on ctx_free runs when the request ends */
    return c;
}

/* ---- finishing a file: sessions (complete, stream) ------------------------------------------ */

static int set_failed(struct req *r, const char *id, const char *msg, json_t *integrity)
{
    char *integ = integrity ? json_dumps(integrity, JSON_COMPACT) : NULL;
    json_decref(integrity);
    db_exec(r->db,
            "UPDATE upload_sessions SET status = 'assembly_failed', status_message = ?1, "
            "integrity_failure = ?2, updated = ?3 WHERE id = ?4",
            "ttit", msg, integ, srv_now_us(), id);
    free(integ);
    up_note(r, id);
    return 0;
}

/* The commit protocol of a completion (reliability.md): claim the session (assembling, its
 * version id recorded so recovery can undo a half-done rename), sync + rename + fsync dir, then
 * one transaction inserts version and node and marks the session stored. */
static int finalize(struct req *r, const struct up_session *ses, int64_t size, uint32_t crc)
{
    char vid[FIO_OPAQUE_ID_SIZE], node[FIO_OPAQUE_ID_SIZE];
    /* the lock token of this request (a holder that re-acquired), else the create's */
    char lock_hash[STORE_LOCK_HASH_SIZE];
    if (store_lock_param_hash(r, lock_hash) != 0)
        return -1;
    if (!lock_hash[0])
        fio_strlcpy(lock_hash, ses->lock_hash, sizeof(lock_hash));
    if (!fio_opaque_id_new(FIO_ID_VERSION, vid))
        return req_fail_internal(r, "version id");
    int64_t now = srv_now_us();
    if (db_exec(r->db,
                "UPDATE upload_sessions SET status = 'assembling', version_id = ?1, updated = ?2 "
                "WHERE id = ?3 AND status IN ('ready', 'uploading')",
                "tit", vid, now, ses->id) != SQLITE_DONE)
        return req_fail_internal(r, "claim session");
    if (sqlite3_changes(r->db->db) != 1)
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is being completed already");
    if (upload_inflight_count(r->srv, ses->id, 0) > (strcmp(ses->kind, "stream") == 0 ? 1 : 0)) {
        db_exec(r->db,
                "UPDATE upload_sessions SET status = 'uploading', version_id = NULL WHERE id = ?1",
                "t", ses->id);
        return req_fail(r, 409, API_ERR_CONFLICT, "Chunks of this session are still in flight");
    }
    if (strcmp(ses->kind, "stream") == 0 && blob_tmp_truncate(r->srv, ses->id, size) != 0)
        return fail_io(r, "truncate", errno);
    if (blob_commit(r->srv, ses->id, vid) != 0) {
        int e = errno;
        db_exec(r->db,
                "UPDATE upload_sessions SET status = 'uploading', version_id = NULL WHERE id = ?1",
                "t", ses->id);
        return fail_io(r, "commit blob", e);
    }
    if (db_begin(r->db) != SQLITE_OK)
        goto undo;
    char folder[FIO_OPAQUE_ID_SIZE] = "";
    if (!ses->file_id[0] && ses->folder_id[0] && up_check_folder(r, ses->folder_id, folder) != 0)
        goto undo;
    if (up_store_file_locked(r, folder[0] ? folder : NULL, ses->file_id, ses->name, vid, size,
                             crc, lock_hash, node) != 0)
        goto undo;
    if (db_exec(r->db,
                "UPDATE upload_sessions SET status = 'stored', new_file_id = ?1, updated = ?2, "
                "status_message = '' WHERE id = ?3",
                "tit", node, srv_now_us(), ses->id) != SQLITE_DONE ||
        db_commit(r->db) != SQLITE_OK) {
        req_fail_internal(r, "store commit");
        goto undo;
    }
    up_note(r, ses->id);
    char hex[FIO_CRC32C_HEX_SIZE];
    fio_crc32c_hex(crc, hex);
    if (req_set(r, "id", json_string(ses->id)) || req_set(r, "new_file_id", json_string(node)) ||
        req_set(r, "status", json_string("stored")) ||
        req_set(r, "file_crc32c", json_string(hex)) ||
        req_set(r, "size", json_integer(size)))
        return -1;
    return 0;
undo:
    /* nothing was stored: put the bytes back where the session can complete again */
    if (r->db->in_txn)
        db_rollback(r->db);
    activity_discard(r); /* the event's keys: nothing was stored */
    {
        char from[BLOB_PATH_MAX], to[BLOB_PATH_MAX];
        if (blob_path(r->srv, vid, from) && blob_tmp_path(r->srv, ses->id, to))
            rename(from, to);
    }
    db_exec(r->db,
            "UPDATE upload_sessions SET status = 'uploading', version_id = NULL WHERE id = ?1",
            "t", ses->id);
    if (!r->err.http)
        req_fail(r, 503, 0, "The database is busy; try again");
    return -1;
}

/* ---- POST /upload/: create a session (form) or a single-request upload (multipart) ---------- */

static int create_session(struct req *r)
{
    const char *name = name_param(r);
    if (!name)
        return -1;
    bool stream = false, bad = false;
    if (!req_param_bool(r, "stream", false, &stream))
        return -1;
    long long size = -1, max_size = UP_FILE_MAX, chunk_size = 0;
    if (!stream) {
        if (!req_param(r, "size"))
            return req_fail_param(r, "size", "missing", "The parameter 'size' is required");
        if (!req_param_int(r, "size", 0, UP_FILE_MAX, 0, &size))
            return -1;
    } else if (!req_param_int(r, "max_size", 0, UP_FILE_MAX, UP_FILE_MAX, &max_size))
        return -1;
    if (!req_param_int(r, "chunk_size", r->srv->cfg.min_chunk_size, UP_CHUNK_MAX, 0, &chunk_size))
        return -1;
    if (!stream && chunk_size && size > 0 && (size + chunk_size - 1) / chunk_size > UP_CHUNKS_MAX)
        return req_fail_param(r, "chunk_size", "invalid", "More than %d chunks", UP_CHUNKS_MAX);
    const char *fcrc = file_crc_param(r, &bad);
    if (bad)
        return -1;
    const char *pt = req_param(r, "profile_type");
    if (pt && *pt && strcmp(pt, "workspace") != 0)
        return req_fail_param(r, "profile_type", "invalid",
                              "Only profile_type=workspace is supported by this server");
    const char *action = req_param(r, "action");
    bool update = action && strcmp(action, "update") == 0;
    if (action && *action && !update && strcmp(action, "create") != 0)
        return req_fail_param(r, "action", "invalid", "action must be create or update");
    if (up_ws_enter(r, req_param(r, "instance_id"), ROLE_MEMBER, true) != 0)
        return -1;
    char folder[FIO_OPAQUE_ID_SIZE] = "", file[FIO_OPAQUE_ID_SIZE] = "";
    if (update) {
        const char *fid = req_param(r, "file_id");
        if (!fid || !*fid)
            return req_fail_param(r, "file_id", "missing", "action=update needs file_id");
        if (up_check_file(r, fid, file) != 0)
            return -1;
    } else if (up_check_folder(r, req_param(r, "folder_id"), folder) != 0)
        return -1;
    char lock_hash[STORE_LOCK_HASH_SIZE]; /* kept for the commit (finalize) */
    if (up_lock_param(r, folder, file, name, lock_hash) != 0)
        return -1;
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT COUNT(*), COALESCE(SUM(MAX(size, 0)), 0) FROM "
                                "upload_sessions WHERE user_id = ?1 AND status IN ('ready', "
                                "'uploading', 'assembling')",
                                "t", r->caller.user_id);
    if (!st || sqlite3_step(st) != SQLITE_ROW) {
        if (st)
            sqlite3_reset(st);
        return req_fail_internal(r, "count sessions");
    }
    long long live = sqlite3_column_int64(st, 0), bytes = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    if (live >= UP_SESSIONS_MAX || bytes + (size > 0 ? size : 0) > UP_SESSIONS_SIZE_MAX)
        return req_fail(r, 429, API_ERR_RATE_LIMITED,
                        "Too many open upload sessions (limits: %d sessions, %lld bytes)",
                        UP_SESSIONS_MAX, (long long)UP_SESSIONS_SIZE_MAX);
    char id[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_UPLOAD, id))
        return req_fail_internal(r, "upload id");
    /* the file first (preallocated: a full disk is refused now, not at the last chunk), then
     * the row; a crash in between leaves a file recovery removes */
    if (blob_tmp_create(r->srv, id, size) != 0)
        return fail_io(r, "create upload file", errno);
    int64_t now = srv_now_us();
    if (db_exec(r->db,
                "INSERT INTO upload_sessions (id, user_id, workspace_id, folder_id, file_id, name, "
                "kind, size, max_size, chunk_size, status, file_crc32c, created, updated, expires, "
                "lock_token_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'ready', ?11, "
                "?12, ?12, ?13, ?14)",
                "tttttttiiitiit", id, r->caller.user_id, r->ws.id, folder[0] ? folder : NULL,
                file[0] ? file : NULL, name, stream ? "stream" : "chunked", (int64_t)size,
                (int64_t)max_size, (int64_t)chunk_size, fcrc, now, now + UP_SESSION_TTL_US,
                lock_hash[0] ? lock_hash : NULL) != SQLITE_DONE) {
        blob_tmp_remove(r->srv, id);
        return req_fail_internal(r, "insert session");
    }
    up_note(r, id);
    return req_set(r, "id", json_string(id));
}

static int single_upload(struct req *r, struct up_ctx *c)
{
    const char *name = name_param(r);
    if (!name)
        return -1;
    long long size = -1;
    if (req_param(r, "size") && !req_param_int(r, "size", 0, UP_SINGLE_MAX, 0, &size))
        return -1;
    if (size >= 0 && size != c->got)
        return req_fail_param(r, "size", "invalid", "size is %lld but the file part has %lld bytes",
                              size, (long long)c->got);
    if (hash_params(r, c) != 0)
        return -1;
    if (c->hash_algo[0] && c->md) /* digest over the stored bytes (a single is ≤ 4 MiB) */
        return req_fail_param(r, "hash_algo", "invalid",
                              "A single-request upload is verified with hash_algo=crc32c");
    if (hash_verify(r, c) != 0)
        return -1;
    const char *pt = req_param(r, "profile_type");
    if (pt && *pt && strcmp(pt, "workspace") != 0)
        return req_fail_param(r, "profile_type", "invalid",
                              "Only profile_type=workspace is supported by this server");
    const char *action = req_param(r, "action");
    bool update = action && strcmp(action, "update") == 0;
    if (up_ws_enter(r, req_param(r, "instance_id"), ROLE_MEMBER, true) != 0)
        return -1;
    char folder[FIO_OPAQUE_ID_SIZE] = "", file[FIO_OPAQUE_ID_SIZE] = "";
    if (update) {
        const char *fid = req_param(r, "file_id");
        if (!fid || !*fid)
            return req_fail_param(r, "file_id", "missing", "action=update needs file_id");
        if (up_check_file(r, fid, file) != 0)
            return -1;
    } else if (up_check_folder(r, req_param(r, "folder_id"), folder) != 0)
        return -1;
    char vid[FIO_OPAQUE_ID_SIZE], node[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_VERSION, vid))
        return req_fail_internal(r, "version id");
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (blob_commit(r->srv, c->upload_id, vid) != 0)
        return fail_io(r, "commit blob", errno);
    c->committed = true;
    int64_t now = srv_now_us();
    if (db_begin(r->db) != SQLITE_OK) {
        blob_remove(r->srv, vid);
        return req_fail(r, 503, 0, "The database is busy; try again");
    }
    if (up_store_file(r, folder[0] ? folder : NULL, file, name, vid, c->got, c->crc, node) != 0 ||
        db_exec(r->db,
                "INSERT INTO upload_sessions (id, user_id, workspace_id, folder_id, file_id, name, "
                "kind, size, max_size, status, new_file_id, version_id, created, updated, "
                "expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'single', ?7, ?7, 'stored', ?8, ?9, ?10, "
                "?10, ?11)",
                "ttttttittii", c->upload_id, r->caller.user_id, r->ws.id,
                folder[0] ? folder : NULL, file[0] ? file : NULL, name, c->got, node, vid, now,
                now + UP_SESSION_TTL_US) != SQLITE_DONE ||
        db_commit(r->db) != SQLITE_OK) {
        db_rollback(r->db);
        activity_discard(r); /* the event's keys: nothing was stored */
        blob_remove(r->srv, vid);
        if (!r->err.http)
            req_fail_internal(r, "single upload commit");
        return -1;
    }
    up_note(r, c->upload_id);
    return req_set(r, "id", json_string(c->upload_id)) ||
                   req_set(r, "new_file_id", json_string(node))
               ? -1
               : 0;
}

static int create_data(struct req *r, const char *d, size_t n)
{
    struct up_ctx *c = r->stream_ctx;
    if (c->kind == CTX_FORM) {
        if (!fio_buf_append(&c->form, d, n))
            return req_fail(r, 413, API_ERR_INVALID, "Request body too large (limit %d bytes)",
                            SRV_MAX_BODY);
        return 0;
    }
    enum mp_status st = mp_feed(&c->mp, d, n);
    return st == MP_OK ? 0 : mp_error(r, c, st);
}

static int create_finish(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    int rc;
    if (c->kind == CTX_FORM) {
        if (c->form.len && !fio_form_parse(&r->form, c->form.data, c->form.len, SRV_MAX_FIELDS))
            return req_fail(r, 400, API_ERR_INVALID, "Malformed form body");
        for (size_t i = 0; i < r->form.count; i++)
            if (strlen(r->form.fields[i].value) != r->form.fields[i].value_len)
                return req_fail_param(r, r->form.fields[i].name, "invalid",
                                      "The parameter '%s' contains a NUL byte",
                                      r->form.fields[i].name);
        if (!db_enter(r))
            return req_fail_internal(r, "db");
        rc = create_session(r);
        db_leave(r);
        return rc;
    }
    enum mp_status st = mp_finish(&c->mp);
    if (st != MP_OK)
        return mp_error(r, c, st);
    /* the text parts become the request's parameters */
    fio_form_release(&r->form);
    r->form = c->mp.fields;
    fio_form_init(&c->mp.fields);
    if (!db_enter(r))
        return req_fail_internal(r, "db");
    rc = c->part_seen ? single_upload(r, c) : create_session(r);
    db_leave(r);
    return rc;
}

static const struct req_stream create_ops = {create_data, create_finish, ctx_free};

int h_up_create(struct req *r)
{
    bool mp = is_multipart(r);
    if (!mp && r->content_type[0] &&
        strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33) != 0)
        return req_fail(r, 415, API_ERR_INVALID,
                        "Use application/x-www-form-urlencoded (session) or multipart/form-data "
                        "(single-request upload)");
    if (length_check(r, mp ? UP_SINGLE_MAX + SRV_MAX_BODY : SRV_MAX_BODY) != 0)
        return -1;
    struct up_ctx *c = ctx_new(r, mp ? CTX_SINGLE : CTX_FORM, &create_ops);
    if (!c)
        return -1;
    if (!mp)
        return 0;
    c->limit = UP_SINGLE_MAX;
    if (!fio_opaque_id_new(FIO_ID_UPLOAD, c->upload_id))
        return req_fail_internal(r, "upload id");
    return start_multipart(r, c);
}

/* ---- POST /upload/{id}/chunk/ ---------------------------------------------------------------- */

/* Where chunk `order` of `size` bytes goes (api §5.1: 1-based, every chunk but the last exactly
 * the session's chunk size, ≥ the minimum). The chunk size is fixed at create (chunk_size), or
 * by the first chunk that shows it: chunk 1, or a chunk that can only be the last. A chunk that
 * could be either a full middle chunk or a short last one, before the size is known, is refused
 * with 409 (retry after chunk 1 has started, or pass chunk_size at create). */
static int chunk_geometry(struct req *r, struct up_session *ses, int64_t order, int64_t size,
                          int64_t *off)
{
    int64_t total = ses->size, min = r->srv->cfg.min_chunk_size, cs = ses->chunk_size;
    if (total == 0) {
        if (order != 1 || size != 0)
            return req_fail_param(r, "size", "invalid", "An empty file has one empty chunk");
        *off = 0;
        return 0;
    }
    if (cs == 0) {
        if (order == 1) {
            if (size > total)
                return req_fail_param(r, "size", "invalid", "The chunk is larger than the file");
            if (size < total && size < min)
                return req_fail_param(r, "size", "invalid",
                                      "Only the last chunk may be smaller than %lld bytes",
                                      (long long)min);
            cs = size;
        } else {
            int64_t csx = size > 0 ? (total - size) / (order - 1) : 0;
            bool last_ok = size > 0 && total > size && (total - size) % (order - 1) == 0 &&
                           csx >= size && csx >= min && csx <= UP_CHUNK_MAX;
            bool mid_ok = size >= min && size <= UP_CHUNK_MAX && order * size < total;
            if (last_ok && mid_ok)
                return req_fail(r, 409, API_ERR_CONFLICT,
                                "The session's chunk size is not known yet: send chunk 1 first "
                                "or give chunk_size when creating the session");
            if (!last_ok && !mid_ok)
                return req_fail_param(r, "size", "invalid",
                                      "The chunk size does not fit the file size");
            cs = last_ok ? csx : size;
        }
        if (cs < 1 || cs > UP_CHUNK_MAX || (total + cs - 1) / cs > UP_CHUNKS_MAX)
            return req_fail_param(r, "size", "invalid",
                                  "Chunks must be at most %lld bytes and at most %d per file",
                                  (long long)UP_CHUNK_MAX, UP_CHUNKS_MAX);
        if (db_exec(r->db,
                    "UPDATE upload_sessions SET chunk_size = ?1 WHERE id = ?2 AND chunk_size = 0",
                    "it", cs, ses->id) != SQLITE_DONE)
            return req_fail_internal(r, "set chunk size");
        struct up_session again;
        if (up_session_load(r->db, ses->id, r->caller.user_id, &again) != 1)
            return req_fail_internal(r, "reload session");
        ses->chunk_size = cs = again.chunk_size; /* another request may have won the race */
    }
    int64_t last = (total + cs - 1) / cs;
    if (order > last)
        return req_fail_param(r, "order", "invalid", "order %lld is past the last chunk (%lld)",
                              (long long)order, (long long)last);
    int64_t want = order < last ? cs : total - (last - 1) * cs;
    if (size != want)
        return req_fail_param(r, "size", "invalid",
                              "Chunk %lld must have %lld bytes (chunk size %lld; only the last "
                              "chunk may be shorter)",
                              (long long)order, (long long)want, (long long)cs);
    *off = (order - 1) * cs;
    return 0;
}

static int session_or_404(struct req *r, struct up_session *ses)
{
    int rc = up_session_load(r->db, req_arg(r, 0), r->caller.user_id, ses);
    if (rc < 0)
        return req_fail_internal(r, "load session");
    if (rc == 0)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Upload session not found");
    return 0;
}

static bool open_status(const struct up_session *ses)
{
    return strcmp(ses->status, "ready") == 0 || strcmp(ses->status, "uploading") == 0;
}

static int chunk_data(struct req *r, const char *d, size_t n)
{
    struct up_ctx *c = r->stream_ctx;
    if (c->raw) {
        c->part_seen = true;
        return take_bytes(r, c, d, n);
    }
    enum mp_status st = mp_feed(&c->mp, d, n);
    return st == MP_OK ? 0 : mp_error(r, c, st);
}

static int chunk_finish_inner(struct req *r);

/* The chunk's in-flight slot is given back BEFORE the answer is queued: a client that gets the
 * answer may send its next chunk (or complete) at once, and must not find this one still "in
 * flight" (that race made complete answer 409 under load). */
static int chunk_finish(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    int rc = chunk_finish_inner(r);
    if (c->inflight) {
        upload_inflight_put(r->srv, c->ses.id, c->order);
        c->inflight = false;
    }
    return rc;
}

static int chunk_finish_inner(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    if (!c->raw) {
        enum mp_status st = mp_finish(&c->mp);
        if (st != MP_OK)
            return mp_error(r, c, st);
        if (!c->part_seen)
            return req_fail_param(r, "chunk", "missing", "The multipart part 'chunk' is missing");
    }
    if (c->got != c->limit)
        return req_fail_param(r, "size", "invalid", "size is %lld but %lld bytes arrived",
                              (long long)c->limit, (long long)c->got);
    if (hash_verify(r, c) != 0)
        return -1;
    if (r->srv->cfg.sync_policy == BLOB_SYNC_CHUNK && fdatasync(c->fd) != 0)
        return fail_io(r, "fdatasync chunk", errno);
    bool bad;
    const char *fcrc = file_crc_param(r, &bad);
    if (bad)
        return -1;
    if (!db_enter(r))
        return req_fail_internal(r, "db");
    int rc = -1;
    char hex[FIO_CRC32C_HEX_SIZE];
    fio_crc32c_hex(c->crc, hex);
    int64_t now = srv_now_us();
    if (db_begin(r->db) != SQLITE_OK) {
        req_fail(r, 503, 0, "The database is busy; try again");
        goto out;
    }
    struct up_session ses;
    if (session_or_404(r, &ses) != 0)
        goto out;
    if (!open_status(&ses)) {
        req_fail(r, 409, API_ERR_CONFLICT, "The session is %s; it takes no more chunks",
                 ses.status);
        goto out;
    }
    if (fcrc && ses.file_crc32c[0] && strcasecmp(fcrc, ses.file_crc32c) != 0) {
        req_fail(r, 409, API_ERR_CRC_CONFLICT, "A different file_crc32c (%s) is already set",
                 ses.file_crc32c);
        goto out;
    }
    char lower[9] = "";
    for (int i = 0; fcrc && i < 9; i++)
        lower[i] = (char)((fcrc[i] >= 'A' && fcrc[i] <= 'F') ? fcrc[i] - 'A' + 'a' : fcrc[i]);
    if (db_exec(r->db,
                "INSERT OR REPLACE INTO upload_chunks (session_id, ord, size, crc32c, created) "
                "VALUES (?1, ?2, ?3, ?4, ?5)",
                "tditi", ses.id, c->order, c->got, hex, now) != SQLITE_DONE ||
        db_exec(r->db,
                "UPDATE upload_sessions SET status = 'uploading', updated = ?1, file_crc32c = "
                "COALESCE(file_crc32c, ?2) WHERE id = ?3",
                "itt", now, fcrc ? lower : NULL, ses.id) != SQLITE_DONE) {
        req_fail_internal(r, "chunk row");
        goto out;
    }
    if (db_commit(r->db) != SQLITE_OK) {
        req_fail_internal(r, "chunk commit");
        goto out;
    }
    up_note(r, ses.id);
    rc = req_set(r, "chunk",
                 json_pack("{s:i, s:I, s:s}", "order", c->order, "size", (json_int_t)c->got,
                           "crc32c", hex));
out:
    db_leave(r);
    return rc;
}

static const struct req_stream chunk_ops = {chunk_data, chunk_finish, ctx_free};

int h_up_chunk(struct req *r)
{
    struct up_session ses;
    if (session_or_404(r, &ses) != 0)
        return -1;
    if (strcmp(ses.kind, "chunked") != 0)
        return req_fail(r, 406, API_ERR_INVALID, "A stream session takes no chunks");
    if (!open_status(&ses))
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is %s; it takes no more chunks",
                        ses.status);
    long long order, size;
    if (!req_param(r, "order") || !req_param(r, "size"))
        return req_fail_param(r, req_param(r, "order") ? "size" : "order", "missing",
                              "order and size are required");
    if (!req_param_int(r, "order", 1, UP_CHUNKS_MAX, 1, &order) ||
        !req_param_int(r, "size", 0, UP_CHUNK_MAX, 0, &size))
        return -1;
    bool bad;
    const char *fcrc = file_crc_param(r, &bad);
    if (bad)
        return -1;
    if (fcrc && ses.file_crc32c[0] && strcasecmp(fcrc, ses.file_crc32c) != 0)
        return req_fail(r, 409, API_ERR_CRC_CONFLICT, "A different file_crc32c (%s) is already set",
                        ses.file_crc32c);
    int64_t off = 0;
    if (chunk_geometry(r, &ses, order, size, &off) != 0)
        return -1;
    bool raw = strncasecmp(r->content_type, "application/octet-stream", 24) == 0;
    if (!raw && !is_multipart(r))
        return req_fail(r, 415, API_ERR_INVALID,
                        "Send the chunk as multipart/form-data (part 'chunk') or "
                        "application/octet-stream");
    if (length_check(r, size + (raw ? 0 : 64 * 1024)) != 0)
        return -1;
    struct up_ctx *c = ctx_new(r, CTX_CHUNK, &chunk_ops);
    if (!c)
        return -1;
    c->ses = ses;
    c->order = (int)order;
    c->off = off;
    c->limit = size;
    c->raw = raw;
    if (hash_params(r, c) != 0)
        return -1;
    bool dup;
    if (upload_inflight_take(r->srv, ses.id, c->order, &dup) != 0)
        return req_fail(r, 409, API_ERR_CONFLICT,
                        dup ? "This chunk is being received already"
                            : "At most 3 chunks of one session may be in flight");
    c->inflight = true;
    c->fd = blob_tmp_open(r->srv, ses.id);
    if (c->fd < 0)
        return fail_io(r, "open upload file", errno);
    return raw ? 0 : start_multipart(r, c);
}

/* ---- complete, details, cancel, list, chunk info / delete ------------------------------------ */

int h_up_complete(struct req *r)
{
    struct up_session ses;
    if (session_or_404(r, &ses) != 0)
        return -1;
    if (strcmp(ses.kind, "chunked") != 0)
        return req_fail(r, 406, API_ERR_INVALID, "A stream session completes by itself");
    if (strcmp(ses.status, "stored") == 0) /* a retried complete: same answer */
        return req_set(r, "id", json_string(ses.id)) ||
                       req_set(r, "new_file_id", json_string(ses.new_file_id)) ||
                       req_set(r, "status", json_string("stored"))
                   ? -1
                   : 0;
    if (!open_status(&ses))
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is %s", ses.status);
    if (up_ws_enter(r, ses.ws_id, ROLE_MEMBER, true) != 0)
        return -1;
    bool bad;
    const char *fcrc = file_crc_param(r, &bad);
    if (bad)
        return -1;
    if (fcrc && ses.file_crc32c[0] && strcasecmp(fcrc, ses.file_crc32c) != 0)
        return req_fail(r, 409, API_ERR_CRC_CONFLICT, "A different file_crc32c (%s) is already set",
                        ses.file_crc32c);
    if (upload_inflight_count(r->srv, ses.id, 0) > 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "Chunks of this session are still in flight");
    /* sizes and CRCs from the chunk rows: nothing is re-read (crc32c_combine) */
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT ord, size, crc32c FROM upload_chunks WHERE session_id = "
                                "?1 ORDER BY ord LIMIT " "10001",
                                "t", ses.id);
    if (!st)
        return req_fail_internal(r, "chunks");
    int64_t sum = 0, expect = 1;
    uint32_t crc = 0;
    bool gap = false;
    for (int k = 0; k <= UP_CHUNKS_MAX && sqlite3_step(st) == SQLITE_ROW; k++) {
        uint32_t cc = 0;
        int64_t sz = sqlite3_column_int64(st, 1);
        const char *hx = db_col_text(st, 2);
        if (sqlite3_column_int64(st, 0) != expect++ || !fio_crc32c_parse_hex(hx, strlen(hx), &cc))
            gap = true;
        crc = fio_crc32c_combine(crc, cc, (uint64_t)sz);
        sum += sz;
    }
    sqlite3_reset(st);
    if (gap || sum != ses.size) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s: the chunks hold %lld bytes, the declared size is %lld",
                 gap ? "missing chunks" : "size mismatch", (long long)sum, (long long)ses.size);
        set_failed(r, ses.id, msg, NULL);
        return req_fail(r, 400, API_ERR_UPLOAD_SIZE, "%s; the session cannot be completed", msg);
    }
    const char *want = fcrc ? fcrc : ses.file_crc32c[0] ? ses.file_crc32c : NULL;
    char hex[FIO_CRC32C_HEX_SIZE];
    fio_crc32c_hex(crc, hex);
    if (want && strcasecmp(want, hex) != 0) {
        json_t *integ = json_pack("{s:s, s:s, s:s, s:i}", "reason", "file_crc32c_mismatch",
                                  "expected_crc32c", want, "computed_crc32c", hex, "error_code",
                                  API_ERR_CRC_MISMATCH);
        set_failed(r, ses.id, "file_crc32c mismatch", integ);
        return req_fail(r, 406, API_ERR_CRC_MISMATCH,
                        "The file's CRC-32C is %s, not %s; nothing was stored", hex, want);
    }
    return finalize(r, &ses, sum, crc);
}

/* Long-poll (api §5.4 `wait`, seconds, ≤ 590): re-read the status every 100 ms until it changes
 * or turns terminal. This holds the worker thread (and its connection slot) while it waits: the
 * libmicrohttpd suspend/resume alternative is noted in docs/decisions.md. */
static void wait_for_change(struct req *r, const char *id, const char *status, long long secs)
{
    int64_t deadline = fio_mono_us() + secs * 1000000;
    for (long k = 0; k < UP_WAIT_MAX * 10L + 10 && fio_mono_us() < deadline; k++) {
        struct up_session now;
        if (up_session_load(r->db, id, r->caller.user_id, &now) != 1 ||
            strcmp(now.status, status) != 0 || strcmp(now.status, "stored") == 0 ||
            strstr(now.status, "failed"))
            return;
        struct timespec step = {0, 100 * 1000 * 1000};
        nanosleep(&step, NULL);
    }
}

int h_up_details(struct req *r)
{
    struct up_session ses;
    if (session_or_404(r, &ses) != 0)
        return -1;
    long long wait = 0;
    if (!req_param_int(r, "wait", 0, UP_WAIT_MAX, 0, &wait))
        return -1;
    if (wait > 0)
        wait_for_change(r, ses.id, ses.status, wait);
    json_t *o = up_session_json(r, ses.id, true);
    return o ? req_set(r, "session", o) : -1;
}

int h_up_list(struct req *r)
{
    json_t *arr = json_array();
    sqlite3_stmt *st = arr ? db_query(r->db,
                                      "SELECT id FROM upload_sessions WHERE user_id = ?1 AND "
                                      "status <> 'stored' ORDER BY created DESC LIMIT 500",
                                      "t", r->caller.user_id)
                           : NULL;
    if (!st) {
        json_decref(arr);
        return req_fail_internal(r, "list sessions");
    }
    char ids[500][FIO_OPAQUE_ID_SIZE];
    size_t n = 0;
    while (n < 500 && sqlite3_step(st) == SQLITE_ROW)
        fio_strlcpy(ids[n++], db_col_text(st, 0), FIO_OPAQUE_ID_SIZE);
    sqlite3_reset(st);
    for (size_t i = 0; i < n; i++) {
        json_t *o = up_session_json(r, ids[i], false);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return -1;
        }
    }
    if (req_set(r, "sessions", arr) || req_set(r, "count", json_integer((json_int_t)n)))
        return -1;
    return 0;
}

static int cancel_one(struct req *r, const struct up_session *ses)
{
    if (upload_inflight_count(r->srv, ses->id, 0) > 0 || strcmp(ses->status, "assembling") == 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is busy; try again");
    if (db_exec(r->db, "DELETE FROM upload_sessions WHERE id = ?1 AND user_id = ?2", "tt",
                ses->id, r->caller.user_id) != SQLITE_DONE)
        return req_fail_internal(r, "delete session");
    if (sqlite3_changes(r->db->db) == 1)
        up_note(r, ses->id);
    blob_tmp_remove(r->srv, ses->id); /* after the row: a crash between leaves a file recovery
                                       * removes, never a row without its file */
    return 0;
}

int h_up_cancel(struct req *r)
{
    struct up_session ses;
    if (session_or_404(r, &ses) != 0 || cancel_one(r, &ses) != 0)
        return -1;
    return req_set(r, "id", json_string(ses.id));
}

int h_up_cancel_all(struct req *r)
{
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT id FROM upload_sessions WHERE user_id = ?1 LIMIT 2000", "t",
                                r->caller.user_id);
    if (!st)
        return req_fail_internal(r, "list sessions");
    char(*ids)[FIO_OPAQUE_ID_SIZE] = calloc(2000, FIO_OPAQUE_ID_SIZE);
    size_t n = 0;
    while (ids && n < 2000 && sqlite3_step(st) == SQLITE_ROW)
        fio_strlcpy(ids[n++], db_col_text(st, 0), FIO_OPAQUE_ID_SIZE);
    sqlite3_reset(st);
    if (!ids)
        return req_fail(r, 500, 0, "Out of memory");
    long cancelled = 0, busy = 0;
    for (size_t i = 0; i < n; i++) {
        struct up_session ses;
        if (up_session_load(r->db, ids[i], r->caller.user_id, &ses) != 1)
            continue;
        if (cancel_one(r, &ses) == 0)
            cancelled++;
        else {
            busy++;
            json_decref(r->err.params);
            memset(&r->err, 0, sizeof(r->err)); /* a busy session is skipped, not an error */
        }
    }
    free(ids);
    return req_set(r, "cancelled", json_integer(cancelled)) ||
                   req_set(r, "busy", json_integer(busy))
               ? -1
               : 0;
}

int h_up_chunk_info(struct req *r)
{
    struct up_session ses;
    if (session_or_404(r, &ses) != 0)
        return -1;
    long long order = 0;
    if (!req_param_int(r, "order", 0, UP_CHUNKS_MAX, 0, &order))
        return -1;
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT ord, size, crc32c, created FROM upload_chunks WHERE "
                                "session_id = ?1 AND (?2 = 0 OR ord = ?2) ORDER BY ord LIMIT 10000",
                                "ti", ses.id, (int64_t)order);
    json_t *arr = json_array();
    if (!st || !arr) {
        json_decref(arr);
        return req_fail_internal(r, "chunk info");
    }
    for (int k = 0; k < 10000 && sqlite3_step(st) == SQLITE_ROW; k++)
        json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:o}", "order",
                                             (json_int_t)sqlite3_column_int64(st, 0), "size",
                                             (json_int_t)sqlite3_column_int64(st, 1), "crc32c",
                                             db_col_text(st, 2), "created",
                                             srv_time_json(sqlite3_column_int64(st, 3))));
    sqlite3_reset(st);
    if (order && json_array_size(arr) == 0) {
        json_decref(arr);
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Chunk %lld has not been received", order);
    }
    if (order) {
        json_t *one = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        return req_set(r, "chunk", one);
    }
    return req_set(r, "chunks", arr) || req_set(r, "chunk_size", json_integer(ses.chunk_size))
               ? -1
               : 0;
}

int h_up_chunk_delete(struct req *r)
{
    struct up_session ses;
    if (session_or_404(r, &ses) != 0)
        return -1;
    long long order;
    if (!req_param(r, "order"))
        return req_fail_param(r, "order", "missing", "The parameter 'order' is required");
    if (!req_param_int(r, "order", 1, UP_CHUNKS_MAX, 1, &order))
        return -1;
    if (!open_status(&ses))
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is %s", ses.status);
    if (upload_inflight_count(r->srv, ses.id, (int)order) > 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "That chunk is being received");
    if (db_exec(r->db, "DELETE FROM upload_chunks WHERE session_id = ?1 AND ord = ?2", "ti",
                ses.id, (int64_t)order) != SQLITE_DONE)
        return req_fail_internal(r, "delete chunk");
    if (sqlite3_changes(r->db->db) == 0)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Chunk %lld has not been received", order);
    up_note(r, ses.id);
    return req_set(r, "order", json_integer(order));
}

/* ---- POST /upload/{id}/stream/ (api §5.5): raw body, single-shot, auto-finalised ------------- */

static int stream_data(struct req *r, const char *d, size_t n)
{
    return take_bytes(r, r->stream_ctx, d, n);
}

static int stream_finish(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    if (hash_verify(r, c) != 0)
        return -1;
    if (!db_enter(r))
        return req_fail_internal(r, "db");
    int rc = -1;
    struct up_session ses;
    if (session_or_404(r, &ses) == 0 && up_ws_enter(r, ses.ws_id, ROLE_MEMBER, true) == 0) {
        if (c->fd >= 0) {
            close(c->fd);
            c->fd = -1;
        }
        rc = finalize(r, &ses, c->got, c->crc);
        if (rc == 0)
            c->committed = true;
    }
    db_leave(r);
    return rc;
}

static const struct req_stream stream_ops = {stream_data, stream_finish, ctx_free};

int h_up_stream(struct req *r)
{
    struct up_session ses;
    if (session_or_404(r, &ses) != 0)
        return -1;
    if (strcmp(ses.kind, "stream") != 0)
        return req_fail(r, 406, API_ERR_INVALID, "A chunked session takes no stream");
    if (strcmp(ses.status, "ready") != 0)
        return req_fail(r, 406, API_ERR_INVALID,
                        "A stream session is single-shot; this one is %s", ses.status);
    if (length_check(r, ses.max_size) != 0)
        return -1;
    struct up_ctx *c = ctx_new(r, CTX_STREAM, &stream_ops);
    if (!c)
        return -1;
    c->ses = ses;
    c->order = 1;
    c->limit = ses.max_size;
    if (hash_params(r, c) != 0)
        return -1;
    bool dup;
    if (upload_inflight_take(r->srv, ses.id, 1, &dup) != 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "The stream is being received already");
    c->inflight = true;
    if (db_exec(r->db,
                "UPDATE upload_sessions SET status = 'uploading', updated = ?1 WHERE id = ?2 AND "
                "status = 'ready'",
                "it", srv_now_us(), ses.id) != SQLITE_DONE ||
        sqlite3_changes(r->db->db) != 1)
        return req_fail(r, 406, API_ERR_INVALID, "A stream session is single-shot");
    up_note(r, ses.id);
    c->stream_started = true;
    c->fd = blob_tmp_open(r->srv, ses.id);
    if (c->fd < 0)
        return fail_io(r, "open upload file", errno);
    return 0;
}

/* ---- limits (api §5.8) ------------------------------------------------------------------------ */

int h_up_limits(struct req *r)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:s}", "chunk_size", (json_int_t)UP_CHUNK_MAX,
        "chunk_size_min", (json_int_t)r->srv->cfg.min_chunk_size, "size",
        (json_int_t)UP_FILE_MAX, "chunks", (json_int_t)UP_CHUNKS_MAX, "sessions",
        (json_int_t)UP_SESSIONS_MAX, "sessions_size_max", (json_int_t)UP_SESSIONS_SIZE_MAX,
        "single_size", (json_int_t)UP_SINGLE_MAX, "parallel_chunks", UP_INFLIGHT_MAX, "sync",
        r->srv->cfg.sync_policy == BLOB_SYNC_CHUNK  ? "chunk"
        : r->srv->cfg.sync_policy == BLOB_SYNC_NONE ? "none"
                                                    : "complete");
    if (!o)
        return req_fail(r, 500, 0, "Out of memory");
    /* flat keys (api §1.3) */
    int rc = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        rc = req_set(r, k, json_incref(v));
        if (rc != 0)
            break;
    }
    json_decref(o);
    return rc;
}

int h_up_extensions(struct req *r)
{
    const char *plan = req_param(r, "plan");
    return req_set(r, "restricted_extensions", json_array()) ||
                   req_set(r, "archive_extensions",
                           json_pack("[s,s,s,s,s]", "zip", "tar", "gz", "7z", "rar")) ||
                   req_set(r, "enforcement_enabled", json_false()) ||
                   req_set(r, "plan", json_string(plan && *plan ? plan : "local")) ||
                   req_set(r, "cache_ttl", json_integer(3600))
               ? -1
               : 0;
}
