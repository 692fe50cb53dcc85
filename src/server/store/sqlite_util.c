/* SPDX-License-Identifier: MIT */
/* sqlite_util.c - the step and render helpers of sqlite_util.h, shared by the SQLite area files
 * so that each area file holds only its own statements. */
#include "sqlite_util.h"

#include "buf.h"

enum store_rc sq_collect(sqlite3_stmt *st, sq_render_fn fn, json_t **out)
{
    *out = NULL;
    if (!st)
        return STORE_ERROR;
    json_t *arr = json_array();
    int rc = SQLITE_DONE;
    while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (json_array_append_new(arr, fn(st)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    sqlite3_reset(st);
    if (!arr)
        return STORE_ERROR;
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return store_sqlite_rc(rc) == STORE_OK ? STORE_ERROR : store_sqlite_rc(rc);
    }
    *out = arr;
    return STORE_OK;
}

enum store_rc sq_count(sqlite3_stmt *st, long long *n)
{
    *n = 0;
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? STORE_ERROR : rc;
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return STORE_OK;
}

enum store_rc sq_text(sqlite3_stmt *st, char *out, size_t size)
{
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(out, db_col_text(st, 0), size);
    sqlite3_reset(st);
    return STORE_OK;
}

enum store_rc sq_exists(sqlite3_stmt *st)
{
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK)
        sqlite3_reset(st);
    return rc;
}

enum store_rc sq_exists_flag(sqlite3_stmt *st, bool *exists)
{
    enum store_rc rc = sq_exists(st);
    *exists = rc == STORE_OK;
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

enum store_rc sq_text_or_empty(sqlite3_stmt *st, char *out, size_t size)
{
    if (size)
        out[0] = 0;
    enum store_rc rc = sq_text(st, out, size);
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

enum store_rc sq_agg_row(sqlite3_stmt *st)
{
    enum store_rc rc = sq_row(st);
    return rc == STORE_NOT_FOUND ? STORE_ERROR : rc;
}

enum store_rc sq_exec_one(struct store_conn *c, int exec_rc)
{
    enum store_rc rc = sq_exec_rc(exec_rc);
    if (rc == STORE_OK && sq_changes(c) != 1)
        return STORE_NOT_FOUND;
    return rc;
}

enum store_rc sq_page(sqlite3_stmt *count, long long *total, sqlite3_stmt *rows, json_t **out)
{
    *out = NULL;
    enum store_rc rc = sq_count(count, total);
    if (rc != STORE_OK)
        return rc;
    return sq_collect(rows, sq_row_object, out);
}

json_t *sq_row_object(sqlite3_stmt *st)
{
    json_t *o = json_object();
    int n = sqlite3_column_count(st);
    for (int i = 0; o && i < n; i++) {
        json_t *v;
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            v = json_integer((json_int_t)sqlite3_column_int64(st, i));
            break;
        case SQLITE_FLOAT:
            v = json_real(sqlite3_column_double(st, i));
            break;
        case SQLITE_NULL:
            v = json_null();
            break;
        default:
            v = json_string(db_col_text(st, i));
            break;
        }
        const char *name = sqlite3_column_name(st, i);
        if (!name || json_object_set_new(o, name, v) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

enum store_rc sq_one_object(sqlite3_stmt *st, json_t **out)
{
    *out = NULL;
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    *out = sq_row_object(st);
    sqlite3_reset(st);
    return *out ? STORE_OK : STORE_ERROR;
}
