/* SPDX-License-Identifier: MIT */
/* sqlite_webimport.c - the SQLite statements of the web_imports table (store_webimport.h). */
#include <string.h>

#include "buf.h"
#include "sqlite_util.h"
#include "store_webimport.h"

#define WI_COLS                                                                                    \
    "id, user_id, workspace_id, COALESCE(folder_id, ''), source_url, COALESCE(file_name, ''), "    \
    "status, COALESCE(upload_id, ''), attempts, COALESCE(resume_validator, ''), resume_size"

static void read_row(sqlite3_stmt *st, struct store_webimport *j)
{
    memset(j, 0, sizeof(*j));
    fio_strlcpy(j->id, db_col_text(st, 0), sizeof(j->id));
    fio_strlcpy(j->user_id, db_col_text(st, 1), sizeof(j->user_id));
    fio_strlcpy(j->ws_id, db_col_text(st, 2), sizeof(j->ws_id));
    fio_strlcpy(j->folder_id, db_col_text(st, 3), sizeof(j->folder_id));
    fio_strlcpy(j->source_url, db_col_text(st, 4), sizeof(j->source_url));
    fio_strlcpy(j->file_name, db_col_text(st, 5), sizeof(j->file_name));
    fio_strlcpy(j->status, db_col_text(st, 6), sizeof(j->status));
    fio_strlcpy(j->upload_id, db_col_text(st, 7), sizeof(j->upload_id));
    j->attempts = sqlite3_column_int64(st, 8);
    fio_strlcpy(j->resume_validator, db_col_text(st, 9), sizeof(j->resume_validator));
    j->resume_size = sqlite3_column_int64(st, 10);
}

static enum store_rc w_insert(struct store_conn *c, const struct store_webimport *j, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "INSERT INTO web_imports (id, user_id, workspace_id, folder_id, "
                              "source_url, file_name, status, created, updated) VALUES (?1, ?2, "
                              "?3, NULLIF(?4, ''), ?5, NULLIF(?6, ''), 'pending', ?7, ?7)",
                              "tttttti", j->id, j->user_id, j->ws_id, j->folder_id, j->source_url,
                              j->file_name, now));
}

static enum store_rc w_get(struct store_conn *c, const char *id, struct store_webimport *out)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT " WI_COLS " FROM web_imports WHERE id = ?1", "t", id);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK) {
        read_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

#define VIEW_COLS                                                                                  \
    "id, workspace_id, folder_id, source_url, file_name, name, status, status_message, "           \
    "bytes_done, size, upload_id, node_id, attempts, created, updated"

static enum store_rc w_view(struct store_conn *c, const char *id, const char *user_id, json_t **out)
{
    return sq_one_object(db_query(sq(c),
                                  "SELECT " VIEW_COLS " FROM web_imports WHERE id = ?1 AND "
                                  "user_id = ?2",
                                  "tt", id, user_id),
                         out);
}

static enum store_rc w_list(struct store_conn *c, const char *user_id, const char *status,
                            long limit, long offset, json_t **out, long long *total)
{
    return sq_page(db_query(sq(c),
                            "SELECT COUNT(*) FROM web_imports WHERE user_id = ?1 AND "
                            "(?2 = '' OR status = ?2)",
                            "tt", user_id, status),
                   total,
                   db_query(sq(c),
                            "SELECT " VIEW_COLS " FROM web_imports WHERE user_id = ?1 AND "
                            "(?2 = '' OR status = ?2) ORDER BY created DESC, id DESC "
                            "LIMIT ?3 OFFSET ?4",
                            "ttii", user_id, status, (int64_t)limit, (int64_t)offset),
                   out);
}

static enum store_rc w_claim(struct store_conn *c, int64_t now, struct store_webimport *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT " WI_COLS " FROM web_imports WHERE status = 'pending' "
                                "ORDER BY created, id LIMIT 1",
                                "");
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    read_row(st, out);
    sqlite3_reset(st);
    rc = sq_exec_one(c, db_exec(sq(c),
                                "UPDATE web_imports SET status = 'queued', attempts = attempts "
                                "+ 1, updated = ?2 WHERE id = ?1 AND status = 'pending'",
                                "ti", out->id, now));
    if (rc == STORE_OK) {
        fio_strlcpy(out->status, "queued", sizeof(out->status));
        out->attempts++;
    }
    return rc;
}

static enum store_rc w_set_status(struct store_conn *c, const char *id, const char *from,
                                  const char *to, const char *msg, int64_t now)
{
    return sq_exec_one(
        c, db_exec(sq(c),
                   "UPDATE web_imports SET status = ?2, status_message = COALESCE(?3, "
                   "status_message), updated = ?4 WHERE id = ?1 AND instr('|' || ?5 || '|', '|' "
                   "|| status || '|') > 0",
                   "tttit", id, to, msg, now, from));
}

static enum store_rc w_progress(struct store_conn *c, const char *id, int64_t bytes, int64_t size,
                                const char *name, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE web_imports SET bytes_done = ?2, size = ?3, name = "
                              "COALESCE(NULLIF(?4, ''), name), updated = ?5 WHERE id = ?1",
                              "tiiti", id, bytes, size, name ? name : "", now));
}

static enum store_rc w_set_upload(struct store_conn *c, const char *id, const char *upload_id,
                                  int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE web_imports SET upload_id = NULLIF(?2, ''), updated = ?3 "
                              "WHERE id = ?1",
                              "tti", id, upload_id, now));
}

static enum store_rc w_set_resume(struct store_conn *c, const char *id, const char *validator,
                                  int64_t size, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE web_imports SET resume_validator = NULLIF(?2, ''), "
                              "resume_size = ?3, updated = ?4 WHERE id = ?1",
                              "ttii", id, validator ? validator : "", size, now));
}

static enum store_rc w_complete(struct store_conn *c, const char *id, const char *node_id,
                                int64_t bytes, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE web_imports SET status = 'complete', node_id = ?2, "
                              "bytes_done = CASE WHEN ?3 < 0 THEN bytes_done ELSE ?3 END, "
                              "status_message = '', updated = ?4 WHERE id = ?1",
                              "ttii", id, node_id, bytes, now));
}

static enum store_rc w_each_open(struct store_conn *c, long max,
                                 void (*fn)(const struct store_webimport *j, void *arg), void *arg)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT " WI_COLS " FROM web_imports WHERE status NOT IN "
                                "('complete', 'failed', 'canceled') ORDER BY created LIMIT ?1",
                                "i", (int64_t)max);
    if (!st)
        return STORE_ERROR;
    int rc;
    struct store_webimport j;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_row(st, &j);
        fn(&j, arg);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_sqlite_rc(rc);
}

static enum store_rc w_open_count(struct store_conn *c, const char *user_id, long long *n)
{
    return sq_count(db_query(sq(c),
                             "SELECT COUNT(*) FROM web_imports WHERE user_id = ?1 AND status NOT "
                             "IN ('complete', 'failed', 'canceled')",
                             "t", user_id),
                    n);
}

const struct store_webimport_ops sqlite_webimport_ops = {
    .insert = w_insert,
    .get = w_get,
    .view = w_view,
    .list = w_list,
    .claim = w_claim,
    .set_status = w_set_status,
    .progress = w_progress,
    .set_upload = w_set_upload,
    .set_resume = w_set_resume,
    .complete = w_complete,
    .open_count = w_open_count,
    .each_open = w_each_open,
};
