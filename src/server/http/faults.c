/* SPDX-License-Identifier: MIT */
/* faults.c - the test-only fault injector (faults.h). One configuration per server, replaced
 * whole by each POST /current/test/faults/; decisions come from a seeded splitmix64 stream under
 * a mutex, so a sequential client sees the same faults on every run with the same seed. This is
 * a test tool, not a source of secrets: the C library PRNG is banned, and splitmix64 needs no
 * state beyond one word. */
#include "faults.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"

struct faults {
    pthread_mutex_t mu;
    /* synced (under mu) */
    unsigned p_reset, p_429, p_500, p_503, p_stall; /* percent */
    long stall_ms;
    long retry_after_s;
    long long max_faults; /* 0 = unlimited */
    long long injected;
    long long commit_fail; /* router commits still to fail (faults_commit_fail) */
    unsigned long long seed;
    uint64_t rng;
};

struct faults *faults_new(void)
{
    struct faults *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    pthread_mutex_init(&f->mu, NULL);
    f->retry_after_s = 1;
    return f;
}

void faults_free(struct faults *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The URL path without trailing slashes equals p. */
static bool path_is(const char *url, const char *p)
{
    size_t n = strlen(url);
    while (n && url[n - 1] == '/')
        n--;
    return strlen(p) == n && memcmp(url, p, n) == 0;
}

enum fault_action faults_apply(struct server *s, struct req *r, const char *url)
{
    struct faults *f = s->faults;
    if (!f || !s->cfg.test_faults || path_is(url, "/current/test/faults") ||
        path_is(url, "/current/ping"))
        return FAULT_NONE;
    pthread_mutex_lock(&f->mu);
    unsigned total = f->p_reset + f->p_429 + f->p_500 + f->p_503;
    if ((total == 0 && f->p_stall == 0) ||
        (f->max_faults > 0 && f->injected >= f->max_faults)) {
        pthread_mutex_unlock(&f->mu);
        return FAULT_NONE;
    }
    unsigned roll = (unsigned)(splitmix64(&f->rng) % 100);
    unsigned stall_roll = (unsigned)(splitmix64(&f->rng) % 100);
    long stall = stall_roll < f->p_stall ? f->stall_ms : 0;
    int http = 0;
    enum fault_action act = FAULT_NONE;
    if (roll < f->p_reset)
        act = FAULT_RESET;
    else if (roll < f->p_reset + f->p_429)
        http = 429;
    else if (roll < f->p_reset + f->p_429 + f->p_500)
        http = 500;
    else if (roll < total)
        http = 503;
    if (http)
        act = FAULT_REPLY;
    if (act != FAULT_NONE || stall)
        f->injected++;
    long retry = f->retry_after_s;
    pthread_mutex_unlock(&f->mu);

    if (stall > 0) {
        struct timespec ts = {stall / 1000, (stall % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
    if (http == 429) {
        /* The rate-limit headers of a real 429 (api §1.8): the window ends retry s from now. */
        req_fail(r, 429, API_ERR_RATE_LIMITED, "Rate limit exceeded (injected fault)");
        r->rl_set = true;
        r->rl_avail = 0;
        r->rl_max = s->cfg.rate_max > 0 ? s->cfg.rate_max : 1000000;
        r->rl_expires = srv_now_us() / 1000000 + retry;
        r->retry_after_s = (int)retry;
    } else if (http == 503) {
        req_fail(r, 503, 0, "Service unavailable (injected fault)");
        r->retry_after_s = (int)retry;
    } else if (http == 500) {
        req_fail(r, 500, 0, "Internal server error (injected fault)");
    }
    return act;
}

bool faults_commit_fail(struct server *s)
{
    struct faults *f = s->faults;
    if (!f || !s->cfg.test_faults)
        return false;
    pthread_mutex_lock(&f->mu);
    bool fail = f->commit_fail > 0;
    if (fail) {
        f->commit_fail--;
        f->injected++;
    }
    pthread_mutex_unlock(&f->mu);
    return fail;
}

static bool pct(struct req *r, const char *name, long long def, unsigned *out)
{
    long long v;
    if (!req_param_int(r, name, 0, 100, def, &v))
        return false;
    *out = (unsigned)v;
    return true;
}

/* GET / POST /current/test/faults/: without --enable-test-faults this route does not exist
 * (404 / 9992 like any unknown path). POST replaces the whole configuration: rate_429,
 * rate_500, rate_503, reset (percent; their sum <= 100), stall_ms (0..60000) with stall
 * (percent, default 100), retry_after (seconds, default 1), max_faults (0 = unlimited), seed,
 * commit_fail (the next N commits of the router's write transactions fail: 500, rolled back). */
int h_test_faults(struct req *r)
{
    struct faults *f = r->srv->faults;
    if (!r->srv->cfg.test_faults || !f)
        return req_fail(r, 404, API_ERR_UNKNOWN_ROUTE, "The router does not recognize this path");
    if (strcmp(r->method, "POST") == 0) {
        unsigned p429, p500, p503, preset, pstall;
        long long stall_ms, retry, maxf, seed, commit_fail;
        if (!pct(r, "rate_429", 0, &p429) || !pct(r, "rate_500", 0, &p500) ||
            !pct(r, "rate_503", 0, &p503) || !pct(r, "reset", 0, &preset) ||
            !req_param_int(r, "stall_ms", 0, 60000, 0, &stall_ms) ||
            !pct(r, "stall", stall_ms > 0 ? 100 : 0, &pstall) ||
            !req_param_int(r, "retry_after", 1, 3600, 1, &retry) ||
            !req_param_int(r, "max_faults", 0, 1000000000, 0, &maxf) ||
            !req_param_int(r, "seed", 0, INT64_MAX, 1, &seed) ||
            !req_param_int(r, "commit_fail", 0, 1000000, 0, &commit_fail))
            return -1;
        if (p429 + p500 + p503 + preset > 100)
            return req_fail_param(r, "rate_429", "invalid",
                                  "rate_429 + rate_500 + rate_503 + reset must not exceed 100");
        pthread_mutex_lock(&f->mu);
        f->p_429 = p429;
        f->p_500 = p500;
        f->p_503 = p503;
        f->p_reset = preset;
        f->p_stall = stall_ms > 0 ? pstall : 0;
        f->stall_ms = (long)stall_ms;
        f->retry_after_s = (long)retry;
        f->max_faults = maxf;
        f->injected = 0;
        f->seed = (unsigned long long)seed;
        f->rng = (uint64_t)seed;
        f->commit_fail = commit_fail;
        pthread_mutex_unlock(&f->mu);
    }
    pthread_mutex_lock(&f->mu);
    json_t *o = json_pack("{s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "rate_429",
                          (int)f->p_429, "rate_500", (int)f->p_500, "rate_503", (int)f->p_503,
                          "reset", (int)f->p_reset, "stall", (int)f->p_stall, "stall_ms",
                          (json_int_t)f->stall_ms, "retry_after", (json_int_t)f->retry_after_s,
                          "max_faults", (json_int_t)f->max_faults, "injected",
                          (json_int_t)f->injected, "seed", (json_int_t)f->seed, "commit_fail",
                          (json_int_t)f->commit_fail);
    pthread_mutex_unlock(&f->mu);
    return req_set(r, "faults", o);
}
