/* sqlite_upload.c - the SQLite statements of the upload_sessions table (store_upload.h). */
#include "sqlite_conn.h"
#include "store_upload.h"

static enum store_rc u_reopen_assembling(struct store_conn *c, long max, store_assembling_fn fn,
                                         void *arg)
{
    struct db_conn *d = sq_conn(c);
    sqlite3_stmt *st = db_query(d,
                                "SELECT id, COALESCE(version_id, '') FROM upload_sessions WHERE "
                                "status = 'assembling' LIMIT 10000",
                                "");
    if (!st)
        return STORE_ERROR;
    for (long k = 0; k < max && sqlite3_step(st) == SQLITE_ROW; k++)
        fn(db_col_text(st, 0), db_col_text(st, 1), arg);
    sqlite3_reset(st);
    return sq_done(db_exec(d,
                           "UPDATE upload_sessions SET status = 'uploading', version_id = NULL "
                           "WHERE status = 'assembling'",
                           ""));
}

static enum store_rc u_expire(struct store_conn *c, int64_t now)
{
    return sq_done(
        db_exec(sq_conn(c), "DELETE FROM upload_sessions WHERE expires < ?1", "i", now));
}

static enum store_rc u_live(struct store_conn *c, const char *upload_id)
{
    sqlite3_stmt *st = db_query(sq_conn(c),
                                "SELECT 1 FROM upload_sessions WHERE id = ?1 AND status IN "
                                "('ready', 'uploading', 'assembling')",
                                "t", upload_id);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK)
        sqlite3_reset(st);
    return rc;
}

const struct store_upload_ops store_sqlite_upload_ops = {
    .reopen_assembling = u_reopen_assembling,
    .expire = u_expire,
    .live = u_live,
};
