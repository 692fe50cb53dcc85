/* SPDX-License-Identifier: MIT */
/* timeutil.c - monotonic clock for deadlines, timeouts and backoff; wall clock and its two text
 * forms (api "YYYY-MM-DD HH:MM:SS UTC" and ISO 8601) for timestamps that are shown or stored. */
#include <stdio.h>
#include <time.h>

#include "timeutil.h"

static int64_t clock_us(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0; /* only EINVAL for an unsupported clock; both used here always exist on Linux */
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t fio_mono_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

int64_t fio_mono_ms(void)
{
    return fio_mono_us() / 1000;
}

int64_t fio_wall_us(void)
{
    return clock_us(CLOCK_REALTIME);
}

/* Split us since the epoch into UTC calendar fields and microseconds, rounding towards minus
 * infinity so that times before 1970 also print correctly. */
static int split(int64_t wall_us, struct tm *tm, long *usec)
{
    int64_t sec = wall_us / 1000000;
    int64_t rem = wall_us % 1000000;
    if (rem < 0) {
        rem += 1000000;
        sec -= 1;
    }
    time_t t = (time_t)sec;
    *usec = (long)rem;
    return gmtime_r(&t, tm) != NULL;
}

void fio_time_api(int64_t wall_us, char *out, size_t size)
{
    struct tm tm;
    long usec;
    if (size == 0)
        return;
    if (!split(wall_us, &tm, &usec)) {
        out[0] = '\0';
        return;
    }
    int n = snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0)
        out[0] = '\0';
}

void fio_time_iso(int64_t wall_us, char *out, size_t size)
{
    struct tm tm;
    long usec;
    if (size == 0)
        return;
    if (!split(wall_us, &tm, &usec)) {
        out[0] = '\0';
        return;
    }
    int n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
    if (n < 0)
        out[0] = '\0';
}
