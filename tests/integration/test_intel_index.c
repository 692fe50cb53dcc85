/* SPDX-License-Identifier: MIT */
/* test_intel_index.c - workspace intelligence against a real fastio-server (docs/server.md
 * "Intelligence"; api §4.1 ai.state, §4.2 search, §8.5): ai states (pending -> indexed for text,
 * ready for a binary, failed with a reason for a malformed PDF), the activity key
 * ai_state:{node}, storage search with page and snippet, scopes, trash / restore / purge, a new
 * version replacing the old passages, intelligence off (flush, name search) and on again
 * (re-index), another account kept out, and a kill -9 in the middle of indexing many files
 * followed by a restart: every file indexed exactly once; hybrid retrieval (--embed-url) against
 * a protocol fixture that speaks the OpenAI embeddings protocol (see "PROTOCOL FIXTURE" below).
 *
 * Waiting is bounded by a number of polls, never asserted on time. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "it_upload.h"
#include "pdfgen.h"

#define POLLS 3000 /* x 20 ms: how long a wait may take before the test gives up */

static const struct it_fixture_opts fx_opts = {NULL, true, NULL};
static struct it_fixture fx;

static json_t *get_ok(const struct it_server *s, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static json_t *get_ok(const struct it_server *s, const char *token, const char *fmt, ...)
{
    char path[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return itu_ok_json(s, token, "GET", path, NULL);
}

static void set_intelligence(const struct it_server *s, const char *token, const char *ws, bool on)
{
    char path[256];
    snprintf(path, sizeof(path), "/current/workspace/%s/update/", ws);
    long st;
    json_t *j = itu_form_json(s, token, "POST", path, on ? "intelligence=true" : "intelligence=false", &st);
    assert_int_equal(st, 200);
    json_decref(j);
}

static void mkfolder(const struct it_server *s, const char *token, const char *ws, const char *name,
                     char *id)
{
    char path[256], form[128];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/root/createfolder/", ws);
    snprintf(form, sizeof(form), "name=%s", name);
    long st;
    json_t *j = itu_form_json(s, token, "POST", path, form, &st);
    assert_int_equal(st, 200);
    snprintf(id, 64, "%s",
             json_string_value(json_object_get(json_object_get(j, "folder"), "id"))
                 ? json_string_value(json_object_get(json_object_get(j, "folder"), "id"))
                 : json_string_value(json_object_get(json_object_get(j, "node"), "id")));
    json_decref(j);
}

/* The node's ai object (owned). */
static json_t *ai_of(const struct it_server *s, const char *token, const char *ws, const char *node)
{
    json_t *j = get_ok(s, token, "/current/workspace/%s/storage/%s/details/", ws, node);
    json_t *ai = json_incref(json_object_get(json_object_get(j, "node"), "ai"));
    json_decref(j);
    assert_non_null(ai);
    return ai;
}

/* Wait (bounded) until the node's ai.state is want; fails otherwise. Returns the ai object. */
static json_t *wait_state(const struct it_server *s, const char *token, const char *ws,
                          const char *node, const char *want)
{
    for (int i = 0; i < POLLS; i++) {
        json_t *ai = ai_of(s, token, ws, node);
        const char *st = json_string_value(json_object_get(ai, "state"));
        if (st && strcmp(st, want) == 0)
            return ai;
        json_decref(ai);
        itu_nap_ms(20);
    }
    fail_msg("node %s never reached ai.state %s", node, want);
    return NULL;
}

/* Wait (bounded) until the SQL count is want. */
static void wait_db(const struct it_server *s, long long want, const char *sql, const char *a)
{
    long long got = -2;
    for (int i = 0; i < POLLS; i++) {
        got = it_db(s, sql, a, NULL);
        if (got == want)
            return;
        itu_nap_ms(20);
    }
    fail_msg("%s [%s]: %lld, want %lld", sql, a, got, want);
}

/* Storage search; the body (owned). extra: more query text ("" for none). */
static json_t *search(const struct it_server *s, const char *token, const char *ws, const char *q,
                      const char *extra)
{
    return get_ok(s, token, "/current/workspace/%s/storage/search/?search=%s%s", ws, q, extra);
}

static size_t nfiles(json_t *res)
{
    return json_object_size(json_object_get(res, "files"));
}

static json_t *hit(json_t *res, const char *node)
{
    return json_object_get(json_object_get(res, "files"), node);
}

/* ---- cases ---------------------------------------------------------------------------------- */

static const char *T1 = "Penguins of the southern ocean dive for krill near the ice shelf.\n";

static void test_states_and_activity(void **state)
{
    (void)state;
    const char *tok = fx.srv.owner_key, *ws = fx.owner.ws;
    char node[64], bin[64], bad[64];
    /* intelligence off: disabled */
    itu_upload_file(&fx.srv, tok, ws, "root", "before.txt", T1, strlen(T1), node);
    json_t *ai = ai_of(&fx.srv, tok, ws, node);
    assert_string_equal(json_string_value(json_object_get(ai, "state")), "disabled");
    json_decref(ai);
    assert_int_equal(it_db(&fx.srv, "SELECT COUNT(*) FROM intel_nodes", NULL), 0);

    /* the cursor before turning it on, to see the ai_state keys arrive */
    json_t *p0 = get_ok(&fx.srv, tok, "/current/activity/poll/%s/?wait=0", ws);
    char cursor[64];
    snprintf(cursor, sizeof(cursor), "%s", json_string_value(json_object_get(p0, "lastactivity")));
    json_decref(p0);

    set_intelligence(&fx.srv, tok, ws, true);
    ai = wait_state(&fx.srv, tok, ws, node, "indexed"); /* on: the existing file is indexed */
    json_decref(ai);

    unsigned char *noise = itu_bytes(5000, 7);
    noise[0] = 0x89; /* PNG magic: kept but not text */
    memcpy(noise + 1, "PNG\r\n\x1a\n", 7);
    itu_upload_file(&fx.srv, tok, ws, "root", "picture.png", noise, 5000, bin);
    free(noise);
    const char *broken = "%PDF-1.4\n1 0 obj << /Type /Catalog broken beyond repair\n";
    itu_upload_file(&fx.srv, tok, ws, "root", "broken.pdf", broken, strlen(broken), bad);

    ai = wait_state(&fx.srv, tok, ws, bin, "ready");
    json_decref(ai);
    ai = wait_state(&fx.srv, tok, ws, bad, "failed");
    const char *reason = json_string_value(json_object_get(ai, "reason"));
    assert_non_null(reason);
    assert_non_null(strstr(reason, "pdf"));
    json_decref(ai);

    /* the activity long-poll carried ai_state:{node} for the text file */
    char want[96];
    snprintf(want, sizeof(want), "ai_state:%s", node);
    bool seen = false;
    for (int i = 0; i < 50 && !seen; i++) {
        json_t *p =
            get_ok(&fx.srv, tok, "/current/activity/poll/%s/?wait=1&lastactivity=%s", ws, cursor);
        json_t *keys = json_object_get(p, "activity");
        for (size_t k = 0; k < json_array_size(keys); k++)
            if (strcmp(json_string_value(json_array_get(keys, k)), want) == 0)
                seen = true;
        snprintf(cursor, sizeof(cursor), "%s",
                 json_string_value(json_object_get(p, "lastactivity")));
        json_decref(p);
    }
    /* keys are remembered per workspace (a ring); a cursor older than it gets the generic answer,
     * which is why the poll starts at the cursor taken before the change */
    assert_true(seen);
}

static void test_search_pdf_page_and_snippet(void **state)
{
    (void)state;
    const char *tok = fx.srv.owner_key, *ws = fx.owner.ws;
    set_intelligence(&fx.srv, tok, ws, true);
    const char *pages[] = {"Annual report of the observatory\nWeather was calm.",
                           "The telescope mirror was recoated with aluminium in March.",
                           "Budget and staffing remain unchanged."};
    size_t len;
    char *pdf = pdfgen_make(pages, 3, false, &len);
    char node[64];
    itu_upload_file(&fx.srv, tok, ws, "root", "observatory.pdf", pdf, len, node);
    free(pdf);
    json_decref(wait_state(&fx.srv, tok, ws, node, "indexed"));
    json_t *r = search(&fx.srv, tok, ws, "telescope%20mirror", "");
    json_t *h = hit(r, node);
    assert_non_null(h);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(h, "page"), "start_page")),
                     2);
    assert_non_null(strstr(json_string_value(json_object_get(h, "content_snippet")), "telescope"));
    assert_string_equal(json_string_value(json_object_get(h, "match_source")), "keyword");
    double score = json_real_value(json_object_get(h, "relevance_score"));
    assert_true(score > 0 && score <= 0.5);
    json_t *meta = json_object_get(r, "search_metadata");
    assert_true(json_is_true(json_object_get(meta, "intelligence_enabled")));
    json_decref(r);
    /* stemming: "recoating" finds "recoated"; terse output cuts the snippet */
    r = search(&fx.srv, tok, ws, "recoating", "&output=terse&details=true");
    h = hit(r, node);
    assert_non_null(h);
    assert_true(strlen(json_string_value(json_object_get(h, "content_snippet"))) <= 210);
    assert_string_equal(json_string_value(json_object_get(json_object_get(h, "node"), "id")), node);
    json_decref(r);
    /* unified search: the files bucket */
    r = get_ok(&fx.srv, tok, "/current/workspace/%s/search/?search=aluminium", ws);
    json_t *files = json_object_get(json_object_get(r, "buckets"), "files");
    assert_int_equal(json_array_size(json_object_get(files, "items")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(files, "items"), 0), "id")),
                        node);
    assert_string_equal(json_string_value(json_object_get(files, "status")), "ok");
    assert_non_null(json_object_get(json_object_get(r, "buckets"), "comments"));
    json_decref(r);
    /* bad parameters */
    long st;
    char path[256];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/search/?search=a", ws);
    json_decref(itu_form_json(&fx.srv, tok, "GET", path, NULL, &st));
    assert_int_equal(st, 400);
    snprintf(path, sizeof(path), "/current/workspace/%s/search/?search=%%20%%20", ws);
    json_decref(itu_form_json(&fx.srv, tok, "GET", path, NULL, &st));
    assert_int_equal(st, 400);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/search/?search=ab&output=huge", ws);
    json_decref(itu_form_json(&fx.srv, tok, "GET", path, NULL, &st));
    assert_int_equal(st, 400);
}

