/* SPDX-License-Identifier: MIT */
/* test_buf.c - fio_buf (bounded growth, NUL termination, steal), slices and the string helpers
 * that replace banned libc functions (fio_strlcpy, fio_parse_ll, fio_ct_equal). */
#include <limits.h>
#include <stdlib.h>

#include "buf.h"
#include "testmain.h"

static void buf_append_grows_and_terminates(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    assert_null(b.data);
    for (int i = 0; i < 1000; i++)
        assert_true(fio_buf_append(&b, "abc", 3));
    assert_int_equal(b.len, 3000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    assert_memory_equal(b.data + 2997, "abc", 3);
    assert_true(fio_buf_append_str(&b, "xyz"));
    assert_string_equal(b.data + 3000, "xyz");
    fio_buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void buf_empty_append_allocates(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 16);
    assert_true(fio_buf_append(&b, NULL, 0));
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    fio_buf_release(&b);
}

static void buf_max_enforced(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 10);
    assert_true(fio_buf_append(&b, "0123456789", 10)); /* exactly max is fine */
    assert_false(fio_buf_append(&b, "x", 1));
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    assert_false(fio_buf_printf(&b, "%d", 1));
    assert_string_equal(b.data, "0123456789");
    fio_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_false(fio_buf_append(&b, "0123456789A", 11)); /* one past max, buffer unchanged */
    assert_int_equal(b.len, 0);
    assert_true(fio_buf_append(&b, "01234", 5));
    assert_false(fio_buf_append(&b, "012345", 6));
    assert_string_equal(b.data, "01234");
    assert_true(b.cap <= 11); /* growth is capped at max + NUL */
    fio_buf_release(&b);
}

static void buf_huge_append_rejected(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    assert_int_equal(b.max, SIZE_MAX / 2);
    assert_true(fio_buf_append(&b, "ab", 2));
    /* A length that would overflow len + n + 1 must fail cleanly, not wrap and memcpy. */
    assert_false(fio_buf_append(&b, "x", SIZE_MAX));
    assert_false(fio_buf_append(&b, "x", SIZE_MAX / 2));
    assert_string_equal(b.data, "ab");
    fio_buf_release(&b);
}

static void buf_zero_struct_is_usable(void **state)
{
    (void)state;
    struct fio_buf b = {0};
    assert_true(fio_buf_append_str(&b, "hello"));
    assert_string_equal(b.data, "hello");
    fio_buf_release(&b);
}

static void buf_printf_formats(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    assert_true(fio_buf_printf(&b, "%s=%d", "n", 42));
    assert_true(fio_buf_printf(&b, "&%05.2f", 2.25));
    assert_string_equal(b.data, "n=42&02.25");
    assert_int_equal(b.len, strlen("n=42&02.25"));
    /* long output forces growth between the two vsnprintf calls */
    char big[300];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_true(fio_buf_printf(&b, "[%s]", big));
    assert_int_equal(b.len, 10 + 301);
    assert_int_equal(b.data[b.len - 1], ']');
    assert_true(fio_buf_printf(&b, "%s", ""));
    assert_int_equal(b.len, 311);
    fio_buf_release(&b);
}

static void buf_steal(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    char *s = fio_buf_steal(&b); /* never allocated: a fresh "" */
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    assert_true(fio_buf_append_str(&b, "owned"));
    s = fio_buf_steal(&b);
    assert_string_equal(s, "owned");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(s);
    assert_true(fio_buf_append_str(&b, "again")); /* still usable after steal */
    assert_string_equal(b.data, "again");
    fio_buf_release(&b);
    fio_buf_release(&b); /* double release is harmless */
}

static void slice_helpers(void **state)
{
    (void)state;
    const char raw[] = {'a', 'b', 'c', 'd'}; /* not NUL-terminated */
    struct fio_slice s = fio_slice_make(raw, 3);
    assert_true(fio_slice_eq(s, "abc"));
    assert_false(fio_slice_eq(s, "ab"));
    assert_false(fio_slice_eq(s, "abcd"));
    assert_false(fio_slice_eq(s, NULL));
    char *d = fio_slice_dup(s);
    assert_string_equal(d, "abc");
    free(d);
    struct fio_slice e = fio_slice_cstr(NULL);
    assert_int_equal(e.len, 0);
    assert_true(fio_slice_eq(e, ""));
    d = fio_slice_dup(e);
    assert_string_equal(d, "");
    free(d);
    assert_int_equal(fio_slice_cstr("hello").len, 5);
    assert_null(fio_strdup(NULL));
    d = fio_strdup("x y");
    assert_string_equal(d, "x y");
    free(d);
}

