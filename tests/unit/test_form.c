/* SPDX-License-Identifier: MIT */
/* test_form.c - form/query decoding edge cases ('+', %XX, empty pairs, embedded NUL, limits),
 * percent-encoding of path segments and form bodies, and encode -> parse round trips. */
#include <stdlib.h>

#include "form.h"
#include "testmain.h"

static bool parse(struct fio_form *f, const char *s)
{
    return fio_form_parse(f, s, strlen(s), 100);
}

static void form_parse_basic(void **state)
{
    (void)state;
    struct fio_form f;
    fio_form_init(&f);
    assert_true(parse(&f, "a=1&b=x%20y&c=p+q&d=%2B"));
    assert_int_equal(f.count, 4);
    assert_string_equal(fio_form_get(&f, "a"), "1");
    assert_string_equal(fio_form_get(&f, "b"), "x y");
    assert_string_equal(fio_form_get(&f, "c"), "p q");
    assert_string_equal(fio_form_get(&f, "d"), "+");
    assert_int_equal(f.fields[1].value_len, 3);
    assert_null(fio_form_get(&f, "e"));
    assert_null(fio_form_get(&f, "A")); /* names are case-sensitive */
    fio_form_release(&f);
    assert_int_equal(f.count, 0);
    assert_null(f.fields);
}

static void form_parse_edge_pairs(void **state)
{
    (void)state;
    struct fio_form f;
    fio_form_init(&f);
    /* empty pairs skipped; a bare name has value ""; only the first '=' splits */
    assert_true(parse(&f, "&&a&&b=&c==x&=v&"));
    assert_int_equal(f.count, 4);
    assert_string_equal(f.fields[0].name, "a");
    assert_string_equal(f.fields[0].value, "");
    assert_int_equal(f.fields[0].value_len, 0);
    assert_string_equal(f.fields[1].name, "b");
    assert_string_equal(f.fields[1].value, "");
    assert_string_equal(f.fields[2].name, "c");
    assert_string_equal(f.fields[2].value, "=x");
    assert_string_equal(f.fields[3].name, "");
    assert_string_equal(f.fields[3].value, "v");
    /* repeated names: fio_form_get returns the first */
    assert_true(parse(&f, "k=1&k=2"));
    assert_int_equal(f.count, 2);
    assert_string_equal(fio_form_get(&f, "k"), "1");
    /* escapes in names, mixed-case hex */
    assert_true(parse(&f, "a%5Bb%5d=%e2%82%AC"));
    assert_string_equal(f.fields[0].name, "a[b]");
    assert_string_equal(f.fields[0].value, "\xe2\x82\xac");
    fio_form_release(&f);
}

static void form_parse_empty(void **state)
{
    (void)state;
    struct fio_form f;
    fio_form_init(&f);
    assert_true(fio_form_parse(&f, "", 0, 10));
    assert_int_equal(f.count, 0);
    assert_true(fio_form_parse(&f, NULL, 0, 10));
    assert_int_equal(f.count, 0);
    assert_true(parse(&f, "&&&"));
    assert_int_equal(f.count, 0);
    fio_form_release(&f);
}

static void form_parse_value_with_nul(void **state)
{
    (void)state;
    struct fio_form f;
    fio_form_init(&f);
    assert_true(parse(&f, "v=a%00b&w=%00"));
    assert_int_equal(f.fields[0].value_len, 3);
    assert_memory_equal(f.fields[0].value, "a\0b", 4); /* NUL-terminated at value_len */
    assert_int_equal(f.fields[1].value_len, 1);
    /* a NUL in a name is malformed: the name would silently alias "a" */
    assert_false(parse(&f, "a%00x=1"));
    assert_int_equal(f.count, 0);
    fio_form_release(&f);
}

static void form_parse_rejects_bad_escapes(void **state)
{
    (void)state;
    const char *bad[] = {"a=%",   "a=%2",    "a=%zz",  "a=%2g",  "a=%g2", "%=1",
                         "a%2=1", "a=1&b=%", "a=%%41", "a=% 41", "a=%-1"};
    struct fio_form f;
    fio_form_init(&f);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_true(parse(&f, "pre=1")); /* failure must also clear earlier content */
        if (parse(&f, bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(f.count, 0);
        assert_null(f.fields);
    }
    fio_form_release(&f);
}

static void form_parse_respects_length(void **state)
{
    (void)state;
    struct fio_form f;
    fio_form_init(&f);
    /* the input is a slice: bytes after n are not read, and a truncated escape at n fails */
    assert_true(fio_form_parse(&f, "a=1&b=2", 3, 10));
    assert_int_equal(f.count, 1);
    assert_string_equal(fio_form_get(&f, "a"), "1");
    assert_false(fio_form_parse(&f, "a=%41", 4, 10));
    fio_form_release(&f);
}

static void form_parse_max_fields(void **state)
{
    (void)state;
    struct fio_form f;
    fio_form_init(&f);
    assert_true(fio_form_parse(&f, "a=1&b=2&c=3", 11, 3));
    assert_int_equal(f.count, 3);
    assert_false(fio_form_parse(&f, "a=1&b=2&c=3&d", 13, 3));
    assert_int_equal(f.count, 0);
    /* empty pairs do not count */
    assert_true(fio_form_parse(&f, "a&&&&&b", 7, 2));
    assert_int_equal(f.count, 2);
    fio_form_release(&f);
}

static void form_add_and_get(void **state)
{
    (void)state;
    struct fio_form f;
    fio_form_init(&f);
    char name[16];
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof(name), "k%d", i);
        assert_true(fio_form_add(&f, name, name + 1));
    }
    assert_true(fio_form_add(&f, "empty", NULL));
    assert_int_equal(f.count, 51);
    assert_string_equal(fio_form_get(&f, "k37"), "37");
    assert_string_equal(fio_form_get(&f, "empty"), "");
    assert_false(fio_form_add(&f, NULL, "x"));
    fio_form_release(&f);
}

