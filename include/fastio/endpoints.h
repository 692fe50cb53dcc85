/* SPDX-License-Identifier: MIT */
/* fastio/endpoints.h - the endpoint table: one row per Fast.io REST endpoint (api = the wire
 * contract, docs/api.md). The library's fastio_call(), the CLI's options, help and
 * reference (docs/cli.md) and the MCP tool schemas all read these rows, parameters included;
 * adding an endpoint is one row here (and a route + handler on the server), nothing else.
 *
 * X(ID, NUM, METHOD, PARAMS, AUTH, RETRY, "path template", "result key", "doc", P(...) P(...))
 *   NUM     the row's id (enum fastio_endpoint). APPEND-ONLY: never renumber a row and never
 *           reuse the number of a removed row, because applications compile the numbers in.
 *           A new row takes FASTIO_EP_COUNT_ (one more than the highest number in any list);
 *           test_endpoints.c pins every existing number.
 *   METHOD  GET POST PUT PATCH DELETE
 *   PARAMS  how BODY parameters travel: QUERY (URL query), FORM (x-www-form-urlencoded body),
 *           JSON (JSON object body; parameters become string members), NONE (no body at all)
 *   AUTH    NONE (no Authorization header), BEARER, BASIC (email:password, sign-in only)
 *   RETRY   SAFE (idempotent: may be resent after a transient failure), UNSAFE
 *   path    relative to the base URL; each "{}" is replaced, in order, by a path argument
 *           (percent-encoded, except ',' which bulk routes need literally: api §4.2)
 *   result  the envelope key holding the main result ("" = the whole decoded body)
 *   doc     one line saying what the endpoint does (CLI help, docs, MCP tool descriptions)
 *   P(...)  the row's parameters, in order, no commas between them (none: leave it empty):
 *
 * P("wire_name", TYPE, REQ, IN, "choices", "doc")
 *   TYPE    STRING, INT (decimal, >= 0), BOOL ("true"|"false"), ENUM (one of choices), ID (an
 *           opaque id, or a name the API accepts in its place: api §1.1), JSON (a JSON
 *           document sent as one string), NAME (a file or folder name), DATETIME
 *           ("YYYY-MM-DD HH:MM:SS UTC")
 *   REQ     REQ (the server refuses the call without it) or OPT
 *   IN      PATH (fills the next "{}" of the path: one P per "{}", in path order), BODY (sent
 *           the row's PARAMS way), QUERY (in the URL even when the row has a body), MULTIPART
 *           (a part of a multipart body) or RAW (the whole body, as bytes): only the transfer
 *           engine sends the last two, so fastio_call() and `fastio api` skip rows with them
 *   choices "a|b|c" when the contract fixes the values (ENUM), else NULL
 *   doc     one line
 */
#ifndef FASTIO_ENDPOINTS_H
#define FASTIO_ENDPOINTS_H

/* Each API area keeps its rows in its own header (same row format), appended to the list. */
#include "fastio/endpoints_auth.h"     /* OAuth, sessions, scopes (api §2.5) */
#include "fastio/endpoints_members.h"  /* members, invitations, transfer, events (api §3.3, §3.5) */
#include "fastio/endpoints_transfer.h" /* uploads, downloads, versions (api §5, §6) */
#include "fastio/endpoints_lock.h"     /* file locks (api §7) */
#include "fastio/endpoints_web.h"      /* URL import (api §5.7) */
#include "fastio/endpoints_hardening.h" /* email verification (api §2.1) */
#include "fastio/endpoints_intel.h"     /* search (api §4.2, §8.5) */
#include "fastio/endpoints_ai.h"        /* AI chat (api §8.2) */

