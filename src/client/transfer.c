/* transfer.c - the transfer engine's handle and its one event loop: jobs, HTTP operations on a
 * single curl multi handle (connections reused across all of them), the retry policy of the
 * byte paths, cancellation and progress. The upload and download state machines live in
 * transfer_upload.c and transfer_download.c; pure helpers in transfer_plan.c. */
#include "transfer_engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "crc32c.h"
#include "envelope.h"
#include "ratelimit.h"
#include "retry.h"
#include "timeutil.h"

#define DEFAULT_MAX_FILES 4
#define DEFAULT_CHUNKS_IN_FLIGHT 2 /* 2 beat 4 on 2 cores (performance.md); the API caps at 3 */
#define DEFAULT_RANGES 2
#define DEFAULT_RETRIES 5
#define DEFAULT_BACKOFF_BASE_MS 250
#define DEFAULT_BACKOFF_CAP_MS 20000
#define DEFAULT_MAX_RETRY_WAIT_MS 60000
#define DEFAULT_CONNECT_TIMEOUT_MS 30000
#define DEFAULT_STALL_MS 60000
#define DEFAULT_POLL_TIMEOUT_MS 120000
#define DEFAULT_PROGRESS_MS 100
/* The loop never sleeps longer than this, so a cancel is seen within 100 ms. */
#define LOOP_SLICE_MS 50
#define CRC_BUF_SIZE (1024 * 1024)

FASTIO_API void fastio_transfer_config_init(struct fastio_transfer_config *cfg)
{
    if (cfg != NULL)
        memset(cfg, 0, sizeof(*cfg));
}

static bool header_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p != NULL && *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
    }
    return true;
}

static char *dup_opt(const char *s, bool *ok)
{
    char *d;
    if (s == NULL)
        return NULL;
    d = fio_strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

FASTIO_API struct fastio_transfer *fastio_transfer_new(const struct fastio_transfer_config *cfg,
                                                       struct fastio_error *err)
{
    struct fastio_transfer_config defaults;
    struct fastio_transfer *t;
    const char *base;
    bool ok = true;
    size_t n;

    if (cfg == NULL) {
        fastio_transfer_config_init(&defaults);
        cfg = &defaults;
    }
    base = cfg->base_url != NULL ? cfg->base_url : FASTIO_DEFAULT_BASE_URL;
    if ((strncasecmp(base, "http://", 7) != 0 && strncasecmp(base, "https://", 8) != 0) ||
        !header_safe(base) || strchr(base, '?') != NULL || strchr(base, '#') != NULL) {
        fio_error_set(err, FASTIO_INVALID, "base URL must be an http:// or https:// URL");
        return NULL;
    }
    if (!header_safe(cfg->token) || !header_safe(cfg->user_agent) || cfg->chunks_in_flight > 3 ||
        cfg->download_ranges > 4 || cfg->connect_timeout_ms < 0 || cfg->stall_timeout_ms < 0 ||
        cfg->poll_timeout_ms < 0 || cfg->progress_interval_ms < 0 || cfg->deadline_ms < 0) {
        fio_error_set(err, FASTIO_INVALID, "transfer option out of range");
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        fio_error_set(err, FASTIO_NOMEM, "out of memory");
        return NULL;
    }
    atomic_init(&t->cancel, false);
    t->cfg = *cfg;
    t->base_url = dup_opt(base, &ok);
    t->token = cfg->token != NULL && cfg->token[0] != '\0' ? dup_opt(cfg->token, &ok) : NULL;
    t->user_agent =
        dup_opt(cfg->user_agent != NULL ? cfg->user_agent : "fastio-c/" FASTIO_VERSION, &ok);
    t->journal_dir = dup_opt(cfg->journal_dir, &ok);
    if (ok && t->token != NULL) {
        struct fio_buf b;
        fio_buf_init(&b, 0);
        ok = fio_buf_append_str(&b, "Authorization: Bearer ") &&
             fio_buf_append_str(&b, t->token);
        t->auth_header = ok ? fio_buf_steal(&b) : NULL;
        fio_buf_release(&b);
        ok = ok && t->auth_header != NULL;
    }
    t->multi = curl_multi_init();
    t->crc_buf = malloc(CRC_BUF_SIZE);
    if (!ok || t->base_url == NULL || t->user_agent == NULL || t->multi == NULL ||
        t->crc_buf == NULL) {
        fio_error_set(err, FASTIO_NOMEM, "out of memory");
        fastio_transfer_free(t);
        return NULL;
    }
    n = strlen(t->base_url);
    while (n > 0 && t->base_url[n - 1] == '/')
        t->base_url[--n] = '\0';
    t->cfg.base_url = t->base_url;
    t->cfg.token = t->token;
    t->cfg.user_agent = t->user_agent;
    t->cfg.journal_dir = t->journal_dir;
    if (t->cfg.max_files == 0)
        t->cfg.max_files = DEFAULT_MAX_FILES;
    if (t->cfg.chunks_in_flight == 0)
        t->cfg.chunks_in_flight = DEFAULT_CHUNKS_IN_FLIGHT;
    if (t->cfg.download_ranges == 0)
        t->cfg.download_ranges = DEFAULT_RANGES;
    if (t->cfg.single_max == 0)
        t->cfg.single_max = FIO_XFER_SINGLE_MAX;
    if (t->cfg.max_retries == 0)
        t->cfg.max_retries = DEFAULT_RETRIES;
    else if (t->cfg.max_retries < 0)
        t->cfg.max_retries = 0;
    if (t->cfg.backoff_base_ms <= 0)
        t->cfg.backoff_base_ms = DEFAULT_BACKOFF_BASE_MS;
    if (t->cfg.backoff_cap_ms <= 0)
        t->cfg.backoff_cap_ms = DEFAULT_BACKOFF_CAP_MS;
    if (t->cfg.max_retry_wait_ms <= 0)
        t->cfg.max_retry_wait_ms = DEFAULT_MAX_RETRY_WAIT_MS;
    if (t->cfg.connect_timeout_ms == 0)
        t->cfg.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (t->cfg.stall_timeout_ms == 0)
        t->cfg.stall_timeout_ms = DEFAULT_STALL_MS;
    if (t->cfg.poll_timeout_ms == 0)
        t->cfg.poll_timeout_ms = DEFAULT_POLL_TIMEOUT_MS;
    if (t->cfg.progress_interval_ms == 0)
        t->cfg.progress_interval_ms = DEFAULT_PROGRESS_MS;
    /* Keep-alive HTTP/1.1 connections, several per host, reused by every op (performance.md
     * technique 2). */
    (void)curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, 16L);
    fastio_error_clear(err);
    return t;
}

