/* fastio/endpoints.h - the endpoint table: one row per Fast.io REST endpoint (api = the wire
 * contract, shared/docs/fastio-api.md). The library's typed functions, the generic fastio_call(),
 * the CLI and (later) the MCP tools all read these rows; adding an endpoint is one row here.
 *
 * X(ID, METHOD, PARAMS, AUTH, RETRY, "path template", "result key")
 *   METHOD  GET POST PUT PATCH DELETE
 *   PARAMS  how parameters travel: QUERY (URL query), FORM (x-www-form-urlencoded body),
 *           JSON (JSON object body; parameters become string members), NONE (no body at all)
 *   AUTH    NONE (no Authorization header), BEARER, BASIC (email:password, sign-in only)
 *   RETRY   SAFE (idempotent: may be resent after a transient failure), UNSAFE
 *   path    relative to the base URL; each "{}" is replaced, in order, by a path argument
 *           (percent-encoded, except ',' which bulk routes need literally: api §4.2)
 *   result  the envelope key holding the main result ("" = the whole decoded body)
 */
#ifndef FASTIO_ENDPOINTS_H
#define FASTIO_ENDPOINTS_H

/* Each API area keeps its rows in its own header (same row format), appended to the list. */
#include "fastio/endpoints_auth.h"     /* OAuth, sessions, scopes (api §2.5) */
#include "fastio/endpoints_members.h"  /* members, invitations, transfer, events (api §3.3, §3.5) */
#include "fastio/endpoints_transfer.h" /* uploads, downloads, versions (api §5, §6) */
#include "fastio/endpoints_lock.h"     /* file locks (api §7) */

#define FASTIO_ENDPOINT_LIST(X)                                                                    \
    /* health: api §9.6 */                                                                         \
    X(PING, GET, QUERY, NONE, SAFE, "/ping/", "")                                                  \
    X(SYSTEM_STATUS, GET, QUERY, NONE, SAFE, "/system/status/", "")                                \
    /* accounts: api §2.1, §2.2, §2.4 */                                                           \
    X(USER_SIGNUP, POST, FORM, NONE, UNSAFE, "/user/", "")                                         \
    X(USER_SIGNIN, GET, QUERY, BASIC, SAFE, "/user/auth/", "")                                     \
    X(AUTH_CHECK, GET, QUERY, BEARER, SAFE, "/user/auth/check/", "")                               \
    X(USER_ME, GET, QUERY, BEARER, SAFE, "/user/me/details/", "user")                              \
    X(APIKEY_CREATE, POST, FORM, BEARER, UNSAFE, "/user/auth/key/", "")                            \
    X(APIKEY_LIST, GET, QUERY, BEARER, SAFE, "/user/auth/keys/", "api_keys")                       \
    X(APIKEY_GET, GET, QUERY, BEARER, SAFE, "/user/auth/key/{}/", "api_key")                       \
    X(APIKEY_UPDATE, POST, FORM, BEARER, SAFE, "/user/auth/key/{}/", "api_key")                    \
    X(APIKEY_DELETE, DELETE, QUERY, BEARER, SAFE, "/user/auth/key/{}/", "")                        \
    /* organizations: api §3.2 */                                                                  \
    X(ORG_LIST, GET, QUERY, BEARER, SAFE, "/orgs/list/", "orgs")                                   \
    X(ORG_LIST_EXTERNAL, GET, QUERY, BEARER, SAFE, "/orgs/list/external/", "orgs")                 \
    X(ORG_CREATE, POST, FORM, BEARER, UNSAFE, "/org/create/", "org")                               \
    X(ORG_DETAILS, GET, QUERY, BEARER, SAFE, "/org/{}/details/", "org")                            \
    X(ORG_UPDATE, POST, FORM, BEARER, SAFE, "/org/{}/update/", "org")                              \
    X(ORG_CLOSE, POST, FORM, BEARER, SAFE, "/org/{}/close/", "")                                   \
    X(ORG_WORKSPACES, GET, QUERY, BEARER, SAFE, "/org/{}/list/workspaces/", "workspaces")          \
    /* workspaces: api §3.4 */                                                                     \
    X(WORKSPACE_CREATE, POST, FORM, BEARER, UNSAFE, "/org/{}/create/workspace/", "workspace")      \
    X(WORKSPACE_LIST, GET, QUERY, BEARER, SAFE, "/workspaces/all/", "workspaces")                  \
    X(WORKSPACE_DETAILS, GET, QUERY, BEARER, SAFE, "/workspace/{}/details/", "workspace")          \
    X(WORKSPACE_UPDATE, POST, FORM, BEARER, SAFE, "/workspace/{}/update/", "workspace")            \
    X(WORKSPACE_DELETE, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/delete/", "")                  \
    X(WORKSPACE_ARCHIVE, POST, JSON, BEARER, SAFE, "/workspace/{}/archive/", "workspace")          \
    X(WORKSPACE_UNARCHIVE, POST, JSON, BEARER, SAFE, "/workspace/{}/unarchive/", "workspace")      \
    /* storage: api §4.2 (workspace twin) */                                                       \
    X(STORAGE_LIST, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/list/", "nodes")           \
    X(STORAGE_TRASH_LIST, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/trash/list/", "nodes")  \
    X(STORAGE_DETAILS, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/details/", "node")      \
    X(STORAGE_CREATE_FOLDER, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/createfolder/",   \
      "node")                                                                                      \
    X(STORAGE_MOVE, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/move/", "node")            \
    X(STORAGE_COPY, POST, FORM, BEARER, UNSAFE, "/workspace/{}/storage/{}/copy/", "node")          \
    X(STORAGE_UPDATE, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/update/", "node")        \
    X(STORAGE_DELETE, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/delete/", "node")     \
    X(STORAGE_RESTORE, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/restore/", "node")      \
    X(STORAGE_PURGE, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/purge/", "")           \
    X(STORAGE_TRASH_EMPTY, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/storage/trash/delete/", "") \
    FASTIO_ENDPOINTS_AUTH(X)                                                                       \
    FASTIO_ENDPOINTS_MEMBERS(X)                                                                    \
    FASTIO_ENDPOINTS_TRANSFER(X)                                                                   \
    FASTIO_ENDPOINTS_LOCK(X)

#endif
