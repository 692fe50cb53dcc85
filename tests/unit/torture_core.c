/* SPDX-License-Identifier: MIT */
/* torture_core.c - allocation-failure loops ("torture", as in curl's tests and SQLite's malloc
 * tests; docs/decisions.md D-050, ownership rules: D-004) over the envelope decoder
 * (fio_envelope_decode) and the request builder (fio_request_build): for N = 1, 2, ... the N-th
 * allocation fails (once, then in a second pass from the N-th on), until a run needs fewer than N
 * allocations and must succeed. Every failed run must give FASTIO_NOMEM (or the same result as
 * without failures, when the failure was absorbed) and leave nothing allocated.
 *
 * No library change is needed: the test is linked with -Wl,--wrap=malloc,... so every allocation
 * made by the static library's objects (and src/common's) goes through the countdown below;
 * jansson gets the same countdown through json_set_alloc_funcs() and libcurl (header lists)
 * through curl_global_init_mem(). Outstanding blocks are counted here (allocations minus frees
 * while armed), so a leak fails the test in a plain build too; the sanitizer build
 * (FASTIO_SANITIZE) checks it again with LeakSanitizer. */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "envelope.h"
#include "request.h"
#include "sse.h"
#include "testmain.h"

/* The loop ends long before this (a run needs some dozens of allocations); the bound only makes
 * sure that it ends. */
#define MAX_N 10000

/* ---- the countdown allocator ---------------------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static struct {
    bool armed;
    bool sticky; /* fail every allocation from the N-th on, not only the N-th */
    long fail_at;
    long calls;  /* allocations seen since arm() */
    long failed; /* allocations refused since arm() */
    long live;   /* blocks allocated minus blocks freed since arm() */
} T;

static void arm(long fail_at, bool sticky)
{
    T.fail_at = fail_at;
    T.sticky = sticky;
    T.calls = T.failed = T.live = 0;
    T.armed = true;
}

static void disarm(void)
{
    T.armed = false;
}

/* Whether this allocation is refused (counted while armed). */
static bool refuse(void)
{
    if (!T.armed)
        return false;
    T.calls++;
    if (T.fail_at > 0 && (T.calls == T.fail_at || (T.sticky && T.calls > T.fail_at))) {
        T.failed++;
        return true;
    }
    return false;
}

static void *counted(void *p)
{
    if (p != NULL && T.armed)
        T.live++;
    return p;
}