static void job_free(struct xfer_job *job)
{
    if (job == NULL)
        return;
    if (job->kind == XFER_UPLOAD)
        fio_xfer_upload_reset(job);
    else
        fio_xfer_download_reset(job);
    free(job->path);
    free(job->name);
    free(job->workspace);
    free(job->folder);
    free(job->file_id);
    if (job->lock_token != NULL)
        explicit_bzero(job->lock_token, strlen(job->lock_token));
    free(job->lock_token);
    free(job->node);
    free(job->version_id);
    free(job->dest_dir);
    free(job->result_str);
    free(job);
}

FASTIO_API void fastio_transfer_free(struct fastio_transfer *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_jobs; i++)
        job_free(t->jobs[i]);
    free(t->jobs);
    for (size_t i = 0; i < t->easy_pool_n; i++)
        curl_easy_cleanup(t->easy_pool[i]);
    free(t->easy_pool);
    for (size_t i = 0; i < t->buf_pool_n; i++)
        free(t->buf_pool[i]);
    free(t->buf_pool);
    if (t->multi != NULL)
        curl_multi_cleanup(t->multi);
    free(t->crc_buf);
    free(t->base_url);
    if (t->token != NULL)
        explicit_bzero(t->token, strlen(t->token));
    free(t->token);
    if (t->auth_header != NULL)
        explicit_bzero(t->auth_header, strlen(t->auth_header));
    free(t->auth_header);
    free(t->user_agent);
    free(t->journal_dir);
    free(t);
}

FASTIO_API void fastio_transfer_cancel(struct fastio_transfer *t)
{
    if (t != NULL)
        atomic_store(&t->cancel, true);
}

