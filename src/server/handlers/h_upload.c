/* SPDX-License-Identifier: MIT */
/* h_upload.c - upload flows A-C of api §5: POST /upload/ (a session from a form, or a whole file
 * ≤ 4 MiB from multipart), completion (sizes and combined CRCs checked, nothing re-read; sync,
 * rename, one transaction), details with long-poll, and session management. The chunk and stream
 * bodies are received in h_upload_chunk.c. */
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
#include "req_conn.h"
#include "timeutil.h"
#include "upload.h"

/* ---- small helpers -------------------------------------------------------------------------- */

int up_fail_io(struct req *r, const char *what, int err)
{
    srv_log(r->srv, SRV_LOG_ERROR, "upload: %s: %s", what, strerror(err));
    if (err == ENOSPC || err == EDQUOT)
        return req_fail(r, 507, API_ERR_LIMIT, "Insufficient storage: the server's disk is full");
    return req_fail(r, 500, 0, "Storage error");
}

/* ---- quotas, session limits and the disk reserve (D-080, docs/server.md "Quotas") ---------- */

long up_max_sessions(const struct server *s)
{
    return s->cfg.max_sessions > 0 ? s->cfg.max_sessions : UP_SESSIONS_MAX;
}

long long up_sessions_size_max(const struct server *s)
{
    return s->cfg.sessions_size_max > 0 ? s->cfg.sessions_size_max : UP_SESSIONS_SIZE_MAX;
}

int64_t up_session_ttl_us(const struct server *s)
{
    return s->cfg.upload_ttl_s > 0 ? (int64_t)s->cfg.upload_ttl_s * 1000000 : UP_SESSION_TTL_US;
}

long long up_file_max(const struct server *s)
{
    long long m = UP_FILE_MAX;
    if (s->cfg.user_quota > 0 && s->cfg.user_quota < m)
        m = s->cfg.user_quota;
    if (s->cfg.org_quota > 0 && s->cfg.org_quota < m)
        m = s->cfg.org_quota;
    return m;
}

long long up_quota_left(struct req *r)
{
    const struct srv_config *cfg = &r->srv->cfg;
    int64_t ub = 0, ob = 0;
    if (STORE(r->st, upload)
            ->quota_usage(r->st, r->caller.user_id, r->ws.id, &ub,
                          cfg->org_quota > 0 ? &ob : NULL) != STORE_OK) {
        req_fail_internal(r, "quota usage");
        return -1;
    }
    long long left = UP_FILE_MAX;
    if (cfg->user_quota > 0 && cfg->user_quota - ub < left)
        left = cfg->user_quota - ub;
    if (cfg->org_quota > 0 && cfg->org_quota - ob < left)
        left = cfg->org_quota - ob;
    return left > 0 ? left : 0;
}

int up_admit(struct req *r, int64_t add, int64_t disk_add, bool session)
{
    const struct srv_config *cfg = &r->srv->cfg;
    const struct store_upload_ops *up = STORE(r->st, upload);
    if (add < 0)
        add = 0;
    if (session) {
        int64_t live = 0, bytes = 0;
        if (up->usage(r->st, r->caller.user_id, &live, &bytes) != STORE_OK)
            return req_fail_internal(r, "count sessions");
        long max = up_max_sessions(r->srv);
        if (live >= max)
            return req_fail(r, 403, API_ERR_LIMIT,
                            "Too many open upload sessions: %lld are open and the limit is %ld "
                            "(sessions in GET /upload/limits/); complete or cancel some "
                            "(fastio upload cancel-all), or wait for them to expire",
                            (long long)live, max);
        long long smax = up_sessions_size_max(r->srv);
        if (bytes + add > smax)
            return req_fail(r, 413, API_ERR_LIMIT,
                            "The open upload sessions would announce %lld bytes together; the "
                            "limit is %lld (sessions_size_max in GET /upload/limits/); complete "
                            "or cancel some sessions first",
                            (long long)(bytes + add), smax);
    }
    if (cfg->user_quota > 0 || cfg->org_quota > 0) {
        int64_t ub = 0, ob = 0;
        if (up->quota_usage(r->st, r->caller.user_id, r->ws.id, &ub,
                            cfg->org_quota > 0 ? &ob : NULL) != STORE_OK)
            return req_fail_internal(r, "quota usage");
        if (cfg->user_quota > 0 && ub + add > cfg->user_quota)
            return req_fail(r, 413, API_ERR_LIMIT,
                            "Storage quota exceeded: %lld more bytes would bring this account to "
                            "%lld of its %lld (stored versions plus open upload sessions); delete "
                            "files, purge the trash or cancel upload sessions",
                            (long long)add, (long long)(ub + add), cfg->user_quota);
        if (cfg->org_quota > 0 && ob + add > cfg->org_quota)
            return req_fail(r, 413, API_ERR_LIMIT,
                            "Storage quota of the organization exceeded: %lld more bytes would "
                            "bring it to %lld of its %lld (stored versions plus open upload "
                            "sessions); delete files, purge the trash or cancel upload sessions",
                            (long long)add, (long long)(ob + add), cfg->org_quota);
    }
    return up_disk_check(r, disk_add);
}

