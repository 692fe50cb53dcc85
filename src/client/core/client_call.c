/* client_call.c - the single place that sends a request: request.c builds it from the
 * endpoint row, this file performs it with the client's reused curl handle driven by its multi
 * handle (so connections stay alive between calls and a transfer can be polled for
 * cancellation and deadlines), decodes the envelope (envelope.c), maps curl failures, and
 * wraps attempt() - exactly one try - in the retry loop of call_path() with the policy of
 * retry.c, the token provider's refresh-once-on-401 and one log line per attempt (log.c). */
#include "client.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "auth.h"
#include "b64.h"
#include "buf.h"
#include "client_internal.h"
#include "envelope.h"
#include "http_common.h"
#include "log.h"
#include "rand.h"
#include "ratelimit.h"
#include "request.h"
#include "retry.h"
#include "timeutil.h"

/* After a large answer the response buffer is given back instead of kept: the handle may live
 * for the whole program and typical answers are a few KiB. */
#define RESPONSE_KEEP_BYTES ((size_t)1024 * 1024)
/* Captured header values are cut to this (they are numbers and dates, so a cut value simply
 * fails to parse later). */
#define HEADER_VALUE_MAX 64
/* How often a running transfer looks at its cancel token and deadline: small enough that a
 * cancelled call ends well within 100 ms, large enough to cost nothing. */
#define POLL_SLICE_MS 25

/* ---- one attempt ------------------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct fastio_client *c = userdata;
    size_t n = size * nmemb; /* curl guarantees size == 1 */
    if (n > c->cfg.max_response_bytes - c->response.len) {
        c->response_too_large = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (!fio_buf_append(&c->response, data, n)) {
        c->response_nomem = true;
        return 0;
    }
    return n;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
    struct fastio_client *c = userdata;
    size_t n = size * nmemb;
    const char *name, *value;
    size_t name_len, value_len;

    (void)fio_resp_header_line(&c->headers, line, n, HEADER_VALUE_MAX, &name, &name_len, &value,
                               &value_len);
    return n;
}

static enum fastio_status map_curl_error(CURLcode rc, const struct fastio_client *c,
                                         struct fastio_error *err)
{
    enum fastio_status st;
    bool retryable = false;
    int w;

    switch (rc) {
    case CURLE_FILESIZE_EXCEEDED:
        st = FASTIO_TOO_LARGE;
        break;
    case CURLE_WRITE_ERROR:
        /* Our own write callback refused: it says why. */
        st = c->response_too_large ? FASTIO_TOO_LARGE
             : c->response_nomem   ? FASTIO_NOMEM
                                   : FASTIO_IO;
        break;
    default:
        /* The shared table. Deliberately as it leaves it: CURLE_OPERATION_TIMEDOUT stays NOT
         * retryable here (the transfer engine marks it retryable at its call site). */
        st = fio_curl_status(rc, &retryable);
        break;
    }
    if (err == NULL)
        return st;
    fastio_error_clear(err);
    err->status = st;
    err->retryable = retryable;
    if (st == FASTIO_TOO_LARGE)
        w = snprintf(err->message, sizeof(err->message), "response larger than %zu bytes",
                     c->cfg.max_response_bytes);
    else
        w = snprintf(err->message, sizeof(err->message), "%s%s%s", curl_easy_strerror(rc),
                     c->curl_errbuf[0] != '\0' ? ": " : "", c->curl_errbuf);
    (void)w; /* a truncated message is acceptable */
    return st;
}

