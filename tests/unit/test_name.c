/* SPDX-License-Identifier: MIT */
/* test_name.c - node-name validation: path tricks, controls, bidi overrides, length limits,
 * whitespace and a strict UTF-8 decoder (overlongs, surrogates, > U+10FFFF, truncation). */
#include "name.h"
#include "testmain.h"

struct name_case {
    const char *s;
    size_t n; /* bytes, so that embedded NULs count */
    enum fio_name_check want;
};

#define C(str, want)                                                                               \
    {                                                                                              \
        str, sizeof(str) - 1, want                                                                 \
    }

static void check_cases(const struct name_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        enum fio_name_check got = fio_name_check(cases[i].s, cases[i].n);
        if (got != cases[i].want)
            fail_msg("case %zu (%zu bytes): got %d (%s), want %d (%s)", i, cases[i].n, (int)got,
                     fio_name_check_str(got), (int)cases[i].want,
                     fio_name_check_str(cases[i].want));
    }
}

static void name_valid(void **state)
{
    (void)state;
    static const struct name_case cases[] = {
        C("report.pdf", FIO_NAME_OK),
        C("a", FIO_NAME_OK),
        C("...", FIO_NAME_OK), /* only exactly "." and ".." are special */
        C(".hidden", FIO_NAME_OK),
        C("..x", FIO_NAME_OK),
        C("%2e%2e%2f", FIO_NAME_OK),                            /* just characters, never decoded */
        C("\xef\xbc\x8e\xef\xbc\x8e\xef\xbc\x8f", FIO_NAME_OK), /* "．．／" fullwidth */
        C("C:x", FIO_NAME_OK),
        C("with inner  spaces", FIO_NAME_OK),
        C("caf\xc3\xa9", FIO_NAME_OK),
        C("\xe2\x82\xac 5", FIO_NAME_OK),
        C("\xf0\x9f\x98\x80.png", FIO_NAME_OK), /* emoji U+1F600 */
        C("\xf4\x8f\xbf\xbf", FIO_NAME_OK),     /* U+10FFFF, the last code point */
        C("\xc2\xa0", FIO_NAME_OK),             /* U+00A0 right after the C1 range */
        C("\xe2\x80\xa9", FIO_NAME_OK),         /* U+2029 just before the bidi range */
        C("\xe2\x80\xaf", FIO_NAME_OK),         /* U+202F just after U+202E */
        C("\xe2\x81\xa5", FIO_NAME_OK),         /* U+2065 just before U+2066 */
        C("\xe2\x81\xaa", FIO_NAME_OK),         /* U+206A just after U+2069 */
        C("~", FIO_NAME_OK),
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void name_path_tricks(void **state)
{
    (void)state;
    static const struct name_case cases[] = {
        C(".", FIO_NAME_DOTS),        C("..", FIO_NAME_DOTS),         C("", FIO_NAME_EMPTY),
        C("../../x", FIO_NAME_SLASH), C("..\\..\\x", FIO_NAME_SLASH), C("/abs", FIO_NAME_SLASH),
        C("C:\\x", FIO_NAME_SLASH),   C("a/", FIO_NAME_SLASH),        C("/", FIO_NAME_SLASH),
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
    assert_int_equal(fio_name_check(NULL, 0), FIO_NAME_EMPTY);
}

static void name_controls(void **state)
{
    (void)state;
    static const struct name_case cases[] = {
        C("a\0b", FIO_NAME_CONTROL), /* NUL inside */
        C("\0", FIO_NAME_CONTROL),          C("line\r\nbreak", FIO_NAME_CONTROL),
        C("a\nb", FIO_NAME_CONTROL),        C("bell\a", FIO_NAME_CONTROL),
        C("esc\x1b[31m", FIO_NAME_CONTROL), C("x\x1f", FIO_NAME_CONTROL),
        C("del\x7f", FIO_NAME_CONTROL),     C("c1\xc2\x80", FIO_NAME_CONTROL), /* U+0080 */
        C("c1\xc2\x9f", FIO_NAME_CONTROL),                                     /* U+009F */
        C("\tx", FIO_NAME_CONTROL), /* tab is a control before it is whitespace */
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
    /* every C0 control, alone and inside a name */
    for (int c = 0; c < 0x20; c++) {
        char s[3] = {'a', (char)c, 'b'};
        assert_int_equal(fio_name_check(s, 3), FIO_NAME_CONTROL);
    }
}

static void name_bidi(void **state)
{
    (void)state;
    /* U+202A..U+202E (E2 80 AA..AE) and U+2066..U+2069 (E2 81 A6..A9) */
    for (unsigned b = 0xAA; b <= 0xAE; b++) {
        char s[] = {'e', 'v', 'i', 'l', '\xe2', '\x80', (char)b, 'f', 'd', 'p', '.', 'e', 'x', 'e'};
        assert_int_equal(fio_name_check(s, sizeof(s)), FIO_NAME_BIDI);
    }
    for (unsigned b = 0xA6; b <= 0xA9; b++) {
        char s[] = {'x', '\xe2', '\x81', (char)b};
        assert_int_equal(fio_name_check(s, sizeof(s)), FIO_NAME_BIDI);
    }
    assert_int_equal(fio_name_check("\xe2\x80\xae", 3), FIO_NAME_BIDI); /* U+202E alone */
}

static void name_length(void **state)
{
    (void)state;
    char s[300];
    memset(s, 'n', sizeof(s));
    assert_int_equal(fio_name_check(s, 255), FIO_NAME_OK);
    assert_int_equal(fio_name_check(s, 256), FIO_NAME_TOO_LONG);
    assert_int_equal(fio_name_check(s, sizeof(s)), FIO_NAME_TOO_LONG);
    /* the limit is bytes, not characters: 85 three-byte chars = 255 bytes, one more = 258 */
    for (int i = 0; i < 86; i++)
        memcpy(s + 3 * i, "\xe2\x82\xac", 3);
    assert_int_equal(fio_name_check(s, 255), FIO_NAME_OK);
    assert_int_equal(fio_name_check(s, 258), FIO_NAME_TOO_LONG);
    /* a cut in the middle of a character is invalid UTF-8 */
    assert_int_equal(fio_name_check(s, 254), FIO_NAME_BAD_UTF8);
}

static void name_whitespace(void **state)
{
    (void)state;
    static const struct name_case cases[] = {
        C(" leading", FIO_NAME_WHITESPACE), C("trailing ", FIO_NAME_WHITESPACE),
        C(" ", FIO_NAME_WHITESPACE),        C("  both  ", FIO_NAME_WHITESPACE),
        C("x\t", FIO_NAME_CONTROL),         C(". ", FIO_NAME_WHITESPACE),
        C("in side", FIO_NAME_OK),
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void name_bad_utf8(void **state)
{
    (void)state;
    static const struct name_case cases[] = {
        C("\xc0\x80", FIO_NAME_BAD_UTF8),         /* overlong NUL */
        C("\xc1\xbf", FIO_NAME_BAD_UTF8),         /* overlong '?' */
        C("\xc0\xaf", FIO_NAME_BAD_UTF8),         /* overlong '/' */
        C("\xe0\x80\xaf", FIO_NAME_BAD_UTF8),     /* 3-byte overlong '/' */
        C("\xe0\x9f\xbf", FIO_NAME_BAD_UTF8),     /* overlong U+07FF */
        C("\xf0\x80\x80\xaf", FIO_NAME_BAD_UTF8), /* 4-byte overlong '/' */
        C("\xf0\x8f\xbf\xbf", FIO_NAME_BAD_UTF8), /* overlong U+FFFF */
        C("\xed\xa0\x80", FIO_NAME_BAD_UTF8),     /* U+D800 surrogate */
        C("\xed\xbf\xbf", FIO_NAME_BAD_UTF8),     /* U+DFFF surrogate */
        C("\xf4\x90\x80\x80", FIO_NAME_BAD_UTF8), /* U+110000 */
        C("\xf5\x80\x80\x80", FIO_NAME_BAD_UTF8), /* lead byte F5 */
        C("\xff", FIO_NAME_BAD_UTF8),
        C("\xfe\xff", FIO_NAME_BAD_UTF8), /* BOM-like bytes */
        C("a\x80z", FIO_NAME_BAD_UTF8),   /* lone continuation byte */
        C("\xbf", FIO_NAME_BAD_UTF8),
        C("\xc3", FIO_NAME_BAD_UTF8),             /* truncated 2-byte */
        C("\xe2\x82", FIO_NAME_BAD_UTF8),         /* truncated 3-byte */
        C("\xf0\x9f\x98", FIO_NAME_BAD_UTF8),     /* truncated 4-byte */
        C("\xe2\x28\xa1", FIO_NAME_BAD_UTF8),     /* bad second byte */
        C("\xf0\x9f\x28\x80", FIO_NAME_BAD_UTF8), /* bad third byte */
        C("\xc3\xa9\xc3", FIO_NAME_BAD_UTF8),     /* valid then truncated */
        C("\xed\x9f\xbf", FIO_NAME_OK),           /* U+D7FF is fine */
        C("\xee\x80\x80", FIO_NAME_OK),           /* U+E000 is fine */
        C("\xf0\x90\x80\x80", FIO_NAME_OK),       /* U+10000 is fine */
        C("\xe0\xa0\x80", FIO_NAME_OK),           /* U+0800, shortest 3-byte */
        C("\xc2\xa1", FIO_NAME_OK),               /* U+00A1 */
    };
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void utf8_valid(void **state)
{
    (void)state;
    assert_int_equal(fio_utf8_valid("", 0), 1);
    assert_int_equal(fio_utf8_valid("plain ascii / with \\ slash", 26), 1);
    assert_int_equal(fio_utf8_valid("ctl\x01\x7f", 5), 1); /* controls are valid UTF-8 */
    assert_int_equal(fio_utf8_valid("\xc2\x80", 2), 1);
    assert_int_equal(fio_utf8_valid("\xe2\x80\xae", 3), 1);
    assert_int_equal(fio_utf8_valid("\xf4\x8f\xbf\xbf", 4), 1);
    assert_int_equal(fio_utf8_valid("a\0b", 3), 0); /* NUL is rejected */
    assert_int_equal(fio_utf8_valid("\xc0\x80", 2), 0);
    assert_int_equal(fio_utf8_valid("\xed\xa0\x80", 3), 0);
    assert_int_equal(fio_utf8_valid("\xf4\x90\x80\x80", 4), 0);
    assert_int_equal(fio_utf8_valid("\x80", 1), 0);
    assert_int_equal(fio_utf8_valid("\xe2\x82\xac", 2), 0); /* n cuts the character */
    /* exhaustive over all 2-byte sequences: valid exactly when C2..DF followed by 80..BF */
    for (int a = 0x80; a < 0x100; a++)
        for (int b = 0; b < 0x100; b++) {
            char s[2] = {(char)a, (char)b};
            int want = a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF;
            if (fio_utf8_valid(s, 2) != want)
                fail_msg("%02x %02x: want %d", a, b, want);
        }
}

static void name_check_str(void **state)
{
    (void)state;
    for (int c = FIO_NAME_OK; c <= FIO_NAME_WHITESPACE; c++) {
        const char *s = fio_name_check_str((enum fio_name_check)c);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
    }
    assert_string_equal(fio_name_check_str(FIO_NAME_SLASH), "contains a slash or backslash");
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(name_valid),
    cmocka_unit_test(name_path_tricks),
    cmocka_unit_test(name_controls),
    cmocka_unit_test(name_bidi),
    cmocka_unit_test(name_length),
    cmocka_unit_test(name_whitespace),
    cmocka_unit_test(name_bad_utf8),
    cmocka_unit_test(utf8_valid),
    cmocka_unit_test(name_check_str),
};
/* clang-format on */

TEST_MAIN(tests)
