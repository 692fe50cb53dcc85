/* SPDX-License-Identifier: MIT */
/* fastio/endpoints_members.h - endpoint rows for members, invitations, ownership transfer, events and activity (api §3.2, §3.3, §3.5, §9.4, §9.5).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * Adding a member and minting a transfer token are UNSAFE: a resend would mail a second
 * invitation or mint a second token. The org invitation accept/decline paths are fastio-server's
 * twin of the workspace ones (the contract names only the workspace form). */
#ifndef FASTIO_ENDPOINTS_MEMBERS_H
#define FASTIO_ENDPOINTS_MEMBERS_H

/* The org and workspace twins differ in the entity and the roles only. */
#define FASTIO_P_MORG_(P) P("org_id", ID, REQ, PATH, NULL, "Org id or domain.")
#define FASTIO_P_MWS_(P) P("workspace_id", ID, REQ, PATH, NULL, "Workspace id or folder_name.")
#define FASTIO_P_MEMBER_(P)                                                                        \
    P("member_id", ID, REQ, PATH, NULL, "Member's user id, or email address.")
#define FASTIO_P_INVITEE_(P)                                                                       \
    P("email_or_user_id", ID, REQ, PATH, NULL, "Email address or user id to add.")
#define FASTIO_P_INVITATION_(P) P("invitation_id", ID, REQ, PATH, NULL, "Invitation id.")
#define FASTIO_P_INV_STATE_(P)                                                                     \
    P("state", ENUM, REQ, PATH, "pending|accepted|declined", "Invitations in this state only.")
#define FASTIO_P_INV_UPDATE_(P, roles)                                                             \
    P("state", ENUM, OPT, BODY, "pending|accepted|declined", "New state.")                         \
    P("permissions", ENUM, OPT, BODY, roles, "New role.")
#define FASTIO_P_ORG_ROLES_ "admin|member"
#define FASTIO_P_WS_ROLES_ "admin|member|guest"

