/* SPDX-License-Identifier: MIT */
/* sqlite_upload.c - the SQLite statements of the upload_sessions table (store_upload.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sqlite_util.h"
#include "store_upload.h"

/* "" -> NULL for the optional text columns. */
static const char *nul(const char *s)
{
    return s && *s ? s : NULL;
}

static enum store_rc u_reopen_assembling(struct store_conn *c, long max, store_assembling_fn fn,
                                         void *arg)
{
    struct db_conn *d = sq(c);
    sqlite3_stmt *st = db_query(d,
                                "SELECT id, COALESCE(version_id, '') FROM upload_sessions WHERE "
                                "status = 'assembling' LIMIT 10000",
                                "");
    if (!st)
        return STORE_ERROR;
    for (long k = 0; k < max && sqlite3_step(st) == SQLITE_ROW; k++)
        fn(db_col_text(st, 0), db_col_text(st, 1), arg);
    sqlite3_reset(st);
    return sq_exec_rc(db_exec(d,
                              "UPDATE upload_sessions SET status = 'uploading', version_id = NULL "
                              "WHERE status = 'assembling'",
                              ""));
}

static enum store_rc u_expire(struct store_conn *c, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM upload_sessions WHERE expires < ?1", "i", now));
}

static enum store_rc u_live(struct store_conn *c, const char *upload_id)
{
    return sq_exists(db_query(sq(c),
                              "SELECT 1 FROM upload_sessions WHERE id = ?1 AND status IN "
                              "('ready', 'uploading', 'assembling')",
                              "t", upload_id));
}

/* ---- sessions -------------------------------------------------------------------------------- */

/* The columns a session row starts with (read_session), in this order. */
#define SESSION_COLS                                                                               \
    "id, user_id, workspace_id, COALESCE(folder_id, ''), COALESCE(file_id, ''), name, kind, "      \
    "status, COALESCE(file_crc32c, ''), COALESCE(new_file_id, ''), size, max_size, chunk_size"
#define SESSION_NCOLS 13

/* SESSION_COLS of the current row into s (the caller zeroed it). */
static void read_session(sqlite3_stmt *st, struct store_upload_session *s)
{
    fio_strlcpy(s->id, db_col_text(st, 0), sizeof(s->id));
    fio_strlcpy(s->user_id, db_col_text(st, 1), sizeof(s->user_id));
    fio_strlcpy(s->ws_id, db_col_text(st, 2), sizeof(s->ws_id));
    fio_strlcpy(s->folder_id, db_col_text(st, 3), sizeof(s->folder_id));
    fio_strlcpy(s->file_id, db_col_text(st, 4), sizeof(s->file_id));
    fio_strlcpy(s->name, db_col_text(st, 5), sizeof(s->name));
    fio_strlcpy(s->kind, db_col_text(st, 6), sizeof(s->kind));
    fio_strlcpy(s->status, db_col_text(st, 7), sizeof(s->status));
    fio_strlcpy(s->file_crc32c, db_col_text(st, 8), sizeof(s->file_crc32c));
    fio_strlcpy(s->new_file_id, db_col_text(st, 9), sizeof(s->new_file_id));
    s->size = sqlite3_column_int64(st, 10);
    s->max_size = sqlite3_column_int64(st, 11);
    s->chunk_size = sqlite3_column_int64(st, 12);
}

static enum store_rc u_get(struct store_conn *c, const char *id, const char *user_id,
                           struct store_upload_session *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT " SESSION_COLS ", COALESCE(lock_token_hash, '') FROM "
                                "upload_sessions WHERE id = ?1 AND user_id = ?2",
                                "tt", id, user_id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    read_session(st, out);
    fio_strlcpy(out->lock_hash, db_col_text(st, SESSION_NCOLS), sizeof(out->lock_hash));
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc u_view(struct store_conn *c, const char *id, struct store_upload_view *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT " SESSION_COLS ", status_message, integrity_failure, "
                                "created, updated, expires FROM upload_sessions WHERE id = ?1",
                                "t", id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    read_session(st, &out->s);
    fio_strlcpy(out->status_message, db_col_text(st, 13), sizeof(out->status_message));
    rc = STORE_OK;
    if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
        out->integrity_failure = fio_strdup(db_col_text(st, 14));
        if (!out->integrity_failure)
            rc = STORE_ERROR;
    }
    out->created = sqlite3_column_int64(st, 15);
    out->updated = sqlite3_column_int64(st, 16);
    out->expires = sqlite3_column_int64(st, 17);
    sqlite3_reset(st);
    return rc;
}

