/* SPDX-License-Identifier: MIT */
/* test_crc32c.c - CRC-32C: known vectors, hardware == software on every length and alignment,
 * combine == whole, and the wire format (api §5.4). */
#include "testmain.h"

#include <stdlib.h>

#include "crc32c.h"

/* Deterministic test data (the C library generator is banned in this tree). */
static uint64_t xs_state = 0x9e3779b97f4a7c15ull;
static uint64_t xs_next(void)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 7;
    xs_state ^= xs_state << 17;
    return xs_state;
}
static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)xs_next();
}

/* The carry-less multiplication path (crc32c_fold.c) against the table: every multiple of 256
 * up to 16 KiB at every alignment in a cache line, several starting CRCs, long random buffers,
 * and fio_crc32c (which uses it for the bulk and crc32q for the rest) on every length to 5 KiB. */
static void crc32c_fold_equals_sw(void **state)
{
    const size_t big = 3u << 20;
    unsigned char *b = malloc(big + 64);
    const uint32_t inits[] = {0, 1, 0xffffffffu, 0x12345678u};
    (void)state;
    assert_non_null(b);
    fill(b, big + 64);
    if (!fio_crc32c_fold_available())
        print_message("no VPCLMULQDQ here: fio_crc32c_fold falls back to crc32q\n");
    for (size_t len = 256; len <= 16384; len += 256)
        for (size_t off = 0; off < 64; off += len < 2048 ? 1 : 13)
            for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++)
                assert_int_equal(fio_crc32c_fold(inits[i], b + off, len),
                                 fio_crc32c_sw(inits[i], b + off, len));
    for (int r = 0; r < 8; r++) {
        size_t len = (size_t)(xs_next() % (big / 256)) * 256, off = (size_t)(xs_next() % 64);
        assert_int_equal(fio_crc32c_fold(7, b + off, len), fio_crc32c_sw(7, b + off, len));
    }
    for (size_t len = 0; len <= 5120; len++) {
        size_t off = len % 61;
        assert_int_equal(fio_crc32c(3, b + off, len), fio_crc32c_sw(3, b + off, len));
    }
    /* chained calls equal one call */
    uint32_t c = fio_crc32c(0, b, 1000);
    c = fio_crc32c(c, b + 1000, 70000);
    c = fio_crc32c(c, b + 71000, 3);
    assert_int_equal(c, fio_crc32c_sw(0, b, 71003));
    free(b);
}

static void crc32c_vectors(void **state)
{
    unsigned char zeros[32], ones[32], inc[32];
    char hex[FIO_CRC32C_HEX_SIZE];
    (void)state;
    assert_int_equal(fio_crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(fio_crc32c_sw(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(fio_crc32c_hw(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(fio_crc32c(0, "", 0), 0);
    /* RFC 3720 (iSCSI) B.4 vectors */
    memset(zeros, 0, sizeof(zeros));
    memset(ones, 0xff, sizeof(ones));
    for (int i = 0; i < 32; i++)
        inc[i] = (unsigned char)i;
    assert_int_equal(fio_crc32c(0, zeros, 32), 0x8a9136aau);
    assert_int_equal(fio_crc32c(0, ones, 32), 0x62a8ab43u);
    assert_int_equal(fio_crc32c(0, inc, 32), 0x46dd794eu);
    /* continuation */
    assert_int_equal(fio_crc32c(fio_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
    fio_crc32c_hex(0xe3069283u, hex);
    assert_string_equal(hex, "e3069283");
    fio_crc32c_hex(0, hex);
    assert_string_equal(hex, "00000000");
    fio_crc32c_hex(0x0000abcdu, hex);
    assert_string_equal(hex, "0000abcd");
}

static void crc32c_hw_equals_sw(void **state)
{
    enum { MAX = 4096, BIG = 3 * 8192 * 2 + 3 * 256 + 77 };
    unsigned char *buf = malloc(BIG + 16);
    (void)state;
    assert_non_null(buf);
    fill(buf, BIG + 16);
    if (!fio_crc32c_hw_available())
        fprintf(stderr, "note: no SSE4.2 here, hardware path falls back to software\n");
    for (size_t len = 0; len <= MAX; len++) {
        size_t off = len % 8; /* every alignment */
        uint32_t sw = fio_crc32c_sw(0, buf + off, len);
        assert_int_equal(fio_crc32c_hw(0, buf + off, len), sw);
        assert_int_equal(fio_crc32c(0, buf + off, len), sw);
    }
    /* long buffers exercise the three-lane loops; odd alignments and a seed too */
    for (size_t off = 0; off < 8; off++) {
        assert_int_equal(fio_crc32c_hw(0x12345678u, buf + off, BIG),
                         fio_crc32c_sw(0x12345678u, buf + off, BIG));
        assert_int_equal(fio_crc32c_hw(0, buf + off, BIG - off * 1001),
                         fio_crc32c_sw(0, buf + off, BIG - off * 1001));
    }
    free(buf);
}

static void crc32c_combine_random_splits(void **state)
{
    enum { N = 100000 };
    unsigned char *buf = malloc(N);
    (void)state;
    assert_non_null(buf);
    fill(buf, N);
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t)(xs_next() % N);
        size_t split = len == 0 ? 0 : (size_t)(xs_next() % (len + 1));
        uint32_t whole = fio_crc32c(0, buf, len);
        uint32_t a = fio_crc32c(0, buf, split);
        uint32_t b = fio_crc32c(0, buf + split, len - split);
        assert_int_equal(fio_crc32c_combine(a, b, len - split), whole);
    }
    /* many pieces, as for per-chunk CRCs combined into the file's */
    {
        uint32_t acc = 0;
        size_t pos = 0;
        while (pos < N) {
            size_t n = 1 + (size_t)(xs_next() % 9000);
            if (n > N - pos)
                n = N - pos;
            acc = fio_crc32c_combine(acc, fio_crc32c(0, buf + pos, n), n);
            pos += n;
        }
        assert_int_equal(acc, fio_crc32c(0, buf, N));
    }
    assert_int_equal(fio_crc32c_combine(0x1234u, 0, 0), 0x1234u);
    /* a very long zero-length-free operand: 1 GiB of zeros equals shifting directly */
    assert_int_equal(fio_crc32c_combine(0, fio_crc32c(0, "a", 1), 1), fio_crc32c(0, "a", 1));
    free(buf);
}

static void crc32c_parse_hex(void **state)
{
    uint32_t v = 0;
    (void)state;
    assert_true(fio_crc32c_parse_hex("e3069283", 8, &v));
    assert_int_equal(v, 0xe3069283u);
    assert_true(fio_crc32c_parse_hex("E3069283", 8, &v));
    assert_int_equal(v, 0xe3069283u);
    assert_false(fio_crc32c_parse_hex("e306928", 7, &v));
    assert_false(fio_crc32c_parse_hex("e30692830", 9, &v));
    assert_false(fio_crc32c_parse_hex("e306928g", 8, &v));
    assert_false(fio_crc32c_parse_hex("+3069283", 8, &v));
    assert_false(fio_crc32c_parse_hex(NULL, 8, &v));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(crc32c_vectors),
    cmocka_unit_test(crc32c_hw_equals_sw),
    cmocka_unit_test(crc32c_fold_equals_sw),
    cmocka_unit_test(crc32c_combine_random_splits),
    cmocka_unit_test(crc32c_parse_hex),
};

TEST_MAIN(tests)