int up_disk_check(struct req *r, int64_t disk_add)
{
    long long reserve = r->srv->cfg.disk_reserve;
    if (reserve <= 0)
        return 0;
    if (disk_add < 0)
        disk_add = 0;
    int64_t avail = blob_space_avail(r->srv);
    if (avail < 0 || avail - disk_add >= reserve)
        return 0;
    srv_log(r->srv, SRV_LOG_WARN, "upload refused: %lld bytes free, %lld wanted, %lld kept in reserve",
            (long long)avail, (long long)disk_add, reserve);
    return req_fail(r, 507, API_ERR_LIMIT,
                    "Insufficient storage: the server's disk is too full for %lld more bytes; "
                    "try a smaller file or later",
                    (long long)disk_add);
}

bool up_db_enter(struct req *r)
{
    return req_conn_acquire(r);
}

void up_db_leave(struct req *r)
{
    req_conn_release(r); /* rolls back an unfinished transaction */
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

const char *up_file_crc_param(struct req *r, bool *bad)
{
    return up_file_crc_check(r, req_param(r, "file_crc32c"), bad);
}

const char *up_file_crc_check(struct req *r, const char *v, bool *bad)
{
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

/* ---- finishing a file: sessions (complete, stream) ------------------------------------------ */

static int set_failed(struct req *r, const char *id, const char *msg, json_t *integrity)
{
    char *integ = integrity ? json_dumps(integrity, JSON_COMPACT) : NULL;
    json_decref(integrity);
    STORE(r->st, upload)->failed(r->st, id, msg, integ, srv_now_us());
    free(integ);
    up_note(r, id);
    return 0;
}

/* The commit protocol of a completion (reliability.md): claim the session (assembling, its
 * version id recorded so recovery can undo a half-done rename), sync + rename + fsync dir, then
 * one transaction inserts version and node and marks the session stored. */
int up_finalize(struct req *r, const struct store_upload_session *ses, int64_t size, uint32_t crc)
{
    char vid[FIO_OPAQUE_ID_SIZE], node[FIO_OPAQUE_ID_SIZE];
    /* the lock token of this request (a holder that re-acquired), else the create's */
    char lock_hash[STORE_LOCK_HASH_SIZE];
    if (tree_lock_param_hash(r, lock_hash) != 0)
        return -1;
    if (!lock_hash[0])
        fio_strlcpy(lock_hash, ses->lock_hash, sizeof(lock_hash));
    if (!fio_opaque_id_new(FIO_ID_VERSION, vid))
        return req_fail_internal(r, "version id");
    int64_t now = srv_now_us();
    const struct store_upload_ops *up = STORE(r->st, upload);
    enum store_rc claimed = up->claim(r->st, ses->id, vid, now);
    if (claimed == STORE_NOT_FOUND)
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is being completed already");
    if (claimed != STORE_OK)
        return req_fail_internal(r, "claim session");
    if (upload_inflight_count(r->srv, ses->id, 0) > (strcmp(ses->kind, "stream") == 0 ? 1 : 0)) {
        up->reopen(r->st, ses->id);
        return req_fail(r, 409, API_ERR_CONFLICT, "Chunks of this session are still in flight");
    }
    if (strcmp(ses->kind, "stream") == 0 && blob_tmp_truncate(r->srv, ses->id, size) != 0)
        return up_fail_io(r, "truncate", errno);
    if (blob_commit(r->srv, ses->id, vid) != 0) {
        int e = errno;
        up->reopen(r->st, ses->id);
        return up_fail_io(r, "commit blob", e);
    }
    if (store_begin(r->st) != STORE_OK)
        goto undo;
    char folder[FIO_OPAQUE_ID_SIZE] = "";
    if (!ses->file_id[0] && ses->folder_id[0] && up_check_folder(r, ses->folder_id, folder) != 0)
        goto undo;
    if (up_place_file_locked(r, folder[0] ? folder : NULL, ses->file_id, ses->name, vid, size,
                             crc, lock_hash, node) != 0)
        goto undo;
    if (up->stored(r->st, ses->id, node, srv_now_us()) != STORE_OK ||
        store_commit(r->st) != STORE_OK) {
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
    store_rollback(r->st); /* harmless when the transaction has ended */
    activity_discard(r); /* the event's keys: nothing was stored */
    blob_uncommit(r->srv, vid, ses->id); /* best effort, like the rest of this undo */
    up->reopen(r->st, ses->id);
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
    if (!req_param_int(r, "chunk_size", r->srv->cfg.min_chunk_size, r->srv->cfg.max_chunk_size,
                       0, &chunk_size))
        return -1;
    if (!stream && chunk_size && size > 0 && (size + chunk_size - 1) / chunk_size > UP_CHUNKS_MAX)
        return req_fail_param(r, "chunk_size", "invalid", "More than %d chunks", UP_CHUNKS_MAX);
    const char *fcrc = up_file_crc_param(r, &bad);
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
    char lock_hash[STORE_LOCK_HASH_SIZE]; /* kept for the commit (up_finalize) */
    if (up_lock_param(r, folder, file, name, lock_hash) != 0)
        return -1;
    /* streams reserve their ceiling: what they may still write; under a quota the default
     * ceiling is what the quotas still allow */
    if (stream && !req_param(r, "max_size") &&
        (r->srv->cfg.user_quota > 0 || r->srv->cfg.org_quota > 0)) {
        long long left = up_quota_left(r);
        if (left < 0)
            return -1;
        max_size = left < 1 ? 1 : left < UP_FILE_MAX ? left : UP_FILE_MAX; /* 1: refused below */
    }
    if (up_admit(r, stream ? max_size : size, stream ? 0 : size, true) != 0)
        return -1;
    char id[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_UPLOAD, id))
        return req_fail_internal(r, "upload id");
    /* the file first (preallocated: a full disk is refused now, not at the last chunk), then
     * the row; a crash in between leaves a file recovery removes */
    if (blob_tmp_create(r->srv, id, size) != 0)
        return up_fail_io(r, "create upload file", errno);
    int64_t now = srv_now_us();
    struct store_upload_new row = {
        .id = id,
        .user_id = r->caller.user_id,
        .ws_id = r->ws.id,
        .folder_id = folder,
        .file_id = file,
        .name = name,
        .kind = stream ? "stream" : "chunked",
        .status = "ready",
        .size = (int64_t)size,
        .max_size = (int64_t)max_size,
        .chunk_size = (int64_t)chunk_size,
        .file_crc32c = fcrc,
        .lock_hash = lock_hash,
        .created = now,
        .expires = now + up_session_ttl_us(r->srv),
    };
    enum store_rc irc = STORE(r->st, upload)->insert(r->st, &row);
    if (irc != STORE_OK) {
        blob_tmp_remove(r->srv, id);
        if (irc == STORE_FULL) /* the file fitted, the row did not: a full disk, not a fault */
            return req_fail(r, 507, API_ERR_LIMIT,
                            "Insufficient storage: the server's disk is full; try later");
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
    if (up_hash_params(r, c) != 0)
        return -1;
    if (c->hash_algo[0] && c->md) /* digest over the stored bytes (a single is ≤ 4 MiB) */
        return req_fail_param(r, "hash_algo", "invalid",
                              "A single-request upload is verified with hash_algo=crc32c");
    if (up_hash_verify(r, c) != 0)
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
    /* the bytes are on disk already (disk_add 0): past the reserve, they go again */
    if (up_admit(r, c->got, 0, false) != 0)
        return -1;
    char vid[FIO_OPAQUE_ID_SIZE], node[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_VERSION, vid))
        return req_fail_internal(r, "version id");
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (blob_commit(r->srv, c->upload_id, vid) != 0)
        return up_fail_io(r, "commit blob", errno);
    c->committed = true;
    int64_t now = srv_now_us();
    if (store_begin(r->st) != STORE_OK) {
        blob_remove(r->srv, vid);
        return req_fail(r, 503, 0, "The database is busy; try again");
    }
    struct store_upload_new row = {
        .id = c->upload_id,
        .user_id = r->caller.user_id,
        .ws_id = r->ws.id,
        .folder_id = folder,
        .file_id = file,
        .name = name,
        .kind = "single",
        .status = "stored",
        .size = c->got,
        .max_size = c->got,
        .new_file_id = node,
        .version_id = vid,
        .created = now,
        .expires = now + up_session_ttl_us(r->srv),
    };
    /* row.new_file_id points at node, which up_place_file fills before the insert */
    if (up_place_file(r, folder[0] ? folder : NULL, file, name, vid, c->got, c->crc, node) != 0 ||
        STORE(r->st, upload)->insert(r->st, &row) != STORE_OK || store_commit(r->st) != STORE_OK) {
        store_rollback(r->st);
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
    if (c->kind == UP_CTX_FORM) {
        if (!fio_buf_append(&c->form, d, n))
            return req_fail(r, 413, API_ERR_INVALID, "Request body too large (limit %d bytes)",
                            SRV_MAX_BODY);
        return 0;
    }
    enum mp_status st = mp_feed(&c->mp, d, n);
    return st == MP_OK ? 0 : up_mp_error(r, c, st);
}

static int create_finish(struct req *r)
{
    struct up_ctx *c = r->stream_ctx;
    int rc;
    if (c->kind == UP_CTX_FORM) {
        if (c->form.len && !fio_form_parse(&r->form, c->form.data, c->form.len, SRV_MAX_FIELDS))
            return req_fail(r, 400, API_ERR_INVALID, "Malformed form body");
        for (size_t i = 0; i < r->form.count; i++)
            if (strlen(r->form.fields[i].value) != r->form.fields[i].value_len)
                return req_fail_param(r, r->form.fields[i].name, "invalid",
                                      "The parameter '%s' contains a NUL byte",
                                      r->form.fields[i].name);
        if (!up_db_enter(r))
            return req_fail_internal(r, "db");
        rc = create_session(r);
        up_db_leave(r);
        return rc;
    }
    enum mp_status st = mp_finish(&c->mp);
    if (st != MP_OK)
        return up_mp_error(r, c, st);
    /* the text parts become the request's parameters */
    fio_form_release(&r->form);
    r->form = c->mp.fields;
    fio_form_init(&c->mp.fields);
    if (!up_db_enter(r))
        return req_fail_internal(r, "db");
    rc = c->part_seen ? single_upload(r, c) : create_session(r);
    up_db_leave(r);
    return rc;
}

static const struct req_stream create_ops = {create_data, create_finish, up_ctx_free};

int h_up_create(struct req *r)
{
    bool mp = up_is_multipart(r);
    if (!mp && r->content_type[0] &&
        strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33) != 0)
        return req_fail(r, 415, API_ERR_INVALID,
                        "Use application/x-www-form-urlencoded (session) or multipart/form-data "
                        "(single-request upload)");
    if (up_length_check(r, mp ? UP_SINGLE_MAX + SRV_MAX_BODY : SRV_MAX_BODY) != 0)
        return -1;
    struct up_ctx *c = up_ctx_new(r, mp ? UP_CTX_SINGLE : UP_CTX_FORM, &create_ops);
    if (!c)
        return -1;
    if (!mp)
        return 0;
    c->limit = UP_SINGLE_MAX;
    if (!fio_opaque_id_new(FIO_ID_UPLOAD, c->upload_id))
        return req_fail_internal(r, "upload id");
    return up_start_multipart(r, c);
}

int up_session_or_404(struct req *r, struct store_upload_session *ses)
{
    int rc = up_session_load(r->st, req_arg(r, 0), r->caller.user_id, ses);
    if (rc < 0)
        return req_fail_internal(r, "load session");
    if (rc == 0)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Upload session not found");
    return 0;
}

bool up_open_status(const struct store_upload_session *ses)
{
    return strcmp(ses->status, "ready") == 0 || strcmp(ses->status, "uploading") == 0;
}

/* ---- complete, details, cancel, list, chunk info / delete ------------------------------------ */

/* store_chunk_fn of a completion: the chunks' sizes and CRCs combined, gaps noted. */
struct chunk_sum {
    int64_t sum, expect;
    uint32_t crc;
    bool gap;
};

static int chunk_add(const struct store_upload_chunk *ch, void *arg)
{
    struct chunk_sum *cs = arg;
    uint32_t cc = 0;
    if (ch->order != cs->expect++ || !fio_crc32c_parse_hex(ch->crc32c, strlen(ch->crc32c), &cc))
        cs->gap = true;
    cs->crc = fio_crc32c_combine(cs->crc, cc, (uint64_t)ch->size);
    cs->sum += ch->size;
    return 0;
}

int h_up_complete(struct req *r)
{
    struct store_upload_session ses;
    if (up_session_or_404(r, &ses) != 0)
        return -1;
    if (strcmp(ses.kind, "chunked") != 0)
        return req_fail(r, 406, API_ERR_INVALID, "A stream session completes by itself");
    if (strcmp(ses.status, "stored") == 0) /* a retried complete: same answer */
        return req_set(r, "id", json_string(ses.id)) ||
                       req_set(r, "new_file_id", json_string(ses.new_file_id)) ||
                       req_set(r, "status", json_string("stored"))
                   ? -1
                   : 0;
    if (!up_open_status(&ses))
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is %s", ses.status);
    if (up_ws_enter(r, ses.ws_id, ROLE_MEMBER, true) != 0)
        return -1;
    bool bad;
    const char *fcrc = up_file_crc_param(r, &bad);
    if (bad)
        return -1;
    if (fcrc && ses.file_crc32c[0] && strcasecmp(fcrc, ses.file_crc32c) != 0)
        return req_fail(r, 409, API_ERR_CRC_CONFLICT, "A different file_crc32c (%s) is already set",
                        ses.file_crc32c);
    if (upload_inflight_count(r->srv, ses.id, 0) > 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "Chunks of this session are still in flight");
    /* sizes and CRCs from the chunk rows: nothing is re-read (crc32c_combine) */
    struct chunk_sum cs = {.expect = 1};
    if (STORE(r->st, upload)->chunks_each(r->st, ses.id, 0, UP_CHUNKS_MAX + 1, chunk_add, &cs) !=
        STORE_OK)
        return req_fail_internal(r, "chunks");
    int64_t sum = cs.sum;
    uint32_t crc = cs.crc;
    bool gap = cs.gap;
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
    return up_finalize(r, &ses, sum, crc);
}

/* Long-poll (api §5.4 `wait`, seconds, ≤ 590): re-read the status every 100 ms until it changes
 * or turns terminal. This holds the worker thread (and its connection slot) while it waits: the
 * libmicrohttpd suspend/resume alternative is noted in docs/decisions.md. */
static void wait_for_change(struct req *r, const char *id, const char *status, long long secs)
{
    int64_t deadline = fio_mono_us() + secs * 1000000;
    for (long k = 0; k < UP_WAIT_MAX * 10L + 10 && fio_mono_us() < deadline; k++) {
        struct store_upload_session now;
        if (up_session_load(r->st, id, r->caller.user_id, &now) != 1 ||
            strcmp(now.status, status) != 0 || strcmp(now.status, "stored") == 0 ||
            strstr(now.status, "failed"))
            return;
        struct timespec step = {0, 100 * 1000 * 1000};
        nanosleep(&step, NULL);
    }
}

int h_up_details(struct req *r)
{
    struct store_upload_session ses;
    if (up_session_or_404(r, &ses) != 0)
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
    char ids[500][FIO_OPAQUE_ID_SIZE];
    size_t n = 0;
    if (!arr ||
        STORE(r->st, upload)->list_ids(r->st, r->caller.user_id, true, 500, ids, &n) != STORE_OK) {
        json_decref(arr);
        return req_fail_internal(r, "list sessions");
    }
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

static int cancel_one(struct req *r, const struct store_upload_session *ses)
{
    if (upload_inflight_count(r->srv, ses->id, 0) > 0 || strcmp(ses->status, "assembling") == 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is busy; try again");
    enum store_rc rc = STORE(r->st, upload)->remove(r->st, ses->id, r->caller.user_id);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
        /* A full disk fails the delete itself (the database needs room for its journal): the
         * session's own file is what frees that room. Emptied, the delete is tried again; a
         * session left behind with an empty file can still be cancelled or expire (D-080). */
        srv_log(r->srv, SRV_LOG_WARN, "cancel %s: delete failed; emptying its file first",
                ses->id);
        if (blob_tmp_truncate(r->srv, ses->id, 0) == 0)
            rc = STORE(r->st, upload)->remove(r->st, ses->id, r->caller.user_id);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            return req_fail_internal(r, "delete session");
    }
    if (rc == STORE_OK)
        up_note(r, ses->id);
    blob_tmp_remove(r->srv, ses->id); /* after the row: a crash between leaves a file recovery
                                       * removes, never a row without its file */
    return 0;
}

int h_up_cancel(struct req *r)
{
    struct store_upload_session ses;
    if (up_session_or_404(r, &ses) != 0 || cancel_one(r, &ses) != 0)
        return -1;
    return req_set(r, "id", json_string(ses.id));
}

int h_up_cancel_all(struct req *r)
{
    char(*ids)[FIO_OPAQUE_ID_SIZE] = calloc(2000, FIO_OPAQUE_ID_SIZE);
    if (!ids)
        return req_fail(r, 500, 0, "Out of memory");
    size_t n = 0;
    if (STORE(r->st, upload)->list_ids(r->st, r->caller.user_id, false, 2000, ids, &n) !=
        STORE_OK) {
        free(ids);
        return req_fail_internal(r, "list sessions");
    }
    long cancelled = 0, busy = 0;
    for (size_t i = 0; i < n; i++) {
        struct store_upload_session ses;
        if (up_session_load(r->st, ids[i], r->caller.user_id, &ses) != 1)
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

/* store_chunk_fn of h_up_chunk_info: the chunk object of api §5.6 appended to arg. */
static int chunk_json(const struct store_upload_chunk *ch, void *arg)
{
    json_array_append_new(arg, json_pack("{s:I, s:I, s:s, s:o}", "order", (json_int_t)ch->order,
                                         "size", (json_int_t)ch->size, "crc32c", ch->crc32c,
                                         "created", srv_time_json(ch->created)));
    return 0;
}

int h_up_chunk_info(struct req *r)
{
    struct store_upload_session ses;
    if (up_session_or_404(r, &ses) != 0)
        return -1;
    long long order = 0;
    if (!req_param_int(r, "order", 0, UP_CHUNKS_MAX, 0, &order))
        return -1;
    json_t *arr = json_array();
    if (!arr ||
        STORE(r->st, upload)->chunks_each(r->st, ses.id, (int64_t)order, 10000, chunk_json, arr) !=
            STORE_OK) {
        json_decref(arr);
        return req_fail_internal(r, "chunk info");
    }
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
    struct store_upload_session ses;
    if (up_session_or_404(r, &ses) != 0)
        return -1;
    long long order;
    if (!req_param(r, "order"))
        return req_fail_param(r, "order", "missing", "The parameter 'order' is required");
    if (!req_param_int(r, "order", 1, UP_CHUNKS_MAX, 1, &order))
        return -1;
    if (!up_open_status(&ses))
        return req_fail(r, 409, API_ERR_CONFLICT, "The session is %s", ses.status);
    if (upload_inflight_count(r->srv, ses.id, (int)order) > 0)
        return req_fail(r, 409, API_ERR_CONFLICT, "That chunk is being received");
    enum store_rc rc = STORE(r->st, upload)->chunk_forget(r->st, ses.id, (int)order);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Chunk %lld has not been received", order);
    if (rc != STORE_OK)
        return req_fail_internal(r, "delete chunk");
    up_note(r, ses.id);
    return req_set(r, "order", json_integer(order));
}

/* ---- limits (api §5.8) ------------------------------------------------------------------------ */

int h_up_limits(struct req *r)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:s, s:b}", "chunk_size",
        (json_int_t)r->srv->cfg.max_chunk_size, /* --max-chunk-size (D-118) */
        "chunk_size_min", (json_int_t)r->srv->cfg.min_chunk_size, "size",
        (json_int_t)up_file_max(r->srv), "chunks", (json_int_t)UP_CHUNKS_MAX, "sessions",
        (json_int_t)up_max_sessions(r->srv), "sessions_size_max",
        (json_int_t)up_sessions_size_max(r->srv),
        "single_size", (json_int_t)UP_SINGLE_MAX, "parallel_chunks", UP_INFLIGHT_MAX, "sync",
        r->srv->cfg.sync_policy == BLOB_SYNC_CHUNK  ? "chunk"
        : r->srv->cfg.sync_policy == BLOB_SYNC_NONE ? "none"
                                                    : "complete",
        /* extension: crc32c hash and file_crc32c may also come as form fields after the
         * chunk's bytes (h_upload_chunk.c, decisions.md) */
        "trailing_hash", 1);
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
