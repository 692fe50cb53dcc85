/* fastio/endpoints_auth.h - endpoint rows for OAuth 2.0 + PKCE, sessions, token scopes (api §2.5, §2.2).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * OAUTH_TOKEN and OAUTH_REVOKE answer with plain OAuth bodies (RFC 6749 §5), not envelopes
 * (api §1.3); libfastio decodes them separately. The token exchange is UNSAFE: a code is
 * single-use and a refresh token rotates, so neither may be resent once sent. */
#ifndef FASTIO_ENDPOINTS_AUTH_H
#define FASTIO_ENDPOINTS_AUTH_H

#define FASTIO_ENDPOINTS_AUTH(X)                                                                   \
    X(OAUTH_AUTHORIZE, GET, QUERY, NONE, SAFE, "/oauth/authorize/", "")                            \
    X(OAUTH_TOKEN, POST, FORM, NONE, UNSAFE, "/oauth/token/", "")                                  \
    X(OAUTH_REVOKE, POST, FORM, NONE, SAFE, "/oauth/revoke/", "")                                  \
    X(OAUTH_SESSIONS_LIST, GET, QUERY, BEARER, SAFE, "/oauth/sessions/", "sessions")               \
    X(OAUTH_SESSION_DETAILS, GET, QUERY, BEARER, SAFE, "/oauth/sessions/{}/", "session")           \
    X(OAUTH_SESSION_RENAME, PATCH, FORM, BEARER, SAFE, "/oauth/sessions/{}/", "session")           \
    X(OAUTH_SESSION_REVOKE, DELETE, QUERY, BEARER, SAFE, "/oauth/sessions/{}/", "")                \
    X(OAUTH_SESSIONS_REVOKE_ALL, DELETE, QUERY, BEARER, SAFE, "/oauth/sessions/", "")              \
    X(AUTH_SCOPES, GET, QUERY, BEARER, SAFE, "/auth/scopes/", "")                                  \
    X(USER_SIGNOUT, POST, NONE, BEARER, SAFE, "/user/auth/sign-out/", "")

#endif
