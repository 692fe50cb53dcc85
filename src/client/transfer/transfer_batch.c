/* SPDX-License-Identifier: MIT */
/* transfer_batch.c - batch uploads of the transfer engine (api §5.6): the small files of a run
 * that go to the same workspace folder are packed into POST /upload/batch/ requests (at most
 * 200 files and 100 MiB each): text parts instance_id, folder_id, profile_type and a manifest
 * with a CRC-32C per entry, then parts file_0..file_{n-1} whose bytes curl pulls from the files
 * (pread in the read callback, nothing held in memory). The per-entry results go back to each
 * job: a node id, or the entry is retried alone through the single-request flow (once: that
 * flow has its own bounded retries). A whole request that fails goes again only as the retry
 * rule of its UNSAFE row allows (a 429, or nothing sent; at most BATCH_TRIES_MAX attempts); its
 * files then go alone only when the server cannot have stored any of them (batch_retry), else
 * they fail. Files with a lock token or a file_id never batch (docs/decisions.md D-026). */
#include "transfer_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "envelope.h"
#include "timeutil.h"

#define BATCH_FILES_MAX 200
#define BATCH_BYTES_MAX (100 * FIO_XFER_MIB)
#define BATCHES_IN_FLIGHT 2
#define BATCH_TRIES_MAX 3 /* whole-request attempts before the files go alone */

struct batch_entry {
    struct xfer_op *op;
    struct xfer_job *job;
    uint64_t pos;
};

struct xfer_batch {
    struct batch_entry *e;
    size_t n;
};

void fio_xfer_batch_free(struct xfer_batch *b)
{
    if (b == NULL)
        return;
    free(b->e);
    free(b);
}

static uint64_t batch_file_max(const struct fastio_transfer *t)
{
    return t->cfg.single_max < FIO_XFER_SINGLE_MAX ? t->cfg.single_max : FIO_XFER_SINGLE_MAX;
}

