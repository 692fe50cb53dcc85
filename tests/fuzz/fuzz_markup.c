/* SPDX-License-Identifier: MIT */
/* fuzz_markup.c - fuzz target for the HTML/XML stripper (src/server/intel/markup.c), in every
 * profile: the output is always valid UTF-8 without NUL, its length is what was returned, and a
 * capped output buffer fails cleanly (never writes past its cap). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "intel_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8 without NUL, checked without the code under test. */
static void check_utf8(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
                 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (c == 0 || k == 0 || i + k > n)
            abort();
        uint32_t cp = k == 1 ? c : k == 2 ? (c & 0x1F) : k == 3 ? (c & 0x0F) : (c & 0x07);
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                abort();
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            abort();
        i += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    for (int html = 0; html <= 1; html++) {
        size_t n = 0;
        char *t = intel_strip_markup(in, size, html, &n);
        if (!t)
            abort(); /* only out of memory may return NULL */
        if (strlen(t) != n)
            abort();
        check_utf8(t, n);
        free(t);
    }
    static const enum intel_markup_profile profs[] = {INTEL_MK_DOCX, INTEL_MK_ODT, INTEL_MK_PPTX};
    for (size_t i = 0; i < sizeof profs / sizeof profs[0]; i++) {
        struct fio_buf b;
        fio_buf_init(&b, 0);
        if (intel_markup_to(&b, in, size, profs[i]) != 0)
            abort();
        check_utf8(b.data ? b.data : "", b.len);
        fio_buf_release(&b);
    }
    /* a small cap: either it fits or it fails, and the buffer never passes the cap */
    struct fio_buf c;
    fio_buf_init(&c, 64);
    int rc = intel_markup_to(&c, in, size, INTEL_MK_HTML);
    if (c.len > 64)
        abort();
    if (rc == 0)
        check_utf8(c.data ? c.data : "", c.len);
    fio_buf_release(&c);
    return 0;
}
