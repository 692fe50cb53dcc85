/* SPDX-License-Identifier: MIT */
/* resolve.c - names and paths in place of ids (D-085). Every node argument of a command (an
 * option linked to a node_id, folder_id, parent_id or parent parameter, positional or flag)
 * takes an id or a path: "/a/b/c.txt" (from the root), "a/b" (also from the root), or a bare
 * name in the root folder. Paths are resolved folder by folder through the storage list
 * endpoint (api §4.2, every page), each listing fetched once per run. Workspaces are taken by
 * id or folder_name as they are (the API accepts both, api §1.1) and by display name through the
 * workspace list. The "api" group is left alone: its rows take the wire's values. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

#define LIST_PAGES_MAX 10000 /* pages of one folder listing */
#define PATH_DEPTH_MAX 256   /* components of one path */
#define WS_PAGES_MAX 1000    /* pages of the workspace list */

/* ---- cache ------------------------------------------------------------------------------------ */

static json_t *cache(struct cli_ctx *ctx)
{
    if (!ctx->resolve_cache)
        ctx->resolve_cache = json_object();
    return ctx->resolve_cache;
}

void cli_resolve_release(struct cli_ctx *ctx)
{
    json_decref(ctx->resolve_cache);
    ctx->resolve_cache = NULL;
}

/* Keep a copy of s for the rest of the run (its text lives in the cache). NULL on OOM. */
static const char *keep(struct cli_ctx *ctx, const char *s)
{
    json_t *c = cache(ctx);
    if (!c)
        return NULL;
    json_t *kept = json_object_get(c, "kept");
    if (!kept) {
        kept = json_array();
        if (!kept || json_object_set_new(c, "kept", kept) != 0)
            return NULL;
    }
    if (json_array_append_new(kept, json_string(s)) != 0)
        return NULL;
    return json_string_value(json_array_get(kept, json_array_size(kept) - 1));
}

/* The workspace as the user wrote it, for messages (cli_resolve_args records it). */
static const char *ws_label(struct cli_ctx *ctx, const char *ws)
{
    const char *l = json_string_value(json_object_get(json_object_get(cache(ctx), "labels"), ws));
    return l ? l : ws;
}

const char *cli_resolve_ws_label(struct cli_ctx *ctx, const char *ws)
{
    return ws_label(ctx, ws);
}

static void set_ws_label(struct cli_ctx *ctx, const char *id, const char *label)
{
    json_t *c = cache(ctx);
    json_t *labels = json_object_get(c, "labels");
    if (!labels) {
        labels = json_object();
        if (!labels || json_object_set_new(c, "labels", labels) != 0)
            return;
    }
    json_object_set_new(labels, id, json_string(label));
}

/* s quoted for a shell command line when it needs it ('...' with ' as '\''). Owned or NULL. */
static char *sh_quote(const char *s)
{
    bool plain = s[0] != '\0';
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("/._-,:@+", *p)))
            plain = false;
    if (plain)
        return fio_strdup(s);
    struct fio_buf b;
    fio_buf_init(&b, 0);
    bool ok = fio_buf_append_str(&b, "'");
    for (const char *p = s; ok && *p; p++)
        ok = *p == '\'' ? fio_buf_append_str(&b, "'\\''") : fio_buf_append(&b, p, 1);
    if (!ok || !fio_buf_append_str(&b, "'")) {
        fio_buf_release(&b);
        return NULL;
    }
    return fio_buf_steal(&b);
}

/* ---- what a value is -------------------------------------------------------------------------- */

