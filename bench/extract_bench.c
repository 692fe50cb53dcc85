/* SPDX-License-Identifier: MIT */
/* extract_bench.c - throughput of the indexer's text extraction (src/server/intel), never a test.
 * Generates its inputs in memory (seeded, so every run reads the same bytes): plain text, the
 * same text as HTML, as a DOCX (zipped here with libzip) and as a PDF of many pages (written out
 * byte by byte), then times intel_extract_mem on each, RUNS times, and prints the median, min and
 * max in MB/s of input and of extracted text, with the passage count. Also times the passage
 * splitter alone on the clean text. Build and run: bench/extract_bench.sh [MiB] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zip.h>

#include "buf.h"
#include "extract.h"

#define RUNS 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned rnd_state = 42;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

static const char *const WORDS[] = {
    "the", "index", "passage", "server", "report", "quarterly", "revenue", "file", "upload",
    "workspace", "search", "answer", "citation", "page", "line", "document", "model", "vector",
    "storage", "network", "latency", "throughput", "budget", "plan", "customer", "contract",
    "signature", "invoice", "shipping", "warehouse", "inventory", "forecast", "analysis",
};

/* ~bytes of prose: sentences of 8-25 words, paragraphs of 3-8 sentences, lines of ~80 chars. */
static void make_text(struct fio_buf *b, size_t bytes, int html)
{
    size_t col = 0;
    while (b->len < bytes) {
        if (html)
            fio_buf_append_str(b, "<p>");
        int sentences = 3 + (int)(rnd() % 6);
        for (int s = 0; s < sentences; s++) {
            int words = 8 + (int)(rnd() % 18);
            for (int w = 0; w < words; w++) {
                const char *word = WORDS[rnd() % (sizeof WORDS / sizeof WORDS[0])];
                fio_buf_append_str(b, word);
                col += strlen(word) + 1;
                if (w == words - 1)
                    fio_buf_append_str(b, html && rnd() % 3 == 0 ? ". <b>Bold</b>" : ".");
                if (col > 78) {
                    fio_buf_append_str(b, "\n");
                    col = 0;
                } else {
                    fio_buf_append_str(b, " ");
                }
            }
        }
        fio_buf_append_str(b, html ? "</p>\n" : "\n\n");
        col = 0;
    }
}

static char *make_docx(const struct fio_buf *text, size_t *len)
{
    struct fio_buf x;
    fio_buf_init(&x, 0);
    fio_buf_append_str(&x, "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body><w:p>");
    for (size_t i = 0; i < text->len;) {
        size_t l = strcspn(text->data + i, "\n");
        fio_buf_append_str(&x, "<w:r><w:rPr><w:lang w:val=\"en-US\"/></w:rPr><w:t xml:space="
                               "\"preserve\">");
        fio_buf_append(&x, text->data + i, l);
        fio_buf_append_str(&x, "</w:t></w:r>");
        i += l + 1;
        if (i < text->len && text->data[i] == '\n') {
            fio_buf_append_str(&x, "</w:p><w:p>");
            i++;
        }
    }
    fio_buf_append_str(&x, "</w:p></w:body></w:document>");
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    zip_source_keep(src);
    zip_file_add(za, "word/document.xml", zip_source_buffer(za, x.data, x.len, 0), 0);
    zip_close(za);
    zip_source_open(src);
    zip_source_seek(src, 0, SEEK_END);
    *len = (size_t)zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    char *out = malloc(*len);
    zip_source_read(src, out, *len);
    zip_source_close(src);
    zip_source_free(src);
    fio_buf_release(&x);
    return out;
}

