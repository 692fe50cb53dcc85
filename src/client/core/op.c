/* SPDX-License-Identifier: MIT */
/* op.c - one HTTP operation (op.h): building it from the row, setting it up on a curl handle,
 * judging the answer, the retry decision, the log line and the token. Shared by fastio_call()
 * (client_call.c) and the transfer engine, so both send the same headers, map the same curl
 * failures the same way, retry by the same rule and log the same lines. */
#include "op.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "b64.h"
#include "client_internal.h"
#include "envelope.h"
#include "log.h"
#include "rand.h"
#include "ratelimit.h"
#include "timeutil.h"

/* Captured header values are cut to this (they are numbers and dates, so a cut value simply
 * fails to parse later). */
#define HEADER_VALUE_MAX 64

void fio_op_init(struct fio_op *op, struct fastio_client *c, struct fio_buf *resp)
{
    memset(op, 0, sizeof(*op));
    op->c = c;
    op->resp = resp;
    op->attempt = 1;
    fio_request_init(&op->rq);
}

void fio_op_release(struct fio_op *op)
{
    fio_request_release(&op->rq);
    fio_request_init(&op->rq);
}

static void new_request_id(char *out)
{
    unsigned char raw[FIO_OP_REQUEST_ID_BYTES];
    if (!fio_random_bytes(raw, sizeof(raw))) {
        /* Not a secret, only a correlation id: the clock will do. */
        int64_t t = fio_mono_us();
        memset(raw, 0, sizeof(raw));
        memcpy(raw, &t, sizeof(t));
    }
    fio_hex_encode(raw, sizeof(raw), out);
}

enum fastio_status fio_op_build(struct fio_op *op, enum fastio_endpoint ep,
                                const char *const *path_args, size_t n_path_args,
                                const struct fastio_param *params, size_t n_params,
                                const struct fio_call_opts *opts, const char *token,
                                struct fastio_error *err)
{
    char idline[64];
    enum fastio_status st;

    op->row = fastio_endpoint_get(ep);
    if (op->row == NULL)
        return fio_error_set(err, FASTIO_INVALID, "unknown endpoint");
    st = fio_request_build(&op->rq, ep, op->c->base_url, token, path_args, n_path_args, params,
                           n_params, opts, err);
    if (st != FASTIO_OK)
        return st;
    if (op->request_id[0] == '\0') /* a rebuilt op (after a token refresh) keeps its id */
        new_request_id(op->request_id);
    (void)snprintf(idline, sizeof(idline), "X-Request-Id: %s", op->request_id);
    if (!fio_request_add_header(&op->rq, idline))
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    return FASTIO_OK;
}

/* ---- set-up ------------------------------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct fio_op *op = userdata;
    size_t n = size * nmemb; /* curl guarantees size == 1 */
    size_t max = op->resp->max != 0 ? op->resp->max : SIZE_MAX / 2;
    if (n > max - op->resp->len) {
        op->resp_too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (!fio_buf_append(op->resp, data, n)) {
        op->resp_nomem = true;
        return 0;
    }
    return n;
}

enum fio_resp_header_kind fio_op_header_line(struct fio_op *op, const char *line, size_t n,
                                             const char **name, size_t *name_len,
                                             const char **value, size_t *value_len)
{
    return fio_resp_header_line(&op->hdr, line, n, HEADER_VALUE_MAX, name, name_len, value,
                                value_len);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
    size_t n = size * nmemb;
    const char *name, *value;
    size_t name_len, value_len;
    (void)fio_op_header_line(userdata, line, n, &name, &name_len, &value, &value_len);
    return n;
}

