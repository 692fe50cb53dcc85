/* SPDX-License-Identifier: MIT */
/* h_storage.c - storage handlers, workspace twin (api §4.2): list a folder or the trash with
 * keyset paging, node details (single and bulk), create folders, move, copy, rename/update,
 * trash, restore, purge and empty the trash. The router has already resolved the workspace
 * (r->ws), checked the caller's role and opened a transaction for writes; the tree primitives
 * are in storage_tree.c, the listings in storage_list.c, the paging cursor in cursor.c. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "events.h"
#include "storage.h"

#define BULK_MAX_IDS 25
#define BULK_ECHO_MAX 64
#define META_TITLE_MAX 50
#define META_SHORT_MAX 2048

/* ---- parameters ----------------------------------------------------------------------------- */

/* A node name parameter checked by the shared rules (reliability.md "Names and paths"). */
static const char *param_name(struct req *r, const char *pname)
{
    bool bad;
    const char *v = tree_param(r, pname, &bad);
    if (bad)
        return NULL;
    if (!v) {
        req_fail_param(r, pname, "missing", "The parameter '%s' is required", pname);
        return NULL;
    }
    enum fio_name_check c = fio_name_check(v, strlen(v));
    if (c != FIO_NAME_OK) {
        req_fail_param(r, pname, "invalid", "The name %s", fio_name_check_str(c));
        return NULL;
    }
    return v;
}

/* The {node} path argument (arg 1): "root" or a node id. Operations that cannot act on the root
 * pass root_what ("moved", ...) to refuse it. */
static int node_arg(struct req *r, const char *root_what, bool *is_root,
                    char id[FIO_OPAQUE_ID_SIZE])
{
    if (tree_parse_id(r, req_arg(r, 1), "node", is_root, id) != 0)
        return -1;
    if (*is_root && root_what)
        return req_fail_param(r, "node", "invalid", "The root folder cannot be %s", root_what);
    return 0;
}

static int not_found(struct req *r)
{
    return req_fail(r, 404, API_ERR_NOT_FOUND, "Node not found");
}

/* A live node by id (trashed, under a trashed folder, unknown or of another workspace: 404). */
static int live_node(struct req *r, const char *id, struct store_node *n)
{
    int rc = tree_node_get(r, id, NULL, n);
    if (rc < 0)
        return -1;
    if (rc == 0 || n->hidden)
        return not_found(r);
    return 0;
}

/* A destination or listed folder: the root, or a live folder. *child_depth receives the depth a
 * child placed in it would have. watch (may be NULL): a node that must be neither the folder
 * nor one of its ancestors (moving or copying a folder into itself). */
static int live_folder(struct req *r, bool is_root, const char *id, const char *param,
                       const char *watch, int *child_depth)
{
    if (is_root) {
        *child_depth = 0;
        return 0;
    }
    struct store_node f;
    int rc = tree_node_get(r, id, watch, &f);
    if (rc < 0)
        return -1;
    if (rc == 0 || f.hidden)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Folder not found");
    if (strcmp(f.type, "folder") != 0)
        return req_fail_param(r, param, "invalid", "The node '%s' is not a folder", f.id);
    if (watch && f.has_watch)
        return req_fail_param(r, param, "invalid",
                              "A folder cannot be moved or copied into itself or a subfolder");
    *child_depth = f.depth + 1;
    return 0;
}

/* Refuse a placement that would nest the subtree of id deeper than TREE_MAX_DEPTH. old_depth:
 * the node's current depth: its subtree already fits there, so only a deeper place needs the
 * (bounded) walk of the subtree. */
/* Audit-log hook (api §9.4): workspace_storage_{file|folder}_{verb} about node id. Returns 0,
 * or -1 with a 500 set. */
static int node_event(struct req *r, const char *type, const char *verb, const char *id,
                      const char *name)
{
    char ev[80];
    int w = snprintf(ev, sizeof(ev), "workspace_storage_%s_%s",
                     strcmp(type, "folder") == 0 ? "folder" : "file", verb);
    if (w < 0 || (size_t)w >= sizeof(ev))
        return req_fail_internal(r, "event name");
    return events_record(r, "node", "storage", ev, id,
                         name ? json_pack("{s:s}", "name", name) : NULL);
}

