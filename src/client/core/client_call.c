/* SPDX-License-Identifier: MIT */
/* client_call.c - fastio_call(): one operation (op.c) at a time on the client's reused curl
 * handle, driven by its multi handle (so connections stay alive between calls and a request can
 * be polled for cancellation and deadlines). attempt() is exactly one try; retry_loop() repeats
 * it by the shared retry decision (fio_op_retry_wait) and call_path() adds the token provider's
 * refresh-once-on-401. Building, judging and logging a request are op.c's, the same code the
 * transfer engine uses. */
#include "client.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "abi.h"
#include "buf.h"
#include "client_internal.h"
#include "envelope.h"
#include "op.h"
#include "retry.h"
#include "timeutil.h"

/* After a large answer the response buffer is given back instead of kept: the handle may live
 * for the whole program and typical answers are a few KiB. */
#define RESPONSE_KEEP_BYTES ((size_t)1024 * 1024)
/* How often a running request looks at its cancel token and deadline: small enough that a
 * cancelled call ends well within 100 ms, large enough to cost nothing. */
#define POLL_SLICE_MS 25

/* ---- one attempt ------------------------------------------------------------------------- */

/* The client path's own options on top of the operation's: a whole-request timeout, every
 * encoding curl supports, and the early refusal of an answer whose Content-Length is over the
 * cap. */
static CURLcode setup_handle(struct fastio_client *c, struct fio_op *op)
{
    CURL *h = c->curl;
    CURLcode rc;
    curl_off_t max_size = c->cfg.max_response_bytes > (size_t)INT64_MAX
                              ? (curl_off_t)INT64_MAX
                              : (curl_off_t)c->cfg.max_response_bytes;

    /* reset keeps live connections, DNS and TLS session caches: only options are cleared, so
     * nothing of the previous request (a body, a method) can leak into this one. */
    curl_easy_reset(h);
    rc = fio_op_setup(op, h, FIO_OP_BODY_ROW);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->cfg.timeout_ms);
    if (rc == CURLE_OK) /* the cap is on decoded bytes */
        rc = curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, max_size);
    return rc;
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

/* Send the op once and judge the answer: the unit the retry loop repeats. e must not be NULL. */
static enum fastio_status attempt(struct fastio_client *c, struct fio_op *op,
                                  const struct fio_deadline *d, json_t **response,
                                  struct fastio_error *e)
{
    enum fastio_status st, stopped = FASTIO_OK;
    CURLcode rc;

    fastio_error_clear(e);
    if (response != NULL)
        *response = NULL;
    fio_buf_reset(&c->response);

    rc = setup_handle(c, op);
    if (rc == CURLE_OK)
        rc = perform(c, d, &stopped);
    if (stopped != FASTIO_OK) {
        (void)fio_op_judge_transport(op, c->curl, CURLE_ABORTED_BY_CALLBACK, NULL, e);
        st = fio_error_set(e, stopped,
                           stopped == FASTIO_CANCELLED ? "cancelled" : "deadline passed");
    } else {
        st = fio_op_judge(op, c->curl, rc, NULL, response, e);
    }
    return st;
}

/* ---- the request path -------------------------------------------------------------------- */

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

/* Repeat the op under the retry policy until it succeeds, fails for good, runs out of retries
 * or time. The response of a failed attempt is dropped before the next one. */
static enum fastio_status retry_loop(struct fastio_client *c, struct fio_op *op,
                                     const struct fio_deadline *d, int max_retries,
                                     json_t **response, struct fastio_error *e)
{
    struct fio_backoff b = fio_op_backoff(c, max_retries);
    enum fastio_status st;

    for (int attempt_no = 1;; attempt_no++) {
        long wait = -1;

        if (response != NULL) {
            json_decref(*response);
            *response = NULL;
        }
        st = fio_deadline_check(d);
        if (st != FASTIO_OK)
            return fio_error_set(e, st, st == FASTIO_CANCELLED ? "cancelled" : "deadline passed");
        op->attempt = attempt_no;
        st = attempt(c, op, d, response, e);
        if (st != FASTIO_OK && st != FASTIO_CANCELLED) {
            wait = fio_op_retry_wait(op, e, false, attempt_no, &b);
            /* A wait that would pass the deadline is not started: the caller learns now, with
             * err->retry_after_ms, instead of at the deadline. */
            if (wait >= 0 && (int64_t)wait >= fio_deadline_left_ms(d))
                wait = -1;
        }
        fio_op_log(op, st, e, c->response.len, wait);
        if (c->response.cap > RESPONSE_KEEP_BYTES) {
            fio_buf_release(&c->response);
            fio_buf_init(&c->response, c->cfg.max_response_bytes);
        }
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
    struct fio_op op;
    char *tok = NULL; /* from the provider; wiped */
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
    fio_op_init(&op, c, &c->response);

    use_provider = row->auth == FASTIO_AUTH_BEARER && fio_op_can_refresh(c);
    if (use_provider) {
        tok = malloc(FASTIO_TOKEN_MAX);
        if (tok == NULL)
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
        st = fio_op_token(c, NULL, tok, e);
        if (st != FASTIO_OK)
            goto out;
    }
    for (int round = 0;; round++) {
        fio_op_release(&op);
        st = fio_op_build(&op, ep, path_args, n_path_args, params, n_params, opts,
                          use_provider ? tok : c->token, e);
        /* one id for the whole logical call, its retries and its refreshed round */
        memcpy(c->request_id, op.request_id, sizeof(c->request_id));
        if (st == FASTIO_OK)
            st = retry_loop(c, &op, &d, max_retries, response, e);
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
            st = fio_op_token(c, old, tok, e);
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
    fio_op_release(&op);
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
    struct fastio_call_opts full; /* the caller's struct at this library's size (D-005) */

    if (response != NULL)
        *response = NULL;
    if (opts != NULL) {
        fastio_call_opts_init(&full);
        if (FIO_ABI_READ(&full, opts, "fastio_call_opts", err) != FASTIO_OK)
            return FASTIO_INVALID;
        if (full.timeout_ms < 0 || full.deadline_ms < 0)
            return fio_error_set(err, FASTIO_INVALID, "negative deadline or timeout");
        opts = &full;
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