static enum fastio_status add_job(struct fastio_transfer *t, struct xfer_job *job, size_t *index,
                                  struct fastio_error *err)
{
    if (t->n_jobs == t->cap_jobs) {
        size_t cap = t->cap_jobs ? t->cap_jobs * 2 : 16;
        struct xfer_job **nj = realloc(t->jobs, cap * sizeof(*nj));
        if (nj == NULL) {
            job_free(job);
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
        }
        t->jobs = nj;
        t->cap_jobs = cap;
    }
    job->index = t->n_jobs;
    job->step = STEP_QUEUED;
    job->result = FASTIO_CANCELLED;
    job->fd = -1;
    job->dir_fd = -1;
    fio_xfer_journal_init(&job->journal);
    t->jobs[t->n_jobs++] = job;
    if (index != NULL)
        *index = job->index;
    fastio_error_clear(err);
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_transfer_add_upload(struct fastio_transfer *t,
                                                         const struct fastio_upload_spec *spec,
                                                         size_t *index, struct fastio_error *err)
{
    struct xfer_job *job;
    bool ok = true;
    const char *name;

    if (t == NULL || spec == NULL || t->running || spec->workspace == NULL ||
        spec->workspace[0] == '\0' || (spec->path == NULL && spec->fd < 0))
        return fio_error_set(err, FASTIO_INVALID, "upload needs a workspace and a path or fd");
    name = spec->name;
    if (name == NULL && spec->path != NULL) {
        const char *slash = strrchr(spec->path, '/');
        name = slash != NULL ? slash + 1 : spec->path;
    }
    if (name == NULL || name[0] == '\0')
        return fio_error_set(err, FASTIO_INVALID, "upload needs a file name");
    job = calloc(1, sizeof(*job));
    if (job == NULL)
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    job->kind = XFER_UPLOAD;
    job->path = dup_opt(spec->path, &ok);
    job->src_fd = spec->path == NULL ? spec->fd : -1;
    job->max_size = spec->max_size;
    job->name = dup_opt(name, &ok);
    job->workspace = dup_opt(spec->workspace, &ok);
    job->folder = dup_opt(spec->folder != NULL ? spec->folder : "root", &ok);
    job->file_id = dup_opt(spec->file_id != NULL && spec->file_id[0] ? spec->file_id : NULL, &ok);
    job->lock_token =
        dup_opt(spec->lock_token != NULL && spec->lock_token[0] ? spec->lock_token : NULL, &ok);
    if (!ok) {
        job_free(job);
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    return add_job(t, job, index, err);
}

FASTIO_API enum fastio_status
fastio_transfer_add_download(struct fastio_transfer *t, const struct fastio_download_spec *spec,
                             size_t *index, struct fastio_error *err)
{
    struct xfer_job *job;
    bool ok = true;

    if (t == NULL || spec == NULL || t->running || spec->workspace == NULL ||
        spec->node == NULL || spec->dest_dir == NULL || spec->workspace[0] == '\0' ||
        spec->node[0] == '\0' || spec->dest_dir[0] == '\0')
        return fio_error_set(err, FASTIO_INVALID,
                             "download needs a workspace, a node and a destination directory");
    job = calloc(1, sizeof(*job));
    if (job == NULL)
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    job->kind = XFER_DOWNLOAD;
    job->workspace = dup_opt(spec->workspace, &ok);
    job->node = dup_opt(spec->node, &ok);
    job->dest_dir = dup_opt(spec->dest_dir, &ok);
    job->name = dup_opt(spec->name, &ok);
    job->version_id = dup_opt(spec->version_id != NULL && spec->version_id[0] != '\0'
                                  ? spec->version_id
                                  : NULL,
                              &ok);
    job->zip = spec->zip;
    if (!ok) {
        job_free(job);
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    if (job->zip && job->version_id != NULL) {
        job_free(job);
        return fio_error_set(err, FASTIO_INVALID, "a folder zip has no versions");
    }
    return add_job(t, job, index, err);
}

FASTIO_API enum fastio_status fastio_transfer_job_result(const struct fastio_transfer *t,
                                                         size_t index, char **out,
                                                         struct fastio_error *err)
{
    const struct xfer_job *job;
    if (out != NULL)
        *out = NULL;
    if (t == NULL || index >= t->n_jobs)
        return fio_error_set(err, FASTIO_INVALID, "no such transfer job");
    job = t->jobs[index];
    if (!job->succeeded) {
        if (err != NULL) {
            *err = job->err;
            if (err->status == FASTIO_OK) {
                fastio_error_clear(err);
                err->status = job->result;
                (void)snprintf(err->message, sizeof(err->message), "%s",
                               fastio_status_str(job->result));
            }
        }
        return job->result == FASTIO_OK ? FASTIO_CANCELLED : job->result;
    }
    if (out != NULL && job->result_str != NULL) {
        *out = fio_strdup(job->result_str);
        if (*out == NULL)
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    fastio_error_clear(err);
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_transfer_job_progress(const struct fastio_transfer *t,
                                                       size_t index,
                                                       struct fastio_transfer_job_info *info)
{
    const struct xfer_job *job;
    if (info == NULL)
        return FASTIO_INVALID;
    memset(info, 0, sizeof(*info));
    if (t == NULL || index >= t->n_jobs)
        return FASTIO_INVALID;
    job = t->jobs[index];
    info->succeeded = job->succeeded;
    info->ended = job->succeeded || job->step == STEP_DONE || job->step == STEP_FAILED;
    info->started = info->ended || job->step != STEP_QUEUED;
    info->bytes_total = job->size_known ? job->size : 0;
    info->bytes_done = job->bytes_done;
    info->batch = job->batch_no;
    for (const struct xfer_op *op = t->live; op != NULL; op = op->next)
        if (op->job == job)
            info->bytes_done += op->moved;
    if (job->succeeded && job->size_known)
        info->bytes_done = job->size;
    return FASTIO_OK;
}

/* ---- buffers and easy handles: pooled, never freed during a run (performance.md #7) --------- */

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
    const char *colon = memchr(line, ':', n);
    const char *v, *end;
    size_t name_len;
    char *dst = NULL;

    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        op->h_expires[0] = op->h_retry_after[0] = op->h_date[0] = op->h_content_range[0] = '\0';
        return n;
    }
    if (colon == NULL)
        return n;
    name_len = (size_t)(colon - line);
    v = colon + 1;
    end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
#define IS(h) (name_len == sizeof(h) - 1 && strncasecmp(line, h, name_len) == 0)
    if (IS("x-ve-limit-expires") || (op->h_expires[0] == '\0' && IS("X-Rate-Limit-Expiry")))
        dst = op->h_expires;
    else if (IS("Retry-After"))
        dst = op->h_retry_after;
    else if (IS("Date"))
        dst = op->h_date;
    else if (IS("Content-Range"))
        dst = op->h_content_range;
#undef IS
    if (dst != NULL) {
        size_t k = (size_t)(end - v) < XFER_HDR_MAX - 1 ? (size_t)(end - v) : XFER_HDR_MAX - 1;
        memcpy(dst, v, k);
        dst[k] = '\0';
    }
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

    st = fio_request_build(&op->rq, ep, t->base_url, t->token, args, n_args, params, n_params,
                           NULL, err);
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
        st = FASTIO_TIMEOUT;
        retryable = true;
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        st = FASTIO_NETWORK;
        retryable = true;
        break;
    case CURLE_OUT_OF_MEMORY:
        st = FASTIO_NOMEM;
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
    default:
        st = FASTIO_NETWORK;
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
        err->retry_after_ms = fio_retry_after_ms(http == 429 ? op->h_expires : "",
                                                 op->h_retry_after, op->h_date,
                                                 (long long)(fio_wall_us() / 1000000));
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
    const struct fio_backoff b = {t->cfg.max_retries, t->cfg.backoff_base_ms,
                                  t->cfg.backoff_cap_ms, t->cfg.max_retry_wait_ms};
    bool retryable = e->retryable || e->status == FASTIO_NETWORK ||
                     e->status == FASTIO_TIMEOUT || e->status == FASTIO_RATE_LIMITED;
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
                       e != NULL && e->message[0] != '\0' ? ": " : "",
                       e != NULL ? e->message : "");
        fio_strlcpy(job->err.message, msg, sizeof(job->err.message)); /* cut if need be */
    }
    job->result = st;
    job->step = STEP_FAILED;
}

/* ---- limits (api §5.8), once per engine ------------------------------------------------------ */

static void start_limits(struct fastio_transfer *t, int64_t now)
{
    struct fastio_error e;
    struct xfer_op *op;
    if (t->limits_state != 0 || now < t->limits_not_before_ms)
        return;
    op = fio_xfer_op_new(t, NULL, OP_LIMITS);
    if (op == NULL || fio_xfer_op_build(op, FASTIO_EP_UPLOAD_LIMITS, NULL, 0, NULL, 0, true, &e) !=
                          FASTIO_OK ||
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
        double inst = (double)(p.bytes_done - t->rate_bytes_mark) * 1000.0 /
                      (double)(now - t->rate_mark_ms);
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
                        fio_xfer_upload_reset(job);
                    else
                        fio_xfer_download_reset(job);
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
            fio_xfer_upload_reset(job);
        else
            fio_xfer_download_reset(job);
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
        return fio_error_set(err, stop, stop == FASTIO_TIMEOUT ? "transfer deadline passed"
                                                               : "transfer cancelled");
    }
    if (result == FASTIO_OK)
        fastio_error_clear(err);
    return result;
}

enum fastio_status fio_xfer_crc_range(struct fastio_transfer *t, int fd, uint64_t off,
                                      uint64_t len, uint32_t *crc)
{
    uint32_t c = 0;
    while (len > 0) {
        size_t want = len < CRC_BUF_SIZE ? (size_t)len : CRC_BUF_SIZE;
        ssize_t r = pread(fd, t->crc_buf, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return FASTIO_IO;
        if (r == 0)
            return FASTIO_CONFLICT; /* the file got shorter */
        c = fio_crc32c(c, t->crc_buf, (size_t)r);
        off += (uint64_t)r;
        len -= (uint64_t)r;
    }
    *crc = c;
    return FASTIO_OK;
}