static int depth_check(struct req *r, const char *id, int old_depth, int new_depth)
{
    if (new_depth <= old_depth)
        return 0;
    int height = 0;
    long count = 0;
    if (tree_subtree_size(r, id, &height, &count) != 0)
        return -1;
    if (new_depth + height >= TREE_MAX_DEPTH)
        return req_fail_param(r, "parent", "invalid", "Folders nest at most %d levels deep",
                              TREE_MAX_DEPTH);
    return 0;
}

/* ---- listing (api §1.5 cursor style; storage_list.c) ------------------------------------ */

int h_st_list(struct req *r)
{
    bool is_root = false;
    char id[FIO_OPAQUE_ID_SIZE];
    int depth = 0;
    if (node_arg(r, NULL, &is_root, id) != 0)
        return -1;
    if (live_folder(r, is_root, id, "node", NULL, &depth) != 0)
        return -1;
    return tree_list(r, is_root ? TREE_ROOT : id, is_root ? NULL : id, false);
}

int h_st_trash_list(struct req *r)
{
    return tree_list(r, "trash", NULL, true);
}

/* ---- details (single and bulk) -------------------------------------------------------------- */

/* The node object of a node of this workspace (hidden ones included, marked deleted), or NULL:
 * *found tells unknown (false) from an error (true with r->err set). */
static json_t *details_one(struct req *r, const char *id, bool *found)
{
    struct store_node n;
    int rc = tree_node_get(r, id, NULL, &n);
    *found = rc != 0;
    if (rc <= 0)
        return NULL;
    return tree_render(r, id, n.hidden);
}

/* The id as the caller sent it, for errors[].node_id: bounded, and valid UTF-8 or "". */
static json_t *echo_id(const char *s, size_t n)
{
    json_t *v = json_stringn(s, n > BULK_ECHO_MAX ? BULK_ECHO_MAX : n);
    return v ? v : json_string("");
}

static int bulk_error(json_t *errors, const char *s, size_t n, long code, const char *message)
{
    json_t *e = json_pack("{s:o, s:I, s:s}", "node_id", echo_id(s, n), "code", (json_int_t)code,
                          "message", message);
    return e && json_array_append_new(errors, e) == 0 ? 0 : -1;
}

/* api §4.2 bulk details: 1-25 comma-separated ids, per-id errors, 404 with the same body when
 * none resolved. Nothing is dropped or merged: an empty element is a bad id and a repeated id is
 * answered twice, so node_count + error_count == requested_count. */
static int details_bulk(struct req *r, const char *list)
{
    size_t requested = 1;
    for (const char *p = list; *p; p++)
        requested += *p == ',';
    if (requested > BULK_MAX_IDS)
        return req_fail(r, 400, API_ERR_BULK_TOO_MANY, "At most %d node ids per request (got %zu)",
                        BULK_MAX_IDS, requested);
    json_t *nodes = json_array(), *errors = json_array();
    if (!nodes || !errors)
        goto oom;
    const char *p = list;
    for (size_t i = 0; i < requested; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char id[FIO_OPAQUE_ID_SIZE], type[3];
        if (!fio_opaque_id_normalize(p, len, id) || !fio_opaque_id_type(id, type, NULL) ||
            strcmp(type, FIO_ID_NODE) != 0) {
            if (bulk_error(errors, p, len, API_ERR_BULK_BAD_ID, "Invalid node id") != 0)
                goto oom;
        } else {
            bool found;
            json_t *o = details_one(r, id, &found);
            if (found && !o) {
                json_decref(nodes);
                json_decref(errors);
                return -1;
            }
            if (o) {
                if (json_array_append_new(nodes, o) != 0)
                    goto oom;
            } else if (bulk_error(errors, p, len, API_ERR_BULK_NOT_FOUND, "Node not found") != 0) {
                goto oom;
            }
        }
        p = comma ? comma + 1 : p + len;
    }
    size_t nn = json_array_size(nodes), ne = json_array_size(errors);
    if (req_set(r, "nodes", nodes) != 0) { /* req_set takes the value even when it fails */
        json_decref(errors);
        return -1;
    }
    if (req_set(r, "errors", errors) || req_set(r, "format", json_string("multi")) ||
        req_set(r, "node_count", json_integer((json_int_t)nn)) ||
        req_set(r, "error_count", json_integer((json_int_t)ne)) ||
        req_set(r, "requested_count", json_integer((json_int_t)requested)))
        return -1;
    if (nn == 0) /* the keys set above are rendered in the error envelope too (http.c) */
        return req_fail(r, 404, API_ERR_BULK_NOT_FOUND, "None of the requested nodes was found");
    return 0;
oom:
    json_decref(nodes);
    json_decref(errors);
    return req_fail(r, 500, 0, "Out of memory");
}

