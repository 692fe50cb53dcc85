/* SPDX-License-Identifier: MIT */
/* test_version.c - fastio_version(): the linked library's version is the CMake project version
 * (FIO_PROJECT_VERSION, defined from project(VERSION)) and the header's FASTIO_VERSION, a
 * MAJOR.MINOR.PATCH string, and the default User-Agent carries it. */
#include <stdlib.h>
#include <string.h>

#include <fastio/fastio.h>

#include "testmain.h"

static void version_matches_project(void **state)
{
    (void)state;
    const char *v = fastio_version();
    assert_non_null(v);
    assert_string_equal(v, FIO_PROJECT_VERSION);
    assert_string_equal(v, FASTIO_VERSION);
    assert_ptr_equal(fastio_version(), v); /* a static string */
}

static void version_shape(void **state)
{
    (void)state;
    const char *v = fastio_version();
    int dots = 0;
    size_t digits = 0;
    for (const char *p = v; *p != '\0'; p++) {
        if (*p == '.') {
            assert_true(digits > 0); /* no empty component */
            dots++;
            digits = 0;
        } else {
            assert_true(*p >= '0' && *p <= '9');
            digits++;
        }
    }
    assert_true(digits > 0);
    assert_int_equal(dots, 2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(version_matches_project),
    cmocka_unit_test(version_shape),
};
TEST_MAIN(tests)