static void strlcpy_truncates(void **state)
{
    (void)state;
    char out[6];
    memset(out, 'Z', sizeof(out));
    assert_true(fio_strlcpy(out, "hello", sizeof(out)));
    assert_string_equal(out, "hello");
    assert_false(fio_strlcpy(out, "hello!", sizeof(out)));
    assert_string_equal(out, "hello");
    assert_true(fio_strlcpy(out, "", sizeof(out)));
    assert_string_equal(out, "");
    char one[1] = {'Z'};
    assert_false(fio_strlcpy(one, "a", 1));
    assert_int_equal(one[0], '\0');
    assert_true(fio_strlcpy(one, "", 1));
}

static void parse_ll_accepts(void **state)
{
    (void)state;
    long long v = -1;
    assert_true(fio_parse_ll("0", 0, 10, &v));
    assert_int_equal(v, 0);
    assert_false(fio_parse_ll("-0", -5, 5, &v)); /* zero has one spelling (issue 15) */
    assert_true(fio_parse_ll("10", 0, 10, &v));
    assert_int_equal(v, 10);
    assert_true(fio_parse_ll("-42", LLONG_MIN, LLONG_MAX, &v));
    assert_int_equal(v, -42);
    assert_true(fio_parse_ll("007", 0, 10, &v));
    assert_int_equal(v, 7);
    assert_true(fio_parse_ll("9223372036854775807", LLONG_MIN, LLONG_MAX, &v));
    assert_true(v == LLONG_MAX);
    assert_true(fio_parse_ll("-9223372036854775808", LLONG_MIN, LLONG_MAX, &v));
    assert_true(v == LLONG_MIN);
}

static void parse_ll_rejects(void **state)
{
    (void)state;
    long long v = 123;
    const char *bad[] = {"",     " 1",  "1 ",  "\t1", "+1",  "-",   "--1", "1a",
                         "0x10", "1e3", "1.0", "one", "1,0", "- 1", "١"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (fio_parse_ll(bad[i], LLONG_MIN, LLONG_MAX, &v))
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_false(fio_parse_ll(NULL, 0, 1, &v));
    /* overflow */
    assert_false(fio_parse_ll("9223372036854775808", LLONG_MIN, LLONG_MAX, &v));
    assert_false(fio_parse_ll("-9223372036854775809", LLONG_MIN, LLONG_MAX, &v));
    assert_false(fio_parse_ll("99999999999999999999999", LLONG_MIN, LLONG_MAX, &v));
    /* range */
    assert_false(fio_parse_ll("11", 0, 10, &v));
    assert_false(fio_parse_ll("-1", 0, 10, &v));
    assert_int_equal(v, 123); /* untouched on failure */
}

static void ct_equal_compares(void **state)
{
    (void)state;
    assert_true(fio_ct_equal("abcdef", "abcdef", 6));
    assert_false(fio_ct_equal("abcdef", "abcdeg", 6));
    assert_false(fio_ct_equal("xbcdef", "abcdef", 6));
    assert_true(fio_ct_equal("a", "b", 0));
    const unsigned char x[2] = {0x80, 0x00}, y[2] = {0x00, 0x00};
    assert_false(fio_ct_equal(x, y, 2));
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(buf_append_grows_and_terminates),
    cmocka_unit_test(buf_empty_append_allocates),
    cmocka_unit_test(buf_max_enforced),
    cmocka_unit_test(buf_huge_append_rejected),
    cmocka_unit_test(buf_zero_struct_is_usable),
    cmocka_unit_test(buf_printf_formats),
    cmocka_unit_test(buf_steal),
    cmocka_unit_test(slice_helpers),
    cmocka_unit_test(strlcpy_truncates),
    cmocka_unit_test(parse_ll_accepts),
    cmocka_unit_test(parse_ll_rejects),
    cmocka_unit_test(ct_equal_compares),
};
/* clang-format on */

TEST_MAIN(tests)
