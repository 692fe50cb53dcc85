/* SPDX-License-Identifier: MIT */
/* test_compose.c - the extractive composer, the attachment ranking and the marker rewriting of
 * model answers (src/server/intel/compose.h; docs/server.md "AI chat"; D-106, D-107). */
#include <stdlib.h>

#include <jansson.h>

#include "compose.h"
#include "testmain.h"

static const struct ai_passage P[] = {
    {"2aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "3aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "policy.md",
     "# Refund policy\n\nEnterprise customers can request a full refund within thirty days of "
     "purchase. Refunds are paid back to the original card in five business days.",
     0, 1, 4, 2.0},
    {"2bbbbbbbbbbbbbbbbbbbbbbbbbbbb", "3bbbbbbbbbbbbbbbbbbbbbbbbbbbb", "handbook.pdf",
     "Storm warnings are raised with three red flags. The lighthouse keeper logs the tide "
     "tables every evening.",
     2, 1, 2, 1.5},
    {"2aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "3aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "policy.md",
     "Orders ship from Lisbon every weekday. International shipping takes two weeks.", 0, 6, 7,
     1.0},
};

static void terms_drop_stop_words_and_stem(void **state)
{
    (void)state;
    struct ai_terms t;
    const char *q = "What are the REFUNDS for enterprise customers, and how are they paid?";
    ai_terms_of(q, strlen(q), &t);
    assert_int_equal(t.n, 4);
    assert_string_equal(t.term[0], "refund");
    assert_string_equal(t.term[1], "enterprise");
    assert_string_equal(t.term[2], "customer");
    assert_string_equal(t.term[3], "paid");
    ai_terms_of("what is it?", 11, &t);
    assert_int_equal(t.n, 0);
    /* bounded: at most AI_TERMS_MAX terms, words cut at AI_TERM_BYTES */
    char big[8192];
    size_t n = 0;
    for (int i = 0; i < 500 && n + 16 < sizeof(big); i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "w%dx ", i);
    ai_terms_of(big, n, &t);
    assert_int_equal(t.n, AI_TERMS_MAX);
    memset(big, 'z', 300);
    ai_terms_of(big, 300, &t);
    assert_int_equal(t.n, 1);
    assert_int_equal(strlen(t.term[0]), AI_TERM_BYTES - 1);
}

static void answers_with_numbered_citations(void **state)
{
    (void)state;
    struct ai_answer a;
    assert_int_equal(ai_compose_extractive("How are storm warnings raised?", P, 3, NULL, &a), 0);
    assert_int_equal(a.outcome, AI_ANSWERED);
    assert_string_equal(a.text, "Storm warnings are raised with three red flags. [1]");
    assert_int_equal(json_array_size(a.citations), 1);
    json_t *c = json_array_get(a.citations, 0);
    assert_string_equal(json_string_value(json_object_get(c, "nodeId")), P[1].node_id);
    assert_string_equal(json_string_value(json_object_get(c, "versionId")), P[1].version_id);
    json_t *e = json_array_get(json_object_get(c, "entries"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "page")), 2);
    assert_string_equal(json_string_value(json_object_get(e, "snippet")),
                        "Storm warnings are raised with three red flags.");
    ai_answer_free(&a);

    /* two files: each sentence carries its own file's number, numbers in order of use */
    assert_int_equal(ai_compose_extractive("refund days and storm warnings flags", P, 3, NULL, &a),
                     0);
    assert_int_equal(a.outcome, AI_ANSWERED);
    assert_int_equal(json_array_size(a.citations), 2);
    assert_non_null(strstr(a.text, "[1]"));
    assert_non_null(strstr(a.text, "[2]"));
    assert_null(strstr(a.text, "[3]"));
    ai_answer_free(&a);
}

static void not_found_and_needs_input(void **state)
{
    (void)state;
    struct ai_answer a;
    struct ai_compose_opts o = {.where = "the attached files"};
    assert_int_equal(ai_compose_extractive("volcano eruption magma", P, 3, &o, &a), 0);
    assert_int_equal(a.outcome, AI_NOT_FOUND);
    assert_non_null(strstr(a.text, "Not found in the attached files"));
    assert_int_equal(json_array_size(a.citations), 0);
    ai_answer_free(&a);
    assert_int_equal(ai_compose_extractive("volcano", NULL, 0, NULL, &a), 0);
    assert_int_equal(a.outcome, AI_NOT_FOUND);
    ai_answer_free(&a);
    assert_int_equal(ai_compose_extractive("What is it?", P, 3, NULL, &a), 0);
    assert_int_equal(a.outcome, AI_NEEDS_INPUT);
    assert_string_equal(a.text, "What is it?");
    assert_non_null(a.clarification);
    ai_answer_free(&a);
}

