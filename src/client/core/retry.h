/* SPDX-License-Identifier: MIT */
/* retry.h - the retry policy of libfastio (exponential backoff with full jitter, server-given
 * waits, which failures may be repeated) and the deadline/cancellation checks every wait and
 * transfer loop makes. Small and free of client state; op.c's fio_op_retry_wait() applies it to
 * every request (fastio_call() and the transfer engine alike). */
#ifndef FIO_RETRY_H
#define FIO_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "fastio/fastio.h"

/* How long the waits between attempts are (fastio_config fields of the same names). */
struct fio_backoff {
    int max_retries;   /* attempts after the first; 0 = never retry */
    long base_ms;      /* first ceiling */
    long cap_ms;       /* largest ceiling */
    long max_wait_ms;  /* a server-requested wait longer than this is not waited for */
};

/* When a call must end: an absolute monotonic deadline (fio_mono_ms clock, 0 = none) and a
 * cancel token (borrowed, NULL = none). Plain data, copied freely. */
struct fio_deadline {
    int64_t at_ms;
    const struct fastio_cancel *cancel;
};

/* The full-jitter wait before retry number retry_index (0 = the first retry): uniform in
 * [0, min(cap_ms, base_ms * 2^retry_index)], from getrandom(2). */
long fio_backoff_delay_ms(const struct fio_backoff *b, int retry_index);

/* The wait before retry number retry_index given the server's hint (x-ve-limit-expires or
 * Retry-After, -1 = none): the hint plus a jitter of at most base_ms (so clients told the same
 * reset time do not all come back in the same millisecond), or the full-jitter delay without a
 * hint. Returns -1 when the hint exceeds max_wait_ms (do not retry: let the caller decide). */
long fio_backoff_wait_ms(const struct fio_backoff *b, int retry_index, long hint_ms);

/* What a failed attempt allows. */
enum fio_retry_verdict {
    FIO_RETRY_NO,   /* final: return the failure */
    FIO_RETRY_YES,  /* repeat after a backoff wait */
};

/* Whether a failed attempt of a row with retry class `kind` may be repeated.
 *  st, http_status: the attempt's outcome (http_status 0 = no response);
 *  nothing_sent:    true when the transport failed before any byte of the request went out.
 * Rules (decisions.md "Retries, deadlines, logs"):
 *  - CANCELLED, NOMEM, INVALID and every 4xx other than 429 are final;
 *  - 429 is repeated for every row: the limiter refuses before the handler runs (api §1.8);
 *  - a failure before any byte was sent is repeated for every row;
 *  - SAFE rows also repeat NETWORK and TIMEOUT (of one attempt) and HTTP 500/502/503/504;
 *  - UNSAFE rows repeat nothing else: the server may have acted on the request. */
enum fio_retry_verdict fio_retry_decide(enum fastio_retry_kind kind, enum fastio_status st,
                                        long http_status, bool nothing_sent);

/* Milliseconds left before the deadline (INT64_MAX when there is none, <= 0 when passed). */
int64_t fio_deadline_left_ms(const struct fio_deadline *d);

/* OK while the call may go on, otherwise CANCELLED (token triggered) or TIMEOUT (deadline
 * passed); cancellation wins when both hold. */
enum fastio_status fio_deadline_check(const struct fio_deadline *d);

/* Sleep ms milliseconds in slices of at most 10 ms, checking d between slices; returns OK
 * after the full wait, CANCELLED as soon as the token is triggered, TIMEOUT when the deadline
 * comes first (the sleep then ends at the deadline, not after it). */
enum fastio_status fio_sleep_ms(long ms, const struct fio_deadline *d);

#endif
