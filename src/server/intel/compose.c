/* SPDX-License-Identifier: MIT */
/* compose.c - the extractive composer, the passage ranking for attachments and the marker
 * rewriting of model answers (compose.h; docs/server.md "AI chat"; D-106). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compose.h"

/* ---- words ------------------------------------------------------------------------------ */

static bool word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Words a question is made of that say nothing about what to look for. */
static const char *const stop_words[] = {
    "a",        "about",     "after",  "all",       "also",      "an",       "and",    "any",
    "are",      "as",        "at",     "be",        "been",      "before",   "being",  "between",
    "both",     "but",       "by",     "can",       "could",     "describe", "did",    "do",
    "does",     "doe",       "each",   "explain",   "find",      "for",      "from",   "give",
    "had",      "has",       "have",   "he",        "her",       "here",     "him",    "his",
    "how",      "i",         "if",     "in",        "into",      "is",       "it",     "its",
    "just",     "know",      "let",    "list",      "me",        "more",     "most",   "much",
    "my",       "no",        "not",    "of",        "on",        "or",       "other",  "our",
    "out",      "over",      "please", "say",       "said",      "she",      "should", "show",
    "so",       "some",      "such",   "summarise", "summarize", "tell",     "than",   "that",
    "the",      "their",     "them",   "then",      "there",     "these",    "they",   "thi",
    "this",     "those",     "to",     "under",     "up",        "us",       "very",   "wa",
    "was",      "we",        "were",   "what",      "when",      "where",    "which",  "while",
    "who",      "whom",      "why",    "will",      "with",      "would",    "you",    "your",
    "document", "documents", "file",   "files",     "workspace",
};

static bool is_stop(const char *w)
{
    for (size_t i = 0; i < sizeof(stop_words) / sizeof(stop_words[0]); i++)
        if (strcmp(stop_words[i], w) == 0)
            return true;
    return false;
}

/* A light suffix stemmer, the same for questions and passages: plurals, -ing, -ed. */
static void stem(char *w, size_t *len)
{
    size_t n = *len;
    if (n > 4 && memcmp(w + n - 3, "ies", 3) == 0) {
        w[n - 3] = 'y';
        n -= 2;
    } else if (n > 5 && memcmp(w + n - 3, "ing", 3) == 0) {
        n -= 3;
    } else if (n > 4 && memcmp(w + n - 2, "ed", 2) == 0) {
        n -= 2;
    } else if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i') {
        n -= 1;
    }
    w[n] = 0;
    *len = n;
}

/* The next word of s[*pos..len) into w (lowercased, stemmed, NUL-terminated, cut at
 * AI_TERM_BYTES - 1 bytes on a UTF-8 boundary). false at the end. */
