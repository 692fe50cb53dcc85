/* SPDX-License-Identifier: MIT */
/* store_account.h - the account area of the store (store.h): users, password hashes, Basic
 * sign-in sessions, API keys, and the resolution of a bearer token's hash into its owner.
 * Secrets never reach the store: callers pass the SHA-256 hex of a token, never the token.
 * Times are wall-clock microseconds (srv_now_us). */
#ifndef SRV_STORE_ACCOUNT_H
#define SRV_STORE_ACCOUNT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "store.h"

/* Which table a bearer token lives in (chosen by its prefix). */
enum store_token_kind {
    STORE_TOKEN_SESSION, /* Basic sign-in token (sessions) */
    STORE_TOKEN_API_KEY, /* api_keys */
    STORE_TOKEN_OAUTH,   /* OAuth access token (oauth_tokens of kind 'access') */
};

/* The owner of a live token. ref_id: the API key id, the OAuth session id, or "" (sessions). */
struct store_token_owner {
    char user_id[FIO_PROFILE_ID_SIZE];
    char email[256];
    char ref_id[FIO_OPAQUE_ID_SIZE];
};

/* A new API key row. Text fields may be NULL (stored as NULL) except memo (NULL = ""). */
struct store_apikey_new {
    const char *id, *user_id, *key_hash, *key_prefix, *memo, *scopes, *agent_name;
    bool has_expires;
    int64_t expires;
    int64_t now;
};

/* Changes to an API key: a field is changed only when its set_* flag is true. agent_name "" and
 * scopes NULL store NULL; expires_null clears the expiry. */
struct store_apikey_patch {
    bool set_memo, set_agent_name, set_scopes, set_expires;
    const char *memo, *agent_name, *scopes;
    bool expires_null;
    int64_t expires;
    int64_t now;
};

struct store_account_ops {
    /* The owner of a token whose hash is token_hash and that has not expired at now.
     * STORE_NOT_FOUND when there is none. */
    enum store_rc (*token_resolve)(struct store_conn *c, enum store_token_kind kind,
                                   const char *token_hash, int64_t now,
                                   struct store_token_owner *out);
    /* The id and stored password hash of the user with this email (STORE_NOT_FOUND when
     * none). Outputs are truncated to their sizes. */
    enum store_rc (*user_password)(struct store_conn *c, const char *email,
                                   char user_id[FIO_PROFILE_ID_SIZE], char *pwhash,
                                   size_t pwhash_size);
    /* *exists = a user with this email exists. */
    enum store_rc (*user_email_taken)(struct store_conn *c, const char *email, bool *exists);
    /* Insert a user (account_type "human" or "agent"). STORE_EXISTS on a taken email. */
    enum store_rc (*user_insert)(struct store_conn *c, const char *id, const char *email,
                                 const char *pwhash, const char *first, const char *last,
                                 const char *account_type, int64_t now);
    /* The user whose id or email is who: id and email (truncated to 256). STORE_NOT_FOUND. */
    enum store_rc (*user_find)(struct store_conn *c, const char *who,
                               char user_id[FIO_PROFILE_ID_SIZE], char email[256]);
    /* *exists = a user with this id exists. */
    enum store_rc (*user_exists)(struct store_conn *c, const char *user_id, bool *exists);
    /* The number of users. */
    enum store_rc (*user_count)(struct store_conn *c, long long *n);
    /* The user's profile as a row object (id, email, first_name, last_name, account_type,
     * email_verified 0/1, created, updated): OWNED in *row. */
    enum store_rc (*user_row)(struct store_conn *c, const char *user_id, json_t **row);
    /* The user's account_type ("human" | "agent"), truncated to size. */
    enum store_rc (*user_account_type)(struct store_conn *c, const char *user_id, char *out,
                                       size_t size);

    /* Delete the user's sessions that expired at or before now, then add one. */
    enum store_rc (*session_add)(struct store_conn *c, const char *token_hash, const char *user_id,
                                 int64_t now, int64_t expires);
    /* Delete every session of the user; *n = how many. */
    enum store_rc (*session_delete_user)(struct store_conn *c, const char *user_id, long long *n);

    enum store_rc (*apikey_insert)(struct store_conn *c, const struct store_apikey_new *k);
    /* One key of the user as a row object (id, key_prefix, memo, scopes (JSON text or null),
     * agent_name (or null), expires (or null), created, updated, last_used (or null)): OWNED in
     * *row; STORE_NOT_FOUND when the user has no such key. */
    enum store_rc (*apikey_row)(struct store_conn *c, const char *id, const char *user_id,
                                json_t **row);
    /* Every key of the user, oldest first, as apikey_row rows: OWNED array in *rows. */
    enum store_rc (*apikey_list)(struct store_conn *c, const char *user_id, json_t **rows);
    /* Apply p to key id (the caller has checked that it is the user's). */
    enum store_rc (*apikey_update)(struct store_conn *c, const char *id,
                                   const struct store_apikey_patch *p);
    /* Delete the user's key; STORE_NOT_FOUND when they have no such key. */
    enum store_rc (*apikey_delete)(struct store_conn *c, const char *id, const char *user_id);
    /* The key's scopes (compact JSON array text) in *scopes, OWNED (free()); NULL when the key
     * has none or does not exist. */
    enum store_rc (*apikey_scopes)(struct store_conn *c, const char *id, char **scopes);

    /* ---- email verification (hardening, D-081; api §2.1) ---- */
    /* *verified = the user's email_verified flag (false when there is no such user). */
    enum store_rc (*email_verified_get)(struct store_conn *c, const char *user_id, bool *verified);
    enum store_rc (*email_verified_set)(struct store_conn *c, const char *user_id, bool verified);
    /* The user's one verification code (SHA-256 hex of it), replacing an older one. */
    enum store_rc (*email_code_put)(struct store_conn *c, const char *user_id,
                                    const char *code_hash, int64_t expires);
    /* The user's code: hash (size >= 65), expiry and failed attempts; STORE_NOT_FOUND. */
    enum store_rc (*email_code_get)(struct store_conn *c, const char *user_id, char *code_hash,
                                    int64_t *expires, int64_t *attempts);
    /* One more failed attempt. */
    enum store_rc (*email_code_failed)(struct store_conn *c, const char *user_id);
    enum store_rc (*email_code_delete)(struct store_conn *c, const char *user_id);
};

#endif