/* Parameters several rows share: the same fact written once. */
#define FASTIO_P_ORG_(P) P("org_id", ID, REQ, PATH, NULL, "Org id or domain.")
#define FASTIO_P_WS_(P) P("workspace_id", ID, REQ, PATH, NULL, "Workspace id or folder_name.")
#define FASTIO_P_NODE_(P) P("node_id", ID, REQ, PATH, NULL, "Node id.")
#define FASTIO_P_PAGE_(P)                                                                          \
    P("limit", INT, OPT, BODY, NULL, "Maximum items to return (server default 100, max 500).")     \
    P("offset", INT, OPT, BODY, NULL, "Items to skip.")
#define FASTIO_P_CURSOR_(P)                                                                        \
    P("sort_by", ENUM, OPT, BODY, "name|updated|created|type", "Sort key.")                        \
    P("sort_dir", ENUM, OPT, BODY, "asc|desc", "Sort direction.")                                  \
    P("page_size", ENUM, OPT, BODY, "100|250|500", "Items per page.")                              \
    P("cursor", STRING, OPT, BODY, NULL, "next_cursor of the previous page.")
#define FASTIO_P_APIKEY_(P)                                                                        \
    P("memo", STRING, OPT, BODY, NULL, "Label of the key.")                                        \
    P("scopes", JSON, OPT, BODY, NULL,                                                             \
      "JSON array of scopes, e.g. [\"org:123:rw\"]; absent = full access.")                        \
    P("agent_name", STRING, OPT, BODY, NULL, "Name of the agent using the key.")                   \
    P("expires", DATETIME, OPT, BODY, NULL, "Expiry, \"YYYY-MM-DD HH:MM:SS UTC\"; absent = never.")
#define FASTIO_P_ORG_FIELDS_(P)                                                                    \
    P("name", STRING, OPT, BODY, NULL, "Display name, 3-100 characters.")                          \
    P("description", STRING, OPT, BODY, NULL, "Description, 10-1000 characters.")                  \
    P("industry", STRING, OPT, BODY, NULL, "Industry (see GET /orgs/industries/).")                \
    P("billing_email", STRING, OPT, BODY, NULL, "Address that receives invoices.")
#define FASTIO_P_PERM_JOIN_ "Member or above|Admin or above|Only Org Owners"
#define FASTIO_P_PERM_MANAGE_ "Member or above|Admin or above"