int h_st_details(struct req *r)
{
    const char *arg = req_arg(r, 1);
    if (arg && strchr(arg, ','))
        return details_bulk(r, arg);
    bool is_root;
    char id[FIO_OPAQUE_ID_SIZE];
    if (node_arg(r, NULL, &is_root, id) != 0)
        return -1;
    if (is_root)
        return req_fail_param(r, "node", "invalid",
                              "The root folder has no details; list it with /storage/root/list/");
    bool found;
    json_t *o = details_one(r, id, &found);
    if (!o)
        return found ? -1 : not_found(r);
    if (req_set(r, "format", json_string("single")) != 0) {
        json_decref(o);
        return -1;
    }
    return req_set(r, "node", o);
}

/* ---- create, move, copy, update ------------------------------------------------------------- */

int h_st_createfolder(struct req *r)
{
    bool is_root = false, force = false;
    char pid[FIO_OPAQUE_ID_SIZE];
    int depth = 0;
    if (node_arg(r, NULL, &is_root, pid) != 0)
        return -1;
    const char *name = param_name(r, "name");
    if (!name || !req_param_bool(r, "force", false, &force))
        return -1;
    if (live_folder(r, is_root, pid, "node", NULL, &depth) != 0)
        return -1;
    if (depth >= TREE_MAX_DEPTH)
        return req_fail_param(r, "node", "invalid", "Folders nest at most %d levels deep",
                              TREE_MAX_DEPTH);
    const char *parent = is_root ? NULL : pid;
    char final[STORE_NAME_SIZE], sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
    int rc = tree_find_sibling(r, parent, name, NULL, sid, stype);
    if (rc < 0)
        return -1;
    fio_strlcpy(final, name, sizeof(final));
    if (rc == 1) {
        if (!force) {
            /* idempotent by default (api §4.2): the existing folder is the answer */
            if (strcmp(stype, "folder") != 0)
                return req_fail(r, 409, API_ERR_CONFLICT,
                                "A %s with this name already exists in the folder", stype);
            if (tree_reply_node(r, sid, false) != 0)
                return -1;
            return req_set(r, "created", json_false());
        }
        if (tree_free_name(r, parent, name, "folder", final) != 0)
            return -1;
    }
    char id[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_NODE, id))
        return req_fail_internal(r, "node id");
    int64_t now = srv_now_us();
    if (STORE(r->st, node)
            ->folder_insert(r->st, r->ws.id, id, parent, final, r->caller.user_id, now) != STORE_OK)
        return req_fail_internal(r, "insert folder");
    if (node_event(r, "folder", "added", id, final) != 0 || tree_reply_node(r, id, false) != 0)
        return -1;
    return req_set(r, "created", json_true());
}

/* Common start of move and copy: the node (live, not the root) and the target folder. */
struct relocate {
    struct store_node node;
    bool to_root;
    char target[FIO_OPAQUE_ID_SIZE];
    int depth; /* depth of the node at the target */
};

static int relocate_begin(struct req *r, const char *what, struct relocate *rl)
{
    memset(rl, 0, sizeof(*rl));
    bool is_root;
    char id[FIO_OPAQUE_ID_SIZE];
    bool bad;
    if (node_arg(r, what, &is_root, id) != 0)
        return -1;
    const char *ptext = tree_param(r, "parent", &bad);
    if (bad)
        return -1;
    if (!ptext || !*ptext)
        return req_fail_param(r, "parent", "missing", "The parameter 'parent' is required");
    if (tree_parse_id(r, ptext, "parent", &rl->to_root, rl->target) != 0)
        return -1;
    if (live_node(r, id, &rl->node) != 0)
        return -1;
    return live_folder(r, rl->to_root, rl->target, "parent", rl->node.id, &rl->depth);
}

