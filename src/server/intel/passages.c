/* SPDX-License-Identifier: MIT */
/* passages.c - the passage splitter (extract.h intel_split_passages).
 *
 * One pass over the page's text, a window of at most W+1 words at a time (W = passage_words),
 * so memory is O(W) whatever the text's size. Each passage ends at the best break point among
 * its words W/2..W: blank line (5) > sentence end at a line end (4) > sentence end (3) > line
 * end (2) > space (1) > inside a long run of non-space (0); on a tie the later one. Every word is
 * scanned once; the words a passage did not take move to the front of the window. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "intel_internal.h"

#define WORD_MAX_BYTES 64
#define WORDS_MIN 8
#define WORDS_MAX 10000

enum gap { GAP_NONE = 0, GAP_SPACE = 1, GAP_LINE = 2, GAP_PARA = 3 };

struct word {
    size_t off, len;
    int line;
    unsigned char gap;      /* what separates it from the previous word */
    unsigned char sent_end; /* ends a sentence */
};

static int is_space(unsigned char c)
{
    /* NUL too: the splitter is given clean text, but a stray NUL must not end up in a passage */
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0;
}

/* Does the word end a sentence? Its last character, past closing quotes and brackets, is
 * . ! ? or the ideographic full stop / fullwidth ! ? (U+3002, U+FF01, U+FF1F). */
static int ends_sentence(const char *w, size_t n)
{
    const unsigned char *s = (const unsigned char *)w;
    while (n > 0) {
        unsigned char c = s[n - 1];
        if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '*' || c == '_') {
            n--;
            continue;
        }
        /* U+2019 ’ and U+201D ” (E2 80 99 / E2 80 9D) */
        if (n >= 3 && s[n - 3] == 0xE2 && s[n - 2] == 0x80 && (c == 0x99 || c == 0x9D)) {
            n -= 3;
            continue;
        }
        break;
    }
    if (n == 0)
        return 0;
    unsigned char c = s[n - 1];
    if (c == '.' || c == '!' || c == '?')
        return n > 1 || c != '.'; /* a lone "." is not a sentence */
    if (n >= 3 && s[n - 3] == 0xE3 && s[n - 2] == 0x80 && c == 0x82)
        return 1;
    if (n >= 3 && s[n - 3] == 0xEF && s[n - 2] == 0xBC && (c == 0x81 || c == 0x9F))
        return 1;
    return 0;
}

/* Scanner state: position and line of the next byte. */
struct scan {
    const char *t;
    size_t len, pos;
    int line;
    int in_word; /* the previous word was cut inside a run of non-space */
};

static void line_inc(int *line)
{
    if (*line < INT_MAX)
        (*line)++;
}

/* Next word, or 0 at the end. */
static int next_word(struct scan *sc, struct word *w)
{
    const unsigned char *s = (const unsigned char *)sc->t;
    int newlines = 0, spaced = 0;
    while (sc->pos < sc->len && is_space(s[sc->pos])) {
        if (s[sc->pos] == '\n') {
            newlines++;
            line_inc(&sc->line);
        }
        spaced = 1;
        sc->pos++;
    }
    if (sc->pos >= sc->len)
        return 0;
    w->gap = newlines >= 2 ? GAP_PARA : newlines == 1 ? GAP_LINE
           : (spaced || !sc->in_word) ? GAP_SPACE : GAP_NONE;
    w->off = sc->pos;
    w->line = sc->line;
    size_t e = sc->pos;
    while (e < sc->len && !is_space(s[e]) && e - sc->pos < WORD_MAX_BYTES)
        e++;
    sc->in_word = 0;
    if (e < sc->len && !is_space(s[e])) {
        /* cut a long run; never inside a UTF-8 sequence (back up over continuation bytes) */
        size_t c = e;
        while (c > sc->pos + 1 && (s[c] & 0xC0) == 0x80)
            c--;
        if (c > sc->pos)
            e = c;
        sc->in_word = 1;
    }
    w->len = e - sc->pos;
    w->sent_end = (unsigned char)ends_sentence(sc->t + w->off, w->len);
    sc->pos = e;
    return 1;
}

/* Score of a break between a and the word b after it. */
static int break_score(const struct word *a, const struct word *b)
{
    switch (b->gap) {
    case GAP_PARA:
        return 5;
    case GAP_LINE:
        return a->sent_end ? 4 : 2;
    case GAP_SPACE:
        return a->sent_end ? 3 : 1;
    default:
        return 0;
    }
}

static int emit(struct intel_doc *out, const char *t, const struct word *w,
                size_t n, int page)
{
    size_t bytes = 1;
    for (size_t i = 0; i < n; i++)
        bytes += w[i].len + 1;
    char *p = malloc(bytes);
    if (!p)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && w[i].gap != GAP_NONE)
            p[o++] = w[i].gap >= GAP_LINE ? '\n' : ' ';
        memcpy(p + o, t + w[i].off, w[i].len);
        o += w[i].len;
    }
    p[o] = '\0';
    if (!out->passages)
        out->passages_cap = 0;
    if (out->n_passages == out->passages_cap) {
        size_t nc = out->passages_cap ? out->passages_cap * 2 : 16;
        struct intel_passage *np = realloc(out->passages, nc * sizeof *np);
        if (!np) {
            free(p);
            return -1;
        }
        out->passages = np;
        out->passages_cap = nc;
    }
    struct intel_passage *ps = &out->passages[out->n_passages++];
    ps->text = p;
    ps->len = o;
    ps->page = page;
    ps->line_start = w[0].line;
    ps->line_end = w[n - 1].line;
    return 0;
}

int intel_split_passages(const char *text, size_t len, int page, const struct intel_limits *lim,
                         struct intel_doc *out)
{
    struct intel_limits dl;
    if (!lim) {
        intel_limits_default(&dl);
        lim = &dl;
    }
    size_t W = lim->passage_words;
    if (W < WORDS_MIN)
        W = WORDS_MIN;
    if (W > WORDS_MAX)
        W = WORDS_MAX;
    if (!text)
        len = 0;
    size_t n0 = out->n_passages;
    struct word *w = malloc((W + 1) * sizeof *w);
    if (!w)
        return -1;
    struct scan sc = {text, len, 0, 1, 0};
    size_t have = 0; /* words in w[] (w[0] starts the next passage) */
    int rc = 0;
    for (;;) {
        while (have < W + 1 && next_word(&sc, &w[have]))
            have++;
        if (have == 0)
            break;
        size_t take = have;
        if (have == W + 1) {
            size_t best = W - 1;
            int best_score = -1;
            for (size_t k = W / 2 - 1; k < W; k++) {
                int sco = break_score(&w[k], &w[k + 1]);
                if (sco >= best_score) {
                    best_score = sco;
                    best = k;
                }
            }
            take = best + 1;
        }
        if (emit(out, text, w, take, page) != 0) {
            rc = -1;
            break;
        }
        memmove(w, w + take, (have - take) * sizeof *w);
        have -= take;
    }
    free(w);
    if (rc != 0) {
        for (size_t i = n0; i < out->n_passages; i++)
            free(out->passages[i].text);
        out->n_passages = n0;
        return -1;
    }
    out->text_bytes += len;
    return 0;
}
