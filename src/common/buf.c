/* SPDX-License-Identifier: MIT */
/* buf.c - the bounded owned buffer (fio_buf), borrowed slices and the small string helpers that
 * replace the banned libc functions (strcpy, atoi, ...). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_DEFAULT_MAX (SIZE_MAX / 2)
#define BUF_MIN_CAP 64

/* A zero-initialised struct (max == 0) behaves like one from fio_buf_init(b, 0). */
static size_t buf_max(const struct fio_buf *b)
{
    return b->max ? b->max : BUF_DEFAULT_MAX;
}

void fio_buf_init(struct fio_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = (max == 0 || max > BUF_DEFAULT_MAX) ? BUF_DEFAULT_MAX : max;
}

void fio_buf_release(struct fio_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void fio_buf_reset(struct fio_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Make room for n more bytes plus the NUL. false (buffer unchanged) past max or on OOM.
 * max <= SIZE_MAX/2, so len + n + 1 and the doubling below cannot overflow. */
static bool buf_reserve(struct fio_buf *b, size_t n)
{
    size_t max = buf_max(b);
    if (b->len > max || n > max - b->len)
        return false;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap *= 2;
    if (cap > max + 1)
        cap = max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

bool fio_buf_append(struct fio_buf *b, const void *p, size_t n)
{
    if (!buf_reserve(b, n))
        return false;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool fio_buf_append_str(struct fio_buf *b, const char *s)
{
    if (!s)
        return false;
    return fio_buf_append(b, s, strlen(s));
}

bool fio_buf_printf(struct fio_buf *b, const char *fmt, ...)
{
    va_list ap, probe;
    va_start(ap, fmt);
    va_copy(probe, ap);
    int n = vsnprintf(NULL, 0, fmt, probe); /* first pass: measure */
    va_end(probe);
    bool ok = n >= 0 && buf_reserve(b, (size_t)n);
    if (ok) {
        int m = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        if (m == n)
            b->len += (size_t)n;
        else
            ok = false;
        b->data[b->len] = '\0';
    }
    va_end(ap);
    return ok;
}

char *fio_buf_steal(struct fio_buf *b)
{
    char *p = b->data;
    if (!p) {
        p = malloc(1);
        if (p)
            p[0] = '\0';
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

struct fio_slice fio_slice_cstr(const char *s)
{
    return fio_slice_make(s, s ? strlen(s) : 0);
}

bool fio_slice_eq(struct fio_slice s, const char *cstr)
{
    if (!cstr)
        return false;
    size_t n = strlen(cstr);
    return n == s.len && (n == 0 || memcmp(s.ptr, cstr, n) == 0);
}

char *fio_slice_dup(struct fio_slice s)
{
    if (s.len == SIZE_MAX)
        return NULL;
    char *p = malloc(s.len + 1);
    if (!p)
        return NULL;
    if (s.len)
        memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return p;
}

char *fio_strdup(const char *s)
{
    if (!s)
        return NULL;
    return fio_slice_dup(fio_slice_cstr(s));
}

bool fio_strlcpy(char *dst, const char *src, size_t n)
{
    if (n == 0)
        return false;
    size_t i = 0;
    for (; i + 1 < n && src[i]; i++)
        dst[i] = src[i];
    dst[i] = '\0';
    return src[i] == '\0';
}

/* Only an optional '-' and decimal digits: strtoll alone would also accept leading whitespace,
 * a '+' sign and hex-looking junk after the digits. */
bool fio_parse_ll(const char *s, long long min, long long max, long long *out)
{
    if (!s)
        return false;
    bool neg = s[0] == '-';
    const char *d = neg ? s + 1 : s;
    if (*d == '\0')
        return false; /* "" and "-" */
    /* Accumulate as a negative number: its range reaches LLONG_MIN, which has no positive twin.
     * The overflow check ends the loop after at most 19 significant digits; the length cap
     * bounds a run of leading zeros. */
    enum { DIGITS_MAX = 40 };
    long long v = 0;
    bool nonzero = false;
    size_t i = 0;
    for (; i < DIGITS_MAX && d[i]; i++) {
        if (d[i] < '0' || d[i] > '9')
            return false;
        int digit = d[i] - '0';
        if (v < (LLONG_MIN + digit) / 10)
            return false;
        v = v * 10 - digit;
        nonzero = nonzero || digit != 0;
    }
    if (d[i] != '\0')
        return false; /* longer than DIGITS_MAX */
    if (neg && !nonzero)
        return false; /* "-0": zero has one spelling */
    if (!neg) {
        if (v == LLONG_MIN)
            return false;
        v = -v;
    }
    if (v < min || v > max)
        return false;
    if (out)
        *out = v;
    return true;
}

bool fio_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a;
    const volatile unsigned char *y = b;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(x[i] ^ y[i]);
    return diff == 0;
}
