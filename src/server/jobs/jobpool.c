/* SPDX-License-Identifier: MIT */
/* jobpool.c - the bounded pool of background workers (jobpool.h; D-127). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobpool.h"

struct jobpool_slot {
    struct jobpool *pool;
    char id[JOBPOOL_ID_SIZE]; /* the job this worker runs, "" = idle (under mu) */
    atomic_bool cancel;
    void *job; /* job_size bytes, this worker's own */
};

struct jobpool {
    struct jobpool_def def;
    pthread_t th[JOBPOOL_WORKERS_MAX];
    unsigned n;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool stop;
    unsigned long kicks; /* under mu */
    struct jobpool_slot slot[JOBPOOL_WORKERS_MAX];
};

static void slot_set(struct jobpool *p, struct jobpool_slot *slot, const char *id)
{
    pthread_mutex_lock(&p->mu);
    size_t n = strnlen(id, sizeof(slot->id) - 1);
    memcpy(slot->id, id, n);
    slot->id[n] = 0;
    atomic_store(&slot->cancel, id[0] && p->def.cancel_on_stop && atomic_load(&p->stop));
    pthread_mutex_unlock(&p->mu);
}

static void *worker(void *arg)
{
    struct jobpool_slot *slot = arg;
    struct jobpool *p = slot->pool;
    while (!atomic_load(&p->stop)) {
        pthread_mutex_lock(&p->mu);
        unsigned long seen = p->kicks;
        pthread_mutex_unlock(&p->mu);
        char id[JOBPOOL_ID_SIZE] = "";
        if (p->def.claim(p->def.ctx, slot->job, id)) {
            id[sizeof(id) - 1] = 0;
            slot_set(p, slot, id);
            p->def.run(p->def.ctx, slot, slot->job);
            slot_set(p, slot, "");
            if (p->def.release)
                p->def.release(p->def.ctx, slot->job);
            continue;
        }
        /* nothing waits: sleep until a kick, or the idle period (a job made available without a
         * kick, or left by another worker); a kick since `seen` means look again at once */
        pthread_mutex_lock(&p->mu);
        if (!atomic_load(&p->stop) && p->kicks == seen) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            unsigned ms = p->def.idle_ms ? p->def.idle_ms : JOBPOOL_DEFAULT_IDLE_MS;
            ts.tv_sec += (time_t)(ms / 1000U);
            ts.tv_nsec += (long)(ms % 1000U) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            int w = pthread_cond_timedwait(&p->cv, &p->mu, &ts);
            (void)w; /* a wake, a time-out or a spurious wake-up: look again either way */
        }
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static void pool_free(struct jobpool *p)
{
    for (unsigned i = 0; i < JOBPOOL_WORKERS_MAX; i++)
        free(p->slot[i].job);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int jobpool_start(const struct jobpool_def *def, struct jobpool **out)
{
    *out = NULL;
    if (!def || !def->claim || !def->run || def->job_size == 0)
        return -1;
    struct jobpool *p = calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->def = *def;
    unsigned want = def->workers ? def->workers : 1;
    if (want > JOBPOOL_WORKERS_MAX)
        want = JOBPOOL_WORKERS_MAX;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    for (unsigned i = 0; i < want; i++) {
        p->slot[i].pool = p;
        p->slot[i].job = calloc(1, def->job_size);
        if (!p->slot[i].job) {
            pool_free(p);
            return -1;
        }
    }
    *out = p; /* before the first thread: a job may read the owner's pointer to its pool */
    for (unsigned i = 0; i < want; i++) {
        if (pthread_create(&p->th[i], NULL, worker, &p->slot[i]) != 0) {
            jobpool_stop(p); /* joins the ones started */
            *out = NULL;
            return -1;
        }
        p->n++;
    }
    return 0;
}

void jobpool_stop(struct jobpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, true);
    if (p->def.cancel_on_stop)
        for (unsigned i = 0; i < p->n; i++)
            if (p->slot[i].id[0])
                atomic_store(&p->slot[i].cancel, true);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->n; i++)
        pthread_join(p->th[i], NULL);
    pool_free(p);
}

void jobpool_kick(struct jobpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->kicks++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

unsigned jobpool_cancel(struct jobpool *p, const char *id)
{
    if (!p || !id || !id[0])
        return 0;
    unsigned hit = 0;
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->n; i++)
        if (p->slot[i].id[0] && strcmp(p->slot[i].id, id) == 0) {
            atomic_store(&p->slot[i].cancel, true);
            hit++;
        }
    pthread_mutex_unlock(&p->mu);
    return hit;
}

bool jobpool_stopping(const struct jobpool *p)
{
    return p && atomic_load(&p->stop);
}

unsigned jobpool_workers(const struct jobpool *p)
{
    return p ? p->n : 0;
}

atomic_bool *jobpool_cancel_flag(struct jobpool_slot *slot)
{
    return &slot->cancel;
}

bool jobpool_canceled(struct jobpool_slot *slot)
{
    return atomic_load(&slot->cancel);
}

void *jobs_vec_push(struct jobs_vec *v)
{
    if (v->oom || v->elem == 0)
        return NULL;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        if (cap > SIZE_MAX / v->elem) {
            v->oom = true;
            return NULL;
        }
        void *nv = realloc(v->v, cap * v->elem);
        if (!nv) {
            v->oom = true;
            return NULL;
        }
        v->v = nv;
        v->cap = cap;
    }
    char *item = (char *)v->v + v->n * v->elem;
    memset(item, 0, v->elem);
    v->n++;
    return item;
}

void jobs_vec_free(struct jobs_vec *v)
{
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}
