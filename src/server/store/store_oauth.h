/* SPDX-License-Identifier: MIT */
/* store_oauth.h - the OAuth area of the store (store.h): pending authorization requests, codes,
 * OAuth sessions and their access/refresh tokens (api §2.5). Codes and tokens reach the store
 * only as their SHA-256 hex. Times are wall-clock microseconds. Session rows for rendering come
 * back as JSON objects keyed by column: id, client_id, scope, scope_type, device_name,
 * device_type, agent_name (or null), created, last_used (or null), expires (the live refresh
 * token's expiry, or null). */
#ifndef SRV_STORE_OAUTH_H
#define SRV_STORE_OAUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "store.h"

/* A pending authorization request (GET /oauth/authorize/); the sizes bound what the handler
 * accepts. */
struct store_oauth_request {
    char id[48];
    char client_id[201];
    char redirect_uri[2001];
    char challenge[64];
    char state[501];
    char scope[501];
    char scope_type[32];
    char agent_name[101];
    char login_hint[255];
};

/* An authorization code as issued. */
struct store_oauth_code {
    char user_id[FIO_PROFILE_ID_SIZE];
    char client_id[201];
    char redirect_uri[2001];
    char challenge[64];
    char scope[501];
    char scope_type[32];
    char agent_name[101];
    int64_t expires;
    bool used;
    char session_id[FIO_OPAQUE_ID_SIZE]; /* the session it issued, "" before */
};

/* A refresh token and its session. */
struct store_oauth_refresh {
    char session_id[FIO_OPAQUE_ID_SIZE];
    int64_t expires;
    bool rotated;
    char client_id[201];
    char scope[501];
    char scope_type[32];
};

/* A new OAuth session. device_name, device_type, agent_name: NULL = none. */
struct store_oauth_session_new {
    const char *id, *user_id, *client_id, *scope, *scope_type, *device_name, *device_type,
        *agent_name;
    int64_t now;
};

struct store_oauth_ops {
    /* The scope and scope_type of an OAuth session, truncated to their sizes (scope is at most
     * 500 bytes, scope_type one short word). STORE_NOT_FOUND when there is no such session. */
    enum store_rc (*session_scope)(struct store_conn *c, const char *session_id, char *scope,
                                   size_t scope_size, char *scope_type, size_t type_size);

    /* ---- authorization requests and codes ---- */
    /* Delete requests expired at now, then store q until expires. */
    enum store_rc (*request_add)(struct store_conn *c, const struct store_oauth_request *q,
                                 int64_t now, int64_t expires);
    /* The request id if not expired at now. STORE_NOT_FOUND otherwise. */
    enum store_rc (*request_get)(struct store_conn *c, const char *id, int64_t now,
                                 struct store_oauth_request *out);
    /* Delete the request if not expired at now; *taken = this call deleted it (single use). */
    enum store_rc (*request_take)(struct store_conn *c, const char *id, int64_t now, bool *taken);
    /* Delete codes that expired before prune_before, then store a code for user_id made from
     * q, valid until expires. */
    enum store_rc (*code_add)(struct store_conn *c, const char *code_hash, const char *user_id,
                              const struct store_oauth_request *q, int64_t now, int64_t expires,
                              int64_t prune_before);
    enum store_rc (*code_get)(struct store_conn *c, const char *code_hash,
                              struct store_oauth_code *out);
    enum store_rc (*code_mark_used)(struct store_conn *c, const char *code_hash);
    enum store_rc (*code_set_session)(struct store_conn *c, const char *code_hash,
                                      const char *session_id);

    /* ---- sessions and tokens ---- */
    /* Delete the user's sessions with no token live at now, then add s. */
    enum store_rc (*session_add)(struct store_conn *c, const struct store_oauth_session_new *s);
    /* Delete a session and, by cascade, every token issued in it. */
    enum store_rc (*session_delete)(struct store_conn *c, const char *session_id);
    /* Store an access and a refresh token of the session and note its last use (now). */
    enum store_rc (*tokens_add)(struct store_conn *c, const char *session_id,
                                const char *access_hash, int64_t access_expires,
                                const char *refresh_hash, int64_t refresh_expires, int64_t now);
    /* The refresh token of a hash with its session. STORE_NOT_FOUND. */
    enum store_rc (*refresh_get)(struct store_conn *c, const char *token_hash,
                                 struct store_oauth_refresh *out);
    enum store_rc (*refresh_rotate)(struct store_conn *c, const char *token_hash);
    /* RFC 7009: a refresh token's hash deletes its session, an access token's hash the token.
     * Unknown hashes change nothing. */
    enum store_rc (*revoke)(struct store_conn *c, const char *token_hash);

    /* The user's sessions with a live (unrotated, unexpired at now) token, oldest first:
     * OWNED array of session rows; one of them by id (STORE_NOT_FOUND). */
    enum store_rc (*session_list)(struct store_conn *c, const char *user_id, int64_t now,
                                  json_t **rows);
    enum store_rc (*session_row)(struct store_conn *c, const char *id, const char *user_id,
                                 int64_t now, json_t **row);
    /* Rename: a field changes when its set_* flag is true; "" stores NULL. */
    enum store_rc (*session_rename)(struct store_conn *c, const char *id, bool set_device,
                                    const char *device_name, bool set_agent,
                                    const char *agent_name);
    /* Delete the user's session id; STORE_NOT_FOUND when they have none of that id. */
    enum store_rc (*session_delete_own)(struct store_conn *c, const char *id, const char *user_id);
    /* Delete every session of the user except keep (NULL = none kept); *n = how many. */
    enum store_rc (*session_delete_all)(struct store_conn *c, const char *user_id, const char *keep,
                                        long long *n);
};

#endif
