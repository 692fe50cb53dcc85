/* test_multipart.c - the incremental multipart/form-data parser as a whole: text fields and a
 * streamed `chunk` part fed whole and in pieces, preamble/epilogue/transport padding, truncated
 * and malformed bodies, the limits, and mp_expect_length (a chunk's announced size: its bytes
 * pass without the delimiter search, a longer part still ends at its delimiter, a shorter one
 * breaks the body, and the announcement belongs to one part only). */
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

static enum mp_part_action on_part(void *ud, const char *name, const char *filename)
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

static int on_data(void *ud, const char *d, size_t n)
{
    struct rec *r = ud;
    assert_true(n > 0); /* the contract: pieces are never empty */
    if (r->stop_data_at && r->data.len + n > r->stop_data_at)
        return -1;
    assert_true(fio_buf_append(&r->data, d, n));
    return 0;
}

static int on_end(void *ud)
{
    struct rec *r = ud;
    if (r->ends < MAX_ENDS)
        r->end_at[r->ends] = r->data.len;
    r->ends++;
    return r->stop_end ? -1 : 0;
}

static const struct mp_callbacks cbs = {on_part, on_data, on_end};

static void rec_init(struct rec *r, struct mp_parser *p)
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
static enum mp_status parse_with(struct mp_parser *p, struct rec *r, const struct rec *tmpl,
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

static enum mp_status parse(struct mp_parser *p, struct rec *r, const char *body, size_t n,
                            size_t piece)
{
    return parse_with(p, r, NULL, body, n, piece);
}

static void done(struct mp_parser *p, struct rec *r)
{
    mp_release(p);
    fio_buf_release(&r->data);
}

/* ---- building bodies ------------------------------------------------------------------------- */

static void add(struct fio_buf *b, const void *d, size_t n)
{
    assert_true(fio_buf_append(b, d, n));
}

static void adds(struct fio_buf *b, const char *s)
{
    add(b, s, strlen(s));
}

/* "--BOUNDARY\r\n" or "\r\n--BOUNDARY\r\n", then the headers of a text part */
static void text_part(struct fio_buf *b, const char *name, const char *value)
{
    adds(b, b->len ? DELIM "\r\n" : "--" BND "\r\n");
    adds(b, CD "\"");
    adds(b, name);
    adds(b, "\"\r\n\r\n");
    adds(b, value);
}

static void chunk_part(struct fio_buf *b, const void *bytes, size_t n)
{
    adds(b, b->len ? DELIM "\r\n" : "--" BND "\r\n");
    adds(b, CD "\"chunk\"; filename=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    add(b, bytes, n);
}

static void close_body(struct fio_buf *b)
{
    adds(b, DELIM "--\r\n");
}

/* Binary bytes full of CR, LF, '-' and prefixes of the delimiter, but never all of it. */
static void tricky_bytes(char *out, size_t n)
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

/* ---- whole bodies ---------------------------------------------------------------------------- */

static void mp_fields_and_chunk(void **state)
{
    (void)state;
    char chunk[3000];
    tricky_bytes(chunk, sizeof(chunk));
    struct fio_buf b;
    fio_buf_init(&b, 0);
    text_part(&b, "size", "3000");
    chunk_part(&b, chunk, sizeof(chunk));
    text_part(&b, "note", "line one\r\nline two --" BND "x");
    text_part(&b, "empty", "");
    close_body(&b);
    for (size_t pi = 0; pi < NPIECES; pi++) {
        struct mp_parser p;
        struct rec r;
        assert_int_equal(parse(&p, &r, b.data, b.len, pieces[pi]), MP_OK);
        assert_true(mp_done(&p));
        assert_int_equal(r.parts, 4);
        assert_int_equal(r.streamed, 1);
        assert_int_equal(r.ends, 1);
        assert_int_equal(r.data.len, sizeof(chunk));
        assert_memory_equal(r.data.data, chunk, sizeof(chunk));
        assert_int_equal(p.fields.count, 3);
        assert_string_equal(p.fields.fields[0].name, "size");
        assert_string_equal(p.fields.fields[0].value, "3000");
        assert_string_equal(p.fields.fields[1].name, "note");
        assert_string_equal(p.fields.fields[1].value, "line one\r\nline two --" BND "x");
        assert_string_equal(p.fields.fields[2].name, "empty");
        assert_string_equal(p.fields.fields[2].value, "");
        assert_string_equal(fio_form_get(&p.fields, "size"), "3000");
        done(&p, &r);
    }
    /* every piece size from 1 to 64: the same result */
    for (size_t piece = 1; piece <= 64; piece++) {
        struct mp_parser p;
        struct rec r;
        assert_int_equal(parse(&p, &r, b.data, b.len, piece), MP_OK);
        assert_int_equal(r.data.len, sizeof(chunk));
        assert_memory_equal(r.data.data, chunk, sizeof(chunk));
        assert_int_equal(p.fields.count, 3);
        done(&p, &r);
    }
    fio_buf_release(&b);
}

static void mp_empty_chunk_and_no_callbacks(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    chunk_part(&b, "", 0);
    text_part(&b, "a", "1");
    close_body(&b);
    for (size_t pi = 0; pi < NPIECES; pi++) {
        struct mp_parser p;
        struct rec r;
        assert_int_equal(parse(&p, &r, b.data, b.len, pieces[pi]), MP_OK);
        assert_int_equal(r.ends, 1);
        assert_int_equal(r.data.len, 0); /* on_data never called with n == 0 */
        assert_int_equal(p.fields.count, 1);
        done(&p, &r);
    }
    /* no callbacks at all: every part is collected, the chunk too */
    struct mp_parser p;
    assert_true(mp_init(&p, BND, NULL, NULL));
    assert_int_equal(mp_feed(&p, b.data, b.len), MP_OK);
    assert_int_equal(mp_finish(&p), MP_OK);
    assert_int_equal(p.fields.count, 2);
    assert_string_equal(p.fields.fields[0].name, "chunk");
    assert_string_equal(p.fields.fields[0].value, "");
    mp_release(&p);
    fio_buf_release(&b);
}

static void mp_preamble_epilogue_padding(void **state)
{
    (void)state;
    static const char body[] =
        "This is the preamble. --" BND "x is not a delimiter\r\n-- " BND "\r\n"
        "--" BND " \t \r\n" CD "a\r\n\r\n1" DELIM "\t\r\n" CD
        "\"chunk\"; filename=f\r\n\r\nxyz" DELIM "--  \r\nThis is the epilogue. " DELIM
        "\r\ngarbage, ignored";
    for (size_t pi = 0; pi < NPIECES; pi++) {
        struct mp_parser p;
        struct rec r;
        assert_int_equal(parse(&p, &r, body, sizeof(body) - 1, pieces[pi]), MP_OK);
        assert_int_equal(p.fields.count, 1);
        assert_string_equal(p.fields.fields[0].value, "1");
        assert_int_equal(r.data.len, 3);
        assert_memory_equal(r.data.data, "xyz", 3);
        done(&p, &r);
    }
    /* a leading CRLF before the first delimiter, and a body without any part */
    static const char *const ok[] = {"\r\n--" BND "\r\n" CD "a\r\n\r\nv" DELIM "--", "--" BND "--",
                                     "\r\n\r\n--" BND "--\r\n"};
    for (size_t i = 0; i < 3; i++) {
        struct mp_parser p;
        struct rec r;
        assert_int_equal(parse(&p, &r, ok[i], strlen(ok[i]), 1), MP_OK);
        done(&p, &r);
    }
    /* transport padding is bounded (64 bytes) */
    struct fio_buf b;
    fio_buf_init(&b, 0);
    adds(&b, "--" BND);
    for (int i = 0; i < 64; i++)
        adds(&b, " ");
    adds(&b, "\r\n" CD "a\r\n\r\nv" DELIM "--");
    struct mp_parser p;
    struct rec r;
    assert_int_equal(parse(&p, &r, b.data, b.len, 0), MP_OK);
    done(&p, &r);
    fio_buf_reset(&b);
    adds(&b, "--" BND);
    for (int i = 0; i < 65; i++)
        adds(&b, " ");
    adds(&b, "\r\n" CD "a\r\n\r\nv" DELIM "--");
    assert_int_equal(parse(&p, &r, b.data, b.len, 0), MP_ERR_SYNTAX);
    done(&p, &r);
    fio_buf_release(&b);
}

static void mp_missing_closing_delimiter(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "",
        "no delimiter at all",
        "--" BND,
        "--" BND "\r\n" CD "a\r\n\r\nvalue",
        "--" BND "\r\n" CD "a\r\n\r\nvalue" DELIM,
        "--" BND "\r\n" CD "a\r\n\r\nvalue" DELIM "-",
        "--" BND "\r\n" CD "a\r\n\r\nvalue\r\n--BOUNDAR",
        "--" BND "\r\n" CD "a\r\n\r\nvalue" DELIM "\r\n",
        "--" BND "\r\n" CD "\"chunk\"; filename=f\r\n\r\nbytes...",
        "--" BND "\r\n" CD "a\r\n", /* inside the headers */
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
        for (size_t pi = 0; pi < NPIECES; pi++) {
            struct mp_parser p;
            struct rec r;
            assert_int_equal(parse(&p, &r, bodies[i], strlen(bodies[i]), pieces[pi]),
                             MP_ERR_SYNTAX);
            assert_false(mp_done(&p));
            assert_true(p.err[0] != 0);
            assert_int_equal(r.ends, 0);
            /* the error sticks */
            assert_int_equal(mp_finish(&p), MP_ERR_SYNTAX);
            assert_int_equal(mp_feed(&p, "--", 2), MP_ERR_SYNTAX);
            done(&p, &r);
        }
}

static void mp_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        enum mp_status st;
    } cases[] = {
        {"--" BND "\r\nContent-Type: text/plain\r\n\r\nx" DELIM "--", MP_ERR_SYNTAX},
        {"--" BND "\r\nno colon here\r\n" CD "a\r\n\r\nx" DELIM "--", MP_ERR_SYNTAX},
        {"--" BND "\r\n\r\nx" DELIM "--", MP_ERR_SYNTAX}, /* a part without headers */
        {"--" BND "\r\nContent-Disposition: attachment; name=a\r\n\r\nx" DELIM "--", MP_ERR_SYNTAX},
        {"--" BND "\r\nContent-Disposition: form-data name=a\r\n\r\nx" DELIM "--", MP_ERR_SYNTAX},
        {"--" BND "\r\nContent-Disposition: form-data; name\r\n\r\nx" DELIM "--", MP_ERR_SYNTAX},
        {"--" BND "\r\nContent-Disposition: form-data; name=\"a\"junk\r\n\r\nx" DELIM "--",
         MP_ERR_SYNTAX},
        {"--" BND "\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx" DELIM "--",
         MP_ERR_LIMIT}, /* unterminated quoted-string */
        {"--" BND "x\r\n" CD "a\r\n\r\nx" DELIM "--", MP_ERR_SYNTAX},   /* junk after */
        {"--" BND "\rX" CD "a\r\n\r\nx" DELIM "--", MP_ERR_SYNTAX},     /* CR without LF */
        {"--" BND "\r\n" CD "a\r\n\r\nx" DELIM "-x", MP_ERR_SYNTAX},    /* "-" then junk */
        {"--" BND "\r\n" CD "a\r\n\r\nx" DELIM "Z\r\n", MP_ERR_SYNTAX}, /* longer boundary */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        for (size_t pi = 0; pi < NPIECES; pi++) {
            struct mp_parser p;
            struct rec r;
            enum mp_status st = parse(&p, &r, cases[i].body, strlen(cases[i].body), pieces[pi]);
            if (st != cases[i].st)
                fail_msg("case %zu piece %zu: status %d, want %d", i, pieces[pi], (int)st,
                         (int)cases[i].st);
            assert_true(p.err[0] != 0);
            assert_false(mp_done(&p));
            done(&p, &r);
        }
    /* header names and the disposition are case-insensitive; quoted values unescape;
     * unknown parameters are ignored; a header line may end in a bare LF */
    static const char ok[] = "--" BND "\r\nX-Other: 1\ncontent-disposition: FORM-DATA ; "
                             "foo=bar;NAME=\"q\\\"u\" ; filename=\"a b\"\r\n\r\nv" DELIM "--";
    struct mp_parser p;
    struct rec r;
    assert_int_equal(parse(&p, &r, ok, sizeof(ok) - 1, 1), MP_OK);
    assert_int_equal(p.fields.count, 1);
    assert_string_equal(p.fields.fields[0].name, "q\"u");
    done(&p, &r);
}

static void mp_limits(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    /* MP_PARTS_MAX parts are fine, one more is not */
    for (int i = 0; i < MP_PARTS_MAX; i++)
        text_part(&b, "f", "v");
    size_t before_close = b.len;
    close_body(&b);
    struct mp_parser p;
    struct rec r;
    assert_int_equal(parse(&p, &r, b.data, b.len, 0), MP_OK);
    assert_int_equal(p.fields.count, MP_PARTS_MAX);
    done(&p, &r);
    b.len = before_close;
    chunk_part(&b, "x", 1); /* streamed parts count too */
    close_body(&b);
    assert_int_equal(parse(&p, &r, b.data, b.len, 4096), MP_ERR_LIMIT);
    assert_int_equal(r.streamed, 0);
    done(&p, &r);

    /* the headers of one part: up to MP_HEADER_MAX bytes */
    for (int over = 0; over <= 1; over++) {
        fio_buf_reset(&b);
        adds(&b, "--" BND "\r\n" CD "a\r\nX-Pad: ");
        size_t hdr_start = strlen("--" BND "\r\n");
        /* header bytes counted up to and including the blank line's CRLF */
        size_t want = MP_HEADER_MAX + (size_t)over - 4 - (b.len - hdr_start);
        for (size_t i = 0; i < want; i++)
            adds(&b, "p");
        adds(&b, "\r\n\r\nv" DELIM "--");
        for (size_t pi = 0; pi < NPIECES; pi++) {
            assert_int_equal(parse(&p, &r, b.data, b.len, pieces[pi]), over ? MP_ERR_LIMIT : MP_OK);
            done(&p, &r);
        }
    }
    /* a name of MP_PARAM_MAX bytes is fine, one more is not */
    for (int over = 0; over <= 1; over++) {
        fio_buf_reset(&b);
        adds(&b, "--" BND "\r\n" CD "\"");
        for (size_t i = 0; i < MP_PARAM_MAX + (size_t)over; i++)
            adds(&b, "n");
        adds(&b, "\"\r\n\r\nv" DELIM "--");
        assert_int_equal(parse(&p, &r, b.data, b.len, 0), over ? MP_ERR_LIMIT : MP_OK);
        if (!over)
            assert_int_equal(strlen(p.fields.fields[0].name), MP_PARAM_MAX);
        done(&p, &r);
    }
    /* collected text: MP_TEXT_MAX bytes in all; streamed bytes do not count */
    char *big = malloc(MP_TEXT_MAX + 1);
    assert_non_null(big);
    memset(big, 't', MP_TEXT_MAX);
    big[MP_TEXT_MAX] = 0;
    for (int over = 0; over <= 1; over++) {
        fio_buf_reset(&b);
        chunk_part(&b, big, MP_TEXT_MAX);
        text_part(&b, "a", big + MP_TEXT_MAX / 2);                /* half */
        text_part(&b, "b", big + MP_TEXT_MAX / 2 - (size_t)over); /* half (+1) */
        close_body(&b);
        assert_int_equal(parse(&p, &r, b.data, b.len, 4096), over ? MP_ERR_LIMIT : MP_OK);
        assert_int_equal(r.data.len, MP_TEXT_MAX);
        done(&p, &r);
    }
    free(big);
    fio_buf_release(&b);
}

static void mp_nul_in_text_part(void **state)
{
    (void)state;
    static const char text[] = "--" BND "\r\n" CD "a\r\n\r\nab\0cd" DELIM "--";
    static const char chunk[] = "--" BND "\r\n" CD "\"chunk\"; filename=f\r\n\r\nab\0cd" DELIM "--";
    for (size_t pi = 0; pi < NPIECES; pi++) {
        struct mp_parser p;
        struct rec r;
        assert_int_equal(parse(&p, &r, text, sizeof(text) - 1, pieces[pi]), MP_ERR_SYNTAX);
        assert_non_null(strstr(p.err, "NUL"));
        assert_int_equal(p.fields.count, 0);
        done(&p, &r);
        /* a streamed part is binary: NUL is data */
        assert_int_equal(parse(&p, &r, chunk, sizeof(chunk) - 1, pieces[pi]), MP_OK);
        assert_int_equal(r.data.len, 5);
        assert_memory_equal(r.data.data, "ab\0cd", 5);
        done(&p, &r);
    }
}

static void mp_callbacks_stop(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    text_part(&b, "a", "1");
    chunk_part(&b, "0123456789", 10);
    close_body(&b);
    struct mp_parser p;
    struct rec r, t;
    rec_init(&t, NULL);
    t.abort_part = true;
    assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, 0), MP_ERR_CALLBACK);
    assert_int_equal(r.parts, 1);
    done(&p, &r);
    rec_init(&t, NULL);
    t.stop_data_at = 5;
    assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, 3), MP_ERR_CALLBACK);
    assert_int_equal(r.ends, 0);
    done(&p, &r);
    rec_init(&t, NULL);
    t.stop_end = true;
    assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, 0), MP_ERR_CALLBACK);
    assert_int_equal(r.ends, 1);
    assert_true(p.err[0] != 0);
    done(&p, &r);
    /* stopped inside announced bytes */
    rec_init(&t, NULL);
    t.announce[0] = 10;
    t.stop_data_at = 5;
    assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, 4), MP_ERR_CALLBACK);
    assert_int_equal(r.data.len, 4);
    done(&p, &r);
    /* stopped when a held-back delimiter prefix turns out to be data */
    fio_buf_reset(&b);
    chunk_part(&b, "ab\r\n--Bx", 8);
    close_body(&b);
    rec_init(&t, NULL);
    t.stop_data_at = 2;
    assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, 1), MP_ERR_CALLBACK);
    assert_int_equal(r.data.len, 2);
    assert_int_equal(r.ends, 0);
    done(&p, &r);
    fio_buf_release(&b);
}

