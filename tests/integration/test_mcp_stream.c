/* SPDX-License-Identifier: MIT */
/* test_mcp_stream.c - fastio-server's MCP event streams against a real server, read from plain
 * sockets so that a test can see each event as it arrives and drop a connection in the middle:
 * live progress and log notifications on a tools/call's own stream (D-120), the event tool's
 * activity-poll that waits (D-122), event ids and resumption with Last-Event-ID (D-121), and
 * download content blocks (D-123). No timed assertion: every wait is bounded and a timeout is a
 * failure, never a measurement. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "it_mcp_http.h"
#include "testmain.h"

static const char *const server_args[] = {"--rate-limit", "0", "--sync", "none",
                                          "--import-allow", "127.0.0.1/32", NULL};
static const struct it_fixture_opts fx_opts = {server_args, true, NULL};
static struct it_fixture fx;

#define WAIT_MS 30000 /* bound of every read: a hang fails the test */

/* ---- curl (whole answers) ------------------------------------------------------------------ */

/* POST /mcp: status; *out the body, *sid_out (when not NULL) the Mcp-Session-Id answered. */
static long post_body(const char *sid, const char *authz, const char *accept, const char *body,
                      char **out, char *sid_out, size_t sid_len)
{
    char hs[160], ha[400], hacc[120];
    const char *h[5];
    size_t n = 0;
    h[n++] = "Content-Type: application/json";
    snprintf(hacc, sizeof(hacc), "Accept: %s", accept);
    h[n++] = hacc;
    if (sid != NULL && sid[0]) {
        snprintf(hs, sizeof(hs), "Mcp-Session-Id: %s", sid);
        h[n++] = hs;
    }
    if (authz != NULL) {
        snprintf(ha, sizeof(ha), "Authorization: %s", authz);
        h[n++] = ha;
    }
    h[n] = NULL;
    char *hd = NULL;
    long status = it_http(fx.srv.port, "POST", "/mcp", h, body, SIZE_MAX, 60, out, &hd);
    if (sid_out != NULL)
        it_header_value(hd, "mcp-session-id", sid_out, sid_len);
    free(hd);
    return status;
}

static void sess_open_as(char *sid, size_t len, const char *authz);

/* A session opened with the owner's Bearer token (initialize + initialized). */
static void sess_open(char *sid, size_t len)
{
    sess_open_as(sid, len, fx.owner.authz);
}

static void sess_open_as(char *sid, size_t len, const char *authz)
{
    char *out = NULL;
    assert_int_equal(
        post_body(NULL, authz, "application/json, text/event-stream",
                  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{"
                  "\"name\":\"test_mcp_stream\",\"version\":\"1\"}}}",
                  &out, sid, len),
        200);
    free(out);
    assert_true(sid[0] != '\0');
    assert_int_equal(post_body(sid, authz, "application/json, text/event-stream",
                               "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                               &out, NULL, 0),
                     202);
    free(out);
}

/* A JSON-RPC request answered as JSON: the result (owned). */
static json_t *rpc_result(const char *sid, const char *body)
{
    char *out = NULL;
    long st = post_body(sid, fx.owner.authz, "application/json", body, &out, NULL, 0);
    if (st != 200)
        fprintf(stderr, "HTTP %ld: %s\n", st, out);
    assert_int_equal(st, 200);
    json_t *v = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(v);
    json_t *r = json_incref(json_object_get(v, "result"));
    json_decref(v);
    assert_non_null(r);
    return r;
}

static json_t *sc_of(json_t *r)
{
    return json_object_get(r, "structuredContent");
}

/* Write a small text file to the owner's workspace through another session (a change the
 * activity hub publishes). */
static void make_change(const char *name)
{
    char sid[80], body[400];
    sess_open(sid, sizeof(sid));
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":"
             "\"%s\",\"content\":\"change\"}}}",
             fx.owner.ws, name);
    json_t *r = rpc_result(sid, body);
    assert_false(json_is_true(json_object_get(r, "isError")));
    json_decref(r);
}

/* The workspace's current activity cursor. */
static void cursor_now(const char *sid, char *cur, size_t len)
{
    char body[400];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"event\",\"arguments\":{\"action\":\"activity-poll\",\"entity_id\":\"%s\"}}}",
             fx.owner.ws);
    json_t *r = rpc_result(sid, body);
    const char *c = json_string_value(json_object_get(sc_of(r), "lastactivity"));
    assert_non_null(c);
    snprintf(cur, len, "%s", c);
    json_decref(r);
}