static enum store_rc u_insert(struct store_conn *c, const struct store_upload_new *n)
{
    return sq_exec_rc(db_exec(
        sq(c),
        "INSERT INTO upload_sessions (id, user_id, workspace_id, folder_id, file_id, name, kind, "
        "size, max_size, chunk_size, status, file_crc32c, new_file_id, version_id, created, "
        "updated, expires, lock_token_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
        "?12, ?13, ?14, ?15, ?15, ?16, ?17)",
        "tttttttiiittttiit", n->id, n->user_id, n->ws_id, nul(n->folder_id), nul(n->file_id),
        n->name, n->kind, n->size, n->max_size, n->chunk_size, n->status, nul(n->file_crc32c),
        nul(n->new_file_id), nul(n->version_id), n->created, n->expires, nul(n->lock_hash)));
}

/* A session's declared bytes: its size, or a stream's ceiling (max_size); a stream left at the
 * 1 TiB default ceiling (UP_FILE_MAX, no quota lowered it) counts 0, as before quotas. */
#define OPEN_BYTES                                                                                 \
    "CASE WHEN size >= 0 THEN size WHEN max_size BETWEEN 0 AND 1099511627775 THEN max_size "       \
    "ELSE 0 END"

static enum store_rc u_usage(struct store_conn *c, const char *user_id, int64_t *count,
                             int64_t *bytes)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT COUNT(*), COALESCE(SUM(" OPEN_BYTES "), 0) FROM "
                                "upload_sessions WHERE user_id = ?1 AND status IN ('ready', "
                                "'uploading', 'assembling')",
                                "t", user_id);
    enum store_rc rc = sq_agg_row(st);
    if (rc != STORE_OK)
        return rc;
    *count = sqlite3_column_int64(st, 0);
    *bytes = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return STORE_OK;
}

/* The first column of st's rows (session ids) into ids, at most max of them (*n). */
static enum store_rc collect_ids(sqlite3_stmt *st, size_t max, char (*ids)[FIO_OPAQUE_ID_SIZE],
                                 size_t *n)
{
    *n = 0;
    if (!st)
        return STORE_ERROR;
    int rc = SQLITE_DONE;
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        fio_strlcpy(ids[(*n)++], db_col_text(st, 0), FIO_OPAQUE_ID_SIZE);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : store_sqlite_rc(rc);
}

static enum store_rc u_list_ids(struct store_conn *c, const char *user_id, bool not_stored,
                                size_t max, char (*ids)[FIO_OPAQUE_ID_SIZE], size_t *n)
{
    sqlite3_stmt *st =
        not_stored ? db_query(sq(c),
                              "SELECT id FROM upload_sessions WHERE user_id = ?1 AND "
                              "status <> 'stored' ORDER BY created DESC LIMIT ?2",
                              "ti", user_id, (int64_t)max)
                   : db_query(sq(c), "SELECT id FROM upload_sessions WHERE user_id = ?1 LIMIT ?2",
                              "ti", user_id, (int64_t)max);
    return collect_ids(st, max, ids, n);
}

static enum store_rc u_remove(struct store_conn *c, const char *id, const char *user_id)
{
    return sq_exec_one(c,
                       db_exec(sq(c), "DELETE FROM upload_sessions WHERE id = ?1 AND user_id = ?2",
                               "tt", id, user_id));
}

#define OPEN_STATES "status IN ('ready', 'uploading', 'assembling')"