static void mp_boundaries(void **state)
{
    (void)state;
    struct mp_parser p;
    char b70[71], b71[72];
    memset(b70, 'b', 70);
    b70[70] = 0;
    memset(b71, 'b', 71);
    b71[71] = 0;
    assert_true(mp_init(&p, b70, NULL, NULL));
    mp_release(&p);
    assert_true(mp_init(&p, "a'()+_,-./:=? z", NULL, NULL));
    mp_release(&p);
    static const char *const bad[] = {"", "trailing ", "semi;colon", "quo\"te", "cr\r", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(mp_init(&p, bad[i], NULL, NULL));
        mp_release(&p); /* harmless on a failed init */
    }
    assert_false(mp_init(&p, b71, NULL, NULL));
    mp_release(&p);
    assert_false(mp_init(&p, NULL, NULL, NULL));
    mp_release(&p);

    char out[MP_BOUNDARY_MAX + 1];
    assert_true(mp_content_type_boundary("multipart/form-data; boundary=abc", out, sizeof(out)));
    assert_string_equal(out, "abc");
    assert_true(mp_content_type_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b\\\"c\"",
                                         out, sizeof(out)));
    assert_string_equal(out, "a b\"c");
    assert_false(mp_content_type_boundary("multipart/mixed; boundary=abc", out, sizeof(out)));
    assert_false(mp_content_type_boundary("multipart/form-data", out, sizeof(out)));
    assert_false(mp_content_type_boundary("multipart/form-data; boundary=", out, sizeof(out)));
    assert_false(mp_content_type_boundary("multipart/form-data; boundary=\"abc", out, sizeof(out)));
    assert_false(mp_content_type_boundary(NULL, out, sizeof(out)));
    char ct[128];
    (void)snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b71);
    assert_false(mp_content_type_boundary(ct, out, sizeof(out)));
    (void)snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b70);
    assert_true(mp_content_type_boundary(ct, out, sizeof(out)));
    assert_string_equal(out, b70);
    assert_false(mp_content_type_boundary(ct, out, 10)); /* out too small */
}

