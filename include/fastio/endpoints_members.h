/* fastio/endpoints_members.h - endpoint rows for members, invitations, ownership transfer, events and activity (api §3.2, §3.3, §3.5, §9.4, §9.5).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * Adding a member and minting a transfer token are UNSAFE: a resend would mail a second
 * invitation or mint a second token. The org invitation accept/decline paths are fastio-server's
 * twin of the workspace ones (the contract names only the workspace form). */
#ifndef FASTIO_ENDPOINTS_MEMBERS_H
#define FASTIO_ENDPOINTS_MEMBERS_H

#define FASTIO_ENDPOINTS_MEMBERS(X)                                                                \
    /* org members and invitations: api §3.2 */                                                    \
    X(ORG_MEMBERS_LIST, GET, QUERY, BEARER, SAFE, "/org/{}/members/list/", "users")                \
    X(ORG_MEMBERS_ADD, POST, FORM, BEARER, UNSAFE, "/org/{}/members/{}/", "member")                \
    X(ORG_MEMBERS_REMOVE, DELETE, QUERY, BEARER, SAFE, "/org/{}/members/{}/", "")                  \
    X(ORG_MEMBER_UPDATE, POST, FORM, BEARER, SAFE, "/org/{}/member/{}/update/", "member")          \
    X(ORG_MEMBER_DETAILS, GET, QUERY, BEARER, SAFE, "/org/{}/member/{}/details/", "member")        \
    X(ORG_MEMBER_TRANSFER, POST, FORM, BEARER, SAFE, "/org/{}/member/{}/transfer_ownership/", "") \
    X(ORG_MEMBER_LEAVE, DELETE, QUERY, BEARER, SAFE, "/org/{}/member/", "")                        \
    X(ORG_MEMBERS_JOIN, POST, JSON, BEARER, SAFE, "/org/{}/members/join/", "member")               \
    X(ORG_INVITATIONS_LIST, GET, QUERY, BEARER, SAFE, "/org/{}/members/invitations/list/",         \
      "invitations")                                                                               \
    X(ORG_INVITATIONS_LIST_STATE, GET, QUERY, BEARER, SAFE,                                        \
      "/org/{}/members/invitations/list/{}/", "invitations")                                       \
    X(ORG_INVITATION_UPDATE, POST, FORM, BEARER, SAFE, "/org/{}/members/invitation/{}/",           \
      "invitation")                                                                                \
    X(ORG_INVITATION_DELETE, DELETE, QUERY, BEARER, SAFE, "/org/{}/members/invitation/{}/", "")    \
    X(ORG_INVITATION_ACCEPT, POST, JSON, BEARER, SAFE, "/org/{}/members/join/{}/accept/",          \
      "invitation")                                                                                \
    X(ORG_INVITATION_DECLINE, POST, JSON, BEARER, SAFE, "/org/{}/members/join/{}/decline/",        \
      "invitation")                                                                                \
    /* ownership transfer: api §3.3 */                                                             \
    X(ORG_TRANSFER_TOKEN_CREATE, POST, FORM, BEARER, UNSAFE, "/org/{}/transfer/token/create/",     \
      "transfer_token")                                                                            \
    X(ORG_TRANSFER_TOKEN_LIST, GET, QUERY, BEARER, SAFE, "/org/{}/transfer/token/list/",           \
      "transfer_tokens")                                                                           \
    X(ORG_TRANSFER_TOKEN_DELETE, DELETE, QUERY, BEARER, SAFE, "/org/{}/transfer/token/{}/", "")    \
    X(ORG_TRANSFER_CLAIM, POST, FORM, BEARER, SAFE, "/org/transfer/claim/", "org")                 \
    /* workspace members and invitations: api §3.5 */                                              \
    X(WORKSPACE_MEMBERS_LIST, GET, QUERY, BEARER, SAFE, "/workspace/{}/members/list/", "users")    \
    X(WORKSPACE_MEMBERS_ADD, POST, FORM, BEARER, UNSAFE, "/workspace/{}/members/{}/", "member")    \
    X(WORKSPACE_MEMBERS_REMOVE, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/members/{}/", "")      \
    X(WORKSPACE_MEMBER_UPDATE, POST, FORM, BEARER, SAFE, "/workspace/{}/member/{}/update/",        \
      "member")                                                                                    \
    X(WORKSPACE_MEMBER_DETAILS, GET, QUERY, BEARER, SAFE, "/workspace/{}/member/{}/details/",      \
      "member")                                                                                    \
    X(WORKSPACE_MEMBER_TRANSFER, POST, FORM, BEARER, SAFE,                                         \
      "/workspace/{}/member/{}/transfer_ownership/", "")                                           \
    X(WORKSPACE_MEMBER_LEAVE, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/member/", "")            \
    X(WORKSPACE_MEMBERS_JOIN, POST, JSON, BEARER, SAFE, "/workspace/{}/members/join/", "member")   \
    X(WORKSPACE_INVITATIONS_LIST, GET, QUERY, BEARER, SAFE,                                        \
      "/workspace/{}/members/invitations/list/", "invitations")                                    \
    X(WORKSPACE_INVITATIONS_LIST_STATE, GET, QUERY, BEARER, SAFE,                                  \
      "/workspace/{}/members/invitations/list/{}/", "invitations")                                 \
    X(WORKSPACE_INVITATION_UPDATE, POST, FORM, BEARER, SAFE,                                       \
      "/workspace/{}/members/invitation/{}/", "invitation")                                        \
    X(WORKSPACE_INVITATION_DELETE, DELETE, QUERY, BEARER, SAFE,                                    \
      "/workspace/{}/members/invitation/{}/", "")                                                  \
    X(WORKSPACE_INVITATION_ACCEPT, POST, JSON, BEARER, SAFE,                                       \
      "/workspace/{}/members/join/{}/accept/", "invitation")                                       \
    X(WORKSPACE_INVITATION_DECLINE, POST, JSON, BEARER, SAFE,                                      \
      "/workspace/{}/members/join/{}/decline/", "invitation")                                      \
    /* the caller's invitations: api §3.1 */                                                       \
    X(USER_INVITATIONS_LIST, GET, QUERY, BEARER, SAFE, "/user/invitations/list/", "invitations")   \
    X(USER_INVITATIONS_ACCEPTALL, POST, FORM, BEARER, SAFE, "/user/invitations/acceptall/",        \
      "invitations")                                                                               \
    X(USER_INVITATION_DETAILS, GET, QUERY, BEARER, SAFE, "/user/invitation/{}/details/",           \
      "invitation")                                                                                \
    /* events: api §9.4 */                                                                         \
    X(EVENTS_SEARCH, GET, QUERY, BEARER, SAFE, "/events/search/", "events")                        \
    X(EVENT_DETAILS, GET, QUERY, BEARER, SAFE, "/event/{}/details/", "event")                      \
    X(EVENT_ACK, POST, FORM, BEARER, SAFE, "/event/{}/ack/", "event")                          \
    /* activity long-poll: api §9.5 (docs/decisions.md "Activity") */                            \
    X(ACTIVITY_POLL, GET, QUERY, BEARER, SAFE, "/activity/poll/{}/", "")

#endif
