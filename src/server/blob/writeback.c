/* SPDX-License-Identifier: MIT */
/* writeback.c - early write-out of upload data (--sync=complete). See writeback.h. */
#include "writeback.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WB_QUEUE 64 /* ranges waiting; 64 x 8 MiB chunks = 512 MiB of dirty data at most */
#define WB_DEPTH 8  /* ranges whose write-out is started and not yet waited for */

struct wb_range {
    int fd; /* a dup, owned by the queue */
    int64_t off, len;
};

struct writeback {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool stopping;
    unsigned head, count;
    struct wb_range q[WB_QUEUE];
};

/* Wait for the write-out of r (starting what is not started yet) and let go of it. */
static void wb_finish(struct wb_range *r)
{
    (void)sync_file_range(r->fd, (off64_t)r->off, (off64_t)r->len,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER);
    close(r->fd);
    r->fd = -1;
}

/* WB_DEPTH ranges in flight: each range's write-out is started as it arrives and waited for
 * only once WB_DEPTH newer ones are started, so the disk always has a deep queue. With two in
 * flight the write-out fell behind uploads faster than 2 GB/s and completing a 1 GiB upload
 * waited 5-59 ms (median 19) for the rest; with eight, 3-7 ms (median 6), the upload itself no
 * slower (interleaved A/B, docs/benchmarks.md). Waiting paces this thread to the disk. Errors
 * are left to the completion's fdatasync, which reports them (a failed write-out leaves the
 * pages dirty or the file's mapping in error). */
static void *wb_main(void *arg)
{
    struct writeback *w = arg;
    struct wb_range fl[WB_DEPTH];
    unsigned nfl = 0;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->count == 0 && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->count == 0)
            break; /* stopping, queue drained */
        struct wb_range r = w->q[w->head];
        w->head = (w->head + 1) % WB_QUEUE;
        w->count--;
        pthread_mutex_unlock(&w->mu);
        (void)sync_file_range(r.fd, (off64_t)r.off, (off64_t)r.len, SYNC_FILE_RANGE_WRITE);
        if (nfl == WB_DEPTH) { /* the oldest first: the disk writes roughly in order */
            wb_finish(&fl[0]);
            memmove(fl, fl + 1, (WB_DEPTH - 1) * sizeof(fl[0]));
            nfl--;
        }
        fl[nfl++] = r;
        pthread_mutex_lock(&w->mu);
        if (w->count == 0) { /* nothing behind: finish them now rather than hold their fds */
            pthread_mutex_unlock(&w->mu);
            for (unsigned i = 0; i < nfl; i++)
                wb_finish(&fl[i]);
            nfl = 0;
            pthread_mutex_lock(&w->mu);
        }
    }
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < nfl; i++)
        wb_finish(&fl[i]);
    return NULL;
}

struct writeback *writeback_start(void)
{
    struct writeback *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, wb_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

void writeback_push(struct writeback *w, int fd, int64_t off, int64_t len)
{
    if (!w || fd < 0 || len <= 0)
        return;
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0)
        return; /* best effort: the completion's fdatasync writes it anyway */
    pthread_mutex_lock(&w->mu);
    if (w->count == WB_QUEUE || w->stopping) {
        pthread_mutex_unlock(&w->mu);
        close(d);
        return;
    }
    w->q[(w->head + w->count) % WB_QUEUE] = (struct wb_range){d, off, len};
    w->count++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void writeback_stop(struct writeback *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
