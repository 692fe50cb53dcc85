/* SPDX-License-Identifier: MIT */
/* sqlite_node.c - the SQLite statements of the storage tree's tables (store_node.h). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "sqlite_util.h"
#include "store_node.h"

/* ---- file versions --------------------------------------------------------------------------- */

static enum store_rc n_version_exists(struct store_conn *c, const char *version_id)
{
    return sq_exists(db_query(sq(c), "SELECT 1 FROM file_versions WHERE id = ?1", "t", version_id));
}

static enum store_rc n_versions_prune_all(struct store_conn *c, long *removed)
{
    struct db_conn *d = sq(c);
    *removed = 0;
    enum store_rc rc = sq_exec_rc(
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
    sqlite3_stmt *st = db_query(sq(c), sql[scope], "tt", ws_id, node_id);
    enum store_rc rc = sq_agg_row(st);
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
        sq(c),
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
    return sq_text(db_query(sq(c),
                            "SELECT COALESCE(version_id, '') FROM nodes WHERE workspace_id = ?1 "
                            "AND id = ?2",
                            "tt", ws_id, node_id),
                   cur, FIO_OPAQUE_ID_SIZE);
}

static enum store_rc n_version_in_history(struct store_conn *c, const char *node_id,
                                          const char *version_id)
{
    return sq_exists(db_query(sq(c),
                              "SELECT 1 FROM node_versions WHERE node_id = ?1 AND version_id = ?2",
                              "tt", node_id, version_id));
}

static enum store_rc n_versions_each(struct store_conn *c, const char *ws_id, const char *node_id,
                                     int max, store_version_fn fn, void *arg)
{
    sqlite3_stmt *st = db_query(
        sq(c),
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
    return sq_exec_rc(
        db_exec(sq(c),
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
    return sq_exec_rc(
        db_exec(sq(c),
                "INSERT INTO file_versions (id, size, crc32c, name, creator_id, created) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                "tittti", version_id, size, crc32c_hex, name, creator_id, now));
}

static enum store_rc n_history_add(struct store_conn *c, const char *node_id,
                                   const char *version_id, int64_t now)
{
    return sq_exec_rc(db_exec(
        sq(c), "INSERT INTO node_versions (node_id, version_id, created) VALUES (?1, ?2, ?3)",
        "tti", node_id, version_id, now));
}

/* ---- nodes ----------------------------------------------------------------------------------- */

#define XSTR(x) STR(x)
#define STR(x) #x

/* The columns read_node_row reads, in order, for a SELECT over "nodes n", with the live lock of
 * the node (NULL columns when it is not locked). The same "now" as the server's clock (wall
 * time), in microseconds, computed by SQLite. */
#define SQL_NOW_US "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)"
#define LOCK_LIVE_ " FROM locks l WHERE l.node_id = n.id AND l.expires > " SQL_NOW_US ")"
#define NODE_LOCK_COLS                                                                             \
    "(SELECT l.user_id" LOCK_LIVE_ ", "                                                            \
    "(SELECT (SELECT u.email FROM users u WHERE u.id = l.user_id)" LOCK_LIVE_ ", "                 \
    "(SELECT l.expires" LOCK_LIVE_ ", (SELECT l.acquired" LOCK_LIVE_ ", "                          \
    "(SELECT l.duration" LOCK_LIVE_ ", (SELECT l.client_info" LOCK_LIVE_
/* The ai state (api §4.1; store_intel.h): the workspace's intelligence flag and the node's
 * intel_nodes row. */
#define NODE_AI_COLS                                                                               \
    "(SELECT w.intelligence FROM workspaces w WHERE w.id = n.workspace_id), "                      \
    "(SELECT i.state FROM intel_nodes i WHERE i.node_id = n.id), "                                 \
    "(SELECT i.reason FROM intel_nodes i WHERE i.node_id = n.id)"
#define NODE_COLS                                                                                  \
    "n.id, n.parent_id, n.type, n.name, n.size, n.mimetype, n.hash, n.hash_algo, n.version_id, "   \
    "n.creator_id, n.trashed, n.deleted_from, n.created, n.modified, n.metadata_title, "           \
    "n.metadata_short, " NODE_LOCK_COLS ", " NODE_AI_COLS
enum {
    COL_ID,
    COL_PARENT,
    COL_TYPE,
    COL_NAME,
    COL_SIZE,
    COL_MIMETYPE,
    COL_HASH,
    COL_HASH_ALGO,
    COL_VERSION,
    COL_CREATOR,
    COL_TRASHED,
    COL_DELETED_FROM,
    COL_CREATED,
    COL_MODIFIED,
    COL_META_TITLE,
    COL_META_SHORT,
    COL_LOCK_USER,
    COL_LOCK_EMAIL,
    COL_LOCK_EXPIRES,
    COL_LOCK_ACQUIRED,
    COL_LOCK_DURATION,
    COL_LOCK_INFO,
    COL_AI_ON,
    COL_AI_STATE,
    COL_AI_REASON,
};

/* Text column or NULL for SQL NULL. */
static const char *col_opt(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? NULL : db_col_text(st, col);
}

/* Hand the current row of st (NODE_COLS) to fn. lock is scratch space for its lock. */
static int visit_node_row(sqlite3_stmt *st, struct store_lock *lock, store_node_fn fn, void *arg)
{
    struct store_node_row row = {
        .id = db_col_text(st, COL_ID),
        .parent_id = col_opt(st, COL_PARENT),
        .type = db_col_text(st, COL_TYPE),
        .name = db_col_text(st, COL_NAME),
        .mimetype = db_col_text(st, COL_MIMETYPE),
        .creator_id = db_col_text(st, COL_CREATOR),
        .hash = col_opt(st, COL_HASH),
        .hash_algo = col_opt(st, COL_HASH_ALGO),
        .version_id = col_opt(st, COL_VERSION),
        .deleted_from = col_opt(st, COL_DELETED_FROM),
        .meta_title = col_opt(st, COL_META_TITLE),
        .meta_short = col_opt(st, COL_META_SHORT),
        .size = sqlite3_column_int64(st, COL_SIZE),
        .created = sqlite3_column_int64(st, COL_CREATED),
        .modified = sqlite3_column_int64(st, COL_MODIFIED),
        .trashed = sqlite3_column_int(st, COL_TRASHED) != 0,
        .lock = NULL,
        .ai_on = sqlite3_column_int(st, COL_AI_ON) != 0,
        .ai_state = col_opt(st, COL_AI_STATE),
        .ai_reason = col_opt(st, COL_AI_REASON),
    };
    if (sqlite3_column_type(st, COL_LOCK_EXPIRES) != SQLITE_NULL) {
        memset(lock, 0, sizeof(*lock));
        fio_strlcpy(lock->user_id, db_col_text(st, COL_LOCK_USER), sizeof(lock->user_id));
        fio_strlcpy(lock->email, db_col_text(st, COL_LOCK_EMAIL), sizeof(lock->email));
        lock->acquired = sqlite3_column_int64(st, COL_LOCK_ACQUIRED);
        lock->expires = sqlite3_column_int64(st, COL_LOCK_EXPIRES);
        lock->duration = (long)sqlite3_column_int64(st, COL_LOCK_DURATION);
        lock->has_info = sqlite3_column_type(st, COL_LOCK_INFO) != SQLITE_NULL;
        if (lock->has_info)
            fio_strlcpy(lock->client_info, db_col_text(st, COL_LOCK_INFO),
                        sizeof(lock->client_info));
        row.lock = lock;
    }
    return fn(&row, arg);
}

static enum store_rc n_node_get(struct store_conn *c, const char *ws_id, const char *id,
                                const char *watch_id, struct store_node *out)
{
    /* One statement: the node itself, and over its ancestors (itself included) whether any is
     * trashed, how many there are, and whether watch_id is among them. */
    sqlite3_stmt *st =
        db_query(sq(c),
                 "WITH RECURSIVE a(id, parent_id, trashed, depth) AS ("
                 " SELECT id, parent_id, trashed, 0 FROM nodes WHERE workspace_id = ?1 AND id = ?2"
                 " UNION ALL"
                 " SELECT n.id, n.parent_id, n.trashed, a.depth + 1 FROM nodes n JOIN a ON n.id = "
                 "a.parent_id"
                 " WHERE n.workspace_id = ?1 AND a.depth < " XSTR(
                     STORE_WALK_LIMIT) ")"
                                       " SELECT n.id, COALESCE(n.parent_id, ''), n.type, n.name, "
                                       "COALESCE(n.deleted_from, ''),"
                                       " n.trashed, (SELECT MAX(trashed) FROM a), (SELECT "
                                       "MAX(depth) FROM a),"
                                       " (SELECT COUNT(*) FROM a WHERE id = ?3)"
                                       " FROM nodes n WHERE n.workspace_id = ?1 AND n.id = ?2",
                 "ttt", ws_id, id, watch_id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    bool fits = fio_strlcpy(out->id, db_col_text(st, 0), sizeof(out->id)) &&
                fio_strlcpy(out->parent_id, db_col_text(st, 1), sizeof(out->parent_id)) &&
                fio_strlcpy(out->type, db_col_text(st, 2), sizeof(out->type)) &&
                fio_strlcpy(out->name, db_col_text(st, 3), sizeof(out->name)) &&
                fio_strlcpy(out->deleted_from, db_col_text(st, 4), sizeof(out->deleted_from));
    out->trashed = sqlite3_column_int(st, 5) != 0;
    out->hidden = sqlite3_column_int(st, 6) != 0;
    out->depth = sqlite3_column_int(st, 7);
    out->has_watch = sqlite3_column_int(st, 8) != 0;
    sqlite3_reset(st);
    return fits ? STORE_OK : STORE_ERROR; /* a row that does not fit is corrupt */
}

static enum store_rc n_node_row(struct store_conn *c, const char *ws_id, const char *id,
                                store_node_fn fn, void *arg)
{
    sqlite3_stmt *st =
        db_query(sq(c), "SELECT " NODE_COLS " FROM nodes n WHERE n.workspace_id = ?1 AND n.id = ?2",
                 "tt", ws_id, id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    struct store_lock lock;
    visit_node_row(st, &lock, fn, arg);
    sqlite3_reset(st);
    return STORE_OK;
}

/* One statement per (sort, direction, first page or not): the statement cache keys on the SQL
 * pointer, and each keyset predicate needs its own index range. Parameters: ?1 workspace,
 * ?2 parent (NULL: root or trash), ?3 trashed (0 folder listing, 1 trash), ?4 ?5 key values of
 * the cursor row, ?6 its id, ?7 row limit. Trashed top nodes are detached (parent NULL), so the
 * trash is "parent IS NULL AND trashed = 1" and shares the indexes of the listings. */
#define LIST_SELECT                                                                                \
    "SELECT " NODE_COLS " FROM nodes n WHERE n.workspace_id = ?1 AND n.parent_id IS ?2 "           \
    "AND n.trashed = ?3"
#define LIST_Q(after, order) LIST_SELECT after " ORDER BY " order " LIMIT ?7"
#define LIST_PAIR(cols, keys)                                                                      \
    {                                                                                              \
        LIST_Q("", cols), LIST_Q(" AND (" cols ") > (" keys ")", cols)                             \
    }
#define LIST_PAIR_DESC(cols, cols_desc, keys)                                                      \
    {                                                                                              \
        LIST_Q("", cols_desc), LIST_Q(" AND (" cols ") < (" keys ")", cols_desc)                   \
    }

static const char *const LIST_SQL[CURSOR_SORT_COUNT][2][2] = {
    [CURSOR_SORT_NAME] = {LIST_PAIR("n.name, n.id", "?4, ?6"),
                          LIST_PAIR_DESC("n.name, n.id", "n.name DESC, n.id DESC", "?4, ?6")},
    [CURSOR_SORT_UPDATED] = {LIST_PAIR("n.modified, n.id", "?4, ?6"),
                             LIST_PAIR_DESC("n.modified, n.id", "n.modified DESC, n.id DESC",
                                            "?4, ?6")},
    [CURSOR_SORT_CREATED] = {LIST_PAIR("n.created, n.id", "?4, ?6"),
                             LIST_PAIR_DESC("n.created, n.id", "n.created DESC, n.id DESC",
                                            "?4, ?6")},
    [CURSOR_SORT_TYPE] = {LIST_PAIR("n.type, n.name, n.id", "?4, ?5, ?6"),
                          LIST_PAIR_DESC("n.type, n.name, n.id",
                                         "n.type DESC, n.name DESC, n.id DESC", "?4, ?5, ?6")},
};

static enum store_rc n_list_page(struct store_conn *c, const char *ws_id, const char *parent_id,
                                 bool trash, enum cursor_sort sort, bool desc,
                                 const struct cursor *after, int limit, store_node_fn fn, void *arg)
{
    if ((unsigned)sort >= CURSOR_SORT_COUNT)
        return STORE_ERROR;
    sqlite3_stmt *st = db_query(sq(c), LIST_SQL[sort][desc ? 1 : 0][after ? 1 : 0], "ttd", ws_id,
                                parent_id, trash ? 1 : 0);
    if (!st)
        return STORE_ERROR;
    int brc = SQLITE_OK;
    if (after) {
        if (sort == CURSOR_SORT_UPDATED || sort == CURSOR_SORT_CREATED) {
            brc = sqlite3_bind_int64(st, 4, after->time);
        } else if (sort == CURSOR_SORT_TYPE) {
            brc = sqlite3_bind_text(st, 4, after->type, -1, SQLITE_TRANSIENT);
            if (brc == SQLITE_OK)
                brc = sqlite3_bind_text(st, 5, after->name, -1, SQLITE_TRANSIENT);
        } else {
            brc = sqlite3_bind_text(st, 4, after->name, -1, SQLITE_TRANSIENT);
        }
        if (brc == SQLITE_OK)
            brc = sqlite3_bind_text(st, 6, after->id, -1, SQLITE_TRANSIENT);
    }
    if (brc == SQLITE_OK)
        brc = sqlite3_bind_int(st, 7, limit);
    if (brc != SQLITE_OK) {
        sqlite3_reset(st);
        return store_sqlite_rc(brc);
    }
    struct store_lock lock;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (visit_node_row(st, &lock, fn, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_sqlite_rc(rc);
}

static enum store_rc n_find_sibling(struct store_conn *c, const char *ws_id, const char *parent_id,
                                    const char *name, const char *exclude_id,
                                    char id[FIO_OPAQUE_ID_SIZE], char type[STORE_TYPE_SIZE])
{
    sqlite3_stmt *st = db_query(sq(c),
                                "SELECT id, type FROM nodes WHERE workspace_id = ?1 AND "
                                "parent_id IS ?2 AND trashed = 0 AND name = ?3 AND id IS NOT ?4 "
                                "LIMIT 1",
                                "tttt", ws_id, parent_id, name, exclude_id);
    enum store_rc rc = sq_row(st);
    if (rc != STORE_OK)
        return rc;
    fio_strlcpy(id, db_col_text(st, 0), FIO_OPAQUE_ID_SIZE);
    fio_strlcpy(type, db_col_text(st, 1), STORE_TYPE_SIZE);
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc n_subtree_size(struct store_conn *c, const char *ws_id, const char *id,
                                    int *height, long *count)
{
    sqlite3_stmt *st = db_query(sq(c),
                                "WITH RECURSIVE d(id, depth) AS ("
                                " SELECT ?2, 0"
                                " UNION ALL"
                                " SELECT n.id, d.depth + 1 FROM nodes n JOIN d ON n.parent_id = "
                                "d.id WHERE n.workspace_id = ?1 AND d.depth < " XSTR(
                                    STORE_WALK_LIMIT) ")"
                                                      " SELECT MAX(depth), COUNT(*) FROM d",
                                "tt", ws_id, id);
    enum store_rc rc = sq_agg_row(st);
    if (rc != STORE_OK)
        return rc;
    *height = sqlite3_column_int(st, 0);
    *count = (long)sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return STORE_OK;
}

static enum store_rc n_subtree_walk(struct store_conn *c, const char *ws_id, const char *id,
                                    long max, store_walk_fn fn, void *arg)
{
    sqlite3_stmt *st =
        db_query(sq(c),
                 "WITH RECURSIVE d(id, parent, depth) AS ("
                 " SELECT ?2, NULL, 0"
                 " UNION ALL"
                 " SELECT n.id, n.parent_id, d.depth + 1 FROM nodes n JOIN d ON n.parent_id = d.id"
                 " WHERE n.workspace_id = ?1 AND d.depth < " XSTR(
                     STORE_WALK_LIMIT) " ORDER BY 3 LIMIT ?3)"
                                       " SELECT id, COALESCE(parent, ''), depth FROM d",
                 "tti", ws_id, id, (int64_t)max);
    if (!st)
        return STORE_ERROR;
    int rc;
    long n = 0;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        if (fn(db_col_text(st, 0), db_col_text(st, 1), sqlite3_column_int(st, 2), arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (n >= max)
        rc = SQLITE_DONE;
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : store_sqlite_rc(rc);
}

static enum store_rc n_node_copy(struct store_conn *c, const char *ws_id, const char *old_id,
                                 const char *new_id, const char *parent_id, const char *name,
                                 const char *creator_id, int64_t now)
{
    return sq_exec_one(
        c, db_exec(sq(c),
                   "INSERT INTO nodes (id, workspace_id, parent_id, type, name, size, mimetype, "
                   "hash, hash_algo, version_id, creator_id, trashed, metadata_title, "
                   "metadata_short, created, modified) SELECT ?1, workspace_id, ?2, type, "
                   "COALESCE(?3, name), size, mimetype, hash, hash_algo, version_id, ?4, 0, "
                   "metadata_title, metadata_short, ?5, ?5 FROM nodes WHERE workspace_id = ?6 AND "
                   "id = ?7",
                   "ttttitt", new_id, parent_id, name, creator_id, now, ws_id, old_id));
}

static enum store_rc n_node_move(struct store_conn *c, const char *ws_id, const char *id,
                                 const char *parent_id, const char *name, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE nodes SET parent_id = ?1, name = ?2, modified = ?3 WHERE "
                              "workspace_id = ?4 AND id = ?5",
                              "ttitt", parent_id, name, now, ws_id, id));
}

static enum store_rc n_node_update(struct store_conn *c, const char *ws_id, const char *id,
                                   const struct store_node_update *u, int64_t now)
{
    return sq_exec_rc(db_exec(sq(c),
                              "UPDATE nodes SET name = COALESCE(?1, name), "
                              "metadata_title = CASE WHEN ?2 THEN ?3 ELSE metadata_title END, "
                              "metadata_short = CASE WHEN ?4 THEN ?5 ELSE metadata_short END, "
                              "modified = ?6 WHERE workspace_id = ?7 AND id = ?8",
                              "tdtdtitt", u->name, (int)u->set_title, u->title, (int)u->set_short,
                              u->short_desc, now, ws_id, id));
}

static enum store_rc n_node_trash(struct store_conn *c, const char *ws_id, const char *id,
                                  const char *parent_id, int64_t now)
{
    /* The top node is detached from its parent (parent_id NULL): purging the old parent later
     * must not cascade into it, and restore uses deleted_from. */
    return sq_exec_one(c, db_exec(sq(c),
                                  "UPDATE nodes SET trashed = 1, deleted_at = ?1, deleted_from = "
                                  "?2, parent_id = NULL WHERE workspace_id = ?3 AND id = ?4 AND "
                                  "trashed = 0",
                                  "ittt", now, parent_id, ws_id, id));
}

static enum store_rc n_node_restore(struct store_conn *c, const char *ws_id, const char *id,
                                    const char *parent_id, const char *name, int64_t now)
{
    return sq_exec_rc(
        db_exec(sq(c),
                "UPDATE nodes SET trashed = 0, deleted_at = NULL, deleted_from = NULL, "
                "parent_id = ?1, name = ?2, modified = ?3 WHERE workspace_id = ?4 AND "
                "id = ?5 AND trashed = 1",
                "ttitt", parent_id, name, now, ws_id, id));
}

static enum store_rc n_node_purge(struct store_conn *c, const char *ws_id, const char *id)
{
    return sq_exec_rc(
        db_exec(sq(c), "DELETE FROM nodes WHERE workspace_id = ?1 AND id = ?2 AND trashed = 1",
                "tt", ws_id, id));
}

static enum store_rc n_trash_empty(struct store_conn *c, const char *ws_id, long *purged)
{
    struct db_conn *d = sq(c);
    *purged = 0;
    enum store_rc rc = sq_exec_rc(db_exec(
        d, "DELETE FROM nodes WHERE workspace_id = ?1 AND parent_id IS NULL AND trashed = 1", "t",
        ws_id));
    /* sqlite3_changes counts the top-level rows only, not the cascaded descendants */
    if (rc == STORE_OK)
        *purged = (long)sqlite3_changes(d->db);
    return rc;
}

/* "" -> NULL (the root as a parent). */
static const char *nul(const char *s)
{
    return s && *s ? s : NULL;
}

static enum store_rc n_file_set_content(struct store_conn *c, const char *ws_id,
                                        const char *node_id, const char *version_id, int64_t size,
                                        const char *crc32c_hex, int64_t now)
{
    return sq_exec_one(c, db_exec(sq(c),
                                  "UPDATE nodes SET version_id = ?1, size = ?2, hash = ?3, "
                                  "hash_algo = 'crc32c', modified = ?4 WHERE workspace_id = ?5 "
                                  "AND id = ?6",
                                  "tititt", version_id, size, crc32c_hex, now, ws_id, node_id));
}

static enum store_rc n_file_insert(struct store_conn *c, const char *ws_id, const char *node_id,
                                   const char *parent_id, const char *name, int64_t size,
                                   const char *mimetype, const char *crc32c_hex,
                                   const char *version_id, const char *creator_id, int64_t now)
{
    return sq_exec_rc(
        db_exec(sq(c),
                "INSERT INTO nodes (id, workspace_id, parent_id, type, name, size, "
                "mimetype, hash, hash_algo, version_id, creator_id, created, modified) "
                "VALUES (?1, ?2, ?3, 'file', ?4, ?5, ?6, ?7, 'crc32c', ?8, ?9, ?10, "
                "?10)",
                "ttttitttti", node_id, ws_id, nul(parent_id), name, size, mimetype, crc32c_hex,
                version_id, creator_id, now));
}

static enum store_rc n_folder_insert(struct store_conn *c, const char *ws_id, const char *node_id,
                                     const char *parent_id, const char *name,
                                     const char *creator_id, int64_t now)
{
    return sq_exec_rc(
        db_exec(sq(c),
                "INSERT INTO nodes (id, workspace_id, parent_id, type, name, "
                "creator_id, created, modified) VALUES (?1, ?2, ?3, 'folder', ?4, ?5, "
                "?6, ?6)",
                "ttttti", node_id, ws_id, nul(parent_id), name, creator_id, now));
}

static enum store_rc n_name(struct store_conn *c, const char *ws_id, const char *node_id, char *out,
                            size_t out_size)
{
    return sq_text(db_query(sq(c), "SELECT name FROM nodes WHERE workspace_id = ?1 AND id = ?2",
                            "tt", ws_id, node_id),
                   out, out_size);
}

static enum store_rc n_zip_each(struct store_conn *c, const char *ws_id, const char *folder_id,
                                long max, store_zip_fn fn, void *arg)
{
    sqlite3_stmt *st = db_query(
        sq(c),
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
    return sq_exec_rc(db_exec(sq(c), "DELETE FROM read_tokens WHERE expires < ?1", "i", now));
}

static enum store_rc n_read_token_insert(struct store_conn *c, const char *token_hash,
                                         const char *user_id, const char *ws_id,
                                         const char *node_id, const char *version_id,
                                         int64_t expires)
{
    return sq_exec_rc(
        db_exec(sq(c),
                "INSERT INTO read_tokens (token_hash, user_id, workspace_id, node_id, "
                "version_id, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                "ttttti", token_hash, user_id, ws_id, node_id, version_id, expires));
}

static enum store_rc n_read_token_get(struct store_conn *c, const char *token_hash,
                                      const char *ws_key, int64_t now, struct store_read_token *out)
{
    sqlite3_stmt *st = db_query(sq(c),
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

const struct store_node_ops sqlite_node_ops = {
    .version_current = n_version_current,
    .version_in_history = n_version_in_history,
    .versions_each = n_versions_each,
    .version_restore = n_version_restore,
    .version_insert = n_version_insert,
    .history_add = n_history_add,
    .file_set_content = n_file_set_content,
    .file_insert = n_file_insert,
    .folder_insert = n_folder_insert,
    .node_get = n_node_get,
    .node_row = n_node_row,
    .list_page = n_list_page,
    .find_sibling = n_find_sibling,
    .subtree_size = n_subtree_size,
    .subtree_walk = n_subtree_walk,
    .node_copy = n_node_copy,
    .node_move = n_node_move,
    .node_update = n_node_update,
    .node_trash = n_node_trash,
    .node_restore = n_node_restore,
    .node_purge = n_node_purge,
    .trash_empty = n_trash_empty,
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