/* Decide once per run whether a queued upload may go in a batch (a stat, no open). */
static void classify(struct fastio_transfer *t, struct xfer_job *job)
{
    struct stat sb;
    job->up.batch_ok = 2;
    if (t->cfg.no_batch || job->up.no_batch || job->up.path == NULL || job->up.lock_token != NULL ||
        job->up.file_id != NULL)
        return;
    if (stat(job->up.path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > batch_file_max(t))
        return;
    job->up.batch_ok = 1;
}

bool fio_xfer_batch_waiting(const struct fastio_transfer *t, const struct xfer_job *job)
{
    (void)t;
    return XFER_IS_UPLOAD(job) && job->step == STEP_QUEUED && job->up.batch_ok == 1 &&
           !job->up.no_batch;
}

static bool same_target(const struct xfer_job *a, const struct xfer_job *b)
{
    return strcmp(a->workspace, b->workspace) == 0 && strcmp(a->up.folder, b->up.folder) == 0;
}

/* The job goes alone from now on (per-run state released: prepare() opens it again). */
static void go_alone(struct xfer_job *job)
{
    if (job->fd >= 0)
        (void)close(job->fd);
    job->fd = -1;
    job->up.batch_ok = 2;
    job->up.no_batch = true;
    job->up.batch_no = 0;
    job->size_known = false;
    job->step_not_before_ms = 0;
    job->step = STEP_QUEUED;
}

/* Open and checksum one member; false = it goes alone (its error shows there). */
static bool open_member(struct fastio_transfer *t, struct xfer_job *job, uint32_t *crc)
{
    struct stat sb;
    job->fd = open(job->up.path, O_RDONLY | O_CLOEXEC);
    if (job->fd < 0 || fstat(job->fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > batch_file_max(t)) {
        go_alone(job);
        return false;
    }
    job->size = (uint64_t)sb.st_size;
    job->up.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    job->size_known = true;
    if (fio_xfer_crc_range(t, job->fd, 0, job->size, crc) != FASTIO_OK) {
        go_alone(job);
        return false;
    }
    return true;
}

static size_t read_entry(char *buffer, size_t size, size_t nitems, void *arg)
{
    struct batch_entry *be = arg;
    size_t want = size * nitems;
    ssize_t r;
    if (be->job->size - be->pos < want)
        want = (size_t)(be->job->size - be->pos);
    if (want == 0)
        return 0;
    do {
        r = pread(be->job->fd, buffer, want, (off_t)be->pos);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) {
        be->op->src_changed = r == 0;
        return CURL_READFUNC_ABORT;
    }
    be->pos += (uint64_t)r;
    be->op->moved += (uint64_t)r;
    return (size_t)r;
}

static int seek_entry(void *arg, curl_off_t offset, int origin)
{
    struct batch_entry *be = arg;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > be->job->size)
        return CURL_SEEKFUNC_CANTSEEK;
    be->op->moved -= be->op->moved >= be->pos ? be->pos : be->op->moved;
    be->pos = (uint64_t)offset;
    be->op->moved += be->pos;
    return CURL_SEEKFUNC_OK;
}

static bool text_part(curl_mime *mime, const char *name, const char *value)
{
    curl_mimepart *part = curl_mime_addpart(mime);
    return part != NULL && curl_mime_name(part, name) == CURLE_OK &&
           curl_mime_data(part, value, CURL_ZERO_TERMINATED) == CURLE_OK;
}

/* Build and start one batch request of the members b->e[0..n). false = not started (the
 * members were put back to go alone). */
static bool start_batch(struct fastio_transfer *t, struct xfer_batch *b, const uint32_t *crcs)
{
    struct fastio_error e;
    struct xfer_op *op = fio_xfer_op_new(t, NULL, OP_BATCH);
    json_t *manifest = json_array();
    char *mtext = NULL;
    bool ok = op != NULL && manifest != NULL;

    if (op != NULL) {
        op->done = fio_xfer_batch_done;
        op->op.attempt = b->e[0].job->up.batch_tries + 1;
    }

    for (size_t i = 0; ok && i < b->n; i++) {
        char hex[FIO_CRC32C_HEX_SIZE];
        fio_crc32c_hex(crcs[i], hex);
        ok = json_array_append_new(manifest, json_pack("{s:I, s:s, s:s, s:s}", "index",
                                                       (json_int_t)i, "filename",
                                                       b->e[i].job->name, "hash_algo", "crc32c",
                                                       "hash", hex)) == 0;
    }
    if (ok)
        mtext = json_dumps(manifest, JSON_COMPACT);
    json_decref(manifest);
    ok = ok && mtext != NULL &&
         fio_xfer_op_build(op, FASTIO_EP_UPLOAD_BATCH, NULL, 0, NULL, 0, false, &e) == FASTIO_OK;
    if (ok) {
        const struct xfer_job *j0 = b->e[0].job;
        op->mime = curl_mime_init(op->easy);
        ok = op->mime != NULL && text_part(op->mime, "instance_id", j0->workspace) &&
             text_part(op->mime, "folder_id", j0->up.folder) &&
             text_part(op->mime, "profile_type", "workspace") &&
             text_part(op->mime, "manifest", mtext);
    }
    for (size_t i = 0; ok && i < b->n; i++) {
        struct batch_entry *be = &b->e[i];
        curl_mimepart *part = curl_mime_addpart(op->mime);
        char name[32];
        (void)snprintf(name, sizeof(name), "file_%zu", i);
        be->op = op;
        be->pos = 0;
        ok = part != NULL && curl_mime_name(part, name) == CURLE_OK &&
             curl_mime_filename(part, be->job->name) == CURLE_OK &&
             curl_mime_type(part, "application/octet-stream") == CURLE_OK &&
             curl_mime_data_cb(part, (curl_off_t)be->job->size, read_entry, seek_entry, NULL,
                               be) == CURLE_OK;
    }
    free(mtext);
    ok = ok && curl_easy_setopt(op->easy, CURLOPT_MIMEPOST, op->mime) == CURLE_OK;
    if (!ok)
        fio_xfer_op_free(op); /* NULL-safe */
    else if (fio_xfer_op_start(op, &e) != FASTIO_OK)
        ok = false; /* op_start freed op */
    if (!ok) {
        /* not sent: every member goes alone */
        for (size_t i = 0; i < b->n; i++)
            go_alone(b->e[i].job);
        fio_xfer_batch_free(b);
        return false;
    }
    op->batch = b; /* nothing runs before the next curl_multi_perform */
    t->batches_live++;
    t->batches_started++;
    for (size_t i = 0; i < b->n; i++) {
        b->e[i].job->up.batch_no = t->batches_started;
        b->e[i].job->step = STEP_BATCH;
    }
    return true;
}

/* Collect up to 200 files / 100 MiB of the target of jobs[first] into one batch. */
static void form_batch(struct fastio_transfer *t, size_t first, int64_t now)
{
    struct xfer_job *lead = t->jobs[first];
    struct xfer_batch *b = calloc(1, sizeof(*b));
    uint32_t *crcs = calloc(BATCH_FILES_MAX, sizeof(*crcs));
    uint64_t bytes = 0;
    size_t candidates = 0;

    if (b != NULL)
        b->e = calloc(BATCH_FILES_MAX, sizeof(*b->e));
    if (b == NULL || b->e == NULL || crcs == NULL) {
        fio_xfer_batch_free(b);
        free(crcs);
        go_alone(lead); /* out of memory: the single flow reports it if it persists */
        return;
    }
    /* a batch needs at least two files of one target */
    for (size_t i = first; i < t->n_jobs && candidates < 2; i++) {
        const struct xfer_job *j = t->jobs[i];
        if (fio_xfer_batch_waiting(t, j) && now >= j->step_not_before_ms && same_target(lead, j))
            candidates++;
    }
    if (candidates < 2) {
        fio_xfer_batch_free(b);
        free(crcs);
        lead->up.batch_ok = 2;
        return;
    }
    for (size_t i = first; i < t->n_jobs && b->n < BATCH_FILES_MAX; i++) {
        struct xfer_job *j = t->jobs[i];
        struct stat sb;
        if (!fio_xfer_batch_waiting(t, j) || now < j->step_not_before_ms || !same_target(lead, j))
            continue;
        if (stat(j->up.path, &sb) != 0 || bytes + (uint64_t)sb.st_size > BATCH_BYTES_MAX) {
            if (b->n == 0)
                go_alone(j);
            continue;
        }
        if (!open_member(t, j, &crcs[b->n]))
            continue;
        bytes += j->size;
        b->e[b->n++].job = j;
    }
    if (b->n < 2) {
        for (size_t i = 0; i < b->n; i++)
            go_alone(b->e[i].job);
        fio_xfer_batch_free(b);
        free(crcs);
        return;
    }
    (void)start_batch(t, b, crcs);
    free(crcs);
}

void fio_xfer_batch_advance(struct fastio_transfer *t, int64_t now)
{
    for (size_t i = 0; i < t->n_jobs; i++) {
        struct xfer_job *job = t->jobs[i];
        if (XFER_IS_UPLOAD(job) && job->step == STEP_QUEUED && !job->succeeded &&
            job->up.batch_ok == 0)
            classify(t, job);
    }
    for (size_t i = 0; i < t->n_jobs && t->batches_live < BATCHES_IN_FLIGHT; i++) {
        struct xfer_job *job = t->jobs[i];
        if (!fio_xfer_batch_waiting(t, job) || now < job->step_not_before_ms)
            continue;
        form_batch(t, i, now);
    }
}

/* The whole request failed: try the batch again later when the retry rule allows it; else
 * send its files alone when the server cannot have stored any of them (it refused the request
 * as a whole with a 4xx, or nothing was sent); else fail them. UPLOAD_BATCH is UNSAFE: after a
 * 5xx, a dropped connection or a timeout the server may have stored every file, and sending
 * them again (alone or batched) would store them twice. */
static void batch_retry(struct fastio_transfer *t, struct xfer_batch *b,
                        const struct fastio_error *e)
{
    int tries = b->e[0].job->up.batch_tries;
    long wait = 0;
    bool again = tries + 1 < BATCH_TRIES_MAX && fio_xfer_should_retry(t, e, false, &tries, &wait);
    bool refused = (e->http_status >= 400 && e->http_status < 500) ||
                   (t->judging != NULL && t->judging->op.nothing_sent);
    int64_t when = fio_mono_ms() + wait;
    for (size_t i = 0; i < b->n; i++) {
        struct xfer_job *j = b->e[i].job;
        if (!again && refused) {
            go_alone(j);
            continue;
        }
        if (j->fd >= 0)
            (void)close(j->fd);
        j->fd = -1;
        j->up.batch_no = 0;
        if (!again) {
            fio_xfer_job_fail(j, e->status, e,
                              "batch upload failed (not sent again: the server may have "
                              "stored it)");
            continue;
        }
        j->up.batch_tries = tries;
        j->step_not_before_ms = when;
        j->step = STEP_QUEUED;
    }
}

void fio_xfer_batch_done(struct xfer_op *op, CURLcode rc)
{
    struct fastio_transfer *t = op->t;
    struct xfer_batch *b = op->batch;
    struct fastio_error e;
    json_t *body = NULL, *results;
    enum fastio_status st;
    size_t i;
    json_t *r;

    op->batch = NULL;
    t->batches_live--;
    if (t->cancelling) {
        for (i = 0; i < b->n; i++) {
            struct xfer_job *j = b->e[i].job;
            if (j->fd >= 0)
                (void)close(j->fd);
            j->fd = -1;
            j->up.batch_no = 0;
            j->step = STEP_QUEUED;
        }
        fio_xfer_op_free(op);
        fio_xfer_batch_free(b);
        return;
    }
    st = fio_xfer_op_decode(op, rc, &body, &e);
    fio_xfer_op_free(op);
    results = json_object_get(body, "results");
    if (st != FASTIO_OK || !json_is_array(results)) {
        if (st == FASTIO_OK) {
            fastio_error_clear(&e);
            e.status = FASTIO_PROTOCOL;
        }
        batch_retry(t, b, &e);
        json_decref(body);
        fio_xfer_batch_free(b);
        return;
    }
    json_array_foreach(results, i, r)
    {
        long ix = -1;
        const char *status = json_string_value(json_object_get(r, "status"));
        const char *node = json_string_value(json_object_get(r, "node_id"));
        struct xfer_job *j;
        if (!fio_json_to_long(json_object_get(r, "index"), &ix) || ix < 0 ||
            (size_t)ix >= b->n || i >= BATCH_FILES_MAX)
            continue;
        j = b->e[ix].job;
        if (j->step != STEP_BATCH || status == NULL || strcmp(status, "ok") != 0 ||
            node == NULL || node[0] == '\0')
            continue; /* left in STEP_BATCH: goes alone below */
        fio_xfer_up_mark(j, node);
        free(j->result_str);
        j->result_str = fio_strdup(node);
        if (j->result_str == NULL)
            continue;
        j->bytes_done = j->size;
        j->result = FASTIO_OK;
        j->succeeded = true;
        fastio_error_clear(&j->err);
        j->step = STEP_DONE;
    }
    /* entries refused or not reported: each is retried alone by the single-request flow */
    for (i = 0; i < b->n; i++)
        if (b->e[i].job->step == STEP_BATCH)
            go_alone(b->e[i].job);
    json_decref(body);
    fio_xfer_batch_free(b);
}
