/* SPDX-License-Identifier: MIT */
/* log.h - the structured log line of one request attempt and the redaction of secrets in it.
 * The line is built with jansson (never printf) and never contains a header; anything that
 * could carry a credential is redacted by name (decisions.md "Retries, deadlines, logs"). */
#ifndef FIO_LOG_H
#define FIO_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fastio/fastio.h"

/* What one attempt did. Strings are borrowed. */
struct fio_log_attempt {
    const char *request_id;  /* x-request-id of the logical call */
    const char *endpoint;    /* row name */
    const char *method;
    struct fio_slice path;   /* the URL path, without the query */
    struct fio_slice query;  /* the query string without '?' (redacted before logging) */
    long http_status;        /* 0 = no response */
    enum fastio_status outcome;
    long api_code;
    int64_t latency_us;
    size_t bytes;            /* response bytes received */
    int attempt;             /* 1 for the first */
    long retry_wait_ms;      /* the wait chosen before the next attempt; -1 = none follows */
};

/* Whether a parameter or field name names a secret: (case-insensitive) it contains "token",
 * "password", "passwd", "secret", "api_key", "apikey", "verifier", "authorization",
 * "signature" or "credential", or it is exactly "code", "key", "otp" or "pin". */
bool fio_log_is_secret_name(const char *name, size_t len);

/* Append query (n bytes, "a=1&b=2", not NUL-terminated) to out with the value of every
 * parameter whose (percent-decoded) name is a secret replaced by "REDACTED". false on OOM. */
bool fio_log_redact_query(struct fio_buf *out, const char *query, size_t n);

/* Replace, recursively, the value of every object member whose name is a secret by the string
 * "REDACTED" (in place). For JSON bodies that are ever logged or echoed. */
void fio_log_redact_json(json_t *v);

/* The JSON text of one attempt (OWNED, free()); NULL on OOM. Members: time (ISO 8601 UTC),
 * request_id, endpoint, method, path, query (redacted, omitted when empty), status, outcome,
 * api_code, latency_us, bytes, attempt, retry_wait_ms. */
char *fio_log_format(const struct fio_log_attempt *a);

/* Format and hand the line to the callback (nothing when log is NULL). Best effort: an OOM
 * drops the line, it never fails the request. */
void fio_log_emit(fastio_log_fn log, void *userdata, const struct fio_log_attempt *a);

#endif
