/* SPDX-License-Identifier: MIT */
/* db.h - SQLite metadata store: a fixed pool of connections (one per worker at a time), each in
 * WAL mode with foreign keys on and a busy timeout, a per-connection cache of prepared
 * statements, bind helpers, and the versioned schema migrations embedded from schema.sql. */
#ifndef SRV_DB_H
#define SRV_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

struct db_pool;
struct db_conn {
    struct store_conn base; /* first: a db_conn is the SQLite backend's store_conn */
    sqlite3 *db;
    struct db_stmt_cache *cache;
    bool in_txn;
    bool lazy_sync; /* synchronous=NORMAL for now (db_lazy_sync); db_release restores FULL */
};

/* Open (creating if needed) <path>, apply migrations, and open `size` connections. NULL on
 * failure with a message in errbuf. */
struct db_pool *db_pool_open(const char *path, unsigned size, char *errbuf, size_t errlen);
void db_pool_close(struct db_pool *p);
/* Take a connection (blocks while all are busy); give it back with db_release. */
struct db_conn *db_acquire(struct db_pool *p);
void db_release(struct db_pool *p, struct db_conn *c);
/* The schema version after migrations. */
int db_schema_version(struct db_pool *p);

/* A prepared statement for sql (sql must be a string literal or otherwise outlive the pool: it
 * is cached by pointer). The statement is reset and its bindings cleared. NULL on error. */
sqlite3_stmt *db_stmt(struct db_conn *c, const char *sql);
/* Bind by a format: 't' text (const char *, NULL binds NULL), 'i' int64 (int64_t),
 * 'd' int (int), 'b' blob (const void *, size_t), 'n' NULL (no argument).
 * Returns SQLITE_OK or the first error. */
int db_bind(sqlite3_stmt *st, const char *fmt, ...);
/* Prepare + bind + step to completion (for statements without result rows). Returns
 * SQLITE_DONE on success. */
int db_exec(struct db_conn *c, const char *sql, const char *fmt, ...);
/* Prepare + bind, leaving the statement ready for sqlite3_step(). NULL on error. */
sqlite3_stmt *db_query(struct db_conn *c, const char *sql, const char *fmt, ...);
/* Column text or "" (never NULL); borrowed until the next step/reset. */
const char *db_col_text(sqlite3_stmt *st, int col);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return SQLITE_OK on success. */
int db_begin(struct db_conn *c);
int db_commit(struct db_conn *c);
void db_rollback(struct db_conn *c);

/* The next commits of this connection are not synced to disk on their own (synchronous=NORMAL
 * instead of FULL; still atomic, and synced by the next FULL commit of any connection), until
 * db_lazy_sync(c, false) or db_release. For rows whose data is itself not yet on disk (upload
 * chunks under --sync complete|none): an fsync per chunk row cost ~9 % of upload time. Call
 * outside a transaction. SQLITE_OK or an error. */
int db_lazy_sync(struct db_conn *c, bool lazy);

/* The store_rc of an SQLite result code (sqlite_ops.c). */
enum store_rc store_sqlite_rc(int sqlite_rc);

/* Last error message of the connection. */
const char *db_errmsg(struct db_conn *c);

/* Read one PRAGMA value as text into out (for /system/status/). */
void db_pragma(struct db_conn *c, const char *pragma, char *out, size_t out_size);

#endif
