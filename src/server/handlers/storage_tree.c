/* storage_tree.c - primitives over the node tree of one workspace (storage.h): lookups with a
 * bounded ancestor walk, the wire rendering of a node (api §4.1), sibling-name conflicts and
 * auto-renaming (api §4.4), and moving a node to the trash. The handlers in h_storage.c compose
 * these inside the transaction the router opened. */
#include "storage.h"

#include <string.h>

#include "buf.h"

#define XSTR(x) STR(x)
#define STR(x) #x

int store_parse_id(struct req *r, const char *text, const char *param, bool *is_root,
                   char id[FIO_OPAQUE_ID_SIZE])
{
    *is_root = false;
    id[0] = '\0';
    if (text && strcmp(text, STORE_ROOT) == 0) {
        *is_root = true;
        return 0;
    }
    if (!text || !fio_opaque_id_normalize(text, strlen(text), id)) {
        id[0] = '\0';
        return req_fail_param(r, param, "invalid", "The parameter '%s' is not a valid node id",
                              param);
    }
    char type[3];
    if (!fio_opaque_id_type(id, type, NULL) || strcmp(type, FIO_ID_NODE) != 0) {
        id[0] = '\0';
        return req_fail_param(r, param, "invalid", "The parameter '%s' is not a node id", param);
    }
    return 0;
}

const char *store_param(struct req *r, const char *name, bool *bad)
{
    *bad = false;
    const char *v = req_param(r, name);
    if (!v)
        return NULL;
    for (size_t i = 0; i < r->form.count; i++) {
        if (strcmp(r->form.fields[i].name, name) == 0) {
            *bad = r->form.fields[i].value_len != strlen(v);
            break;
        }
    }
    if (*bad)
        req_fail_param(r, name, "invalid", "The parameter '%s' contains a NUL byte", name);
    return v;
}

int store_node_get(struct req *r, const char *id, const char *watch_id, struct store_node *out)
{
    /* One statement: the node itself, and over its ancestors (itself included) whether any is
     * trashed, how many there are, and whether watch_id is among them. */
    sqlite3_stmt *st =
        db_query(r->db,
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
                 "ttt", r->ws.id, id, watch_id);
    if (!st)
        return req_fail_internal(r, "node lookup");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return req_fail_internal(r, "node lookup step");
    }
    memset(out, 0, sizeof(*out));
    bool fits = fio_strlcpy(out->id, db_col_text(st, 0), sizeof(out->id)) &&
                fio_strlcpy(out->parent_id, db_col_text(st, 1), sizeof(out->parent_id)) &&
                fio_strlcpy(out->type, db_col_text(st, 2), sizeof(out->type)) &&
                fio_strlcpy(out->name, db_col_text(st, 3), sizeof(out->name)) &&
                fio_strlcpy(out->deleted_from, db_col_text(st, 4), sizeof(out->deleted_from));
    out->trashed = sqlite3_column_int(st, 5) != 0;
    out->hidden = sqlite3_column_int(st, 6) != 0;
    int depth = sqlite3_column_int(st, 7);
    out->has_watch = sqlite3_column_int(st, 8) != 0;
    sqlite3_reset(st);
    if (!fits)
        return req_fail_internal(r, "node row does not fit");
    if (depth >= STORE_WALK_LIMIT)
        return req_fail_internal(r, "node ancestry too deep (cycle?)");
    out->depth = depth;
    return 1;
}

/* Text column as a JSON string, or null when SQL NULL. */
static json_t *col_str_or_null(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    return json_string(db_col_text(st, col));
}

/* Set key to value (stolen) in obj; false on NULL value or OOM. */
static bool put(json_t *obj, const char *key, json_t *value)
{
    return value && json_object_set_new(obj, key, value) == 0;
}

