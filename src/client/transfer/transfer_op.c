/* SPDX-License-Identifier: MIT */
/* transfer_op.c - the transfer engine's HTTP operations: each one of the library's operations
 * (core/op.h: built from the endpoint row with the client's token, set up, judged) on a pooled
 * curl easy handle of the engine's multi handle, with the engine's token cache, its byte-request
 * options, and the retry decision for the op being dispatched (the library's one rule). A
 * helper library: the job files and the loop call it; it calls neither. */
#include "transfer_engine.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "retry.h"
#include "timeutil.h"

/* ---- easy handles: pooled, never freed during a run (docs/decisions.md D-023 "Resources") ----
 */

static void easy_put(struct fastio_transfer *t, CURL *e)
{
    if (t->easy_pool_n == t->easy_pool_cap) {
        size_t cap = t->easy_pool_cap ? t->easy_pool_cap * 2 : 8;
        CURL **np = realloc(t->easy_pool, cap * sizeof(*np));
        if (np == NULL) {
            curl_easy_cleanup(e);
            return;
        }
        t->easy_pool = np;
        t->easy_pool_cap = cap;
    }
    curl_easy_reset(e);
    t->easy_pool[t->easy_pool_n++] = e;
}

/* ---- ops ---------------------------------------------------------------------------------- */

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
    struct xfer_op *op = userdata;
    size_t n = size * nmemb;
    const char *name, *v;
    size_t name_len, vlen;
    enum fio_resp_header_kind k = fio_op_header_line(&op->op, line, n, &name, &name_len, &v, &vlen);

    if (k == FIO_RESP_HDR_STATUS)
        op->h_content_range[0] = '\0';
    else if (k == FIO_RESP_HDR_OTHER && name != NULL && name_len == sizeof("Content-Range") - 1 &&
             strncasecmp(name, "Content-Range", name_len) == 0)
        fio_resp_header_store(op->h_content_range, XFER_HDR_MAX, v, vlen);
    return n;
}

struct xfer_op *fio_xfer_op_new(struct fastio_transfer *t, struct xfer_job *job, enum op_kind kind)
{
    struct xfer_op *op = calloc(1, sizeof(*op));
    CURL *e;
    CURLcode rc = CURLE_OK;
    if (op == NULL)
        return NULL;
    op->t = t;
    op->job = job;
    op->kind = kind;
    op->done = job != NULL ? job->kind->done : NULL; /* engine-wide ops set their own */
    fio_buf_init(&op->resp, XFER_RESPONSE_MAX);
    fio_op_init(&op->op, t->client, &op->resp);
    /* the attempt number in its log line: a job's step requests count their retries in
     * step_retries; chunks, ranges, the limits and batches set theirs after this */
    op->op.attempt = job != NULL ? job->step_retries + 1 : 1;
    e = t->easy_pool_n > 0 ? t->easy_pool[--t->easy_pool_n] : curl_easy_init();
    if (e == NULL) {
        fio_xfer_op_free(op);
        return NULL;
    }
    op->easy = e;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(e, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_PRIVATE, (void *)op);
    /* No whole-request timeout (a 50 GB chunk stream may take long); a request that moves no
     * byte for stall_timeout fails and is retried. */
    SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
    SET(CURLOPT_LOW_SPEED_TIME, (long)(t->cfg.stall_timeout_ms + 999) / 1000);
#undef SET
    if (rc != CURLE_OK) {
        fio_xfer_op_free(op);
        return NULL;
    }
    if (job != NULL)
        job->busy++;
    return op;
}

/* Everything of op but the struct and its request (which the log line still reads). */
static void op_release_io(struct xfer_op *op)
{
    struct fastio_transfer *t = op->t;
    if (op->added) {
        (void)curl_multi_remove_handle(t->multi, op->easy);
        if (op->prev != NULL)
            op->prev->next = op->next;
        else
            t->live = op->next;
        if (op->next != NULL)
            op->next->prev = op->prev;
        t->ops_live--;
        op->added = false;
    }
    if (op->easy != NULL)
        easy_put(t, op->easy);
    op->easy = NULL;
    if (op->job != NULL)
        op->job->busy--;
    op->job = NULL;
    curl_mime_free(op->mime);
    op->mime = NULL;
    fio_buf_release(&op->resp);
    fio_xfer_buf_put(t, op->cbuf);
    op->cbuf = NULL;
    fio_xfer_batch_free(op->batch);
    op->batch = NULL;
}

