/* SPDX-License-Identifier: MIT */
/* cmd_files.c - rows of the "files" group: storage nodes of a workspace (api §4.2). Custom code
 * for cursor paging (list, trash: --all follows next_cursor) and for bulk details (info: at most
 * 25 ids per request, so longer lists are split and the answers merged). */
#include "cli.h"
#include "cmd_transfer.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BULK_MAX 25      /* ids per bulk details request (api §4.2, 115519 above) */
#define PAGES_MAX 100000 /* guard against a server that never ends a listing */

/* One page, or every page with --all (api §1.5 cursor style). */
static int list_pages(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    int ep = cmd->endpoint;
    const char *key = fastio_endpoint_get((enum fastio_endpoint)ep)->result_key;
    bool all = cli_arg_given(args, "all");
    struct cli_request req;
    int rc = cli_prepare(ctx, ep, args, &req);
    if (rc != CLI_OK)
        return rc;

    json_t *merged = all ? json_array() : NULL;
    char *cursor = NULL;
    if (all && !merged)
        goto oom;
    for (long page = 0;; page++) {
        json_t *resp;
        if (cursor && !cli_request_add(&req, "cursor", cursor))
            abort(); /* the table leaves room for it */
        rc = cli_call(ctx, ep, &req, &resp);
        if (rc != CLI_OK)
            goto done;
        json_t *nodes = fastio_result(resp, (enum fastio_endpoint)ep);
        if (!json_is_array(nodes)) {
            json_decref(resp);
            cli_errorf(ctx, "unexpected response: no '%s' list", key);
            rc = CLI_ERR;
            goto done;
        }
        const char *next = json_string_value(json_object_get(resp, "next_cursor"));
        if (!all) {
            rc = cli_print(ctx, resp, nodes);
            if (rc == CLI_OK && next && next[0] && ctx->format != CLI_FMT_JSON)
                cli_note(ctx, "more: --cursor %s (or --all)", next);
            json_decref(resp);
            goto done;
        }
        if (json_array_extend(merged, nodes) != 0) {
            json_decref(resp);
            goto oom;
        }
        if (!next || !next[0]) {
            json_decref(resp);
            break;
        }
        if ((cursor && strcmp(cursor, next) == 0) || page + 1 >= PAGES_MAX) {
            json_decref(resp);
            cli_errorf(ctx, "the server repeats the cursor '%s'; stopping", next);
            rc = CLI_ERR;
            goto done;
        }
        char *copy = fio_strdup(next);
        json_decref(resp);
        if (!copy)
            goto oom;
        free(cursor);
        cursor = copy;
    }
    json_t *out = json_pack("{s:O}", key, merged);
    if (!out)
        goto oom;
    rc = cli_print(ctx, out, merged);
    json_decref(out);
    goto done;
oom:
    cli_errorf(ctx, "out of memory");
    rc = CLI_ERR;
done:
    free(cursor);
    json_decref(merged);
    return rc;
}

/* Append the objects of `from` to `to`, skipping ids already in `seen` (a single id is sent
 * as "id,id" by the library, and users may repeat ids). false on OOM. */
static bool add_unique(json_t *to, json_t *from, const char *id_key, json_t *seen)
{
    for (size_t i = 0; i < json_array_size(from); i++) {
        json_t *o = json_array_get(from, i);
        const char *id = json_string_value(json_object_get(o, id_key));
        if (id) {
            if (json_object_get(seen, id))
                continue;
            if (json_object_set_new(seen, id, json_true()) != 0)
                return false;
        }
        if (json_array_append(to, o) != 0)
            return false;
    }
    return true;
}