static void test_scope_trash_purge_version(void **state)
{
    (void)state;
    const char *tok = fx.srv.owner_key, *ws = fx.owner.ws;
    set_intelligence(&fx.srv, tok, ws, true);
    char fa[64], fb[64], na[64], nb[64];
    mkfolder(&fx.srv, tok, ws, "alpha", fa);
    mkfolder(&fx.srv, tok, ws, "beta", fb);
    const char *ta = "Zebras graze in the savanna of alpha land.";
    const char *tb = "Zebras sleep standing up in beta land.";
    itu_upload_file(&fx.srv, tok, ws, fa, "a.txt", ta, strlen(ta), na);
    itu_upload_file(&fx.srv, tok, ws, fb, "b.txt", tb, strlen(tb), nb);
    json_decref(wait_state(&fx.srv, tok, ws, na, "indexed"));
    json_decref(wait_state(&fx.srv, tok, ws, nb, "indexed"));

    json_t *r = search(&fx.srv, tok, ws, "zebras", "");
    assert_non_null(hit(r, na));
    assert_non_null(hit(r, nb));
    json_decref(r);
    char extra[256];
    snprintf(extra, sizeof(extra), "&folders_scope=%s:1", fa);
    r = search(&fx.srv, tok, ws, "zebras", extra);
    assert_int_equal(nfiles(r), 1);
    assert_non_null(hit(r, na));
    assert_true(json_is_true(json_object_get(json_object_get(r, "search_metadata"), "scoped")));
    json_decref(r);
    snprintf(extra, sizeof(extra), "&files_scope=%s:", nb);
    r = search(&fx.srv, tok, ws, "zebras", extra);
    assert_int_equal(nfiles(r), 1);
    assert_non_null(hit(r, nb));
    json_decref(r);

    /* trash: gone from the results at once; restore: indexed again; purge: rows gone */
    char path[256];
    long st;
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/delete/", ws, fa);
    json_decref(itu_form_json(&fx.srv, tok, "DELETE", path, NULL, &st));
    assert_int_equal(st, 200);
    r = search(&fx.srv, tok, ws, "zebras", "");
    assert_null(hit(r, na));
    assert_non_null(hit(r, nb));
    json_decref(r);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/restore/", ws, fa);
    json_decref(itu_form_json(&fx.srv, tok, "POST", path, "", &st));
    assert_int_equal(st, 200);
    json_decref(wait_state(&fx.srv, tok, ws, na, "indexed"));
    r = search(&fx.srv, tok, ws, "zebras", "");
    assert_non_null(hit(r, na));
    json_decref(r);
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/delete/", ws, fb);
    json_decref(itu_form_json(&fx.srv, tok, "DELETE", path, NULL, &st));
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/%s/purge/", ws, fb);
    json_decref(itu_form_json(&fx.srv, tok, "DELETE", path, NULL, &st));
    assert_int_equal(st, 200);
    assert_int_equal(
        it_db(&fx.srv, "SELECT COUNT(*) FROM intel_passages WHERE node_id = ?1", nb, NULL), 0);

    /* a new version replaces the old passages */
    const char *v2 = "Okapis are shy relatives of the giraffe.";
    char again[64];
    itu_upload_file(&fx.srv, tok, ws, fa, "a.txt", v2, strlen(v2), again);
    assert_string_equal(again, na);
    for (int i = 0; i < POLLS; i++) { /* indexed, from the new version */
        if (it_db(&fx.srv,
                  "SELECT COUNT(*) FROM intel_nodes i JOIN nodes n ON n.id = i.node_id WHERE "
                  "i.node_id = ?1 AND i.state = 'indexed' AND i.version_id = n.version_id",
                  na, NULL) == 1)
            break;
        itu_nap_ms(20);
    }
    r = search(&fx.srv, tok, ws, "okapis", "");
    assert_non_null(hit(r, na));
    json_decref(r);
    r = search(&fx.srv, tok, ws, "savanna", "");
    assert_null(hit(r, na));
    json_decref(r);
    assert_int_equal(it_db(&fx.srv,
                           "SELECT COUNT(DISTINCT version_id) FROM intel_passages WHERE node_id "
                           "= ?1",
                           na, NULL),
                     1);
}