/* ---- the raw SSE reader (it_mcp_http.h) on /mcp ------------------------------------------- */

/* Send an HTTP/1.0 request to /mcp as the owner (the answer then ends with the connection: no
 * chunked framing) and read its status and headers. extra: one more header line or NULL. */
static void rd_open(struct it_sse *r, const char *method, const char *sid, const char *accept,
                    const char *extra, const char *body)
{
    char ha[400], hacc[120], hs[160];
    snprintf(ha, sizeof(ha), "Authorization: %s", fx.owner.authz);
    snprintf(hacc, sizeof(hacc), "Accept: %s", accept);
    snprintf(hs, sizeof(hs), "Mcp-Session-Id: %s", sid);
    const char *h[] = {ha, hacc, hs, "Content-Type: application/json", extra, NULL};
    it_sse_open(r, fx.srv.port, method, "/mcp", h, body, WAIT_MS);
}

/* tools/call event activity-poll on the owner's workspace from its current cursor, waiting up
 * to 60 s for a change, opened on rd as session sid (status 200 checked). id: the JSON-RPC id;
 * progress: the progressToken as JSON text, NULL for none; accept: the Accept header. */
static void open_poll_wait(struct it_sse *rd, const char *sid, int id, const char *progress,
                           const char *accept)
{
    char cur[40], meta[80] = "", body[700];
    cursor_now(sid, cur, sizeof(cur));
    if (progress != NULL)
        snprintf(meta, sizeof(meta), ",\"_meta\":{\"progressToken\":%s}", progress);
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"event\",\"arguments\":{\"action\":\"activity-poll\",\"entity_id\":\"%s\","
             "\"wait\":60,\"lastactivity\":\"%s\"}%s}}",
             id, fx.owner.ws, cur, meta);
    rd_open(rd, "POST", sid, accept, NULL, body);
    assert_int_equal(rd->status, 200);
}

/* tools/call upload text of n bytes of fill as name, with progressToken token (JSON text),
 * opened on rd as session sid (status 200 checked). id: the JSON-RPC id. */
static void open_big_upload(struct it_sse *rd, const char *sid, int id, const char *name,
                            char fill, size_t n, const char *token)
{
    char *content = malloc(n + 1);
    assert_non_null(content);
    memset(content, fill, n);
    content[n] = '\0';
    size_t cap = n + 512;
    char *body = malloc(cap);
    assert_non_null(body);
    snprintf(body, cap,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":"
             "\"%s\",\"content\":\"%s\"},\"_meta\":{\"progressToken\":%s}}}",
             id, fx.owner.ws, name, content, token);
    free(content);
    rd_open(rd, "POST", sid, "application/json, text/event-stream", NULL, body);
    free(body);
    assert_int_equal(rd->status, 200);
}

/* "S-N" of an event id. */
static void id_parts(const char *id, unsigned *s, unsigned long long *n)
{
    char *end = NULL;
    *s = (unsigned)strtoul(id, &end, 10);
    assert_non_null(end);
    assert_int_equal(*end, '-');
    *n = strtoull(end + 1, NULL, 10);
    assert_true(*s > 0);
}

/* What the events of one call's stream held. */
struct tally {
    int progress, logs;
    double last_progress;
    bool response;
    json_t *result; /* owned */
    unsigned sno;
    unsigned long long first_n, last_n;
    int events;
};

/* Read events into t until the response (or the end); checks ids: one stream number, event
 * numbers strictly increasing and, when contiguous, each one more than the last. */
