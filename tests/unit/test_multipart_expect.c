/* SPDX-License-Identifier: MIT */
/* test_multipart_expect.c - mp_expect_length, a chunk's announced size in the incremental
 * multipart/form-data parser: its bytes pass without the delimiter search, a longer part still
 * ends at its delimiter, a shorter one breaks the body, and the announcement belongs to one part
 * only. Every body is fed whole and in pieces (mp_test_util.h). */
#include <stdbool.h>
#include <stdlib.h>

#include "mp_test_util.h"
#include "testmain.h"

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
    cmocka_unit_test(mp_expect_contains_delimiter),
    cmocka_unit_test(mp_expect_shorter),
    cmocka_unit_test(mp_expect_longer),
    cmocka_unit_test(mp_expect_pieces),
    cmocka_unit_test(mp_expect_per_part),
};
/* clang-format on */

TEST_MAIN(tests)
