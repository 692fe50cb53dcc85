/* fastio/endpoints_auth.h - endpoint rows for OAuth 2.0 + PKCE, sessions, token scopes (api §2.5, §2.2).
 * Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST. */
#ifndef FASTIO_ENDPOINTS_AUTH_H
#define FASTIO_ENDPOINTS_AUTH_H

#define FASTIO_ENDPOINTS_AUTH(X)

#endif