static void tally_until_response(struct it_sse *r, struct tally *t, bool contiguous)
{
    struct it_sse_ev e = {0};
    while (!t->response && it_sse_event(r, &e)) {
        assert_true(e.id[0] != '\0'); /* every event of a /mcp stream has an id */
        unsigned s;
        unsigned long long n;
        id_parts(e.id, &s, &n);
        if (t->events == 0) {
            if (t->sno == 0)
                t->sno = s;
            if (t->first_n == 0)
                t->first_n = n;
        } else {
            assert_true(n > t->last_n);
            if (contiguous)
                assert_int_equal(n, t->last_n + 1);
        }
        assert_int_equal(s, t->sno);
        t->last_n = n;
        t->events++;
        if (e.data == NULL || e.data[0] == '\0')
            continue; /* the priming event */
        json_t *m = json_loads(e.data, 0, NULL);
        assert_non_null(m);
        const char *method = json_string_value(json_object_get(m, "method"));
        if (method != NULL && strcmp(method, "notifications/progress") == 0) {
            double p = json_number_value(json_object_get(json_object_get(m, "params"),
                                                         "progress"));
            if (t->progress > 0)
                assert_true(p > t->last_progress);
            t->last_progress = p;
            t->progress++;
        } else if (method != NULL && strcmp(method, "notifications/message") == 0) {
            t->logs++;
        } else if (json_object_get(m, "result") != NULL) {
            t->response = true;
            t->result = json_incref(json_object_get(m, "result"));
        }
        json_decref(m);
    }
    it_sse_ev_clear(&e);
}

/* ---- cases -------------------------------------------------------------------------------- */

/* A 3 MiB upload text with a progressToken, after logging/setLevel debug: the answer is the
 * call's own event stream with progress per MiB handed to the upload route and log lines, then
 * the result; every event has an id of one stream. */
static void stream_progress_and_logs(void **state)
{
    (void)state;
    char sid[80];
    sess_open(sid, sizeof(sid));
    json_t *r = rpc_result(sid, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\","
                                "\"params\":{\"level\":\"debug\"}}");
    json_decref(r);
    size_t n = 3 * 1024 * 1024 + 17;
    struct it_sse rd;
    open_big_upload(&rd, sid, 9, "big.txt", 'a', n, "\"up1\"");
    assert_non_null(strstr(rd.ctype, "text/event-stream"));
    struct tally t = {0};
    tally_until_response(&rd, &t, true);
    it_sse_close(&rd);
    assert_true(t.response);
    assert_false(json_is_true(json_object_get(t.result, "isError")));
    assert_true(t.progress >= 4); /* 0, 1 MiB, 2 MiB, 3 MiB, all */
    assert_true(t.last_progress >= (double)n);
    assert_true(t.logs >= 2);     /* started, per piece (debug), stored */
    json_decref(t.result);
    /* Without a progressToken and a log level the same call answers plain JSON. */
    char sid2[80];
    sess_open(sid2, sizeof(sid2));
    char small[600];
    snprintf(small, sizeof(small),
             "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":"
             "\"small.txt\",\"content\":\"x\"}}}",
             fx.owner.ws);
    rd_open(&rd, "POST", sid2, "application/json, text/event-stream", NULL, small);
    assert_int_equal(rd.status, 200);
    assert_non_null(strstr(rd.ctype, "application/json"));
    it_sse_close(&rd);
}

/* event activity-poll with wait: the call's stream reports the seconds waited until a change
 * arrives, then answers with the changed keys; without SSE the same call answers JSON. */
