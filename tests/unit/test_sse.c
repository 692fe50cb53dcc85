/* SPDX-License-Identifier: MIT */
/* test_sse.c - the text/event-stream parser of the MCP client (src/client/mcp/sse.h): the
 * framing rules of api §10.3 with exact expected events, fed whole and byte by byte. */
#include "testmain.h"

#include <stdlib.h>

#include "sse.h"

#define MAX_EV 16

struct got {
    int n;
    char type[MAX_EV][64];
    char data[MAX_EV][256];
    size_t len[MAX_EV];
    char id[MAX_EV][64];
    int stop_after; /* return 7 after this many events; 0 = never */
};

static int on_event(void *ud, const struct fio_sse_event *ev)
{
    struct got *g = ud;
    assert_true(g->n < MAX_EV);
    snprintf(g->type[g->n], sizeof(g->type[0]), "%s", ev->type);
    assert_true(ev->data_len < sizeof(g->data[0]));
    memcpy(g->data[g->n], ev->data, ev->data_len);
    g->data[g->n][ev->data_len] = '\0';
    g->len[g->n] = ev->data_len;
    snprintf(g->id[g->n], sizeof(g->id[0]), "%s", ev->id);
    g->n++;
    return g->stop_after != 0 && g->n >= g->stop_after ? 7 : 0;
}

/* Parse text whole (step 0) or in pieces of `step` bytes; returns the last feed's result. */
static int parse(const char *text, size_t n, size_t step, size_t max, struct got *g, long *retry)
{
    struct fio_sse p;
    fio_sse_init(&p, max);
    int rc = 0;
    if (step == 0)
        step = n ? n : 1;
    for (size_t off = 0; off < n && rc == 0; off += step)
        rc = fio_sse_feed(&p, text + off, n - off < step ? n - off : step, on_event, g);
    fio_sse_end(&p);
    if (retry != NULL)
        *retry = p.retry_ms;
    fio_sse_release(&p);
    return rc;
}

static void both_ways(const char *text, size_t n, void (*check)(const struct got *, long))
{
    for (size_t step = 0; step <= 1; step++) {
        struct got g;
        memset(&g, 0, sizeof(g));
        long retry = 0;
        assert_int_equal(parse(text, n, step, 4096, &g, &retry), FIO_SSE_OK);
        check(&g, retry);
    }
}

static void check_basic(const struct got *g, long retry)
{
    assert_int_equal(g->n, 2);
    assert_string_equal(g->type[0], "message");
    assert_string_equal(g->data[0], "first\nsecond");
    assert_string_equal(g->id[0], "7");
    assert_string_equal(g->type[1], "endpoint");
    assert_string_equal(g->data[1], "/messages?sessionId=a");
    assert_string_equal(g->id[1], "7"); /* the last id stays until another one comes */
    assert_int_equal(retry, 1500);
}

static void multi_line_data_ids_retry(void **state)
{
    (void)state;
    static const char t[] = ": comment\n"
                            "id: 7\n"
                            "retry: 1500\n"
                            "data: first\n"
                            "data:second\n"
                            "unknown: ignored\n"
                            "\n"
                            "event: endpoint\n"
                            "data: /messages?sessionId=a\n"
                            "\n";
    both_ways(t, sizeof(t) - 1, check_basic);
}

static void check_endings(const struct got *g, long retry)
{
    (void)retry;
    assert_int_equal(g->n, 3);
    assert_string_equal(g->data[0], "crlf");
    assert_string_equal(g->data[1], "cr");
    assert_string_equal(g->data[2], "lf");
}

static void line_endings_crlf_cr_lf(void **state)
{
    (void)state;
    static const char t[] = "data: crlf\r\n\r\ndata: cr\r\rdata: lf\n\n";
    both_ways(t, sizeof(t) - 1, check_endings);
}

static void check_bom(const struct got *g, long retry)
{
    (void)retry;
    assert_int_equal(g->n, 1);
    assert_string_equal(g->data[0], "after bom");
}

static void leading_bom_skipped(void **state)
{
    (void)state;
    static const char t[] = "\xEF\xBB\xBF" "data: after bom\n\n";
    both_ways(t, sizeof(t) - 1, check_bom);
}

static void check_priming(const struct got *g, long retry)
{
    /* "data: " with an empty value dispatches an event with empty data (MCP's priming event) */
    assert_int_equal(g->n, 1);
    assert_int_equal(g->len[0], 0);
    assert_string_equal(g->id[0], "e-1");
    assert_int_equal(retry, 500);
}

static void priming_event_and_bad_retry(void **state)
{
    (void)state;
    static const char t[] = "id: e-1\nretry: 500\ndata: \n\nretry: 12x\nretry:\n"
                            "id: only-id\n\n"; /* no data: not dispatched */
    both_ways(t, sizeof(t) - 1, check_priming);
}

static void id_with_nul_ignored_and_unterminated_dropped(void **state)
{
    (void)state;
    static const char t[] = "id: good\n\nid: b\0d\ndata: x\n\ndata: never dispatched";
    struct got g;
    memset(&g, 0, sizeof(g));
    assert_int_equal(parse(t, sizeof(t) - 1, 0, 4096, &g, NULL), FIO_SSE_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.id[0], "good");
    assert_string_equal(g.data[0], "x");
}

static void bounds_and_callback_stop(void **state)
{
    (void)state;
    char big[300];
    memset(big, 'a', sizeof(big));
    memcpy(big, "data: ", 6);
    struct got g;
    memset(&g, 0, sizeof(g));
    /* a line over the bound fails, whole or byte by byte */
    assert_int_equal(parse(big, sizeof(big), 0, 100, &g, NULL), FIO_SSE_TOO_LARGE);
    assert_int_equal(parse(big, sizeof(big), 1, 100, &g, NULL), FIO_SSE_TOO_LARGE);
    /* so does an event whose lines fit but whose data does not */
    static const char many[] = "data: 0123456789012345678901234567890123456789\n"
                               "data: 0123456789012345678901234567890123456789\n"
                               "data: 0123456789012345678901234567890123456789\n\n";
    assert_int_equal(parse(many, sizeof(many) - 1, 0, 100, &g, NULL), FIO_SSE_TOO_LARGE);
    assert_int_equal(g.n, 0);
    /* an event id longer than 255 bytes */
    char longid[320];
    memset(longid, 'i', sizeof(longid));
    memcpy(longid, "id: ", 4);
    longid[sizeof(longid) - 1] = '\n';
    assert_int_equal(parse(longid, sizeof(longid), 0, 4096, &g, NULL), FIO_SSE_TOO_LARGE);
    /* the callback's non-zero return stops the parser and is returned */
    static const char two[] = "data: 1\n\ndata: 2\n\n";
    memset(&g, 0, sizeof(g));
    g.stop_after = 1;
    assert_int_equal(parse(two, sizeof(two) - 1, 0, 4096, &g, NULL), 7);
    assert_int_equal(g.n, 1);
}

/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(multi_line_data_ids_retry),
    cmocka_unit_test(line_endings_crlf_cr_lf),
    cmocka_unit_test(leading_bom_skipped),
    cmocka_unit_test(priming_event_and_bad_retry),
    cmocka_unit_test(id_with_nul_ignored_and_unterminated_dropped),
    cmocka_unit_test(bounds_and_callback_stop),
};
/* clang-format on */

TEST_MAIN(tests)