void *__wrap_malloc(size_t n)
{
    return refuse() ? NULL : counted(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size)
{
    return refuse() ? NULL : counted(__real_calloc(n, size));
}

void *__wrap_realloc(void *p, size_t n)
{
    if (refuse())
        return NULL; /* the old block stays valid, as after a real failure */
    void *q = __real_realloc(p, n);
    return p == NULL ? counted(q) : q;
}

void __wrap_free(void *p)
{
    if (p != NULL && T.armed)
        T.live--;
    __real_free(p);
}

char *__wrap_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = __wrap_malloc(len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *__wrap_strdup(const char *s)
{
    return __wrap_strndup(s, strlen(s));
}

/* jansson and libcurl are shared libraries (--wrap does not reach them): they get the same
 * countdown through their allocator hooks. */
static void *lib_malloc(size_t n)
{
    return __wrap_malloc(n);
}

static void lib_free(void *p)
{
    __wrap_free(p);
}

static void *lib_realloc(void *p, size_t n)
{
    return __wrap_realloc(p, n);
}

static char *lib_strdup(const char *s)
{
    return __wrap_strdup(s);
}

static void *lib_calloc(size_t n, size_t size)
{
    return __wrap_calloc(n, size);
}

static int install_allocators(void **state)
{
    (void)state;
    json_set_alloc_funcs(lib_malloc, lib_free);
    return curl_global_init_mem(CURL_GLOBAL_DEFAULT, lib_malloc, lib_free, lib_realloc, lib_strdup,
                                lib_calloc) == CURLE_OK
               ? 0
               : -1;
}

static int remove_allocators(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

/* ---- the loop ------------------------------------------------------------------------------- */

/* One target: run() performs the call with the allocator armed as the caller set it, describes
 * the outcome in *summary (made unarmed; owned by the caller) and releases everything the call
 * made. It returns the status of the call. */
struct target {
    const char *name;
    enum fastio_status (*run)(const void *input, char **summary, struct fastio_error *err);
    const void *input;
    /* A known defect outside this test's reach (NULL = none): whether the outcome of a run whose
     * N-th allocation failed is that defect. Such a run is reported, not failed, and must still
     * leave nothing allocated. */
    const char *(*known)(long n, enum fastio_status st, const struct fastio_error *err);
};

/* Run t with the N-th allocation failing, for N = 1 .. until a run refuses nothing. Returns the
 * number of allocations a successful run makes. */
static long torture(const struct target *t, bool sticky)
{
    struct fastio_error err;
    char *want = NULL;
    enum fastio_status want_st = t->run(t->input, &want, &err);
    assert_non_null(want);

    long n, known = 0;
    for (n = 1; n <= MAX_N; n++) {
        char *got = NULL;
        memset(&err, 0, sizeof(err)); /* a stale NOMEM must not hide a status left unset */
        arm(n, sticky);
        enum fastio_status st = t->run(t->input, &got, &err);
        long failed = T.failed, calls = T.calls, live = T.live;
        disarm();
        const char *defect = live == 0 && failed > 0 && t->known ? t->known(n, st, &err) : NULL;
        if (defect != NULL) {
            print_message("%s (%s): allocation %ld failed -> %s: KNOWN DEFECT: %s\n", t->name,
                          sticky ? "from then on" : "once", n, fastio_status_name(st), defect);
            free(got);
            known++;
            continue;
        }
        if (live != 0 || (failed > 0 && st != FASTIO_NOMEM && st != want_st) ||
            (failed == 0 && st != want_st) || (st == FASTIO_NOMEM && err.status != FASTIO_NOMEM) ||
            (st != FASTIO_NOMEM && (got == NULL || strcmp(got, want) != 0))) {
            print_error("%s (%s): allocation %ld of %ld failed -> %s (%s), want %s or NOMEM; "
                        "%ld block(s) left; output '%s', want '%s'\n",
                        t->name, sticky ? "from then on" : "once", n, calls, fastio_status_name(st),
                        err.message, fastio_status_name(want_st), live, got ? got : "(none)", want);
            fail();
        }
        free(got);
        if (failed == 0)
            break; /* the call needed fewer than n allocations and did its work */
    }
    free(want);
    assert_true(n <= MAX_N);
    print_message("%s (%s): %ld allocation(s); each failure a clean NOMEM, absorbed, or (%ld) a "
                  "known defect\n",
                  t->name, sticky ? "from then on" : "once", n - 1, known);
    return n - 1;
}

/* ---- the envelope decoder ------------------------------------------------------------------- */

struct envelope_input {
    const char *body;
    long http;
};

/* Decode, then describe the outcome as "<status>|<code>|<message>|<normalised JSON>" (owned by
 * the caller; NULL only when the description itself cannot be made). */
static enum fastio_status run_envelope(const void *input, char **summary, struct fastio_error *err)
{
    const struct envelope_input *in = input;
    json_t *out = NULL;
    enum fastio_status st = fio_envelope_decode(in->body, strlen(in->body), in->http, &out, err);
    bool was_armed = T.armed;
    T.armed = false; /* the description below is the test's, not the decoder's */
    char *json = out != NULL ? json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    size_t size = 64 + strlen(err->message) + (json ? strlen(json) : 0);
    char *s = malloc(size);
    if (s != NULL)
        snprintf(s, size, "%s|%ld|%s|%s", fastio_status_name(st), err->api_code, err->message,
                 json ? json : "-");
    free(json);
    T.armed = was_armed;
    json_decref(out); /* counted: the decoder's output must come back whole */
    *summary = s;
    return st;
}

static const struct envelope_input envelopes[] = {
    /* wrapped success with members beside "response" (merged into it) */
    {"{\"result\":true,\"response\":{\"org\":{\"id\":\"1\",\"name\":\"a\"},\"n\":[1,2,3]},"
     "\"pagination\":{\"next\":\"c2\"},\"current_api_version\":\"1.0\"}",
     200},
    /* flat success */
    {"{\"result\":\"yes\",\"user\":{\"id\":\"42\",\"email\":\"a@b.test\",\"tags\":[\"x\",\"y\"]}}",
     200},
    /* API error with a code as a string and a message with control characters */
    {"{\"result\":false,\"error\":{\"code\":\"1609\",\"text\":\"Not\\nfound \\u0001 here\"}}", 404},
    /* the flat AI-cancel failure */
    {"{\"result\":0,\"error_message\":\"cancelled\",\"error_id\":1671}", 429},
    /* not an envelope: a proxy page and a bare array */
    {"<html><body><h1>502 Bad Gateway</h1></body></html>", 502},
    {"[1,2,3]", 200},
    /* No Content */
    {"", 204},
};

/* KNOWN DEFECTS of jansson 2.14's parser, not fixable in envelope.c alone; accepted only when
 * the failed allocation is one of the parser's (the first parser_allocs of the run):
 *  - json_loadb() reports an allocation failure as a syntax error (json_error_invalid_syntax,
 *    or json_error_unknown with no text), never json_error_out_of_memory, so
 *    fio_envelope_decode() takes the body for "not a JSON object": FASTIO_PROTOCOL for a 2xx,
 *    the HTTP status's class otherwise, with an "HTTP <n>..." excerpt, not FASTIO_NOMEM;
 *  - its lexer ignores a failed strbuffer_append_byte() (lex_save), so a string or key that
 *    grows past its buffer while memory runs out loses a byte and the parse SUCCEEDS with
 *    altered text ("current_api_version" -> "current_api_vesion"): FASTIO_OK, wrong output. */
static long parser_allocs;

static const char *parser_oom(long n, enum fastio_status st, const struct fastio_error *err)
{
    if (n > parser_allocs)
        return NULL;
    if (st == FASTIO_OK)
        return "jansson's lexer dropped a byte (lex_save ignores OOM): altered text";
    if (err->api_code == 0 && strncmp(err->message, "HTTP ", 5) == 0)
        return "jansson reports OOM as a syntax error: body taken for not-JSON";
    return NULL;
}

/* Both loops over one body. */
static void torture_body(const struct envelope_input *in)
{
    struct target t = {"fio_envelope_decode", run_envelope, in, parser_oom};
    json_error_t jerr;
    arm(0, false); /* count, fail nothing */
    json_decref(json_loadb(in->body, strlen(in->body), JSON_DECODE_ANY, &jerr));
    parser_allocs = in->body[0] != '\0' ? T.calls : 0; /* "" is not parsed */
    disarm();
    print_message("body (%ld parser allocations): %.60s\n", parser_allocs, in->body);
    torture(&t, false);
    torture(&t, true);
}

static void torture_envelope_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(envelopes) / sizeof(envelopes[0]); i++)
        torture_body(&envelopes[i]);
}

/* A number longer than the lexer's first buffer (16 bytes), as in a byte count or an id.
 * KNOWN DEFECT (jansson 2.14 as packaged, assertions on; akheron/jansson#362): when the buffer
 * cannot grow, lex_save drops the byte and lex_unget_unsave's assert(c == d) aborts the
 * process, so fio_envelope_decode() crashes the caller under memory pressure instead of
 * returning NOMEM. The loops run in a child process: SIGABRT is reported as that defect; any
 * other end but a clean exit fails the case. */
static void torture_envelope_long_number(void **state)
{
    (void)state;
    static const struct envelope_input in = {
        "{\"result\":true,\"size\":12345678901234567,\"ids\":[1234567890123456,-1.25e-300]}", 200};
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        torture_body(&in);
        fflush(NULL);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT) {
        print_message("fio_envelope_decode: KNOWN DEFECT: jansson aborted (assert in "
                      "lex_unget_unsave under OOM, akheron/jansson#362)\n");
        return;
    }
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- the request builder -------------------------------------------------------------------- */

struct request_input {
    enum fastio_params_kind params;
    enum fastio_auth_kind auth;
    bool path_args; /* a row with at least one "{}" */
};

/* The first row of the given kind, or -1. */
static int find_row(const struct request_input *in)
{
    for (int ep = 0; ep < FASTIO_EP_COUNT_; ep++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)ep);
        if (row != NULL && row->params == in->params && row->auth == in->auth &&
            (row->path_args > 0) == in->path_args)
            return ep;
    }
    return -1;
}