static void stream_activity_poll_waits(void **state)
{
    (void)state;
    char sid[80];
    sess_open(sid, sizeof(sid));
    struct it_sse rd;
    open_poll_wait(&rd, sid, 11, "7", "application/json, text/event-stream");
    /* Wait for a progress notification: the call is waiting (nothing changed yet). */
    struct tally t = {0};
    struct it_sse_ev e = {0};
    for (int guard = 0; guard < 100 && t.progress == 0; guard++) {
        assert_true(it_sse_event(&rd, &e));
        if (e.data != NULL && strstr(e.data, "notifications/progress") != NULL)
            t.progress++;
        assert_null(e.data != NULL ? strstr(e.data, "\"result\"") : NULL);
    }
    it_sse_ev_clear(&e);
    make_change("poll-change.txt");
    tally_until_response(&rd, &t, false);
    it_sse_close(&rd);
    assert_true(t.response);
    json_t *act = json_object_get(sc_of(t.result), "activity");
    assert_true(json_array_size(act) > 0);
    json_decref(t.result);

    /* JSON only (no SSE): the call still waits on its own thread and answers JSON. */
    open_poll_wait(&rd, sid, 12, NULL, "application/json");
    assert_non_null(strstr(rd.ctype, "application/json"));
    make_change("poll-change-2.txt");
    assert_true(it_sse_drain(&rd));
    json_t *v = json_loads(rd.buf, 0, NULL);
    assert_non_null(v);
    act = json_object_get(sc_of(json_object_get(v, "result")), "activity");
    assert_true(json_array_size(act) > 0);
    json_decref(v);
    it_sse_close(&rd);
}

/* A call whose connection drops after its first progress event goes on; GET with the last id
 * seen replays exactly the events missed (the next id on, same stream) up to the response. */
static void stream_resume_after_drop(void **state)
{
    (void)state;
    char sid[80];
    sess_open(sid, sizeof(sid));
    struct it_sse rd;
    open_big_upload(&rd, sid, 21, "resumed.txt", 'b', 3 * 1024 * 1024, "\"r1\"");
    struct it_sse_ev e = {0};
    assert_true(it_sse_event(&rd, &e)); /* the priming event */
    assert_true(e.data == NULL || e.data[0] == '\0');
    assert_true(it_sse_event(&rd, &e)); /* the first progress */
    assert_non_null(strstr(e.data, "notifications/progress"));
    char last[64];
    snprintf(last, sizeof(last), "%s", e.id);
    it_sse_ev_clear(&e);
    it_sse_close(&rd); /* the client goes away in the middle of the call */

    char hdr[100];
    snprintf(hdr, sizeof(hdr), "Last-Event-ID: %s", last);
    rd_open(&rd, "GET", sid, "text/event-stream", hdr, NULL);
    assert_int_equal(rd.status, 200);
    struct tally t = {0};
    unsigned s0;
    unsigned long long n0;
    id_parts(last, &s0, &n0);
    t.sno = s0;
    tally_until_response(&rd, &t, true);
    assert_true(t.response);
    assert_int_equal(t.first_n, n0 + 1); /* nothing before the gap, nothing skipped */
    assert_false(json_is_true(json_object_get(t.result, "isError")));
    json_decref(t.result);
    /* The stream ended with its response: the server closes the connection. */
    assert_false(it_sse_event(&rd, &e));
    assert_true(rd.eof);
    it_sse_close(&rd);
}

/* A waiting call (it cannot end before the change this test makes) keeps running while its
 * client reconnects: the resumed GET carries the rest of the stream, live. */
static void stream_resume_running_call(void **state)
{
    (void)state;
    char sid[80];
    sess_open(sid, sizeof(sid));
    struct it_sse rd;
    open_poll_wait(&rd, sid, 31, "\"w\"", "application/json, text/event-stream");
    struct it_sse_ev e = {0};
    assert_true(it_sse_event(&rd, &e)); /* priming */
    char prime[64];
    snprintf(prime, sizeof(prime), "%s", e.id);
    it_sse_ev_clear(&e);
    it_sse_close(&rd);
    char hdr[100];
    snprintf(hdr, sizeof(hdr), "Last-Event-ID: %s", prime);
    rd_open(&rd, "GET", sid, "text/event-stream", hdr, NULL);
    assert_int_equal(rd.status, 200);
    /* A progress event on the new connection: the call is still waiting. */
    struct tally t = {0};
    unsigned s0;
    unsigned long long n0;
    id_parts(prime, &s0, &n0);
    t.sno = s0;
    for (int guard = 0; guard < 100; guard++) {
        assert_true(it_sse_event(&rd, &e));
        if (e.data != NULL && strstr(e.data, "notifications/progress") != NULL)
            break;
    }
    unsigned s1;
    unsigned long long n1;
    id_parts(e.id, &s1, &n1);
    assert_int_equal(s1, s0);
    assert_int_equal(n1, n0 + 1); /* the first event after the priming one */
    t.first_n = n1;
    t.last_n = n1;
    t.events = 1;
    json_t *pm = json_loads(e.data, 0, NULL);
    assert_non_null(pm);
    t.progress = 1;
    t.last_progress = json_number_value(json_object_get(json_object_get(pm, "params"),
                                                        "progress"));
    json_decref(pm);
    it_sse_ev_clear(&e);
    make_change("resume-change.txt");
    tally_until_response(&rd, &t, true);
    assert_true(t.response);
    assert_true(json_array_size(json_object_get(sc_of(t.result), "activity")) > 0);
    json_decref(t.result);
    it_sse_close(&rd);
}

