/* SPDX-License-Identifier: MIT */
/* op.h - one HTTP operation of libfastio: the request engine that fastio_call() (client_call.c,
 * one operation at a time on the client's own curl handle) and the transfer engine (many at
 * once on its curl multi handle) share. An operation is built from an endpoint row (request.c)
 * with the client's token and a fresh X-Request-Id, set up on a curl easy handle (User-Agent,
 * protocols, connect timeout, header and body capture), judged when curl is done (the one
 * CURLcode table, the envelope, rate-limit waits) and logged through the client's log hook.
 * The retry decision (fio_op_retry_wait) and the token refresh (fio_op_token) are here too, so
 * every request of the library follows one policy. How the handle is driven (one blocking
 * multi loop, or the transfer engine's event loop) is the caller's business. */
#ifndef FIO_OP_H
#define FIO_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "client.h"
#include "http_common.h"
#include "request.h"
#include "retry.h"

#define FIO_OP_REQUEST_ID_BYTES 16

/* What the caller's own callbacks saw go wrong, for the error table (all false = nothing). */
struct fio_op_io {
    bool src_changed;    /* an upload's source file changed under it (CONFLICT) */
    bool io_error;       /* a download could not be written locally (IO) */
    bool range_mismatch; /* the server sent bytes outside the requested range (PROTOCOL) */
};

struct fio_op {
    struct fastio_client *c;                /* borrowed: base URL, token, agent, log, limits */
    const struct fastio_endpoint_info *row; /* set by fio_op_build */
    struct fio_request rq;                  /* URL, body, header lines (auth, request id) */
    char request_id[2 * FIO_OP_REQUEST_ID_BYTES + 1];
    int attempt; /* 1 for the first try of a logical request; for the log */

    /* the answer, reset by fio_op_setup */
    struct fio_buf *resp; /* borrowed, capped by its owner: JSON answers and error bodies */
    bool resp_too_large, resp_nomem;
    struct fio_resp_headers hdr; /* x-ve-limit-*, Retry-After, Date */
    char errbuf[CURL_ERROR_SIZE];
    int64_t t0_us;

    /* the judgement, set by fio_op_judge */
    long http_status;  /* 0 = no response */
    bool nothing_sent; /* the transport failed before any byte of the request went out */
    bool tls_refused;  /* the server's certificate did not verify: never repeated (D-125) */
    int64_t latency_us;
};

/* Start an operation of client c whose answer goes into resp (borrowed; its cap is the
 * largest answer accepted). */
void fio_op_init(struct fio_op *op, struct fastio_client *c, struct fio_buf *resp);
/* Free the request (credentials wiped). The op may be built again after fio_op_init. */
void fio_op_release(struct fio_op *op);

/* Build the request of row ep (request.c) with token for BEARER rows (NULL = none) and a new
 * X-Request-Id. INVALID / NOMEM with err filled. */
enum fastio_status fio_op_build(struct fio_op *op, enum fastio_endpoint ep,
                                const char *const *path_args, size_t n_path_args,
                                const struct fastio_param *params, size_t n_params,
                                const struct fio_call_opts *opts, const char *token,
                                struct fastio_error *err);

/* How fio_op_setup treats the body. */
enum fio_op_body {
    FIO_OP_BODY_ROW,    /* method and body (query, form, JSON) as the row says */
    FIO_OP_BODY_CALLER, /* the caller sets the method and body (file bytes, multipart) */
};

/* Apply the operation's options to easy handle h (not reset here): URL, User-Agent, protocols,
 * no redirects, the client's connect timeout, keep-alive, the request's header lines, the error
 * buffer, and the capture of headers and body into the op (the caller may replace the write
 * and header callbacks afterwards; fio_op_header_line() keeps the capture). Resets the answer
 * state and starts the latency clock. Timeouts of the whole request are the caller's. */
CURLcode fio_op_setup(struct fio_op *op, CURL *h, enum fio_op_body body);

/* The header capture for a caller's own header callback: one raw header line; returns what it
 * was (http_common.h) and, for other headers, their name and value. */
enum fio_resp_header_kind fio_op_header_line(struct fio_op *op, const char *line, size_t n,
                                             const char **name, size_t *name_len,
                                             const char **value, size_t *value_len);

/* The one CURLcode -> status table of the library (with the caller's own callbacks' reasons
 * in io, may be NULL): fills err (message "<curl's text>: <details>", e.g. "Could not resolve
 * host: example.invalid") and returns the status. */
enum fastio_status fio_op_curl_error(const struct fio_op *op, CURLcode rc,
                                     const struct fio_op_io *io, struct fastio_error *err);

/* Judge a finished attempt: rc is curl's result for h. A transport failure goes through the
 * table above; otherwise the answer is decoded (the envelope, or the plain OAuth body of the
 * token rows) into *out (may be NULL; OWNED, also on failure when the body was a JSON object)
 * and, for 429 and 503, err->retry_after_ms is taken from the headers. Sets op->http_status,
 * op->nothing_sent and op->latency_us. err must not be NULL. */
enum fastio_status fio_op_judge(struct fio_op *op, CURL *h, CURLcode rc,
                                const struct fio_op_io *io, json_t **out,
                                struct fastio_error *err);
/* Only the transport part of the judgement, for answers whose body is not JSON (file bytes):
 * sets op->http_status, op->nothing_sent and op->latency_us; OK when rc is CURLE_OK. */
enum fastio_status fio_op_judge_transport(struct fio_op *op, CURL *h, CURLcode rc,
                                          const struct fio_op_io *io, struct fastio_error *err);

/* The retry decision of every request of the library: how long to wait before attempt
 * `attempt` + 1 of the op's row after a failure described by err (with op->http_status and
 * op->nothing_sent), or -1 for "do not repeat". The row's retry class decides which failures
 * may be repeated (retry.h fio_retry_decide); `force` is a caller's own knowledge that the
 * failure left nothing behind (a chunk the server refused for its CRC, a chunk still being
 * received from an aborted attempt) and repeats it whatever the class. At most max_retries
 * repeats; a 429/503 waits as the server says (longer than b->max_wait_ms: not repeated). */
long fio_op_retry_wait(const struct fio_op *op, const struct fastio_error *err, bool force,
                       int attempt, const struct fio_backoff *b);
/* The same from the parts, for a caller that no longer holds the op. */
long fio_retry_wait(enum fastio_retry_kind kind, const struct fastio_error *err, long http_status,
                    bool nothing_sent, bool force, int attempt, const struct fio_backoff *b);

/* One log line for the attempt through the client's log hook (nothing without one): row,
 * method, path, redacted query, status, outcome, API code, latency, bytes, attempt number and
 * the wait before the next attempt (-1 = none). Never a header, so never a token. */
void fio_op_log(const struct fio_op *op, enum fastio_status st, const struct fastio_error *err,
                size_t bytes, long wait_ms);

/* The client's token for a BEARER request: from its token provider when it has one (rejected
 * = NULL: the current token; rejected = a token that just earned a 401: a refreshed one unless
 * someone already refreshed), else the client's fixed token (rejected given: "" = nothing
 * new). buf has FASTIO_TOKEN_MAX bytes; "" = no token. */
enum fastio_status fio_op_token(struct fastio_client *c, const char *rejected, char *buf,
                                struct fastio_error *err);
/* Whether the client has a token provider (a 401 may then be refreshed). */
bool fio_op_can_refresh(const struct fastio_client *c);

/* The client's backoff settings with max_retries repeats. */
struct fio_backoff fio_op_backoff(const struct fastio_client *c, int max_retries);

#endif
