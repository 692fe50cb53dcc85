/* SPDX-License-Identifier: MIT */
/* fuzz_compose.c - fuzz target for the AI chat's pure text functions (src/server/intel/compose.c):
 * the extractive composer, the attachment ranking and the marker rewriting of model answers.
 * Input: a question, then passages, separated by NUL bytes. Invariants: no crash; the answer is
 * the same twice (deterministic); every [n] marker of an answer names an existing citation;
 * citations are at most one per passage; a rewritten text keeps only numbers the map allows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every "[n]" of text (n digits only) must satisfy 1 <= n <= max. */
static void check_markers(const char *text, size_t max)
{
    for (const char *p = strchr(text, '['); p; p = strchr(p + 1, '[')) {
        const char *q = p + 1;
        unsigned long v = 0;
        size_t d = 0;
        while (*q >= '0' && *q <= '9' && d < 12) {
            v = v * 10 + (unsigned long)(*q - '0');
            q++;
            d++;
        }
        if (d > 0 && *q == ']' && (v < 1 || v > max))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    const char *question = buf;
    struct ai_passage p[16];
    size_t n = 0;
    for (size_t i = strlen(buf) + 1; i < size && n < 16;) {
        memset(&p[n], 0, sizeof(p[n]));
        p[n].node_id = n % 2 ? "2aaaaaaaaaaaaaaaaaaaaaaaaaaaa" : "2bbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        p[n].version_id = "3aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        p[n].name = "f";
        p[n].text = buf + i;
        p[n].page = (int)n;
        n++;
        i += strlen(buf + i) + 1;
    }
    struct ai_answer a, b;
    if (ai_compose_extractive(question, p, n, NULL, &a) == 0) {
        if (ai_compose_extractive(question, p, n, NULL, &b) != 0)
            abort();
        if (strcmp(a.text, b.text) != 0 || !json_equal(a.citations, b.citations))
            abort();
        if (json_array_size(a.citations) > n)
            abort();
        if (a.outcome == AI_ANSWERED)
            check_markers(a.text, json_array_size(a.citations));
        ai_answer_free(&a);
        ai_answer_free(&b);
    }
    size_t order[16], nout = 0;
    if (ai_rank_passages(question, p, n, 16, order, &nout) == 0)
        for (size_t k = 0; k < nout; k++)
            if (order[k] >= n)
                abort();
    int map[5] = {1, 0, 3, 2, 0};
    char *t = ai_markers_rewrite(buf, strlen(buf), map, 5, NULL);
    if (t) {
        check_markers(t, 3);
        free(t);
    }
    free(buf);
    return 0;
}
