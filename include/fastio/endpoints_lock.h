/* fastio/endpoints_lock.h - endpoint rows for file locks (api §7; docs/decisions.md "Locks").
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * Acquire is UNSAFE: resent after a lost answer it would meet its own lock (409) and the token
 * would be lost with the first answer. Release sends lock_token in the form body (api §7). */
#ifndef FASTIO_ENDPOINTS_LOCK_H
#define FASTIO_ENDPOINTS_LOCK_H

#define FASTIO_ENDPOINTS_LOCK(X)                                                                   \
    X(LOCK_ACQUIRE, POST, FORM, BEARER, UNSAFE, "/workspace/{}/storage/{}/lock/", "lock")          \
    X(LOCK_STATUS, GET, QUERY, BEARER, SAFE, "/workspace/{}/storage/{}/lock/", "lock")             \
    X(LOCK_HEARTBEAT, POST, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/lock/heartbeat/",        \
      "lock")                                                                                      \
    X(LOCK_RELEASE, DELETE, FORM, BEARER, SAFE, "/workspace/{}/storage/{}/lock/", "lock")

#endif