/* Apply the options of one attempt to the (reset) handle. */
static CURLcode setup_handle(struct fastio_client *c, const struct fio_request *rq)
{
    CURL *h = c->curl;
    const struct fastio_endpoint_info *row = rq->row;
    CURLcode rc = CURLE_OK;
    curl_off_t max_size = c->cfg.max_response_bytes > (size_t)INT64_MAX
                              ? (curl_off_t)INT64_MAX
                              : (curl_off_t)c->cfg.max_response_bytes;

/* Stop at the first option that fails; the code says why. */
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)

    /* reset keeps live connections, DNS and TLS session caches: only options are cleared, so
     * nothing of the previous request (a body, a method) can leak into this one. */
    curl_easy_reset(h);
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
    SET(CURLOPT_TIMEOUT_MS, c->cfg.timeout_ms);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_ACCEPT_ENCODING,
        ""); /* every encoding curl supports; the cap is on decoded bytes */
    SET(CURLOPT_MAXFILESIZE_LARGE, max_size); /* refuse early when Content-Length says too big */
    SET(CURLOPT_HTTPHEADER, rq->headers);
    SET(CURLOPT_ERRORBUFFER, c->curl_errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)c);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)c);

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
    /* POST, PUT and PATCH always carry a body, empty if need be (Content-Length: 0), so that no
     * server waits for one; DELETE and GET carry one only when the row says so. */
    if (rq->has_body || row->method == FASTIO_METHOD_POST || row->method == FASTIO_METHOD_PUT ||
        row->method == FASTIO_METHOD_PATCH) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body.len);
        SET(CURLOPT_POSTFIELDS, rq->body.data != NULL ? rq->body.data : "");
    }
#undef SET
    return rc;
}

/* What one attempt left behind besides its status, for the retry decision and the log. */
struct attempt_info {
    long http_status;  /* 0 = no response */
    bool nothing_sent; /* the transport failed before any byte of the request went out */
    int64_t latency_us;
    size_t bytes;
};

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

/* Run the prepared easy handle to completion through the multi handle, looking at the cancel
 * token and the deadline between poll slices. Returns curl's result; *stopped is CANCELLED or
 * TIMEOUT when the call was stopped from outside (the connection is then closed by removing
 * the handle mid-transfer), OK otherwise. */
static CURLcode perform(struct fastio_client *c, const struct fio_deadline *d,
                        enum fastio_status *stopped)
{
    CURLcode rc = CURLE_OK;
    CURLMcode mc;
    bool done = false;

    *stopped = FASTIO_OK;
    mc = curl_multi_add_handle(c->multi, c->curl);
    if (mc != CURLM_OK)
        return mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
    while (!done) {
        int running = 0, left = 0;
        int64_t slice;
        CURLMsg *m;

        mc = curl_multi_perform(c->multi, &running);
        if (mc != CURLM_OK) {
            rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
            break;
        }
        while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
            if (m->msg == CURLMSG_DONE && m->easy_handle == c->curl) {
                rc = m->data.result;
                done = true;
            }
        }
        if (done)
            break;
        if (running == 0) { /* finished without a message: cannot happen, but never spin */
            rc = CURLE_GOT_NOTHING;
            break;
        }
        *stopped = fio_deadline_check(d);
        if (*stopped != FASTIO_OK)
            break;
        slice = fio_deadline_left_ms(d);
        if (slice > POLL_SLICE_MS)
            slice = POLL_SLICE_MS;
        if (slice < 1)
            slice = 1;
        mc = curl_multi_poll(c->multi, NULL, 0, (int)slice, NULL);
        if (mc != CURLM_OK) {
            rc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
            break;
        }
    }
    (void)curl_multi_remove_handle(c->multi, c->curl);
    return rc;
}

/* Rows whose answer is a plain OAuth body (RFC 6749 §5), not an envelope (api §1.3). */
static bool plain_oauth_body(const struct fastio_endpoint_info *row)
{
    return row == fastio_endpoint_get(FASTIO_EP_OAUTH_TOKEN) ||
           row == fastio_endpoint_get(FASTIO_EP_OAUTH_REVOKE);
}

/* Send rq once and decode the answer: the unit the retry loop repeats. e must not be NULL. */
static enum fastio_status attempt(struct fastio_client *c, const struct fio_request *rq,
                                  const struct fio_deadline *d, json_t **response,
                                  struct fastio_error *e, struct attempt_info *info)
{
    int64_t t0 = fio_mono_us();
    enum fastio_status st, stopped = FASTIO_OK;
    CURLcode rc;

    fastio_error_clear(e);
    memset(info, 0, sizeof(*info));
    if (response != NULL)
        *response = NULL;
    fio_buf_reset(&c->response);
    c->response_too_large = false;
    c->response_nomem = false;
    c->curl_errbuf[0] = '\0';
    memset(&c->headers, 0, sizeof(c->headers));

