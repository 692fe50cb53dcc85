/* SPDX-License-Identifier: MIT */
/* storage_list.c - folder and trash listings with keyset paging (api §1.5 "Cursor style",
 * §4.2): the query parameters, one page from the store (store_node_ops.list_page), and the
 * next_cursor of a page (cursor.c). Keyset paging keeps pages stable while nodes are added or
 * removed, and every page is an index range scan whatever its position. */
#include "storage.h"

#include <string.h>

#include "cursor.h"

#define LIST_PAGE_DEFAULT 100

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
    const char *v = tree_param(r, "sort_by", &bad);
    if (bad)
        return -1;
    lp->sort = CURSOR_SORT_NAME;
    if (v && *v && !cursor_sort_parse(v, &lp->sort))
        return req_fail_param(r, "sort_by", "invalid",
                              "sort_by must be one of name, updated, created, type");
    v = tree_param(r, "sort_dir", &bad);
    if (bad)
        return -1;
    lp->desc = false;
    if (v && *v) {
        if (strcmp(v, "desc") == 0)
            lp->desc = true;
        else if (strcmp(v, "asc") != 0)
            return req_fail_param(r, "sort_dir", "invalid", "sort_dir must be asc or desc");
    }
    v = tree_param(r, "page_size", &bad);
    if (bad)
        return -1;
    lp->page_size = LIST_PAGE_DEFAULT;
    if (v) { /* present: a number ("page_size=" is no default) */
        long long n = 0;
        /* api §12: only 100, 250 and 500 are accepted */
        if (!fio_parse_ll(v, 1, 500, &n) || (n != 100 && n != 250 && n != 500))
            return req_fail_param(r, "page_size", "invalid", "page_size must be 100, 250 or 500");
        lp->page_size = (int)n;
    }
    lp->cursor = tree_param(r, "cursor", &bad);
    return bad ? -1 : 0;
}

/* store_node_fn of a page: render each row and remember the last one for the cursor; the
 * row after a full page only says that there are more. */
struct page_ctx {
    const struct list_params *lp;
    json_t *nodes;
    struct cursor last;
    int n;
    bool more, failed;
};

static int page_row(const struct store_node_row *row, void *arg)
{
    struct page_ctx *p = arg;
    if (p->n == p->lp->page_size) {
        p->more = true;
        return 1;
    }
    json_t *o = tree_row_json(row, false);
    bool ok = o && json_array_append_new(p->nodes, o) == 0;
    ok = ok && fio_strlcpy(p->last.id, row->id, sizeof(p->last.id)) &&
         fio_strlcpy(p->last.name, row->name, sizeof(p->last.name)) &&
         fio_strlcpy(p->last.type, row->type, sizeof(p->last.type));
    p->last.time = p->lp->sort == CURSOR_SORT_CREATED ? row->created : row->modified;
    p->n++;
    if (!ok) {
        p->failed = true;
        return 1;
    }
    return 0;
}

/* Run one page of a listing and set {nodes, next_cursor}. */
static int list_page(struct req *r, const struct list_params *lp, const char *scope,
                     const char *parent, bool trash)
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
    struct page_ctx p;
    memset(&p, 0, sizeof(p));
    p.lp = lp;
    p.nodes = json_array();
    /* one row more than a page: are there more pages? */
    if (!p.nodes ||
        STORE(r->st, node)
                ->list_page(r->st, r->ws.id, parent, trash, lp->sort, lp->desc,
                            have_cursor ? &after : NULL, lp->page_size + 1, page_row,
                            &p) != STORE_OK ||
        p.failed) {
        json_decref(p.nodes);
        return req_fail_internal(r, "list rows");
    }
    json_t *nodes = p.nodes;
    struct cursor last = p.last;
    bool more = p.more;
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

int tree_list(struct req *r, const char *scope, const char *parent, bool trash)
{
    struct list_params lp;
    if (list_params_parse(r, &lp) != 0)
        return -1;
    return list_page(r, &lp, scope, parent, trash);
}
