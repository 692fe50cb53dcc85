/* SPDX-License-Identifier: MIT */
/* fastio/endpoints_lock.h - endpoint rows for file locks (api §7; docs/decisions.md "Locks").
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * Acquire is UNSAFE: resent after a lost answer it would meet its own lock (409) and the token
 * would be lost with the first answer. Release sends lock_token in the form body (api §7). */
#ifndef FASTIO_ENDPOINTS_LOCK_H
#define FASTIO_ENDPOINTS_LOCK_H

#define FASTIO_P_LOCK_NODE_(P)                                                                     \
    P("workspace_id", ID, REQ, PATH, NULL, "Workspace id or folder_name.")                         \
    P("node_id", ID, REQ, PATH, NULL, "File node id.")
#define FASTIO_P_LOCK_TOKEN_(P)                                                                    \
    P("lock_token", STRING, REQ, BODY, NULL, "The lock_token printed by lock acquire.")

#define FASTIO_ENDPOINTS_LOCK(X, P)                                                                \
    X(LOCK_ACQUIRE, 103, POST, FORM, BEARER, UNSAFE, "/workspace/{}/storage/{}/lock/", "lock",     \
      "Take the exclusive lock of a file.",                                                        \
      FASTIO_P_LOCK_NODE_(P)                                                                       \
      P("duration", INT, OPT, BODY, NULL,                                                          \
        "Lock lifetime without a heartbeat, 60-3600 s (default 300).")                             \
      P("client_info", JSON, OPT, BODY, NULL,                                                      \
        "A JSON object shown to others while you hold the lock."))                                 \
    X(LOCK_STATUS, 104, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/lock/", "lock",        \
      "Show whether a file is locked and by whom (never the token).", FASTIO_P_LOCK_NODE_(P))     \
    X(LOCK_HEARTBEAT, 105, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/lock/heartbeat/",   \
      "lock", "Renew a held lock for its full duration.",                                          \
      FASTIO_P_LOCK_NODE_(P) FASTIO_P_LOCK_TOKEN_(P))                                              \
    X(LOCK_RELEASE, 106, DELETE, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/lock/", "lock",     \
      "Release a held lock.", FASTIO_P_LOCK_NODE_(P) FASTIO_P_LOCK_TOKEN_(P))

#endif