/* ---- mp_expect_length ------------------------------------------------------------------------ */

/* (a) a chunk whose bytes contain the delimiter: announced, they pass intact; not announced,
 * the part ends at the first delimiter inside it and the rest is parsed as what it looks like */
static void mp_expect_contains_delimiter(void **state)
{
    (void)state;
    static const char chunk[] = "AB" DELIM "\r\n" CD "\"inner\"\r\n\r\nIN";
    const size_t clen = sizeof(chunk) - 1;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    text_part(&b, "size", "n");
    chunk_part(&b, chunk, clen);
    text_part(&b, "after", "z");
    close_body(&b);
    for (size_t pi = 0; pi < NPIECES; pi++) {
        struct mp_parser p;
        struct rec r, t;
        rec_init(&t, NULL);
        t.announce[0] = clen;
        assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, pieces[pi]), MP_OK);
        assert_int_equal(r.ends, 1);
        assert_int_equal(r.data.len, clen);
        assert_memory_equal(r.data.data, chunk, clen);
        assert_int_equal(p.fields.count, 2);
        assert_null(fio_form_get(&p.fields, "inner"));
        assert_string_equal(fio_form_get(&p.fields, "after"), "z");
        done(&p, &r);

        assert_int_equal(parse(&p, &r, b.data, b.len, pieces[pi]), MP_OK);
        assert_int_equal(r.ends, 1);
        assert_int_equal(r.data.len, 2); /* cut at the delimiter inside */
        assert_memory_equal(r.data.data, "AB", 2);
        assert_int_equal(p.fields.count, 3);
        assert_string_equal(fio_form_get(&p.fields, "inner"), "IN");
        done(&p, &r);
    }
    /* a closing delimiter inside the chunk: not announced, the body "ends" there (the rest is
     * epilogue) and the receiver gets two bytes; announced, all of it */
    static const char chunk2[] = "CD" DELIM "--\r\nmore bytes";
    const size_t c2len = sizeof(chunk2) - 1;
    fio_buf_reset(&b);
    chunk_part(&b, chunk2, c2len);
    close_body(&b);
    for (size_t pi = 0; pi < NPIECES; pi++) {
        struct mp_parser p;
        struct rec r, t;
        rec_init(&t, NULL);
        t.announce[0] = c2len;
        assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, pieces[pi]), MP_OK);
        assert_int_equal(r.data.len, c2len);
        assert_memory_equal(r.data.data, chunk2, c2len);
        done(&p, &r);
        assert_int_equal(parse(&p, &r, b.data, b.len, pieces[pi]), MP_OK);
        assert_int_equal(r.data.len, 2);
        done(&p, &r);
    }
    fio_buf_release(&b);
}