#define FASTIO_ENDPOINTS_MEMBERS(X, P)                                                             \
    /* org members and invitations: api §3.2 */                                                    \
    X(ORG_MEMBERS_LIST, 46, GET, QUERY, BEARER, SAFE, "/org/{}/members/list/", "users",            \
      "List an org's members, then its pending invitations.",                                      \
      FASTIO_P_MORG_(P) FASTIO_P_PAGE_(P))                                                         \
    X(ORG_MEMBERS_ADD, 47, POST, FORM, BEARER, UNSAFE, "/org/{}/members/{}/", "member",            \
      "Add a member to an org, or invite an email address.",                                       \
      FASTIO_P_MORG_(P) FASTIO_P_INVITEE_(P)                                                       \
      P("permissions", ENUM, OPT, BODY, FASTIO_P_ORG_ROLES_, "Role of the new member."))           \
    X(ORG_MEMBERS_REMOVE, 48, DELETE, QUERY, BEARER, SAFE, "/org/{}/members/{}/", "",              \
      "Remove an org member, or withdraw an invitation.", FASTIO_P_MORG_(P) FASTIO_P_MEMBER_(P))   \
    X(ORG_MEMBER_UPDATE, 49, POST, FORM, BEARER, SAFE, "/org/{}/member/{}/update/", "member",      \
      "Change an org member's role.",                                                              \
      FASTIO_P_MORG_(P) FASTIO_P_MEMBER_(P)                                                        \
      P("permissions", ENUM, REQ, BODY, FASTIO_P_ORG_ROLES_, "New role."))                         \
    X(ORG_MEMBER_DETAILS, 50, GET, QUERY, BEARER, SAFE, "/org/{}/member/{}/details/", "member",    \
      "Show one org member.", FASTIO_P_MORG_(P) FASTIO_P_MEMBER_(P))                               \
    X(ORG_MEMBER_TRANSFER, 51, POST, FORM, BEARER, SAFE, "/org/{}/member/{}/transfer_ownership/",  \
      "", "Make another org member the owner (owner only).",                                       \
      FASTIO_P_MORG_(P) P("member_id", ID, REQ, PATH, NULL, "User id of the new owner."))          \
    X(ORG_MEMBER_LEAVE, 52, DELETE, QUERY, BEARER, SAFE, "/org/{}/member/", "",                    \
      "Leave an org.", FASTIO_P_MORG_(P))                                                          \
    X(ORG_MEMBERS_JOIN, 53, POST, JSON, BEARER, SAFE, "/org/{}/members/join/", "member",           \
      "Join an org by its authorized email domains.", FASTIO_P_MORG_(P))                           \
    X(ORG_INVITATIONS_LIST, 54, GET, QUERY, BEARER, SAFE, "/org/{}/members/invitations/list/",     \
      "invitations", "List an org's invitations.", FASTIO_P_MORG_(P))                              \
    X(ORG_INVITATIONS_LIST_STATE, 55, GET, QUERY, BEARER, SAFE,                                    \
      "/org/{}/members/invitations/list/{}/", "invitations",                                       \
      "List an org's invitations in one state.", FASTIO_P_MORG_(P) FASTIO_P_INV_STATE_(P))         \
    X(ORG_INVITATION_UPDATE, 56, POST, FORM, BEARER, SAFE, "/org/{}/members/invitation/{}/",       \
      "invitation", "Change an org invitation's state or role.",                                   \
      FASTIO_P_MORG_(P) FASTIO_P_INVITATION_(P) FASTIO_P_INV_UPDATE_(P, FASTIO_P_ORG_ROLES_))      \
    X(ORG_INVITATION_DELETE, 57, DELETE, QUERY, BEARER, SAFE, "/org/{}/members/invitation/{}/",    \
      "", "Withdraw an org invitation.", FASTIO_P_MORG_(P) FASTIO_P_INVITATION_(P))                \
    X(ORG_INVITATION_ACCEPT, 58, POST, JSON, BEARER, SAFE, "/org/{}/members/join/{}/accept/",      \
      "invitation", "Accept an org invitation.", FASTIO_P_MORG_(P) FASTIO_P_INVITATION_(P))        \
    X(ORG_INVITATION_DECLINE, 59, POST, JSON, BEARER, SAFE, "/org/{}/members/join/{}/decline/",    \
      "invitation", "Decline an org invitation.", FASTIO_P_MORG_(P) FASTIO_P_INVITATION_(P))       \
    /* ownership transfer: api §3.3 */                                                             \
    X(ORG_TRANSFER_TOKEN_CREATE, 60, POST, FORM, BEARER, UNSAFE, "/org/{}/transfer/token/create/", \
      "transfer_token", "Mint a token that hands an org to a human (agent owners only).",          \
      FASTIO_P_MORG_(P)                                                                            \
      P("email", STRING, OPT, BODY, NULL, "Address the claim link is meant for."))                 \
    X(ORG_TRANSFER_TOKEN_LIST, 61, GET, QUERY, BEARER, SAFE, "/org/{}/transfer/token/list/",       \
      "transfer_tokens", "List an org's transfer tokens (never the token).",                       \
      FASTIO_P_MORG_(P) FASTIO_P_PAGE_(P))                                                         \
    X(ORG_TRANSFER_TOKEN_DELETE, 62, DELETE, QUERY, BEARER, SAFE, "/org/{}/transfer/token/{}/",    \
      "", "Revoke a transfer token.",                                                              \
      FASTIO_P_MORG_(P) P("token_id", ID, REQ, PATH, NULL, "Id of the transfer token."))           \
    X(ORG_TRANSFER_CLAIM, 63, POST, FORM, BEARER, SAFE, "/org/transfer/claim/", "org",             \
      "Claim an org with a transfer token.",                                                       \
      P("token", STRING, REQ, BODY, NULL, "The 64-character transfer token."))                     \
    /* workspace members and invitations: api §3.5 */                                              \
    X(WORKSPACE_MEMBERS_LIST, 64, GET, QUERY, BEARER, SAFE, "/workspace/{}/members/list/",         \
      "users", "List a workspace's members, then its pending invitations.",                        \
      FASTIO_P_MWS_(P) FASTIO_P_PAGE_(P))                                                          \
    X(WORKSPACE_MEMBERS_ADD, 65, POST, FORM, BEARER, UNSAFE, "/workspace/{}/members/{}/",          \
      "member", "Add a member to a workspace, or invite an email address.",                        \
      FASTIO_P_MWS_(P) FASTIO_P_INVITEE_(P)                                                        \
      P("permissions", ENUM, OPT, BODY, FASTIO_P_WS_ROLES_, "Role of the new member."))            \
    X(WORKSPACE_MEMBERS_REMOVE, 66, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/members/{}/", "",  \
      "Remove a workspace member, or withdraw an invitation.",                                     \
      FASTIO_P_MWS_(P) FASTIO_P_MEMBER_(P))                                                        \
    X(WORKSPACE_MEMBER_UPDATE, 67, POST, FORM, BEARER, SAFE, "/workspace/{}/member/{}/update/",    \
      "member", "Change a workspace member's role.",                                               \
      FASTIO_P_MWS_(P) FASTIO_P_MEMBER_(P)                                                         \
      P("permissions", ENUM, REQ, BODY, FASTIO_P_WS_ROLES_, "New role."))                          \
    X(WORKSPACE_MEMBER_DETAILS, 68, GET, QUERY, BEARER, SAFE, "/workspace/{}/member/{}/details/",  \
      "member", "Show one workspace member.", FASTIO_P_MWS_(P) FASTIO_P_MEMBER_(P))                \
    X(WORKSPACE_MEMBER_TRANSFER, 69, POST, FORM, BEARER, SAFE,                                     \
      "/workspace/{}/member/{}/transfer_ownership/", "",                                           \
      "Make another workspace member the owner.",                                                  \
      FASTIO_P_MWS_(P) P("member_id", ID, REQ, PATH, NULL, "User id of the new owner."))           \
    X(WORKSPACE_MEMBER_LEAVE, 70, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/member/", "",        \
      "Leave a workspace.", FASTIO_P_MWS_(P))                                                      \
    X(WORKSPACE_MEMBERS_JOIN, 71, POST, JSON, BEARER, SAFE, "/workspace/{}/members/join/",         \
      "member", "Join a workspace of an org you belong to.", FASTIO_P_MWS_(P))                     \
    X(WORKSPACE_INVITATIONS_LIST, 72, GET, QUERY, BEARER, SAFE,                                    \
      "/workspace/{}/members/invitations/list/", "invitations",                                    \
      "List a workspace's invitations.", FASTIO_P_MWS_(P))                                         \
    X(WORKSPACE_INVITATIONS_LIST_STATE, 73, GET, QUERY, BEARER, SAFE,                              \
      "/workspace/{}/members/invitations/list/{}/", "invitations",                                 \
      "List a workspace's invitations in one state.", FASTIO_P_MWS_(P) FASTIO_P_INV_STATE_(P))     \
    X(WORKSPACE_INVITATION_UPDATE, 74, POST, FORM, BEARER, SAFE,                                   \
      "/workspace/{}/members/invitation/{}/", "invitation",                                        \
      "Change a workspace invitation's state or role.",                                            \
      FASTIO_P_MWS_(P) FASTIO_P_INVITATION_(P) FASTIO_P_INV_UPDATE_(P, FASTIO_P_WS_ROLES_))        \
    X(WORKSPACE_INVITATION_DELETE, 75, DELETE, QUERY, BEARER, SAFE,                                \
      "/workspace/{}/members/invitation/{}/", "", "Withdraw a workspace invitation.",              \
      FASTIO_P_MWS_(P) FASTIO_P_INVITATION_(P))                                                    \
    X(WORKSPACE_INVITATION_ACCEPT, 76, POST, JSON, BEARER, SAFE,                                   \
      "/workspace/{}/members/join/{}/accept/", "invitation", "Accept a workspace invitation.",     \
      FASTIO_P_MWS_(P) FASTIO_P_INVITATION_(P))                                                    \
    X(WORKSPACE_INVITATION_DECLINE, 77, POST, JSON, BEARER, SAFE,                                  \
      "/workspace/{}/members/join/{}/decline/", "invitation", "Decline a workspace invitation.",   \
      FASTIO_P_MWS_(P) FASTIO_P_INVITATION_(P))                                                    \
    /* the caller's invitations: api §3.1 */                                                       \
    X(USER_INVITATIONS_LIST, 78, GET, QUERY, BEARER, SAFE, "/user/invitations/list/",              \
      "invitations", "List the invitations addressed to you.", )                                   \
    X(USER_INVITATIONS_ACCEPTALL, 79, POST, FORM, BEARER, SAFE, "/user/invitations/acceptall/",    \
      "invitations", "Accept every pending invitation addressed to you.", )                        \
    X(USER_INVITATION_DETAILS, 80, GET, QUERY, BEARER, SAFE, "/user/invitation/{}/details/",       \
      "invitation", "Show one invitation addressed to you.", FASTIO_P_INVITATION_(P))              \
    /* events: api §9.4 */                                                                         \
    X(EVENTS_SEARCH, 81, GET, QUERY, BEARER, SAFE, "/events/search/", "events",                    \
      "Search the audit log.",                                                                     \
      P("workspace_id", ID, OPT, BODY, NULL, "Events of this workspace (member role).")            \
      P("org_id", ID, OPT, BODY, NULL, "Events of this org and its workspaces (admin or owner).")  \
      P("user_id", ID, OPT, BODY, NULL, "Events about or by this user (only yourself).")           \
      P("share_id", ID, OPT, BODY, NULL, "Share events (not served by fastio-server).")            \
      P("parent_event_id", ID, OPT, BODY, NULL, "Child events (not served by fastio-server).")     \
      P("event", STRING, OPT, BODY, NULL, "Event name, e.g. added_member_to_workspace.")           \
      P("category", STRING, OPT, BODY, NULL, "org, workspace, node, invitation, ...")              \
      P("subcategory", STRING, OPT, BODY, NULL, "members, transfer, storage, lifecycle, ...")      \
      P("calling_user_id", ID, OPT, BODY, NULL, "Who did it.")                                     \
      P("object_id", ID, OPT, BODY, NULL, "What it was about (node, invitation, token id).")       \
      P("visibility", STRING, OPT, BODY, NULL, "external_audit_log or external (ignored here).")   \
      P("acknowledged", BOOL, OPT, BODY, NULL, "Only (un)acknowledged events.")                    \
      P("created-min", DATETIME, OPT, BODY, NULL, "Not before this time.")                         \
      P("created-max", DATETIME, OPT, BODY, NULL, "Not after this time.")                          \
      P("limit", INT, OPT, BODY, NULL, "Maximum events, 1-250 (default 100).")                     \
      P("offset", INT, OPT, BODY, NULL, "Events to skip."))                                        \
    X(EVENT_DETAILS, 82, GET, QUERY, BEARER, SAFE, "/event/{}/details/", "event",                  \
      "Show one event.", P("event_id", ID, REQ, PATH, NULL, "Event id."))                          \
    X(EVENT_ACK, 83, POST, FORM, BEARER, SAFE, "/event/{}/ack/", "event",                          \
      "Acknowledge an event.",                                                                     \
      P("event_id", ID, REQ, PATH, NULL, "Event id.")                                              \
      P("event_id", ID, OPT, BODY, NULL, "The same id again; must match the path."))              \
    /* activity long-poll: api §9.5 (docs/decisions.md "Activity") */                              \
    X(ACTIVITY_POLL, 84, GET, QUERY, BEARER, SAFE, "/activity/poll/{}/", "",                       \
      "Wait for a change in a workspace, an org or your upload sessions.",                         \
      P("entity_id", ID, REQ, PATH, NULL,                                                          \
        "Workspace or org id, or your user id (upload sessions).")                                 \
      P("lastactivity", STRING, OPT, BODY, NULL,                                                   \
        "The lastactivity of the previous answer; absent = answer at once.")                       \
      P("wait", INT, OPT, BODY, NULL, "Longest wait for a change in seconds, 0-95 (default 0)."))

#endif