int h_st_move(struct req *r)
{
    struct relocate rl;
    if (relocate_begin(r, "moved", &rl) != 0 || tree_check_lock(r, rl.node.id) != 0)
        return -1;
    const char *target = rl.to_root ? NULL : rl.target;
    if (strcmp(rl.node.parent_id, target ? target : "") == 0)
        return tree_reply_node(r, rl.node.id, false); /* already there: nothing changes */
    if (depth_check(r, rl.node.id, rl.node.depth, rl.depth) != 0)
        return -1;
    int64_t now = srv_now_us();
    char final[STORE_NAME_SIZE];
    if (tree_place(r, target, rl.node.name, rl.node.type, rl.node.id, now, final) != 0)
        return -1;
    if (STORE(r->st, node)->node_move(r->st, r->ws.id, rl.node.id, target, final, now) != STORE_OK)
        return req_fail_internal(r, "move node");
    if (node_event(r, rl.node.type, "moved", rl.node.id, final) != 0)
        return -1;
    return tree_reply_node(r, rl.node.id, false);
}

struct copy_item {
    char old_id[FIO_OPAQUE_ID_SIZE];
    char old_parent[FIO_OPAQUE_ID_SIZE];
    char new_id[FIO_OPAQUE_ID_SIZE];
};

static int cmp_old_id(const void *a, const void *b)
{
    const struct copy_item *const *x = a, *const *y = b;
    return strcmp((*x)->old_id, (*y)->old_id);
}

/* The new id of the copy of old_id, via the index sorted by old id; NULL when not copied. */
static const char *copy_lookup(struct copy_item **index, size_t n, const char *old_id)
{
    struct copy_item key, *kp = &key;
    fio_strlcpy(key.old_id, old_id, sizeof(key.old_id));
    struct copy_item **hit = bsearch(&kp, index, n, sizeof(struct copy_item *), cmp_old_id);
    return hit ? (*hit)->new_id : NULL;
}

/* store_walk_fn of copy_load: one item per node, the height seen so far. */
struct copy_walk {
    struct copy_item *items;
    size_t n;
    int height;
};

static int copy_item_add(const char *id, const char *parent_id, int depth, void *arg)
{
    struct copy_walk *w = arg;
    struct copy_item *it = &w->items[w->n++];
    fio_strlcpy(it->old_id, id, sizeof(it->old_id));
    fio_strlcpy(it->old_parent, parent_id, sizeof(it->old_parent));
    if (depth > w->height)
        w->height = depth;
    return 0;
}

/* Load the subtree of id breadth-first (parents before children), at most max rows. */
static int copy_load(struct req *r, const char *id, struct copy_item *items, size_t max,
                     size_t *count, int *height)
{
    struct copy_walk w = {.items = items, .n = 0, .height = 0};
    if (STORE(r->st, node)->subtree_walk(r->st, r->ws.id, id, (long)max, copy_item_add, &w) !=
        STORE_OK)
        return req_fail_internal(r, "copy walk");
    *count = w.n;
    *height = w.height;
    return 0;
}

int h_st_copy(struct req *r)
{
    struct relocate rl;
    if (relocate_begin(r, "copied", &rl) != 0)
        return -1;
    const char *target = rl.to_root ? NULL : rl.target;
    /* one extra row tells "too many" from "exactly the maximum" */
    size_t cap = TREE_COPY_MAX + 1, n = 0;
    struct copy_item *items = calloc(cap, sizeof(*items));
    struct copy_item **index = calloc(cap, sizeof(struct copy_item *));
    int ret = -1, height = 0;
    if (!items || !index) {
        req_fail(r, 500, 0, "Out of memory");
        goto done;
    }
    if (copy_load(r, rl.node.id, items, cap, &n, &height) != 0)
        goto done;
    if (n == 0 || strcmp(items[0].old_id, rl.node.id) != 0) {
        req_fail_internal(r, "copy walk: source missing");
        goto done;
    }
    if (n > TREE_COPY_MAX) {
        req_fail_param(r, "node", "invalid", "A copy may create at most %d nodes per request",
                       TREE_COPY_MAX);
        goto done;
    }
    if (rl.depth + height >= TREE_MAX_DEPTH) {
        req_fail_param(r, "parent", "invalid", "Folders nest at most %d levels deep",
                       TREE_MAX_DEPTH);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!fio_opaque_id_new(FIO_ID_NODE, items[i].new_id)) {
            req_fail_internal(r, "node id");
            goto done;
        }
        index[i] = &items[i];
    }
    qsort(index, n, sizeof(struct copy_item *), cmp_old_id);

    int64_t now = srv_now_us();
    char final[STORE_NAME_SIZE];
    if (tree_place(r, target, rl.node.name, rl.node.type, rl.node.id, now, final) != 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        const char *parent = target, *name = final;
        if (i > 0) {
            parent = copy_lookup(index, n, items[i].old_parent);
            name = NULL; /* descendants keep their names: their new parents are empty */
            if (!parent) {
                req_fail_internal(r, "copy: parent not copied before child");
                goto done;
            }
        }
        /* The copy is new content of the caller: new id, creator and timestamps; the rest
         * (size, hash, version, metadata) is the source's. */
        if (STORE(r->st, node)
                ->node_copy(r->st, r->ws.id, items[i].old_id, items[i].new_id, parent, name,
                            r->caller.user_id, now) != STORE_OK) {
            req_fail_internal(r, "copy insert");
            goto done;
        }
    }
    if (node_event(r, rl.node.type, "copied", items[0].new_id, final) == 0)
        ret = tree_reply_node(r, items[0].new_id, false);