void fio_xfer_op_free(struct xfer_op *op)
{
    if (op == NULL || op->freed)
        return;
    op_release_io(op);
    if (op->dispatching) { /* dispatch() logs the request, then frees the rest */
        op->freed = true;
        return;
    }
    fio_op_release(&op->op);
    free(op);
}

/* The token for the next request: asked from the client again at the start of a run and
 * every TOKEN_REASK_MS (a token provider may refresh before expiry; a fixed token may have
 * been replaced with fastio_client_set_token()), and after a 401 (fio_xfer_should_retry). */
#define TOKEN_REASK_MS 10000
static enum fastio_status current_token(struct fastio_transfer *t, struct fastio_error *err)
{
    int64_t now = fio_mono_ms();
    enum fastio_status st;
    char *next;
    if (t->token_at_ms != 0 && now - t->token_at_ms < TOKEN_REASK_MS)
        return FASTIO_OK;
    next = malloc(FASTIO_TOKEN_MAX);
    if (next == NULL)
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    st = fio_op_token(t->client, NULL, next, err);
    if (st == FASTIO_OK) {
        /* A new token (the provider refreshed before expiry, or the application set one) is a
         * new generation: a 401 earned by the old one then needs no refresh of its own. */
        if (strcmp(next, t->token) != 0) {
            memcpy(t->token, next, strlen(next) + 1);
            t->token_gen++;
        }
        t->token_at_ms = now;
    }
    explicit_bzero(next, FASTIO_TOKEN_MAX);
    free(next);
    return st;
}

/* Remove every header line named name (with its colon) from the request's list. */
static void drop_header(struct fio_request *rq, const char *name)
{
    size_t n = strlen(name);
    struct curl_slist **pp = &rq->headers;
    while (*pp != NULL) {
        struct curl_slist *h = *pp;
        if (strncasecmp(h->data, name, n) == 0 && h->data[n] == ':') {
            *pp = h->next;
            h->next = NULL;
            curl_slist_free_all(h);
        } else {
            pp = &h->next;
        }
    }
}

enum fastio_status fio_xfer_op_build(struct xfer_op *op, enum fastio_endpoint ep,
                                     const char *const *args, size_t n_args,
                                     const struct fastio_param *params, size_t n_params,
                                     bool json_request, struct fastio_error *err)
{
    struct fastio_transfer *t = op->t;
    CURL *e = op->easy;
    CURLcode rc;
    enum fastio_status st;

    st = current_token(t, err);
    if (st != FASTIO_OK)
        return st;
    op->token_gen = t->token_gen;
    st = fio_op_build(&op->op, ep, args, n_args, params, n_params, NULL,
                      t->token[0] != '\0' ? t->token : NULL, err);
    if (st != FASTIO_OK)
        return st;
    if (!json_request) {
        /* Byte requests set their own body and its type (multipart, octet-stream): the row's
         * form type, or the empty "Content-Type:" that suppresses curl's, must not stay. */
        drop_header(&op->op.rq, "Content-Type");
    }
    rc = fio_op_setup(&op->op, e, json_request ? FIO_OP_BODY_ROW : FIO_OP_BODY_CALLER);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)op);
    if (rc == CURLE_OK && t->cfg.connect_timeout_ms > 0)
        rc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->cfg.connect_timeout_ms);
    if (!json_request) {
        /* Big I/O units at every hop (docs/decisions.md D-023 "Resources"). A hint only:
         * libcurl (7.88) refuses to resize the receive buffer of a pooled handle whose last
         * request failed before freeing it (BAD_FUNCTION_ARGUMENT); the handle then keeps the
         * buffer, which this same call sized before. Failing the request for it made a retry
         * after "Could not resolve host" report "A libcurl function was given a bad argument"
         * instead. */
        (void)curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024);
    }
    if (rc != CURLE_OK)
        return fio_error_set(err, rc == CURLE_OUT_OF_MEMORY ? FASTIO_NOMEM : FASTIO_INVALID,
                             curl_easy_strerror(rc));
    return FASTIO_OK;
}

bool fio_xfer_op_add_header(struct xfer_op *op, const char *line)
{
    return fio_request_add_header(&op->op.rq, line) &&
           curl_easy_setopt(op->easy, CURLOPT_HTTPHEADER, op->op.rq.headers) == CURLE_OK;
}

