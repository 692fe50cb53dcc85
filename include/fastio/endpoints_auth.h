/* SPDX-License-Identifier: MIT */
/* fastio/endpoints_auth.h - endpoint rows for OAuth 2.0 + PKCE, sessions, token scopes (api §2.5, §2.2).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * OAUTH_TOKEN and OAUTH_REVOKE answer with plain OAuth bodies (RFC 6749 §5), not envelopes
 * (api §1.3); libfastio decodes them separately. The token exchange is UNSAFE: a code is
 * single-use and a refresh token rotates, so neither may be resent once sent. */
#ifndef FASTIO_ENDPOINTS_AUTH_H
#define FASTIO_ENDPOINTS_AUTH_H

#define FASTIO_P_SESSION_(P) P("session_id", ID, REQ, PATH, NULL, "Id of the OAuth session.")

#define FASTIO_ENDPOINTS_AUTH(X, P)                                                                \
    X(OAUTH_AUTHORIZE, 36, GET, QUERY, NONE, SAFE, "/oauth/authorize/", "",                        \
      "Start an OAuth 2.0 + PKCE authorization (S256).",                                           \
      P("client_id", STRING, REQ, BODY, NULL, "OAuth client id, e.g. fastio-cli.")                 \
      P("response_type", ENUM, REQ, BODY, "code", "Always \"code\".")                              \
      P("code_challenge", STRING, REQ, BODY, NULL, "base64url(SHA-256(verifier)).")                \
      P("code_challenge_method", ENUM, REQ, BODY, "S256", "Always \"S256\".")                      \
      P("state", STRING, REQ, BODY, NULL, "Random value echoed on the redirect.")                  \
      P("redirect_uri", STRING, REQ, BODY, NULL, "Where the code is sent.")                        \
      P("response_format", ENUM, OPT, BODY, "json", "\"json\": answer with the URL, not a page.") \
      P("scope_type", ENUM, OPT, BODY, "user|org|workspace|all_orgs|all_workspaces|all_shares",   \
        "Scope of the token to issue.")                                                            \
      P("agent_name", STRING, OPT, BODY, NULL, "Name of the agent asking.")                        \
      P("login_hint", STRING, OPT, BODY, NULL, "Email address to pre-fill."))                      \
    X(OAUTH_TOKEN, 37, POST, FORM, NONE, UNSAFE, "/oauth/token/", "",                              \
      "Exchange an authorization code or a refresh token for tokens.",                             \
      P("grant_type", ENUM, REQ, BODY, "authorization_code|refresh_token", "Kind of grant.")       \
      P("client_id", STRING, REQ, BODY, NULL, "OAuth client id.")                                  \
      P("code", STRING, OPT, BODY, NULL, "The authorization code (authorization_code).")           \
      P("code_verifier", STRING, OPT, BODY, NULL, "The PKCE verifier (authorization_code).")       \
      P("redirect_uri", STRING, OPT, BODY, NULL, "The redirect_uri of the authorization.")         \
      P("refresh_token", STRING, OPT, BODY, NULL, "The refresh token (refresh_token).")            \
      P("device_name", STRING, OPT, BODY, NULL, "Name of the device, shown in session lists.")     \
      P("device_type", STRING, OPT, BODY, NULL, "Kind of device, e.g. cli."))                      \
    X(OAUTH_REVOKE, 38, POST, FORM, NONE, SAFE, "/oauth/revoke/", "",                              \
      "Revoke an access or refresh token (RFC 7009).",                                             \
      P("token", STRING, REQ, BODY, NULL, "The token to revoke."))                                 \
    X(OAUTH_SESSIONS_LIST, 39, GET, QUERY, BEARER, SAFE, "/oauth/sessions/", "sessions",           \
      "List your OAuth sessions.", )                                                               \
    X(OAUTH_SESSION_DETAILS, 40, GET, QUERY, BEARER, SAFE, "/oauth/sessions/{}/", "session",       \
      "Show one OAuth session.", FASTIO_P_SESSION_(P))                                             \
    X(OAUTH_SESSION_RENAME, 41, PATCH, FORM, BEARER, SAFE, "/oauth/sessions/{}/", "session",       \
      "Rename an OAuth session's device or agent.",                                                \
      FASTIO_P_SESSION_(P)                                                                         \
      P("device_name", STRING, OPT, BODY, NULL, "New device name.")                                \
      P("agent_name", STRING, OPT, BODY, NULL, "New agent name."))                                 \
    X(OAUTH_SESSION_REVOKE, 42, DELETE, QUERY, BEARER, SAFE, "/oauth/sessions/{}/", "",            \
      "Revoke one OAuth session.", FASTIO_P_SESSION_(P))                                           \
    X(OAUTH_SESSIONS_REVOKE_ALL, 43, DELETE, QUERY, BEARER, SAFE, "/oauth/sessions/", "",          \
      "Revoke all your OAuth sessions.",                                                           \
      P("exclude_current", BOOL, OPT, BODY, NULL, "Keep the session named by current_session_id.") \
      P("current_session_id", ID, OPT, BODY, NULL, "The session to keep."))                        \
    X(AUTH_SCOPES, 44, GET, QUERY, BEARER, SAFE, "/auth/scopes/", "",                              \
      "Show the token's type, scopes and agent status.", )                                         \
    X(USER_SIGNOUT, 45, POST, NONE, BEARER, SAFE, "/user/auth/sign-out/", "",                      \
      "Sign out: invalidate the token.", )

#endif
