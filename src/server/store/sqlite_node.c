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
    enum store_rc rc = sq_done(
        db_exec(d,
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

static enum store_rc n_versions_prune(struct store_conn *c, const char *ids, long max, char **gone)
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

static enum store_rc n_version_current(struct store_conn *c, const char *ws_id, const char *node_id,
                                       char cur[FIO_OPAQUE_ID_SIZE])
{
    sqlite3_stmt *st =
        db_query(sq_conn(c),
                 "SELECT COALESCE(version_id, '') FROM nodes WHERE workspace_id = ?1 AND id = ?2",
                 "tt", ws_id, node_id);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK) {
        fio_strlcpy(cur, db_col_text(st, 0), FIO_OPAQUE_ID_SIZE);
        sqlite3_reset(st);
    }
    return rc;
}

static enum store_rc n_version_in_history(struct store_conn *c, const char *node_id,
                                          const char *version_id)
{
    sqlite3_stmt *st =
        db_query(sq_conn(c), "SELECT 1 FROM node_versions WHERE node_id = ?1 AND version_id = ?2",
                 "tt", node_id, version_id);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK)
        sqlite3_reset(st);
    return rc;
}

static enum store_rc n_versions_each(struct store_conn *c, const char *ws_id, const char *node_id,
                                     int max, store_version_fn fn, void *arg)
{
    sqlite3_stmt *st = db_query(
        sq_conn(c),
        "SELECT v.id, v.size, v.crc32c, v.name, v.creator_id, v.created, v.id = n.version_id "
        "FROM file_versions v JOIN nodes n ON n.id = ?1 AND n.workspace_id = ?2 WHERE v.id IN "
        "(SELECT version_id FROM node_versions WHERE node_id = ?1) OR v.id = n.version_id "
        "ORDER BY v.created DESC, v.id LIMIT ?3",
        "ttd", node_id, ws_id, max);
    if (!st)
        return STORE_ERROR;
    struct store_version v;
    int rc = SQLITE_DONE;
    for (int k = 0; k < max && (rc = sqlite3_step(st)) == SQLITE_ROW; k++) {
        memset(&v, 0, sizeof(v));
        fio_strlcpy(v.id, db_col_text(st, 0), sizeof(v.id));
        v.size = sqlite3_column_int64(st, 1);
        fio_strlcpy(v.crc32c, db_col_text(st, 2), sizeof(v.crc32c));
        fio_strlcpy(v.name, db_col_text(st, 3), sizeof(v.name));
        fio_strlcpy(v.creator_id, db_col_text(st, 4), sizeof(v.creator_id));
        v.created = sqlite3_column_int64(st, 5);
        v.current = sqlite3_column_int(st, 6) != 0;
        if (fn(&v, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : store_sqlite_rc(rc);
}

static enum store_rc n_version_restore(struct store_conn *c, const char *ws_id, const char *node_id,
                                       const char *version_id, int64_t now)
{
    return sq_done(db_exec(sq_conn(c),
                           "UPDATE nodes SET version_id = v.id, size = v.size, hash = v.crc32c, "
                           "hash_algo = 'crc32c', modified = ?1 FROM (SELECT id, size, crc32c "
                           "FROM file_versions WHERE id = ?2) AS v WHERE nodes.workspace_id = ?3 "
                           "AND nodes.id = ?4",
                           "ittt", now, version_id, ws_id, node_id));
}

static enum store_rc n_version_insert(struct store_conn *c, const char *version_id, int64_t size,
                                      const char *crc32c_hex, const char *name,
                                      const char *creator_id, int64_t now)
{
    return sq_done(
        db_exec(sq_conn(c),
                "INSERT INTO file_versions (id, size, crc32c, name, creator_id, created) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                "tittti", version_id, size, crc32c_hex, name, creator_id, now));
}

static enum store_rc n_history_add(struct store_conn *c, const char *node_id,
                                   const char *version_id, int64_t now)
{
    return sq_done(db_exec(
        sq_conn(c), "INSERT INTO node_versions (node_id, version_id, created) VALUES (?1, ?2, ?3)",
        "tti", node_id, version_id, now));
}

/* ---- nodes ----------------------------------------------------------------------------------- */

/* "" -> NULL (the root as a parent). */
static const char *nul(const char *s)
{
    return s && *s ? s : NULL;
}

static enum store_rc n_file_set_content(struct store_conn *c, const char *ws_id,
                                        const char *node_id, const char *version_id, int64_t size,
                                        const char *crc32c_hex, int64_t now)
{
    struct db_conn *d = sq_conn(c);
    enum store_rc rc =
        sq_done(db_exec(d,
                        "UPDATE nodes SET version_id = ?1, size = ?2, hash = ?3, "
                        "hash_algo = 'crc32c', modified = ?4 WHERE workspace_id = "
                        "?5 AND id = ?6",
                        "tititt", version_id, size, crc32c_hex, now, ws_id, node_id));
    if (rc != STORE_OK)
        return rc;
    return sqlite3_changes(d->db) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

static enum store_rc n_file_insert(struct store_conn *c, const char *ws_id, const char *node_id,
                                   const char *parent_id, const char *name, int64_t size,
                                   const char *mimetype, const char *crc32c_hex,
                                   const char *version_id, const char *creator_id, int64_t now)
{
    return sq_done(db_exec(sq_conn(c),
                           "INSERT INTO nodes (id, workspace_id, parent_id, type, name, size, "
                           "mimetype, hash, hash_algo, version_id, creator_id, created, modified) "
                           "VALUES (?1, ?2, ?3, 'file', ?4, ?5, ?6, ?7, 'crc32c', ?8, ?9, ?10, "
                           "?10)",
                           "ttttitttti", node_id, ws_id, nul(parent_id), name, size, mimetype,
                           crc32c_hex, version_id, creator_id, now));
}

static enum store_rc n_folder_insert(struct store_conn *c, const char *ws_id, const char *node_id,
                                     const char *parent_id, const char *name,
                                     const char *creator_id, int64_t now)
{
    return sq_done(db_exec(sq_conn(c),
                           "INSERT INTO nodes (id, workspace_id, parent_id, type, name, "
                           "creator_id, created, modified) VALUES (?1, ?2, ?3, 'folder', ?4, ?5, "
                           "?6, ?6)",
                           "ttttti", node_id, ws_id, nul(parent_id), name, creator_id, now));
}

static enum store_rc n_name(struct store_conn *c, const char *ws_id, const char *node_id, char *out,
                            size_t out_size)
{
    sqlite3_stmt *st =
        db_query(sq_conn(c), "SELECT name FROM nodes WHERE workspace_id = ?1 AND id = ?2", "tt",
                 ws_id, node_id);
    enum store_rc rc = sq_row(st);
    if (rc == STORE_OK) {
        fio_strlcpy(out, db_col_text(st, 0), out_size);
        sqlite3_reset(st);
    }
    return rc;
}

static enum store_rc n_zip_each(struct store_conn *c, const char *ws_id, const char *folder_id,
                                long max, store_zip_fn fn, void *arg)
{
    sqlite3_stmt *st = db_query(
        sq_conn(c),
        "WITH RECURSIVE t(id, path, type, vid, size, modified, depth) AS ("
        "SELECT id, name, type, version_id, size, modified, 1 FROM nodes WHERE workspace_id = ?1 "
        "AND trashed = 0 AND ((?2 IS NULL AND parent_id IS NULL) OR parent_id = ?2) "
        "UNION ALL SELECT n.id, t.path || '/' || n.name, n.type, n.version_id, n.size, "
        "n.modified, t.depth + 1 FROM nodes n JOIN t ON n.parent_id = t.id WHERE t.type = "
        "'folder' AND n.trashed = 0 AND t.depth < 1000) "
        "SELECT path, type, COALESCE(vid, ''), size, modified FROM t WHERE type IN ('file', "
        "'folder') ORDER BY path LIMIT ?3",
        "tti", ws_id, folder_id, (int64_t)max + 1);
    if (!st)
        return STORE_ERROR;
    int rc = SQLITE_DONE;
    for (long k = 0; k <= max && (rc = sqlite3_step(st)) == SQLITE_ROW; k++) {
        struct store_zip_entry e = {
            .path = db_col_text(st, 0),
            .folder = strcmp(db_col_text(st, 1), "folder") == 0,
            .version_id = db_col_text(st, 2),
            .size = sqlite3_column_int64(st, 3),
            .modified = sqlite3_column_int64(st, 4),
        };
        if (fn(&e, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : store_sqlite_rc(rc);
}

/* ---- read tokens ----------------------------------------------------------------------------- */

static enum store_rc n_read_tokens_expire(struct store_conn *c, int64_t now)
{
    return sq_done(db_exec(sq_conn(c), "DELETE FROM read_tokens WHERE expires < ?1", "i", now));
}

static enum store_rc n_read_token_insert(struct store_conn *c, const char *token_hash,
                                         const char *user_id, const char *ws_id,
                                         const char *node_id, const char *version_id,
                                         int64_t expires)
{
    return sq_done(db_exec(sq_conn(c),
                           "INSERT INTO read_tokens (token_hash, user_id, workspace_id, node_id, "
                           "version_id, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           "ttttti", token_hash, user_id, ws_id, node_id, version_id, expires));
}

static enum store_rc n_read_token_get(struct store_conn *c, const char *token_hash,
                                      const char *ws_key, int64_t now, struct store_read_token *out)
{
    sqlite3_stmt *st = db_query(sq_conn(c),
                                "SELECT t.workspace_id, t.node_id, t.version_id FROM "
                                "read_tokens t JOIN workspaces w ON w.id = t.workspace_id "
                                "WHERE t.token_hash = ?1 AND t.expires > ?2 AND (w.id = ?3 "
                                "OR w.folder_name = ?3)",
                                "tit", token_hash, now, ws_key);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    fio_strlcpy(out->ws_id, db_col_text(st, 0), sizeof(out->ws_id));
    fio_strlcpy(out->node_id, db_col_text(st, 1), sizeof(out->node_id));
    fio_strlcpy(out->version_id, db_col_text(st, 2), sizeof(out->version_id));
    sqlite3_reset(st);
    return STORE_OK;
}

const struct store_node_ops store_sqlite_node_ops = {
    .version_current = n_version_current,
    .version_in_history = n_version_in_history,
    .versions_each = n_versions_each,
    .version_restore = n_version_restore,
    .version_insert = n_version_insert,
    .history_add = n_history_add,
    .file_set_content = n_file_set_content,
    .file_insert = n_file_insert,
    .folder_insert = n_folder_insert,
    .name = n_name,
    .zip_each = n_zip_each,
    .read_token_insert = n_read_token_insert,
    .read_token_get = n_read_token_get,
    .version_exists = n_version_exists,
    .versions_prune_all = n_versions_prune_all,
    .versions_collect = n_versions_collect,
    .versions_prune = n_versions_prune,
    .read_tokens_expire = n_read_tokens_expire,
};