/* (b) announced shorter than the part: the rest is searched, reaches on_data, and the part
 * ends at its delimiter */
static void mp_expect_shorter(void **state)
{
    (void)state;
    char chunk[5000];
    tricky_bytes(chunk, sizeof(chunk));
    struct fio_buf b;
    fio_buf_init(&b, 0);
    chunk_part(&b, chunk, sizeof(chunk));
    text_part(&b, "t", "v");
    close_body(&b);
    static const size_t announced[] = {0, 1, 2, 100, 4095, 4096, 4097, 4999};
    for (size_t ai = 0; ai < sizeof(announced) / sizeof(announced[0]); ai++)
        for (size_t pi = 0; pi < NPIECES; pi++) {
            struct mp_parser p;
            struct rec r, t;
            rec_init(&t, NULL);
            t.announce[0] = announced[ai];
            assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, pieces[pi]), MP_OK);
            assert_int_equal(r.ends, 1);
            assert_int_equal(r.end_at[0], sizeof(chunk));
            assert_memory_equal(r.data.data, chunk, sizeof(chunk));
            assert_string_equal(fio_form_get(&p.fields, "t"), "v");
            done(&p, &r);
        }
    /* the announced bytes end just before or inside a delimiter-like run of the part */
    static const char c2[] = "0123\r\n--BOUNDAR\r\n--" BND "x";
    fio_buf_reset(&b);
    chunk_part(&b, c2, sizeof(c2) - 1);
    close_body(&b);
    /* the part's own bytes hold "\r\n--BOUNDARYx" (the delimiter + junk) at offset 15: an
     * announcement that reaches into it hides it, a shorter one leaves a delimiter followed by
     * junk */
    const size_t inner = sizeof(c2) - 1 - strlen(DELIM "x");
    assert_int_equal(inner, 15);
    for (size_t a = 0; a < sizeof(c2) - 1; a++) {
        bool covered = a > inner;
        for (size_t pi = 0; pi < NPIECES; pi++) {
            struct mp_parser p;
            struct rec r, t;
            rec_init(&t, NULL);
            t.announce[0] = a;
            enum mp_status st = parse_with(&p, &r, &t, b.data, b.len, pieces[pi]);
            if (covered) {
                assert_int_equal(st, MP_OK);
                assert_int_equal(r.data.len, sizeof(c2) - 1);
                assert_memory_equal(r.data.data, c2, sizeof(c2) - 1);
            } else {
                assert_int_equal(st, MP_ERR_SYNTAX);
                assert_int_equal(r.ends, 1); /* the part ended at the delimiter inside */
            }
            done(&p, &r);
        }
    }
    fio_buf_release(&b);
}

