/* SPDX-License-Identifier: MIT */
/* ratelimit.c - the wait after a 429 (api §1.8). The sources disagree on the format of
 * x-ve-limit-expires (epoch seconds in the official CLI, a UTC datetime in the hosted-MCP
 * guide), so both are accepted; Retry-After is the standard fallback. */
#include "ratelimit.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"

#define RETRY_AFTER_MAX_MS (24L * 3600 * 1000)

/* Parse "YYYY-MM-DD HH:MM:SS UTC" (also with 'T' and "Z"/"GMT"/no zone, all UTC) into epoch
 * seconds. Hand-written because strptime is locale-dependent and sscanf is banned. */
static bool parse_api_datetime(const char *s, long long *out)
{
    static const struct {
        size_t off, len;
    } fields[] = {{0, 4}, {5, 2}, {8, 2}, {11, 2}, {14, 2}, {17, 2}};
    int v[6];
    struct tm tm;
    time_t t;
    const char *rest;

    if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
        s[13] != ':' || s[16] != ':')
        return false;
    for (size_t f = 0; f < 6; f++) {
        v[f] = 0;
        for (size_t i = 0; i < fields[f].len; i++) {
            char ch = s[fields[f].off + i];
            if (ch < '0' || ch > '9')
                return false;
            v[f] = v[f] * 10 + (ch - '0');
        }
    }
    rest = s + 19;
    while (*rest == ' ')
        rest++;
    if (*rest != '\0' && strcmp(rest, "UTC") != 0 && strcmp(rest, "Z") != 0 &&
        strcmp(rest, "GMT") != 0)
        return false;
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return false;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];
    t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (long long)t;
    return true;
}

static long clamp_ms(long long seconds_from_now)
{
    if (seconds_from_now <= 0)
        return 0;
    if (seconds_from_now >= RETRY_AFTER_MAX_MS / 1000)
        return RETRY_AFTER_MAX_MS;
    return (long)(seconds_from_now * 1000);
}

long fio_retry_after_ms(const char *expires, const char *retry_after, const char *date,
                        long long now_s)
{
    long long v;
    if (date != NULL && date[0] != '\0') {
        time_t server_now = curl_getdate(date, NULL);
        if (server_now > 0)
            now_s = (long long)server_now;
    }
    if (expires != NULL && expires[0] != '\0') {
        if (fio_parse_ll(expires, 0, LLONG_MAX, &v)) {
            /* The window reset as Unix seconds (what the official CLI parses). A value far
             * below any plausible current time is taken as seconds from now instead. */
            if (v < 1000000000LL)
                return clamp_ms(v);
            return clamp_ms(v - now_s);
        }
        if (parse_api_datetime(expires, &v)) /* the hosted-MCP guide's form */
            return clamp_ms(v - now_s);
    }
    if (retry_after != NULL && retry_after[0] != '\0') {
        time_t when;
        if (fio_parse_ll(retry_after, 0, LLONG_MAX, &v))
            return clamp_ms(v);
        when = curl_getdate(retry_after, NULL); /* RFC 9110 also allows an HTTP date */
        if (when > 0)
            return clamp_ms((long long)when - now_s);
    }
    return -1;
}