enum fastio_status fio_xfer_op_start(struct xfer_op *op, struct fastio_error *err)
{
    struct fastio_transfer *t = op->t;
    if (curl_multi_add_handle(t->multi, op->easy) != CURLM_OK) {
        fio_xfer_op_free(op);
        return fio_error_set(err, FASTIO_NOMEM, "cannot start a request");
    }
    op->added = true;
    op->next = t->live;
    op->prev = NULL;
    if (t->live != NULL)
        t->live->prev = op;
    t->live = op;
    t->ops_live++;
    return FASTIO_OK;
}

enum fastio_status fio_xfer_op_decode(struct xfer_op *op, CURLcode rc, json_t **out,
                                      struct fastio_error *err)
{
    const struct fio_op_io io = {op->src_changed, op->io_error, op->range_mismatch};
    enum fastio_status st = fio_op_judge(&op->op, op->easy, rc, &io, out, err);
    op->decoded = true; /* the log line shows the decoder's outcome and API code */
    op->decoded_st = st;
    op->decoded_api_code = st == FASTIO_OK ? 0 : err->api_code;
    return st;
}

/* The library's retry rule (core/op.h) for the op being dispatched; the wait itself is a
 * not-before timestamp that the run loop honours, so the loop's cancel and deadline checks
 * bound it. */
bool fio_xfer_should_retry(struct fastio_transfer *t, const struct fastio_error *e, bool force,
                           int *retries, long *wait_ms)
{
    const struct fio_backoff b = {t->cfg.max_retries, t->cfg.backoff_base_ms,
                                  t->cfg.backoff_cap_ms, t->cfg.max_retry_wait_ms};
    const struct xfer_op *op = t->judging;
    enum fastio_retry_kind kind = op != NULL ? op->op.row->retry : FASTIO_RETRY_SAFE;
    bool nothing_sent = op != NULL && op->op.nothing_sent;
    long w;

    if (t->cancelling || *retries >= t->cfg.max_retries)
        return false;
    if (op != NULL && op->op.tls_refused) /* a certificate that did not verify (D-125) */
        return false;
    if (e->status == FASTIO_AUTH && e->http_status == 401 && op != NULL &&
        fio_op_can_refresh(t->client)) {
        /* A 401 means the request was not acted on: with a fresh token it may go again, for
         * every row. One refresh per token: requests that carried an older token than the
         * current one simply go again with it. */
        if (op->token_gen == t->token_gen) {
            /* The refreshed token goes into a buffer of its own: a failed refresh leaves the
             * current token in place for the requests still in flight. */
            char *next = malloc(FASTIO_TOKEN_MAX);
            struct fastio_error te;
            bool fresh;
            if (next == NULL)
                return false;
            fresh = t->token[0] != '\0' &&
                    fio_op_token(t->client, t->token, next, &te) == FASTIO_OK &&
                    next[0] != '\0' && strcmp(next, t->token) != 0;
            if (fresh)
                memcpy(t->token, next, strlen(next) + 1);
            explicit_bzero(next, FASTIO_TOKEN_MAX);
            free(next);
            if (!fresh)
                return false;
            t->token_gen++;
            t->token_at_ms = fio_mono_ms();
        }
        (*retries)++;
        *wait_ms = 0;
        t->judged_wait_ms = 0;
        return true;
    }
    w = fio_retry_wait(kind, e, e->http_status, nothing_sent, force, *retries + 1, &b);
    if (w < 0)
        return false;
    *wait_ms = w;
    t->judged_wait_ms = w;
    (*retries)++;
    return true;
}

/* ---- buffers: pooled, never freed during a run (docs/decisions.md D-023), like easy handles */

char *fio_xfer_buf_get(struct fastio_transfer *t)
{
    if (t->buf_pool_n > 0)
        return t->buf_pool[--t->buf_pool_n];
    return malloc(XFER_COALESCE);
}

void fio_xfer_buf_put(struct fastio_transfer *t, char *b)
{
    if (b == NULL)
        return;
    if (t->buf_pool_n == t->buf_pool_cap) {
        size_t cap = t->buf_pool_cap ? t->buf_pool_cap * 2 : 8;
        char **nb = realloc(t->buf_pool, cap * sizeof(*nb));
        if (nb == NULL) {
            free(b);
            return;
        }
        t->buf_pool = nb;
        t->buf_pool_cap = cap;
    }
    t->buf_pool[t->buf_pool_n++] = b;
}
