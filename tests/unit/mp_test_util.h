/* SPDX-License-Identifier: MIT */
/* mp_test_util.h - what the multipart parser's tests share (test_multipart.c,
 * test_multipart_expect.c): a recording receiver whose callbacks collect the streamed bytes, the
 * parts and where each streamed part ended (and can announce lengths or stop the parse), a driver
 * that feeds a body in pieces of a given size, and builders of bodies with boundary "BOUNDARY". */
#ifndef FIO_MP_TEST_UTIL_H
#define FIO_MP_TEST_UTIL_H

#include <stdbool.h>
#include <stdlib.h>

#include "multipart.h"
#include "testmain.h"

#define BND "BOUNDARY"
#define DELIM "\r\n--" BND
#define CD "Content-Disposition: form-data; name="
#define NO_ANNOUNCE ((size_t)-1)
#define MAX_ENDS 8

/* Piece sizes every body is fed in; 0 = the whole body in one mp_feed. */
static const size_t pieces[] = {0, 1, 7, 4096};
#define NPIECES (sizeof(pieces) / sizeof(pieces[0]))

struct rec {
    struct mp_parser *p;
    struct fio_buf data;     /* bytes of all streamed parts */
    size_t end_at[MAX_ENDS]; /* data.len at each on_end */
    int ends, streamed, parts;
    size_t announce[MAX_ENDS]; /* per streamed part, in order; NO_ANNOUNCE = none */
    size_t announce_text;      /* announced for every collected part (should be ignored) */
    bool abort_part;           /* on_part refuses */
    size_t stop_data_at;       /* on_data stops once data.len would pass this (0 = never) */
    bool stop_end;             /* on_end stops */
};

static inline enum mp_part_action on_part(void *ud, const char *name, const char *filename)
{
    struct rec *r = ud;
    r->parts++;
    if (r->abort_part)
        return MP_PART_ABORT;
    if (strcmp(name, "chunk") != 0) {
        if (r->announce_text != NO_ANNOUNCE)
            mp_expect_length(r->p, r->announce_text);
        return MP_PART_COLLECT;
    }
    assert_non_null(filename); /* every chunk part in these bodies has one */
    int i = r->streamed++;
    if (i < MAX_ENDS && r->announce[i] != NO_ANNOUNCE)
        mp_expect_length(r->p, r->announce[i]);
    return MP_PART_STREAM;
}

static inline int on_data(void *ud, const char *d, size_t n)
{
    struct rec *r = ud;
    assert_true(n > 0); /* the contract: pieces are never empty */
    if (r->stop_data_at && r->data.len + n > r->stop_data_at)
        return -1;
    assert_true(fio_buf_append(&r->data, d, n));
    return 0;
}

static inline int on_end(void *ud)
{
    struct rec *r = ud;
    if (r->ends < MAX_ENDS)
        r->end_at[r->ends] = r->data.len;
    r->ends++;
    return r->stop_end ? -1 : 0;
}

static const struct mp_callbacks cbs = {on_part, on_data, on_end};

static inline void rec_init(struct rec *r, struct mp_parser *p)
{
    memset(r, 0, sizeof(*r));
    r->p = p;
    fio_buf_init(&r->data, 0);
    for (size_t i = 0; i < MAX_ENDS; i++)
        r->announce[i] = NO_ANNOUNCE;
    r->announce_text = NO_ANNOUNCE;
}

/* Parse body in pieces of piece bytes (0 = whole) with the callbacks above: the status of the
 * first failing mp_feed, else of mp_finish. The parser and r stay for inspection; the caller
 * calls done(). r's settings (announce, abort...) are taken from *tmpl when not NULL. */
static inline enum mp_status parse_with(struct mp_parser *p, struct rec *r, const struct rec *tmpl,
                                        const char *body, size_t n, size_t piece)
{
    rec_init(r, p);
    if (tmpl) {
        memcpy(r->announce, tmpl->announce, sizeof(r->announce));
        r->announce_text = tmpl->announce_text;
        r->abort_part = tmpl->abort_part;
        r->stop_data_at = tmpl->stop_data_at;
        r->stop_end = tmpl->stop_end;
    }
    assert_true(mp_init(p, BND, &cbs, r));
    if (piece == 0)
        piece = n ? n : 1;
    enum mp_status st = MP_OK;
    for (size_t off = 0; off < n && st == MP_OK; off += piece)
        st = mp_feed(p, body + off, n - off < piece ? n - off : piece);
    if (st == MP_OK)
        st = mp_finish(p);
    return st;
}

static inline enum mp_status parse(struct mp_parser *p, struct rec *r, const char *body, size_t n,
                                   size_t piece)
{
    return parse_with(p, r, NULL, body, n, piece);
}

static inline void done(struct mp_parser *p, struct rec *r)
{
    mp_release(p);
    fio_buf_release(&r->data);
}

/* ---- building bodies ------------------------------------------------------------------------- */

static inline void add(struct fio_buf *b, const void *d, size_t n)
{
    assert_true(fio_buf_append(b, d, n));
}

static inline void adds(struct fio_buf *b, const char *s)
{
    add(b, s, strlen(s));
}

/* "--BOUNDARY\r\n" or "\r\n--BOUNDARY\r\n", then the headers of a text part */
static inline void text_part(struct fio_buf *b, const char *name, const char *value)
{
    adds(b, b->len ? DELIM "\r\n" : "--" BND "\r\n");
    adds(b, CD "\"");
    adds(b, name);
    adds(b, "\"\r\n\r\n");
    adds(b, value);
}

static inline void chunk_part(struct fio_buf *b, const void *bytes, size_t n)
{
    adds(b, b->len ? DELIM "\r\n" : "--" BND "\r\n");
    adds(b, CD "\"chunk\"; filename=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    add(b, bytes, n);
}

static inline void close_body(struct fio_buf *b)
{
    adds(b, DELIM "--\r\n");
}

/* Binary bytes full of CR, LF, '-' and prefixes of the delimiter, but never all of it. */
static inline void tricky_bytes(char *out, size_t n)
{
    static const char *const bits[] = {"\r",
                                       "\n",
                                       "\r\n",
                                       "\r\n-",
                                       "\r\n--",
                                       "\r\n--B",
                                       "\r\n--BOUNDAR",
                                       "--BOUNDARY",
                                       "\r\r\n--BOUNDARx",
                                       "\0\xff"};
    size_t o = 0, k = 0;
    while (o < n) {
        const char *s = bits[k % 10];
        size_t l = k % 10 == 9 ? 2 : strlen(s);
        for (size_t i = 0; i < l && o < n; i++)
            out[o++] = s[i];
        if (o < n)
            out[o++] = (char)('a' + k % 26);
        k++;
    }
}

#endif
