/* SPDX-License-Identifier: MIT */
/* cmd_workspace.c - rows of the "workspace" group (api §3.4). Custom code only where a row is
 * not enough: "list" picks its endpoint from --org, "create" derives folder_name from the name. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int ws_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    int ep = cli_arg(args, "org") ? FASTIO_EP_ORG_WORKSPACES : FASTIO_EP_WORKSPACE_LIST;
    return cli_run_endpoint(ctx, ep, args);
}

/* folder_name default (api §3.4): lower-cased name, spaces -> '-'; we also drop characters
 * outside [a-z0-9-] and collapse dashes so the result is a valid folder_name. */
static char *derive_folder_name(const char *name)
{
    size_t n = strlen(name);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[o++] = c;
        else if ((c == ' ' || c == '-' || c == '_' || c == '.') && o && out[o - 1] != '-')
            out[o++] = '-';
    }
    while (o && out[o - 1] == '-')
        o--;
    out[o] = '\0';
    return out;
}

static int ws_create(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    if (!cli_arg(args, "folder-name")) {
        char *fn = derive_folder_name(cli_arg(args, "NAME"));
        if (!fn) {
            cli_errorf(ctx, "out of memory");
            return CLI_ERR;
        }
        if (!fn[0]) {
            free(fn);
            return cli_usage(ctx, "cannot derive a folder name from '%s': give --folder-name",
                             cli_arg(args, "NAME"));
        }
        bool ok = cli_arg_set(args, "folder-name", fn);
        free(fn);
        if (!ok) {
            cli_errorf(ctx, "out of memory");
            return CLI_ERR;
        }
    }
    return cli_run_generic(ctx, cmd, args);
}

/* ---- rows ------------------------------------------------------------------------------------ */
/* clang-format off: one option per line reads as a table; the formatter would explode
 * each designated initializer into a column of fields. */

#define WS_ARG {.name = "WS", .kind = OPT_POS, .path = 1}

static const struct cli_opt list_opts[] = {
    {.name = "org", .kind = OPT_VALUE, .row = "ORG_WORKSPACES", .path = 1, .metavar = "ORG",
     .help = "Only this org's workspaces (GET /org/{org}/list/workspaces/). Without it:\n"
             "every workspace you can reach."},
    {.name = "limit", .kind = OPT_VALUE, .param = "limit", .metavar = "N"},
    {.name = "offset", .kind = OPT_VALUE, .param = "offset", .metavar = "N"},
    {0},
};

static const struct cli_opt create_opts[] = {
    {.name = "NAME", .kind = OPT_POS, .param = "name"},
    {.name = "org", .kind = OPT_VALUE, .required = true, .path = 1, .metavar = "ORG"},
    {.name = "folder-name", .kind = OPT_VALUE, .param = "folder_name", .optional = true,
     .metavar = "FOLDER_NAME",
     .help = "Default: the name lower-cased with spaces turned into '-'."},
    {.name = "description", .kind = OPT_VALUE, .param = "description", .metavar = "TEXT"},
    {.name = "intelligence", .kind = OPT_VALUE, .param = "intelligence", .def = "false",
     .metavar = "true|false", .help = "Always sent, since the server requires it."},
    {.name = "perm-join", .kind = OPT_VALUE, .param = "perm_join", .def = "Member or above",
     .metavar = "LEVEL"},
    {.name = "perm-member-manage", .kind = OPT_VALUE, .param = "perm_member_manage",
     .def = "Admin or above", .metavar = "LEVEL"},
    {0},
};

static const struct cli_opt info_opts[] = {WS_ARG, {0}};

static const struct cli_opt update_opts[] = {
    WS_ARG,
    {.name = "name", .kind = OPT_VALUE, .param = "name", .metavar = "NAME"},
    {.name = "description", .kind = OPT_VALUE, .param = "description", .metavar = "TEXT"},
    {.name = "folder-name", .kind = OPT_VALUE, .param = "folder_name", .metavar = "FOLDER_NAME"},
    {.name = "intelligence", .kind = OPT_VALUE, .param = "intelligence", .metavar = "true|false"},
    {.name = "perm-join", .kind = OPT_VALUE, .param = "perm_join", .metavar = "LEVEL"},
    {.name = "perm-member-manage", .kind = OPT_VALUE, .param = "perm_member_manage",
     .metavar = "LEVEL"},
    {0},
};

static const struct cli_opt delete_opts[] = {
    WS_ARG,
    {.name = "confirm", .kind = OPT_VALUE, .param = "confirm", .metavar = "FOLDER_NAME|ID",
     .help = "The command is refused without it."},
    {0},
};

const struct cli_cmd cli_workspace_cmds[] = {
    {
        .name = "list",
        .endpoint = FASTIO_EP_WORKSPACE_LIST,
        .opts = list_opts,
        .run = ws_list,
        .summary = "List workspaces",
        .description = "Lists every workspace you can reach (GET /workspaces/all/), or with --org\n"
                       "the workspaces of one org (GET /org/{org}/list/workspaces/).",
        .examples = "fastio workspace list\nfastio workspace list --org acme --format json",
    },
    {
        .name = "create",
        .endpoint = FASTIO_EP_WORKSPACE_CREATE,
        .opts = create_opts,
        .run = ws_create,
        .summary = "Create a workspace in an org",
        .description =
            "Creates a workspace (POST /org/{org}/create/workspace/). The server needs\n"
            "folder_name, perm_join, perm_member_manage and intelligence, so the defaults\n"
            "below are always sent.",
        .examples = "fastio workspace create \"Design Team\" --org acme\n"
                    "fastio workspace create Legal --org acme --folder-name legal-2026 \\\n"
                    "    --perm-join \"Admin or above\" --intelligence false",
    },
    {
        .name = "info",
        .endpoint = FASTIO_EP_WORKSPACE_DETAILS,
        .opts = info_opts,
        .summary = "Show a workspace",
        .description = "Shows the details of a workspace (GET /workspace/{ws}/details/).",
        .examples = "fastio workspace info design-team",
    },
    {
        .name = "update",
        .endpoint = FASTIO_EP_WORKSPACE_UPDATE,
        .opts = update_opts,
        .flags = CMD_NEEDS_FIELD,
        .summary = "Change a workspace's settings",
        .description =
            "Updates a workspace (POST /workspace/{ws}/update/). Only the options given\n"
            "are sent. Needs the admin role.",
        .examples = "fastio workspace update design-team --name \"Design\"\n"
                    "fastio workspace update design-team --intelligence true",
    },
    {
        .name = "delete",
        .endpoint = FASTIO_EP_WORKSPACE_DELETE,
        .opts = delete_opts,
        .summary = "Delete a workspace (needs --confirm)",
        .description =
            "Deletes a workspace and its files (DELETE /workspace/{ws}/delete/). Refused\n"
            "unless --confirm repeats the workspace's folder_name or id. Needs the\n"
            "owner role.",
        .examples = "fastio workspace delete design-team --confirm design-team",
    },
    {0},
};
/* clang-format on */