static void test_toggle_and_access(void **state)
{
    (void)state;
    const char *tok = fx.srv.owner_key, *ws = fx.owner.ws;
    set_intelligence(&fx.srv, tok, ws, true);
    char node[64];
    const char *t = "Lighthouses guided the sailors home.";
    itu_upload_file(&fx.srv, tok, ws, "root", "lighthouse-notes.txt", t, strlen(t), node);
    json_decref(wait_state(&fx.srv, tok, ws, node, "indexed"));

    /* another account: no access to the workspace's search */
    struct it_user other;
    it_user_new(&other, &fx.srv, IT_USER_WORKSPACE);
    long st;
    char path[256];
    snprintf(path, sizeof(path), "/current/workspace/%s/storage/search/?search=sailors", ws);
    json_decref(itu_form_json(&fx.srv, other.token, "GET", path, NULL, &st));
    assert_true(st == 403 || st == 404);
    snprintf(path, sizeof(path), "/current/workspace/%s/search/?search=sailors", ws);
    json_decref(itu_form_json(&fx.srv, other.token, "GET", path, NULL, &st));
    assert_true(st == 403 || st == 404);
    /* and its own workspace sees nothing of ours */
    set_intelligence(&fx.srv, other.token, other.ws, true);
    json_t *r = search(&fx.srv, other.token, other.ws, "sailors", "");
    assert_int_equal(nfiles(r), 0);
    json_decref(r);
    it_user_release(&other);

    /* off: disabled at once, the index flushed, search by name */
    set_intelligence(&fx.srv, tok, ws, false);
    json_t *ai = ai_of(&fx.srv, tok, ws, node);
    assert_string_equal(json_string_value(json_object_get(ai, "state")), "disabled");
    json_decref(ai);
    wait_db(&fx.srv, 0, "SELECT COUNT(*) FROM intel_passages WHERE workspace_id = ?1", ws);
    wait_db(&fx.srv, 0, "SELECT COUNT(*) FROM intel_nodes WHERE workspace_id = ?1", ws);
    r = search(&fx.srv, tok, ws, "sailors", "");
    assert_int_equal(nfiles(r), 0); /* content is not searched */
    assert_false(json_is_true(
        json_object_get(json_object_get(r, "search_metadata"), "intelligence_enabled")));
    json_decref(r);
    r = search(&fx.srv, tok, ws, "LIGHTHOUSE", "");
    assert_non_null(hit(r, node)); /* the name is */
    assert_string_equal(json_string_value(json_object_get(hit(r, node), "name")),
                        "lighthouse-notes.txt");
    json_decref(r);

    /* on again: indexed again */
    set_intelligence(&fx.srv, tok, ws, true);
    json_decref(wait_state(&fx.srv, tok, ws, node, "indexed"));
    r = search(&fx.srv, tok, ws, "sailors", "");
    assert_non_null(hit(r, node));
    json_decref(r);
}