    rc = setup_handle(c, rq);
    if (rc == CURLE_OK)
        rc = perform(c, d, &stopped);
    if (stopped != FASTIO_OK) {
        st = fio_error_set(e, stopped,
                           stopped == FASTIO_CANCELLED ? "cancelled" : "deadline passed");
    } else if (rc != CURLE_OK) {
        st = map_curl_error(rc, c, e);
        info->nothing_sent = failed_before_sending(c->curl, rc);
    } else {
        long http_status = 0;
        if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &http_status) != CURLE_OK)
            http_status = 0;
        info->http_status = http_status;
        if (plain_oauth_body(rq->row))
            st = fio_oauth_decode(c->response.data, c->response.len, http_status, response, e);
        else
            st = fio_envelope_decode(c->response.data, c->response.len, http_status, response,
                                     e);
        if (st != FASTIO_OK && (http_status == 429 || http_status == 503)) {
            /* api §1.8: how long until the window reopens (or the service is back). The
             * window's x-ve-limit-expires rides on every answer; only a 429 is about it, so a
             * 503 goes by its Retry-After (else it would wait out a whole rate window). */
            e->retry_after_ms =
                fio_retry_after_ms(http_status == 429 ? c->headers.limit_expires : "",
                                   c->headers.retry_after,
                                   c->headers.date, (long long)(fio_wall_us() / 1000000));
        }
    }
    info->latency_us = fio_mono_us() - t0;
    info->bytes = c->response.len;

    if (c->response.cap > RESPONSE_KEEP_BYTES) {
        fio_buf_release(&c->response);
        fio_buf_init(&c->response, c->cfg.max_response_bytes);
    }
    return st;
}

/* ---- the request path -------------------------------------------------------------------- */

static void log_attempt(struct fastio_client *c, const struct fio_request *rq,
                        enum fastio_status st, const struct fastio_error *e,
                        const struct attempt_info *info, int attempt_no, long wait_ms)
{
    struct fio_log_attempt a;
    const char *path = rq->url.data + rq->path_off;
    const char *after = path + rq->path_len;
    if (c->cfg.log == NULL)
        return;
    memset(&a, 0, sizeof(a));
    a.request_id = c->request_id;
    a.endpoint = rq->row->name;
    a.method = fastio_method_name(rq->row->method);
    a.path = fio_slice_make(path, rq->path_len);
    if (*after == '?')
        a.query = fio_slice_make(after + 1, strlen(after + 1));
    a.http_status = info->http_status;
    a.outcome = st;
    a.api_code = st == FASTIO_OK ? 0 : e->api_code;
    a.latency_us = info->latency_us;
    a.bytes = info->bytes;
    a.attempt = attempt_no;
    a.retry_wait_ms = wait_ms;
    fio_log_emit(c->cfg.log, c->cfg.log_userdata, &a);
}

/* The deadline of one call from its options (the earlier of the absolute and the relative). */
static struct fio_deadline deadline_of(const struct fastio_call_opts *o)
{
    struct fio_deadline d = {0, NULL};
    if (o == NULL)
        return d;
    d.cancel = o->cancel;
    if (o->deadline_ms > 0)
        d.at_ms = o->deadline_ms;
    if (o->timeout_ms > 0) {
        int64_t rel = fio_mono_ms() + o->timeout_ms;
        if (d.at_ms == 0 || rel < d.at_ms)
            d.at_ms = rel;
    }
    return d;
}

/* Repeat rq under the retry policy until it succeeds, fails for good, runs out of retries or
 * time. The response of a failed attempt is dropped before the next one. */
