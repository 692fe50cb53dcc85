/* SPDX-License-Identifier: MIT */
/* guard.c - see guard.h. One mutex over a fixed table of slots; one reaper thread that looks at
 * the table four times a second. Times are monotonic. */
#include "guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "timeutil.h"

enum slot_stage { ST_FREE = 0, ST_HEADERS, ST_BODY, ST_ANSWERING, ST_CUT };

struct conn_slot {
    struct conn_guard *g;
    int fd;
    enum slot_stage stage;
    int64_t since_us;    /* start of the current stage (headers: accept or previous request) */
    int64_t deadline_us; /* body: next progress due */
    size_t body_pending; /* body bytes since the last progress step */
    bool query_flag;     /* guard_flag_query */
};

struct conn_guard {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool stop;
    unsigned n;
    unsigned used;
    unsigned reserve;
    int64_t header_us, pressure_us, body_us;
    uint64_t cut;
    struct conn_slot *slots;
};

static void cut_locked(struct conn_guard *g, struct conn_slot *c)
{
    /* The slot is released (guard_close, under the mutex) before libmicrohttpd closes the fd,
     * so c->fd is still this connection's socket here. */
    shutdown(c->fd, SHUT_RDWR);
    c->stage = ST_CUT;
    g->cut++;
}

static void *reaper(void *arg)
{
    struct conn_guard *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        int rc = pthread_cond_timedwait(&g->cv, &g->mu, &ts);
        if (g->stop)
            break;
        if (rc != 0 && rc != ETIMEDOUT)
            continue;
        int64_t now = fio_mono_us();
        bool pressure = g->n - g->used < g->reserve;
        for (unsigned i = 0; i < g->n; i++) {
            struct conn_slot *c = &g->slots[i];
            if (c->stage == ST_HEADERS) {
                int64_t lim = pressure ? g->pressure_us : g->header_us;
                if (now - c->since_us > lim)
                    cut_locked(g, c);
            } else if (c->stage == ST_BODY && now > c->deadline_us) {
                cut_locked(g, c);
            }
        }
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

struct conn_guard *guard_start(unsigned limit, unsigned reserve, long header_s, long pressure_s,
                               long body_s)
{
    if (limit == 0)
        return NULL;
    struct conn_guard *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->slots = calloc(limit, sizeof(*g->slots));
    if (!g->slots) {
        free(g);
        return NULL;
    }
    g->n = limit;
    g->reserve = reserve;
    g->header_us = (int64_t)header_s * 1000000;
    g->pressure_us = (int64_t)pressure_s * 1000000;
    g->body_us = (int64_t)body_s * 1000000;
    for (unsigned i = 0; i < limit; i++)
        g->slots[i].g = g;
    if (pthread_mutex_init(&g->mu, NULL) != 0)
        goto fail_mu;
    if (pthread_cond_init(&g->cv, NULL) != 0)
        goto fail_cv;
    if (pthread_create(&g->thread, NULL, reaper, g) != 0)
        goto fail_thread;
    return g;
fail_thread:
    pthread_cond_destroy(&g->cv);
fail_cv:
    pthread_mutex_destroy(&g->mu);
fail_mu:
    free(g->slots);
    free(g);
    return NULL;
}

void guard_stop(struct conn_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g->slots);
    free(g);
}

struct conn_slot *guard_open(struct conn_guard *g, int fd)
{
    if (!g || fd < 0)
        return NULL;
    struct conn_slot *found = NULL;
    pthread_mutex_lock(&g->mu);
    for (unsigned i = 0; i < g->n; i++) {
        if (g->slots[i].stage == ST_FREE) {
            found = &g->slots[i];
            found->fd = fd;
            found->stage = ST_HEADERS;
            found->since_us = fio_mono_us();
            found->body_pending = 0;
            found->query_flag = false;
            g->used++;
            break;
        }
    }
    pthread_mutex_unlock(&g->mu);
    return found;
}

void guard_close(struct conn_slot *c)
{
    if (!c)
        return;
    struct conn_guard *g = c->g;
    pthread_mutex_lock(&g->mu);
    c->stage = ST_FREE;
    c->fd = -1;
    g->used--;
    pthread_mutex_unlock(&g->mu);
}

static void set_stage(struct conn_slot *c, enum slot_stage st)
{
    if (!c)
        return;
    struct conn_guard *g = c->g;
    pthread_mutex_lock(&g->mu);
    if (c->stage != ST_CUT && c->stage != ST_FREE) {
        c->stage = st;
        c->since_us = fio_mono_us();
        c->deadline_us = c->since_us + g->body_us;
        c->body_pending = 0;
    }
    pthread_mutex_unlock(&g->mu);
}

void guard_headers_done(struct conn_slot *c)
{
    set_stage(c, ST_BODY);
}

void guard_answering(struct conn_slot *c)
{
    set_stage(c, ST_ANSWERING);
}

void guard_next_request(struct conn_slot *c)
{
    set_stage(c, ST_HEADERS);
}

void guard_body(struct conn_slot *c, size_t n)
{
    if (!c)
        return;
    struct conn_guard *g = c->g;
    pthread_mutex_lock(&g->mu);
    if (c->stage == ST_BODY) {
        c->body_pending += n;
        if (c->body_pending >= GUARD_BODY_STEP) {
            c->body_pending = 0;
            c->deadline_us = fio_mono_us() + g->body_us;
        }
    }
    pthread_mutex_unlock(&g->mu);
}

uint64_t guard_cut_count(struct conn_guard *g)
{
    if (!g)
        return 0;
    pthread_mutex_lock(&g->mu);
    uint64_t n = g->cut;
    pthread_mutex_unlock(&g->mu);
    return n;
}

void guard_flag_query(struct conn_slot *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->g->mu);
    c->query_flag = true;
    pthread_mutex_unlock(&c->g->mu);
}

bool guard_take_query_flag(struct conn_slot *c)
{
    if (!c)
        return false;
    pthread_mutex_lock(&c->g->mu);
    bool f = c->query_flag;
    c->query_flag = false;
    pthread_mutex_unlock(&c->g->mu);
    return f;
}
