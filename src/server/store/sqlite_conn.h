/* sqlite_conn.h - small helpers shared by the SQLite area files (sqlite_<area>.c): the cast
 * from the generic connection and the "step one row" pattern. Private to the SQLite backend:
 * nothing outside store/sqlite_*.c includes it. */
#ifndef SRV_SQLITE_CONN_H
#define SRV_SQLITE_CONN_H

#include "db.h"

/* A store_conn of the SQLite backend is the first member of its db_conn. */
static inline struct db_conn *sq_conn(struct store_conn *c)
{
    return (struct db_conn *)c;
}

/* Run a prepared statement that returns no rows (db_exec's result) as a store_rc. */
static inline enum store_rc sq_done(int rc)
{
    return rc == SQLITE_DONE ? STORE_OK : (rc == SQLITE_OK ? STORE_ERROR : store_sqlite_rc(rc));
}

/* Step st once: STORE_OK with the row current (the caller reads it, then sqlite3_reset),
 * STORE_NOT_FOUND (reset done) or an error (reset done). NULL st (prepare failed): STORE_ERROR. */
static inline enum store_rc sq_row(sqlite3_stmt *st)
{
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_NOT_FOUND : store_sqlite_rc(rc);
}

#endif
