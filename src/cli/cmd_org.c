/* SPDX-License-Identifier: MIT */
/* cmd_org.c - rows of the "org" group (api §3.2). "org list" merges the member orgs and the
 * orgs reached only through a workspace (the contract says to always read both lists). */
#include "cli.h"
#include "cmd_member.h"

#include <string.h>

/* Append the orgs of one list to `all`, tagging each with "member" unless the server did. */
static int add_orgs(struct cli_ctx *ctx, int ep, const struct cli_request *req, bool member,
                    json_t *all, json_t *seen)
{
    json_t *resp;
    int rc = cli_call(ctx, ep, req, &resp);
    if (rc != CLI_OK)
        return rc;
    json_t *orgs = fastio_result(resp, (enum fastio_endpoint)ep);
    if (!json_is_array(orgs)) {
        cli_errorf(ctx, "unexpected response: no list of orgs");
        json_decref(resp);
        return CLI_ERR;
    }
    size_t i;
    json_t *o;
    json_array_foreach(orgs, i, o)
    {
        const char *id = json_string_value(json_object_get(o, "id"));
        if (id && json_object_get(seen, id))
            continue; /* listed by both: keep the first (member) entry */
        if (!json_object_get(o, "member") &&
            json_object_set_new(o, "member", json_boolean(member)) != 0)
            goto oom;
        if (json_array_append(all, o) != 0 || (id && json_object_set_new(seen, id, json_true())))
            goto oom;
    }
    json_decref(resp);
    return CLI_OK;
oom:
    json_decref(resp);
    cli_errorf(ctx, "out of memory");
    return CLI_ERR;
}

static int org_list(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cli_request req;
    int rc = cli_build_request(ctx, FASTIO_EP_ORG_LIST, args, &req);
    if (rc != CLI_OK)
        return rc;
    rc = cli_connect(ctx, cmd->endpoint, true);
    if (rc != CLI_OK)
        return rc;
    json_t *all = json_array(), *seen = json_object(), *out = NULL;
    if (!all || !seen) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto done;
    }
    rc = add_orgs(ctx, FASTIO_EP_ORG_LIST, &req, true, all, seen);
    if (rc == CLI_OK)
        rc = add_orgs(ctx, FASTIO_EP_ORG_LIST_EXTERNAL, &req, false, all, seen);
    if (rc != CLI_OK)
        goto done;
    out = json_pack("{s:O}", "orgs", all);
    if (!out) {
        cli_errorf(ctx, "out of memory");
        rc = CLI_ERR;
        goto done;
    }
    rc = cli_print(ctx, out, all);
done:
    json_decref(all);
    json_decref(seen);
    json_decref(out);
    return rc;
}

/* ---- rows ------------------------------------------------------------------------------------ */
/* clang-format off: one option per line reads as a table; the formatter would explode
 * each designated initializer into a column of fields. */

static const struct cli_opt list_opts[] = {
    {.name = "limit", .kind = OPT_VALUE, .param = "limit", .metavar = "N",
     .help = "Applies to each of the two lists."},
    {.name = "offset", .kind = OPT_VALUE, .param = "offset", .metavar = "N",
     .help = "Applies to each of the two lists."},
    {0},
};

#define ORG_ARG {.name = "ORG", .kind = OPT_POS, .path = 1}

#define ORG_FIELDS                                                                                 \
    {.name = "description", .kind = OPT_VALUE, .param = "description", .metavar = "TEXT"},         \
    {.name = "industry", .kind = OPT_VALUE, .param = "industry", .metavar = "INDUSTRY"},           \
    {.name = "billing-email", .kind = OPT_VALUE, .param = "billing_email", .metavar = "EMAIL"}

static const struct cli_opt create_opts[] = {
    {.name = "NAME", .kind = OPT_POS, .param = "name"},
    {.name = "domain", .kind = OPT_VALUE, .param = "domain", .metavar = "DOMAIN"},
    ORG_FIELDS,
    {0},
};