static bool next_word(const char *s, size_t len, size_t *pos, char w[AI_TERM_BYTES], size_t *wl)
{
    size_t i = *pos;
    while (i < len && !word_byte((unsigned char)s[i]))
        i++;
    if (i >= len) {
        *pos = len;
        return false;
    }
    size_t n = 0;
    while (i < len && word_byte((unsigned char)s[i])) {
        unsigned char c = (unsigned char)s[i];
        if (n < AI_TERM_BYTES - 1)
            w[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        i++;
    }
    /* do not end inside a UTF-8 sequence */
    if (n == AI_TERM_BYTES - 1)
        while (n > 0 && ((unsigned char)w[n - 1] & 0xC0) == 0x80)
            n--;
    if (n > 0 && ((unsigned char)w[n - 1] & 0xC0) == 0xC0)
        n--;
    w[n] = 0;
    *pos = i;
    stem(w, &n);
    *wl = n;
    return true;
}

void ai_terms_of(const char *text, size_t len, struct ai_terms *out)
{
    out->n = 0;
    size_t pos = 0, wl;
    char w[AI_TERM_BYTES];
    while (out->n < AI_TERMS_MAX && next_word(text, len, &pos, w, &wl)) {
        if (wl == 0 || is_stop(w))
            continue;
        bool seen = false;
        for (size_t k = 0; k < out->n && !seen; k++)
            seen = strcmp(out->term[k], w) == 0;
        if (!seen)
            memcpy(out->term[out->n++], w, wl + 1);
    }
}

static int term_index(const struct ai_terms *t, const char *w)
{
    for (size_t k = 0; k < t->n; k++)
        if (strcmp(t->term[k], w) == 0)
            return (int)k;
    return -1;
}

/* ---- sentences ----------------------------------------------------------------------------- */

struct sentence {
    size_t passage;
    size_t idx;      /* order within its passage */
    size_t off, len; /* in the passage text */
    unsigned words;
    unsigned long long mask; /* query terms present (bit k = term k) */
    double score;
    bool chosen;
};

/* Split passage text t into sentences appended to v (at most AI_SENTENCES_MAX in all). */
static void split_sentences(const char *t, size_t len, size_t pi, struct sentence *v, size_t *nv)
{
    size_t start = 0, idx = 0, line = 0;
    for (size_t i = 0; i <= len && *nv < AI_SENTENCES_MAX; i++) {
        bool end = i == len;
        if (!end) {
            char c = t[i];
            char nx = i + 1 < len ? t[i + 1] : ' ';
            size_t cur = i - start;
            if ((c == '.' || c == '!' || c == '?') && (nx == ' ' || nx == '\n' || nx == '\t'))
                end = true, i++;
            else if (c == '\n') {
                /* a line end closes a sentence after punctuation, before a list item or a
                 * blank line, or when the sentence is long already */
                size_t b = i;
                while (b > start && (t[b - 1] == ' ' || t[b - 1] == '\t'))
                    b--;
                char last = b > start ? t[b - 1] : '.';
                /* ... or after a short line: a heading, a list item, a table row */
                if (strchr(".!?:;", last) || nx == '\n' || nx == '-' || nx == '*' || nx == '#' ||
                    nx == '|' || cur >= 200 || i - line < 60)
                    end = true;
                line = i + 1;
            } else if (cur >= AI_SENTENCE_BYTES && c == ' ')
                end = true;
            else if (cur >= AI_SENTENCE_BYTES + 64 && ((unsigned char)c & 0xC0) != 0x80)
                end = true; /* no space for a long stretch: cut on a character boundary */
        }
        if (!end)
            continue;
        size_t a = start, b = i < len ? i : len;
        while (a < b && (t[a] == ' ' || t[a] == '\n' || t[a] == '\t' || t[a] == '-' ||
                         t[a] == '*' || t[a] == '#' || t[a] == '|'))
            a++;
        while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\n' || t[b - 1] == '\t'))
            b--;
        if (b > a) {
            struct sentence *s = &v[(*nv)++];
            memset(s, 0, sizeof(*s));
            s->passage = pi;
            s->idx = idx++;
            s->off = a;
            s->len = b - a;
        }
        start = i < len ? i : len;
    }
}

/* Append sentence text (white space runs as one space), at most cap bytes on a character
 * boundary. quote: square brackets become parentheses, so that a document's own "[12]" is never
 * read as a citation marker of the answer. */
static bool put_clean(struct fio_buf *b, const char *s, size_t len, size_t cap, bool quote)
{
    size_t start = b->len;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
            space = true;
            continue;
        }
        if (b->len - start >= cap && (c & 0xC0) != 0x80) {
            return fio_buf_append(b, "...", 3);
        }
        if (space && b->len > start && !fio_buf_append(b, " ", 1))
            return false;
        space = false;
        char ch = quote && c == '[' ? '(' : quote && c == ']' ? ')' : (char)c;
        if (!fio_buf_append(b, &ch, 1))
            return false;
    }
    return true;
}

void ai_answer_free(struct ai_answer *a)
{
    if (!a)
        return;
    free(a->text);
    free(a->clarification);
    json_decref(a->citations);
    memset(a, 0, sizeof(*a));
}

static double idf(size_t total, size_t df)
{
    return log1p(((double)total - (double)df + 0.5) / ((double)df + 0.5));
}

static int cmp_sentence(const void *x, const void *y)
{
    const struct sentence *a = *(const struct sentence *const *)x;
    const struct sentence *b = *(const struct sentence *const *)y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->passage != b->passage)
        return a->passage < b->passage ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx ? 1 : 0);
}

/* The citation number (1-based) of passage p in cits, adding it when new; 0 on OOM. */
static size_t citation_of(json_t *cits, const struct ai_passage *p)
{
    size_t i;
    json_t *c;
    json_array_foreach(cits, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "nodeId")), p->node_id ? p->node_id : "") ==
                0 &&
            strcmp(json_string_value(json_object_get(c, "versionId")),
                   p->version_id ? p->version_id : "") == 0)
            return i + 1;
    }
    c = json_pack("{s:s, s:s, s:s, s:[]}", "nodeId", p->node_id ? p->node_id : "", "versionId",
                  p->version_id ? p->version_id : "", "name", p->name ? p->name : "", "entries");
    if (!c || json_array_append_new(cits, c) != 0)
        return 0;
    return json_array_size(cits);
}

