/* SPDX-License-Identifier: MIT */
/* cmd_invitation.c - rows of the "invitation" group (api §3.1, §3.5, §11.2): the caller's
 * invitations and answering them. accept/decline of one invitation need its entity; without
 * --entity-type/--entity-id it is looked up with GET /user/invitation/{id}/details/. */
#include "cmd_member.h"

#include <string.h>

/* Print one invitation-shaped result the way cli_run_generic would. */
static int print_result(struct cli_ctx *ctx, const char *key, json_t *v)
{
    json_t *whole = json_pack("{s:O}", key, v);
    if (!whole) {
        cli_errorf(ctx, "out of memory");
        return CLI_ERR;
    }
    int rc = cli_print(ctx, whole, v);
    json_decref(whole);
    return rc;
}

static int fail(struct cli_ctx *ctx, enum fastio_status st, struct fastio_error *err)
{
    if (err->status == FASTIO_OK)
        err->status = st;
    cli_print_api_error(ctx, err);
    return CLI_ERR;
}

/* The entity of invitation `id`: from --entity-type/--entity-id, else from its details. is_org
 * and entity_id (pointing into *owned when looked up) are set. */
static int entity_of(struct cli_ctx *ctx, struct cli_args *args, const char *id, bool *is_org,
                     const char **entity_id, json_t **owned)
{
    const char *type = cli_arg(args, "entity-type"), *eid = cli_arg(args, "entity-id");
    *owned = NULL;
    if ((type == NULL) != (eid == NULL))
        return cli_usage(ctx, "give both --entity-type and --entity-id, or neither");
    if (type == NULL) {
        const char *path[1] = {id};
        json_t *resp = NULL;
        struct fastio_error err;
        enum fastio_status st = fastio_call(ctx->client, FASTIO_EP_USER_INVITATION_DETAILS, path,
                                            1, NULL, 0, &resp, &err);
        if (st != FASTIO_OK) {
            json_decref(resp);
            return fail(ctx, st, &err);
        }
        json_t *inv = fastio_result(resp, FASTIO_EP_USER_INVITATION_DETAILS);
        type = json_string_value(json_object_get(inv, "entity_type"));
        eid = json_string_value(json_object_get(inv, "entity_id"));
        if (!type || !eid) {
            json_decref(resp);
            cli_errorf(ctx, "unexpected response: the invitation names no entity");
            return CLI_ERR;
        }
        *owned = resp; /* type and eid point into it */
    }
    if (strcmp(type, "org") == 0) {
        *is_org = true;
    } else if (strcmp(type, "workspace") == 0) {
        *is_org = false;
    } else {
        json_decref(*owned);
        *owned = NULL;
        return cli_usage(ctx, "--entity-type must be org or workspace");
    }
    *entity_id = eid;
    return CLI_OK;
}

/* The org and workspace rows of each answer: accept, decline, delete. */
static const enum fastio_endpoint answer_rows[3][2] = {
    {FASTIO_EP_ORG_INVITATION_ACCEPT, FASTIO_EP_WORKSPACE_INVITATION_ACCEPT},
    {FASTIO_EP_ORG_INVITATION_DECLINE, FASTIO_EP_WORKSPACE_INVITATION_DECLINE},
    {FASTIO_EP_ORG_INVITATION_DELETE, FASTIO_EP_WORKSPACE_INVITATION_DELETE},
};

/* One row call; prints its result under the row's result key. */
static int call_and_print(struct cli_ctx *ctx, enum fastio_endpoint ep, const char *const *path,
                          size_t n_path)
{
    struct fastio_error err;
    json_t *resp = NULL;
    enum fastio_status st = fastio_call(ctx->client, ep, path, n_path, NULL, 0, &resp, &err);
    if (st != FASTIO_OK) {
        json_decref(resp);
        return fail(ctx, st, &err);
    }
    const char *key = fastio_endpoint_get(ep)->result_key;
    json_t *v = fastio_result(resp, ep);
    int rc = key[0] == '\0' ? CLI_OK : print_result(ctx, key, v);
    json_decref(resp);
    return rc;
}