static enum store_rc sum_one(sqlite3_stmt *st, int64_t *out)
{
    enum store_rc rc = sq_agg_row(st);
    if (rc != STORE_OK)
        return rc;
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc u_quota_usage(struct store_conn *c, const char *user_id, const char *ws_id,
                                   int64_t *user_bytes, int64_t *org_bytes)
{
    enum store_rc rc = sum_one(
        db_query(sq(c),
                 "SELECT (SELECT COALESCE(SUM(size), 0) FROM file_versions WHERE creator_id = ?1)"
                 " + (SELECT COALESCE(SUM(" OPEN_BYTES "), 0) FROM upload_sessions WHERE "
                 "user_id = ?1 AND " OPEN_STATES ")",
                 "t", user_id),
        user_bytes);
    if (rc != STORE_OK || !org_bytes)
        return rc;
    return sum_one(
        db_query(sq(c),
                 "WITH o AS (SELECT org_id FROM workspaces WHERE id = ?1), "
                 "w AS (SELECT id FROM workspaces WHERE org_id = (SELECT org_id FROM o)) "
                 "SELECT (SELECT COALESCE(SUM(v.size), 0) FROM file_versions v WHERE v.id IN "
                 "(SELECT nv.version_id FROM node_versions nv JOIN nodes n ON n.id = nv.node_id "
                 "WHERE n.workspace_id IN (SELECT id FROM w)))"
                 " + (SELECT COALESCE(SUM(" OPEN_BYTES "), 0) FROM upload_sessions WHERE "
                 "workspace_id IN (SELECT id FROM w) AND " OPEN_STATES ")",
                 "t", ws_id),
        org_bytes);
}

static enum store_rc u_expired(struct store_conn *c, int64_t now, size_t max,
                               char (*ids)[FIO_OPAQUE_ID_SIZE], size_t *n)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT id FROM upload_sessions WHERE expires < ?1 AND "
                                "status <> 'assembling' ORDER BY expires LIMIT ?2",
                                "ii", now, (int64_t)max);
    return collect_ids(st, max, ids, n);
}

static enum store_rc u_drop(struct store_conn *c, const char *id, int64_t now)
{
    return sq_exec_one(c, db_exec(sq(c),
                                  "DELETE FROM upload_sessions WHERE id = ?1 AND expires < ?2 AND "
                                  "status <> 'assembling'",
                                  "ti", id, now));
}

static enum store_rc u_set_chunk_size(struct store_conn *c, const char *id, int64_t chunk_size)
{
    return sq_exec_rc(db_exec(
        sq(c), "UPDATE upload_sessions SET chunk_size = ?1 WHERE id = ?2 AND chunk_size = 0", "it",
        chunk_size, id));
}

static enum store_rc u_claim(struct store_conn *c, const char *id, const char *version_id,
                             int64_t now)
{
    return sq_exec_one(c, db_exec(sq(c),
                                  "UPDATE upload_sessions SET status = 'assembling', version_id = "
                                  "?1, updated = ?2 WHERE id = ?3 AND status IN ('ready', "
                                  "'uploading')",
                                  "tit", version_id, now, id));
}

static enum store_rc u_reopen(struct store_conn *c, const char *id)
{
    return sq_exec_rc(db_exec(
        sq(c), "UPDATE upload_sessions SET status = 'uploading', version_id = NULL WHERE id = ?1",
        "t", id));
}

static enum store_rc u_stored(struct store_conn *c, const char *id, const char *node_id,
                              int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE upload_sessions SET status = 'stored', new_file_id = ?1, "
                              "updated = ?2, status_message = '' WHERE id = ?3",
                              "tit", node_id, now, id));
}

static enum store_rc u_failed(struct store_conn *c, const char *id, const char *message,
                              const char *integrity_json, int64_t now)
{
    return sq_exec_rc(
        db_exec(sq(c),
                "UPDATE upload_sessions SET status = 'assembly_failed', status_message "
                "= ?1, integrity_failure = ?2, updated = ?3 WHERE id = ?4",
                "ttit", message, integrity_json, now, id));
}

static enum store_rc u_stream_start(struct store_conn *c, const char *id, int64_t now)
{
    return sq_exec_one(c, db_exec(sq(c),
                                  "UPDATE upload_sessions SET status = 'uploading', updated = ?1 "
                                  "WHERE id = ?2 AND status = 'ready'",
                                  "it", now, id));
}

static enum store_rc u_stream_broken(struct store_conn *c, const char *id, int64_t now)
{
    return sq_exec_one(c, db_exec(sq(c),
                                  "UPDATE upload_sessions SET status = 'assembly_failed', "
                                  "status_message = 'stream interrupted', updated = ?1 WHERE id = "
                                  "?2 AND status = 'uploading'",
                                  "it", now, id));
}