/* Last-Event-ID that is not ours, or names nothing of this session, is refused; the standalone
 * GET stream has ids too and a resumed GET replaces the old connection. */
static void stream_resume_refusals_and_get_stream(void **state)
{
    (void)state;
    char sid[80];
    sess_open(sid, sizeof(sid));
    struct it_sse rd;
    rd_open(&rd, "GET", sid, "text/event-stream", "Last-Event-ID: garbage", NULL);
    assert_int_equal(rd.status, 400);
    it_sse_close(&rd);
    rd_open(&rd, "GET", sid, "text/event-stream", "Last-Event-ID: 999-1", NULL);
    assert_int_equal(rd.status, 400);
    it_sse_close(&rd);
    /* The standalone stream: a priming event with an id. */
    struct it_sse g;
    rd_open(&g, "GET", sid, "text/event-stream", NULL, NULL);
    assert_int_equal(g.status, 200);
    struct it_sse_ev e = {0};
    assert_true(it_sse_event(&g, &e));
    assert_true(e.id[0] != '\0');
    char hdr[100];
    snprintf(hdr, sizeof(hdr), "Last-Event-ID: %s", e.id);
    it_sse_ev_clear(&e);
    /* A second plain GET is refused while one is open; a resumed one takes its place. */
    rd_open(&rd, "GET", sid, "text/event-stream", NULL, NULL);
    assert_int_equal(rd.status, 409);
    it_sse_close(&rd);
    rd_open(&rd, "GET", sid, "text/event-stream", hdr, NULL);
    assert_int_equal(rd.status, 200);
    /* the old connection ends */
    assert_true(it_sse_drain(&g));
    it_sse_close(&g);
    it_sse_close(&rd);
}

/* download read: text as a text block, other bytes as an embedded resource (base64 blob);
 * file-url of a small file brings the content inline too. */
