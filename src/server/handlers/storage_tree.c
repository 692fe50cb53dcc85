/* SPDX-License-Identifier: MIT */
/* storage_tree.c - primitives over the node tree of one workspace (storage.h): lookups with a
 * bounded ancestor walk, the wire rendering of a node (api §4.1), sibling-name conflicts and
 * auto-renaming (api §4.4), and moving a node to the trash. The handlers in h_storage.c compose
 * these inside the transaction the router opened. */
#include "storage.h"

#include <string.h>

#include "buf.h"
#include "store_intel.h"

int tree_parse_id(struct req *r, const char *text, const char *param, bool *is_root,
                  char id[FIO_OPAQUE_ID_SIZE])
{
    *is_root = false;
    id[0] = '\0';
    if (text && strcmp(text, TREE_ROOT) == 0) {
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

const char *tree_param(struct req *r, const char *name, bool *bad)
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

int tree_node_get(struct req *r, const char *id, const char *watch_id, struct store_node *out)
{
    enum store_rc rc = STORE(r->st, node)->node_get(r->st, r->ws.id, id, watch_id, out);
    if (rc == STORE_NOT_FOUND)
        return 0;
    if (rc != STORE_OK)
        return req_fail_internal(r, "node lookup");
    if (out->depth >= STORE_WALK_LIMIT)
        return req_fail_internal(r, "node ancestry too deep (cycle?)");
    return 1;
}

/* A text that may be NULL as a JSON string or null. */
static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Set key to value (stolen) in obj; false on NULL value or OOM. */
static bool put(json_t *obj, const char *key, json_t *value)
{
    return value && json_object_set_new(obj, key, value) == 0;
}

/* "deleted_from": on the top node of a trashed subtree only (NULL there = the root). */
static json_t *deleted_from_json(const struct store_node_row *row)
{
    if (!row->trashed)
        return json_null();
    return json_string(row->deleted_from ? row->deleted_from : TREE_ROOT);
}

static json_t *metadata_json(const struct store_node_row *row)
{
    json_t *m = json_object();
    if (m && put(m, "title", str_or_null(row->meta_title)) &&
        put(m, "short", str_or_null(row->meta_short)))
        return m;
    json_decref(m);
    return NULL;
}

/* "ai" (api §4.1, §8.5; docs/server.md "Intelligence"): state disabled with intelligence off;
 * with it on, a file's state is its index row's (pending when it has none yet: queued by the
 * indexer's next reconciliation, or in the trash), "failed" with the reason; folders and links
 * are not indexed: "ready". attach: files and notes can be given to a chat directly. */
static json_t *ai_json(const struct store_node_row *row, bool under_trash)
{
    bool content = strcmp(row->type, "file") == 0 || strcmp(row->type, "note") == 0;
    const char *state = !row->ai_on                          ? "disabled"
                        : !content                           ? "ready"
                        : row->trashed || under_trash        ? "pending"
                        : row->ai_state                      ? row->ai_state
                                                             : "pending";
    json_t *a = json_pack("{s:s, s:b, s:n}", "state", state, "attach", content, "summary");
    if (a && strcmp(state, "failed") == 0 &&
        json_object_set_new(a, "reason", json_string(row->ai_reason ? row->ai_reason : "")) != 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *tree_row_json(const struct store_node_row *row, bool under_trash)
{
    bool folder = strcmp(row->type, "folder") == 0;
    json_t *o = json_object();
    if (!o)
        return NULL;
    /* Each value is created right before put() takes it, so a failure leaks nothing.
     * "parent": the parent id, or "root" for children of the root and detached trashed nodes. */
    bool ok =
        put(o, "id", json_string(row->id)) && put(o, "name", json_string(row->name)) &&
        put(o, "type", json_string(row->type)) &&
        put(o, "parent", json_string(row->parent_id ? row->parent_id : TREE_ROOT)) &&
        put(o, "size", json_integer(folder ? 0 : row->size)) &&
        put(o, "mimetype", json_string(row->mimetype)) && put(o, "hash", str_or_null(row->hash)) &&
        put(o, "hash_algo", str_or_null(row->hash_algo)) &&
        put(o, "version", folder ? json_null() : str_or_null(row->version_id)) &&
        put(o, "created", srv_time_json(row->created)) &&
        put(o, "modified", srv_time_json(row->modified)) && put(o, "restricted", json_false()) &&
        put(o, "locked", json_boolean(row->lock != NULL)) &&
        put(o, "lock_info", tree_lock_info_json(row->lock)) &&
        put(o, "deleted", json_boolean(row->trashed || under_trash)) &&
        put(o, "deleted_from", deleted_from_json(row)) &&
        put(o, "origin",
            json_pack("{s:s, s:s}", "type", folder ? "folder" : "upload", "creator",
                      row->creator_id)) &&
        put(o, "metadata", metadata_json(row)) && put(o, "ai", ai_json(row, under_trash));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* store_node_fn of tree_render: the one row, rendered. */
struct render_ctx {
    bool under_trash;
    json_t *o;
};

static int render_row(const struct store_node_row *row, void *arg)
{
    struct render_ctx *rc = arg;
    rc->o = tree_row_json(row, rc->under_trash);
    return 0;
}

json_t *tree_render(struct req *r, const char *id, bool under_trash)
{
    struct render_ctx ctx = {.under_trash = under_trash, .o = NULL};
    enum store_rc rc = STORE(r->st, node)->node_row(r->st, r->ws.id, id, render_row, &ctx);
    if (!ctx.o)
        req_fail_internal(r, rc == STORE_OK          ? "node render: out of memory"
                             : rc == STORE_NOT_FOUND ? "node vanished"
                                                     : "node render");
    return ctx.o;
}

int tree_reply_node(struct req *r, const char *id, bool under_trash)
{
    json_t *o = tree_render(r, id, under_trash);
    if (!o)
        return -1;
    return req_set(r, "node", o);
}

int tree_find_sibling(struct req *r, const char *parent, const char *name, const char *exclude_id,
                      char id[FIO_OPAQUE_ID_SIZE], char type[STORE_TYPE_SIZE])
{
    enum store_rc rc =
        STORE(r->st, node)->find_sibling(r->st, r->ws.id, parent, name, exclude_id, id, type);
    if (rc == STORE_NOT_FOUND)
        return 0;
    if (rc != STORE_OK)
        return req_fail_internal(r, "sibling lookup");
    return 1;
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

int tree_free_name(struct req *r, const char *parent, const char *name, const char *type,
                   char out[STORE_NAME_SIZE])
{
    bool split_ext = strcmp(type, "folder") != 0;
    for (int k = 2; k < 2 + TREE_RENAME_MAX; k++) {
        char cand[STORE_NAME_SIZE];
        if (!rename_candidate(name, split_ext, k, cand) ||
            fio_name_check(cand, strlen(cand)) != FIO_NAME_OK)
            break;
        char sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
        int rc = tree_find_sibling(r, parent, cand, NULL, sid, stype);
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

int tree_place(struct req *r, const char *parent, const char *name, const char *type,
               const char *keep_id, int64_t now, char out[STORE_NAME_SIZE])
{
    char sid[FIO_OPAQUE_ID_SIZE], stype[STORE_TYPE_SIZE];
    int rc = tree_find_sibling(r, parent, name, NULL, sid, stype);
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
        /* replacing a locked file is a write to it (tree_check_lock, storage.h) */
        if (tree_check_lock(r, sid) != 0 || tree_trash(r, sid, parent, now) != 0)
            return -1;
        fio_strlcpy(out, name, STORE_NAME_SIZE);
        return 0;
    }
    return tree_free_name(r, parent, name, type, out);
}

int tree_trash(struct req *r, const char *id, const char *parent, int64_t now)
{
    enum store_rc rc = STORE(r->st, node)->node_trash(r->st, r->ws.id, id, parent, now);
    if (rc == STORE_NOT_FOUND)
        return req_fail_internal(r, "trash node: not exactly one row");
    if (rc != STORE_OK)
        return req_fail_internal(r, "trash node");
    /* Out of the index in the same transaction: a trashed file is never a search hit or a chat
     * citation (intel/indexer.h); a restore queues it again. */
    if (STORE(r->st, intel)->drop_subtree(r->st, r->ws.id, id) != STORE_OK)
        return req_fail_internal(r, "trash node: index");
    return 0;
}

int tree_subtree_size(struct req *r, const char *id, int *height, long *count)
{
    if (STORE(r->st, node)->subtree_size(r->st, r->ws.id, id, height, count) != STORE_OK)
        return req_fail_internal(r, "subtree walk");
    if (*height >= STORE_WALK_LIMIT)
        return req_fail_internal(r, "subtree too deep (cycle?)");
    return 0;
}
