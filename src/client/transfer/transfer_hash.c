/* SPDX-License-Identifier: MIT */
/* transfer_hash.c - the CRC-32C pre-pass of chunked uploads on a helper thread.
 *
 * Each chunk's CRC-32C goes in its URL (api §5.4), so it must be known before the chunk is
 * sent: a pass over the chunk's bytes ahead of the send. Done on the event loop's thread, that
 * pass (a pread copy plus the CRC) took a fifth of the loop's time, and the loop is what keeps
 * the connections busy (docs/benchmarks.md, "CRC pre-pass"). Here one helper thread per
 * transfer reads ahead of the sender, at most HASH_WINDOW chunks past the first chunk not yet
 * acknowledged (so a file larger than the page cache is not read twice from disk), and
 * publishes the CRCs; the loop sends a chunk once its CRC is published.
 *
 * Sharing rules (no other state is shared):
 *  - the loop registers a job only when its chunk array and fd are final (STEP_CHUNKS) and
 *    unregisters it (fio_xfer_hash_forget, which waits for the thread to let go of it) before
 *    the fd is closed or the array freed;
 *  - the thread writes chunks[i].crc only for i >= hs.ready and then publishes ready = i + 1
 *    (release); the loop reads chunks[i].crc only for i < ready (acquire);
 *  - next, limit, status and the registry are under the mutex. */
#include "transfer_engine.h"

#include "crc32c.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define HASH_BUF (1024 * 1024)
#define HASH_WINDOW 8 /* chunks read ahead of the oldest unacknowledged one */
#define HASH_JOBS_MAX 64

struct xfer_hasher {
    struct fastio_transfer *t;
    pthread_mutex_t mu;
    pthread_cond_t work; /* to the thread: a job, more limit, or stop */
    pthread_cond_t idle; /* to the loop: the thread let go of a job */
    pthread_t thread;
    bool stopping;
    struct xfer_job *jobs[HASH_JOBS_MAX];
    size_t n_jobs;
    struct xfer_job *current; /* the job being read (outside the mutex) */
    unsigned char *buf;
};

static struct xfer_job *pick_locked(struct xfer_hasher *h)
{
    for (size_t i = 0; i < h->n_jobs; i++) {
        struct xfer_job *j = h->jobs[i];
        if (j->up.hs.status == FASTIO_OK && j->up.hs.next < j->up.hs.limit)
            return j;
    }
    return NULL;
}

static void *hasher_main(void *arg)
{
    struct xfer_hasher *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stopping) {
        struct xfer_job *job = pick_locked(h);
        if (job == NULL) {
            pthread_cond_wait(&h->work, &h->mu);
            continue;
        }
        uint32_t i = job->up.hs.next;
        struct xfer_chunk *c = &job->up.chunks[i];
        bool known = c->crc_known; /* the loop set it before registering; fixed for i >= ready */
        h->current = job;
        pthread_mutex_unlock(&h->mu);

        enum fastio_status st = FASTIO_OK;
        if (!known) {
            uint32_t crc = 0;
            st = fio_xfer_crc_fd(job->fd, c->off, c->len, h->buf, HASH_BUF, &job->up.hs.abort, &crc);
            if (st == FASTIO_OK)
                c->crc = crc;
        }

        pthread_mutex_lock(&h->mu);
        h->current = NULL;
        if (st == FASTIO_OK) {
            job->up.hs.next = i + 1;
            atomic_store_explicit(&job->up.hs.ready, i + 1, memory_order_release);
        } else {
            job->up.hs.status = st;
        }
        pthread_cond_broadcast(&h->idle);
        pthread_mutex_unlock(&h->mu);
        (void)curl_multi_wakeup(h->t->multi); /* the loop may send it now */
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static struct xfer_hasher *hasher_get(struct fastio_transfer *t)
{
    if (t->hasher != NULL || t->hasher_failed)
        return t->hasher;
    struct xfer_hasher *h = calloc(1, sizeof(*h));
    if (h != NULL)
        h->buf = malloc(HASH_BUF);
    if (h == NULL || h->buf == NULL) {
        free(h);
        t->hasher_failed = true;
        return NULL;
    }
    h->t = t;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->work, NULL);
    pthread_cond_init(&h->idle, NULL);
    if (pthread_create(&h->thread, NULL, hasher_main, h) != 0) {
        pthread_cond_destroy(&h->idle);
        pthread_cond_destroy(&h->work);
        pthread_mutex_destroy(&h->mu);
        free(h->buf);
        free(h);
        t->hasher_failed = true; /* the loop computes the CRCs itself */
        return NULL;
    }
    t->hasher = h;
    return h;
}