static void download_content_blocks(void **state)
{
    (void)state;
    char sid[80], body[800];
    sess_open(sid, sizeof(sid));
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":"
             "\"hello.txt\",\"content\":\"hello, agent\"}}}",
             fx.owner.ws);
    json_t *r = rpc_result(sid, body);
    char text_node[64];
    snprintf(text_node, sizeof(text_node), "%s",
             json_string_value(json_object_get(sc_of(r), "new_file_id")));
    json_decref(r);
    /* binary bytes: staged with POST /blob, stored with upload stream */
    const unsigned char bin[] = {0x00, 0xff, 0x10, 0x80, 0x7f, 0x00, 0xc3};
    char hs[160], *blob = NULL;
    snprintf(hs, sizeof(hs), "Mcp-Session-Id: %s", sid);
    const char *bh[] = {hs, "Content-Type: application/octet-stream", NULL};
    assert_true(it_http(fx.srv.port, "POST", "/blob", bh, (const char *)bin, sizeof(bin), 60,
                        &blob, NULL) > 0);
    json_t *bj = json_loads(blob, 0, NULL);
    free(blob);
    assert_non_null(json_object_get(bj, "blob_id"));
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"stream\",\"workspace_id\":\"%s\",\"name\":"
             "\"bytes.bin\",\"blob_id\":\"%s\"}}}",
             fx.owner.ws, json_string_value(json_object_get(bj, "blob_id")));
    json_decref(bj);
    r = rpc_result(sid, body);
    assert_false(json_is_true(json_object_get(r, "isError")));
    char bin_node[64];
    snprintf(bin_node, sizeof(bin_node), "%s",
             json_string_value(json_object_get(sc_of(r), "new_file_id")));
    json_decref(r);

    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":43,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"download\",\"arguments\":{\"action\":\"read\",\"workspace_id\":\"%s\","
             "\"node_id\":\"%s\"}}}",
             fx.owner.ws, text_node);
    r = rpc_result(sid, body);
    json_t *b0 = json_array_get(json_object_get(r, "content"), 0);
    assert_string_equal(json_string_value(json_object_get(b0, "type")), "text");
    assert_string_equal(json_string_value(json_object_get(b0, "text")), "hello, agent");
    json_decref(r);

    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":44,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"download\",\"arguments\":{\"action\":\"read\",\"workspace_id\":\"%s\","
             "\"node_id\":\"%s\"}}}",
             fx.owner.ws, bin_node);
    r = rpc_result(sid, body);
    b0 = json_array_get(json_object_get(r, "content"), 0);
    assert_string_equal(json_string_value(json_object_get(b0, "type")), "resource");
    json_t *res = json_object_get(b0, "resource");
    assert_string_equal(json_string_value(json_object_get(res, "blob")), "AP8QgH8Aww==");
    assert_non_null(strstr(json_string_value(json_object_get(res, "uri")), bin_node));
    assert_string_equal(json_string_value(json_object_get(sc_of(r), "encoding")), "base64");
    json_decref(r);

    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":45,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"download\",\"arguments\":{\"action\":\"file-url\",\"workspace_id\":\"%s\","
             "\"node_id\":\"%s\"}}}",
             fx.owner.ws, text_node);
    r = rpc_result(sid, body);
    assert_true(json_is_true(json_object_get(sc_of(r), "inline")));
    assert_non_null(strstr(json_string_value(json_object_get(sc_of(r), "url")), "token="));
    b0 = json_array_get(json_object_get(r, "content"), 0);
    assert_string_equal(json_string_value(json_object_get(b0, "text")), "hello, agent");
    json_decref(r);
}

/* JSON-RPC over curl with a given token: the result (owned). */
static json_t *rpc_as(const char *sid, const char *authz, const char *body)
{
    char *out = NULL;
    long st = post_body(sid, authz, "application/json", body, &out, NULL, 0);
    if (st != 200)
        fprintf(stderr, "HTTP %ld: %s\n", st, out);
    assert_int_equal(st, 200);
    json_t *v = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(v);
    json_t *r = json_incref(json_object_get(v, "result"));
    json_decref(v);
    assert_non_null(r);
    return r;
}

/* upload text as authz into ws (a new file, or a new version of file_id): the node id. */
static void write_file(const char *authz, const char *ws, const char *name, const char *file_id,
                       char *node, size_t nl)
{
    char sid[80], body[600], fid[120] = "";
    sess_open_as(sid, sizeof(sid), authz);
    if (file_id != NULL)
        snprintf(fid, sizeof(fid), ",\"file_id\":\"%s\"", file_id);
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":"
             "\"%s\",\"content\":\"v%s\"%s}}}",
             ws, name, file_id ? "2" : "1", fid);
    json_t *r = rpc_as(sid, authz, body);
    assert_false(json_is_true(json_object_get(r, "isError")));
    if (node != NULL)
        snprintf(node, nl, "%s", json_string_value(json_object_get(sc_of(r), "new_file_id")));
    json_decref(r);
}

static void subscribe(const char *sid, const char *authz, const char *uri)
{
    char body[400];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/subscribe\",\"params\":{"
             "\"uri\":\"%s\"}}",
             uri);
    json_t *r = rpc_as(sid, authz, body);
    json_decref(r);
}

/* The next message event of a stream (the priming event skipped): its id and JSON (owned). */
static json_t *next_message(struct it_sse *r, char *id, size_t il)
{
    struct it_sse_ev e = {0};
    for (int guard = 0; guard < 100; guard++) {
        assert_true(it_sse_event(r, &e));
        if (e.data != NULL && e.data[0] != '\0') {
            snprintf(id, il, "%s", e.id);
            json_t *m = json_loads(e.data, 0, NULL);
            assert_non_null(m);
            it_sse_ev_clear(&e);
            return m;
        }
    }
    fail_msg("no message event");
    return NULL;
}

