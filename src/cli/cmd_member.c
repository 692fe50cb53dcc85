/* SPDX-License-Identifier: MIT */
/* cmd_member.c - rows of the "member" group (workspace members, api §3.5, §11.2) and the option
 * tables of the org member / ownership transfer rows (CLI_ORG_MEMBER_ROWS, cmd_member.h), which
 * cmd_org.c splices into "org". All are plain rows run by cli_run_generic. */
#include "cmd_member.h"

/* clang-format off: one option per line reads as a table */

#define PAGE_OPTS                                                                                  \
    {.name = "limit", .kind = OPT_VALUE, .param = "limit", .metavar = "N"},                        \
    {.name = "offset", .kind = OPT_VALUE, .param = "offset", .metavar = "N"}

#define ORG_POS {.name = "ORG", .kind = OPT_POS, .path = 1}
#define MEMBER_POS {.name = "MEMBER", .kind = OPT_POS, .path = 2}
#define EMAIL_POS {.name = "EMAIL", .kind = OPT_POS, .path = 2}
#define ROLE_OPT(dflt)                                                                        \
    {.name = "role", .kind = OPT_VALUE, .param = "permissions", .def = dflt, .metavar = "ROLE"}

const struct cli_opt cli_org_members_list_opts[] = {ORG_POS, PAGE_OPTS, {0}};

const struct cli_opt cli_org_members_invite_opts[] = {ORG_POS, EMAIL_POS, ROLE_OPT("member"),
                                                      {0}};

const struct cli_opt cli_org_member_opts[] = {ORG_POS, MEMBER_POS, {0}};

const struct cli_opt cli_org_members_update_opts[] = {ORG_POS, MEMBER_POS, ROLE_OPT(NULL), {0}};

const struct cli_opt cli_org_only_opts[] = {ORG_POS, {0}};

const struct cli_opt cli_org_token_create_opts[] = {
    ORG_POS,
    {.name = "email", .kind = OPT_VALUE, .param = "email", .metavar = "EMAIL",
     .help = "The claim link is also mailed there."},
    {0},
};

const struct cli_opt cli_org_token_list_opts[] = {ORG_POS, PAGE_OPTS, {0}};

const struct cli_opt cli_org_token_delete_opts[] = {
    ORG_POS,
    {.name = "TOKEN_ID", .kind = OPT_POS, .path = 2,
     .help = "From 'org transfer-token list'; not the token itself."},
    {0},
};

const struct cli_opt cli_org_claim_opts[] = {
    {.name = "TOKEN", .kind = OPT_POS, .param = "token",
     .help = "Or the claim URL's token= value."},
    {0},
};

const struct cli_opt cli_org_transfer_opts[] = {
    ORG_POS,
    {.name = "NEW_OWNER_ID", .kind = OPT_POS, .path = 2},
    {0},
};

/* ---- the member group: --workspace W ------------------------------------------------------- */

#define WS_OPT                                                                                     \
    {.name = "workspace", .kind = OPT_VALUE, .required = true, .path = 1, .metavar = "WS"}

static const struct cli_opt list_opts[] = {WS_OPT, PAGE_OPTS, {0}};

static const struct cli_opt add_opts[] = {EMAIL_POS, WS_OPT, ROLE_OPT("member"), {0}};

static const struct cli_opt member_opts[] = {MEMBER_POS, WS_OPT, {0}};

static const struct cli_opt update_opts[] = {MEMBER_POS, WS_OPT, ROLE_OPT(NULL), {0}};

static const struct cli_opt ws_only_opts[] = {WS_OPT, {0}};

const struct cli_cmd cli_member_cmds[] = {
    {
        .name = "list",
        .endpoint = FASTIO_EP_WORKSPACE_MEMBERS_LIST,
        .opts = list_opts,
        .summary = "List a workspace's members and pending invitations",
        .description =
            "GET /workspace/{ws}/members/list/. Members first (status \"active\"), then\n"
            "pending invitations (status \"pending\"). Needs the member role (guests are\n"
            "refused).",
        .examples = "fastio member list --workspace design-team",
    },
    {
        .name = "add",
        .endpoint = FASTIO_EP_WORKSPACE_MEMBERS_ADD,
        .opts = add_opts,
        .summary = "Add a member, or invite an email address",
        .description =
            "POST /workspace/{ws}/members/{email_or_user_id}/. An existing account becomes a\n"
            "member at once; an unknown email address gets a pending invitation by mail,\n"
            "valid 14 days. Who may add follows the workspace's perm_member_manage; nobody\n"
            "grants a role above their own. Not retried after a lost answer.",
        .examples = "fastio member add jane@example.com --workspace design-team --role guest",
    },
    {
        .name = "remove",
        .endpoint = FASTIO_EP_WORKSPACE_MEMBERS_REMOVE,
        .opts = member_opts,
        .summary = "Remove a member, or withdraw an invitation",
        .description = "DELETE /workspace/{ws}/members/{member}/. The owner cannot be removed.",
        .examples = "fastio member remove 1234567890123456789 --workspace design-team",
    },
    {
        .name = "update",
        .endpoint = FASTIO_EP_WORKSPACE_MEMBER_UPDATE,
        .opts = update_opts,
        .summary = "Change a member's role",
        .description = "POST /workspace/{ws}/member/{member}/update/ with permissions.",
        .examples = "fastio member update 1234567890123456789 --workspace design-team --role admin",
    },
    {
        .name = "info",
        .endpoint = FASTIO_EP_WORKSPACE_MEMBER_DETAILS,
        .opts = member_opts,
        .summary = "Show one member",
        .description = "GET /workspace/{ws}/member/{member}/details/.",
        .examples = "fastio member info 1234567890123456789 --workspace design-team",
    },
    {
        .name = "leave",
        .endpoint = FASTIO_EP_WORKSPACE_MEMBER_LEAVE,
        .opts = ws_only_opts,
        .summary = "Leave a workspace",
        .description = "DELETE /workspace/{ws}/member/. The owner cannot leave.",
        .examples = "fastio member leave --workspace design-team",
    },
    {
        .name = "join",
        .endpoint = FASTIO_EP_WORKSPACE_MEMBERS_JOIN,
        .opts = ws_only_opts,
        .summary = "Join a workspace of your org",
        .description =
            "POST /workspace/{ws}/members/join/. Allowed by the workspace's perm_join, checked\n"
            "against your role in its org; you join as member.",
        .examples = "fastio member join --workspace design-team",
    },
    {0},
};

/* clang-format on */