/* kill -9 while many files are being indexed; after the restart every file is indexed, each
 * exactly once: every file has the same shape of text, so each must hold the same number of
 * passages, of one version, with no line span twice, and the FTS index must agree. The files are
 * stored with intelligence off and it is switched on just before the kill, so that the whole
 * set is queued at once and the kill lands while the worker is busy (how far it got is
 * printed, not asserted). */
static void test_kill9_resume(void **state)
{
    (void)state;
    struct it_fixture f2;
    const char *args[] = {"--intel-workers", "1", NULL};
    struct it_fixture_opts o = {args, true, NULL};
    assert_int_equal(it_fixture_start(&f2, &o), 0);
    const char *tok = f2.srv.owner_key, *ws = f2.owner.ws;
    enum { N = 200, WORDS = 3000 };
    char node[64];
    struct fio_buf t;
    fio_buf_init(&t, 0);
    for (int i = 0; i < N; i++) {
        char name[64];
        snprintf(name, sizeof(name), "doc-%04d.txt", i);
        fio_buf_reset(&t);
        for (int w = 0; w < WORDS; w++)
            assert_true(fio_buf_printf(&t, "%s%s", w % 37 == 0 ? "harbours" : "word",
                                       w % 12 == 11 ? ".\n" : " "));
        assert_true(fio_buf_printf(&t, "item%04d\n", i));
        itu_upload_file(&f2.srv, tok, ws, "root", name, t.data, t.len, node);
    }
    fio_buf_release(&t);
    set_intelligence(&f2.srv, tok, ws, true);
    long long done_before = 0;
    for (int i = 0; i < POLLS && done_before < 5; i++) { /* the worker is under way */
        itu_nap_ms(20);
        done_before = it_db(&f2.srv,
                            "SELECT COUNT(*) FROM intel_nodes WHERE state IN ('indexed', 'ready', "
                            "'failed')",
                            NULL);
    }
    assert_int_equal(kill(f2.srv.pid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(f2.srv.pid, &status, 0), f2.srv.pid);
    f2.srv.pid = 0;
    print_message("kill -9 with %lld of %d files indexed\n", done_before, N);
    assert_int_equal(it_server_start(&f2.srv, f2.srv.dir, args), 0);
    wait_db(&f2.srv, N, "SELECT COUNT(*) FROM intel_nodes WHERE state = 'indexed' AND ?1 = ?1",
            "x");
    long long per = it_db(&f2.srv, "SELECT MIN(passages) FROM intel_nodes", NULL);
    assert_true(per > 1);
    assert_int_equal(it_db(&f2.srv, "SELECT MAX(passages) FROM intel_nodes", NULL), per);
    assert_int_equal(it_db(&f2.srv, "SELECT COUNT(*) FROM intel_passages", NULL), per * N);
    assert_int_equal(it_db(&f2.srv,
                           "SELECT COUNT(*) FROM (SELECT node_id FROM intel_passages GROUP BY "
                           "node_id HAVING COUNT(DISTINCT version_id) <> 1 OR COUNT(*) <> "
                           "COUNT(DISTINCT page || ':' || line_start))",
                           NULL),
                     0);
    assert_int_equal(it_db(&f2.srv,
                           "SELECT COUNT(*) FROM intel_nodes i WHERE passages <> (SELECT COUNT(*) "
                           "FROM intel_passages p WHERE p.node_id = i.node_id)",
                           NULL),
                     0);
    /* the FTS index agrees with its content table: the word in the last passage of each file */
    assert_int_equal(
        it_db(&f2.srv, "SELECT COUNT(*) FROM intel_fts WHERE intel_fts MATCH 'item*'", NULL), N);
    json_t *r = search(&f2.srv, tok, ws, "item0123", "");
    assert_int_equal(nfiles(r), 1);
    json_decref(r);
    assert_int_equal(it_fixture_stop(&f2), 0);
}

/* ---- PROTOCOL FIXTURE: an OpenAI-compatible embeddings endpoint ------------------------------
 * A small HTTP/1.1 server inside this test that speaks POST /v1/embeddings ({"model", "input":
 * [...]} -> {"data": [{"index", "embedding"}]}) the way llama.cpp, Ollama or vLLM do; no real
 * model exists here. Its vectors are made from the words: a few synonyms share a dimension (car,
 * automobile, vehicle; physician, doctor; ocean, sea), every other word hashes into one of the
 * other dimensions, so "car" is similar to a text about an automobile although the words
 * differ. It counts the requests it served. */
#define EMB_DIM 16
static int emb_fd = -1, emb_port;
static pthread_t emb_th;
static atomic_int emb_requests;
static atomic_bool emb_stop;

static int emb_dim_of(const char *w, size_t n)
{
    static const char *const groups[3][3] = {{"car", "automobile", "vehicle"},
                                             {"physician", "doctor", "doctors"},
                                             {"ocean", "sea", "seas"}};
    for (int g = 0; g < 3; g++)
        for (int k = 0; k < 3; k++)
            if (strlen(groups[g][k]) == n && strncasecmp(groups[g][k], w, n) == 0)
                return g;
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)(w[i] | 0x20)) * 16777619u;
    return 3 + (int)(h % (EMB_DIM - 3));
}

