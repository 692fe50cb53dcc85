/* SPDX-License-Identifier: MIT */
/* buf.h - the two byte types used everywhere: an owned growable buffer with a hard maximum
 * (appending past it fails instead of growing without bound) and a borrowed slice (pointer +
 * length, never assumed NUL-terminated). Bytes from the network are slices until validated. */
#ifndef FIO_BUF_H
#define FIO_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct fio_slice {
    const char *ptr; /* borrowed */
    size_t len;
};

struct fio_buf {
    char *data;  /* owned; always NUL-terminated after a successful append (data[len] == 0) */
    size_t len;
    size_t cap;
    size_t max;  /* hard limit on len; 0 = SIZE_MAX/2 */
};

/* Embedded-struct lifecycle: init sets the maximum, release frees, clear = release + init. */
void fio_buf_init(struct fio_buf *b, size_t max);
void fio_buf_release(struct fio_buf *b);
void fio_buf_reset(struct fio_buf *b); /* len = 0, memory kept */

/* Append bytes; return false (buffer unchanged) on allocation failure or when len would pass
 * max. */
bool fio_buf_append(struct fio_buf *b, const void *p, size_t n);
bool fio_buf_append_str(struct fio_buf *b, const char *s);
bool fio_buf_printf(struct fio_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the bytes over to the caller (free() them); the buffer is left empty. NULL when empty and
 * nothing was ever allocated: then returns a freshly allocated "" (NULL only on OOM). */
char *fio_buf_steal(struct fio_buf *b);

static inline struct fio_slice fio_slice_make(const char *p, size_t n)
{
    struct fio_slice s = {p, n};
    return s;
}
struct fio_slice fio_slice_cstr(const char *s);
bool fio_slice_eq(struct fio_slice s, const char *cstr);
/* Copy a slice to a new NUL-terminated string (free()); NULL on OOM. */
char *fio_slice_dup(struct fio_slice s);

/* strdup that returns NULL for NULL. */
char *fio_strdup(const char *s);
/* Bounded copy that always NUL-terminates (dst size n > 0); returns false when truncated. */
bool fio_strlcpy(char *dst, const char *src, size_t n);
/* The one strict number parser (client and server: every parameter, header and path number):
 * a whole decimal string - digits only, one optional leading '-' (never "-0"), nothing empty,
 * no '+', no whitespace, at most 40 characters - within [min, max], without overflow. false on
 * anything else, *out (may be NULL) untouched. */
bool fio_parse_ll(const char *s, long long min, long long max, long long *out);
/* Constant-time comparison of two equal-length byte arrays. */
bool fio_ct_equal(const void *a, const void *b, size_t n);

#endif