#define FASTIO_ENDPOINT_LIST(X, P)                                                                 \
    /* health: api §9.6 */                                                                         \
    X(PING, 0, GET, QUERY, NONE, SAFE, "/ping/", "", "Check that the API answers.", )             \
    X(SYSTEM_STATUS, 1, GET, QUERY, NONE, SAFE, "/system/status/", "",                             \
      "Show the service status report.", )                                                         \
    /* accounts: api §2.1, §2.2, §2.4 */                                                           \
    X(USER_SIGNUP, 2, POST, FORM, NONE, UNSAFE, "/user/", "", "Create an account.",                \
      P("email_address", STRING, REQ, BODY, NULL, "Email address of the new account.")             \
      P("password", STRING, REQ, BODY, NULL, "Password of the new account.")                       \
      P("tos_agree", BOOL, REQ, BODY, NULL, "Agreement to the terms of service (true).")           \
      P("first_name", STRING, OPT, BODY, NULL, "First name.")                                      \
      P("last_name", STRING, OPT, BODY, NULL, "Last name.")                                        \
      P("agent", BOOL, OPT, BODY, NULL,                                                            \
        "true: an agent account (permanent; needed to mint transfer tokens)."))                   \
    X(USER_SIGNIN, 3, GET, QUERY, BASIC, SAFE, "/user/auth/", "",                                  \
      "Sign in with email and password (Basic auth) and get a bearer token.", )                    \
    X(AUTH_CHECK, 4, GET, QUERY, BEARER, SAFE, "/user/auth/check/", "",                            \
      "Check the token and return the caller's user id.", )                                        \
    X(USER_ME, 5, GET, QUERY, BEARER, SAFE, "/user/me/details/", "user",                           \
      "Show the signed-in user.", )                                                                \
    X(APIKEY_CREATE, 6, POST, FORM, BEARER, UNSAFE, "/user/auth/key/", "",                         \
      "Create an API key (the secret is shown only once).", FASTIO_P_APIKEY_(P))                   \
    X(APIKEY_LIST, 7, GET, QUERY, BEARER, SAFE, "/user/auth/keys/", "api_keys",                    \
      "List your API keys (never their secrets).", )                                               \
    X(APIKEY_GET, 8, GET, QUERY, BEARER, SAFE, "/user/auth/key/{}/", "api_key",                    \
      "Show one API key.", P("key_id", ID, REQ, PATH, NULL, "Id of the API key."))                 \
    X(APIKEY_UPDATE, 9, POST, FORM, BEARER, SAFE, "/user/auth/key/{}/", "api_key",                 \
      "Change an API key's label, scopes, agent name or expiry.",                                  \
      P("key_id", ID, REQ, PATH, NULL, "Id of the API key.") FASTIO_P_APIKEY_(P))                  \
    X(APIKEY_DELETE, 10, DELETE, QUERY, BEARER, SAFE, "/user/auth/key/{}/", "",                    \
      "Revoke an API key.", P("key_id", ID, REQ, PATH, NULL, "Id of the API key."))                \
    /* organizations: api §3.2 */                                                                  \
    X(ORG_LIST, 11, GET, QUERY, BEARER, SAFE, "/orgs/list/", "orgs",                               \
      "List the orgs you are a member of.", FASTIO_P_PAGE_(P))                                     \
    X(ORG_LIST_EXTERNAL, 12, GET, QUERY, BEARER, SAFE, "/orgs/list/external/", "orgs",             \
      "List the orgs you reach only through a workspace.", FASTIO_P_PAGE_(P))                      \
    X(ORG_CREATE, 13, POST, FORM, BEARER, UNSAFE, "/org/create/", "org",                           \
      "Create an organization; you become its owner.",                                             \
      P("domain", STRING, REQ, BODY, NULL,                                                         \
        "Unique short name: 2-80 characters of a-z, 0-9 and '-', usable as the org id.")           \
      FASTIO_P_ORG_FIELDS_(P))                                                                     \
    X(ORG_DETAILS, 14, GET, QUERY, BEARER, SAFE, "/org/{}/details/", "org",                        \
      "Show an organization.", FASTIO_P_ORG_(P))                                                   \
    X(ORG_UPDATE, 15, POST, FORM, BEARER, SAFE, "/org/{}/update/", "org",                          \
      "Change an organization's settings (admin); \"null\" clears a field.",                       \
      FASTIO_P_ORG_(P)                                                                             \
      P("domain", STRING, OPT, BODY, NULL, "New domain.")                                          \
      FASTIO_P_ORG_FIELDS_(P)                                                                      \
      P("homepage", STRING, OPT, BODY, NULL, "Homepage URL.")                                      \
      P("perm_member_manage", ENUM, OPT, BODY, "Member or above|Admin or above|Owner only",        \
        "Who may manage members.")                                                                 \
      P("perm_auth_domains", STRING, OPT, BODY, NULL, "Email domains whose users may join.")       \
      P("accent_color", JSON, OPT, BODY, NULL, "Accent colour (JSON).")                            \
      P("background_color", JSON, OPT, BODY, NULL, "Background colour (JSON).")                    \
      P("background_mode", STRING, OPT, BODY, NULL, "Background mode.")                            \
      P("use_background", BOOL, OPT, BODY, NULL, "Whether to show the background.")               \
      P("facebook", STRING, OPT, BODY, NULL, "Facebook page.")                                     \
      P("twitter", STRING, OPT, BODY, NULL, "Twitter/X profile.")                                  \
      P("instagram", STRING, OPT, BODY, NULL, "Instagram profile.")                                \
      P("youtube", STRING, OPT, BODY, NULL, "YouTube channel.")                                    \
      P("owner_defined", JSON, OPT, BODY, NULL, "Free-form JSON kept with the org."))              \
    X(ORG_CLOSE, 16, POST, FORM, BEARER, SAFE, "/org/{}/close/", "",                               \
      "Close an organization (owner).",                                                            \
      FASTIO_P_ORG_(P)                                                                             \
      P("confirm", STRING, REQ, BODY, NULL, "The org's domain or id, repeated as a safeguard."))   \
    X(ORG_WORKSPACES, 17, GET, QUERY, BEARER, SAFE, "/org/{}/list/workspaces/", "workspaces",      \
      "List the workspaces of one org.", FASTIO_P_ORG_(P) FASTIO_P_PAGE_(P))                       \
    /* workspaces: api §3.4 */                                                                     \
    X(WORKSPACE_CREATE, 18, POST, FORM, BEARER, UNSAFE, "/org/{}/create/workspace/", "workspace",  \
      "Create a workspace in an org.",                                                             \
      P("org_id", ID, REQ, PATH, NULL, "Org that owns the workspace (id or domain).")              \
      P("name", STRING, REQ, BODY, NULL, "Display name.")                                          \
      P("folder_name", STRING, REQ, BODY, NULL,                                                    \
        "Unique short name (a-z, 0-9, '-') usable instead of the id.")                             \
      P("description", STRING, OPT, BODY, NULL, "Description.")                                    \
      P("intelligence", BOOL, REQ, BODY, NULL, "AI indexing of every document (costs credits).")   \
      P("perm_join", ENUM, REQ, BODY, FASTIO_P_PERM_JOIN_, "Which org members may join.")          \
      P("perm_member_manage", ENUM, REQ, BODY, FASTIO_P_PERM_MANAGE_, "Who may manage members."))  \
    X(WORKSPACE_LIST, 19, GET, QUERY, BEARER, SAFE, "/workspaces/all/", "workspaces",              \
      "List every workspace you can reach.", FASTIO_P_PAGE_(P))                                    \
    X(WORKSPACE_DETAILS, 20, GET, QUERY, BEARER, SAFE, "/workspace/{}/details/", "workspace",      \
      "Show a workspace.", FASTIO_P_WS_(P))                                                        \
    X(WORKSPACE_UPDATE, 21, POST, FORM, BEARER, SAFE, "/workspace/{}/update/", "workspace",        \
      "Change a workspace's settings (admin).",                                                    \
      FASTIO_P_WS_(P)                                                                              \
      P("name", STRING, OPT, BODY, NULL, "New display name.")                                      \
      P("description", STRING, OPT, BODY, NULL, "New description.")                                \
      P("folder_name", STRING, OPT, BODY, NULL, "New folder_name.")                                \
      P("intelligence", BOOL, OPT, BODY, NULL, "Turn AI indexing on or off.")                      \
      P("perm_join", ENUM, OPT, BODY, FASTIO_P_PERM_JOIN_, "Which org members may join.")          \
      P("perm_member_manage", ENUM, OPT, BODY, FASTIO_P_PERM_MANAGE_, "Who may manage members."))  \
    X(WORKSPACE_DELETE, 22, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/delete/", "",              \
      "Delete a workspace and its files (owner).",                                                 \
      FASTIO_P_WS_(P)                                                                              \
      P("confirm", STRING, REQ, BODY, NULL,                                                        \
        "The workspace's folder_name or id, repeated as a safeguard."))                            \
    X(WORKSPACE_ARCHIVE, 23, POST, JSON, BEARER, SAFE, "/workspace/{}/archive/", "workspace",      \
      "Archive a workspace (read-only until unarchived).", FASTIO_P_WS_(P))                        \
    X(WORKSPACE_UNARCHIVE, 24, POST, JSON, BEARER, SAFE, "/workspace/{}/unarchive/", "workspace",  \
      "Unarchive a workspace.", FASTIO_P_WS_(P))                                                   \
    /* storage: api §4.2 (workspace twin) */                                                       \
    X(STORAGE_LIST, 25, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/list/", "nodes",       \
      "List a folder, one page at a time.",                                                        \
      FASTIO_P_WS_(P) P("folder_id", ID, REQ, PATH, NULL, "Folder node id, or \"root\".")          \
      FASTIO_P_CURSOR_(P))                                                                         \
    X(STORAGE_TRASH_LIST, 26, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/trash/list/",       \
      "nodes", "List the trash.", FASTIO_P_WS_(P) FASTIO_P_CURSOR_(P))                             \
    X(STORAGE_DETAILS, 27, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/details/", "node",  \
      "Show a file or folder (several ids joined by ',' ask for a bulk answer).",                  \
      FASTIO_P_WS_(P) FASTIO_P_NODE_(P))                                                           \
    X(STORAGE_CREATE_FOLDER, 28, POST, FORM, BEARER, SAFE,                                         \
      "/workspace/{}/storage/{}/createfolder/", "node", "Create a folder.",                        \
      FASTIO_P_WS_(P) P("parent_id", ID, REQ, PATH, NULL, "Parent folder id, or \"root\".")        \
      P("name", NAME, REQ, BODY, NULL, "Name of the new folder.")                                  \
      P("force", BOOL, OPT, BODY, NULL,                                                            \
        "true: always a new folder (\"name (2)\" when taken); else the existing one comes back.")) \
    X(STORAGE_MOVE, 29, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/move/", "node",        \
      "Move a file or folder into another folder.",                                                \
      FASTIO_P_WS_(P) FASTIO_P_NODE_(P)                                                            \
      P("parent", ID, REQ, BODY, NULL, "Destination folder id, or \"root\"."))                     \
    X(STORAGE_COPY, 30, POST, FORM, BEARER, UNSAFE, "/workspace/{}/storage/{}/copy/", "node",      \
      "Copy a file or folder into a folder.",                                                      \
      FASTIO_P_WS_(P) FASTIO_P_NODE_(P)                                                            \
      P("parent", ID, REQ, BODY, NULL, "Destination folder id, or \"root\"."))                     \
    X(STORAGE_UPDATE, 31, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/update/", "node",    \
      "Rename a file or folder.",                                                                  \
      FASTIO_P_WS_(P) FASTIO_P_NODE_(P) P("name", NAME, OPT, BODY, NULL, "New name."))             \
    X(STORAGE_DELETE, 32, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/delete/", "node", \
      "Move a file or folder to the trash.", FASTIO_P_WS_(P) FASTIO_P_NODE_(P))                    \
    X(STORAGE_RESTORE, 33, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/restore/", "node",  \
      "Restore a node from the trash.", FASTIO_P_WS_(P) FASTIO_P_NODE_(P))                         \
    X(STORAGE_PURGE, 34, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/purge/", "",       \
      "Delete a node in the trash for good.", FASTIO_P_WS_(P) FASTIO_P_NODE_(P))                   \
    X(STORAGE_TRASH_EMPTY, 35, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/storage/trash/delete/", \
      "", "Empty the trash.", FASTIO_P_WS_(P))                                                     \
    FASTIO_ENDPOINTS_AUTH(X, P)                                                                    \
    FASTIO_ENDPOINTS_MEMBERS(X, P)                                                                 \
    FASTIO_ENDPOINTS_TRANSFER(X, P)                                                                \
    FASTIO_ENDPOINTS_LOCK(X, P)                                                                    \
    FASTIO_ENDPOINTS_WEB(X, P)                                                                     \
    FASTIO_ENDPOINTS_HARDENING(X, P)                                                               \
    FASTIO_ENDPOINTS_INTEL(X, P)                                                                   \
    FASTIO_ENDPOINTS_AI(X, P)

#endif
