/* SPDX-License-Identifier: MIT */
/* pdfgen.h - a PDF written out byte by byte for the tests (test_extract, test_intel_index,
 * test_ai_chat): one page per entry, a Helvetica text line per '\n', the cross-reference table
 * at the offsets the objects really stand at; optionally encrypted. */
#ifndef FASTIO_TESTS_PDFGEN_H
#define FASTIO_TESTS_PDFGEN_H

#include <stdbool.h>
#include <stddef.h>

/* Most pages one PDF may have (the object table is fixed-size). */
#define PDFGEN_MAX_PAGES 28

/* A PDF of n pages (1..PDFGEN_MAX_PAGES), pages[i] the text of page i, lines separated by '\n'.
 * encrypted: adds a standard security handler whose user password is not empty (random O and U)
 * so that no reader can open it. Returns the bytes (free()) with their count in *len; a failure
 * fails the running cmocka test. */
char *pdfgen_make(const char *const *pages, int n, bool encrypted, size_t *len);

#endif