/* A PDF of `pages` pages, each with 45 lines of prose (uncompressed content streams). */
static char *make_pdf(int pages, size_t *len)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    long *off = calloc((size_t)(4 + 2 * pages), sizeof *off);
    fio_buf_append_str(&b, "%PDF-1.4\n");
    off[1] = (long)b.len;
    fio_buf_append_str(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = (long)b.len;
    fio_buf_printf(&b, "2 0 obj\n<< /Type /Pages /Count %d /Kids [", pages);
    for (int i = 0; i < pages; i++)
        fio_buf_printf(&b, " %d 0 R", 4 + 2 * i);
    fio_buf_append_str(&b, " ] >>\nendobj\n");
    off[3] = (long)b.len;
    fio_buf_append_str(&b, "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\n"
                           "endobj\n");
    for (int p = 0; p < pages; p++) {
        struct fio_buf c;
        fio_buf_init(&c, 0);
        fio_buf_append_str(&c, "BT /F1 10 Tf 14 TL 50 760 Td");
        for (int l = 0; l < 45; l++) {
            fio_buf_append_str(&c, " (");
            for (int w = 0; w < 12; w++) {
                fio_buf_append_str(&c, WORDS[rnd() % (sizeof WORDS / sizeof WORDS[0])]);
                fio_buf_append_str(&c, w == 11 ? "." : " ");
            }
            fio_buf_append_str(&c, ") Tj T*");
        }
        fio_buf_append_str(&c, " ET\n");
        off[4 + 2 * p] = (long)b.len;
        fio_buf_printf(&b, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                           "/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>\nendobj\n",
                       4 + 2 * p, 5 + 2 * p);
        off[5 + 2 * p] = (long)b.len;
        fio_buf_printf(&b, "%d 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
                       5 + 2 * p, c.len, c.data);
        fio_buf_release(&c);
    }
    long xref = (long)b.len;
    int n = 4 + 2 * pages;
    fio_buf_printf(&b, "xref\n0 %d\n0000000000 65535 f \n", n);
    for (int i = 1; i < n; i++)
        fio_buf_printf(&b, "%010ld 00000 n \n", off[i]);
    fio_buf_printf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", n, xref);
    free(off);
    *len = b.len;
    return fio_buf_steal(&b);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bench(const char *label, const void *data, size_t len, const char *name)
{
    double t[RUNS];
    size_t text = 0, passages = 0;
    int pages = 0;
    for (int r = 0; r < RUNS; r++) {
        struct intel_doc d;
        char reason[256];
        double t0 = now_s();
        if (intel_extract_mem(data, len, name, NULL, NULL, &d, reason, sizeof reason) != 0) {
            fprintf(stderr, "%s: failed: %s\n", label, reason);
            exit(1);
        }
        t[r] = now_s() - t0;
        text = d.text_bytes;
        passages = d.n_passages;
        pages = d.n_pages;
        intel_doc_free(&d);
    }
    qsort(t, RUNS, sizeof t[0], cmp_d);
    double mb = (double)len / 1e6, tmb = (double)text / 1e6;
    printf("%-8s input %7.2f MB  text %7.2f MB  pages %4d  passages %6zu  median %7.1f ms "
           "(min %7.1f, max %7.1f)  %7.1f MB/s input  %7.1f MB/s text\n",
           label, mb, tmb, pages, passages, t[RUNS / 2] * 1e3, t[0] * 1e3, t[RUNS - 1] * 1e3,
           mb / t[RUNS / 2], tmb / t[RUNS / 2]);
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 8;
    if (mib == 0 || mib > 64)
        mib = 8;
    struct fio_buf text, html;
    fio_buf_init(&text, 0);
    fio_buf_init(&html, 0);
    make_text(&text, mib << 20, 0);
    rnd_state = 42;
    make_text(&html, mib << 20, 1);
    size_t docx_len, pdf_len;
    char *docx = make_docx(&text, &docx_len);
    int pages = 200;
    char *pdf = make_pdf(pages, &pdf_len);
    printf("extract_bench: %zu MiB of prose, %d runs each\n", mib, RUNS);
    bench("text", text.data, text.len, "bench.txt");
    bench("html", html.data, html.len, "bench.html");
    bench("docx", docx, docx_len, "bench.docx");
    bench("pdf", pdf, pdf_len, "bench.pdf");

    double t[RUNS];
    size_t np = 0;
    struct intel_limits lim;
    intel_limits_default(&lim);
    for (int r = 0; r < RUNS; r++) {
        struct intel_doc d = {0};
        double t0 = now_s();
        intel_split_passages(text.data, text.len, 0, &lim, &d);
        t[r] = now_s() - t0;
        np = d.n_passages;
        intel_doc_free(&d);
    }
    qsort(t, RUNS, sizeof t[0], cmp_d);
    printf("%-8s input %7.2f MB  passages %6zu  median %7.1f ms  %7.1f MB/s\n", "split",
           (double)text.len / 1e6, np, t[RUNS / 2] * 1e3, (double)text.len / 1e6 / t[RUNS / 2]);
    free(docx);
    free(pdf);
    fio_buf_release(&text);
    fio_buf_release(&html);
    return 0;
}