CURLcode fio_op_setup(struct fio_op *op, CURL *h, enum fio_op_body body)
{
    const struct fio_request *rq = &op->rq;
    const struct fastio_endpoint_info *row = op->row;
    const struct fastio_client *c = op->c;
    CURLcode rc = CURLE_OK;

/* Stop at the first option that fails; the code says why. */
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)

    op->resp_too_large = false;
    op->resp_nomem = false;
    op->errbuf[0] = '\0';
    op->http_status = 0;
    op->nothing_sent = false;
    op->tls_refused = false;
    op->latency_us = 0;
    memset(&op->hdr, 0, sizeof(op->hdr));
    op->t0_us = fio_mono_us();

    SET(CURLOPT_URL, rq->url.data);
    SET(CURLOPT_NOSIGNAL, 1L); /* clients may run on several threads */
    SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    /* The client's CA file (D-125); verification itself is always on. */
    if (rc == CURLE_OK)
        rc = fio_curl_tls_setup(h, c->ca_file);
    /* An UNSAFE request goes on a new connection. On a reused keep-alive connection that dies
     * before any answer byte, libcurl resends the request by itself on a fresh one ("Connection
     * died, retrying a fresh connect"): invisible to the retry rule, so a session create or a
     * batch the server had already acted on would be acted on twice. A fresh connection is
     * never retried that way; it costs one connect per UNSAFE request (creates, batches - not
     * chunks or ranges), and the connection then serves the requests that follow. */
    SET(CURLOPT_FRESH_CONNECT, row->retry == FASTIO_RETRY_UNSAFE ? 1L : 0L);
    SET(CURLOPT_HTTPHEADER, rq->headers);
    SET(CURLOPT_ERRORBUFFER, op->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)op);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)op);

    if (body == FIO_OP_BODY_ROW) {
        switch (row->method) {
        case FASTIO_METHOD_GET:
            if (rq->has_body) /* not used by any row; kept generic */
                SET(CURLOPT_CUSTOMREQUEST, "GET");
            else
                SET(CURLOPT_HTTPGET, 1L);
            break;
        case FASTIO_METHOD_POST:
            SET(CURLOPT_POST, 1L);
            break;
        default:
            SET(CURLOPT_CUSTOMREQUEST, fastio_method_name(row->method));
            break;
        }
        /* POST, PUT and PATCH always carry a body, empty if need be (Content-Length: 0), so
         * that no server waits for one; DELETE and GET carry one only when the row says so. */
        if (rq->has_body || row->method == FASTIO_METHOD_POST ||
            row->method == FASTIO_METHOD_PUT || row->method == FASTIO_METHOD_PATCH) {
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body.len);
            SET(CURLOPT_POSTFIELDS, rq->body.data != NULL ? rq->body.data : "");
        }
    }
#undef SET
    return rc;
}

/* ---- judging ----------------------------------------------------------------------------- */

enum fastio_status fio_op_curl_error(const struct fio_op *op, CURLcode rc,
                                     const struct fio_op_io *io, struct fastio_error *err)
{
    static const struct fio_op_io none = {false, false, false};
    enum fastio_status st;
    bool retryable = false;

    if (io == NULL)
        io = &none;
    switch (rc) {
    case CURLE_FILESIZE_EXCEEDED:
        st = FASTIO_TOO_LARGE;
        break;
    case CURLE_WRITE_ERROR:
        /* A write callback refused: it says why. */
        st = io->io_error           ? FASTIO_IO
             : io->range_mismatch   ? FASTIO_PROTOCOL
             : op->resp_too_large   ? FASTIO_TOO_LARGE
             : op->resp_nomem       ? FASTIO_NOMEM
                                    : FASTIO_IO;
        break;
    case CURLE_READ_ERROR:
        st = io->src_changed ? FASTIO_CONFLICT : FASTIO_IO;
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        st = io->src_changed ? FASTIO_CONFLICT : FASTIO_CANCELLED;
        break;
    default:
        st = fio_curl_status(rc, &retryable);
        break;
    }
    if (err == NULL)
        return st;
    fastio_error_clear(err);
    err->status = st;
    err->retryable = retryable;
    if (io->src_changed)
        (void)snprintf(err->message, sizeof(err->message),
                       "source file changed during the upload");
    else if (st == FASTIO_TOO_LARGE && op->resp_too_large)
        (void)snprintf(err->message, sizeof(err->message), "response larger than %zu bytes",
                       op->resp->max != 0 ? op->resp->max : SIZE_MAX / 2);
    else if (fio_curl_tls_verify_failed(rc))
        (void)snprintf(err->message, sizeof(err->message), FIO_TLS_VERIFY_MSG " (%s%s%s)",
                       curl_easy_strerror(rc), op->errbuf[0] != '\0' ? ": " : "", op->errbuf);
    else
        (void)snprintf(err->message, sizeof(err->message), "%s%s%s", curl_easy_strerror(rc),
                       op->errbuf[0] != '\0' ? ": " : "", op->errbuf);
    return st;
}

