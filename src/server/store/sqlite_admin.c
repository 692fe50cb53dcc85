/* SPDX-License-Identifier: MIT */
/* sqlite_admin.c - the SQLite backend of store_admin.h: metrics gauges, and the backup copy made
 * with SQLite's online backup API (D-119). */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqlite_util.h"
#include "store_admin.h"

static enum store_rc a_stats(struct store_conn *c, int64_t now, struct store_stats *out)
{
    sqlite3_stmt *st = db_query(
        sq(c),
        "SELECT (SELECT COUNT(*) FROM upload_sessions WHERE status IN ('ready', 'uploading', "
        "'assembling')), (SELECT COUNT(*) FROM upload_sessions WHERE expires < ?1 AND status <> "
        "'assembling'), (SELECT COUNT(*) FROM web_imports WHERE status = 'pending'), (SELECT "
        "COUNT(*) FROM web_imports WHERE status IN ('queued', 'downloading', 'uploading'))",
        "i", now);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    out->sessions_open = sqlite3_column_int64(st, 0);
    out->sessions_expired = sqlite3_column_int64(st, 1);
    out->imports_pending = sqlite3_column_int64(st, 2);
    out->imports_running = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc a_backup(struct store_conn *c, const char *path)
{
    /* The file is created 0600 before SQLite opens it (the data stays private, D-117). */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return STORE_EXISTS;
    close(fd);
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(dst);
        return store_sqlite_rc(rc);
    }
    /* One step of -1 pages copies everything under one read transaction of the source: a
     * snapshot of one moment. Writers go on (WAL); the copy never sees half a transaction. */
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", sq(c)->db, "main");
    if (!b) {
        rc = sqlite3_errcode(dst);
        sqlite3_close(dst);
        return store_sqlite_rc(rc ? rc : SQLITE_ERROR);
    }
    int tries = 0;
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(50);
    } while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < 200);
    int fin = sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE)
        rc = fin;
    if (rc == SQLITE_OK || rc == SQLITE_DONE)
        rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    sqlite3_close(dst);
    return rc == SQLITE_OK ? STORE_OK : store_sqlite_rc(rc);
}

static enum store_rc a_each_version(struct store_conn *c, store_blob_fn fn, void *arg)
{
    sqlite3_stmt *st = db_query(sq(c), "SELECT id, size FROM file_versions ORDER BY id", "");
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn(db_col_text(st, 0), sqlite3_column_int64(st, 1), arg) != 0) {
            sqlite3_reset(st);
            return STORE_ERROR;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_sqlite_rc(rc);
}

static enum store_rc a_drop_open_sessions(struct store_conn *c)
{
    return sq_exec_rc(db_exec(sq(c),
                              "DELETE FROM upload_sessions WHERE status NOT IN ('stored', "
                              "'assembly_failed', 'store_failed')",
                              ""));
}

const struct store_admin_ops sqlite_admin_ops = {
    .stats = a_stats,
    .backup = a_backup,
    .each_version = a_each_version,
    .drop_open_sessions = a_drop_open_sessions,
};