/* files info: bulk details in chunks of BULK_MAX, merged into one multi body. */
static int files_info(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    const char *ws = cli_arg(args, "workspace");
    for (size_t i = 0; i < args->n_rest; i++)
        if (strchr(args->rest[i], ','))
            return cli_usage(ctx, "'%s': give node ids as separate arguments", args->rest[i]);
    int rc = cli_connect(ctx, cmd->endpoint, true);
    if (rc != CLI_OK)
        return rc;
    json_t *nodes = json_array(), *errors = json_array(), *out = NULL;
    json_t *seen_nodes = json_object(), *seen_errors = json_object();
    if (!nodes || !errors || !seen_nodes || !seen_errors)
        goto oom;
    for (size_t off = 0; off < args->n_rest; off += BULK_MAX) {
        size_t n = args->n_rest - off < BULK_MAX ? args->n_rest - off : BULK_MAX;
        json_t *body = NULL;
        struct fastio_error err;
        enum fastio_status st =
            fastio_storage_details_bulk(ctx->client, ws, args->rest + off, n, &body, &err);
        /* NOT_FOUND with a body = every id of this chunk failed; the errors say why. */
        if (st != FASTIO_OK && !(st == FASTIO_NOT_FOUND && body)) {
            json_decref(body);
            cli_print_api_error(ctx, &err);
            rc = CLI_ERR;
            goto done;
        }
        bool ok = add_unique(nodes, json_object_get(body, "nodes"), "id", seen_nodes) &&
                  add_unique(errors, json_object_get(body, "errors"), "node_id", seen_errors);
        json_decref(body);
        if (!ok)
            goto oom;
    }
    out =
        json_pack("{s:s, s:O, s:O, s:I, s:I, s:I}", "format", "multi", "nodes", nodes, "errors",
                  errors, "node_count", (json_int_t)json_array_size(nodes), "error_count",
                  (json_int_t)json_array_size(errors), "requested_count", (json_int_t)args->n_rest);
    if (!out)
        goto oom;
    rc = cli_print(ctx, out, nodes);
    /* Per-id failures: reported on stderr and in the exit status. */
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *id = json_string_value(json_object_get(e, "node_id"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        json_t *code = json_object_get(e, "code");
        cli_errorf(ctx, "%s: %s (code %" JSON_INTEGER_FORMAT ")", id ? id : "?",
                   msg ? msg : "failed", json_is_integer(code) ? json_integer_value(code) : 0);
    }
    if (rc == CLI_OK && json_array_size(errors))
        rc = CLI_ERR;
    goto done;
oom:
    cli_errorf(ctx, "out of memory");
    rc = CLI_ERR;
done:
    json_decref(nodes);
    json_decref(errors);
    json_decref(seen_nodes);
    json_decref(seen_errors);
    json_decref(out);
    return rc;
}

/* ---- rows ------------------------------------------------------------------------------------ */
/* clang-format off: one option per line reads as a table; the formatter would explode
 * each designated initializer into a column of fields. */

#define WS_FLAG                                                                                    \
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .path = 1, .metavar = "WS"}
#define NODE_ARG {.name = "NODE", .kind = OPT_POS, .path = 2}

#define PAGING_FLAGS                                                                               \
    {.name = "sort-by", .kind = OPT_VALUE, .param = "sort_by", .metavar = "FIELD"},                \
    {.name = "sort-dir", .kind = OPT_VALUE, .param = "sort_dir", .metavar = "DIR"},                \
    {.name = "page-size", .kind = OPT_VALUE, .param = "page_size", .metavar = "N",                 \
     .help = "Server default 100."},                                                               \
    {.name = "cursor", .kind = OPT_VALUE, .param = "cursor", .metavar = "CURSOR"},                 \
    {.name = "all", .kind = OPT_BOOL, .cli_only = true,                                            \
     .help = "Follow next_cursor until the listing ends and print every node."}

static const struct cli_opt list_opts[] = {
    WS_FLAG,
    {.name = "FOLDER", .kind = OPT_POS, .path = 2, .optional = true,
     .help = "The folder: an id, \"root\" or a path such as /reports/2026 (the same as\n"
             "--folder)."},
    {.name = "folder", .kind = OPT_VALUE, .path = 2, .def = "root", .metavar = "FOLDER"},
    PAGING_FLAGS,
    {0},
};

static const struct cli_opt trash_opts[] = {WS_FLAG, PAGING_FLAGS, {0}};

static const struct cli_opt info_opts[] = {
    WS_FLAG,
    {.name = "NODE", .kind = OPT_REST, .path = 2,
     .help = "Any number of ids, sent 25 at a time (joined by ',')."},
    {0},
};

static const struct cli_opt create_folder_opts[] = {
    WS_FLAG,
    {.name = "NAME", .kind = OPT_POS, .param = "name",
     .help = "1-255 bytes of UTF-8, no '/' or control characters."},
    {.name = "parent", .kind = OPT_VALUE, .path = 2, .def = "root", .metavar = "FOLDER"},
    {.name = "parents", .kind = OPT_BOOL, .cli_only = true,
     .help = "Create the folders of a --parent path that do not exist yet (like mkdir -p)."},
    {.name = "force", .kind = OPT_BOOL, .param = "force"},
    {0},
};

static const struct cli_opt move_opts[] = {
    WS_FLAG,
    NODE_ARG,
    {.name = "to", .kind = OPT_VALUE, .param = "parent", .metavar = "FOLDER"},
    {0},
};

static const struct cli_opt rename_opts[] = {
    WS_FLAG,
    NODE_ARG,
    {.name = "NEW_NAME", .kind = OPT_POS, .param = "name"},
    {0},
};

static const struct cli_opt node_opts[] = {WS_FLAG, NODE_ARG, {0}};