/* ---- chunks ---------------------------------------------------------------------------------- */

static enum store_rc u_chunk_put(struct store_conn *c, const char *id, int order, int64_t size,
                                 const char *crc32c_hex, const char *file_crc32c, int64_t now)
{
    struct db_conn *d = sq(c);
    enum store_rc rc = sq_exec_rc(db_exec(d,
                                          "INSERT OR REPLACE INTO upload_chunks (session_id, ord, "
                                          "size, crc32c, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                                          "tditi", id, order, size, crc32c_hex, now));
    if (rc != STORE_OK)
        return rc;
    return sq_exec_rc(db_exec(d,
                              "UPDATE upload_sessions SET status = 'uploading', updated = ?1, "
                              "file_crc32c = COALESCE(file_crc32c, ?2) WHERE id = ?3",
                              "itt", now, file_crc32c, id));
}

static enum store_rc u_chunk_forget(struct store_conn *c, const char *id, int order)
{
    struct db_conn *d = sq(c);
    /* look before deleting: a DELETE takes the write lock even when it matches nothing, and
     * most chunks are sent once */
    sqlite3_stmt *st = db_query(d, "SELECT 1 FROM upload_chunks WHERE session_id = ?1 AND ord = ?2",
                                "ti", id, (int64_t)order);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    sqlite3_reset(st);
    return sq_exec_rc(db_exec(d, "DELETE FROM upload_chunks WHERE session_id = ?1 AND ord = ?2",
                              "ti", id, (int64_t)order));
}

static enum store_rc u_chunks_each(struct store_conn *c, const char *id, int64_t order, long max,
                                   store_chunk_fn fn, void *arg)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT ord, size, crc32c, created FROM upload_chunks WHERE "
                                "session_id = ?1 AND (?2 = 0 OR ord = ?2) ORDER BY ord LIMIT ?3",
                                "tii", id, order, (int64_t)max);
    if (!st)
        return STORE_ERROR;
    struct store_upload_chunk ch;
    int rc = SQLITE_DONE;
    for (long k = 0; k < max && (rc = sqlite3_step(st)) == SQLITE_ROW; k++) {
        ch.order = sqlite3_column_int64(st, 0);
        ch.size = sqlite3_column_int64(st, 1);
        fio_strlcpy(ch.crc32c, db_col_text(st, 2), sizeof(ch.crc32c));
        ch.created = sqlite3_column_int64(st, 3);
        if (fn(&ch, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : store_sqlite_rc(rc);
}

/* ---- transactions of this area --------------------------------------------------------------- */

static enum store_rc u_entry_begin(struct store_conn *c)
{
    return sq_exec_rc(db_exec(sq(c), "SAVEPOINT batch_entry", ""));
}

static enum store_rc u_entry_end(struct store_conn *c, bool keep)
{
    struct db_conn *d = sq(c);
    if (keep && db_exec(d, "RELEASE batch_entry", "") == SQLITE_DONE)
        return STORE_OK;
    db_exec(d, "ROLLBACK TO batch_entry", "");
    db_exec(d, "RELEASE batch_entry", "");
    return keep ? STORE_ERROR : STORE_OK;
}

static enum store_rc u_lazy_commit(struct store_conn *c, bool lazy)
{
    return store_sqlite_rc(db_lazy_sync(sq(c), lazy));
}

const struct store_upload_ops sqlite_upload_ops = {
    .reopen_assembling = u_reopen_assembling,
    .expire = u_expire,
    .live = u_live,
    .get = u_get,
    .view = u_view,
    .insert = u_insert,
    .usage = u_usage,
    .list_ids = u_list_ids,
    .remove = u_remove,
    .quota_usage = u_quota_usage,
    .expired = u_expired,
    .drop = u_drop,
    .set_chunk_size = u_set_chunk_size,
    .claim = u_claim,
    .reopen = u_reopen,
    .stored = u_stored,
    .failed = u_failed,
    .stream_start = u_stream_start,
    .stream_broken = u_stream_broken,
    .chunk_put = u_chunk_put,
    .chunk_forget = u_chunk_forget,
    .chunks_each = u_chunks_each,
    .entry_begin = u_entry_begin,
    .entry_end = u_entry_end,
    .lazy_commit = u_lazy_commit,
};
