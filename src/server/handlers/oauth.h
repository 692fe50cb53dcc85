/* SPDX-License-Identifier: MIT */
/* oauth.h - shared pieces of the OAuth 2.0 authorization server (api §2.5): secret generation
 * and hashing, the non-envelope replies OAuth needs (RFC 6749 JSON bodies, the consent page,
 * 302 redirects), and session revocation. Handlers: h_oauth.c (authorize, token, revoke,
 * metadata), h_oauth_sessions.c (session management), oauth_page.c (the HTML consent page). */
#ifndef SRV_OAUTH_H
#define SRV_OAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"
#include "store_oauth.h"

#define OAUTH_HASH_HEX 65
#define OAUTH_PREFIX_ACCESS "fio_o_"  /* accepted as a Bearer token everywhere (h_auth.c) */
#define OAUTH_PREFIX_REFRESH "fio_r_" /* only at the token and revoke endpoints */
#define OAUTH_PREFIX_CODE "fio_c_"

/* Hex SHA-256 of a NUL-terminated secret, as stored. */
void oauth_sha256_hex(const char *s, char out[OAUTH_HASH_HEX]);
/* A new secret "<prefix><43 base64url chars>" (256 random bits) and its hash. false when the
 * kernel refuses randomness or tok is too small (>= 64 bytes is enough). */
bool oauth_new_secret(const char *prefix, char *tok, size_t toksize, char hash[OAUTH_HASH_HEX]);

/* Reply with a body outside the envelope: takes ownership of body (freed on failure), sets the
 * content type (static string) and HTTP status. Returns 0, or -1 with a 500 set on OOM. */
int oauth_reply_raw(struct req *r, int http, const char *content_type, char *body);
/* Reply with a JSON body outside the envelope (steals body). Returns 0 / -1 as above. */
int oauth_reply_json(struct req *r, int http, json_t *body);
/* RFC 6749 §5.2 error body {error, error_description}. Returns 0 (not -1: the router then
 * commits what the handler did, e.g. the revocation triggered by a reused code). */
int oauth_error(struct req *r, int http, const char *error, const char *description);

/* Delete an OAuth session and, by cascade, every token issued in it. 0, or -1 on a store
 * error. */
int oauth_session_delete(struct store_conn *st, const char *session_id);

/* The externally visible base URL ("http://127.0.0.1:8787", no trailing slash): --public-url, or
 * built from the listen address and bound port. */
void oauth_base_url(const struct server *s, char *out, size_t out_size);

/* ---- consent page (oauth_page.c) ----------------------------------------------------------- */
struct oauth_page {
    const char *request_id;
    const char *client_id;
    const char *agent_name;   /* may be NULL */
    const char *redirect_uri;
    const char *scope;
    const char *login_hint;   /* may be NULL */
    const char *error;        /* message shown above the form, or NULL */
};
/* The self-contained login-and-consent page (no external assets, every value HTML-escaped).
 * Owned: free(). NULL on OOM. */
char *oauth_page_render(const struct oauth_page *p);
/* A small page that only shows an error message (escaped). Owned: free(). NULL on OOM. */
char *oauth_page_error(const char *title, const char *message);

#endif