static enum fastio_status retry_loop(struct fastio_client *c, const struct fio_request *rq,
                                     const struct fio_deadline *d, int max_retries,
                                     json_t **response, struct fastio_error *e)
{
    struct fio_backoff b = {max_retries, c->cfg.backoff_base_ms, c->cfg.backoff_cap_ms,
                            c->cfg.max_retry_wait_ms};
    enum fastio_status st;

    for (int attempt_no = 1;; attempt_no++) {
        struct attempt_info info;
        long wait = -1;

        st = fio_deadline_check(d);
        if (st != FASTIO_OK) {
            if (response != NULL) {
                json_decref(*response);
                *response = NULL;
            }
            return fio_error_set(e, st, st == FASTIO_CANCELLED ? "cancelled" : "deadline passed");
        }
        if (response != NULL) {
            json_decref(*response);
            *response = NULL;
        }
        st = attempt(c, rq, d, response, e, &info);
        if (st != FASTIO_OK && attempt_no <= max_retries &&
            fio_retry_decide(rq->row->retry, st, info.http_status, info.nothing_sent) ==
                FIO_RETRY_YES) {
            long hint = info.http_status == 429 || info.http_status == 503 ? e->retry_after_ms
                                                                            : -1;
            wait = fio_backoff_wait_ms(&b, attempt_no - 1, hint);
            /* A wait that would pass the deadline is not started: the caller learns now, with
             * err->retry_after_ms, instead of at the deadline. */
            if (wait >= 0 && (int64_t)wait >= fio_deadline_left_ms(d))
                wait = -1;
        }
        log_attempt(c, rq, st, e, &info, attempt_no, wait);
        if (wait < 0)
            return st;
        st = fio_sleep_ms(wait, d);
        if (st != FASTIO_OK) {
            if (response != NULL) {
                json_decref(*response);
                *response = NULL;
            }
            return fio_error_set(e, st, st == FASTIO_CANCELLED ? "cancelled" : "deadline passed");
        }
    }
}

/* Ask the token provider for the current token (rejected NULL) or a replacement. */
static enum fastio_status provide_token(struct fastio_client *c, const char *rejected, char *buf,
                                        struct fastio_error *e)
{
    enum fastio_status st;
    fastio_error_clear(e);
    buf[0] = '\0';
    st = c->cfg.token_provider(c->cfg.token_provider_userdata, rejected, buf, FASTIO_TOKEN_MAX, e);
    buf[FASTIO_TOKEN_MAX - 1] = '\0';
    if (st != FASTIO_OK) {
        if (e->status == FASTIO_OK)
            (void)fio_error_set(e, st, "the token provider failed");
        e->status = st;
        return st;
    }
    if (!fio_header_safe(buf))
        return fio_error_set(e, FASTIO_INVALID, "the token provider returned control characters");
    return FASTIO_OK;
}

static void new_request_id(struct fastio_client *c)
{
    unsigned char raw[FIO_REQUEST_ID_BYTES];
    if (!fio_random_bytes(raw, sizeof(raw))) {
        /* Not a secret, only a correlation id: the clock will do. */
        int64_t t = fio_mono_us();
        memset(raw, 0, sizeof(raw));
        memcpy(raw, &t, sizeof(t));
    }
    fio_hex_encode(raw, sizeof(raw), c->request_id);
}

static enum fastio_status call_path(struct fastio_client *c, enum fastio_endpoint ep,
                                    const char *const *path_args, size_t n_path_args,
                                    const struct fastio_param *params, size_t n_params,
                                    const struct fio_call_opts *opts,
                                    const struct fastio_call_opts *call, json_t **response,
                                    struct fastio_error *err)
{
    const struct fastio_endpoint_info *row = fastio_endpoint_get(ep);
    struct fastio_error local = {.status = FASTIO_OK, .retry_after_ms = -1};
    struct fastio_error *e = err != NULL ? err : &local; /* the decoders need somewhere to write */
    struct fio_deadline d;
    char *tok = NULL; /* from the provider; wiped */
    char idline[64];
    bool use_provider;
    int max_retries;
    enum fastio_status st;