/* Build, then describe the request as "<status>|<url>|<body>|<header>|<header>..." (owned by
 * the caller). */
static enum fastio_status run_request(const void *input, char **summary, struct fastio_error *err)
{
    const struct request_input *in = input;
    int ep = find_row(in);
    static const char *const args[] = {"id 1/ä,x", "second arg", "third", "fourth"};
    const struct fastio_param params[] = {
        {"name", "a b&c=d"}, {"title", "Ünïcode ✓"}, {"skipped", NULL}, {"empty", ""}};
    const struct fio_call_opts opts = {"user@example.test", "pa:ss word"};
    struct fio_request rq;
    fio_request_init(&rq);
    enum fastio_status st = FASTIO_INVALID;
    if (ep >= 0) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)ep);
        size_t n_params = in->params == FASTIO_PARAMS_NONE ? 0 : sizeof(params) / sizeof(params[0]);
        st = fio_request_build(&rq, (enum fastio_endpoint)ep, "http://127.0.0.1:1/current",
                               "tok-123", args, row->path_args, params, n_params, &opts, err);
    }
    bool was_armed = T.armed;
    T.armed = false;
    size_t size = 64 + rq.url.len + rq.body.len;
    for (struct curl_slist *h = rq.headers; h != NULL; h = h->next)
        size += strlen(h->data) + 1;
    char *s = malloc(size);
    if (s != NULL) {
        int w = snprintf(s, size, "%s|%s|%s", fastio_status_name(st),
                         rq.url.data ? rq.url.data : "", rq.body.data ? rq.body.data : "");
        size_t at = w > 0 ? (size_t)w : 0;
        for (struct curl_slist *h = rq.headers; h != NULL && at < size; h = h->next) {
            w = snprintf(s + at, size - at, "|%s", h->data);
            at += w > 0 ? (size_t)w : 0;
        }
    }
    T.armed = was_armed;
    fio_request_release(&rq); /* counted: whatever the builder made must be released here */
    *summary = s;
    return st;
}

