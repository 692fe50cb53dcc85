/* SPDX-License-Identifier: MIT */
/* sqlite_util.h - helpers shared by the SQLite backend's area files (sqlite_<area>.c) and by
 * nothing else: the cast from the interface's connection to the SQLite one, and the few step
 * patterns every area repeats. Internal to store/: no header outside store/ includes this. */
#ifndef SRV_SQLITE_UTIL_H
#define SRV_SQLITE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "db.h"
#include "store.h"

/* The SQLite connection behind c (struct db_conn starts with its struct store_conn). */
static inline struct db_conn *sq(struct store_conn *c)
{
    return (struct db_conn *)c;
}

/* Step st (prepared by db_query; NULL means preparing or binding failed) to its first row.
 * STORE_OK with the row current (the caller reads it, then calls sqlite3_reset), or
 * STORE_NOT_FOUND / an error with st already reset. */
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

/* The result of db_exec as a store_rc (SQLITE_DONE is success). */
static inline enum store_rc sq_exec_rc(int rc)
{
    return rc == SQLITE_DONE ? STORE_OK : store_sqlite_rc(rc);
}

/* Rows changed by the last statement of c. */
static inline long long sq_changes(struct store_conn *c)
{
    return (long long)sqlite3_changes(sq(c)->db);
}

/* The current row of st as an object keyed by column name (use AS to name expressions):
 * INTEGER -> integer, REAL -> real, TEXT and BLOB -> string, NULL -> null. New reference, NULL
 * on OOM. For rows that are only rendered: the caller shapes the wire object from it. */
json_t *sq_row_object(sqlite3_stmt *st);

/* Every row of st rendered by fn into a new array (*out, OWNED), resetting st. fn returns a
 * new reference or NULL on OOM. STORE_ERROR on OOM or a step error. */
typedef json_t *(*sq_render_fn)(sqlite3_stmt *st);
enum store_rc sq_collect(sqlite3_stmt *st, sq_render_fn fn, json_t **out);
/* Step st to its first row and return it as sq_row_object in *out (OWNED).
 * STORE_NOT_FOUND when there is no row; st is reset in every case. */
enum store_rc sq_one_object(sqlite3_stmt *st, json_t **out);
/* One-row COUNT(*) (or any integer) query into *n, resetting st. */
enum store_rc sq_count(sqlite3_stmt *st, long long *n);
/* Step st to its first row and copy its first column's text into out (size bytes, truncated;
 * "" for NULL); st is reset. STORE_NOT_FOUND when there is no row (out untouched). */
enum store_rc sq_text(sqlite3_stmt *st, char *out, size_t size);

/* Step st (a "SELECT 1 ..." look-up) and reset it: STORE_OK when it yields a row,
 * STORE_NOT_FOUND when not, or an error. */
enum store_rc sq_exists(sqlite3_stmt *st);
/* The same as a flag: *exists set (false on error); STORE_OK or an error, never
 * STORE_NOT_FOUND. */
enum store_rc sq_exists_flag(sqlite3_stmt *st, bool *exists);
/* sq_text where no row means "": out[0] = 0 first, and STORE_NOT_FOUND becomes STORE_OK. */
enum store_rc sq_text_or_empty(sqlite3_stmt *st, char *out, size_t size);
/* Step st, an aggregate query (it always yields one row), to that row: STORE_OK with the row
 * current (the caller reads it, then calls sqlite3_reset), or an error with st reset (no row at
 * all is STORE_ERROR). */
enum store_rc sq_agg_row(sqlite3_stmt *st);
/* db_exec's result (exec_rc) of a statement that must change exactly one row of c as a
 * store_rc: STORE_NOT_FOUND when it changed none (its guard did not hold). */
enum store_rc sq_exec_one(struct store_conn *c, int exec_rc);
/* A page of a list: the COUNT(*) statement count into *total, then every row of rows rendered
 * by sq_row_object into *out (OWNED), as sq_count then sq_collect. */
enum store_rc sq_page(sqlite3_stmt *count, long long *total, sqlite3_stmt *rows, json_t **out);

/* The area tables of the SQLite backend, one per sqlite_<area>.c, gathered by sqlite_ops.c. */
extern const struct store_account_ops sqlite_account_ops;
extern const struct store_oauth_ops sqlite_oauth_ops;
extern const struct store_org_ops sqlite_org_ops;
extern const struct store_workspace_ops sqlite_workspace_ops;
extern const struct store_event_ops sqlite_event_ops;
extern const struct store_member_ops sqlite_member_ops;
extern const struct store_node_ops sqlite_node_ops;
extern const struct store_upload_ops sqlite_upload_ops;
extern const struct store_lock_ops sqlite_lock_ops;
extern const struct store_webimport_ops sqlite_webimport_ops;
extern const struct store_admin_ops sqlite_admin_ops;
extern const struct store_aichat_ops sqlite_aichat_ops;
extern const struct store_intel_ops sqlite_intel_ops;
/* The intel_rank ranking function of the index (sqlite_intel.c), on one connection (db.c calls it
 * for each connection it opens). 0 or -1. */
int sqlite_intel_register(sqlite3 *db);

#endif