bool fio_xfer_hash_start(struct fastio_transfer *t, struct xfer_job *job)
{
    struct xfer_hasher *h = hasher_get(t);
    if (h == NULL)
        return false;
    pthread_mutex_lock(&h->mu);
    if (h->n_jobs == HASH_JOBS_MAX) {
        pthread_mutex_unlock(&h->mu);
        return false;
    }
    job->up.hs.next = 0;
    job->up.hs.limit = 0;
    job->up.hs.status = FASTIO_OK;
    atomic_store(&job->up.hs.ready, 0);
    atomic_store(&job->up.hs.abort, false);
    job->up.hs.on = true;
    h->jobs[h->n_jobs++] = job;
    pthread_mutex_unlock(&h->mu);
    return true;
}

void fio_xfer_hash_window(struct fastio_transfer *t, struct xfer_job *job, uint32_t oldest,
                          uint32_t todo)
{
    struct xfer_hasher *h = t->hasher;
    if (!job->up.hs.on || h == NULL)
        return;
    /* The last chunk sent carries the whole file's CRC, so with one chunk left every CRC is
     * needed. */
    uint64_t want = todo <= 1 ? job->up.n_chunks : (uint64_t)oldest + HASH_WINDOW;
    uint32_t lim = want > job->up.n_chunks ? job->up.n_chunks : (uint32_t)want;
    pthread_mutex_lock(&h->mu);
    if (lim > job->up.hs.limit) {
        job->up.hs.limit = lim;
        pthread_cond_signal(&h->work);
    }
    pthread_mutex_unlock(&h->mu);
}

enum fastio_status fio_xfer_hash_status(struct fastio_transfer *t, struct xfer_job *job)
{
    struct xfer_hasher *h = t->hasher;
    if (!job->up.hs.on || h == NULL)
        return FASTIO_OK;
    pthread_mutex_lock(&h->mu);
    enum fastio_status st = job->up.hs.status;
    pthread_mutex_unlock(&h->mu);
    return st;
}

void fio_xfer_hash_forget(struct fastio_transfer *t, struct xfer_job *job)
{
    struct xfer_hasher *h = t->hasher;
    if (!job->up.hs.on || h == NULL)
        return;
    atomic_store(&job->up.hs.abort, true);
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->n_jobs; i++)
        if (h->jobs[i] == job) {
            h->jobs[i] = h->jobs[--h->n_jobs];
            break;
        }
    while (h->current == job) /* bounded: the thread checks abort after every 1 MiB read */
        pthread_cond_wait(&h->idle, &h->mu);
    pthread_mutex_unlock(&h->mu);
    job->up.hs.on = false;
}

void fio_xfer_hash_stop(struct fastio_transfer *t)
{
    struct xfer_hasher *h = t->hasher;
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_signal(&h->work);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_cond_destroy(&h->idle);
    pthread_cond_destroy(&h->work);
    pthread_mutex_destroy(&h->mu);
    free(h->buf);
    free(h);
    t->hasher = NULL;
}

/* ---- the CRC passes themselves (the loop's and the helper thread's) ------------------------ */

enum fastio_status fio_xfer_crc_fd(int fd, uint64_t off, uint64_t len, unsigned char *buf,
                                   size_t buf_size, atomic_bool *abort, uint32_t *crc)
{
    uint32_t c = 0;
    while (len > 0) {
        size_t want = len < buf_size ? (size_t)len : buf_size;
        ssize_t r = pread(fd, buf, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return FASTIO_IO;
        if (r == 0)
            return FASTIO_CONFLICT; /* the file got shorter */
        c = fio_crc32c(c, buf, (size_t)r);
        off += (uint64_t)r;
        len -= (uint64_t)r;
        if (abort != NULL && atomic_load_explicit(abort, memory_order_relaxed))
            return FASTIO_CANCELLED;
    }
    *crc = c;
    return FASTIO_OK;
}

enum fastio_status fio_xfer_crc_range(struct fastio_transfer *t, int fd, uint64_t off,
                                      uint64_t len, uint32_t *crc)
{
    return fio_xfer_crc_fd(fd, off, len, t->crc_buf, XFER_CRC_BUF, NULL, crc);
}
