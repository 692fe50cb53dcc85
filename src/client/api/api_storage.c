/* SPDX-License-Identifier: MIT */
/* api_storage.c - the typed storage wrappers of fastio.h (api §4.2): listings with cursor
 * paging, node details single and bulk, folder creation, move, copy, rename, trash. The plain
 * ones are one fio_row_call() each (api.c): values in the row's parameter order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "client.h"
#include "envelope.h"

#define BULK_MAX_IDS 25 /* api §4.2: more is 400/115519 */

/* ---- storage (api §4.2) ------------------------------------------------------------------ */

/* The nodes of a listing, OWNED. The key is not certain (api §13.1): "nodes" first, then the
 * collection keys other lists use. A map keyed by id (the shape of search results) becomes
 * an array of its values. No key at all is a protocol error rather than a silently empty
 * folder. */
static enum fastio_status take_nodes(json_t *resp, json_t **out, struct fastio_error *err)
{
    static const char *const keys[] = {"nodes", "items", "files", "results"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(resp, keys[i]);
        const char *k;
        json_t *node;
        if (v == NULL)
            continue;
        if (!json_is_object(v))
            return fio_api_take_array(resp, keys[i], out, err);
        *out = json_array();
        if (*out == NULL)
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
        json_object_foreach(v, k, node)
        {
            if (json_array_append(*out, node) != 0) {
                json_decref(*out);
                *out = NULL;
                return fio_error_set(err, FASTIO_NOMEM, "out of memory");
            }
        }
        return FASTIO_OK;
    }
    return fio_api_protocol(err, "listing response has no nodes");
}