/* accept [<ID>] and decline <ID>; delete <ID> (a manager's act) */
static int answer(struct cli_ctx *ctx, struct cli_args *args, int what)
{
    const char *id = cli_arg(args, "ID");
    int rc = cli_connect(ctx, FASTIO_EP_USER_INVITATIONS_LIST, true);
    if (rc != CLI_OK)
        return rc;
    if (what == 0 && (id == NULL || id[0] == '\0'))
        return call_and_print(ctx, FASTIO_EP_USER_INVITATIONS_ACCEPTALL, NULL, 0);
    bool is_org = true;
    const char *eid = NULL;
    json_t *owned = NULL;
    rc = entity_of(ctx, args, id, &is_org, &eid, &owned);
    if (rc != CLI_OK)
        return rc;
    const char *path[2] = {eid, id};
    rc = call_and_print(ctx, answer_rows[what][is_org ? 0 : 1], path, 2);
    json_decref(owned);
    return rc;
}

static int inv_accept(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    return answer(ctx, args, 0);
}

static int inv_decline(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    return answer(ctx, args, 1);
}

static int inv_delete(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    return answer(ctx, args, 2);
}

/* clang-format off */

/* The entity picks the row (org or workspace twin) and fills its first path argument. */
#define ENTITY_OPTS(req)                                                                           \
    {.name = "entity-type", .kind = OPT_VALUE, .cli_only = true, .required = req,                  \
     .check = CHK_CHOICE, .choices = "org|workspace", .metavar = "TYPE",                           \
     .help = "Kind of entity the invitation is for: org or workspace."},                           \
    {.name = "entity-id", .kind = OPT_VALUE, .cli_only = true, .required = req, .metavar = "ID",   \
     .help = "Id of that org or workspace."}

static const struct cli_opt no_opts[] = {{0}};

static const struct cli_opt accept_opts[] = {
    {.name = "ID", .kind = OPT_POS, .optional = true, .row = "USER_INVITATION_DETAILS", .path = 1,
     .help = "The invitation_key. Omitted: accept every pending invitation."},
    ENTITY_OPTS(false),
    {0},
};

static const struct cli_opt decline_opts[] = {
    {.name = "ID", .kind = OPT_POS, .path = 2, .help = "The invitation_key."},
    ENTITY_OPTS(false),
    {0},
};

static const struct cli_opt delete_opts[] = {
    {.name = "ID", .kind = OPT_POS, .path = 2},
    ENTITY_OPTS(true),
    {0},
};

const struct cli_cmd cli_invitation_cmds[] = {
    {
        .name = "list",
        .endpoint = FASTIO_EP_USER_INVITATIONS_LIST,
        .opts = no_opts,
        .summary = "List the invitations addressed to you",
        .description =
            "GET /user/invitations/list/: every invitation to your account's email address,\n"
            "in any state, with its entity (org or workspace), role and expiry.",
        .examples = "fastio invitation list",
    },
    {
        .name = "accept",
        .endpoint = FASTIO_EP_USER_INVITATIONS_ACCEPTALL,
        .opts = accept_opts,
        .run = inv_accept,
        .summary = "Accept one invitation, or all pending ones",
        .description =
            "With an ID: POST /{org|workspace}/{id}/members/join/{ID}/accept/ - the entity is\n"
            "taken from --entity-type/--entity-id or looked up with GET\n"
            "/user/invitation/{ID}/details/. Without: POST /user/invitations/acceptall/.\n"
            "You join with the invitation's role.",
        .examples = "fastio invitation accept\nfastio invitation accept 9abc...",
    },
    {
        .name = "decline",
        .endpoint = FASTIO_EP_WORKSPACE_INVITATION_DECLINE,
        .opts = decline_opts,
        .run = inv_decline,
        .summary = "Decline an invitation",
        .description =
            "POST /{org|workspace}/{id}/members/join/{ID}/decline/ (entity as for accept).",
        .examples = "fastio invitation decline 9abc... --entity-type workspace --entity-id team",
    },
    {
        .name = "delete",
        .endpoint = FASTIO_EP_WORKSPACE_INVITATION_DELETE,
        .opts = delete_opts,
        .run = inv_delete,
        .summary = "Delete an invitation you manage",
        .description =
            "DELETE /{org|workspace}/{id}/members/invitation/{ID}/. Needs member-manage rights\n"
            "in that org or workspace.",
        .examples = "fastio invitation delete 9abc... --entity-type org --entity-id acme",
    },
    {0},
};

/* clang-format on */
