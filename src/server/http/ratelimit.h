/* SPDX-License-Identifier: MIT */
/* ratelimit.h - fixed-window request counting per caller (user id, or client IP when anonymous),
 * feeding the x-ve-limit-* headers on every response and 429 / 1671 past the limit (api §1.8). */
#ifndef SRV_RATELIMIT_H
#define SRV_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "server.h"

struct ratelimit *ratelimit_new(long max, long window_s);
void ratelimit_free(struct ratelimit *rl);
/* Count one request for key at wall time now_s. Returns true when allowed. Fills the remaining
 * count, the maximum and the window's end (epoch seconds). max 0 = unlimited (always true). */
bool ratelimit_hit(struct ratelimit *rl, const char *key, int64_t now_s, long *avail, long *max,
                   int64_t *expires);

/* Count r against its caller's window (user when authenticated, else IP), set r->rl_*, and fail
 * with 429 / 1671 when over the limit. Returns 0 when allowed. */
int srv_rate_check(struct req *r);

#endif
