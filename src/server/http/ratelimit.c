/* SPDX-License-Identifier: MIT */
/* ratelimit.c - fixed-window counters in an open-addressing table, guarded by one mutex. The
 * table is bounded: when full, the oldest windows are dropped (a dropped caller starts a fresh
 * window, which errs on the side of availability). */
#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RL_SLOTS 4096 /* power of two */
#define RL_KEY 72

struct rl_slot {
    char key[RL_KEY];
    int64_t window_start;
    long count;
};

struct ratelimit {
    pthread_mutex_t mu;
    long max;
    long window_s;
    struct rl_slot slots[RL_SLOTS];
};

struct ratelimit *ratelimit_new(long max, long window_s)
{
    struct ratelimit *rl = calloc(1, sizeof(*rl));
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    rl->max = max;
    rl->window_s = window_s > 0 ? window_s : 60;
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

bool ratelimit_hit(struct ratelimit *rl, const char *key, int64_t now_s, long *avail, long *max,
                   int64_t *expires)
{
    pthread_mutex_lock(&rl->mu);
    int64_t wstart = now_s - (now_s % rl->window_s);
    uint64_t h = hash_key(key);
    struct rl_slot *slot = NULL, *oldest = NULL;
    for (unsigned probe = 0; probe < 16; probe++) {
        struct rl_slot *s = &rl->slots[(h + probe) & (RL_SLOTS - 1)];
        if (s->key[0] == 0 || strcmp(s->key, key) == 0) {
            slot = s;
            break;
        }
        if (!oldest || s->window_start < oldest->window_start)
            oldest = s;
    }
    if (!slot) {
        slot = oldest;
        slot->key[0] = 0;
    }
    if (slot->key[0] == 0 || slot->window_start != wstart) {
        fio_strlcpy(slot->key, key, sizeof(slot->key));
        slot->window_start = wstart;
        slot->count = 0;
    }
    slot->count++;
    bool ok = rl->max <= 0 || slot->count <= rl->max;
    long lim = rl->max > 0 ? rl->max : 1000000;
    *max = lim;
    *avail = slot->count >= lim ? 0 : lim - slot->count;
    *expires = wstart + rl->window_s;
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

int srv_rate_check(struct req *r)
{
    char key[RL_KEY];
    if (r->caller.authed)
        snprintf(key, sizeof(key), "u:%s", r->caller.user_id);
    else
        snprintf(key, sizeof(key), "ip:%s", r->client_ip);
    r->rl_set = true;
    if (!ratelimit_hit(r->srv->rl, key, srv_now_us() / 1000000, &r->rl_avail, &r->rl_max,
                       &r->rl_expires))
        return req_fail(r, 429, API_ERR_RATE_LIMITED,
                        "Rate limit exceeded; retry after the time in x-ve-limit-expires");
    return 0;
}
