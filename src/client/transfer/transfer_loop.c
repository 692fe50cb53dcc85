/* transfer_loop.c - the transfer engine's one event loop: HTTP operations on a single curl
 * multi handle (connections reused across all of them), their curl/envelope error mapping,
 * the retry policy of the byte paths, the limits request, dispatch, cancellation, progress. */
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
    enum fio_resp_header_kind k =
        fio_resp_header_line(&op->hdr, line, n, XFER_HDR_MAX, &name, &name_len, &v, &vlen);

    if (k == FIO_RESP_HDR_STATUS)
        op->h_content_range[0] = '\0';
    else if (k == FIO_RESP_HDR_OTHER && name != NULL && name_len == sizeof("Content-Range") - 1 &&
             strncasecmp(name, "Content-Range", name_len) == 0)
        fio_resp_header_store(op->h_content_range, XFER_HDR_MAX, v, vlen);
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct xfer_op *op = userdata;
    size_t n = size * nmemb;
    if (!fio_buf_append(&op->resp, data, n))
        return 0; /* over XFER_RESPONSE_MAX or OOM: abort */
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
    fio_request_init(&op->rq);
    fio_buf_init(&op->resp, XFER_RESPONSE_MAX);
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
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_USERAGENT, t->user_agent);
    SET(CURLOPT_CONNECTTIMEOUT_MS, t->cfg.connect_timeout_ms);
    /* No whole-request timeout (a 50 GB chunk stream may take long); a request that moves no
     * byte for stall_timeout fails and is retried. */
    SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
    SET(CURLOPT_LOW_SPEED_TIME, (long)(t->cfg.stall_timeout_ms + 999) / 1000);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_ERRORBUFFER, op->errbuf);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)op);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)op);
#undef SET
    if (rc != CURLE_OK) {
        fio_xfer_op_free(op);
        return NULL;
    }
    if (job != NULL)
        job->busy++;
    return op;
}

void fio_xfer_op_free(struct xfer_op *op)
{
    struct fastio_transfer *t;
    if (op == NULL)
        return;
    t = op->t;
    if (op->added) {
        (void)curl_multi_remove_handle(t->multi, op->easy);
        if (op->prev != NULL)
            op->prev->next = op->next;
        else
            t->live = op->next;
        if (op->next != NULL)
            op->next->prev = op->prev;
        t->ops_live--;
    }
    if (op->easy != NULL)
        easy_put(t, op->easy);
    if (op->job != NULL)
        op->job->busy--;
    curl_mime_free(op->mime);
    if (op->headers != NULL) {
        for (struct curl_slist *h = op->headers; h != NULL; h = h->next)
            if (strncasecmp(h->data, "Authorization:", 14) == 0)
                explicit_bzero(h->data, strlen(h->data));
        curl_slist_free_all(op->headers);
    }
    fio_request_release(&op->rq);
    fio_buf_release(&op->resp);
    fio_xfer_buf_put(t, op->cbuf);
    fio_xfer_batch_free(op->batch);
    free(op);
}

enum fastio_status fio_xfer_op_build(struct xfer_op *op, enum fastio_endpoint ep,
                                     const char *const *args, size_t n_args,
                                     const struct fastio_param *params, size_t n_params,
                                     bool json_request, struct fastio_error *err)
{
    struct fastio_transfer *t = op->t;
    const struct fastio_endpoint_info *row = fastio_endpoint_get(ep);
    CURL *e = op->easy;
    CURLcode rc = CURLE_OK;
    enum fastio_status st;

    st = fio_request_build(&op->rq, ep, t->base_url, t->token, args, n_args, params, n_params, NULL,
                           err);
    if (st != FASTIO_OK)
        return st;
    rc = curl_easy_setopt(e, CURLOPT_URL, op->rq.url.data);
    if (json_request) {
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, op->rq.headers);
        if (rc == CURLE_OK && row->method == FASTIO_METHOD_POST)
            rc = curl_easy_setopt(e, CURLOPT_POST, 1L);
        else if (rc == CURLE_OK && row->method != FASTIO_METHOD_GET)
            rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, fastio_method_name(row->method));
        if (rc == CURLE_OK && (op->rq.has_body || row->method == FASTIO_METHOD_POST)) {
            rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)op->rq.body.len);
            if (rc == CURLE_OK)
                rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS,
                                      op->rq.body.data != NULL ? op->rq.body.data : "");
        }
    } else {
        /* Byte requests: only auth and the expectations; the body sets its own type. */
        const char *lines[3] = {"Accept: application/json", "Expect:", t->auth_header};
        for (size_t i = 0; i < 3 && rc == CURLE_OK; i++) {
            struct curl_slist *l;
            if (lines[i] == NULL)
                continue;
            l = curl_slist_append(op->headers, lines[i]);
            if (l == NULL)
                rc = CURLE_OUT_OF_MEMORY;
            else
                op->headers = l;
        }
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, op->headers);
        /* Big I/O units at every hop (performance.md #4). */
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024);
    }
    if (rc != CURLE_OK)
        return fio_error_set(err, rc == CURLE_OUT_OF_MEMORY ? FASTIO_NOMEM : FASTIO_INVALID,
                             curl_easy_strerror(rc));
    return FASTIO_OK;
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