/* resources/subscribe on download://workspace/{ws}/{node}: a change of the file is announced on
 * the session's standalone GET stream (notifications/resources/updated, with an event id);
 * after a drop, GET with Last-Event-ID replays what the stream carried meanwhile. Another
 * account subscribed to the same URI is told nothing (the router checks its access). */
static void stream_resource_updates_and_get_resume(void **state)
{
    (void)state;
    char node[64], uri[200];
    write_file(fx.owner.authz, fx.owner.ws, "watched.txt", NULL, node, sizeof(node));
    snprintf(uri, sizeof(uri), "download://workspace/%s/%s", fx.owner.ws, node);
    char sid[80];
    sess_open(sid, sizeof(sid));
    subscribe(sid, fx.owner.authz, uri);
    /* a second account: subscribed to the owner's file and to a file of its own */
    struct it_user b;
    it_user_new(&b, &fx.srv, IT_USER_WORKSPACE);
    char bnode[64], buri[200], bsid[80];
    write_file(b.authz, b.ws, "mine.txt", NULL, bnode, sizeof(bnode));
    snprintf(buri, sizeof(buri), "download://workspace/%s/%s", b.ws, bnode);
    sess_open_as(bsid, sizeof(bsid), b.authz);
    subscribe(bsid, b.authz, uri);
    subscribe(bsid, b.authz, buri);

    struct it_sse g, bg;
    rd_open(&g, "GET", sid, "text/event-stream", NULL, NULL);
    assert_int_equal(g.status, 200);
    rd_open(&bg, "GET", bsid, "text/event-stream", NULL, NULL);
    assert_int_equal(bg.status, 200);
    write_file(fx.owner.authz, fx.owner.ws, "watched.txt", node, NULL, 0);
    char id1[64];
    json_t *m = next_message(&g, id1, sizeof(id1));
    assert_string_equal(json_string_value(json_object_get(m, "method")),
                        "notifications/resources/updated");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(m, "params"), "uri")), uri);
    json_decref(m);
    /* B's own change comes after the owner's was handled: B's first message is its own. */
    write_file(b.authz, b.ws, "mine.txt", bnode, NULL, 0);
    char bid[64];
    m = next_message(&bg, bid, sizeof(bid));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(m, "params"), "uri")), buri);
    json_decref(m);
    it_sse_close(&bg);

    /* The owner's stream drops; a change meanwhile; the resumed GET replays it. */
    it_sse_close(&g);
    write_file(fx.owner.authz, fx.owner.ws, "watched.txt", node, NULL, 0);
    char hdr[100];
    snprintf(hdr, sizeof(hdr), "Last-Event-ID: %s", id1);
    rd_open(&g, "GET", sid, "text/event-stream", hdr, NULL);
    assert_int_equal(g.status, 200);
    char id2[64];
    m = next_message(&g, id2, sizeof(id2));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(m, "params"), "uri")), uri);
    json_decref(m);
    unsigned s1, s2;
    unsigned long long n1, n2;
    id_parts(id1, &s1, &n1);
    id_parts(id2, &s2, &n2);
    assert_int_equal(s1, s2);     /* the same stream */
    assert_int_equal(n2, n1 + 1); /* the next event of the session: nothing lost, no repeat */
    it_sse_close(&g);
    it_user_release(&b);
}

/* A protocol fixture for URL import: a plain HTTP server on 127.0.0.1 that answers every GET
 * with FILE_BYTES bytes, one connection at a time (bounded accept loop). */
#define FILE_BYTES (300 * 1024)
struct filesrv {
    int lfd, port;
    atomic_bool stop;
    pthread_t th;
};

