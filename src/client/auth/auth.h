/* SPDX-License-Identifier: MIT */
/* auth.h - internal pieces of OAuth 2.0 + PKCE in libfastio (api §2.5): decoding the plain
 * OAuth bodies of the token and revoke endpoints, which are not envelopes (api §1.3). */
#ifndef FIO_AUTH_H
#define FIO_AUTH_H

#include <stddef.h>

#include <jansson.h>

#include "fastio/status.h"

/* Decode an answer of /oauth/token/ or /oauth/revoke/ (len bytes, any content).
 * 2xx: a JSON object is returned OWNED in *out (out may be NULL); an empty body (RFC 7009
 * revoke) is an empty object; anything else is PROTOCOL.
 * Otherwise an RFC 6749 §5.2 body {error, error_description} maps to AUTH (invalid_grant,
 * invalid_client, unauthorized_client, invalid_token), INVALID (invalid_request,
 * unsupported_grant_type, invalid_scope, unsupported_token_type), and by HTTP status to
 * RATE_LIMITED (429), SERVER (5xx) or API_ERROR; a Fast.io envelope error is decoded as usual.
 * err gets http_status, message "<error>: <description>" (sanitised) and retryable. */
enum fastio_status fio_oauth_decode(const char *body, size_t len, long http_status, json_t **out,
                                    struct fastio_error *err);

#endif