/* "parent": the parent id, or "root" for children of the root and detached trashed nodes. */
static json_t *parent_json(sqlite3_stmt *st)
{
    if (sqlite3_column_type(st, STORE_COL_PARENT) == SQLITE_NULL)
        return json_string(STORE_ROOT);
    return json_string(db_col_text(st, STORE_COL_PARENT));
}

/* "deleted_from": on the top node of a trashed subtree only (NULL there = the root). */
static json_t *deleted_from_json(sqlite3_stmt *st)
{
    if (sqlite3_column_int(st, STORE_COL_TRASHED) == 0)
        return json_null();
    if (sqlite3_column_type(st, STORE_COL_DELETED_FROM) == SQLITE_NULL)
        return json_string(STORE_ROOT);
    return json_string(db_col_text(st, STORE_COL_DELETED_FROM));
}

static json_t *metadata_json(sqlite3_stmt *st)
{
    json_t *m = json_object();
    if (m && put(m, "title", col_str_or_null(st, STORE_COL_META_TITLE)) &&
        put(m, "short", col_str_or_null(st, STORE_COL_META_SHORT)))
        return m;
    json_decref(m);
    return NULL;
}

/* lock_info from the STORE_COL_LOCK_* columns: NULL columns = not locked. */
static json_t *lock_info_json(sqlite3_stmt *st)
{
    if (sqlite3_column_type(st, STORE_COL_LOCK_EXPIRES) == SQLITE_NULL)
        return store_lock_info_json(NULL);
    struct store_lock l;
    memset(&l, 0, sizeof(l));
    fio_strlcpy(l.user_id, db_col_text(st, STORE_COL_LOCK_USER), sizeof(l.user_id));
    fio_strlcpy(l.email, db_col_text(st, STORE_COL_LOCK_EMAIL), sizeof(l.email));
    l.acquired = sqlite3_column_int64(st, STORE_COL_LOCK_ACQUIRED);
    l.expires = sqlite3_column_int64(st, STORE_COL_LOCK_EXPIRES);
    l.duration = (long)sqlite3_column_int64(st, STORE_COL_LOCK_DURATION);
    l.has_info = sqlite3_column_type(st, STORE_COL_LOCK_INFO) != SQLITE_NULL;
    if (l.has_info)
        fio_strlcpy(l.client_info, db_col_text(st, STORE_COL_LOCK_INFO), sizeof(l.client_info));
    return store_lock_info_json(&l);
}