const struct cli_cmd cli_files_cmds[] = {
    {
        .name = "list",
        .endpoint = FASTIO_EP_STORAGE_LIST,
        .opts = list_opts,
        .run = list_pages,
        .summary = "List a folder",
        .description =
            "Lists the nodes of a folder (GET /workspace/{ws}/storage/{folder}/list/), one\n"
            "page at a time. When more pages remain the json output has next_cursor and the\n"
            "table output says so on stderr; --all fetches every page and prints one list.",
        .examples = "fastio files list --workspace design-team\n"
                    "fastio files list --workspace design-team --folder 2abc... --sort-by updated\n"
                    "fastio files list --workspace design-team --all --format json",
    },
    {
        .name = "info",
        .endpoint = FASTIO_EP_STORAGE_DETAILS,
        .opts = info_opts,
        .run = files_info,
        .summary = "Show nodes by id",
        .description =
            "Shows the details of nodes (GET /workspace/{ws}/storage/{id,id,...}/details/).\n"
            "The API takes at most 25 ids per request; longer lists are split and the\n"
            "answers merged into one {nodes, errors, ...} result. Ids that fail are reported\n"
            "on stderr and make the exit status 1.",
        .examples = "fastio files info --workspace design-team 2abc... 2def...",
    },
    {
        .name = "create-folder",
        .endpoint = FASTIO_EP_STORAGE_CREATE_FOLDER,
        .opts = create_folder_opts,
        .summary = "Create a folder",
        .description = "Creates a folder (POST /workspace/{ws}/storage/{parent}/createfolder/).",
        .examples = "fastio files create-folder --workspace design-team Drafts\n"
                    "fastio files create-folder --workspace design-team 2026 --parent 2abc...\n"
                    "fastio files create-folder --workspace design-team q3 --parent /reports/2026 "
                    "--parents",
    },
    {
        .name = "move",
        .endpoint = FASTIO_EP_STORAGE_MOVE,
        .opts = move_opts,
        .summary = "Move a node to another folder",
        .description =
            "Moves a file or folder (POST /workspace/{ws}/storage/{node}/move/). A file of\n"
            "the same name in the destination is trashed first; a folder is renamed.",
        .examples = "fastio files move --workspace design-team 2abc... --to 2def...",
    },
    {
        .name = "copy",
        .endpoint = FASTIO_EP_STORAGE_COPY,
        .opts = move_opts,
        .summary = "Copy a node into a folder",
        .description = "Copies a file or folder (POST /workspace/{ws}/storage/{node}/copy/).",
        .examples = "fastio files copy --workspace design-team 2abc... --to root",
    },
    {
        .name = "rename",
        .endpoint = FASTIO_EP_STORAGE_UPDATE,
        .opts = rename_opts,
        .summary = "Rename a node",
        .description =
            "Renames a file or folder (POST /workspace/{ws}/storage/{node}/update/). A name\n"
            "already used in the folder is an error (HTTP 400, code 1605).",
        .examples = "fastio files rename --workspace design-team 2abc... \"Final.pdf\"",
    },
    {
        .name = "delete",
        .endpoint = FASTIO_EP_STORAGE_DELETE,
        .opts = node_opts,
        .summary = "Move a node to the trash",
        .description =
            "Moves a node to the trash (DELETE /workspace/{ws}/storage/{node}/delete/);\n"
            "'files restore' brings it back, 'files purge' removes it for good.",
        .examples = "fastio files delete --workspace design-team 2abc...",
    },
    {
        .name = "restore",
        .endpoint = FASTIO_EP_STORAGE_RESTORE,
        .opts = node_opts,
        .summary = "Restore a node from the trash",
        .description = "Restores a trashed node (POST /workspace/{ws}/storage/{node}/restore/).",
        .examples = "fastio files restore --workspace design-team 2abc...",
    },
    {
        .name = "purge",
        .endpoint = FASTIO_EP_STORAGE_PURGE,
        .opts = node_opts,
        .summary = "Delete a trashed node permanently",
        .description = "Permanently deletes a node that is in the trash\n"
                       "(DELETE /workspace/{ws}/storage/{node}/purge/). This cannot be undone.",
        .examples = "fastio files purge --workspace design-team 2abc...",
    },
    {
        .name = "trash",
        .endpoint = FASTIO_EP_STORAGE_TRASH_LIST,
        .opts = trash_opts,
        .run = list_pages,
        .summary = "List the trash",
        .description = "Lists the trashed nodes (GET /workspace/{ws}/storage/trash/list/), with\n"
                       "the same paging options as 'files list'.",
        .examples = "fastio files trash --workspace design-team --all",
    },
    CLI_FILES_SEARCH_ROW, /* "files search" (cmd_search.c) */
    CLI_VERSION_ROWS, /* "files versions|version-restore" (cmd_download.c) */
    CLI_LOCK_ROWS("lock "), /* "files lock acquire|status|heartbeat|release" (cmd_lock.c) */
    {0},
};
/* clang-format on */