static bool add_entry(json_t *cit, const struct ai_passage *p, const char *snippet)
{
    json_t *entries = json_object_get(cit, "entries");
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        if (json_integer_value(json_object_get(e, "page")) == p->page &&
            strcmp(json_string_value(json_object_get(e, "snippet")), snippet) == 0)
            return true;
    }
    return json_array_append_new(entries, json_pack("{s:i, s:s, s:i, s:i}", "page", p->page,
                                                    "snippet", snippet, "line_start", p->line_start,
                                                    "line_end", p->line_end)) == 0;
}

int ai_compose_extractive(const char *question, const struct ai_passage *p, size_t n,
                          const struct ai_compose_opts *opts, struct ai_answer *out)
{
    memset(out, 0, sizeof(*out));
    size_t maxs = opts && opts->max_sentences ? opts->max_sentences : AI_ANSWER_SENTENCES;
    if (maxs > 16)
        maxs = 16;
    const char *where = opts && opts->where ? opts->where : "the workspace";
    if (n > AI_PASSAGES_MAX)
        n = AI_PASSAGES_MAX;
    struct ai_terms q;
    ai_terms_of(question ? question : "", question ? strlen(question) : 0, &q);
    out->citations = json_array();
    if (!out->citations)
        return -1;
    if (q.n == 0) {
        out->outcome = AI_NEEDS_INPUT;
        out->text = fio_strdup(question ? question : "");
        out->clarification = fio_strdup(
            "What should I look for? The question has no word to search the files for: name a "
            "topic, a term or a file.");
        if (!out->text || !out->clarification) {
            ai_answer_free(out);
            return -1;
        }
        return 0;
    }
    struct sentence *sv = calloc(AI_SENTENCES_MAX, sizeof(*sv));
    struct sentence **order = calloc(AI_SENTENCES_MAX, sizeof(*order));
    if (!sv || !order) {
        free(sv);
        free(order);
        ai_answer_free(out);
        return -1;
    }
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].text)
            split_sentences(p[i].text, strlen(p[i].text), i, sv, &ns);
    /* which query terms each sentence holds, and in how many sentences each term is */
    size_t df[AI_TERMS_MAX] = {0};
    for (size_t k = 0; k < ns; k++) {
        struct sentence *s = &sv[k];
        const char *t = p[s->passage].text + s->off;
        size_t pos = 0, wl;
        char w[AI_TERM_BYTES];
        while (next_word(t, s->len, &pos, w, &wl)) {
            s->words++;
            int ti = term_index(&q, w);
            if (ti >= 0)
                s->mask |= 1ull << ti;
        }
        for (size_t ti = 0; ti < q.n; ti++)
            if (s->mask & (1ull << ti))
                df[ti]++;
    }
    double wt[AI_TERMS_MAX], qweight = 0;
    for (size_t ti = 0; ti < q.n; ti++) {
        wt[ti] = idf(ns, df[ti]);
        qweight += wt[ti];
    }
    size_t nrel = 0;
    double best = 0;
    bool found = false;
    for (size_t k = 0; k < ns; k++) {
        struct sentence *s = &sv[k];
        double m = 0;
        for (size_t ti = 0; ti < q.n; ti++)
            if (s->mask & (1ull << ti))
                m += wt[ti];
        /* a sentence may answer part of the question (a quarter of its weight); the answer
         * exists only when the best one covers a third */
        if (m <= 0 || m < 0.25 * qweight)
            continue;
        if (m >= 0.34 * qweight)
            found = true;
        /* coverage first; then the passage's retrieval rank; a mild preference for short */
        s->score = m / qweight + 0.05 * (double)(n - s->passage) / (double)n -
                   0.02 * (s->words > 40 ? (double)(s->words - 40) / 40.0 : 0);
        if (s->score > best)
            best = s->score;
        order[nrel++] = s;
    }
    json_t *cits = out->citations;
    struct fio_buf text;
    fio_buf_init(&text, 0);
    bool oom = false;
    if (!found) {
        out->outcome = AI_NOT_FOUND;
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "Not found in %s: no passage of its files answers this question.", where);
        oom = !fio_buf_append(&text, msg, strlen(msg));
    } else {
        qsort(order, nrel, sizeof(order[0]), cmp_sentence);
        struct fio_buf one;
        fio_buf_init(&one, 0);
        for (size_t k = 0; k < nrel && out->sentences < maxs && !oom; k++) {
            struct sentence *s = order[k];
            if (s->score < 0.4 * best)
                break;
            const struct ai_passage *ps = &p[s->passage];
            fio_buf_reset(&one);
            if (!put_clean(&one, ps->text + s->off, s->len, AI_SENTENCE_BYTES, true)) {
                oom = true;
                break;
            }
            /* the same sentence twice (copies of a file): quote it once */
            bool dup = false;
            for (size_t j = 0; j < k && !dup; j++)
                if (order[j]->chosen && order[j]->len == s->len &&
                    memcmp(p[order[j]->passage].text + order[j]->off, ps->text + s->off, s->len) ==
                        0)
                    dup = true;
            if (dup)
                continue;
            size_t cn = citation_of(cits, ps);
            if (cn == 0) {
                oom = true;
                break;
            }
            struct fio_buf snip;
            fio_buf_init(&snip, 0);
            if (!put_clean(&snip, ps->text + s->off, s->len, AI_SNIPPET_BYTES, false) ||
                !add_entry(json_array_get(cits, cn - 1), ps, snip.data)) {
                fio_buf_release(&snip);
                oom = true;
                break;
            }
            fio_buf_release(&snip);
            char mark[32];
            snprintf(mark, sizeof(mark), " [%zu]", cn);
            if ((text.len > 0 && !fio_buf_append(&text, " ", 1)) ||
                !fio_buf_append(&text, one.data, strlen(one.data)) ||
                !fio_buf_append(&text, mark, strlen(mark))) {
                oom = true;
                break;
            }
            s->chosen = true;
            out->sentences++;
        }
        fio_buf_release(&one);
        out->outcome = AI_ANSWERED;
    }
    free(sv);
    free(order);
    if (oom) {
        fio_buf_release(&text);
        ai_answer_free(out);
        return -1;
    }
    out->text = fio_buf_steal(&text);
    if (!out->text) {
        ai_answer_free(out);
        return -1;
    }
    return 0;
}

