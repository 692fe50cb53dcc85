/* SPDX-License-Identifier: MIT */
/* transfer_upload.c - the upload state machine of the transfer engine (api §5.3-§5.5): single
 * request for small files, chunked sessions with up to 3 chunks in flight and CRC-32C per chunk
 * and per file, resume from the journal reconciled with the server's details, stream sessions
 * for pipes. The requests themselves are built in transfer_upload_send.c. */
#include "transfer_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_codes.h"
#include "envelope.h"
#include "timeutil.h"

#define POLL_FIRST_MS 50
#define POLL_MAX_MS 1000
/* A 409 "chunks of this session are still in flight" (a request of an aborted earlier run that
 * the server has not let go of yet) is waited out for this long, with waits growing to
 * INFLIGHT_STEP_MAX_MS, before the normal retry count applies (issue 15 item 6d). */
#define INFLIGHT_WAIT_MS 60000
#define INFLIGHT_STEP_MAX_MS 2000

/* ---- helpers ------------------------------------------------------------------------------- */

static void job_done(struct xfer_job *job, const char *new_file_id)
{
    if (job->up.journal_path != NULL)
        (void)unlink(job->up.journal_path);
    job->up.journal_dirty = false;
    fio_xfer_up_mark(job, new_file_id);
    free(job->result_str);
    job->result_str = new_file_id != NULL ? fio_strdup(new_file_id) : NULL;
    job->bytes_done = job->size;
    job->result = FASTIO_OK;
    job->succeeded = true;
    fastio_error_clear(&job->err);
    job->step = STEP_DONE;
}

/* The session is gone or unusable: forget the journal so the next run starts afresh. */
static void drop_journal(struct xfer_job *job)
{
    if (job->up.journal_path != NULL)
        (void)unlink(job->up.journal_path);
    job->up.journal_dirty = false;
}

static bool id_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n >= FIO_XFER_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '/')
            return false;
    return true;
}

static void save_journal(struct xfer_job *job)
{
    if (job->up.journal_path == NULL)
        return;
    /* A journal that cannot be written only costs the resume: the upload goes on. */
    (void)fio_xfer_journal_save(job->up.journal_path, &job->up.journal, NULL);
    job->up.journal_dirty = false;
    job->up.journal_saved_ms = fio_mono_ms();
}

/* A chunk was acknowledged: its CRC goes into the journal, which is rewritten at most every
 * STATE_EVERY_MS (and when the run ends without success, upload_reset). Rewriting
 * it after every chunk cost the loop thread 2-10 ms per chunk while the disk was busy (a create
 * and a rename each time; 0.34 s of a 0.68 s durable 1 GiB upload, during which no connection
 * was served), and O(chunks) each time. A journal that lags only means that a resumed upload
 * takes the CRCs of the chunks it misses from the file again: the server's list of chunks,
 * not the journal, says what is sent again. */
static void note_journal(struct xfer_job *job)
{
    job->up.journal_dirty = true;
    if (fio_mono_ms() - job->up.journal_saved_ms >= STATE_EVERY_MS)
        save_journal(job);
}

