/* SPDX-License-Identifier: MIT */
/* transfer.c - the transfer engine's handle and its public API: configuration (requests go
 * through the client handle it is given: base URL, token, log hook, User-Agent), jobs, their
 * results and progress, the buffer pool and the CRC helper. The event loop and its HTTP
 * operations are transfer_loop.c; the upload and download state machines live in
 * transfer_upload.c and transfer_download.c (upload requests in transfer_upload_send.c, folder
 * zips in transfer_zip.c, batches in transfer_batch.c), their helper threads in
 * transfer_hash.c and transfer_write.c; pure helpers in transfer_plan.c. */
#include "transfer_engine.h"

#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "envelope.h"

#define DEFAULT_MAX_FILES 4
#define DEFAULT_CHUNKS_IN_FLIGHT 3 /* the API cap; 3 beat 2 by ~7 % once CRCs moved off the loop
                                     (interleaved A/B, docs/benchmarks.md) */
#define DEFAULT_RANGES 2
#define DEFAULT_RETRIES 5
#define DEFAULT_BACKOFF_BASE_MS 250
#define DEFAULT_BACKOFF_CAP_MS 20000
#define DEFAULT_MAX_RETRY_WAIT_MS 60000
#define DEFAULT_STALL_MS 60000
#define DEFAULT_POLL_TIMEOUT_MS 120000
#define DEFAULT_PROGRESS_MS 100

FIO_ABI_FIRST(fastio_transfer_config);