/* ---- ranking of attached passages ---------------------------------------------------------- */

struct rank_item {
    size_t idx;
    double score;
};

static int cmp_rank(const void *x, const void *y)
{
    const struct rank_item *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx ? 1 : 0);
}

int ai_rank_passages(const char *question, struct ai_passage *p, size_t n, size_t max,
                     size_t *order, size_t *nout)
{
    *nout = 0;
    struct ai_terms q;
    ai_terms_of(question ? question : "", question ? strlen(question) : 0, &q);
    if (q.n == 0 || n == 0)
        return 0;
    unsigned *tf = calloc(n * q.n, sizeof(*tf));
    size_t *dl = calloc(n, sizeof(*dl));
    struct rank_item *it = calloc(n, sizeof(*it));
    if (!tf || !dl || !it) {
        free(tf);
        free(dl);
        free(it);
        return -1;
    }
    size_t df[AI_TERMS_MAX] = {0};
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = p[i].text ? p[i].text : "";
        size_t len = strlen(t), pos = 0, wl;
        char w[AI_TERM_BYTES];
        while (next_word(t, len, &pos, w, &wl)) {
            dl[i]++;
            int ti = term_index(&q, w);
            if (ti >= 0 && tf[i * q.n + (size_t)ti] < 1000000)
                tf[i * q.n + (size_t)ti]++;
        }
        for (size_t ti = 0; ti < q.n; ti++)
            if (tf[i * q.n + ti])
                df[ti]++;
        total += (double)dl[i];
    }
    double avg = total / (double)n;
    if (avg <= 0)
        avg = 1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double sc = 0;
        for (size_t ti = 0; ti < q.n; ti++) {
            double f = tf[i * q.n + ti];
            if (f <= 0)
                continue;
            sc += idf(n, df[ti]) * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * (double)dl[i] / avg));
        }
        p[i].score = sc;
        if (sc > 0) {
            it[m].idx = i;
            it[m].score = sc;
            m++;
        }
    }
    qsort(it, m, sizeof(*it), cmp_rank);
    for (size_t k = 0; k < m && k < max; k++)
        order[(*nout)++] = it[k].idx;
    free(tf);
    free(dl);
    free(it);
    return 0;
}

/* ---- model answers: markers and context ----------------------------------------------------- */

