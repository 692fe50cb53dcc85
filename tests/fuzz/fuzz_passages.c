/* SPDX-License-Identifier: MIT */
/* fuzz_passages.c - fuzz target for the passage splitter (src/server/intel/passages.c) and the
 * UTF-8 cleaner in front of it. The first byte picks the words per passage. Invariants: nothing
 * is lost or invented (the non-space bytes of the passages, in order, are those of the text),
 * every passage is non-empty valid UTF-8 of at most W words (W*64 bytes + separators), line
 * spans lie within the text's lines and never go backwards, and the same input splits the same
 * way twice. Raw (not cleaned) bytes must not crash it either. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0;
}

/* The non-space bytes of the passages must be the non-space bytes of text, in order. */
static void check_nothing_lost(const char *text, size_t len, const struct intel_doc *d)
{
    size_t ti = 0;
    for (size_t p = 0; p < d->n_passages; p++) {
        const struct intel_passage *ps = &d->passages[p];
        if (ps->len == 0 || strlen(ps->text) != ps->len)
            abort();
        for (size_t i = 0; i < ps->len; i++) {
            unsigned char c = (unsigned char)ps->text[i];
            if (is_space(c))
                continue;
            while (ti < len && is_space((unsigned char)text[ti]))
                ti++;
            if (ti >= len || (unsigned char)text[ti] != c)
                abort();
            ti++;
        }
    }
    while (ti < len && is_space((unsigned char)text[ti]))
        ti++;
    if (ti != len)
        abort();
}

static void check_doc(const char *text, size_t len, const struct intel_doc *d, size_t w, int page)
{
    int lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    int prev = 1;
    for (size_t p = 0; p < d->n_passages; p++) {
        const struct intel_passage *ps = &d->passages[p];
        if (ps->page != page || ps->line_start < prev || ps->line_end < ps->line_start ||
            ps->line_end > lines)
            abort();
        prev = ps->line_start;
        if (ps->len > w * 65 + 1)
            abort();
    }
    check_nothing_lost(text, len, d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct intel_limits lim;
    intel_limits_default(&lim);
    lim.passage_words = 8 + data[0] % 64;
    data++;
    size--;

    size_t n = 0;
    char *clean = intel_utf8_clean(data, size, &n);
    if (!clean || strlen(clean) != n)
        abort();
    struct intel_doc a = {0}, b = {0};
    if (intel_split_passages(clean, n, 2, &lim, &a) != 0 ||
        intel_split_passages(clean, n, 2, &lim, &b) != 0)
        abort();
    check_doc(clean, n, &a, lim.passage_words, 2);
    if (a.n_passages != b.n_passages || a.text_bytes != n)
        abort();
    for (size_t i = 0; i < a.n_passages; i++)
        if (strcmp(a.passages[i].text, b.passages[i].text) != 0 ||
            a.passages[i].line_start != b.passages[i].line_start ||
            a.passages[i].line_end != b.passages[i].line_end)
            abort();
    intel_doc_free(&a);
    intel_doc_free(&b);
    free(clean);

    /* raw bytes: no validity promised, but no crash and nothing lost */
    struct intel_doc r = {0};
    if (intel_split_passages((const char *)data, size, 0, &lim, &r) != 0)
        abort();
    check_nothing_lost((const char *)data, size, &r);
    intel_doc_free(&r);
    return 0;
}