/* Whether a curl failure happened before the request was written: resolving, connecting and
 * the TLS handshake come first, and CURLINFO_REQUEST_SIZE counts the request bytes actually
 * sent (reset for every transfer). */
static bool failed_before_sending(CURL *h, CURLcode rc)
{
    long sent = -1;
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        break;
    }
    return curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent == 0;
}

enum fastio_status fio_op_judge_transport(struct fio_op *op, CURL *h, CURLcode rc,
                                          const struct fio_op_io *io, struct fastio_error *err)
{
    long http_status = 0;
    op->latency_us = fio_mono_us() - op->t0_us;
    if (rc != CURLE_OK) {
        op->http_status = 0;
        op->nothing_sent = failed_before_sending(h, rc);
        op->tls_refused = fio_curl_tls_verify_failed(rc);
        return fio_op_curl_error(op, rc, io, err);
    }
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http_status) != CURLE_OK)
        http_status = 0;
    op->http_status = http_status;
    op->nothing_sent = false;
    fastio_error_clear(err);
    return FASTIO_OK;
}

/* Rows whose answer is a plain OAuth body (RFC 6749 §5), not an envelope (api §1.3). */
static bool plain_oauth_body(const struct fastio_endpoint_info *row)
{
    return row == fastio_endpoint_get(FASTIO_EP_OAUTH_TOKEN) ||
           row == fastio_endpoint_get(FASTIO_EP_OAUTH_REVOKE);
}

enum fastio_status fio_op_judge(struct fio_op *op, CURL *h, CURLcode rc,
                                const struct fio_op_io *io, json_t **out,
                                struct fastio_error *err)
{
    enum fastio_status st;
    long http_status;

    if (out != NULL)
        *out = NULL;
    st = fio_op_judge_transport(op, h, rc, io, err);
    if (rc != CURLE_OK)
        return st;
    http_status = op->http_status;
    if (plain_oauth_body(op->row))
        st = fio_oauth_decode(op->resp->data, op->resp->len, http_status, out, err);
    else
        st = fio_envelope_decode(op->resp->data, op->resp->len, http_status, out, err);
    if (st != FASTIO_OK && (http_status == 429 || http_status == 503)) {
        /* api §1.8: how long until the window reopens (or the service is back). The window's
         * x-ve-limit-expires rides on every answer; only a 429 is about it, so a 503 goes by
         * its Retry-After (else it would wait out a whole rate window). */
        err->retry_after_ms =
            fio_retry_after_ms(http_status == 429 ? op->hdr.limit_expires : "",
                               op->hdr.retry_after, op->hdr.date,
                               (long long)(fio_wall_us() / 1000000));
    }
    return st;
}

/* ---- retry ------------------------------------------------------------------------------- */

