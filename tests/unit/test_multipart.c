/* SPDX-License-Identifier: MIT */
/* test_multipart.c - the incremental multipart/form-data parser as a whole: text fields and a
 * streamed `chunk` part fed whole and in pieces, preamble/epilogue/transport padding, truncated
 * and malformed bodies, the limits. mp_expect_length (a chunk's announced size) is tested in
 * test_multipart_expect.c; the receiver, the driver and the body builders are mp_test_util.h. */
#include <stdbool.h>
#include <stdlib.h>

#include "mp_test_util.h"
#include "testmain.h"

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
};
/* clang-format on */

TEST_MAIN(tests)