FASTIO_API void fastio_transfer_config_init_sized(struct fastio_transfer_config *cfg, size_t size)
{
    struct fastio_transfer_config d;
    memset(&d, 0, sizeof(d));
    fio_abi_init(cfg, size, &d, sizeof(d));
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

FASTIO_API struct fastio_transfer *fastio_transfer_new(struct fastio_client *client,
                                                       const struct fastio_transfer_config *cfg,
                                                       struct fastio_error *err)
{
    struct fastio_transfer_config full; /* the caller's struct at this library's size (D-005) */
    struct fastio_transfer *t;
    bool ok = true;

    if (client == NULL) {
        fio_error_set(err, FASTIO_INVALID, "a transfer needs a client");
        return NULL;
    }
    fastio_transfer_config_init(&full);
    if (cfg != NULL && FIO_ABI_READ(&full, cfg, "fastio_transfer_config", err) != FASTIO_OK)
        return NULL;
    cfg = &full;
    if (cfg->chunks_in_flight > 3 || cfg->download_ranges > 4 || cfg->connect_timeout_ms < 0 ||
        cfg->stall_timeout_ms < 0 || cfg->poll_timeout_ms < 0 || cfg->progress_interval_ms < 0 ||
        cfg->deadline_ms < 0) {
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
    t->client = client;
    t->journal_dir = dup_opt(cfg->journal_dir, &ok);
    t->token = calloc(1, FASTIO_TOKEN_MAX);
    t->multi = curl_multi_init();
    t->crc_buf = malloc(XFER_CRC_BUF);
    if (!ok || t->token == NULL || t->multi == NULL || t->crc_buf == NULL) {
        fio_error_set(err, FASTIO_NOMEM, "out of memory");
        fastio_transfer_free(t);
        return NULL;
    }
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
    if (t->cfg.stall_timeout_ms == 0)
        t->cfg.stall_timeout_ms = DEFAULT_STALL_MS;
    if (t->cfg.poll_timeout_ms == 0)
        t->cfg.poll_timeout_ms = DEFAULT_POLL_TIMEOUT_MS;
    if (t->cfg.progress_interval_ms == 0)
        t->cfg.progress_interval_ms = DEFAULT_PROGRESS_MS;
    /* Keep-alive HTTP/1.1 connections, several per host, reused by every op (docs/decisions.md
     * D-023 "Resources"). */
    (void)curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, 16L);
    fastio_error_clear(err);
    return t;
}

static void job_free(struct fastio_transfer *t, struct xfer_job *job)
{
    if (job == NULL)
        return;
    job->kind->reset(t, job);
    free(job->name);
    free(job->workspace);
    free(job->result_str);
    if (XFER_IS_UPLOAD(job)) {
        free(job->up.path);
        free(job->up.marker_path);
        free(job->up.folder);
        free(job->up.file_id);
        if (job->up.lock_token != NULL)
            explicit_bzero(job->up.lock_token, strlen(job->up.lock_token));
        free(job->up.lock_token);
    } else {
        free(job->dl.node);
        free(job->dl.version_id);
        free(job->dl.dest_dir);
    }
    free(job);
}

FASTIO_API void fastio_transfer_free(struct fastio_transfer *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_jobs; i++)
        job_free(t, t->jobs[i]);
    free(t->jobs);
    fio_xfer_hash_stop(t); /* before the multi handle: the thread wakes it */
    fio_xfer_write_stop(t);
    for (size_t i = 0; i < t->easy_pool_n; i++)
        curl_easy_cleanup(t->easy_pool[i]);
    free(t->easy_pool);
    for (size_t i = 0; i < t->buf_pool_n; i++)
        free(t->buf_pool[i]);
    free(t->buf_pool);
    if (t->multi != NULL)
        curl_multi_cleanup(t->multi);
    free(t->crc_buf);
    if (t->token != NULL)
        explicit_bzero(t->token, FASTIO_TOKEN_MAX);
    free(t->token);
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
            job_free(t, job);
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
        }
        t->jobs = nj;
        t->cap_jobs = cap;
    }
    job->index = t->n_jobs;
    job->step = STEP_QUEUED;
    job->result = FASTIO_CANCELLED;
    job->fd = -1;
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
    job->kind = &fio_xfer_upload_kind;
    /* No descriptors yet: a job freed before add_job (OOM) must not close fd 0. */
    job->fd = -1;
    fio_xfer_journal_init(&job->up.journal);
    job->up.path = dup_opt(spec->path, &ok);
    job->up.src_fd = spec->path == NULL ? spec->fd : -1;
    job->up.max_size = spec->max_size;
    job->name = dup_opt(name, &ok);
    job->workspace = dup_opt(spec->workspace, &ok);
    job->up.folder = dup_opt(spec->folder != NULL ? spec->folder : "root", &ok);
    job->up.file_id = dup_opt(spec->file_id != NULL && spec->file_id[0] ? spec->file_id : NULL, &ok);
    job->up.lock_token =
        dup_opt(spec->lock_token != NULL && spec->lock_token[0] ? spec->lock_token : NULL, &ok);
    if (!ok) {
        job_free(t, job);
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
    job->kind = &fio_xfer_download_kind;
    /* No descriptors yet: a job freed before add_job (an OOM, or a zip asked with a version)
     * must not close fd 0 - the download reset closes fd and dir_fd when they are >= 0. */
    job->fd = -1;
    job->dl.dir_fd = -1;
    job->workspace = dup_opt(spec->workspace, &ok);
    job->dl.node = dup_opt(spec->node, &ok);
    job->dl.dest_dir = dup_opt(spec->dest_dir, &ok);
    job->name = dup_opt(spec->name, &ok);
    job->dl.version_id = dup_opt(spec->version_id != NULL && spec->version_id[0] != '\0'
                                  ? spec->version_id
                                  : NULL,
                              &ok);
    job->dl.zip = spec->zip;
    if (!ok) {
        job_free(t, job);
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    if (job->dl.zip && job->dl.version_id != NULL) {
        job_free(t, job);
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
    info->batch = XFER_IS_UPLOAD(job) ? job->up.batch_no : 0;
    info->skipped = XFER_IS_UPLOAD(job) && job->up.skipped;
    for (const struct xfer_op *op = t->live; op != NULL; op = op->next)
        if (op->job == job)
            info->bytes_done += op->moved;
    if (job->succeeded && job->size_known)
        info->bytes_done = job->size;
    return FASTIO_OK;
}
