/* SPDX-License-Identifier: MIT */
/* testmain.h - every unit test program runs all its cases, or only the one named in argv[1]
 * (CTest runs each case as its own entry; see add_cmocka_cases in tests/CMakeLists.txt). */
#ifndef FIO_TESTMAIN_H
#define FIO_TESTMAIN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* A case name that matches nothing would make cmocka run zero tests and report success, so an
 * unknown name (a renamed case with a stale CTest entry) is an error. TEST_PICK_CASE_ goes in
 * main(): with a case named in argv[1] only that case runs; an unknown one returns 1. */
#define TEST_PICK_CASE_(tests, argc, argv)                                                         \
    do {                                                                                           \
        if ((argc) == 2) {                                                                         \
            int found_ = 0;                                                                        \
            for (size_t i_ = 0; i_ < sizeof(tests) / sizeof((tests)[0]); i_++)                     \
                if ((tests)[i_].name && strcmp((tests)[i_].name, (argv)[1]) == 0)                  \
                    found_ = 1;                                                                    \
            if (!found_) {                                                                         \
                fprintf(stderr, "%s: no test case named '%s'\n", (argv)[0], (argv)[1]);           \
                return 1;                                                                          \
            }                                                                                      \
            cmocka_set_test_filter((argv)[1]);                                                     \
        }                                                                                          \
    } while (0)

#define TEST_MAIN(tests)                                                                           \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        if (argc > 2) {                                                                            \
            fprintf(stderr, "usage: %s [case]\n", argv[0]);                                        \
            return 1;                                                                              \
        }                                                                                          \
        TEST_PICK_CASE_(tests, argc, argv);                                                        \
        return cmocka_run_group_tests(tests, NULL, NULL);                                          \
    }

#endif