bool cli_is_node_id(const char *v)
{
    if (strcmp(v, "root") == 0 || strcmp(v, "trash") == 0)
        return true;
    /* An OpaqueId (api §1.7): prefix + 26 KSUID + 2 check characters, [a-z0-9] in any case,
     * hyphens allowed anywhere; 29 or 30 characters without the hyphens. */
    size_t n = 0;
    bool digit = false;
    for (const char *p = v; *p; p++) {
        if (*p == '-')
            continue;
        bool d = *p >= '0' && *p <= '9';
        if (!d && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return false;
        digit |= d;
        if (++n > 30)
            return false;
    }
    return (n == 29 || n == 30) && digit;
}

/* The API takes a workspace's id or folder_name as they are (api §1.1, §3.4). */
static bool ws_as_is(const char *v)
{
    if (!v[0])
        return true;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

/* ---- listings --------------------------------------------------------------------------------- */

json_t *cli_list_folder(struct cli_ctx *ctx, const char *ws, const char *folder)
{
    json_t *c = cache(ctx);
    struct fio_buf key;
    fio_buf_init(&key, 0);
    if (!c || !fio_buf_append_str(&key, "ls\n") || !fio_buf_append_str(&key, ws) ||
        !fio_buf_append_str(&key, "\n") || !fio_buf_append_str(&key, folder)) {
        fio_buf_release(&key);
        cli_errorf(ctx, "out of memory");
        return NULL;
    }
    json_t *have = json_object_get(c, key.data);
    if (have) {
        fio_buf_release(&key);
        return have;
    }
    json_t *all = json_array();
    char *cursor = NULL;
    struct cli_request req;
    memset(&req, 0, sizeof(req));
    req.path[0] = ws;
    req.path[1] = folder;
    req.n_path = 2;
    cli_request_add(&req, "page_size", "500");
    for (long page = 0; all; page++) {
        if (page >= LIST_PAGES_MAX) {
            cli_errorf(ctx, "listing a folder: more than %d pages; stopping", LIST_PAGES_MAX);
            goto fail;
        }
        if (cursor)
            cli_request_add(&req, "cursor", cursor);
        json_t *resp = NULL;
        if (cli_call(ctx, FASTIO_EP_STORAGE_LIST, &req, &resp) != CLI_OK)
            goto fail;
        json_t *nodes = fastio_result(resp, FASTIO_EP_STORAGE_LIST);
        if (!json_is_array(nodes) || json_array_extend(all, nodes) != 0) {
            json_decref(resp);
            cli_errorf(ctx, "unexpected answer to a folder listing: no 'nodes' list");
            goto fail;
        }
        const char *next = json_string_value(json_object_get(resp, "next_cursor"));
        if (!next || !next[0] || (cursor && strcmp(cursor, next) == 0)) {
            json_decref(resp);
            break;
        }
        char *copy = fio_strdup(next);
        json_decref(resp);
        free(cursor);
        cursor = copy;
        if (!cursor)
            goto fail;
    }
    free(cursor);
    if (!all || json_object_set_new(c, key.data, all) != 0) {
        fio_buf_release(&key);
        cli_errorf(ctx, "out of memory");
        return NULL;
    }
    fio_buf_release(&key);
    return all;
fail:
    free(cursor);
    json_decref(all);
    fio_buf_release(&key);
    return NULL;
}

static void forget_listing(struct cli_ctx *ctx, const char *ws, const char *folder)
{
    struct fio_buf key;
    fio_buf_init(&key, 0);
    if (fio_buf_append_str(&key, "ls\n") && fio_buf_append_str(&key, ws) &&
        fio_buf_append_str(&key, "\n") && fio_buf_append_str(&key, folder))
        json_object_del(cache(ctx), key.data);
    fio_buf_release(&key);
}

static bool ctx_has_parents; /* the command has a --parents option (for the hint) */

/* ---- paths ------------------------------------------------------------------------------------ */

static json_t *find_child(json_t *nodes, const char *name, size_t len)
{
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        const char *nm = json_string_value(json_object_get(n, "name"));
        if (nm && strlen(nm) == len && memcmp(nm, name, len) == 0)
            return n;
    }
    return NULL;
}

static char *dup_n(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static bool is_folder(json_t *node)
{
    const char *t = json_string_value(json_object_get(node, "type"));
    return t && strcmp(t, "folder") == 0;
}

/* "/a/b" of the components so far (for messages). */
static void shown_path(char *out, size_t size, const char *const *names, const size_t *lens,
                       size_t depth)
{
    size_t used = 0;
    out[0] = '\0';
    if (depth == 0) {
        snprintf(out, size, "/");
        return;
    }
    for (size_t i = 0; i < depth && used < size; i++) {
        int n = snprintf(out + used, size - used, "/%.*s", (int)lens[i], names[i]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

const char *cli_resolve_node(struct cli_ctx *ctx, const char *ws, const char *ref,
                             enum cli_node_want want, bool create)
{
    if (cli_is_node_id(ref) && ref[0] != '/')
        return ref;
    /* Split into components; "." is skipped, ".." goes up. */
    const char *names[PATH_DEPTH_MAX];
    size_t lens[PATH_DEPTH_MAX], depth = 0;
    for (const char *p = ref; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 1 && p[0] == '.') {
            /* nothing */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (depth > 0)
                depth--;
        } else {
            if (depth >= PATH_DEPTH_MAX) {
                cli_usage(ctx, "'%s': more than %d path components", ref, PATH_DEPTH_MAX);
                return NULL;
            }
            names[depth] = p;
            lens[depth++] = len;
        }
        p += len;
    }
    if (depth == 0)
        return "root";
    if (cli_connect(ctx, -1, false) != CLI_OK)
        return NULL;
    const char *cur = "root";
    char where[1024];
    for (size_t i = 0; i < depth; i++) {
        bool last = i + 1 == depth;
        shown_path(where, sizeof(where), names, lens, i);
        json_t *nodes = cli_list_folder(ctx, ws, cur);
        if (!nodes)
            return NULL;
        json_t *child = find_child(nodes, names[i], lens[i]);
        if (child && (!last || want == CLI_NODE_FOLDER) && !is_folder(child)) {
            cli_errorf(ctx, "'%.*s' in %s is a file, not a folder", (int)lens[i], names[i], where);
            return NULL;
        }
        if (!child && create && (!last || want == CLI_NODE_FOLDER)) {
            char *leaf = dup_n(names[i], lens[i]);
            json_t *node = NULL;
            struct fastio_error err;
            fastio_error_clear(&err);
            enum fastio_status st =
                leaf ? fastio_storage_create_folder(ctx->client, ws, cur, leaf, false, &node, &err)
                     : FASTIO_NOMEM;
            free(leaf);
            const char *id = json_string_value(json_object_get(node, "id"));
            if (st != FASTIO_OK || !id) {
                json_decref(node);
                cli_errorf(ctx, "cannot create folder '%.*s' in %s: %s", (int)lens[i], names[i],
                           where, err.message[0] ? err.message : "no id in the answer");
                return NULL;
            }
            const char *kept = keep(ctx, id);
            json_decref(node);
            if (!kept) {
                cli_errorf(ctx, "out of memory");
                return NULL;
            }
            forget_listing(ctx, ws, cur);
            cur = kept;
            continue;
        }
        if (!child) {
            const char *what = !last || want == CLI_NODE_FOLDER ? "folder"
                               : want == CLI_NODE_FILE          ? "file"
                                                                : "file or folder";
            char *qw = sh_quote(ws_label(ctx, ws)), *qp = sh_quote(where);
            cli_errorf(ctx, "no %s '%.*s' in %s; `fastio files list --workspace %s %s` shows what "
                            "is there%s",
                       what, (int)lens[i], names[i], where, qw ? qw : ws, qp ? qp : where,
                       create || last || !ctx_has_parents ? ""
                                                          : " (--parents creates it)");
            free(qw);
            free(qp);
            return NULL;
        }
        const char *id = json_string_value(json_object_get(child, "id"));
        if (!id) {
            cli_errorf(ctx, "'%.*s' in %s has no id in the listing", (int)lens[i], names[i],
                       where);
            return NULL;
        }
        cur = id; /* borrowed from the cached listing */
    }
    return cur;
}

/* ---- workspaces ------------------------------------------------------------------------------- */

const char *cli_resolve_workspace(struct cli_ctx *ctx, const char *ref)
{
    if (ws_as_is(ref))
        return ref;
    if (cli_connect(ctx, FASTIO_EP_WORKSPACE_LIST, true) != CLI_OK)
        return NULL;
    json_t *matches = json_array(), *fold = json_array();
    const char *found = NULL;
    if (!matches || !fold)
        goto oom;
    for (long page = 0; page < WS_PAGES_MAX; page++) {
        char off[32];
        snprintf(off, sizeof(off), "%ld", page * 500);
        struct cli_request req;
        memset(&req, 0, sizeof(req));
        cli_request_add(&req, "limit", "500");
        cli_request_add(&req, "offset", off);
        json_t *resp = NULL;
        if (cli_call(ctx, FASTIO_EP_WORKSPACE_LIST, &req, &resp) != CLI_OK)
            goto out;
        json_t *list = fastio_result(resp, FASTIO_EP_WORKSPACE_LIST);
        size_t i;
        json_t *w;
        json_array_foreach(list, i, w)
        {
            const char *name = json_string_value(json_object_get(w, "name"));
            const char *fn = json_string_value(json_object_get(w, "folder_name"));
            json_t *idv = json_object_get(w, "id");
            char idbuf[32];
            const char *id = json_string_value(idv);
            if (!id && json_is_integer(idv)) {
                snprintf(idbuf, sizeof(idbuf), "%" JSON_INTEGER_FORMAT, json_integer_value(idv));
                id = idbuf;
            }
            if (!id)
                continue;
            if ((fn && strcmp(fn, ref) == 0) || (name && strcmp(name, ref) == 0)) {
                if (json_array_append_new(matches, json_string(id)) != 0)
                    goto oom_resp;
            } else if ((name && strcasecmp(name, ref) == 0) || (fn && strcasecmp(fn, ref) == 0)) {
                if (json_array_append_new(fold, json_string(id)) != 0)
                    goto oom_resp;
            }
        }
        size_t n = json_array_size(list);
        json_decref(resp);
        if (n < 500)
            break;
        continue;
    oom_resp:
        json_decref(resp);
        goto oom;
    }
    json_t *pick = json_array_size(matches) ? matches : fold;
    if (json_array_size(pick) == 1) {
        found = keep(ctx, json_string_value(json_array_get(pick, 0)));
        if (!found)
            goto oom;
    } else if (json_array_size(pick) > 1) {
        cli_errorf(ctx, "%zu workspaces are named '%s'; give the id or folder_name (`fastio "
                        "workspace list` shows them)",
                   json_array_size(pick), ref);
    } else {
        cli_errorf(ctx, "no workspace '%s' (by id, folder_name or name); `fastio workspace list` "
                        "shows yours",
                   ref);
    }
    goto out;
oom:
    cli_errorf(ctx, "out of memory");
out:
    json_decref(matches);
    json_decref(fold);
    return found;
}

/* ---- every argument of a command -------------------------------------------------------------- */

enum arg_role { ROLE_NONE, ROLE_WS, ROLE_NODE, ROLE_FOLDER };

static enum arg_role role_of(const struct cli_cmd *cmd, const struct cli_opt *o)
{
    if (o->cli_only)
        return ROLE_NONE; /* the command's own business (ingest's --workspace NAME creates one) */
    if (strcmp(o->name, "workspace") == 0)
        return ROLE_WS;
    struct cli_opt_view v;
    cli_opt_view(cmd, o, &v);
    if (!v.param || v.param->type != FASTIO_PARAM_ID)
        return ROLE_NONE;
    const char *p = v.param->name;
    if (strcmp(p, "workspace_id") == 0)
        return ROLE_WS;
    if (strcmp(p, "node_id") == 0)
        return ROLE_NODE;
    if (strcmp(p, "folder_id") == 0 || strcmp(p, "parent_id") == 0 || strcmp(p, "parent") == 0)
        return ROLE_FOLDER;
    return ROLE_NONE;
}

int cli_resolve_args(struct cli_ctx *ctx, struct cli_args *args)
{
    const struct cli_cmd *cmd = args->cmd;
    if (!cmd || (cmd->flags & CMD_LOCAL))
        return CLI_OK;
    const char *ws = NULL;
    int ws_k = -1;
    for (int k = 0; cmd->opts[k].name; k++) {
        if (role_of(cmd, &cmd->opts[k]) != ROLE_WS || !args->values[k])
            continue;
        const char *id = cli_resolve_workspace(ctx, args->values[k]);
        if (!id)
            return CLI_ERR;
        if (id != args->values[k]) {
            set_ws_label(ctx, id, args->values[k]);
            if (!cli_arg_set(args, cmd->opts[k].name, id)) {
                cli_errorf(ctx, "out of memory");
                return CLI_ERR;
            }
        }
        ws = args->values[k];
        ws_k = k;
        break;
    }
    /* The lock rows' long form: --context-type workspace --context-id WS. */
    if (!ws) {
        const char *ct = cli_arg(args, "context-type");
        if (ct && strcmp(ct, "workspace") == 0)
            ws = cli_arg(args, "context-id");
    }
    bool create = cli_arg_given(args, "parents");
    ctx_has_parents = false;
    for (int k = 0; cmd->opts[k].name; k++)
        ctx_has_parents |= strcmp(cmd->opts[k].name, "parents") == 0;
    for (int k = 0; cmd->opts[k].name; k++) {
        const struct cli_opt *o = &cmd->opts[k];
        enum arg_role r = role_of(cmd, o);
        if (k == ws_k || (r != ROLE_NODE && r != ROLE_FOLDER) || !args->values[k])
            continue;
        enum cli_node_want want = r == ROLE_FOLDER ? CLI_NODE_FOLDER : CLI_NODE_ANY;
        if (o->kind == OPT_REST) {
            for (size_t i = 0; i < args->n_rest; i++) {
                if (cli_is_node_id(args->rest[i]) && args->rest[i][0] != '/')
                    continue;
                if (!ws)
                    return cli_usage(ctx, "'%s' is a path: give --workspace too",
                                     args->rest[i]);
                /* One of a list that does not resolve is reported and left as it is: the
                 * command fails it alone and goes on with the others (download batch). */
                const char *id = cli_resolve_node(ctx, ws, args->rest[i], want, false);
                if (id) /* a copy: a listing it points into may be dropped by a later create */
                    id = keep(ctx, id);
                if (id)
                    args->rest[i] = id;
                else if (!ctx->client)
                    return CLI_ERR;
            }
            args->values[k] = args->n_rest ? args->rest[0] : NULL;
            continue;
        }
        const char *v = args->values[k];
        if (cli_is_node_id(v) && v[0] != '/')
            continue;
        if (!ws)
            return cli_usage(ctx, "'%s' is a path: give --workspace too", v);
        const char *id = cli_resolve_node(ctx, ws, v, want, create && want == CLI_NODE_FOLDER);
        if (!id)
            return CLI_ERR;
        if (!cli_arg_set(args, o->name, id)) {
            cli_errorf(ctx, "out of memory");
            return CLI_ERR;
        }
    }
    return CLI_OK;
}