static void deterministic_and_bounded(void **state)
{
    (void)state;
    struct ai_answer a, b;
    const char *q = "When are refunds paid and where do orders ship from?";
    assert_int_equal(ai_compose_extractive(q, P, 3, NULL, &a), 0);
    assert_int_equal(ai_compose_extractive(q, P, 3, NULL, &b), 0);
    assert_string_equal(a.text, b.text);
    assert_true(json_equal(a.citations, b.citations));
    assert_true(a.sentences <= AI_ANSWER_SENTENCES);
    ai_answer_free(&a);
    ai_answer_free(&b);
    /* copies of one file: one sentence quoted once */
    struct ai_passage dup[2] = {P[1], P[1]};
    dup[1].node_id = "2ccccccccccccccccccccccccccccc";
    assert_int_equal(ai_compose_extractive("storm warnings flags", dup, 2, NULL, &a), 0);
    assert_int_equal(a.sentences, 1);
    ai_answer_free(&a);
    /* a passage without any sentence end, far longer than a sentence */
    char *big = malloc(100001);
    for (int i = 0; i < 100000; i++)
        big[i] = i % 7 == 6 ? ' ' : 'k';
    big[100000] = 0;
    memcpy(big + 50000, " lighthouse ", 12);
    struct ai_passage one = P[1];
    one.text = big;
    assert_int_equal(ai_compose_extractive("lighthouse", &one, 1, NULL, &a), 0);
    assert_int_equal(a.outcome, AI_ANSWERED);
    assert_true(strlen(a.text) < AI_SENTENCE_BYTES + 80);
    ai_answer_free(&a);
    free(big);
}

static void ranks_attached_passages(void **state)
{
    (void)state;
    struct ai_passage v[3] = {P[0], P[1], P[2]};
    size_t order[3], n = 0;
    assert_int_equal(ai_rank_passages("Where do orders ship from?", v, 3, 3, order, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(order[0], 2);
    assert_int_equal(ai_rank_passages("refund storm", v, 3, 1, order, &n), 0);
    assert_int_equal(n, 1); /* max */
    assert_int_equal(ai_rank_passages("nothing matches zebra", v, 3, 3, order, &n), 0);
    assert_int_equal(n, 0);
}

static void rewrites_model_markers(void **state)
{
    (void)state;
    int map[4] = {1, 0, 2, 2};
    bool used[4];
    char *t;
    const char *in = "Flags are red [1]. Tides [3][4] and more [2]. Bad [9] and [x] and [1, 3, 9].";
    t = ai_markers_rewrite(in, strlen(in), map, 4, used);
    assert_string_equal(t, "Flags are red [1]. Tides [2][2] and more. Bad and [x] and [1, 2].");
    assert_true(used[0] && !used[1] && used[2] && used[3]);
    free(t);
    t = ai_markers_rewrite("[", 1, map, 4, NULL);
    assert_string_equal(t, "[");
    free(t);
    t = ai_markers_rewrite("", 0, map, 4, NULL);
    assert_string_equal(t, "");
    free(t);
    t = ai_markers_rewrite("x [99999999999]", 15, map, 4, NULL);
    assert_string_equal(t, "x");
    free(t);
    /* a removed marker must not join its neighbours into a new one (found by fuzz_compose) */
    t = ai_markers_rewrite("a [9[9 9]909999] b", 18, map, 4, NULL);
    assert_string_equal(t, "a b");
    free(t);
}

static void context_is_numbered_and_capped(void **state)
{
    (void)state;
    char *c = ai_context_text(P, 3, 100000);
    assert_non_null(strstr(c, "[1] policy.md:\n# Refund policy"));
    assert_non_null(strstr(c, "[2] handbook.pdf, page 2:\nStorm"));
    assert_non_null(strstr(c, "[3] policy.md:\nOrders"));
    free(c);
    c = ai_context_text(P, 3, 60);
    assert_true(strlen(c) <= 60);
    assert_non_null(strstr(c, "[1] policy.md"));
    assert_null(strstr(c, "[2]"));
    free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(terms_drop_stop_words_and_stem),
    cmocka_unit_test(answers_with_numbered_citations),
    cmocka_unit_test(not_found_and_needs_input),
    cmocka_unit_test(deterministic_and_bounded),
    cmocka_unit_test(ranks_attached_passages),
    cmocka_unit_test(rewrites_model_markers),
    cmocka_unit_test(context_is_numbered_and_capped),
};
TEST_MAIN(tests)