long fio_retry_wait(enum fastio_retry_kind kind, const struct fastio_error *err, long http_status,
                    bool nothing_sent, bool force, int attempt, const struct fio_backoff *b)
{
    long hint;
    if (attempt > b->max_retries)
        return -1;
    if (!force && fio_retry_decide(kind, err->status, http_status, nothing_sent) != FIO_RETRY_YES)
        return -1;
    hint = http_status == 429 || http_status == 503 ? err->retry_after_ms : -1;
    return fio_backoff_wait_ms(b, attempt - 1, hint);
}

long fio_op_retry_wait(const struct fio_op *op, const struct fastio_error *err, bool force,
                       int attempt, const struct fio_backoff *b)
{
    /* The same certificate fails the same way: repeating only delays the message (D-125). */
    if (op->tls_refused)
        return -1;
    return fio_retry_wait(op->row->retry, err, op->http_status, op->nothing_sent, force, attempt,
                          b);
}

struct fio_backoff fio_op_backoff(const struct fastio_client *c, int max_retries)
{
    struct fio_backoff b = {max_retries, c->cfg.backoff_base_ms, c->cfg.backoff_cap_ms,
                            c->cfg.max_retry_wait_ms};
    return b;
}

/* ---- log --------------------------------------------------------------------------------- */

void fio_op_log(const struct fio_op *op, enum fastio_status st, const struct fastio_error *err,
                size_t bytes, long wait_ms)
{
    const struct fastio_client *c = op->c;
    const struct fio_request *rq = &op->rq;
    struct fio_log_attempt a;
    const char *path, *after;

    if (c->cfg.log == NULL || rq->url.data == NULL)
        return;
    path = rq->url.data + rq->path_off;
    after = path + rq->path_len;
    memset(&a, 0, sizeof(a));
    a.request_id = op->request_id;
    a.endpoint = op->row->name;
    a.method = fastio_method_name(op->row->method);
    a.path = fio_slice_make(path, rq->path_len);
    if (*after == '?') /* the query is redacted by name when the line is formatted */
        a.query = fio_slice_make(after + 1, strlen(after + 1));
    a.http_status = op->http_status;
    a.outcome = st;
    a.api_code = st == FASTIO_OK || err == NULL ? 0 : err->api_code;
    a.latency_us = op->latency_us;
    a.bytes = bytes;
    a.attempt = op->attempt;
    a.retry_wait_ms = wait_ms;
    fio_log_emit(c->cfg.log, c->cfg.log_userdata, &a);
}

/* ---- token ------------------------------------------------------------------------------- */

bool fio_op_can_refresh(const struct fastio_client *c)
{
    return c->cfg.token_provider != NULL;
}

enum fastio_status fio_op_token(struct fastio_client *c, const char *rejected, char *buf,
                                struct fastio_error *err)
{
    struct fastio_error local = {.status = FASTIO_OK, .retry_after_ms = -1};
    struct fastio_error *e = err != NULL ? err : &local;
    enum fastio_status st;

    buf[0] = '\0';
    fastio_error_clear(e);
    if (c->cfg.token_provider == NULL) {
        /* A fixed token cannot be refreshed: nothing new to offer after a 401. */
        if (rejected == NULL && c->token != NULL)
            fio_strlcpy(buf, c->token, FASTIO_TOKEN_MAX);
        return FASTIO_OK;
    }
    st = c->cfg.token_provider(c->cfg.token_provider_userdata, rejected, buf, FASTIO_TOKEN_MAX,
                               e);
    buf[FASTIO_TOKEN_MAX - 1] = '\0';
    if (st != FASTIO_OK) {
        if (e->status == FASTIO_OK)
            (void)fio_error_set(e, st, "the token provider failed");
        e->status = st;
        explicit_bzero(buf, FASTIO_TOKEN_MAX);
        buf[0] = '\0';
        return st;
    }
    if (!fio_header_safe(buf)) {
        explicit_bzero(buf, FASTIO_TOKEN_MAX);
        buf[0] = '\0';
        return fio_error_set(e, FASTIO_INVALID, "the token provider returned control characters");
    }
    return FASTIO_OK;
}