static int64_t mtime_ns(const struct stat *sb)
{
    return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* ---- stored markers (issue 15 item 6a) ------------------------------------------------------ */

bool fio_xfer_up_run_start(struct fastio_transfer *t, struct xfer_job *job)
{
    struct stat sb;
    char node[FIO_XFER_ID_MAX];
    if (!XFER_IS_UPLOAD(job) || job->succeeded || job->up.path == NULL || t->journal_dir == NULL)
        return false;
    if (stat(job->up.path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return false;
    job->up.marker_size = (uint64_t)sb.st_size;
    job->up.marker_mtime_ns = mtime_ns(&sb);
    if (job->up.marker_path == NULL) {
        char *abs = realpath(job->up.path, NULL);
        char *jp = fio_xfer_journal_path(t->journal_dir, abs != NULL ? abs : job->up.path,
                                         fastio_client_base_url(t->client), job->workspace,
                                         job->up.file_id != NULL ? job->up.file_id : job->up.folder,
                                         job->name);
        size_t n = jp != NULL ? strlen(jp) : 0;
        free(abs);
        if (jp == NULL)
            return false; /* out of memory: no marker, the file is only not skipped */
        job->up.marker_path = malloc(n + sizeof(".done"));
        if (job->up.marker_path != NULL) {
            memcpy(job->up.marker_path, jp, n);
            memcpy(job->up.marker_path + n, ".done", sizeof(".done"));
        }
        free(jp);
        if (job->up.marker_path == NULL)
            return false;
    }
    if (!fio_xfer_marker_load(job->up.marker_path, job->up.marker_size, job->up.marker_mtime_ns,
                              node, sizeof(node)))
        return false;
    free(job->result_str);
    job->result_str = fio_strdup(node);
    if (job->result_str == NULL)
        return false;
    job->size = job->up.marker_size;
    job->size_known = true;
    job->bytes_done = job->size;
    job->bytes_prior = job->size; /* nothing sent */
    job->up.skipped = true;
    job->result = FASTIO_OK;
    job->succeeded = true;
    fastio_error_clear(&job->err);
    job->step = STEP_DONE;
    return true;
}

void fio_xfer_up_mark(struct xfer_job *job, const char *node_id)
{
    if (!XFER_IS_UPLOAD(job) || job->up.marker_path == NULL || node_id == NULL || node_id[0] == '\0')
        return;
    /* A marker that cannot be written only costs a second version if the run is cut short. */
    (void)fio_xfer_marker_save(job->up.marker_path, job->up.marker_size, job->up.marker_mtime_ns,
                               node_id);
}

void fio_xfer_up_forget(struct xfer_job *job)
{
    if (!XFER_IS_UPLOAD(job) || job->up.marker_path == NULL)
        return;
    (void)unlink(job->up.marker_path);
}

/* ---- starting ------------------------------------------------------------------------------- */

static void prepare(struct fastio_transfer *t, struct xfer_job *job)
{
    struct stat sb;
    if (job->up.path == NULL) {
        job->step = STEP_STREAM_CREATE;
        return;
    }
    job->fd = open(job->up.path, O_RDONLY | O_CLOEXEC);
    if (job->fd < 0 || fstat(job->fd, &sb) != 0) {
        struct fastio_error e;
        fastio_error_clear(&e);
        (void)snprintf(e.message, sizeof(e.message), "%s", strerror(errno));
        fio_xfer_job_fail(job, FASTIO_IO, &e, "cannot open");
        return;
    }
    if (!S_ISREG(sb.st_mode)) {
        fio_xfer_fail_status(job, FASTIO_INVALID, "not a regular file");
        return;
    }
    job->size = (uint64_t)sb.st_size;
    job->up.mtime_ns = mtime_ns(&sb);
    job->size_known = true;
    job->step = job->size <= t->cfg.single_max ? STEP_SINGLE : STEP_LIMITS;
}

static bool chunks_alloc(struct xfer_job *job)
{
    free(job->up.chunks);
    job->up.chunks = calloc(job->up.n_chunks, sizeof(*job->up.chunks));
    if (job->up.chunks == NULL)
        return false;
    for (uint32_t i = 0; i < job->up.n_chunks; i++) {
        job->up.chunks[i].off = (uint64_t)i * job->up.chunk_size;
        job->up.chunks[i].len = job->size - job->up.chunks[i].off < job->up.chunk_size
                                 ? job->size - job->up.chunks[i].off
                                 : job->up.chunk_size;
    }
    return true;
}

/* Limits are known: plan the chunks, then resume from the journal or create a session. */
static void plan(struct fastio_transfer *t, struct xfer_job *job)
{
    struct fastio_error e;
    enum fastio_status st;
    char *abs = NULL;

    st = fio_xfer_plan(job->size, &t->limits, t->cfg.chunk_size, &job->up.chunk_size, &job->up.n_chunks,
                       &e);
    if (st != FASTIO_OK) {
        fio_xfer_job_fail(job, st, &e, "cannot plan the upload");
        return;
    }
    if (t->journal_dir != NULL) {
        if (mkdir(t->journal_dir, 0700) != 0 && errno != EEXIST) {
            fio_xfer_fail_status(job, FASTIO_IO, "cannot create the journal directory");
            return;
        }
        abs = realpath(job->up.path, NULL);
        job->up.journal_path = fio_xfer_journal_path(
            t->journal_dir, abs != NULL ? abs : job->up.path, fastio_client_base_url(t->client), job->workspace,
            job->up.file_id != NULL ? job->up.file_id : job->up.folder, job->name);
        free(abs);
        if (job->up.journal_path == NULL) {
            fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
            return;
        }
        st = fio_xfer_journal_load(job->up.journal_path, &job->up.journal, NULL);
        if (st == FASTIO_OK && job->up.journal.size == job->size &&
            job->up.journal.mtime_ns == job->up.mtime_ns &&
            job->up.journal.chunk_size >=
                (t->limits.chunk_size_min > 0 ? t->limits.chunk_size_min : FIO_XFER_MIN_CHUNK) &&
            (t->limits.chunk_size_max == 0 ||
             job->up.journal.chunk_size <= t->limits.chunk_size_max)) {
            /* Same source, same session: keep its chunk size (the session is bound to it). */
            job->up.chunk_size = job->up.journal.chunk_size;
            job->up.n_chunks = job->up.journal.n_chunks;
            if (!chunks_alloc(job)) {
                fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
                return;
            }
            for (uint32_t i = 0; i < job->up.n_chunks; i++) {
                job->up.chunks[i].crc = job->up.journal.crc[i];
                job->up.chunks[i].crc_known = job->up.journal.done[i];
            }
            fio_strlcpy(job->up.upload_id, job->up.journal.upload_id, sizeof(job->up.upload_id));
            job->step = STEP_RESUME;
            return;
        }
        /* Absent, corrupt, or another version of the file: never mix, start over. */
        if (st != FASTIO_NOT_FOUND)
            drop_journal(job);
    }
    fio_xfer_journal_release(&job->up.journal);
    if (!chunks_alloc(job) || !fio_xfer_journal_alloc(&job->up.journal, job->up.n_chunks)) {
        fio_xfer_fail_status(job, FASTIO_NOMEM, "out of memory");
        return;
    }
    job->up.journal.size = job->size;
    job->up.journal.mtime_ns = job->up.mtime_ns;
    job->up.journal.chunk_size = job->up.chunk_size;
    job->step = STEP_CREATE;
}

/* ---- the CRC pre-pass (transfer_hash.c) ------------------------------------------------------ */

/* Register the job with the helper thread once, keep its read-ahead window moving, take the
 * CRCs it published and stop the job if its pass failed. false when the job failed. */
static bool crc_pass(struct fastio_transfer *t, struct xfer_job *job)
{
    uint32_t oldest = job->up.n_chunks, todo = 0, ready;
    enum fastio_status st;
    if (fio_xfer_trailing_crc(t))
        return true; /* CRCs are taken as the bytes are sent */
    if (!job->up.hs.tried) {
        job->up.hs.tried = true;
        job->up.hs.seen = 0;
        (void)fio_xfer_hash_start(t, job); /* false: fio_xfer_send_chunk computes them */
    }
    if (!job->up.hs.on)
        return true;
    st = fio_xfer_hash_status(t, job);
    if (st != FASTIO_OK) {
        if (st == FASTIO_CONFLICT)
            drop_journal(job);
        fio_xfer_fail_status(job, st,
                             st == FASTIO_CONFLICT ? "source file changed during the upload"
                                                   : "cannot read the source");
        return false;
    }
    for (uint32_t i = 0; i < job->up.n_chunks; i++) {
        if (job->up.chunks[i].state != CHUNK_DONE && oldest == job->up.n_chunks)
            oldest = i;
        if (job->up.chunks[i].state == CHUNK_TODO)
            todo++;
    }
    fio_xfer_hash_window(t, job, oldest, todo);
    ready = atomic_load_explicit(&job->up.hs.ready, memory_order_acquire);
    for (; job->up.hs.seen < ready && job->up.hs.seen < job->up.n_chunks; job->up.hs.seen++)
        job->up.chunks[job->up.hs.seen].crc_known = true;
    return true;
}

/* Whether chunk i may be sent now as far as CRCs go: its own is known and, when it is the
 * last one to send (it carries the file's CRC), every chunk's is. */
static bool crc_ready(const struct xfer_job *job, uint32_t i)
{
    if (!job->up.hs.on)
        return true;
    if (!job->up.chunks[i].crc_known)
        return false;
    for (uint32_t k = 0; k < job->up.n_chunks; k++)
        if (k != i && job->up.chunks[k].state == CHUNK_TODO)
            return true; /* not the last */
    return job->up.hs.seen >= job->up.n_chunks;
}

/* ---- the state machine ----------------------------------------------------------------------- */

static void upload_advance(struct fastio_transfer *t, struct xfer_job *job, int64_t now)
{
    if (job->step == STEP_QUEUED)
        prepare(t, job);
    if (job->step == STEP_LIMITS) {
        fio_xfer_limits_start(t, now); /* no-op once asked (or while its retry waits) */
        if (t->limits_state != 2)
            return;
        plan(t, job);
    }
    if (job->busy > 0 && job->step != STEP_CHUNKS)
        return;
    if (now < job->step_not_before_ms && job->step != STEP_CHUNKS)
        return;
    switch (job->step) {
    case STEP_RESUME:
        fio_xfer_issue_json(t, job, OP_RESUME_DETAILS, FASTIO_EP_UPLOAD_DETAILS, job->up.upload_id,
                            NULL, 0);
        break;
    case STEP_CREATE:
        fio_xfer_issue_create(t, job, false);
        break;
    case STEP_STREAM_CREATE:
        fio_xfer_issue_create(t, job, true);
        break;
    case STEP_STREAM:
        fio_xfer_issue_stream(t, job);
        break;
    case STEP_SINGLE:
        fio_xfer_issue_single(t, job);
        break;
    case STEP_COMPLETE:
        fio_xfer_issue_json(t, job, OP_COMPLETE, FASTIO_EP_UPLOAD_COMPLETE, job->up.upload_id, NULL,
                            0);
        break;
    case STEP_POLL:
        fio_xfer_issue_json(t, job, OP_POLL, FASTIO_EP_UPLOAD_DETAILS, job->up.upload_id, NULL, 0);
        break;
    case STEP_CHUNKS: {
        unsigned in_flight = 0;
        bool all_done = true;
        for (uint32_t i = 0; i < job->up.n_chunks; i++) {
            if (job->up.chunks[i].state == CHUNK_FLIGHT)
                in_flight++;
            if (job->up.chunks[i].state != CHUNK_DONE)
                all_done = false;
        }
        if (all_done) {
            struct stat sb;
            /* A source modified while it was read must not be completed as a mix. */
            if (fstat(job->fd, &sb) != 0 || (uint64_t)sb.st_size != job->size ||
                mtime_ns(&sb) != job->up.mtime_ns) {
                drop_journal(job);
                fio_xfer_fail_status(job, FASTIO_CONFLICT, "source file changed during the upload");
                return;
            }
            job->step = STEP_COMPLETE;
            job->step_retries = 0;
            fio_xfer_issue_json(t, job, OP_COMPLETE, FASTIO_EP_UPLOAD_COMPLETE, job->up.upload_id,
                                NULL, 0);
            return;
        }
        if (!crc_pass(t, job))
            return;
        uint32_t todo = 0;
        for (uint32_t i = 0; i < job->up.n_chunks; i++)
            todo += job->up.chunks[i].state == CHUNK_TODO;
        for (uint32_t i = 0; i < job->up.n_chunks && in_flight < t->cfg.chunks_in_flight; i++) {
            struct xfer_chunk *c = &job->up.chunks[i];
            if (c->state != CHUNK_TODO || now < c->not_before_ms || !crc_ready(job, i))
                continue;
            /* CRCs on the way: the chunk that completes the file carries the file's CRC, so it
             * waits until every other chunk is acknowledged and its CRC known */
            if (todo == 1 && in_flight > 0 && fio_xfer_trailing_crc(t))
                break;
            fio_xfer_send_chunk(t, job, i);
            if (job->step != STEP_CHUNKS)
                return;
            in_flight++;
            todo--;
        }
        break;
    }
    default:
        break;
    }
}

static const char *session_status(json_t *s)
{
    const char *v = json_string_value(json_object_get(s, "status"));
    return v != NULL ? v : "";
}

static bool status_in(const char *s, const char *const *set)
{
    for (; *set != NULL; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static const char *const FINISHING[] = {"assemble", "assembling", "complete", "store",
                                        "storing",  "stored",     NULL};
static const char *const FAILED[] = {"assembly_failed", "store_failed", NULL};

/* A failed request: retry it later, or end the job. */
static void retry_or_fail(struct fastio_transfer *t, struct xfer_job *job, struct fastio_error *e,
                          bool force, int *retries, int64_t *not_before, const char *what)
{
    long wait = 0;
    if (fio_xfer_should_retry(t, e, force, retries, &wait)) {
        *not_before = fio_mono_ms() + wait;
        return;
    }
    fio_xfer_job_fail(job, e->status, e, what);
}

/* A 409 conflict on a chunk or at completion while the session still has requests in flight
 * on the server: wait and send again, for at most INFLIGHT_WAIT_MS from the first such answer,
 * without spending the retries. false: not such an answer, or waited long enough. */
static bool inflight_wait(struct fastio_transfer *t, struct xfer_job *job,
                          const struct fastio_error *e, int64_t *not_before)
{
    int64_t now = fio_mono_ms();
    long step;
    if (e->http_status != 409 || e->api_code != API_ERR_CONFLICT || t->cancelling)
        return false;
    if (job->up.inflight_until_ms == 0) {
        job->up.inflight_until_ms = now + INFLIGHT_WAIT_MS;
        job->up.inflight_waits = 0;
    }
    if (now >= job->up.inflight_until_ms)
        return false;
    step = 250L << (job->up.inflight_waits < 3 ? job->up.inflight_waits : 3);
    if (step > INFLIGHT_STEP_MAX_MS)
        step = INFLIGHT_STEP_MAX_MS;
    job->up.inflight_waits++;
    *not_before = now + step;
    return true;
}

static void on_session(struct fastio_transfer *t, struct xfer_job *job, json_t *body, bool resume)
{
    json_t *s = json_object_get(body, "session");
    const char *status, *nf;
    if (!json_is_object(s))
        s = body;
    status = session_status(s);
    nf = json_string_value(json_object_get(s, "new_file_id"));
    if (status_in(status, FAILED)) {
        drop_journal(job);
        if (resume) { /* start a new session instead */
            memset(job->up.upload_id, 0, sizeof(job->up.upload_id));
            for (uint32_t i = 0; i < job->up.n_chunks; i++)
                job->up.chunks[i].state = CHUNK_TODO;
            job->step = STEP_CREATE;
            return;
        }
        {
            struct fastio_error e;
            const char *msg = json_string_value(json_object_get(s, "status_message"));
            fastio_error_clear(&e);
            (void)snprintf(e.message, sizeof(e.message), "%s%s%s", status, msg ? ": " : "",
                           msg ? msg : "");
            fio_xfer_job_fail(job,
                              json_object_get(s, "integrity_failure") != NULL ? FASTIO_INTEGRITY
                                                                              : FASTIO_SERVER,
                              &e, "upload failed on the server");
        }
        return;
    }
    if (strcmp(status, "stored") == 0 || (strcmp(status, "complete") == 0 && !resume)) {
        if (resume)
            job->bytes_prior = job->size; /* stored by an earlier run: nothing sent now */
        job_done(job, nf);
        return;
    }
    if (status_in(status, FINISHING)) {
        if (resume)
            job->bytes_prior = job->size; /* every chunk was sent by an earlier run */
        job->step = STEP_POLL;
        if (job->up.poll_deadline_ms == 0) {
            job->up.poll_deadline_ms = fio_mono_ms() + t->cfg.poll_timeout_ms;
            job->up.poll_interval_ms = POLL_FIRST_MS;
        }
        return;
    }
    if (!resume) {
        if (fio_mono_ms() > job->up.poll_deadline_ms) {
            fio_xfer_fail_status(job, FASTIO_TIMEOUT,
                                 "the server did not store the upload in time");
            return;
        }
        job->step_not_before_ms = fio_mono_ms() + job->up.poll_interval_ms;
        job->up.poll_interval_ms =
            job->up.poll_interval_ms * 2 > POLL_MAX_MS ? POLL_MAX_MS : job->up.poll_interval_ms * 2;
        return;
    }
    /* Resuming a session that still takes chunks: the server's list is the truth, the
     * journal only supplies CRCs (api §5.4 "Resume"). */
    {
        json_t *chunks = json_object_get(s, "chunks");
        job->bytes_done = 0;
        job->bytes_prior = 0;
        for (uint32_t i = 0; i < job->up.n_chunks; i++) {
            char key[16];
            long have = -1;
            struct xfer_chunk *c = &job->up.chunks[i];
            (void)snprintf(key, sizeof(key), "%u", i + 1);
            if (json_is_object(chunks) && fio_json_to_long(json_object_get(chunks, key), &have) &&
                have >= 0 && (uint64_t)have == c->len) {
                c->state = CHUNK_DONE;
                job->bytes_done += c->len;
                job->bytes_prior += c->len; /* held by the server: not sent by this run */
            } else {
                c->state = CHUNK_TODO;
                job->up.journal.done[i] = false;
                c->crc_known = false; /* recomputed from the file when sent */
            }
        }
        job->step = STEP_CHUNKS;
    }
}

static void upload_done(struct xfer_op *op, CURLcode rc)
{
    struct fastio_transfer *t = op->t;
    struct xfer_job *job = op->job;
    struct fastio_error e;
    json_t *body = NULL;
    enum fastio_status st;
    enum op_kind kind = op->kind;
    uint32_t idx = op->index;
    bool force = false;
    /* a chunk whose CRC was taken on the way: the CRC of all its bytes, which the server
     * checked before it acknowledged them */
    bool crc_sent = op->crc_on_way && op->rd_pos == op->rd_end;
    uint32_t crc = op->crc_run;
    const char *id;

    if (t->cancelling) {
        if (kind == OP_CHUNK && job->up.chunks != NULL)
            job->up.chunks[idx].state = CHUNK_TODO;
        fio_xfer_op_free(op);
        return;
    }
    st = fio_xfer_op_decode(op, rc, &body, &e);
    fio_xfer_op_free(op);
    if (job->step == STEP_FAILED || job->step == STEP_DONE) {
        json_decref(body);
        return;
    }
    switch (kind) {
    case OP_CREATE:
    case OP_STREAM_CREATE:
        if (st != FASTIO_OK) {
            retry_or_fail(t, job, &e, false, &job->step_retries, &job->step_not_before_ms,
                          "cannot create the upload session");
            break;
        }
        id = json_string_value(json_object_get(body, "id"));
        if (!id_ok(id)) {
            fio_xfer_fail_status(job, FASTIO_PROTOCOL, "the server sent no valid upload id");
            break;
        }
        fio_strlcpy(job->up.upload_id, id, sizeof(job->up.upload_id));
        job->step_retries = 0;
        if (kind == OP_STREAM_CREATE) {
            job->step = STEP_STREAM;
            break;
        }
        fio_strlcpy(job->up.journal.upload_id, id, sizeof(job->up.journal.upload_id));
        save_journal(job);
        job->step = STEP_CHUNKS;
        break;
    case OP_RESUME_DETAILS:
        if (st == FASTIO_OK) {
            job->step_retries = 0;
            on_session(t, job, body, true);
        } else if (st == FASTIO_NOT_FOUND || st == FASTIO_FORBIDDEN || st == FASTIO_INVALID ||
                   st == FASTIO_CONFLICT) {
            /* The session expired or was cancelled: a new one, never a mix. */
            drop_journal(job);
            memset(job->up.upload_id, 0, sizeof(job->up.upload_id));
            for (uint32_t i = 0; i < job->up.n_chunks; i++)
                job->up.journal.done[i] = false;
            job->step = STEP_CREATE;
        } else {
            retry_or_fail(t, job, &e, false, &job->step_retries, &job->step_not_before_ms,
                          "cannot read the upload session");
        }
        break;
    case OP_CHUNK: {
        struct xfer_chunk *c = &job->up.chunks[idx];
        if (st == FASTIO_OK) {
            if (crc_sent) {
                c->crc = crc;
                c->crc_known = true;
            }
            c->state = CHUNK_DONE;
            job->bytes_done += c->len;
            job->up.journal.done[idx] = true;
            job->up.journal.crc[idx] = c->crc;
            note_journal(job);
            break;
        }
        c->state = CHUNK_TODO;
        if (e.api_code == API_ERR_CRC_CONFLICT || e.api_code == API_ERR_UPLOAD_SIZE) {
            /* The session cannot finish (api §5.4): start over next time. */
            drop_journal(job);
            fio_xfer_job_fail(job,
                              e.api_code == API_ERR_CRC_CONFLICT ? FASTIO_CONFLICT : FASTIO_INVALID,
                              &e, "upload refused");
            break;
        }
        /* The same chunk still being received (an aborted earlier attempt), or the
         * session's in-flight cap: wait and resend. */
        force = e.http_status == 409 || e.http_status == 429;
        if (e.api_code == API_ERR_CRC_MISMATCH || e.http_status == 406) {
            /* The chunk's bytes did not match its CRC: garbled on the way, resend it alone.
             * A whole-file mismatch fails the session; the retry then fails for good. */
            force = true;
            e.status = FASTIO_INTEGRITY;
        }
        if (inflight_wait(t, job, &e, &c->not_before_ms))
            break;
        {
            char what[48];
            (void)snprintf(what, sizeof(what), "chunk %u", idx + 1);
            retry_or_fail(t, job, &e, force, &c->retries, &c->not_before_ms, what);
        }
        break;
    }
    case OP_COMPLETE:
        if (st != FASTIO_OK) {
            if (e.api_code == API_ERR_UPLOAD_SIZE && job->up.recompletes < 2) {
                /* The server lacks bytes this run counted as held: a chunk that an aborted
                 * earlier run was sending again can be dropped by the server after this run's
                 * details listed it (the server forgets the old row when a resend starts).
                 * Ask for the session again: its chunk list is the truth, so the missing
                 * chunks are sent again, or a new session starts if it failed this one. */
                job->up.recompletes++;
                job->step_retries = 0;
                job->step = STEP_RESUME;
                break;
            }
            if (e.api_code == API_ERR_UPLOAD_SIZE || e.api_code == API_ERR_CRC_MISMATCH) {
                drop_journal(job);
                fio_xfer_job_fail(job, e.api_code == API_ERR_CRC_MISMATCH ? FASTIO_INTEGRITY : st,
                                  &e, "upload refused at completion");
                break;
            }
            /* chunks of an aborted earlier attempt are still "in flight" on the server until
             * it notices: wait, retry */
            if (inflight_wait(t, job, &e, &job->step_not_before_ms))
                break;
            retry_or_fail(t, job, &e, e.http_status == 409, &job->step_retries,
                          &job->step_not_before_ms, "cannot complete the upload");
            break;
        }
        job->step_retries = 0;
        job->step = STEP_POLL;
        job->up.poll_deadline_ms = fio_mono_ms() + t->cfg.poll_timeout_ms;
        job->up.poll_interval_ms = POLL_FIRST_MS;
        if (json_string_value(json_object_get(body, "new_file_id")) != NULL)
            job_done(job, json_string_value(json_object_get(body, "new_file_id")));
        break;
    case OP_POLL:
        if (st != FASTIO_OK) {
            retry_or_fail(t, job, &e, false, &job->step_retries, &job->step_not_before_ms,
                          "cannot read the upload status");
            break;
        }
        on_session(t, job, body, false);
        break;
    case OP_SINGLE:
    case OP_STREAM:
        if (st != FASTIO_OK) {
            if (kind == OP_STREAM) /* the pipe's bytes are gone: nothing to resend */
                fio_xfer_job_fail(job, st, &e, "stream upload failed");
            else
                retry_or_fail(t, job, &e, false, &job->step_retries, &job->step_not_before_ms,
                              "upload failed");
            break;
        }
        id = json_string_value(json_object_get(body, "new_file_id"));
        if (kind == OP_STREAM)
            job->size = job->bytes_done = 0;
        if (id != NULL) {
            job_done(job, id);
            break;
        }
        if (kind == OP_SINGLE) {
            const char *sid = json_string_value(json_object_get(body, "id"));
            if (!id_ok(sid)) {
                fio_xfer_fail_status(job, FASTIO_PROTOCOL, "the server sent no valid upload id");
                break;
            }
            fio_strlcpy(job->up.upload_id, sid, sizeof(job->up.upload_id));
        }
        job->step = STEP_POLL;
        job->up.poll_deadline_ms = fio_mono_ms() + t->cfg.poll_timeout_ms;
        job->up.poll_interval_ms = POLL_FIRST_MS;
        break;
    default:
        break;
    }
    json_decref(body);
}

static void upload_reset(struct fastio_transfer *t, struct xfer_job *job)
{
    fio_xfer_hash_forget(t, job); /* the helper thread lets go of fd and chunks first */
    if (job->up.journal_dirty && !job->succeeded)
        save_journal(job); /* cancelled or failed: a later run resumes from all we know */
    job->up.journal_dirty = false;
    job->up.hs.tried = false;
    if (job->fd >= 0 && job->up.path != NULL)
        (void)close(job->fd);
    job->fd = -1;
    free(job->up.chunks);
    job->up.chunks = NULL;
    job->up.n_chunks = 0;
    fio_xfer_journal_release(&job->up.journal);
    free(job->up.journal_path);
    job->up.journal_path = NULL;
    memset(job->up.upload_id, 0, sizeof(job->up.upload_id));
    job->up.file_crc_ready = false;
    job->up.inflight_until_ms = 0;
    job->up.inflight_waits = 0;
    job->step_retries = 0;
    job->step_not_before_ms = 0;
    job->up.poll_deadline_ms = 0;
    if (!job->succeeded)
        job->bytes_done = 0;
}

const struct xfer_job_kind fio_xfer_upload_kind = {"upload", upload_advance, upload_done,
                                                   upload_reset};
