/* SPDX-License-Identifier: MIT */
/* fastio/status.h - the one status enum of libfastio and the error detail that travels beside it.
 * Generated from a single X-macro list so the enum, its names and its messages cannot drift.
 * The list is append-only: never renumber, never reuse a value. */
#ifndef FASTIO_STATUS_H
#define FASTIO_STATUS_H

#include <stdbool.h>

#include "fastio/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, value, message) */
#define FASTIO_STATUS_LIST(X)                                                                      \
    X(OK, 0, "success")                                                                            \
    X(INVALID, 1, "invalid argument")                                                              \
    X(NOMEM, 2, "out of memory")                                                                   \
    X(IO, 3, "local I/O error")                                                                    \
    X(NETWORK, 4, "network error")                                                                 \
    X(TIMEOUT, 5, "timed out")                                                                     \
    X(CANCELLED, 6, "cancelled")                                                                   \
    X(AUTH, 7, "authentication failed")                                                            \
    X(FORBIDDEN, 8, "permission denied")                                                           \
    X(NOT_FOUND, 9, "not found")                                                                   \
    X(CONFLICT, 10, "conflict")                                                                    \
    X(RATE_LIMITED, 11, "rate limited")                                                            \
    X(SERVER, 12, "server error")                                                                  \
    X(PROTOCOL, 13, "protocol error (unexpected response)")                                        \
    X(INTEGRITY, 14, "integrity check failed")                                                     \
    X(UNSUPPORTED, 15, "unsupported")                                                              \
    X(BUSY, 16, "busy")                                                                            \
    X(TOO_LARGE, 17, "too large")                                                                  \
    X(PAYMENT, 18, "plan, credits or payment required")                                            \
    X(API_ERROR, 19, "API error (unclassified)")

enum fastio_status {
#define FASTIO_STATUS_ENUM_(name, value, msg) FASTIO_##name = value,
    FASTIO_STATUS_LIST(FASTIO_STATUS_ENUM_)
#undef FASTIO_STATUS_ENUM_
};

/* Detail about a failure. Callers pass a pointer (or NULL when they only want the status); the
 * library fills it on failure and clears it on success. Plain data: nothing to free. */
struct fastio_error {
    enum fastio_status status;
    long http_status;   /* HTTP status of the response, 0 when no response was received */
    long api_code;      /* API error code from the envelope (e.g. 1609), 0 when none */
    bool retryable;     /* whether repeating the same request may succeed */
    long retry_after_ms; /* server-suggested wait before retrying, -1 when none */
    char message[512];  /* human-readable text, NUL-terminated, possibly truncated */
};

/* "FASTIO_NOT_FOUND" style name of a status; "FASTIO_UNKNOWN" for values outside the list.
 * Returns a static string. Thread-safe. */
FASTIO_API const char *fastio_status_name(enum fastio_status status);

/* Short English description of a status; static string. Thread-safe. */
FASTIO_API const char *fastio_status_str(enum fastio_status status);

/* Reset *err to "no error" (status OK, no codes, empty message). NULL is allowed. */
FASTIO_API void fastio_error_clear(struct fastio_error *err);

#ifdef __cplusplus
}
#endif
#endif