static void url_escape_path_segment(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 0);
    const char *s = "a b/c?d&e=f+g%h~i-j.k_l\xc3\xa9";
    assert_true(fio_url_escape(&b, s, strlen(s), false, NULL));
    assert_string_equal(b.data, "a%20b%2Fc%3Fd%26e%3Df%2Bg%25h~i-j.k_l%C3%A9");
    fio_buf_reset(&b);
    assert_true(fio_url_escape(&b, s, strlen(s), true, NULL));
    assert_string_equal(b.data, "a+b%2Fc%3Fd%26e%3Df%2Bg%25h~i-j.k_l%C3%A9");
    fio_buf_reset(&b);
    assert_true(fio_url_escape(&b, s, strlen(s), false, "/:"));
    assert_string_equal(b.data, "a%20b/c%3Fd%26e%3Df%2Bg%25h~i-j.k_l%C3%A9");
    fio_buf_reset(&b);
    /* NUL is escaped even with a keep set (strchr would match the terminator) */
    assert_true(fio_url_escape(&b, "\0\x7f", 2, false, "x"));
    assert_string_equal(b.data, "%00%7F");
    fio_buf_reset(&b);
    assert_true(fio_url_escape(&b, "", 0, false, NULL));
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    fio_buf_release(&b);
}

static void url_escape_respects_max(void **state)
{
    (void)state;
    struct fio_buf b;
    fio_buf_init(&b, 8);
    assert_true(fio_buf_append_str(&b, "p="));
    assert_false(fio_url_escape(&b, "   ", 3, false, NULL)); /* needs 9 bytes */
    assert_string_equal(b.data, "p=");                       /* left as it was */
    assert_int_equal(b.len, 2);
    assert_true(fio_url_escape(&b, "  ", 2, false, NULL));
    assert_string_equal(b.data, "p=%20%20");
    fio_buf_release(&b);
}

static void url_unescape_modes(void **state)
{
    (void)state;
    size_t n = 99;
    char *s = fio_url_unescape("a+b%2Bc", 7, false, &n);
    assert_string_equal(s, "a+b+c");
    assert_int_equal(n, 5);
    free(s);
    s = fio_url_unescape("a+b%2Bc", 7, true, NULL);
    assert_string_equal(s, "a b+c");
    free(s);
    s = fio_url_unescape("", 0, true, &n);
    assert_string_equal(s, "");
    assert_int_equal(n, 0);
    free(s);
    assert_null(fio_url_unescape("%4", 2, false, NULL));
    assert_null(fio_url_unescape("%4x", 3, false, NULL));
}

static void form_encode_round_trip(void **state)
{
    (void)state;
    struct fio_form f, g;
    fio_form_init(&f);
    fio_form_init(&g);
    assert_true(fio_form_add(&f, "name", "My File (1).txt"));
    assert_true(fio_form_add(&f, "q", "a&b=c+d%e"));
    assert_true(fio_form_add(&f, "empty", ""));
    assert_true(fio_form_add(&f, "utf8", "\xc3\xa9\xe2\x82\xac"));
    struct fio_buf b;
    fio_buf_init(&b, 0);
    assert_true(fio_form_encode(&b, &f));
    assert_string_equal(b.data, "name=My+File+%281%29.txt&q=a%26b%3Dc%2Bd%25e&empty=&utf8="
                                "%C3%A9%E2%82%AC");
    assert_true(fio_form_parse(&g, b.data, b.len, 10));
    assert_int_equal(g.count, f.count);
    for (size_t i = 0; i < f.count; i++) {
        assert_string_equal(g.fields[i].name, f.fields[i].name);
        assert_int_equal(g.fields[i].value_len, f.fields[i].value_len);
        assert_memory_equal(g.fields[i].value, f.fields[i].value, f.fields[i].value_len);
    }
    /* embedded NUL survives encode -> parse through value_len */
    assert_true(fio_form_parse(&f, "z=a%00b", 7, 10));
    fio_buf_reset(&b);
    assert_true(fio_form_encode(&b, &f));
    assert_string_equal(b.data, "z=a%00b");
    /* an empty form encodes as "" */
    fio_form_release(&f);
    fio_buf_reset(&b);
    assert_true(fio_form_encode(&b, &f));
    assert_string_equal(b.data, "");
    fio_buf_release(&b);
    fio_form_release(&f);
    fio_form_release(&g);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(form_parse_basic),
    cmocka_unit_test(form_parse_edge_pairs),
    cmocka_unit_test(form_parse_empty),
    cmocka_unit_test(form_parse_value_with_nul),
    cmocka_unit_test(form_parse_rejects_bad_escapes),
    cmocka_unit_test(form_parse_respects_length),
    cmocka_unit_test(form_parse_max_fields),
    cmocka_unit_test(form_add_and_get),
    cmocka_unit_test(url_escape_path_segment),
    cmocka_unit_test(url_escape_respects_max),
    cmocka_unit_test(url_unescape_modes),
    cmocka_unit_test(form_encode_round_trip),
};
/* clang-format on */

TEST_MAIN(tests)
