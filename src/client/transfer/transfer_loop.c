/* transfer_loop.c - the transfer engine's one event loop: HTTP operations on a single curl
 * multi handle (connections reused across all of them), each built, judged and logged by the
 * library's one operation code (core/op.h) with its retry rule; the limits request, dispatch,
 * cancellation, progress. */
#include "transfer_engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "envelope.h"
#include "http_common.h"
#include "ratelimit.h"
#include "retry.h"
#include "timeutil.h"

/* The loop never sleeps longer than this, so a cancel is seen within 100 ms. */
#define LOOP_SLICE_MS 50

/* ---- easy handles: pooled, never freed during a run (performance.md #7) -----------------------
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
    fio_buf_init(&op->resp, XFER_RESPONSE_MAX);
    fio_op_init(&op->op, t->client, &op->resp);
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
    if (t->token_at_ms != 0 && now - t->token_at_ms < TOKEN_REASK_MS)
        return FASTIO_OK;
    st = fio_op_token(t->client, NULL, t->token, err);
    if (st != FASTIO_OK)
        return st;
    t->token_at_ms = now;
    return FASTIO_OK;
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
        /* Big I/O units at every hop (performance.md #4). A hint only: libcurl (7.88) refuses
         * to resize the receive buffer of a pooled handle whose last request failed before
         * freeing it (BAD_FUNCTION_ARGUMENT); the handle then keeps the buffer, which this same
         * call sized before. Failing the request for it made a retry after "Could not resolve
         * host" report "A libcurl function was given a bad argument" instead. */
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
    return fio_op_judge(&op->op, op->easy, rc, &io, out, err);
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
    if (e->status == FASTIO_AUTH && e->http_status == 401 && op != NULL &&
        fio_op_can_refresh(t->client)) {
        /* A 401 means the request was not acted on: with a fresh token it may go again, for
         * every row. One refresh per token: requests that carried an older token than the
         * current one simply go again with it. */
        if (op->token_gen == t->token_gen) {
            char *old = fio_strdup(t->token);
            struct fastio_error te;
            bool same;
            if (old == NULL)
                return false;
            same = fio_op_token(t->client, old, t->token, &te) != FASTIO_OK ||
                   strcmp(old, t->token) == 0;
            explicit_bzero(old, strlen(old));
            free(old);
            if (same)
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

void fio_xfer_job_fail(struct xfer_job *job, enum fastio_status st, const struct fastio_error *e,
                       const char *what)
{
    const char *label = job->name != NULL ? job->name : job->node != NULL ? job->node : "?";
    if (job->step == STEP_FAILED || job->step == STEP_DONE)
        return;
    fastio_error_clear(&job->err);
    if (e != NULL)
        job->err = *e;
    job->err.status = st;
    {
        char msg[sizeof(job->err.message) + 600];
        (void)snprintf(msg, sizeof(msg), "%.200s: %.200s%s%s", label, what,
                       e != NULL && e->message[0] != '\0' ? ": " : "", e != NULL ? e->message : "");
        fio_strlcpy(job->err.message, msg, sizeof(job->err.message)); /* cut if need be */
    }
    job->result = st;
    job->step = STEP_FAILED;
}

void fio_xfer_fail_status(struct xfer_job *job, enum fastio_status st, const char *what)
{
    struct fastio_error e;
    fastio_error_clear(&e);
    e.status = st;
    fio_xfer_job_fail(job, st, &e, what);
}

void fio_xfer_fail_errno(struct xfer_job *job, const char *what)
{
    struct fastio_error e;
    fastio_error_clear(&e);
    (void)snprintf(e.message, sizeof(e.message), "%s", strerror(errno));
    fio_xfer_job_fail(job, FASTIO_IO, &e, what);
}

bool fio_xfer_pwrite_all(int fd, const char *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(fd, buf + done, len - done, (off_t)(off + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    return true;
}

void fio_xfer_job_placed(struct xfer_job *job)
{
    struct fio_buf path;
    fio_buf_init(&path, 0);
    if (!fio_buf_append_str(&path, job->dest_dir) || !fio_buf_append_str(&path, "/") ||
        !fio_buf_append_str(&path, job->local_name)) {
        fio_buf_release(&path);
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    free(job->result_str);
    job->result_str = fio_buf_steal(&path);
    fio_buf_release(&path);
    job->bytes_done = job->size;
    job->result = FASTIO_OK;
    job->succeeded = true;
    job->step = STEP_DONE;
}

/* ---- limits (api §5.8), once per engine ------------------------------------------------------ */

static void start_limits(struct fastio_transfer *t, int64_t now)
{
    struct fastio_error e;
    struct xfer_op *op;
    if (t->limits_state != 0 || now < t->limits_not_before_ms)
        return;
    op = fio_xfer_op_new(t, NULL, OP_LIMITS);
    if (op == NULL ||
        fio_xfer_op_build(op, FASTIO_EP_UPLOAD_LIMITS, NULL, 0, NULL, 0, true, &e) != FASTIO_OK ||
        fio_xfer_op_start(op, &e) != FASTIO_OK) {
        /* op_start frees on failure; op_build failures leave it to us */
        if (op != NULL && !op->added)
            fio_xfer_op_free(op);
        t->limits_state = 2; /* go on with defaults */
        return;
    }
    t->limits_state = 1;
}

static uint64_t json_u64(json_t *o, const char *key)
{
    long v = 0;
    if (o == NULL || !fio_json_to_long(json_object_get(o, key), &v) || v < 0)
        return 0;
    return (uint64_t)v;
}

void fio_xfer_limits_done(struct xfer_op *op, CURLcode rc)
{
    struct fastio_transfer *t = op->t;
    struct fastio_error e;
    json_t *body = NULL;
    enum fastio_status st = fio_xfer_op_decode(op, rc, &body, &e);
    fio_xfer_op_free(op);
    if (st == FASTIO_OK) {
        json_t *l = json_object_get(body, "limits");
        if (!json_is_object(l))
            l = body;
        t->limits.chunk_size_max = json_u64(l, "chunk_size");
        t->limits.chunks_max = json_u64(l, "chunks");
        t->limits.file_size_max = json_u64(l, "size");
        t->limits.chunk_size_min = json_u64(l, "chunk_size_min");
        t->limits.trailing_hash = json_is_true(json_object_get(l, "trailing_hash"));
        t->limits_state = 2;
    } else {
        long wait = 0;
        if (!t->cancelling && fio_xfer_should_retry(t, &e, false, &t->limits_retries, &wait)) {
            t->limits_state = 0;
            t->limits_not_before_ms = fio_mono_ms() + wait;
        } else {
            /* An older server without the route: the planner's defaults and the plan's
             * smallest chunk cap keep sessions valid. */
            t->limits.chunks_max = 35;
            t->limits_state = 2;
        }
    }
    json_decref(body);
}

/* ---- the loop -------------------------------------------------------------------------------- */

static void run_handler(struct xfer_op *op, CURLcode rc)
{
    switch (op->kind) {
    case OP_LIMITS:
        fio_xfer_limits_done(op, rc);
        break;
    case OP_NODE_DETAILS:
    case OP_RANGE:
        fio_xfer_download_done(op, rc);
        break;
    case OP_ZIP:
        fio_xfer_zip_done(op, rc);
        break;
    case OP_BATCH:
        fio_xfer_batch_done(op, rc);
        break;
    default:
        fio_xfer_upload_done(op, rc);
        break;
    }
}

/* One request ended: its kind's handler judges it (fio_xfer_op_decode) and decides what the
 * job does next (fio_xfer_should_retry reads the op's row through t->judging); then the
 * request gets its log line through the client's log hook, with the wait chosen before its
 * retry, and its memory goes. */
static void dispatch(struct xfer_op *op, CURLcode rc)
{
    struct fastio_transfer *t = op->t;
    struct fastio_error e;
    enum fastio_status st;
    size_t bytes;

    op->dispatching = true;
    /* The outcome for the log: the transport, and the HTTP status class of the answer (the
     * body is the handler's: file bytes or JSON). */
    {
        const struct fio_op_io io = {op->src_changed, op->io_error, op->range_mismatch};
        st = fio_op_judge_transport(&op->op, op->easy, rc, &io, &e);
        if (st == FASTIO_OK && (op->op.http_status < 200 || op->op.http_status > 299))
            st = fio_envelope_map_status(op->op.http_status, 0);
        bytes = op->kind == OP_RANGE || op->kind == OP_ZIP ? (size_t)(op->moved + op->cbuf_len)
                                                           : op->resp.len;
    }
    t->judging = op;
    t->judged_wait_ms = -1;
    run_handler(op, rc);
    t->judging = NULL;
    if (!t->cancelling || rc != CURLE_ABORTED_BY_CALLBACK)
        fio_op_log(&op->op, st, &e, bytes, t->judged_wait_ms);
    op->dispatching = false;
    if (op->freed) {
        fio_op_release(&op->op);
        free(op);
    }
}

/* A fingerprint of what the loop can act on: the jobs' steps, their requests in flight and
 * the download range probe. Equal before and after a pass = nothing to do until curl reports. */
static uint64_t loop_state(const struct fastio_transfer *t)
{
    uint64_t h = (uint64_t)t->ops_live;
    for (size_t i = 0; i < t->n_jobs; i++) {
        const struct xfer_job *j = t->jobs[i];
        h = h * 1000003u + (uint64_t)j->step;
        h = h * 1000003u + (uint64_t)(uint32_t)j->busy;
        h = h * 1000003u + (uint64_t)(j->ranges_probed | j->no_ranges << 1 | j->succeeded << 2);
    }
    return h;
}

static void report_progress(struct fastio_transfer *t, int64_t now, bool force)
{
    struct fastio_transfer_progress p;
    memset(&p, 0, sizeof(p));
    if (t->cfg.progress == NULL)
        return;
    if (!force && now - t->last_progress_ms < t->cfg.progress_interval_ms)
        return;
    t->last_progress_ms = now;
    p.jobs_total = t->n_jobs;
    for (size_t i = 0; i < t->n_jobs; i++) {
        const struct xfer_job *job = t->jobs[i];
        if (job->size_known)
            p.bytes_total += job->size;
        p.bytes_done += job->bytes_done;
        if (job->step == STEP_DONE || job->step == STEP_FAILED || job->succeeded)
            p.jobs_done++;
    }
    for (const struct xfer_op *op = t->live; op != NULL; op = op->next)
        p.bytes_done += op->moved;
    if (t->rate_mark_ms == 0 || p.bytes_done < t->rate_bytes_mark) {
        t->rate_mark_ms = now;
        t->rate_bytes_mark = p.bytes_done;
    } else if (now - t->rate_mark_ms >= 250) {
        double inst =
            (double)(p.bytes_done - t->rate_bytes_mark) * 1000.0 / (double)(now - t->rate_mark_ms);
        /* exponential moving average over about a second */
        t->rate_bps = t->rate_bps == 0 ? inst : 0.75 * t->rate_bps + 0.25 * inst;
        t->rate_mark_ms = now;
        t->rate_bytes_mark = p.bytes_done;
    }
    p.rate_bps = t->rate_bps;
    t->cfg.progress(t->cfg.progress_userdata, &p);
}

static bool job_active(const struct xfer_job *job)
{
    return job->step != STEP_QUEUED && job->step != STEP_DONE && job->step != STEP_FAILED;
}

/* Abort every op (handlers see t->cancelling and only save state), then release per-run
 * resources of the jobs that did not end. */
static void cancel_all(struct fastio_transfer *t)
{
    t->cancelling = true;
    while (t->live != NULL)
        dispatch(t->live, CURLE_ABORTED_BY_CALLBACK);
    for (size_t i = 0; i < t->n_jobs; i++) {
        struct xfer_job *job = t->jobs[i];
        if (job_active(job) || job->step == STEP_QUEUED) {
            job->result = FASTIO_CANCELLED;
            fastio_error_clear(&job->err);
            job->step = STEP_QUEUED;
        }
    }
    t->cancelling = false;
}

FASTIO_API enum fastio_status fastio_transfer_run(struct fastio_transfer *t,
                                                  struct fastio_error *err)
{
    enum fastio_status result = FASTIO_OK, stop = FASTIO_CANCELLED;
    bool cancelled = false;
    struct fio_deadline dl;

    if (t == NULL || t->running)
        return fio_error_set(err, FASTIO_INVALID, "no transfer engine, or already running");
    t->running = true;
    atomic_store(&t->cancel, false);
    t->token_at_ms = 0; /* ask the client for its token again */
    dl.at_ms = t->cfg.deadline_ms;
    dl.cancel = t->cfg.cancel;
    t->rate_mark_ms = 0;
    t->rate_bps = 0;
    for (size_t i = 0; i < t->n_jobs; i++) {
        struct xfer_job *job = t->jobs[i];
        if (!job->succeeded) {
            job->step = STEP_QUEUED;
            job->result = FASTIO_CANCELLED;
            fastio_error_clear(&job->err);
            job->batch_ok = 0;
            job->no_batch = false;
            job->batch_tries = 0;
            job->batch_no = 0;
        }
    }
    for (;;) {
        int64_t now = fio_mono_ms();
        unsigned active = 0;
        bool all_ended = true, progressed = false;
        int running_handles = 0, msgs = 0;
        uint64_t state0 = loop_state(t);
        CURLMsg *m;

        if (atomic_load(&t->cancel)) {
            cancelled = true;
            break;
        }
        stop = fio_deadline_check(&dl); /* cfg.cancel, cfg.deadline_ms (issue 4) */
        if (stop != FASTIO_OK) {
            cancelled = true;
            break;
        }
        stop = FASTIO_CANCELLED;
        /* small files waiting in the queue go into batch requests first */
        fio_xfer_batch_advance(t, now);
        for (size_t i = 0; i < t->n_jobs; i++)
            if (job_active(t->jobs[i]) && t->jobs[i]->step != STEP_BATCH)
                active++;
        for (size_t i = 0; i < t->n_jobs; i++) {
            struct xfer_job *job = t->jobs[i];
            if (job->step == STEP_QUEUED && !job->succeeded && fio_xfer_batch_waiting(t, job)) {
                all_ended = false; /* a batch request will take it */
                continue;
            }
            if (job->step == STEP_QUEUED && !job->succeeded) {
                if (active >= t->cfg.max_files) {
                    all_ended = false;
                    continue;
                }
                active++;
            }
            if (job->step == STEP_DONE || job->step == STEP_FAILED || job->succeeded) {
                /* per-run resources go as soon as a job ends: fds are not held to the end */
                if (job->busy == 0 && (job->fd >= 0 || job->dir_fd >= 0)) {
                    if (job->kind == XFER_UPLOAD)
                        fio_xfer_upload_reset(t, job);
                    else
                        fio_xfer_download_reset(t, job);
                }
                continue;
            }
            all_ended = false;
            if (job->kind == XFER_UPLOAD) {
                if (job->step == STEP_LIMITS)
                    start_limits(t, now);
                fio_xfer_upload_advance(t, job, now);
            } else {
                fio_xfer_download_advance(t, job, now);
            }
        }
        if (all_ended && t->ops_live == 0)
            break;
        (void)curl_multi_perform(t->multi, &running_handles);
        while ((m = curl_multi_info_read(t->multi, &msgs)) != NULL) {
            struct xfer_op *op = NULL;
            if (m->msg != CURLMSG_DONE)
                continue;
            (void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&op);
            if (op != NULL) {
                dispatch(op, m->data.result);
                progressed = true;
            }
        }
        report_progress(t, fio_mono_ms(), false);
        /* Sleep only when this pass changed nothing: a job that moved on (a step, a new
         * request, the first 206 that lets the other ranges start) is advanced again at once
         * instead of after a whole slice (the slice cost 50 ms at start and per download). */
        if (!progressed && loop_state(t) == state0) {
            int64_t left = fio_deadline_left_ms(&dl); /* wake at the deadline, not after */
            int slice = left < LOOP_SLICE_MS ? (left > 0 ? (int)left : 0) : LOOP_SLICE_MS;
            (void)curl_multi_poll(t->multi, NULL, 0, slice, NULL);
        }
    }
    if (cancelled)
        cancel_all(t);
    report_progress(t, fio_mono_ms(), true);
    for (size_t i = 0; i < t->n_jobs; i++) {
        struct xfer_job *job = t->jobs[i];
        if (job->kind == XFER_UPLOAD)
            fio_xfer_upload_reset(t, job);
        else
            fio_xfer_download_reset(t, job);
        if (job->succeeded || result != FASTIO_OK)
            continue;
        result = job->result;
        if (err != NULL) {
            *err = job->err;
            if (err->status == FASTIO_OK) {
                fastio_error_clear(err);
                err->status = job->result;
                (void)snprintf(err->message, sizeof(err->message), "%s",
                               fastio_status_str(job->result));
            }
        }
    }
    t->running = false;
    if (cancelled) {
        fastio_error_clear(err);
        return fio_error_set(
            err, stop, stop == FASTIO_TIMEOUT ? "transfer deadline passed" : "transfer cancelled");
    }
    if (result == FASTIO_OK)
        fastio_error_clear(err);
    return result;
}
