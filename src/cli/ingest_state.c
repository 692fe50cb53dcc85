/* SPDX-License-Identifier: MIT */
/* ingest_state.c - the state database of "fastio ingest" (ingest.h): one SQLite file, WAL,
 * synchronous=FULL, each change its own committed statement. */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct ingest_db {
    sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS files ("
    " rel TEXT PRIMARY KEY, state INTEGER NOT NULL, size INTEGER NOT NULL,"
    " mtime_ns INTEGER NOT NULL, crc INTEGER NOT NULL, workspace TEXT NOT NULL,"
    " folder TEXT NOT NULL, node TEXT NOT NULL, updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS workspaces (name TEXT PRIMARY KEY, id TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS invites (ws TEXT NOT NULL, email TEXT NOT NULL,"
    " PRIMARY KEY (ws, email));";

struct ingest_db *ingest_db_open(const char *state_dir, char *err, size_t errlen)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/ingest.db", state_dir) >= sizeof(path)) {
        snprintf(err, errlen, "state directory path too long");
        return NULL;
    }
    struct ingest_db *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 d->db ? sqlite3_errmsg(d->db) : "out of memory");
        ingest_db_close(d);
        return NULL;
    }
    sqlite3_busy_timeout(d->db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(d->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     &msg) != SQLITE_OK ||
        sqlite3_exec(d->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : "cannot create the tables");
        sqlite3_free(msg);
        ingest_db_close(d);
        return NULL;
    }
    return d;
}

void ingest_db_close(struct ingest_db *db)
{
    if (db == NULL)
        return;
    sqlite3_close(db->db);
    free(db);
}

static sqlite3_stmt *prep(struct ingest_db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

static void row_from(sqlite3_stmt *st, int first, struct ingest_row *row)
{
    row->state = (enum ingest_fstate)sqlite3_column_int(st, first);
    row->size = (uint64_t)sqlite3_column_int64(st, first + 1);
    row->mtime_ns = sqlite3_column_int64(st, first + 2);
    row->crc = (uint32_t)sqlite3_column_int64(st, first + 3);
    copy_col(st, first + 4, row->workspace, sizeof(row->workspace));
    copy_col(st, first + 5, row->folder, sizeof(row->folder));
    copy_col(st, first + 6, row->node, sizeof(row->node));
}

bool ingest_db_get(struct ingest_db *db, const char *rel, struct ingest_row *row)
{
    memset(row, 0, sizeof(*row));
    sqlite3_stmt *st = prep(db, "SELECT state, size, mtime_ns, crc, workspace, folder, node "
                                "FROM files WHERE rel = ?1");
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, rel, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        row_from(st, 0, row);
    sqlite3_finalize(st);
    return found;
}

bool ingest_db_put(struct ingest_db *db, const char *rel, const struct ingest_row *row)
{
    sqlite3_stmt *st = prep(db, "INSERT OR REPLACE INTO files (rel, state, size, mtime_ns, crc, "
                                "workspace, folder, node, updated) VALUES "
                                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, strftime('%s','now'))");
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, rel, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)row->state);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)row->size);
    sqlite3_bind_int64(st, 4, row->mtime_ns);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)row->crc);
    sqlite3_bind_text(st, 6, row->workspace, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, row->folder, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, row->node, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

bool ingest_db_delete(struct ingest_db *db, const char *rel)
{
    sqlite3_stmt *st = prep(db, "DELETE FROM files WHERE rel = ?1");
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, rel, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

size_t ingest_db_unfinished(struct ingest_db *db,
                            void (*fn)(void *ud, const char *rel, const struct ingest_row *row),
                            void *ud)
{
    sqlite3_stmt *st = prep(db, "SELECT rel, state, size, mtime_ns, crc, workspace, folder, node "
                                "FROM files WHERE state <> ?1 ORDER BY rel");
    if (st == NULL)
        return 0;
    sqlite3_bind_int(st, 1, INGEST_DONE);
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct ingest_row row;
        memset(&row, 0, sizeof(row));
        row_from(st, 1, &row);
        const unsigned char *rel = sqlite3_column_text(st, 0);
        if (rel != NULL)
            fn(ud, (const char *)rel, &row);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

bool ingest_db_ws_get(struct ingest_db *db, const char *name, char *id, size_t idlen)
{
    sqlite3_stmt *st = prep(db, "SELECT id FROM workspaces WHERE name = ?1");
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        copy_col(st, 0, id, idlen);
    sqlite3_finalize(st);
    return found;
}

bool ingest_db_ws_put(struct ingest_db *db, const char *name, const char *id)
{
    sqlite3_stmt *st = prep(db, "INSERT OR REPLACE INTO workspaces (name, id) VALUES (?1, ?2)");
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}

bool ingest_db_invited(struct ingest_db *db, const char *ws, const char *email)
{
    sqlite3_stmt *st = prep(db, "SELECT 1 FROM invites WHERE ws = ?1 AND email = ?2");
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, ws, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

bool ingest_db_invite_put(struct ingest_db *db, const char *ws, const char *email)
{
    sqlite3_stmt *st = prep(db, "INSERT OR IGNORE INTO invites (ws, email) VALUES (?1, ?2)");
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, ws, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok;
}