json_t *store_row_json(sqlite3_stmt *st, bool under_trash)
{
    const char *type = db_col_text(st, STORE_COL_TYPE);
    bool folder = strcmp(type, "folder") == 0;
    bool trashed = sqlite3_column_int(st, STORE_COL_TRASHED) != 0;
    json_t *o = json_object();
    if (!o)
        return NULL;
    /* Each value is created right before put() takes it, so a failure leaks nothing. */
    bool ok = put(o, "id", json_string(db_col_text(st, STORE_COL_ID))) &&
              put(o, "name", json_string(db_col_text(st, STORE_COL_NAME))) &&
              put(o, "type", json_string(type)) && put(o, "parent", parent_json(st)) &&
              put(o, "size", json_integer(folder ? 0 : sqlite3_column_int64(st, STORE_COL_SIZE))) &&
              put(o, "mimetype", json_string(db_col_text(st, STORE_COL_MIMETYPE))) &&
              put(o, "hash", col_str_or_null(st, STORE_COL_HASH)) &&
              put(o, "hash_algo", col_str_or_null(st, STORE_COL_HASH_ALGO)) &&
              put(o, "version", folder ? json_null() : col_str_or_null(st, STORE_COL_VERSION)) &&
              put(o, "created", srv_time_json(sqlite3_column_int64(st, STORE_COL_CREATED))) &&
              put(o, "modified", srv_time_json(sqlite3_column_int64(st, STORE_COL_MODIFIED))) &&
              put(o, "restricted", json_false()) &&
              put(o, "locked",
                  json_boolean(sqlite3_column_type(st, STORE_COL_LOCK_EXPIRES) != SQLITE_NULL)) &&
              put(o, "lock_info", lock_info_json(st)) &&
              put(o, "deleted", json_boolean(trashed || under_trash)) &&
              put(o, "deleted_from", deleted_from_json(st)) &&
              put(o, "origin",
                  json_pack("{s:s, s:s}", "type", folder ? "folder" : "upload", "creator",
                            db_col_text(st, STORE_COL_CREATOR))) &&
              put(o, "metadata", metadata_json(st));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *store_render(struct req *r, const char *id, bool under_trash)
{
    sqlite3_stmt *st = db_query(
        r->db, "SELECT " STORE_NODE_COLS " FROM nodes n WHERE n.workspace_id = ?1 AND n.id = ?2",
        "tt", r->ws.id, id);
    if (!st) {
        req_fail_internal(r, "node render");
        return NULL;
    }
    json_t *o = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        o = store_row_json(st, under_trash);
    sqlite3_reset(st);
    if (!o)
        req_fail_internal(r, rc == SQLITE_ROW ? "node render: out of memory" : "node vanished");
    return o;
}

int store_reply_node(struct req *r, const char *id, bool under_trash)
{
    json_t *o = store_render(r, id, under_trash);
    if (!o)
        return -1;
    return req_set(r, "node", o);
}

int store_find_sibling(struct req *r, const char *parent, const char *name, const char *exclude_id,
                       char id[FIO_OPAQUE_ID_SIZE], char type[STORE_TYPE_SIZE])
{
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT id, type FROM nodes WHERE workspace_id = ?1 AND "
                                "parent_id IS ?2 AND trashed = 0 AND name = ?3 AND id IS NOT ?4 "
                                "LIMIT 1",
                                "tttt", r->ws.id, parent, name, exclude_id);
    if (!st)
        return req_fail_internal(r, "sibling lookup");
    int rc = sqlite3_step(st);
    int found = 0;
    if (rc == SQLITE_ROW) {
        fio_strlcpy(id, db_col_text(st, 0), FIO_OPAQUE_ID_SIZE);
        fio_strlcpy(type, db_col_text(st, 1), STORE_TYPE_SIZE);
        found = 1;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return req_fail_internal(r, "sibling lookup step");
    return found;
}

/* Candidate k of an auto-rename: "<stem> (k)<ext>", without a counter the stem already ends
 * with, the stem shortened (at a UTF-8 character boundary) when the result would pass
 * FIO_NAME_MAX_BYTES. false when nothing fits. */
static bool rename_candidate(const char *name, bool split_ext, int k, char out[STORE_NAME_SIZE])
{
    size_t len = strlen(name);
    size_t stem_len = len;
    const char *ext = "";
    if (split_ext) {
        const char *dot = strrchr(name, '.');
        /* ".bashrc" has no extension; an absurdly long "extension" is not one either */
        if (dot && dot != name && len - (size_t)(dot - name) <= 32) {
            stem_len = (size_t)(dot - name);
            ext = dot;
        }
    }
    /* "B (2)" renames to "B (3)", not "B (2) (2)": an existing counter is dropped first */
    size_t c = stem_len;
    if (c >= 4 && name[c - 1] == ')') {
        size_t d = c - 1;
        while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
            d--;
        if (d < c - 1 && c - 1 - d <= 9 && d >= 3 && name[d - 1] == '(' && name[d - 2] == ' ')
            stem_len = d - 2;
    }
    char suffix[24];
    int sl = snprintf(suffix, sizeof(suffix), " (%d)", k);
    if (sl <= 0 || (size_t)sl >= sizeof(suffix))
        return false;
    size_t ext_len = strlen(ext);
    if ((size_t)sl + ext_len >= FIO_NAME_MAX_BYTES)
        return false;
    size_t room = FIO_NAME_MAX_BYTES - (size_t)sl - ext_len;
    if (stem_len > room) {
        stem_len = room;
        while (stem_len > 0 && ((unsigned char)name[stem_len] & 0xC0) == 0x80)
            stem_len--;
    }
    if (stem_len == 0)
        return false;
    int n = snprintf(out, STORE_NAME_SIZE, "%.*s%s%s", (int)stem_len, name, suffix, ext);
    return n > 0 && n <= FIO_NAME_MAX_BYTES;
}

int store_free_name(struct req *r, const char *parent, const char *name, const char *type,
                    char out[STORE_NAME_SIZE])
{
    bool split_ext = strcmp(type, "folder") != 0;
    for (int k = 2; k < 2 + STORE_RENAME_MAX; k++) {
        char cand[STORE_NAME_SIZE];
        if (!rename_candidate(name, split_ext, k, cand) ||
            fio_name_check(cand, strlen(cand)) != FIO_NAME_OK)
            break;
        char sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
        int rc = store_find_sibling(r, parent, cand, NULL, sid, stype);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            memcpy(out, cand, STORE_NAME_SIZE);
            return 0;
        }
    }
    return req_fail(r, 409, API_ERR_CONFLICT,
                    "No free name like '%s (n)' is left in the target folder", name);
}

