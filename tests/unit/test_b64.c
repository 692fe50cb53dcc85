/* SPDX-License-Identifier: MIT */
/* test_b64.c - base64 / base64url against the RFC 4648 §10 vectors, round trips of every length,
 * strict decoding (padding, alphabet, non-canonical bits, output size) and hex. */
#include <stdbool.h>

#include "b64.h"
#include "rand.h"
#include "testmain.h"

struct vec {
    const char *plain, *std, *url;
};

/* RFC 4648 §10; base64url is the same text without '=' padding. */
static const struct vec RFC[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void b64_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(RFC) / sizeof(RFC[0]); i++) {
        size_t n = strlen(RFC[i].plain);
        char out[32];
        assert_int_equal(fio_b64_encoded_size(n), strlen(RFC[i].std) + 1);
        assert_int_equal(fio_b64url_encoded_size(n), strlen(RFC[i].url) + 1);
        assert_int_equal(fio_b64_encode(RFC[i].plain, n, out, sizeof(out)), strlen(RFC[i].std));
        assert_string_equal(out, RFC[i].std);
        assert_int_equal(fio_b64url_encode(RFC[i].plain, n, out, sizeof(out)), strlen(RFC[i].url));
        assert_string_equal(out, RFC[i].url);

        unsigned char dec[32];
        size_t dl = 999;
        assert_true(fio_b64_decode(RFC[i].std, strlen(RFC[i].std), dec, sizeof(dec), &dl));
        assert_int_equal(dl, n);
        assert_memory_equal(dec, RFC[i].plain, n);
        dl = 999;
        assert_true(fio_b64url_decode(RFC[i].url, strlen(RFC[i].url), dec, sizeof(dec), &dl));
        assert_int_equal(dl, n);
        assert_memory_equal(dec, RFC[i].plain, n);
        /* base64url accepts the padded form too */
        dl = 999;
        assert_true(fio_b64url_decode(RFC[i].std, strlen(RFC[i].std), dec, sizeof(dec), &dl));
        assert_int_equal(dl, n);
    }
}

static void b64_alphabets_differ(void **state)
{
    (void)state;
    const unsigned char in[] = {0xfb, 0xff, 0xbf};
    char out[8];
    fio_b64_encode(in, 3, out, sizeof(out));
    assert_string_equal(out, "+/+/");
    fio_b64url_encode(in, 3, out, sizeof(out));
    assert_string_equal(out, "-_-_");
    unsigned char dec[3];
    size_t dl;
    assert_false(fio_b64_decode("-_-_", 4, dec, sizeof(dec), &dl));
    assert_false(fio_b64url_decode("+/+/", 4, dec, sizeof(dec), &dl));
    assert_true(fio_b64url_decode("-_-_", 4, dec, sizeof(dec), &dl));
    assert_memory_equal(dec, in, 3);
}

static void b64_round_trip_all_lengths(void **state)
{
    (void)state;
    unsigned char in[200], dec[200];
    char enc[300];
    assert_true(fio_random_bytes(in, sizeof(in)));
    for (size_t n = 0; n <= sizeof(in); n++) {
        size_t dl = 0;
        size_t el = fio_b64_encode(in, n, enc, fio_b64_encoded_size(n));
        assert_int_equal(el + 1, fio_b64_encoded_size(n));
        assert_int_equal(el % 4, 0);
        assert_true(fio_b64_decode(enc, el, dec, n, &dl)); /* exact output size suffices */
        assert_int_equal(dl, n);
        assert_memory_equal(dec, in, n);
        el = fio_b64url_encode(in, n, enc, fio_b64url_encoded_size(n));
        assert_int_equal(el + 1, fio_b64url_encoded_size(n));
        assert_null(memchr(enc, '=', el));
        assert_true(fio_b64url_decode(enc, el, dec, n, &dl));
        assert_int_equal(dl, n);
        assert_memory_equal(dec, in, n);
        if (n > 0) /* one byte short of room fails */
            assert_false(fio_b64url_decode(enc, el, dec, n - 1, &dl));
    }
}

static void b64_decode_rejects(void **state)
{
    (void)state;
    unsigned char dec[64];
    size_t dl;
    const char *std_bad[] = {
        "Zg",       /* standard base64 requires padding */
        "Zg=",      /* incomplete padding */
        "Zg===",    /* too much padding */
        "Z===",     /* one significant char */
        "Z",        /* impossible length */
        "Zm9vY",    /* impossible length */
        "Zh==",     /* non-zero unused bits: not canonical for "f" */
        "Zm9=",     /* non-zero unused bits: not canonical for "fo" */
        "Zg==Zg==", /* padding in the middle */
        "Zm 9v",    /* whitespace */
        "Zm9v\n",   /* newline */
        "Zm9*",     /* bad character */
        "====",     /* only padding */
        "Zm9vYmFy=",
    };
    for (size_t i = 0; i < sizeof(std_bad) / sizeof(std_bad[0]); i++)
        if (fio_b64_decode(std_bad[i], strlen(std_bad[i]), dec, sizeof(dec), &dl))
            fail_msg("standard decoder accepted \"%s\"", std_bad[i]);
    const char *url_bad[] = {"Zg=", "Zg===", "Z", "Zh", "Zm9", "Zm9v.", "Zm9v=", "Zg==Zg"};
    for (size_t i = 0; i < sizeof(url_bad) / sizeof(url_bad[0]); i++)
        if (fio_b64url_decode(url_bad[i], strlen(url_bad[i]), dec, sizeof(dec), &dl))
            fail_msg("url decoder accepted \"%s\"", url_bad[i]);
    /* the length argument is honoured: bytes after n are not read */
    assert_true(fio_b64_decode("Zm9v!!!!", 4, dec, sizeof(dec), &dl));
    assert_int_equal(dl, 3);
    /* output does not fit */
    assert_false(fio_b64_decode("Zm9vYmFy", 8, dec, 5, &dl));
    /* NULL out_len is allowed */
    assert_true(fio_b64url_decode("Zm9v", 4, dec, 3, NULL));
}

static void b64_encode_short_buffer(void **state)
{
    (void)state;
    char out[4] = "xxx";
    /* "foo" needs 5 bytes: the encoder writes nothing rather than a truncated token */
    assert_int_equal(fio_b64_encode("foo", 3, out, sizeof(out)), 0);
    assert_string_equal(out, "");
}

static void hex_encodes_lowercase(void **state)
{
    (void)state;
    const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[13];
    memset(out, 'Z', sizeof(out));
    fio_hex_encode(in, sizeof(in), out);
    assert_string_equal(out, "00017f80abff");
    fio_hex_encode(in, 0, out);
    assert_string_equal(out, "");
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(b64_rfc4648_vectors),
    cmocka_unit_test(b64_alphabets_differ),
    cmocka_unit_test(b64_round_trip_all_lengths),
    cmocka_unit_test(b64_decode_rejects),
    cmocka_unit_test(b64_encode_short_buffer),
    cmocka_unit_test(hex_encodes_lowercase),
};
/* clang-format on */

TEST_MAIN(tests)
