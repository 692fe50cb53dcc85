/* SPDX-License-Identifier: MIT */
/* envelope.h - decoding of the Fast.io response envelope (api §1.3) and mapping of API errors to
 * fastio statuses. Pure: no I/O, no curl, no global state, so it is unit-tested and fuzzed on
 * its own (tests/unit/test_envelope.c, tests/fuzz/fuzz_envelope.c). */
#ifndef FIO_ENVELOPE_H
#define FIO_ENVELOPE_H

#include <stddef.h>

#include <jansson.h>

#include "fastio/status.h"

/* Decode the len bytes of body (not NUL-terminated; any bytes) received with http_status.
 *
 * Success requires HTTP 2xx, a JSON object, and a "result" that says success: true, a
 * non-zero number, or the strings "yes"/"true"/"1" (case-insensitive). When "result" is
 * missing, null or unrecognised, the response counts as a success when the object carries no
 * "error" member (null or false do not count) - a deliberate tolerance for endpoints that omit
 * it. "result" false, 0, "no"/"false"/"0" is a failure whatever the HTTP status. HTTP 204 with
 * an empty body is a success with an empty object.
 *
 * *out (out may be NULL) receives, OWNED, the normalised body whenever the body was a JSON
 * object - on success AND on failure (bulk details answer 404 with a useful body, api §4.2):
 *   - when "response" holds an object it is unwrapped; the other top-level members are merged
 *     into it unless it already has a member of that name;
 *   - "result", "current_api_version" and "server_date" are removed.
 * Otherwise *out is NULL.
 *
 * Returns FASTIO_OK, or the failure status, also stored in err (may be NULL; cleared on
 * success) with http_status, api_code, message (control characters removed) and retryable.
 * retry_after_ms is left at -1: headers are the caller's business.
 *   - 2xx with a body that is not a JSON object: FASTIO_PROTOCOL.
 *   - other non-2xx bodies that are not a JSON object: mapped from the HTTP status (below), or
 *     FASTIO_PROTOCOL for 1xx/3xx; message "HTTP <n>: <sanitised excerpt>".
 *   - API errors: mapped from error.code (number or numeric string; error_id in the flat
 *     variant) first and the HTTP status second:
 *       10545, 115069 (authenticated, but not a member / not shared) -> FORBIDDEN, even at 401
 *       1650 or 401 -> AUTH            1609 or 404 -> NOT_FOUND     1660 or 409 -> CONFLICT
 *       1671 or 429 -> RATE_LIMITED    1688/1695/1696 or 402 -> PAYMENT
 *       1605, 400 or 422 -> INVALID    403 -> FORBIDDEN   413 -> TOO_LARGE   5xx -> SERVER
 *       anything else -> API_ERROR
 *     retryable: RATE_LIMITED and HTTP 502/503/504.
 *   - FASTIO_NOMEM when memory runs out. */
enum fastio_status fio_envelope_decode(const char *body, size_t len, long http_status, json_t **out,
                                       struct fastio_error *err);

/* The status for an HTTP status and API code per the table above (api_code 0 = none). */
enum fastio_status fio_envelope_map_status(long http_status, long api_code);

/* Reset err and set its status and message (truncated to fit); returns st. err may be NULL. */
enum fastio_status fio_error_set(struct fastio_error *err, enum fastio_status st, const char *msg);

/* A JSON integer, integral real or decimal string as a long; false when v is NULL, of another
 * type, not a whole number or out of range. */
bool fio_json_to_long(const json_t *v, long *out);

/* Copy text (n bytes, any content) into dst (size > 0) as a one-line message: control
 * characters (C0, DEL and UTF-8 encoded C1) become spaces, runs of spaces collapse, and a
 * truncated message never ends inside a UTF-8 sequence. Always NUL-terminates. */
void fio_message_sanitize(char *dst, size_t size, const char *text, size_t n);

#endif
