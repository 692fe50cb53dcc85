/* SPDX-License-Identifier: MIT */
/* test_parse_num.c - the one strict number parser (fio_parse_ll, buf.h) that every server
 * parameter, header and path number goes through (issue 15 item 5): decimal digits only, one
 * optional leading '-' where the range allows negatives, never "-0", nothing empty, no '+', no
 * whitespace, range-checked without overflow. */
#include <limits.h>

#include "buf.h"
#include "testmain.h"

struct row {
    const char *s;
    long long min, max;
    bool ok;
    long long want;
};

/* clang-format off */
static const struct row rows[] = {
    {"0", 0, 10, true, 0},
    {"7", 0, 10, true, 7},
    {"10", 0, 10, true, 10},
    {"007", 0, 10, true, 7},
    {"-5", -10, 10, true, -5},
    {"-10", -10, 10, true, -10},
    {"9223372036854775807", 0, LLONG_MAX, true, LLONG_MAX},
    {"-9223372036854775808", LLONG_MIN, 0, true, LLONG_MIN},
    {"", 0, 10, false, 0},
    {"-", -10, 10, false, 0},
    {"-0", -10, 10, false, 0},
    {"-0", 0, 10, false, 0},
    {"-00", -10, 10, false, 0},
    {"+1", 0, 10, false, 0},
    {"+0", 0, 10, false, 0},
    {" 1", 0, 10, false, 0},
    {"1 ", 0, 10, false, 0},
    {"\t1", 0, 10, false, 0},
    {"1\n", 0, 10, false, 0},
    {"1.0", 0, 10, false, 0},
    {"1e3", 0, 10000, false, 0},
    {"0x10", 0, 100, false, 0},
    {"--1", -10, 10, false, 0},
    {"1-", 0, 10, false, 0},
    {"11", 0, 10, false, 0},
    {"-1", 0, 10, false, 0},
    {"-11", -10, 10, false, 0},
    {"9223372036854775808", 0, LLONG_MAX, false, 0},
    {"-9223372036854775809", LLONG_MIN, 0, false, 0},
    {"99999999999999999999999999", 0, LLONG_MAX, false, 0},
    {"abc", 0, 10, false, 0},
    {"1abc", 0, 10, false, 0},
};
/* clang-format on */

static void table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        long long v = 12345;
        bool ok = fio_parse_ll(rows[i].s, rows[i].min, rows[i].max, &v);
        if (ok != rows[i].ok)
            fail_msg("'%s' in [%lld, %lld]: %s, want %s", rows[i].s, rows[i].min, rows[i].max,
                     ok ? "accepted" : "refused", rows[i].ok ? "accepted" : "refused");
        if (ok)
            assert_true(v == rows[i].want);
        else
            assert_true(v == 12345); /* a refused string leaves *out alone */
    }
}

static void null_refused(void **state)
{
    (void)state;
    long long v = 1;
    assert_false(fio_parse_ll(NULL, 0, 10, &v));
    assert_true(fio_parse_ll("3", 0, 10, NULL)); /* out may be NULL */
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(table),
    cmocka_unit_test(null_refused),
};
/* clang-format on */

TEST_MAIN(tests)
