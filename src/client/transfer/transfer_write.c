/* SPDX-License-Identifier: MIT */
/* transfer_write.c - the disk writes of ranged downloads on a helper thread.
 *
 * A download's event loop thread received the bytes (recv), gathered curl's 16 KiB callbacks
 * into 1 MiB buffers and wrote them (pwrite) and their CRC-32C itself: the pwrite alone was
 * ~40% of its time, time during which no connection was read (docs/benchmarks.md). Here a full
 * buffer is handed to one writer thread per transfer, which writes it at its offset, folds it
 * into its range's CRC, advances the range's `done` and rewrites the resume state at most every
 * STATE_EVERY_MS; the loop goes back to reading at once.
 *
 * Sharing rules:
 *  - tasks of one job are written in the order they were queued (one thread, FIFO), so each
 *    range's CRC is taken over its bytes in order;
 *  - while a job has tasks queued or being written, the writer owns its ranges' `done` and
 *    `crc` and its state file; the loop uses `queued` (bytes handed over) and calls
 *    fio_xfer_write_drain before it reads `done`/`crc`, changes the range layout, saves the
 *    state itself or closes the file;
 *  - a failed write marks the job (write_failed) and drops the job's later tasks.
 * Memory: at most WQ_MAX buffers wait here; a full queue makes the loop wait for the disk. */
#include "transfer_engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "timeutil.h"

#define WQ_MAX 8 /* 1 MiB buffers waiting for the disk */

struct wtask {
    struct xfer_job *job;
    unsigned range;
    char *buf;
    size_t len;
};

struct xfer_writer {
    pthread_mutex_t mu;
    pthread_cond_t work;  /* to the thread */
    pthread_cond_t space; /* to the loop: a task ended (queue space, buffers back, drains) */
    pthread_t thread;
    bool stopping;
    struct wtask q[WQ_MAX];
    unsigned head, count;
    struct xfer_job *current;
    char *spare[WQ_MAX + 1]; /* written buffers, for the loop to take back */
    unsigned n_spare;
    void (*on_written)(struct xfer_job *job); /* state save hook, on the writer thread */
};

static bool write_task(struct wtask *w)
{
    struct xfer_range *r = &w->job->dl.ranges[w->range];
    if (!fio_xfer_pwrite_all(w->job->fd, w->buf, w->len, r->start + r->done))
        return false;
    r->crc = fio_crc32c(r->crc, w->buf, w->len);
    r->done += w->len;
    return true;
}

static void *writer_main(void *arg)
{
    struct xfer_writer *wr = arg;
    pthread_mutex_lock(&wr->mu);
    for (;;) {
        while (wr->count == 0 && !wr->stopping)
            pthread_cond_wait(&wr->work, &wr->mu);
        if (wr->count == 0)
            break;
        struct wtask w = wr->q[wr->head];
        bool skip = w.job->dl.ws.write_failed;
        wr->current = w.job;
        pthread_mutex_unlock(&wr->mu);

        bool ok = skip || write_task(&w);
        if (ok && !skip && wr->on_written &&
            fio_mono_ms() - w.job->dl.ws.saved_ms >= STATE_EVERY_MS) {
            wr->on_written(w.job);
            w.job->dl.ws.saved_ms = fio_mono_ms();
        }

        pthread_mutex_lock(&wr->mu);
        if (!ok)
            w.job->dl.ws.write_failed = true;
        w.job->dl.ws.pending--;
        wr->head = (wr->head + 1) % WQ_MAX;
        wr->count--;
        wr->current = NULL;
        if (wr->n_spare < WQ_MAX + 1)
            wr->spare[wr->n_spare++] = w.buf;
        else
            free(w.buf);
        pthread_cond_broadcast(&wr->space);
    }
    pthread_mutex_unlock(&wr->mu);
    return NULL;
}

static struct xfer_writer *writer_get(struct fastio_transfer *t)
{
    if (t->writer != NULL || t->writer_failed)
        return t->writer;
    struct xfer_writer *wr = calloc(1, sizeof(*wr));
    if (wr == NULL) {
        t->writer_failed = true;
        return NULL;
    }
    pthread_mutex_init(&wr->mu, NULL);
    pthread_cond_init(&wr->work, NULL);
    pthread_cond_init(&wr->space, NULL);
    wr->on_written = fio_xfer_download_state_hook;
    if (pthread_create(&wr->thread, NULL, writer_main, wr) != 0) {
        pthread_cond_destroy(&wr->space);
        pthread_cond_destroy(&wr->work);
        pthread_mutex_destroy(&wr->mu);
        free(wr);
        t->writer_failed = true; /* the loop writes itself */
        return NULL;
    }
    t->writer = wr;
    return wr;
}

bool fio_xfer_write_submit(struct fastio_transfer *t, struct xfer_job *job, unsigned range,
                           char *buf, size_t len)
{
    struct xfer_writer *wr = writer_get(t);
    if (wr == NULL)
        return false;
    pthread_mutex_lock(&wr->mu);
    while (wr->count == WQ_MAX) /* back-pressure: the disk is the slower side */
        pthread_cond_wait(&wr->space, &wr->mu);
    wr->q[(wr->head + wr->count) % WQ_MAX] = (struct wtask){job, range, buf, len};
    wr->count++;
    job->dl.ws.pending++;
    pthread_cond_signal(&wr->work);
    pthread_mutex_unlock(&wr->mu);
    return true;
}

char *fio_xfer_write_buf(struct fastio_transfer *t)
{
    struct xfer_writer *wr = t->writer;
    char *b = NULL;
    if (wr != NULL) {
        pthread_mutex_lock(&wr->mu);
        if (wr->n_spare > 0)
            b = wr->spare[--wr->n_spare];
        pthread_mutex_unlock(&wr->mu);
    }
    return b != NULL ? b : fio_xfer_buf_get(t);
}

bool fio_xfer_write_failed(struct fastio_transfer *t, struct xfer_job *job)
{
    struct xfer_writer *wr = t->writer;
    bool f;
    if (wr == NULL)
        return false;
    pthread_mutex_lock(&wr->mu);
    f = job->dl.ws.write_failed;
    pthread_mutex_unlock(&wr->mu);
    return f;
}

bool fio_xfer_write_drain(struct fastio_transfer *t, struct xfer_job *job)
{
    struct xfer_writer *wr = t->writer;
    bool failed;
    if (wr == NULL)
        return true;
    pthread_mutex_lock(&wr->mu);
    while (job->dl.ws.pending > 0) /* bounded: each task is one pwrite of <= 1 MiB */
        pthread_cond_wait(&wr->space, &wr->mu);
    failed = job->dl.ws.write_failed;
    pthread_mutex_unlock(&wr->mu);
    return !failed;
}

void fio_xfer_write_reset(struct fastio_transfer *t, struct xfer_job *job)
{
    (void)fio_xfer_write_drain(t, job);
    job->dl.ws.write_failed = false;
    job->dl.ws.saved_ms = 0;
}

void fio_xfer_write_stop(struct fastio_transfer *t)
{
    struct xfer_writer *wr = t->writer;
    if (wr == NULL)
        return;
    pthread_mutex_lock(&wr->mu);
    wr->stopping = true;
    pthread_cond_signal(&wr->work);
    pthread_mutex_unlock(&wr->mu);
    pthread_join(wr->thread, NULL);
    for (unsigned i = 0; i < wr->n_spare; i++)
        free(wr->spare[i]);
    pthread_cond_destroy(&wr->space);
    pthread_cond_destroy(&wr->work);
    pthread_mutex_destroy(&wr->mu);
    free(wr);
    t->writer = NULL;
}