/* (c) announced longer than the part: the delimiter is passed over as data, so the body has no
 * closing delimiter (or an announcement ends inside it) and mp_finish fails */
static void mp_expect_longer(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    text_part(&b, "size", "10");
    chunk_part(&b, "0123456789", 10);
    close_body(&b);
    const size_t tail = strlen(DELIM "--\r\n");
    static const size_t extra[] = {1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 100, 1 << 20};
    for (size_t ei = 0; ei < sizeof(extra) / sizeof(extra[0]); ei++)
        for (size_t pi = 0; pi < NPIECES; pi++) {
            struct mp_parser p;
            struct rec r, t;
            rec_init(&t, NULL);
            t.announce[0] = 10 + extra[ei];
            assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, pieces[pi]), MP_ERR_SYNTAX);
            assert_false(mp_done(&p));
            assert_int_equal(r.ends, 0);
            /* the delimiter and what follows reached on_data as part bytes, except a final
             * CRLF when it was searched (held back as a possible delimiter start) */
            size_t want = extra[ei] + 2 <= tail ? 10 + tail - 2 : 10 + tail;
            assert_int_equal(r.data.len, want);
            assert_memory_equal(r.data.data, "0123456789" DELIM "--\r\n", want);
            done(&p, &r);
        }
    /* announced longer, but what follows the part (its delimiter, another part's headers and
     * body) happens to fill the announced length exactly and a closing delimiter comes next:
     * the next part is swallowed as chunk data and the body is well-formed. The parser cannot
     * tell without the search it skips; the receiver sees exactly the announced byte count. */
    static const char swallowed[] = "0123456789" DELIM "\r\n" CD "\"x\"\r\n\r\nxx";
    fio_buf_reset(&b);
    chunk_part(&b, "0123456789", 10);
    text_part(&b, "x", "xx");
    close_body(&b);
    struct mp_parser p;
    struct rec r, t;
    rec_init(&t, NULL);
    t.announce[0] = sizeof(swallowed) - 1;
    assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, 7), MP_OK);
    assert_int_equal(r.data.len, sizeof(swallowed) - 1);
    assert_memory_equal(r.data.data, swallowed, sizeof(swallowed) - 1);
    assert_int_equal(p.fields.count, 0);
    done(&p, &r);
    fio_buf_release(&b);
}

