/* SPDX-License-Identifier: MIT */
/* ratelimit.h - how long to wait after a 429, from the rate-limit headers (api §1.8). Pure, so
 * both header formats seen in the sources are unit-tested without a server. */
#ifndef FIO_RATELIMIT_H
#define FIO_RATELIMIT_H

/* Milliseconds to wait before retrying. expires holds x-ve-limit-expires (epoch seconds, a
 * small number of seconds from now, or "YYYY-MM-DD HH:MM:SS UTC"); retry_after holds
 * Retry-After (seconds or an HTTP date), used only when expires gives nothing; date is the
 * server's Date header, used as "now" when present so that a skewed local clock does not
 * matter; now_s is the local wall clock in epoch seconds. Any string may be NULL or "".
 * Returns -1 when nothing is usable, otherwise a value clamped to [0, 24 h]. */
long fio_retry_after_ms(const char *expires, const char *retry_after, const char *date,
                        long long now_s);

#endif