static void torture_one_row(enum fastio_params_kind params, enum fastio_auth_kind auth,
                            bool path_args)
{
    const struct request_input in = {params, auth, path_args};
    int ep = find_row(&in);
    if (ep < 0) {
        print_message("no row with params %d, auth %d, path args %d: skipped\n", params, auth,
                      path_args);
        return;
    }
    print_message("row %s\n", fastio_endpoint_get((enum fastio_endpoint)ep)->name);
    struct target t = {"fio_request_build", run_request, &in, NULL};
    struct fastio_error err;
    char *s = NULL;
    assert_int_equal(run_request(&in, &s, &err), FASTIO_OK); /* the reference run builds */
    free(s);
    torture(&t, false);
    torture(&t, true);
}

static void torture_request_query(void **state)
{
    (void)state;
    torture_one_row(FASTIO_PARAMS_QUERY, FASTIO_AUTH_BEARER, true);
    torture_one_row(FASTIO_PARAMS_QUERY, FASTIO_AUTH_BEARER, false);
}

static void torture_request_form(void **state)
{
    (void)state;
    torture_one_row(FASTIO_PARAMS_FORM, FASTIO_AUTH_BEARER, true);
    torture_one_row(FASTIO_PARAMS_FORM, FASTIO_AUTH_NONE, false);
}

static void torture_request_json(void **state)
{
    (void)state;
    torture_one_row(FASTIO_PARAMS_JSON, FASTIO_AUTH_BEARER, true);
    torture_one_row(FASTIO_PARAMS_JSON, FASTIO_AUTH_BEARER, false);
}