int store_place(struct req *r, const char *parent, const char *name, const char *type,
                const char *keep_id, int64_t now, char out[STORE_NAME_SIZE])
{
    char sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
    int rc = store_find_sibling(r, parent, name, NULL, sid, stype);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        fio_strlcpy(out, name, STORE_NAME_SIZE);
        return 0;
    }
    /* api §4.4: same-type non-folder content replaces (the old node goes to the trash, so it
     * can still be restored); folders are never merged and types never replace each other. */
    bool replace = strcmp(stype, type) == 0 && strcmp(type, "folder") != 0 &&
                   (!keep_id || strcmp(sid, keep_id) != 0);
    if (replace) {
        /* replacing a locked file is a write to it (store_check_lock, storage.h) */
        if (store_check_lock(r, sid) != 0 || store_trash(r, sid, parent, now) != 0)
            return -1;
        fio_strlcpy(out, name, STORE_NAME_SIZE);
        return 0;
    }
    return store_free_name(r, parent, name, type, out);
}

int store_trash(struct req *r, const char *id, const char *parent, int64_t now)
{
    /* The top node is detached from its parent (parent_id NULL): purging the old parent later
     * must not cascade into it, and restore uses deleted_from. */
    int rc = db_exec(r->db,
                     "UPDATE nodes SET trashed = 1, deleted_at = ?1, deleted_from = ?2, "
                     "parent_id = NULL WHERE workspace_id = ?3 AND id = ?4 AND trashed = 0",
                     "ittt", now, parent, r->ws.id, id);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "trash node");
    if (sqlite3_changes(r->db->db) != 1)
        return req_fail_internal(r, "trash node: not exactly one row");
    return 0;
}

int store_subtree_size(struct req *r, const char *id, int *height, long *count)
{
    sqlite3_stmt *st =
        db_query(r->db,
                 "WITH RECURSIVE d(id, depth) AS ("
                 " SELECT ?2, 0"
                 " UNION ALL"
                 " SELECT n.id, d.depth + 1 FROM nodes n JOIN d ON n.parent_id = d.id"
                 " WHERE n.workspace_id = ?1 AND d.depth < " XSTR(
                     STORE_WALK_LIMIT) ")"
                                       " SELECT MAX(depth), COUNT(*) FROM d",
                 "tt", r->ws.id, id);
    if (!st)
        return req_fail_internal(r, "subtree walk");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *height = sqlite3_column_int(st, 0);
        *count = (long)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return req_fail_internal(r, "subtree walk step");
    if (*height >= STORE_WALK_LIMIT)
        return req_fail_internal(r, "subtree too deep (cycle?)");
    return 0;
}
