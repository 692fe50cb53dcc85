/* SPDX-License-Identifier: MIT */
/* test_time.c - clocks (monotonic never goes back, units agree) and the two timestamp formats
 * (api "YYYY-MM-DD HH:MM:SS UTC", ISO 8601 with microseconds), including pre-1970 rounding. */
#include <time.h>

#include "testmain.h"
#include "timeutil.h"

static void mono_is_monotonic(void **state)
{
    (void)state;
    int64_t prev = fio_mono_us();
    assert_true(prev > 0);
    for (int i = 0; i < 10000; i++) {
        int64_t now = fio_mono_us();
        assert_true(now >= prev);
        prev = now;
    }
    int64_t ms = fio_mono_ms();
    int64_t us = fio_mono_us();
    assert_true(us / 1000 - ms >= 0 && us / 1000 - ms < 1000);
}

static void mono_measures_sleep(void **state)
{
    (void)state;
    int64_t a = fio_mono_us();
    struct timespec ts = {0, 20 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
    int64_t d = fio_mono_us() - a;
    assert_true(d >= 20000);
    assert_true(d < 5 * 1000 * 1000);
}

static void wall_matches_time(void **state)
{
    (void)state;
    time_t before = time(NULL);
    int64_t w = fio_wall_us();
    time_t after = time(NULL);
    /* time() reads the coarse clock, which may trail CLOCK_REALTIME by a tick: allow 1 s */
    assert_true(w / 1000000 >= (int64_t)before - 1 && w / 1000000 <= (int64_t)after + 1);
}

static void format_known_instants(void **state)
{
    (void)state;
    char a[24], b[28];
    fio_time_api(0, a, sizeof(a));
    assert_string_equal(a, "1970-01-01 00:00:00 UTC");
    fio_time_iso(0, b, sizeof(b));
    assert_string_equal(b, "1970-01-01T00:00:00.000000Z");
    /* 2024-02-29 12:34:56.789012 UTC (a leap day) */
    int64_t t = 1709210096LL * 1000000 + 789012;
    fio_time_api(t, a, sizeof(a));
    assert_string_equal(a, "2024-02-29 12:34:56 UTC");
    fio_time_iso(t, b, sizeof(b));
    assert_string_equal(b, "2024-02-29T12:34:56.789012Z");
    /* one microsecond before the epoch rounds down, not towards zero */
    fio_time_api(-1, a, sizeof(a));
    assert_string_equal(a, "1969-12-31 23:59:59 UTC");
    fio_time_iso(-1, b, sizeof(b));
    assert_string_equal(b, "1969-12-31T23:59:59.999999Z");
    /* 2038 and beyond (time_t is 64-bit) */
    fio_time_api(2147483648LL * 1000000, a, sizeof(a));
    assert_string_equal(a, "2038-01-19 03:14:08 UTC");
}

static void format_truncates_safely(void **state)
{
    (void)state;
    char small[11];
    fio_time_api(0, small, sizeof(small));
    assert_string_equal(small, "1970-01-01");
    fio_time_iso(0, small, sizeof(small));
    assert_string_equal(small, "1970-01-01");
    char none[1] = {'x'};
    fio_time_iso(0, none, 0); /* size 0 writes nothing */
    assert_int_equal(none[0], 'x');
    fio_time_iso(0, none, 1);
    assert_int_equal(none[0], '\0');
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(mono_is_monotonic),
    cmocka_unit_test(mono_measures_sleep),
    cmocka_unit_test(wall_matches_time),
    cmocka_unit_test(format_known_instants),
    cmocka_unit_test(format_truncates_safely),
};
/* clang-format on */

TEST_MAIN(tests)