/* next_cursor at the top level or inside "pagination"; "" and null mean "last page". */
static enum fastio_status take_cursor(json_t *resp, char **out, struct fastio_error *err)
{
    const json_t *v = json_object_get(resp, "next_cursor");
    if (v == NULL)
        v = json_object_get(json_object_get(resp, "pagination"), "next_cursor");
    if (json_is_string(v) && json_string_length(v) > 0) {
        *out = fio_strdup(json_string_value(v));
        if (*out == NULL)
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    return FASTIO_OK;
}

/* A listing row: its path arguments, then the cursor paging values (api §1.5) in row order
 * (sort_by, sort_dir, page_size, cursor); only what the caller set is sent. */
static enum fastio_status list_nodes(struct fastio_client *c, enum fastio_endpoint ep,
                                     const char *const *args, size_t n_args,
                                     const struct fastio_list_opts *o, json_t **nodes,
                                     char **next_cursor, struct fastio_error *err)
{
    char size[24];
    const char *v[6] = {NULL};
    json_t *resp = NULL;
    json_t *list = NULL;
    char *cursor = NULL;
    enum fastio_status st;

    if (nodes != NULL)
        *nodes = NULL;
    if (next_cursor != NULL)
        *next_cursor = NULL;
    for (size_t k = 0; k < n_args; k++)
        v[k] = args[k];
    if (o != NULL) {
        v[n_args] = o->sort_by;
        v[n_args + 1] = o->sort_dir;
        if (o->page_size > 0) {
            int w = snprintf(size, sizeof(size), "%d", o->page_size);
            (void)w; /* an int always fits */
            v[n_args + 2] = size;
        }
        if (o->cursor != NULL && o->cursor[0] != '\0')
            v[n_args + 3] = o->cursor;
    }
    st = fio_row_call(c, ep, v, n_args + 4, NULL, FIO_ROW_WHOLE, &resp, err);
    if (st == FASTIO_OK)
        st = take_nodes(resp, &list, err);
    if (st == FASTIO_OK && next_cursor != NULL)
        st = take_cursor(resp, &cursor, err);
    json_decref(resp);
    if (st != FASTIO_OK) {
        json_decref(list);
        return st;
    }
    if (nodes != NULL)
        *nodes = list;
    else
        json_decref(list);
    if (next_cursor != NULL)
        *next_cursor = cursor;
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_storage_list(struct fastio_client *c, const char *ws,
                                                  const char *folder,
                                                  const struct fastio_list_opts *o, json_t **nodes,
                                                  char **next_cursor, struct fastio_error *err)
{
    const char *args[2] = {ws, folder != NULL ? folder : "root"};
    if (ws == NULL) {
        if (nodes != NULL)
            *nodes = NULL;
        if (next_cursor != NULL)
            *next_cursor = NULL;
        return fio_error_set(err, FASTIO_INVALID, "workspace is required");
    }
    return list_nodes(c, FASTIO_EP_STORAGE_LIST, args, 2, o, nodes, next_cursor, err);
}

FASTIO_API enum fastio_status fastio_storage_trash_list(struct fastio_client *c, const char *ws,
                                                        const struct fastio_list_opts *o,
                                                        json_t **nodes, char **next_cursor,
                                                        struct fastio_error *err)
{
    if (ws == NULL) {
        if (nodes != NULL)
            *nodes = NULL;
        if (next_cursor != NULL)
            *next_cursor = NULL;
        return fio_error_set(err, FASTIO_INVALID, "workspace is required");
    }
    return list_nodes(c, FASTIO_EP_STORAGE_TRASH_LIST, &ws, 1, o, nodes, next_cursor, err);
}

FASTIO_API enum fastio_status fastio_storage_details(struct fastio_client *c, const char *ws,
                                                     const char *node, json_t **out,
                                                     struct fastio_error *err)
{
    const char *args[2] = {ws, node};
    json_t *resp = NULL;
    json_t *v;
    enum fastio_status st;

    if (out != NULL)
        *out = NULL;
    if (ws == NULL || node == NULL)
        return fio_error_set(err, FASTIO_INVALID, "workspace and node are required");
    st = fastio_call(c, FASTIO_EP_STORAGE_DETAILS, args, 2, NULL, 0, &resp, err);
    if (st != FASTIO_OK)
        return st;
    /* api §4.2: format "single" carries "node"; should the server answer in the "multi" shape
     * anyway, the one node is nodes[0]. */
    v = json_object_get(resp, "node");
    if (!json_is_object(v)) {
        json_t *nodes = json_object_get(resp, "nodes");
        v = json_is_array(nodes) ? json_array_get(nodes, 0) : NULL;
        if (json_is_array(nodes) && !json_is_object(v)) {
            json_decref(resp);
            if (err != NULL) {
                fastio_error_clear(err);
                err->status = FASTIO_NOT_FOUND;
                err->http_status = 200;
                (void)fio_strlcpy(err->message, "node not found", sizeof(err->message));
            }
            return FASTIO_NOT_FOUND;
        }
        if (v == NULL)
            v = resp; /* a flattened node: hand out the body as it is */
    }
    if (out != NULL)
        *out = json_incref(v);
    json_decref(resp);
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_storage_details_bulk(struct fastio_client *c, const char *ws,
                                                          const char *const *ids, size_t n_ids,
                                                          json_t **out, struct fastio_error *err)
{
    struct fio_buf joined;
    const char *args[2];
    json_t *resp = NULL;
    enum fastio_status st;
    bool ok = true;

    if (out != NULL)
        *out = NULL;
    if (ws == NULL || ids == NULL || n_ids == 0 || n_ids > BULK_MAX_IDS)
        return fio_error_set(err, FASTIO_INVALID, "bulk details take 1 to 25 node ids");
    for (size_t i = 0; i < n_ids; i++) {
        if (ids[i] == NULL || ids[i][0] == '\0' || strchr(ids[i], ',') != NULL)
            return fio_error_set(err, FASTIO_INVALID,
                                 "node ids must be non-empty and contain no ','");
    }
    /* api §4.2: one path segment "id1,id2,..." with literal commas. A single id is sent as
     * "id,id", as the official CLI does, so the answer has the "multi" shape promised. */
    fio_buf_init(&joined, 0);
    for (size_t i = 0; i < n_ids && ok; i++)
        ok = (i == 0 || fio_buf_append(&joined, ",", 1)) && fio_buf_append_str(&joined, ids[i]);
    if (ok && n_ids == 1)
        ok = fio_buf_append(&joined, ",", 1) && fio_buf_append_str(&joined, ids[0]);
    if (!ok) {
        fio_buf_release(&joined);
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    args[0] = ws;
    args[1] = joined.data;
    /* fio_client_call keeps the body of a failure: "all ids failed" is a 404 whose body still
     * lists the per-id errors. */
    st = fio_client_call(c, FASTIO_EP_STORAGE_DETAILS, args, 2, NULL, 0, NULL,
                         out != NULL ? &resp : NULL, err);
    fio_buf_release(&joined);
    if (st == FASTIO_OK || st == FASTIO_NOT_FOUND) {
        if (out != NULL)
            *out = resp;
        else
            json_decref(resp);
    } else {
        json_decref(resp);
    }
    return st;
}

FASTIO_API enum fastio_status fastio_storage_create_folder(struct fastio_client *c, const char *ws,
                                                           const char *parent, const char *name,
                                                           bool force, json_t **node,
                                                           struct fastio_error *err)
{
    /* without force the call is idempotent (returns the existing folder); force auto-renames */
    const char *v[] = {ws, parent != NULL ? parent : "root", name, force ? "true" : NULL};
    return fio_row_call(c, FASTIO_EP_STORAGE_CREATE_FOLDER, v, 4, NULL, FIO_ROW_VALUE, node, err);
}

FASTIO_API enum fastio_status fastio_storage_move(struct fastio_client *c, const char *ws,
                                                  const char *node, const char *to_parent,
                                                  json_t **out, struct fastio_error *err)
{
    const char *v[] = {ws, node, to_parent};
    return fio_row_call(c, FASTIO_EP_STORAGE_MOVE, v, 3, NULL, FIO_ROW_VALUE, out, err);
}

FASTIO_API enum fastio_status fastio_storage_copy(struct fastio_client *c, const char *ws,
                                                  const char *node, const char *to_parent,
                                                  json_t **out, struct fastio_error *err)
{
    const char *v[] = {ws, node, to_parent};
    return fio_row_call(c, FASTIO_EP_STORAGE_COPY, v, 3, NULL, FIO_ROW_VALUE, out, err);
}

FASTIO_API enum fastio_status fastio_storage_rename(struct fastio_client *c, const char *ws,
                                                    const char *node, const char *new_name,
                                                    json_t **out, struct fastio_error *err)
{
    const char *v[] = {ws, node, new_name};
    if (out != NULL)
        *out = NULL;
    if (new_name == NULL) /* the row's name is optional; a rename without one is no rename */
        return fio_error_set(err, FASTIO_INVALID, "new name is required");
    return fio_row_call(c, FASTIO_EP_STORAGE_UPDATE, v, 3, NULL, FIO_ROW_VALUE, out, err);
}

FASTIO_API enum fastio_status fastio_storage_delete(struct fastio_client *c, const char *ws,
                                                    const char *node, struct fastio_error *err)
{
    const char *v[] = {ws, node};
    return fio_row_call(c, FASTIO_EP_STORAGE_DELETE, v, 2, NULL, FIO_ROW_VALUE, NULL, err);
}

FASTIO_API enum fastio_status fastio_storage_restore(struct fastio_client *c, const char *ws,
                                                     const char *node, json_t **out,
                                                     struct fastio_error *err)
{
    const char *v[] = {ws, node};
    return fio_row_call(c, FASTIO_EP_STORAGE_RESTORE, v, 2, NULL, FIO_ROW_VALUE, out, err);
}

FASTIO_API enum fastio_status fastio_storage_purge(struct fastio_client *c, const char *ws,
                                                   const char *node, struct fastio_error *err)
{
    const char *v[] = {ws, node};
    return fio_row_call(c, FASTIO_EP_STORAGE_PURGE, v, 2, NULL, FIO_ROW_VALUE, NULL, err);
}

FASTIO_API enum fastio_status fastio_storage_trash_empty(struct fastio_client *c, const char *ws,
                                                         struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_STORAGE_TRASH_EMPTY, &ws, 1, NULL, FIO_ROW_VALUE, NULL, err);
}

/* ---- a node by its path (api §4.2) --------------------------------------------------------- */

#define RESOLVE_DEPTH_MAX 256   /* components of one path */
#define RESOLVE_PAGES_MAX 10000 /* pages of one folder listing (500 nodes each) */

/* The child named name (n bytes) of folder in ws, OWNED (a reference), or NULL with *st set:
 * OK (not there) or the listing's failure (err filled). Every page is read until it is found. */
static json_t *find_child(struct fastio_client *c, const char *ws, const char *folder,
                          const char *name, size_t n, enum fastio_status *st,
                          struct fastio_error *err)
{
    struct fastio_list_opts o = {NULL, NULL, 500, NULL};
    char *cursor = NULL;
    *st = FASTIO_OK;
    for (int page = 0; page < RESOLVE_PAGES_MAX; page++) {
        json_t *nodes = NULL;
        char *next = NULL;
        o.cursor = cursor;
        *st = fastio_storage_list(c, ws, folder, &o, &nodes, &next, err);
        free(cursor);
        cursor = NULL;
        if (*st != FASTIO_OK)
            return NULL;
        size_t i;
        json_t *nd;
        json_array_foreach(nodes, i, nd)
        {
            const char *nm = json_string_value(json_object_get(nd, "name"));
            if (nm != NULL && strlen(nm) == n && memcmp(nm, name, n) == 0) {
                json_incref(nd);
                json_decref(nodes);
                free(next);
                return nd;
            }
        }
        json_decref(nodes);
        if (next == NULL)
            return NULL;
        cursor = next;
    }
    free(cursor);
    *st = fio_error_set(err, FASTIO_TOO_LARGE, "folder listing has too many pages");
    return NULL;
}

static bool is_folder(const json_t *node)
{
    const char *t = json_string_value(json_object_get(node, "type"));
    return t != NULL && strcmp(t, "folder") == 0;
}

FASTIO_API enum fastio_status fastio_storage_resolve(struct fastio_client *c, const char *ws,
                                                     const char *path, char **node_id,
                                                     json_t **node, struct fastio_error *err)
{
    char folder[128] = "root";
    json_t *cur = NULL; /* the node reached so far; NULL = the root */
    char msg[512];
    enum fastio_status st = FASTIO_OK;

    if (node_id != NULL)
        *node_id = NULL;
    if (node != NULL)
        *node = NULL;
    if (c == NULL || ws == NULL || path == NULL)
        return fio_error_set(err, FASTIO_INVALID, "client, workspace and path are required");
    const char *p = path;
    for (int depth = 0;; depth++) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        if (depth >= RESOLVE_DEPTH_MAX) {
            json_decref(cur);
            return fio_error_set(err, FASTIO_INVALID, "path has too many components");
        }
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            json_decref(cur);
            return fio_error_set(err, FASTIO_INVALID, "'.' and '..' are not allowed in a path");
        }
        /* the path up to the folder this component is looked for in */
        int upto = (int)(p - path);
        while (upto > 1 && path[upto - 1] == '/')
            upto--;
        if (cur != NULL) {
            const char *id = json_string_value(json_object_get(cur, "id"));
            if (!is_folder(cur) || id == NULL || strlen(id) >= sizeof(folder)) {
                snprintf(msg, sizeof(msg), "'%.*s' is not a folder", upto, path);
                json_decref(cur);
                return fio_error_set(err, FASTIO_NOT_FOUND, msg);
            }
            snprintf(folder, sizeof(folder), "%s", id);
            json_decref(cur);
            cur = NULL;
        }
        cur = find_child(c, ws, folder, p, n, &st, err);
        if (cur == NULL && st != FASTIO_OK)
            return st;
        if (cur == NULL) {
            snprintf(msg, sizeof(msg), "no '%.*s' in %s%.*s of workspace %s", (int)n, p,
                     upto <= 1 ? "the root" : "", upto <= 1 ? 0 : upto, path, ws);
            return fio_error_set(err, FASTIO_NOT_FOUND, msg);
        }
        p += n;
    }
    const char *id = cur != NULL ? json_string_value(json_object_get(cur, "id")) : "root";
    if (id == NULL) {
        json_decref(cur);
        return fio_api_protocol(err, "listed node has no id");
    }
    if (node_id != NULL) {
        *node_id = fio_strdup(id);
        if (*node_id == NULL) {
            json_decref(cur);
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
        }
    }
    if (node != NULL)
        *node = cur;
    else
        json_decref(cur);
    return FASTIO_OK;
}
