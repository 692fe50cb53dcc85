/* sqlite_node.c - the SQLite statements of the storage tree's tables (store_node.h). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "sqlite_conn.h"
#include "store_node.h"

/* ---- file versions --------------------------------------------------------------------------- */

static enum store_rc n_version_exists(struct store_conn *c, const char *version_id)
{
    sqlite3_stmt *st =
        db_query(sq_conn(c), "SELECT 1 FROM file_versions WHERE id = ?1", "t", version_id);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK)
        sqlite3_reset(st);
    return rc;
}

static enum store_rc n_versions_prune_all(struct store_conn *c, long *removed)
{
    struct db_conn *d = sq_conn(c);
    *removed = 0;
    enum store_rc rc = sq_done(db_exec(
        d,
        "DELETE FROM file_versions WHERE id NOT IN (SELECT version_id FROM nodes WHERE "
        "version_id IS NOT NULL) AND id NOT IN (SELECT version_id FROM node_versions) "
        "AND id NOT IN (SELECT version_id FROM upload_sessions WHERE status = "
        "'assembling' AND version_id IS NOT NULL)",
        ""));
    if (rc == STORE_OK)
        *removed = (long)sqlite3_changes(d->db);
    return rc;
}

static enum store_rc n_versions_collect(struct store_conn *c, const char *ws_id,
                                        enum store_version_scope scope, const char *node_id,
                                        char **ids)
{
    static const char *const sql[] = {
        /* STORE_VERSIONS_SUBTREE: node id and everything below it */
        "WITH RECURSIVE t(id, d) AS (SELECT id, 0 FROM nodes WHERE workspace_id = ?1 AND id = "
        "?2 UNION ALL SELECT n.id, t.d + 1 FROM nodes n JOIN t ON n.parent_id = t.id WHERE t.d < "
        "1000) SELECT json_group_array(v) FROM (SELECT version_id AS v FROM nodes WHERE id IN "
        "(SELECT id FROM t) AND version_id IS NOT NULL UNION SELECT version_id FROM node_versions "
        "WHERE node_id IN (SELECT id FROM t))",
        /* STORE_VERSIONS_TRASH: every trashed subtree of the workspace */
        "WITH RECURSIVE t(id, d) AS (SELECT id, 0 FROM nodes WHERE workspace_id = ?1 AND "
        "parent_id IS NULL AND trashed = 1 AND ?2 IS NULL UNION ALL SELECT n.id, t.d + 1 FROM "
        "nodes n JOIN t ON n.parent_id = t.id WHERE t.d < 1000) SELECT json_group_array(v) FROM "
        "(SELECT version_id AS v FROM nodes WHERE id IN (SELECT id FROM t) AND version_id IS NOT "
        "NULL UNION SELECT version_id FROM node_versions WHERE node_id IN (SELECT id FROM t))",
        /* STORE_VERSIONS_WORKSPACE: every node of the workspace */
        "SELECT json_group_array(v) FROM (SELECT version_id AS v FROM nodes WHERE workspace_id = "
        "?1 AND version_id IS NOT NULL AND ?2 IS NULL UNION SELECT version_id FROM node_versions "
        "WHERE node_id IN (SELECT id FROM nodes WHERE workspace_id = ?1))",
    };
    *ids = NULL;
    if ((unsigned)scope >= sizeof(sql) / sizeof(sql[0]))
        return STORE_ERROR;
    sqlite3_stmt *st = db_query(sq_conn(c), sql[scope], "tt", ws_id, node_id);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_NOT_FOUND)
        return STORE_ERROR; /* an aggregate always yields a row */
    if (rc != STORE_OK)
        return rc;
    *ids = fio_strdup(db_col_text(st, 0));
    sqlite3_reset(st);
    return *ids ? STORE_OK : STORE_ERROR;
}

static enum store_rc n_versions_prune(struct store_conn *c, const char *ids, long max,
                                      char **gone)
{
    *gone = NULL;
    /* versions no node, history row or completion in progress names any more */
    sqlite3_stmt *st = db_query(
        sq_conn(c),
        "DELETE FROM file_versions WHERE id IN (SELECT value FROM json_each(?1)) AND id NOT IN "
        "(SELECT version_id FROM nodes WHERE version_id IS NOT NULL) AND id NOT IN (SELECT "
        "version_id FROM node_versions) AND id NOT IN (SELECT version_id FROM upload_sessions "
        "WHERE status = 'assembling' AND version_id IS NOT NULL) RETURNING id",
        "t", ids);
    json_t *arr = json_array();
    if (!st || !arr) {
        if (st)
            sqlite3_reset(st);
        json_decref(arr);
        return STORE_ERROR;
    }
    int rc = SQLITE_DONE;
    for (long k = 0; k < max && (rc = sqlite3_step(st)) == SQLITE_ROW; k++)
        json_array_append_new(arr, json_string(db_col_text(st, 0)));
    sqlite3_reset(st);
    *gone = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : store_sqlite_rc(rc);
}

/* ---- read tokens ----------------------------------------------------------------------------- */

static enum store_rc n_read_tokens_expire(struct store_conn *c, int64_t now)
{
    return sq_done(db_exec(sq_conn(c), "DELETE FROM read_tokens WHERE expires < ?1", "i", now));
}

const struct store_node_ops store_sqlite_node_ops = {
    .version_exists = n_version_exists,
    .versions_prune_all = n_versions_prune_all,
    .versions_collect = n_versions_collect,
    .versions_prune = n_versions_prune,
    .read_tokens_expire = n_read_tokens_expire,
};