done:
    free(items);
    free(index);
    return ret;
}

/* A metadata field: absent (*set false), cleared by "" or "null" (*set true, *out NULL), or a
 * new value (*out owned, free()): valid UTF-8, at most max characters once control characters
 * other than tab and newlines are removed (api §1.2). */
static int meta_param(struct req *r, const char *pname, size_t max, bool *set, char **out)
{
    bool bad;
    const char *v = tree_param(r, pname, &bad);
    *set = false;
    *out = NULL;
    if (bad)
        return -1;
    if (!v)
        return 0;
    *set = true;
    if (!*v || strcmp(v, "null") == 0)
        return 0;
    size_t len = strlen(v);
    if (!fio_utf8_valid(v, len))
        return req_fail_param(r, pname, "invalid", "The parameter '%s' is not valid UTF-8", pname);
    char *s = malloc(len + 1);
    if (!s)
        return req_fail(r, 500, 0, "Out of memory");
    size_t o = 0, chars = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        bool c0 = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
        bool c1 = c == 0xc2 && i + 1 < len && (unsigned char)v[i + 1] >= 0x80 &&
                  (unsigned char)v[i + 1] <= 0x9f;
        if (c0)
            continue;
        if (c1) {
            i++;
            continue;
        }
        if ((c & 0xc0) != 0x80)
            chars++;
        s[o++] = (char)c;
    }
    s[o] = '\0';
    if (chars > max) {
        free(s);
        return req_fail_param(r, pname, "invalid",
                              "The parameter '%s' is longer than %zu characters", pname, max);
    }
    *out = s;
    return 0;
}

int h_st_update(struct req *r)
{
    bool is_root, bad, set_title = false, set_short = false;
    char id[FIO_OPAQUE_ID_SIZE];
    char *title = NULL, *shortd = NULL;
    int ret = -1;
    if (node_arg(r, "updated", &is_root, id) != 0)
        return -1;
    const char *from = tree_param(r, "from", &bad);
    if (bad)
        return -1;
    if (from) /* content versions arrive with uploads (api §5); until then say so plainly */
        return req_fail_param(r, "from", "invalid",
                              "content versions via 'from' are not supported yet");
    const char *name = NULL;
    if (req_param(r, "name")) {
        name = param_name(r, "name");
        if (!name)
            return -1;
    }
    if (meta_param(r, "metadata_title", META_TITLE_MAX, &set_title, &title) != 0 ||
        meta_param(r, "metadata_short", META_SHORT_MAX, &set_short, &shortd) != 0)
        goto done;
    if (!name && !set_title && !set_short) {
        req_fail_param(r, "name", "missing",
                       "At least one of name, metadata_title, metadata_short is required");
        goto done;
    }
    struct store_node n;
    if (live_node(r, id, &n) != 0 || tree_check_lock(r, n.id) != 0)
        goto done;
    const char *parent = n.parent_id[0] ? n.parent_id : NULL;
    if (name && strcmp(name, n.name) != 0) {
        char sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
        int rc = tree_find_sibling(r, parent, name, n.id, sid, stype);
        if (rc < 0)
            goto done;
        if (rc == 1) { /* api §1.4: a rename conflict is 400 / 1605 */
            req_fail_param(r, "name", "invalid", "A %s with this name already exists in the folder",
                           stype);
            goto done;
        }
    }
    struct store_node_update u = {.name = name,
                                  .set_title = set_title,
                                  .title = title,
                                  .set_short = set_short,
                                  .short_desc = shortd};
    if (STORE(r->st, node)->node_update(r->st, r->ws.id, n.id, &u, srv_now_us()) != STORE_OK) {
        req_fail_internal(r, "update node");
        goto done;
    }
    if (node_event(r, n.type, name && strcmp(name, n.name) != 0 ? "renamed" : "updated", n.id,
                   name ? name : n.name) != 0)
        goto done;
    ret = tree_reply_node(r, n.id, false);
done:
    free(title);
    free(shortd);
    return ret;
}