static enum fastio_status map_curl(CURLcode rc, const struct xfer_op *op, struct fastio_error *e)
{
    enum fastio_status st;
    bool retryable = false;
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        /* Unlike the request path (client_call.c), a stalled byte request is retried. */
        st = FASTIO_TIMEOUT;
        retryable = true;
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        st = op->src_changed ? FASTIO_CONFLICT : FASTIO_CANCELLED;
        break;
    case CURLE_READ_ERROR:
        st = op->src_changed ? FASTIO_CONFLICT : FASTIO_IO;
        break;
    case CURLE_WRITE_ERROR:
        st = op->io_error ? FASTIO_IO : op->range_mismatch ? FASTIO_PROTOCOL : FASTIO_TOO_LARGE;
        break;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        /* The engine has always mapped these as plain, not retryable network failures (the
         * shared table says retryable NETWORK / INVALID): kept as they were. */
        st = FASTIO_NETWORK;
        break;
    default:
        st = fio_curl_status(rc, &retryable);
        break;
    }
    fastio_error_clear(e);
    e->status = st;
    e->retryable = retryable;
    if (op->src_changed)
        (void)snprintf(e->message, sizeof(e->message), "source file changed during the upload");
    else
        (void)snprintf(e->message, sizeof(e->message), "%s%s%s", curl_easy_strerror(rc),
                       op->errbuf[0] != '\0' ? ": " : "", op->errbuf);
    return st;
}

enum fastio_status fio_xfer_op_decode(struct xfer_op *op, CURLcode rc, json_t **out,
                                      struct fastio_error *err)
{
    long http = 0;
    enum fastio_status st;
    if (out != NULL)
        *out = NULL;
    if (rc != CURLE_OK)
        return map_curl(rc, op, err);
    (void)curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &http);
    st = fio_envelope_decode(op->resp.data, op->resp.len, http, out, err);
    if (st == FASTIO_RATE_LIMITED || (st != FASTIO_OK && http == 503)) {
        /* x-ve-limit-expires comes with every answer; it is the wait only for a 429. A 503
         * waits as Retry-After says (or the backoff). */
        err->retry_after_ms =
            fio_retry_after_ms(http == 429 ? op->hdr.limit_expires : "", op->hdr.retry_after,
                               op->hdr.date, (long long)(fio_wall_us() / 1000000));
    }
    if (st != FASTIO_OK && (http == 500 || http == 502 || http == 503 || http == 504))
        err->retryable = true;
    return st;
}

/* Full-jitter exponential backoff; a 429 waits as the rate-limit headers say (api §1.8). The
 * delays are retry.h's (fio_backoff_wait_ms); the wait itself is a not-before timestamp that
 * the run loop honours, so the loop's cancel and deadline checks bound it. */
bool fio_xfer_should_retry(struct fastio_transfer *t, const struct fastio_error *e, bool safe,
                           int *retries, long *wait_ms)
{
    const struct fio_backoff b = {t->cfg.max_retries, t->cfg.backoff_base_ms, t->cfg.backoff_cap_ms,
                                  t->cfg.max_retry_wait_ms};
    bool retryable = e->retryable || e->status == FASTIO_NETWORK || e->status == FASTIO_TIMEOUT ||
                     e->status == FASTIO_RATE_LIMITED;
    long w;
    (void)safe;
    if (t->cancelling || !retryable || *retries >= t->cfg.max_retries)
        return false;
    w = fio_backoff_wait_ms(&b, *retries,
                            e->status == FASTIO_RATE_LIMITED ? e->retry_after_ms : -1);
    if (w < 0)
        return false;
    *wait_ms = w;
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
        if (!t->cancelling && fio_xfer_should_retry(t, &e, true, &t->limits_retries, &wait)) {
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

static void dispatch(struct xfer_op *op, CURLcode rc)
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
