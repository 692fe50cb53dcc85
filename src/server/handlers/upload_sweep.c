/* SPDX-License-Identifier: MIT */
/* upload_sweep.c - the expiry sweep of upload sessions (D-080): while the server runs, a thread
 * removes every --sweep-interval seconds the sessions that expired (--upload-ttl after their
 * creation) and their temporary files, so an abandoned session gives its reserved space back
 * without a restart. Start-up recovery (blob_recover) does the same once. A session with chunks
 * in flight or being completed ('assembling') is left for the next round. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blob.h"
#include "store_backend.h"
#include "timeutil.h"
#include "upload.h"

#define SWEEP_BATCH 1000 /* sessions looked at per round (the next round takes the rest) */

struct upload_sweep {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct server *s;
};

long upload_sweep_once(struct server *s)
{
    char(*ids)[FIO_OPAQUE_ID_SIZE] = calloc(SWEEP_BATCH, FIO_OPAQUE_ID_SIZE);
    if (!ids)
        return -1;
    struct store_conn *c = store_acquire(s->store);
    if (!c) {
        free(ids);
        return -1;
    }
    int64_t now = srv_now_us();
    size_t n = 0;
    long removed = 0;
    if (STORE(c, upload)->expired(c, now, SWEEP_BATCH, ids, &n) != STORE_OK) {
        removed = -1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (upload_inflight_count(s, ids[i], 0) > 0)
            continue; /* a chunk is being received: next round */
        enum store_rc rc = STORE(c, upload)->drop(c, ids[i], now);
        if (rc == STORE_NOT_FOUND)
            continue; /* claimed or removed meanwhile */
        if (rc != STORE_OK) {
            removed = -1;
            goto out;
        }
        blob_tmp_remove(s, ids[i]); /* after the row, as a cancel does */
        removed++;
    }
    if (removed > 0)
        srv_log(s, SRV_LOG_INFO, "upload sweep: removed %ld expired sessions", removed);
out:
    store_release(s->store, c);
    free(ids);
    return removed;
}

static void *sweep_main(void *arg)
{
    struct upload_sweep *w = arg;
    long every = w->s->cfg.sweep_interval_s > 0 ? w->s->cfg.sweep_interval_s : 60;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += every;
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT) {
        }
        if (w->stop)
            break;
        pthread_mutex_unlock(&w->mu);
        if (upload_sweep_once(w->s) < 0)
            srv_log(w->s, SRV_LOG_WARN, "upload sweep: database error; trying again later");
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int upload_sweep_start(struct server *s)
{
    struct upload_sweep *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    w->s = s;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        free(w);
        return -1;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0) {
        free(w);
        return -1;
    }
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        pthread_cond_destroy(&w->cv);
        free(w);
        return -1;
    }
    if (pthread_create(&w->thread, NULL, sweep_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return -1;
    }
    s->sweep = w;
    return 0;
}

void upload_sweep_stop(struct server *s)
{
    struct upload_sweep *w = s->sweep;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    s->sweep = NULL;
}
