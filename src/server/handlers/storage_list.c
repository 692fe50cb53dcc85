/* storage_list.c - folder and trash listings with keyset paging (api §1.5 "Cursor style",
 * §4.2): the query parameters, one prepared statement per order, and the next_cursor of a page
 * (cursor.c). Keyset paging keeps pages stable while nodes are added or removed, and every page
 * is an index range scan whatever its position. */
#include "storage.h"

#include <string.h>

#include "cursor.h"

#define LIST_PAGE_DEFAULT 100

/* One statement per (sort, direction, first page or not): the statement cache keys on the SQL
 * pointer, and each keyset predicate needs its own index range. Parameters: ?1 workspace,
 * ?2 parent (NULL: root or trash), ?3 trashed (0 folder listing, 1 trash), ?4 ?5 key values of
 * the cursor row, ?6 its id, ?7 row limit. Trashed top nodes are detached (parent NULL), so the
 * trash is "parent IS NULL AND trashed = 1" and shares the indexes of the listings. */
#define LIST_SELECT                                                                                \
    "SELECT " STORE_NODE_COLS " FROM nodes n WHERE n.workspace_id = ?1 AND n.parent_id IS ?2 "     \
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

struct list_params {
    enum cursor_sort sort;
    bool desc;
    int page_size;
    const char *cursor; /* NULL or "" = first page */
};

static int list_params_parse(struct req *r, struct list_params *lp)
{
    memset(lp, 0, sizeof(*lp));
    bool bad;
    const char *v = store_param(r, "sort_by", &bad);
    if (bad)
        return -1;
    lp->sort = CURSOR_SORT_NAME;
    if (v && *v && !cursor_sort_parse(v, &lp->sort))
        return req_fail_param(r, "sort_by", "invalid",
                              "sort_by must be one of name, updated, created, type");
    v = store_param(r, "sort_dir", &bad);
    if (bad)
        return -1;
    lp->desc = false;
    if (v && *v) {
        if (strcmp(v, "desc") == 0)
            lp->desc = true;
        else if (strcmp(v, "asc") != 0)
            return req_fail_param(r, "sort_dir", "invalid", "sort_dir must be asc or desc");
    }
    v = store_param(r, "page_size", &bad);
    if (bad)
        return -1;
    lp->page_size = LIST_PAGE_DEFAULT;
    if (v && *v) {
        long long n = 0;
        /* api §12: only 100, 250 and 500 are accepted */
        if (!fio_parse_ll(v, 1, 500, &n) || (n != 100 && n != 250 && n != 500))
            return req_fail_param(r, "page_size", "invalid", "page_size must be 100, 250 or 500");
        lp->page_size = (int)n;
    }
    lp->cursor = store_param(r, "cursor", &bad);
    return bad ? -1 : 0;
}

/* Run one page of a listing and set {nodes, next_cursor}. */
static int list_page(struct req *r, const struct list_params *lp, const char *scope,
                     const char *parent, int trashed)
{
    struct cursor after;
    bool have_cursor = lp->cursor && *lp->cursor;
    if (have_cursor) {
        enum cursor_status cs =
            cursor_decode(lp->cursor, strlen(lp->cursor), lp->sort, lp->desc, scope, &after);
        if (cs == CURSOR_MISMATCH)
            return req_fail_param(r, "cursor", "invalid",
                                  "The cursor belongs to another listing (folder, sort_by or "
                                  "sort_dir differ)");
        if (cs != CURSOR_OK)
            return req_fail_param(r, "cursor", "invalid", "The cursor is invalid");
    }
    sqlite3_stmt *st = db_query(r->db, LIST_SQL[lp->sort][lp->desc][have_cursor], "ttd", r->ws.id,
                                parent, trashed);
    if (!st)
        return req_fail_internal(r, "list prepare");
    int brc = SQLITE_OK;
    if (have_cursor) {
        if (lp->sort == CURSOR_SORT_UPDATED || lp->sort == CURSOR_SORT_CREATED) {
            brc = sqlite3_bind_int64(st, 4, after.time);
        } else if (lp->sort == CURSOR_SORT_TYPE) {
            brc = sqlite3_bind_text(st, 4, after.type, -1, SQLITE_TRANSIENT);
            if (brc == SQLITE_OK)
                brc = sqlite3_bind_text(st, 5, after.name, -1, SQLITE_TRANSIENT);
        } else {
            brc = sqlite3_bind_text(st, 4, after.name, -1, SQLITE_TRANSIENT);
        }
        if (brc == SQLITE_OK)
            brc = sqlite3_bind_text(st, 6, after.id, -1, SQLITE_TRANSIENT);
    }
    if (brc == SQLITE_OK)
        brc = sqlite3_bind_int(st, 7, lp->page_size + 1); /* one more: are there more pages? */
    if (brc != SQLITE_OK) {
        sqlite3_reset(st);
        return req_fail_internal(r, "list bind");
    }

    json_t *nodes = json_array();
    struct cursor last;
    memset(&last, 0, sizeof(last));
    int n = 0, rc = SQLITE_DONE;
    bool more = false, ok = nodes != NULL;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == lp->page_size) {
            more = true;
            break;
        }
        json_t *o = store_row_json(st, false);
        ok = o && json_array_append_new(nodes, o) == 0;
        ok = ok && fio_strlcpy(last.id, db_col_text(st, STORE_COL_ID), sizeof(last.id)) &&
             fio_strlcpy(last.name, db_col_text(st, STORE_COL_NAME), sizeof(last.name)) &&
             fio_strlcpy(last.type, db_col_text(st, STORE_COL_TYPE), sizeof(last.type));
        last.time = sqlite3_column_int64(st, lp->sort == CURSOR_SORT_CREATED ? STORE_COL_CREATED
                                                                             : STORE_COL_MODIFIED);
        n++;
    }
    if (ok && !more && rc != SQLITE_DONE)
        ok = false;
    sqlite3_reset(st);
    if (!ok) {
        json_decref(nodes);
        return req_fail_internal(r, "list rows");
    }
    json_t *next = json_null();
    if (more) {
        char text[CURSOR_TEXT_SIZE];
        last.sort = lp->sort;
        last.desc = lp->desc;
        fio_strlcpy(last.scope, scope, sizeof(last.scope));
        if (!cursor_encode(&last, text, sizeof(text))) {
            json_decref(nodes);
            return req_fail_internal(r, "cursor encode");
        }
        next = json_string(text);
    }
    if (req_set(r, "nodes", nodes) != 0) {
        json_decref(next);
        return -1;
    }
    return req_set(r, "next_cursor", next);
}

int store_list(struct req *r, const char *scope, const char *parent, bool trash)
{
    struct list_params lp;
    if (list_params_parse(r, &lp) != 0)
        return -1;
    return list_page(r, &lp, scope, parent, trash ? 1 : 0);
}
