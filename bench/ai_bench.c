/* SPDX-License-Identifier: MIT */
/* ai_bench.c - the AI chat's extractive composer (src/server/intel/compose.c), never a test.
 * Generates, seeded, the context an answer is composed from: 12 passages of ~200 words (the
 * retrieval limit, AI_CONTEXT_PASSAGES) with one planted sentence that answers the question,
 * then times ai_compose_extractive RUNS times and prints p50 / p99 / max in milliseconds, next to
 * a reference measured in the same run on the same passages: one scan of their bytes counting
 * words, the least any word-based answer must do. Also the BM25
 * ranking of an attachment's passages (ai_rank_passages over 500 passages). Build and run:
 * bench/ai_bench.sh */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "compose.h"

#define RUNS 400
#define NPASS 12

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static unsigned rnd_state = 7;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

static const char *const WORDS[] = {
    "the",        "index",     "passage",   "server",   "report",   "quarterly", "revenue",
    "file",       "upload",    "workspace", "search",   "answer",   "citation",  "page",
    "line",       "document",  "model",     "vector",   "storage",  "network",   "latency",
    "throughput", "budget",    "plan",      "customer", "contract", "signature", "invoice",
    "shipping",   "warehouse", "inventory", "forecast", "analysis",
};

static char *passage(int planted)
{
    struct fio_buf b;
    fio_buf_init(&b, 0);
    for (int s = 0; s < 14; s++) {
        if (planted && s == 7) {
            fio_buf_append_str(&b, "Enterprise customers can request a full refund within "
                                   "thirty days of purchase. ");
            continue;
        }
        int words = 8 + (int)(rnd() % 10);
        for (int w = 0; w < words; w++) {
            fio_buf_append_str(&b, WORDS[rnd() % (sizeof WORDS / sizeof WORDS[0])]);
            fio_buf_append_str(&b, w == words - 1 ? ". " : " ");
        }
    }
    return fio_buf_steal(&b);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
    qsort(t, (size_t)n, sizeof(*t), cmp);
    printf("%-44s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms\n", what, t[n / 2], t[n * 99 / 100],
           t[n - 1]);
}

int main(void)
{
    struct ai_passage p[NPASS];
    char *texts[NPASS];
    for (int i = 0; i < NPASS; i++) {
        texts[i] = passage(i == 5);
        p[i] = (struct ai_passage){"2aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                   "3aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                   "policy.txt",
                                   texts[i],
                                   i + 1,
                                   1,
                                   20,
                                   1.0};
    }
    const char *q = "How many days do enterprise customers have to request a refund?";
    static double tc[RUNS], tr[RUNS];
    size_t sentences = 0;
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_ms();
        size_t words = 0;
        for (int i = 0; i < NPASS; i++) {
            bool in = false;
            for (const char *c = texts[i]; *c; c++) {
                bool w = *c != ' ' && *c != '.' && *c != '\n';
                words += w && !in;
                in = w;
            }
        }
        double t1 = now_ms();
        if (words == 0)
            return 1;
        struct ai_answer a;
        if (ai_compose_extractive(q, p, NPASS, NULL, &a) != 0 || a.outcome != AI_ANSWERED)
            return 1;
        double t2 = now_ms();
        sentences = a.sentences;
        if (r == 0)
            printf("answer: %s\n", a.text);
        ai_answer_free(&a);
        tr[r] = t1 - t0;
        tc[r] = t2 - t1;
    }
    double c50, r50;
    report("reference: one scan counting the words", tr, RUNS);
    r50 = tr[RUNS / 2];
    report("extractive answer (12 passages)", tc, RUNS);
    c50 = tc[RUNS / 2];
    printf("sentences quoted %zu; composer / reference at p50: %.1fx; goal p50 < 50 ms: %s\n",
           sentences, c50 / (r50 > 0 ? r50 : 1e-9), c50 < 50 ? "met" : "NOT met");

    /* an attachment of 500 passages ranked against the question */
    enum { NBIG = 500 };
    static struct ai_passage big[NBIG];
    static char *bt[NBIG];
    static size_t order[NBIG];
    for (int i = 0; i < NBIG; i++) {
        bt[i] = passage(i == 321);
        big[i] = p[0];
        big[i].text = bt[i];
    }
    static double tk[50];
    for (int r = 0; r < 50; r++) {
        size_t n = 0;
        double t0 = now_ms();
        if (ai_rank_passages(q, big, NBIG, 12, order, &n) != 0 || n == 0 || order[0] != 321)
            return 1;
        tk[r] = now_ms() - t0;
    }
    report("BM25 ranking of 500 attached passages", tk, 50);
    for (int i = 0; i < NBIG; i++)
        free(bt[i]);
    for (int i = 0; i < NPASS; i++)
        free(texts[i]);
    return 0;
}