static const struct cli_opt info_opts[] = {ORG_ARG, {0}};

/* Every wire field of the update row, under its wire name with '-' for '_'. */
static const struct cli_opt update_opts[] = {
    ORG_ARG,
    {.name = "name", .kind = OPT_VALUE, .param = "name", .metavar = "NAME"},
    {.name = "domain", .kind = OPT_VALUE, .param = "domain", .metavar = "DOMAIN"},
    ORG_FIELDS,
    {.name = "homepage", .kind = OPT_VALUE, .param = "homepage", .metavar = "URL"},
    {.name = "perm-member-manage", .kind = OPT_VALUE, .param = "perm_member_manage",
     .metavar = "LEVEL"},
    {.name = "perm-auth-domains", .kind = OPT_VALUE, .param = "perm_auth_domains",
     .metavar = "DOMAINS"},
    {.name = "accent-color", .kind = OPT_VALUE, .param = "accent_color", .metavar = "JSON"},
    {.name = "background-color", .kind = OPT_VALUE, .param = "background_color",
     .metavar = "JSON"},
    {.name = "background-mode", .kind = OPT_VALUE, .param = "background_mode", .metavar = "MODE"},
    {.name = "use-background", .kind = OPT_VALUE, .param = "use_background",
     .metavar = "true|false"},
    {.name = "facebook", .kind = OPT_VALUE, .param = "facebook", .metavar = "URL"},
    {.name = "twitter", .kind = OPT_VALUE, .param = "twitter", .metavar = "URL"},
    {.name = "instagram", .kind = OPT_VALUE, .param = "instagram", .metavar = "URL"},
    {.name = "youtube", .kind = OPT_VALUE, .param = "youtube", .metavar = "URL"},
    {.name = "owner-defined", .kind = OPT_VALUE, .param = "owner_defined", .metavar = "JSON"},
    {0},
};

const struct cli_cmd cli_org_cmds[] = {
    {
        .name = "list",
        .endpoint = FASTIO_EP_ORG_LIST,
        .opts = list_opts,
        .run = org_list,
        .summary = "List the orgs you belong to or reach through a workspace",
        .description =
            "Reads both GET /orgs/list/ (orgs you are a member of) and GET\n"
            "/orgs/list/external/ (orgs you reach only through a workspace) and prints one\n"
            "list; each org has a \"member\" field telling which list it came from. --limit\n"
            "and --offset apply to each list.",
        .examples = "fastio org list\nfastio org list --format json --limit 50",
    },
    {
        .name = "create",
        .endpoint = FASTIO_EP_ORG_CREATE,
        .opts = create_opts,
        .summary = "Create an organization",
        .description = "Creates an org (POST /org/create/); you become its owner.",
        .examples = "fastio org create \"Acme Corp\" --domain acme\n"
                    "fastio org create Acme --domain acme --billing-email billing@acme.example",
    },
    {
        .name = "info",
        .endpoint = FASTIO_EP_ORG_DETAILS,
        .opts = info_opts,
        .summary = "Show an organization",
        .description = "Shows the details of an org (GET /org/{org}/details/).",
        .examples = "fastio org info acme",
    },
    {
        .name = "update",
        .endpoint = FASTIO_EP_ORG_UPDATE,
        .opts = update_opts,
        .flags = CMD_NEEDS_FIELD,
        .summary = "Change an organization's settings",
        .description =
            "Updates an org (POST /org/{org}/update/). Only the options given are sent;\n"
            "the value \"null\" clears a field. Needs the admin role.",
        .examples = "fastio org update acme --name \"Acme Inc\"\n"
                    "fastio org update acme --perm-member-manage \"Admin or above\"",
    },
    CLI_ORG_MEMBER_ROWS, /* members, transfer tokens, claim, transfer (cmd_member.h) */
    {0},
};
/* clang-format on */