static void torture_request_basic(void **state)
{
    (void)state;
    torture_one_row(FASTIO_PARAMS_NONE, FASTIO_AUTH_BASIC, false);
    torture_one_row(FASTIO_PARAMS_QUERY, FASTIO_AUTH_BASIC, false);
    torture_one_row(FASTIO_PARAMS_FORM, FASTIO_AUTH_BASIC, false);
}

/* The countdown itself: a refused allocation is seen by the code under test, and a leak is
 * seen by the counter (so the loop above can fail). */
static void torture_countdown_works(void **state)
{
    (void)state;
    arm(2, false);
    void *a = malloc(8), *b = malloc(8), *c = malloc(8);
    long live = T.live;
    disarm();
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    assert_int_equal(live, 2);
    free(a);
    free(c);
    arm(1, false);
    json_t *j = json_object();
    disarm();
    assert_null(j); /* jansson's allocations are counted too */
    arm(1, false);
    struct curl_slist *l = curl_slist_append(NULL, "X: y");
    disarm();
    assert_null(l); /* and libcurl's */
}

/* ---- the MCP client's event-stream parser (sse.h) ------------------------------------------ */

struct sse_summary {
    char text[1024];
    size_t len;
};

static int sse_collect(void *ud, const struct fio_sse_event *ev)
{
    struct sse_summary *s = ud; /* a fixed buffer: the callback allocates nothing */
    int w = snprintf(s->text + s->len, sizeof(s->text) - s->len, "[%s|%s|%.*s]", ev->type, ev->id,
                     (int)ev->data_len, ev->data);
    if (w > 0 && (size_t)w < sizeof(s->text) - s->len)
        s->len += (size_t)w;
    return 0;
}

/* Feed a stream of several events in 5-byte pieces (lines and CRLFs cut across calls). */
static enum fastio_status run_sse(const void *input, char **summary, struct fastio_error *err)
{
    const char *text = input;
    size_t n = strlen(text);
    struct sse_summary sum = {.len = 0};
    struct fio_sse p;
    fio_sse_init(&p, 4096);
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += 5)
        rc = fio_sse_feed(&p, text + off, n - off < 5 ? n - off : 5, sse_collect, &sum);
    fio_sse_end(&p);
    fio_sse_release(&p); /* counted: whatever the parser made must be released here */
    enum fastio_status st = rc == FIO_SSE_NOMEM ? FASTIO_NOMEM
                            : rc == 0           ? FASTIO_OK
                                                : FASTIO_PROTOCOL;
    if (st == FASTIO_NOMEM)
        (void)fio_error_set(err, st, "out of memory");
    bool was_armed = T.armed;
    T.armed = false;
    char *s = malloc(sum.len + 32);
    if (s != NULL)
        snprintf(s, sum.len + 32, "%s|%s", fastio_status_name(st), sum.text);
    T.armed = was_armed;
    *summary = s;
    return st;
}

static void torture_sse_parser(void **state)
{
    (void)state;
    static const char stream[] = "\xEF\xBB\xBF: hello\r\nid: 1\r\nretry: 300\r\ndata: \r\n\r\n"
                                 "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\n"
                                 "data: \"result\":{}}\nid: 2\n\n"
                                 "event: endpoint\rdata: /messages?sessionId=abc\r\r";
    struct target t = {"fio_sse_feed", run_sse, stream, NULL};
    assert_true(torture(&t, false) > 0);
    torture(&t, true);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(torture_sse_parser),
    cmocka_unit_test(torture_countdown_works),      cmocka_unit_test(torture_envelope_decode),
    cmocka_unit_test(torture_envelope_long_number), cmocka_unit_test(torture_request_query),
    cmocka_unit_test(torture_request_form),         cmocka_unit_test(torture_request_json),
    cmocka_unit_test(torture_request_basic),
};

/* Like TEST_MAIN, with the allocators installed before anything allocates through them. */
int main(int argc, char **argv)
{
    if (argc > 2)
        return 1;
    if (argc == 2) {
        int found = 0;
        for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
            if (strcmp(tests[i].name, argv[1]) == 0)
                found = 1;
        if (!found) {
            fprintf(stderr, "%s: no test case named '%s'\n", argv[0], argv[1]);
            return 1;
        }
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, install_allocators, remove_allocators);
}
