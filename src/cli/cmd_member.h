/* SPDX-License-Identifier: MIT */
/* cmd_member.h - command tables of the member, invitation and event groups (cmd_member.c,
 * cmd_invitation.c, cmd_event.c) and the org member / transfer rows that cmd_org.c splices into
 * the "org" group with CLI_ORG_MEMBER_ROWS (api §3.2, §3.3, §3.5, §9.4, §9.5, §11.2). */
#ifndef CLI_CMD_MEMBER_H
#define CLI_CMD_MEMBER_H

#include "cli.h"

extern const struct cli_cmd cli_member_cmds[];
extern const struct cli_cmd cli_invitation_cmds[];
extern const struct cli_cmd cli_event_cmds[];

/* the org rows' option tables (cmd_member.c) */
extern const struct cli_opt cli_org_members_list_opts[];
extern const struct cli_opt cli_org_members_invite_opts[];
extern const struct cli_opt cli_org_member_opts[];
extern const struct cli_opt cli_org_members_update_opts[];
extern const struct cli_opt cli_org_only_opts[];
extern const struct cli_opt cli_org_token_create_opts[];
extern const struct cli_opt cli_org_token_list_opts[];
extern const struct cli_opt cli_org_token_delete_opts[];
extern const struct cli_opt cli_org_claim_opts[];
extern const struct cli_opt cli_org_transfer_opts[];

/* clang-format off */
#define CLI_ORG_MEMBER_ROWS                                                                        \
    {.name = "members list", .endpoint = FASTIO_EP_ORG_MEMBERS_LIST,                               \
     .opts = cli_org_members_list_opts,                                                            \
     .summary = "List an org's members and pending invitations",                                   \
     .description = "GET /org/{org}/members/list/. Members come first (status \"active\"), then\n" \
                    "pending invitations (status \"pending\", id null, with invite{id, created,\n"\
                    "expires}). Needs the member role.",                                           \
     .examples = "fastio org members list acme"},                                                  \
    {.name = "members invite", .endpoint = FASTIO_EP_ORG_MEMBERS_ADD,                              \
     .opts = cli_org_members_invite_opts,                                                          \
     .summary = "Add a member, or invite an email address",                                        \
     .description = "POST /org/{org}/members/{email_or_user_id}/. An existing account becomes a\n" \
                    "member at once; an unknown email address gets a pending invitation, mailed\n"\
                    "to it, valid 14 days. Who may do this follows the org's perm_member_manage;\n"\
                    "nobody grants a role above their own. Not retried after a lost answer.",      \
     .examples = "fastio org members invite acme jane@example.com --role admin"},                  \
    {.name = "members remove", .endpoint = FASTIO_EP_ORG_MEMBERS_REMOVE,                           \
     .opts = cli_org_member_opts,                                                                  \
     .summary = "Remove a member, or withdraw an invitation",                                      \
     .description = "DELETE /org/{org}/members/{member}/. MEMBER is a user id or email; the\n"     \
                    "email of a pending invitee withdraws the invitation. The owner cannot be\n"   \
                    "removed. Workspace memberships are kept.",                                    \
     .examples = "fastio org members remove acme 1234567890123456789"},                            \
    {.name = "members update-role", .endpoint = FASTIO_EP_ORG_MEMBER_UPDATE,                       \
     .opts = cli_org_members_update_opts,                                                          \
     .summary = "Change a member's role",                                                          \
     .description = "POST /org/{org}/member/{member}/update/ with permissions. Ownership moves\n"  \
                    "only with 'org transfer' or a transfer token.",                               \
     .examples = "fastio org members update-role acme 1234567890123456789 --role member"},         \
    {.name = "members details", .endpoint = FASTIO_EP_ORG_MEMBER_DETAILS,                          \
     .opts = cli_org_member_opts,                                                                  \
     .summary = "Show one member",                                                                 \
     .description = "GET /org/{org}/member/{member}/details/.",                                    \
     .examples = "fastio org members details acme 1234567890123456789"},                           \
    {.name = "members leave", .endpoint = FASTIO_EP_ORG_MEMBER_LEAVE,                              \
     .opts = cli_org_only_opts,                                                                    \
     .summary = "Leave an organization",                                                           \
     .description = "DELETE /org/{org}/member/. The owner cannot leave (transfer it first).",      \
     .examples = "fastio org members leave acme"},                                                 \
    {.name = "members join", .endpoint = FASTIO_EP_ORG_MEMBERS_JOIN,                               \
     .opts = cli_org_only_opts,                                                                    \
     .summary = "Join an organization by its authorized email domains",                            \
     .description = "POST /org/{org}/members/join/. fastio-server does not support joining by\n"   \
                    "email domain: non-members are refused (ask for an invitation); members get\n" \
                    "their membership back.",                                                      \
     .examples = "fastio org members join acme"},                                                  \
    {.name = "transfer-token create", .endpoint = FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE,             \
     .opts = cli_org_token_create_opts,                                                            \
     .summary = "Mint a token that hands the org to a human",                                      \
     .description = "POST /org/{org}/transfer/token/create/. Only an agent account (signed up\n"   \
                    "with agent=true) that owns the org may do this. Prints the 64-character\n"   \
                    "token and its claim_url once; it is valid 72 hours, at most 5 per org.\n"     \
                    "Whoever claims it ('org transfer-claim') becomes owner of the org and its\n"  \
                    "workspaces; the agent stays as admin. Not retried after a lost answer.",      \
     .examples = "fastio org transfer-token create acme --email jane@example.com"},                \
    {.name = "transfer-token list", .endpoint = FASTIO_EP_ORG_TRANSFER_TOKEN_LIST,                 \
     .opts = cli_org_token_list_opts,                                                              \
     .summary = "List an org's transfer tokens",                                                   \
     .description = "GET /org/{org}/transfer/token/list/ (ids and state; never the token).",       \
     .examples = "fastio org transfer-token list acme"},                                           \
    {.name = "transfer-token delete", .endpoint = FASTIO_EP_ORG_TRANSFER_TOKEN_DELETE,             \
     .opts = cli_org_token_delete_opts,                                                            \
     .summary = "Revoke a transfer token",                                                         \
     .description = "DELETE /org/{org}/transfer/token/{token_id}/.",                               \
     .examples = "fastio org transfer-token delete acme 4abc..."},                                 \
    {.name = "transfer-claim", .endpoint = FASTIO_EP_ORG_TRANSFER_CLAIM,                           \
     .opts = cli_org_claim_opts,                                                                   \
     .summary = "Claim an org with a transfer token",                                              \
     .description = "POST /org/transfer/claim/ with the token, signed in as a human account:\n"    \
                    "you become owner of the org and all its workspaces, the previous owner\n"     \
                    "becomes admin. Prints the org.",                                              \
     .examples = "fastio org transfer-claim Xy3...64 characters"},                                 \
    {.name = "transfer", .endpoint = FASTIO_EP_ORG_MEMBER_TRANSFER,                                \
     .opts = cli_org_transfer_opts,                                                                \
     .summary = "Make another member the owner",                                                   \
     .description = "POST /org/{org}/member/{new_owner_id}/transfer_ownership/. Owner only; the\n" \
                    "new owner must be a member; it also owns every workspace of the org and\n"    \
                    "you become admin.",                                                           \
     .examples = "fastio org transfer acme 1234567890123456789"}
/* clang-format on */

#endif