/* ---- trash ---------------------------------------------------------------------------------- */

int h_st_delete(struct req *r)
{
    bool is_root;
    char id[FIO_OPAQUE_ID_SIZE];
    struct store_node n;
    if (node_arg(r, "deleted", &is_root, id) != 0 || live_node(r, id, &n) != 0 ||
        tree_check_lock_tree(r, n.id) != 0)
        return -1;
    if (tree_trash(r, n.id, n.parent_id[0] ? n.parent_id : NULL, srv_now_us()) != 0 ||
        node_event(r, n.type, "deleted", n.id, n.name) != 0)
        return -1;
    return tree_reply_node(r, n.id, false);
}

/* A node that is the top of a trashed subtree (restore, purge). */
static int trashed_node(struct req *r, const char *what, struct store_node *n)
{
    bool is_root;
    char id[FIO_OPAQUE_ID_SIZE];
    if (node_arg(r, what, &is_root, id) != 0)
        return -1;
    int rc = tree_node_get(r, id, NULL, n);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return not_found(r);
    if (n->hidden && !n->trashed)
        return req_fail_param(r, "node", "invalid",
                              "The node is inside a trashed folder; only that folder can be %s",
                              what);
    if (!n->trashed)
        return req_fail_param(r, "node", "invalid", "The node is not in the trash");
    return 0;
}

int h_st_restore(struct req *r)
{
    struct store_node n;
    if (trashed_node(r, "restored", &n) != 0)
        return -1;
    /* Back where it was deleted from when that folder is still live, else to the root. */
    const char *target = NULL;
    int depth = 0;
    if (n.deleted_from[0]) {
        struct store_node f;
        int rc = tree_node_get(r, n.deleted_from, NULL, &f);
        if (rc < 0)
            return -1;
        if (rc == 1 && !f.hidden && strcmp(f.type, "folder") == 0 && f.depth + 1 < TREE_MAX_DEPTH) {
            target = n.deleted_from;
            depth = f.depth + 1;
        }
    }
    if (depth_check(r, n.id, 0, depth) != 0)
        return -1;
    int64_t now = srv_now_us();
    char final[STORE_NAME_SIZE];
    if (tree_place(r, target, n.name, n.type, n.id, now, final) != 0)
        return -1;
    if (STORE(r->st, node)->node_restore(r->st, r->ws.id, n.id, target, final, now) != STORE_OK)
        return req_fail_internal(r, "restore node");
    if (node_event(r, n.type, "restored", n.id, final) != 0)
        return -1;
    return tree_reply_node(r, n.id, false);
}

int h_st_purge(struct req *r)
{
    struct store_node n;
    if (trashed_node(r, "purged", &n) != 0 || tree_check_lock_tree(r, n.id) != 0)
        return -1;
    /* Descendants go with it (ON DELETE CASCADE); their blobs no row names any more are
     * unlinked once the transaction ends (blob.h reclaim, reliability.md I5). */
    if (blob_reclaim_collect(r, BLOB_RECLAIM_SUBTREE, n.id) != 0)
        return -1;
    if (STORE(r->st, node)->node_purge(r->st, r->ws.id, n.id) != STORE_OK)
        return req_fail_internal(r, "purge node");
    if (blob_reclaim_prune(r) != 0)
        return -1;
    return node_event(r, n.type, "purged", n.id, n.name);
}

int h_st_trash_empty(struct req *r)
{
    if (blob_reclaim_collect(r, BLOB_RECLAIM_TRASH, NULL) != 0)
        return -1;
    long purged = 0; /* the top-level trashed nodes, not their cascaded descendants */
    if (STORE(r->st, node)->trash_empty(r->st, r->ws.id, &purged) != STORE_OK)
        return req_fail_internal(r, "empty trash");
    if (blob_reclaim_prune(r) != 0)
        return -1;
    return req_set(r, "purged", json_integer(purged));
}
