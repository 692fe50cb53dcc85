/* SPDX-License-Identifier: MIT */
/* pdfgen.c - see pdfgen.h. */
#include "pdfgen.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

/* The content stream of one page: a text object, one Tj per line. */
static void page_stream(struct fio_buf *c, const char *text)
{
    assert_true(fio_buf_append_str(c, "BT /F1 12 Tf 16 TL 72 720 Td"));
    for (const char *s = text; *s;) {
        size_t l = strcspn(s, "\n");
        assert_true(fio_buf_printf(c, " (%.*s) Tj T*", (int)l, s));
        s += l;
        if (*s)
            s++;
    }
    assert_true(fio_buf_append_str(c, " ET\n"));
}

char *pdfgen_make(const char *const *pages, int n, bool encrypted, size_t *len)
{
    /* objects: 1 catalog, 2 page tree, 3 font, then a page and its contents per page, then the
     * encryption dictionary */
    long off[4 + 2 * PDFGEN_MAX_PAGES + 1];
    assert_true(n >= 1 && n <= PDFGEN_MAX_PAGES);
    int nobj = 4 + 2 * n + (encrypted ? 1 : 0); /* objects 0..nobj-1 */
    struct fio_buf b;
    fio_buf_init(&b, 0);
    assert_true(fio_buf_append_str(&b, "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"));
    off[1] = (long)b.len;
    assert_true(fio_buf_append_str(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"));
    off[2] = (long)b.len;
    assert_true(fio_buf_printf(&b, "2 0 obj\n<< /Type /Pages /Count %d /Kids [", n));
    for (int i = 0; i < n; i++)
        assert_true(fio_buf_printf(&b, " %d 0 R", 4 + 2 * i));
    assert_true(fio_buf_append_str(&b, " ] >>\nendobj\n"));
    off[3] = (long)b.len;
    assert_true(fio_buf_append_str(&b, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont "
                                       "/Helvetica /Encoding /WinAnsiEncoding >>\nendobj\n"));
    for (int i = 0; i < n; i++) {
        struct fio_buf c;
        fio_buf_init(&c, 0);
        page_stream(&c, pages[i]);
        off[4 + 2 * i] = (long)b.len;
        assert_true(fio_buf_printf(&b,
                                   "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
                                   " /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>\n"
                                   "endobj\n",
                                   4 + 2 * i, 5 + 2 * i));
        off[5 + 2 * i] = (long)b.len;
        assert_true(fio_buf_printf(&b, "%d 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\n"
                                       "endobj\n",
                                   5 + 2 * i, c.len, c.data));
        fio_buf_release(&c);
    }
    int enc = 4 + 2 * n;
    if (encrypted) {
        off[enc] = (long)b.len;
        assert_true(fio_buf_printf(
            &b, "%d 0 obj\n<< /Filter /Standard /V 1 /R 2 /P -4 /O "
                "<6a0c5f2b3e4d7c8190a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8> /U "
                "<0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0> >>\nendobj\n",
            enc));
    }
    long xref = (long)b.len;
    assert_true(fio_buf_printf(&b, "xref\n0 %d\n0000000000 65535 f \n", nobj));
    for (int i = 1; i < nobj; i++)
        assert_true(fio_buf_printf(&b, "%010ld 00000 n \n", off[i]));
    assert_true(fio_buf_printf(&b, "trailer\n<< /Size %d /Root 1 0 R", nobj));
    if (encrypted)
        assert_true(fio_buf_printf(&b, " /Encrypt %d 0 R /ID [<00112233445566778899aabbccddeeff>"
                                       " <00112233445566778899aabbccddeeff>]",
                                   enc));
    assert_true(fio_buf_printf(&b, " >>\nstartxref\n%ld\n%%%%EOF\n", xref));
    *len = b.len;
    return fio_buf_steal(&b);
}