static json_t *emb_vector(const char *text)
{
    double v[EMB_DIM] = {0};
    for (const char *p = text; *p;) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *w = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
        if (p > w)
            v[emb_dim_of(w, (size_t)(p - w))] += 1.0;
    }
    json_t *a = json_array();
    for (int i = 0; i < EMB_DIM; i++)
        json_array_append_new(a, json_real(v[i]));
    return a;
}

static void emb_serve(int fd)
{
    char buf[65536];
    size_t got = 0;
    char *body = NULL;
    long clen = -1;
    while (got < sizeof(buf) - 1) {
        ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        if (r <= 0)
            return;
        got += (size_t)r;
        buf[got] = 0;
        char *e = strstr(buf, "\r\n\r\n");
        if (e && clen < 0) {
            char *cl = strcasestr(buf, "Content-Length:");
            clen = cl ? strtol(cl + 15, NULL, 10) : 0;
            body = e + 4;
        }
        if (body && (long)(got - (size_t)(body - buf)) >= clen)
            break;
    }
    if (!body || strncmp(buf, "POST /v1/embeddings ", 20) != 0) {
        const char *nf = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send(fd, nf, strlen(nf), MSG_NOSIGNAL);
        return;
    }
    json_t *req = json_loadb(body, (size_t)clen, 0, NULL);
    json_t *in = json_object_get(req, "input");
    json_t *data = json_array();
    for (size_t i = 0; i < json_array_size(in); i++)
        json_array_append_new(
            data, json_pack("{s:s, s:I, s:o}", "object", "embedding", "index", (json_int_t)i,
                            "embedding", emb_vector(json_string_value(json_array_get(in, i)))));
    json_t *resp = json_pack("{s:s, s:o, s:s}", "object", "list", "data", data, "model",
                             json_string_value(json_object_get(req, "model")));
    char *text = json_dumps(resp, JSON_COMPACT);
    char head[256];
    int hl = snprintf(head, sizeof(head),
                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                      "%zu\r\nConnection: close\r\n\r\n",
                      strlen(text));
    send(fd, head, (size_t)hl, MSG_NOSIGNAL);
    send(fd, text, strlen(text), MSG_NOSIGNAL);
    atomic_fetch_add(&emb_requests, 1);
    free(text);
    json_decref(resp);
    json_decref(req);
}