    if (response != NULL)
        *response = NULL;
    if (c == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no client");
    if (row == NULL)
        return fio_error_set(err, FASTIO_INVALID, "unknown endpoint");
    if (call == NULL && c->has_defaults)
        call = &c->defaults;
    d = deadline_of(call);
    max_retries = call != NULL && call->max_retries >= 0 ? call->max_retries : c->cfg.max_retries;
    new_request_id(c);
    (void)snprintf(idline, sizeof(idline), "X-Request-Id: %s", c->request_id);

    use_provider = row->auth == FASTIO_AUTH_BEARER && c->cfg.token_provider != NULL;
    if (use_provider) {
        tok = malloc(FASTIO_TOKEN_MAX);
        if (tok == NULL)
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
        st = provide_token(c, NULL, tok, e);
        if (st != FASTIO_OK)
            goto out;
    }
    for (int round = 0;; round++) {
        struct fio_request rq;
        fio_request_init(&rq);
        st = fio_request_build(&rq, ep, c->base_url, use_provider ? tok : c->token, path_args,
                               n_path_args, params, n_params, opts, e);
        if (st == FASTIO_OK && !fio_request_add_header(&rq, idline))
            st = fio_error_set(e, FASTIO_NOMEM, "out of memory");
        if (st == FASTIO_OK)
            st = retry_loop(c, &rq, &d, max_retries, response, e);
        fio_request_release(&rq);
        /* A 401 with a token provider: one refresh, one more try (issue 4). A 401 means the
         * request was not acted on, so this is safe for every row. */
        if (st == FASTIO_AUTH && e->http_status == 401 && use_provider && round == 0 &&
            tok[0] != '\0') {
            char *old = fio_strdup(tok);
            bool same;
            if (old == NULL) {
                st = fio_error_set(e, FASTIO_NOMEM, "out of memory");
                break;
            }
            st = provide_token(c, old, tok, e);
            same = strcmp(old, tok) == 0;
            explicit_bzero(old, strlen(old));
            free(old);
            if (st != FASTIO_OK)
                break;
            if (same) { /* nothing new to try: the original 401 stands */
                st = fio_error_set(e, FASTIO_AUTH, "token rejected and not refreshed");
                e->http_status = 401;
                break;
            }
            if (response != NULL) {
                json_decref(*response);
                *response = NULL;
            }
            continue;
        }
        break;
    }
out:
    if (tok != NULL) {
        explicit_bzero(tok, FASTIO_TOKEN_MAX);
        free(tok);
    }
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    return st;
}

enum fastio_status fio_client_call(struct fastio_client *c, enum fastio_endpoint ep,
                                   const char *const *path_args, size_t n_path_args,
                                   const struct fastio_param *params, size_t n_params,
                                   const struct fio_call_opts *opts, json_t **response,
                                   struct fastio_error *err)
{
    return call_path(c, ep, path_args, n_path_args, params, n_params, opts, NULL, response, err);
}

enum fastio_status fio_client_call_opts(struct fastio_client *c, enum fastio_endpoint ep,
                                        const char *const *path_args, size_t n_path_args,
                                        const struct fastio_param *params, size_t n_params,
                                        const struct fio_call_opts *opts,
                                        const struct fastio_call_opts *call, json_t **response,
                                        struct fastio_error *err)
{
    return call_path(c, ep, path_args, n_path_args, params, n_params, opts, call, response, err);
}

FASTIO_API enum fastio_status fastio_call_ex(struct fastio_client *c, enum fastio_endpoint ep,
                                             const char *const *path_args, size_t n_path_args,
                                             const struct fastio_param *params, size_t n_params,
                                             const struct fastio_call_opts *opts,
                                             json_t **response, struct fastio_error *err)
{
    json_t *body = NULL;
    enum fastio_status st;

    if (opts != NULL && (opts->timeout_ms < 0 || opts->deadline_ms < 0)) {
        if (response != NULL)
            *response = NULL;
        return fio_error_set(err, FASTIO_INVALID, "negative deadline or timeout");
    }
    st = call_path(c, ep, path_args, n_path_args, params, n_params, NULL, opts,
                   response != NULL ? &body : NULL, err);
    /* The public contract: outputs are NULL on failure (the call path keeps error bodies). */
    if (st != FASTIO_OK) {
        json_decref(body);
        body = NULL;
    }
    if (response != NULL)
        *response = body;
    return st;
}

FASTIO_API enum fastio_status fastio_call(struct fastio_client *c, enum fastio_endpoint ep,
                                          const char *const *path_args, size_t n_path_args,
                                          const struct fastio_param *params, size_t n_params,
                                          json_t **response, struct fastio_error *err)
{
    return fastio_call_ex(c, ep, path_args, n_path_args, params, n_params, NULL, response, err);
}