static void *filesrv_main(void *p)
{
    struct filesrv *f = p;
    char *body = malloc(FILE_BYTES);
    if (body == NULL)
        return NULL;
    for (size_t i = 0; i < FILE_BYTES; i++)
        body[i] = (char)('a' + i % 26);
    for (int guard = 0; guard < 100000 && !atomic_load(&f->stop); guard++) {
        struct pollfd pl = {.fd = f->lfd, .events = POLLIN};
        if (poll(&pl, 1, 100) <= 0)
            continue;
        int c = accept(f->lfd, NULL, NULL);
        if (c < 0)
            continue;
        char req[4096];
        size_t have = 0;
        for (int g = 0; g < 1000 && have < sizeof(req) - 1; g++) {
            struct pollfd pc = {.fd = c, .events = POLLIN};
            if (poll(&pc, 1, 5000) <= 0)
                break;
            ssize_t k = recv(c, req + have, sizeof(req) - 1 - have, 0);
            if (k <= 0)
                break;
            have += (size_t)k;
            req[have] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL)
                break;
        }
        char head[200];
        int hn = snprintf(head, sizeof(head),
                          "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n",
                          FILE_BYTES);
        int fl = fcntl(c, F_GETFL);
        fcntl(c, F_SETFL, fl | O_NONBLOCK);
        if (rs_send_all(c, head, (size_t)hn, 5000) == 0)
            (void)rs_send_all(c, body, FILE_BYTES, 5000);
        close(c);
    }
    free(body);
    return NULL;
}

static void filesrv_start(struct filesrv *f)
{
    memset(f, 0, sizeof(*f));
    f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(f->lfd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000001u);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(f->lfd, 16), 0);
    socklen_t al = sizeof(a);
    assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
    f->port = ntohs(a.sin_port);
    atomic_store(&f->stop, false);
    assert_int_equal(pthread_create(&f->th, NULL, filesrv_main, f), 0);
}

static void filesrv_stop(struct filesrv *f)
{
    atomic_store(&f->stop, true);
    pthread_join(f->th, NULL);
    close(f->lfd);
}

/* upload web-import with wait: the call follows the import to its end (progress while it
 * runs) and answers with the finished job and its new file. */
static void stream_web_import_waits(void **state)
{
    (void)state;
    struct filesrv f;
    filesrv_start(&f);
    char sid[80], body[800];
    sess_open(sid, sizeof(sid));
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"web-import\",\"profile_id\":\"%s\","
             "\"source_url\":\"http://127.0.0.1:%d/data.bin\",\"file_name\":\"imported.bin\","
             "\"wait\":60},\"_meta\":{\"progressToken\":\"wi\"}}}",
             fx.owner.ws, f.port);
    struct it_sse rd;
    rd_open(&rd, "POST", sid, "application/json, text/event-stream", NULL, body);
    assert_int_equal(rd.status, 200);
    struct tally t = {0};
    tally_until_response(&rd, &t, false);
    it_sse_close(&rd);
    filesrv_stop(&f);
    assert_true(t.response);
    if (json_is_true(json_object_get(t.result, "isError")))
        fprintf(stderr, "%s\n", json_dumps(t.result, 0));
    assert_false(json_is_true(json_object_get(t.result, "isError")));
    json_t *sc = sc_of(t.result);
    assert_true(json_is_true(json_object_get(sc, "finished")));
    json_t *job = json_object_get(sc, "web_upload");
    assert_string_equal(json_string_value(json_object_get(job, "status")), "complete");
    assert_true(json_is_string(json_object_get(job, "new_file_id")));
    assert_int_equal(json_integer_value(json_object_get(job, "size")), FILE_BYTES);
    assert_true(t.progress >= 2); /* started, then the job's bytes */
    json_decref(t.result);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(stream_progress_and_logs),
    cmocka_unit_test(stream_activity_poll_waits),
    cmocka_unit_test(stream_resume_after_drop),
    cmocka_unit_test(stream_resume_running_call),
    cmocka_unit_test(stream_resume_refusals_and_get_stream),
    cmocka_unit_test(download_content_blocks),
    cmocka_unit_test(stream_web_import_waits),
    cmocka_unit_test(stream_resource_updates_and_get_resume),
};
/* clang-format on */

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