static void *emb_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&emb_stop)) {
        int c = accept(emb_fd, NULL, NULL);
        if (c < 0)
            continue;
        emb_serve(c);
        close(c);
    }
    return NULL;
}

static void emb_start(void)
{
    emb_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    assert_int_equal(bind(emb_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(emb_fd, 16), 0);
    assert_int_equal(getsockname(emb_fd, (struct sockaddr *)&a, &al), 0);
    emb_port = ntohs(a.sin_port);
    atomic_store(&emb_stop, false);
    assert_int_equal(pthread_create(&emb_th, NULL, emb_main, NULL), 0);
}

static void emb_stop_all(void)
{
    atomic_store(&emb_stop, true);
    shutdown(emb_fd, SHUT_RDWR); /* wakes accept */
    pthread_join(emb_th, NULL);
    close(emb_fd);
}

/* Hybrid retrieval with --embed-url against the protocol fixture: a word absent from a file but
 * close in meaning finds it (semantic), shared words give "both", and the default path without
 * the flag stays keyword-only (the other cases). */
static void test_hybrid_embeddings(void **state)
{
    (void)state;
    emb_start();
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/embeddings", emb_port);
    struct it_fixture f3;
    const char *args[] = {"--embed-url", url, "--embed-model", "fixture-embed", NULL};
    struct it_fixture_opts o = {args, true, NULL};
    assert_int_equal(it_fixture_start(&f3, &o), 0);
    const char *tok = f3.srv.owner_key, *ws = f3.owner.ws;
    set_intelligence(&f3.srv, tok, ws, true);
    char car[64], sea[64];
    const char *t1 = "The automobile needs new brakes and a wash.";
    const char *t2 = "Whales swim in the deep ocean far from land.";
    itu_upload_file(&f3.srv, tok, ws, "root", "garage.txt", t1, strlen(t1), car);
    itu_upload_file(&f3.srv, tok, ws, "root", "whales.txt", t2, strlen(t2), sea);
    json_decref(wait_state(&f3.srv, tok, ws, car, "indexed"));
    json_decref(wait_state(&f3.srv, tok, ws, sea, "indexed"));
    assert_int_equal(it_db(&f3.srv, "SELECT COUNT(*) FROM intel_vectors", NULL), 2);
    int before = atomic_load(&emb_requests);
    assert_true(before >= 2); /* one batch per file */

    json_t *r = search(&f3.srv, tok, ws, "car", "");
    assert_true(
        json_is_true(json_object_get(json_object_get(r, "search_metadata"), "semantic_available")));
    json_t *h = hit(r, car);
    assert_non_null(h); /* no "car" in the text: found by meaning */
    assert_string_equal(json_string_value(json_object_get(h, "match_source")), "semantic");
    assert_true(json_real_value(json_object_get(h, "relevance_score")) >= 0.5);
    json_decref(r);
    r = search(&f3.srv, tok, ws, "automobile%20brakes", "");
    h = hit(r, car);
    assert_non_null(h);
    assert_string_equal(json_string_value(json_object_get(h, "match_source")), "both");
    /* the best hit is the garage file: it is first in the answer's order */
    void *it = json_object_iter(json_object_get(r, "files"));
    assert_string_equal(json_object_iter_key(it), car);
    json_decref(r);
    r = search(&f3.srv, tok, ws, "sea", "");
    it = json_object_iter(json_object_get(r, "files"));
    assert_non_null(it);
    assert_string_equal(json_object_iter_key(it), sea);
    json_decref(r);
    assert_true(atomic_load(&emb_requests) > before); /* queries were embedded too */
    assert_int_equal(it_fixture_stop(&f3), 0);

    /* the endpoint gone: indexing and search still work, keyword only */
    emb_stop_all();
    assert_int_equal(it_fixture_start(&f3, &o), 0);
    tok = f3.srv.owner_key;
    ws = f3.owner.ws;
    set_intelligence(&f3.srv, tok, ws, true);
    itu_upload_file(&f3.srv, tok, ws, "root", "garage.txt", t1, strlen(t1), car);
    json_decref(wait_state(&f3.srv, tok, ws, car, "indexed"));
    r = search(&f3.srv, tok, ws, "automobile", "");
    h = hit(r, car);
    assert_non_null(h);
    assert_string_equal(json_string_value(json_object_get(h, "match_source")), "keyword");
    json_decref(r);
    assert_int_equal(it_fixture_stop(&f3), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_states_and_activity),
    cmocka_unit_test(test_search_pdf_page_and_snippet),
    cmocka_unit_test(test_scope_trash_purge_version),
    cmocka_unit_test(test_toggle_and_access),
    cmocka_unit_test(test_kill9_resume),
    cmocka_unit_test(test_hybrid_embeddings),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