/* (d) the announced path gives the same result for every piece size, a large chunk included */
static void mp_expect_pieces(void **state)
{
    (void)state;
    const size_t clen = 300000;
    char *chunk = malloc(clen);
    assert_non_null(chunk);
    tricky_bytes(chunk, clen);
    /* plant whole delimiters (and a closing one) inside: only an announcement keeps them */
    static const size_t at[] = {0, 4090, 4200, 70000, 299980};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
        memcpy(chunk + at[i], i == 2 ? DELIM "--" : DELIM, i == 2 ? 14 : 12);
    struct fio_buf b;
    fio_buf_init(&b, 0);
    text_part(&b, "a", "1");
    chunk_part(&b, chunk, clen);
    text_part(&b, "b", "2");
    close_body(&b);
    static const size_t more[] = {0, 1, 7, 4096, 4097, 65536};
    for (size_t mi = 0; mi < sizeof(more) / sizeof(more[0]); mi++)
        for (size_t pi = 0; pi < NPIECES; pi++) {
            struct mp_parser p;
            struct rec r, t;
            rec_init(&t, NULL);
            t.announce[0] = clen;
            assert_int_equal(
                parse_with(&p, &r, &t, b.data, b.len, pieces[pi] ? pieces[pi] + more[mi] : 0),
                MP_OK);
            assert_int_equal(r.ends, 1);
            assert_int_equal(r.data.len, clen);
            assert_memory_equal(r.data.data, chunk, clen);
            assert_int_equal(p.fields.count, 2);
            assert_string_equal(fio_form_get(&p.fields, "b"), "2");
            done(&p, &r);
            /* not announced: cut at the first planted delimiter (offset 0), every piece size */
            assert_int_equal(parse(&p, &r, b.data, b.len, pieces[pi] ? pieces[pi] + more[mi] : 0),
                             MP_ERR_SYNTAX);
            assert_int_equal(r.ends, 1);
            assert_int_equal(r.end_at[0], 0);
            done(&p, &r);
        }
    free(chunk);
    fio_buf_release(&b);
}

