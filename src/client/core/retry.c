/* SPDX-License-Identifier: MIT */
/* retry.c - cancel tokens, deadlines and the retry policy (backoff with full jitter, which
 * failures may be repeated). op.c's fio_op_retry_wait() asks these functions for every request
 * of the library, so every retry follows one policy. */
#include "retry.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "rand.h"
#include "timeutil.h"

#define SLEEP_SLICE_MS 10

/* A cancel token: one atomic flag. Triggered from any thread; read by the thread running the
 * call, between poll slices of a transfer and between slices of a wait. */
struct fastio_cancel {
    atomic_bool set;
};

FASTIO_API struct fastio_cancel *fastio_cancel_new(void)
{
    struct fastio_cancel *t = malloc(sizeof(*t));
    if (t == NULL)
        return NULL;
    atomic_init(&t->set, false);
    return t;
}

FASTIO_API void fastio_cancel_free(struct fastio_cancel *t)
{
    free(t);
}

FASTIO_API void fastio_cancel_trigger(struct fastio_cancel *t)
{
    if (t != NULL)
        atomic_store(&t->set, true);
}

FASTIO_API void fastio_cancel_reset(struct fastio_cancel *t)
{
    if (t != NULL)
        atomic_store(&t->set, false);
}

FASTIO_API bool fastio_cancel_is_set(const struct fastio_cancel *t)
{
    /* atomic_load takes a non-const pointer in C11. */
    return t != NULL && atomic_load(&((struct fastio_cancel *)t)->set);
}

FASTIO_API int64_t fastio_now_ms(void)
{
    return fio_mono_ms();
}

long fio_backoff_delay_ms(const struct fio_backoff *b, int retry_index)
{
    long ceiling = b->base_ms > 0 ? b->base_ms : 0;
    long cap = b->cap_ms > 0 ? b->cap_ms : 0;

    /* base * 2^i, doubling step by step so it saturates at the cap instead of overflowing. */
    for (int i = 0; i < retry_index && ceiling < cap; i++)
        ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
    if (ceiling > cap)
        ceiling = cap;
    /* Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform over
     * [0, ceiling] spreads clients that failed together better than equal or decorrelated
     * jitter. */
    return (long)fio_random_below((uint64_t)ceiling + 1);
}

long fio_backoff_wait_ms(const struct fio_backoff *b, int retry_index, long hint_ms)
{
    long jitter;
    if (hint_ms < 0)
        return fio_backoff_delay_ms(b, retry_index);
    if (hint_ms > b->max_wait_ms)
        return -1;
    jitter = b->base_ms > 0 ? (long)fio_random_below((uint64_t)b->base_ms + 1) : 0;
    return hint_ms + jitter;
}

enum fio_retry_verdict fio_retry_decide(enum fastio_retry_kind kind, enum fastio_status st,
                                        long http_status, bool nothing_sent)
{
    switch (st) {
    case FASTIO_OK:
    case FASTIO_CANCELLED:
    case FASTIO_NOMEM:
    case FASTIO_INVALID:
        return FIO_RETRY_NO;
    default:
        break;
    }
    /* api §1.8: the limiter answers 429 before any handler runs, so nothing happened. */
    if (http_status == 429)
        return FIO_RETRY_YES;
    if (http_status == 0 && nothing_sent && (st == FASTIO_NETWORK || st == FASTIO_TIMEOUT))
        return FIO_RETRY_YES;
    if (kind != FASTIO_RETRY_SAFE)
        return FIO_RETRY_NO;
    if (http_status == 0)
        return st == FASTIO_NETWORK || st == FASTIO_TIMEOUT ? FIO_RETRY_YES : FIO_RETRY_NO;
    if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504)
        return FIO_RETRY_YES;
    return FIO_RETRY_NO;
}

int64_t fio_deadline_left_ms(const struct fio_deadline *d)
{
    if (d == NULL || d->at_ms <= 0)
        return INT64_MAX;
    return d->at_ms - fio_mono_ms();
}

enum fastio_status fio_deadline_check(const struct fio_deadline *d)
{
    if (d == NULL)
        return FASTIO_OK;
    if (fastio_cancel_is_set(d->cancel))
        return FASTIO_CANCELLED;
    if (d->at_ms > 0 && fio_mono_ms() >= d->at_ms)
        return FASTIO_TIMEOUT;
    return FASTIO_OK;
}

enum fastio_status fio_sleep_ms(long ms, const struct fio_deadline *d)
{
    int64_t end = fio_mono_ms() + (ms > 0 ? ms : 0);
    for (;;) {
        enum fastio_status st = fio_deadline_check(d);
        int64_t now, slice;
        struct timespec ts;
        if (st != FASTIO_OK)
            return st;
        now = fio_mono_ms();
        if (now >= end)
            return FASTIO_OK;
        slice = end - now;
        if (slice > SLEEP_SLICE_MS)
            slice = SLEEP_SLICE_MS;
        if (d != NULL && d->at_ms > 0 && d->at_ms - now < slice)
            slice = d->at_ms - now > 0 ? d->at_ms - now : 0;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)slice * 1000000L;
        /* EINTR only shortens a slice; the loop recomputes what is left. */
        (void)nanosleep(&ts, NULL);
    }
}
