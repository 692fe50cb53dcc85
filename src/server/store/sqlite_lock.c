/* SPDX-License-Identifier: MIT */
/* sqlite_lock.c - the SQLite statements of the locks table (store_lock.h). */
#include <string.h>

#include "buf.h"
#include "sqlite_util.h"
#include "store_lock.h"

/* The columns read_row() reads, in order, for a SELECT over "locks l". */
#define LOCK_COLS                                                                                  \
    "l.node_id, l.token_hash, l.user_id, COALESCE((SELECT u.email FROM users u WHERE u.id = "      \
    "l.user_id), ''), l.client_info, l.duration, l.acquired, l.expires"

static void read_row(sqlite3_stmt *st, struct store_lock *l)
{
    memset(l, 0, sizeof(*l));
    fio_strlcpy(l->node_id, db_col_text(st, 0), sizeof(l->node_id));
    fio_strlcpy(l->token_hash, db_col_text(st, 1), sizeof(l->token_hash));
    fio_strlcpy(l->user_id, db_col_text(st, 2), sizeof(l->user_id));
    fio_strlcpy(l->email, db_col_text(st, 3), sizeof(l->email));
    l->has_info = sqlite3_column_type(st, 4) != SQLITE_NULL;
    if (l->has_info)
        fio_strlcpy(l->client_info, db_col_text(st, 4), sizeof(l->client_info));
    l->duration = (long)sqlite3_column_int64(st, 5);
    l->acquired = sqlite3_column_int64(st, 6);
    l->expires = sqlite3_column_int64(st, 7);
}

static enum store_rc l_get(struct store_conn *c, const char *ws_id, const char *node_id,
                           int64_t now, struct store_lock *out)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT " LOCK_COLS " FROM locks l WHERE l.workspace_id = ?1 AND "
                                "l.node_id = ?2 AND l.expires > ?3",
                                "tti", ws_id, node_id, now);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK) {
        read_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

static enum store_rc l_token_live(struct store_conn *c, const char *ws_id, const char *token_hash,
                                  int64_t now)
{
    return sq_exists(db_query(sq(c),
                              "SELECT 1 FROM locks WHERE token_hash = ?1 AND workspace_id = ?2 "
                              "AND expires > ?3",
                              "tti", token_hash, ws_id, now));
}

static enum store_rc l_any_live(struct store_conn *c, const char *ws_id, int64_t now)
{
    return sq_exists(
        db_query(sq(c), "SELECT 1 FROM locks WHERE workspace_id = ?1 AND expires > ?2 LIMIT 1",
                 "ti", ws_id, now));
}

static enum store_rc l_each_live(struct store_conn *c, const char *ws_id, const char *node_id,
                                 bool tree, int walk_limit, int64_t now, store_lock_visit_fn fn,
                                 void *arg, bool *stopped)
{
    struct db_conn *d = sq(c);
    *stopped = false;
    sqlite3_stmt *st =
        tree ? db_query(d,
                        "WITH RECURSIVE d(id, depth) AS (SELECT ?2, 0 UNION ALL SELECT n.id, "
                        "d.depth + 1 FROM nodes n JOIN d ON n.parent_id = d.id WHERE "
                        "n.workspace_id = ?1 AND d.depth < ?4) "
                        "SELECT " LOCK_COLS " FROM locks l JOIN d ON l.node_id = d.id "
                        "WHERE l.workspace_id = ?1 AND l.expires > ?3",
                        "ttid", ws_id, node_id, now, walk_limit)
             : db_query(d,
                        "SELECT " LOCK_COLS " FROM locks l WHERE l.workspace_id = ?1 AND "
                        "l.node_id = ?2 AND l.expires > ?3",
                        "tti", ws_id, node_id, now);
    if (!st)
        return STORE_ERROR;
    int rc;
    struct store_lock l;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_row(st, &l);
        if (fn(&l, arg)) {
            *stopped = true;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : store_sqlite_rc(rc);
}

static enum store_rc l_sweep(struct store_conn *c, const char *ws_id, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM locks WHERE workspace_id = ?1 AND expires <= ?2",
                              "ti", ws_id, now));
}

static enum store_rc l_insert(struct store_conn *c, const char *ws_id, const struct store_lock *l)
{
    return sq_exec_rc(db_exec(
        sq(c),
        "INSERT INTO locks (node_id, workspace_id, token_hash, user_id, client_info, "
        "duration, acquired, renewed, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
        "tttttiii", l->node_id, ws_id, l->token_hash, l->user_id,
        l->has_info ? l->client_info : NULL, (int64_t)l->duration, l->acquired, l->expires));
}

static enum store_rc l_renew(struct store_conn *c, const char *ws_id, const char *node_id,
                             int64_t now, int64_t expires)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE locks SET renewed = ?1, expires = ?2 WHERE workspace_id = ?3 "
                              "AND node_id = ?4",
                              "iitt", now, expires, ws_id, node_id));
}

static enum store_rc l_remove(struct store_conn *c, const char *ws_id, const char *node_id)
{
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM locks WHERE workspace_id = ?1 AND node_id = ?2",
                              "tt", ws_id, node_id));
}

const struct store_lock_ops sqlite_lock_ops = {
    .get = l_get,
    .token_live = l_token_live,
    .any_live = l_any_live,
    .each_live = l_each_live,
    .sweep = l_sweep,
    .insert = l_insert,
    .renew = l_renew,
    .remove = l_remove,
};