/* (e) the announcement belongs to one part: a second streamed part, and a collected part whose
 * on_part announced a length, are searched for their delimiter as usual */
static void mp_expect_per_part(void **state)
{
    (void)state;
    static const char first[] = "11" DELIM "11"; /* needs its announcement */
    static const char second[] = "22\r\n--BOUNDAR22";
    struct fio_buf b;
    fio_buf_init(&b, 0);
    chunk_part(&b, first, sizeof(first) - 1);
    text_part(&b, "t", "text");
    chunk_part(&b, second, sizeof(second) - 1);
    close_body(&b);
    for (size_t pi = 0; pi < NPIECES; pi++) {
        struct mp_parser p;
        struct rec r, t;
        rec_init(&t, NULL);
        t.announce[0] = sizeof(first) - 1;
        assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, pieces[pi]), MP_OK);
        assert_int_equal(r.streamed, 2);
        assert_int_equal(r.ends, 2);
        assert_int_equal(r.end_at[0], sizeof(first) - 1);
        assert_int_equal(r.end_at[1], sizeof(first) - 1 + sizeof(second) - 1);
        assert_memory_equal(r.data.data, first, sizeof(first) - 1);
        assert_memory_equal(r.data.data + sizeof(first) - 1, second, sizeof(second) - 1);
        assert_string_equal(fio_form_get(&p.fields, "t"), "text");
        done(&p, &r);

        /* both announced with their own lengths */
        t.announce[1] = sizeof(second) - 1;
        assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, pieces[pi]), MP_OK);
        assert_int_equal(r.ends, 2);
        assert_int_equal(r.end_at[1], sizeof(first) - 1 + sizeof(second) - 1);
        done(&p, &r);

        /* the second announced far too long: only the second part runs on */
        t.announce[1] = 1000;
        assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, pieces[pi]), MP_ERR_SYNTAX);
        assert_int_equal(r.ends, 1);
        assert_int_equal(r.end_at[0], sizeof(first) - 1);
        done(&p, &r);

        /* on_part of a collected part announcing a length: ignored, the text part ends at its
         * delimiter (an announcement that covered it would swallow the second chunk) */
        rec_init(&t, NULL);
        t.announce[0] = sizeof(first) - 1;
        t.announce_text = 4 + strlen(DELIM "\r\n");
        assert_int_equal(parse_with(&p, &r, &t, b.data, b.len, pieces[pi]), MP_OK);
        assert_string_equal(fio_form_get(&p.fields, "t"), "text");
        assert_int_equal(r.ends, 2);
        done(&p, &r);
    }
    fio_buf_release(&b);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(mp_fields_and_chunk),
    cmocka_unit_test(mp_empty_chunk_and_no_callbacks),
    cmocka_unit_test(mp_preamble_epilogue_padding),
    cmocka_unit_test(mp_missing_closing_delimiter),
    cmocka_unit_test(mp_malformed),
    cmocka_unit_test(mp_limits),
    cmocka_unit_test(mp_nul_in_text_part),
    cmocka_unit_test(mp_callbacks_stop),
    cmocka_unit_test(mp_boundaries),
    cmocka_unit_test(mp_expect_contains_delimiter),
    cmocka_unit_test(mp_expect_shorter),
    cmocka_unit_test(mp_expect_longer),
    cmocka_unit_test(mp_expect_pieces),
    cmocka_unit_test(mp_expect_per_part),
};
/* clang-format on */

TEST_MAIN(tests)