static char *rewrite_once(const char *text, size_t len, const int *map, size_t nmap, bool *used)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    if (used)
        for (size_t k = 0; k < nmap; k++)
            used[k] = false;
    size_t i = 0;
    while (i < len) {
        if (text[i] != '[') {
            size_t j = i;
            while (j < len && text[j] != '[')
                j++;
            if (!fio_buf_append(&b, text + i, j - i))
                goto oom;
            i = j;
            continue;
        }
        /* a bracket of numbers only? */
        size_t j = i + 1;
        bool digit = false, ok = true;
        while (j < len && j - i <= 64 && text[j] != ']') {
            char c = text[j];
            if (c >= '0' && c <= '9')
                digit = true;
            else if (c != ',' && c != ' ')
                ok = false;
            j++;
        }
        if (!ok || !digit || j >= len || text[j] != ']') {
            if (!fio_buf_append(&b, "[", 1))
                goto oom;
            i++;
            continue;
        }
        int kept[16];
        size_t nk = 0;
        for (size_t k = i + 1; k < j;) {
            if (text[k] < '0' || text[k] > '9') {
                k++;
                continue;
            }
            unsigned long v = 0;
            size_t d = 0;
            while (k < j && text[k] >= '0' && text[k] <= '9') {
                if (d < 7)
                    v = v * 10 + (unsigned long)(text[k] - '0');
                d++;
                k++;
            }
            if (d > 6 || v < 1 || v > nmap || map[v - 1] <= 0)
                continue;
            bool dup = false;
            for (size_t x = 0; x < nk && !dup; x++)
                dup = kept[x] == map[v - 1];
            if (!dup && nk < sizeof(kept) / sizeof(kept[0])) {
                kept[nk++] = map[v - 1];
                if (used)
                    used[v - 1] = true;
            }
        }
        if (nk == 0) {
            if (b.len > 0 && b.data[b.len - 1] == ' ')
                b.data[--b.len] = 0;
        } else {
            char tmp[16];
            if (!fio_buf_append(&b, "[", 1))
                goto oom;
            for (size_t x = 0; x < nk; x++) {
                int w = snprintf(tmp, sizeof(tmp), "%s%d", x ? ", " : "", kept[x]);
                if (!fio_buf_append(&b, tmp, (size_t)w))
                    goto oom;
            }
            if (!fio_buf_append(&b, "]", 1))
                goto oom;
        }
        i = j + 1;
    }
    return fio_buf_steal(&b);
oom:
    fio_buf_release(&b);
    return NULL;
}

char *ai_markers_rewrite(const char *text, size_t len, const int *map, size_t nmap, bool *used)
{
    char *out = rewrite_once(text, len, map, nmap, used);
    /* A removed marker can join what was around it into a new one ("[9[9]9]" -> "[99]"): the
     * result is rewritten again, keeping only the numbers it may hold, until it no longer
     * changes. Each further pass only removes text, so this ends; it is bounded anyway. */
    int maxv = 0;
    for (size_t k = 0; k < nmap; k++)
        if (map[k] > maxv)
            maxv = map[k];
    int *ident = calloc(maxv > 0 ? (size_t)maxv : 1, sizeof(*ident));
    for (int k = 0; ident && k < maxv; k++)
        ident[k] = k + 1;
    for (int pass = 0; out && ident && pass < 64; pass++) {
        size_t ol = strlen(out);
        char *again = rewrite_once(out, ol, ident, (size_t)maxv, NULL);
        if (!again || strcmp(again, out) == 0) {
            free(again);
            break;
        }
        free(out);
        out = again;
    }
    if (!ident) {
        free(out);
        out = NULL;
    }
    free(ident);
    return out;
}

char *ai_context_text(const struct ai_passage *p, size_t n, size_t max_bytes)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        char head[400];
        if (p[i].page > 0)
            snprintf(head, sizeof(head), "[%zu] %s, page %d:\n", i + 1, p[i].name ? p[i].name : "",
                     p[i].page);
        else
            snprintf(head, sizeof(head), "[%zu] %s:\n", i + 1, p[i].name ? p[i].name : "");
        const char *t = p[i].text ? p[i].text : "";
        size_t tl = strlen(t);
        if (i > 0 && b.len + strlen(head) + tl + 2 > max_bytes)
            break;
        if (b.len + strlen(head) + tl + 2 > max_bytes) {
            tl = max_bytes > b.len + strlen(head) + 2 ? max_bytes - b.len - strlen(head) - 2 : 0;
            while (tl > 0 && ((unsigned char)t[tl] & 0xC0) == 0x80)
                tl--;
        }
        if (!fio_buf_append(&b, head, strlen(head)) || !fio_buf_append(&b, t, tl) ||
            !fio_buf_append(&b, "\n\n", 2)) {
            fio_buf_release(&b);
            return NULL;
        }
    }
    return fio_buf_steal(&b);
}
