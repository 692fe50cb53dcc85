/* SPDX-License-Identifier: MIT */
/* test_mcp_legacy.c - fastio-server's legacy HTTP+SSE MCP transport (GET /sse + POST /messages,
 * MCP 2024-11-05) against a real server, the stream read from a plain socket so that a test sees
 * each event as it arrives and can drop the connection (D-131): event ids on every event, live
 * progress and log notifications of a tools/call on the /sse stream (the POST answered 202 at
 * once), resumption of the session with GET /sse and Last-Event-ID, the refusals of a resume
 * that cannot be served, resource-update notifications numbered like the rest, and a sampling
 * round trip. No timed assertion: every wait is bounded and a timeout is a failure. */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "it_mcp_http.h"
#include "it_rawsock.h"
#include "testmain.h"

static const char *const server_args[] = {"--rate-limit", "0", "--sync", "none", NULL};
static const struct it_fixture_opts fx_opts = {server_args, true, NULL};
static struct it_fixture fx;

#define WAIT_MS 30000 /* bound of every read: a hang fails the test */

/* The server the helpers talk to: the fixture's (0, its owner's token), or another one started
 * by a test (then no Authorization). */
static int other_port;

static int port_now(void)
{
    return other_port != 0 ? other_port : fx.srv.port;
}

/* "Authorization: Bearer ...\r\n" for the fixture's server, "" for another. */
static void auth_line(char *out, size_t len)
{
    if (other_port != 0)
        out[0] = '\0';
    else
        snprintf(out, len, "Authorization: %s\r\n", fx.owner.authz);
}

/* ---- the /sse stream, read from a socket ----------------------------------------------------- */


/* One event: its type ("message" when none), id ("" when none) and data (owned). */
struct sev {
    char type[32];
    char id[128];
    char *data;
};

static void sev_clear(struct sev *e)
{
    free(e->data);
    memset(e, 0, sizeof(*e));
}

static bool sse_fill(struct it_sse *s)
{
    return it_sse_more_until(s, rs_now_ms() + WAIT_MS);
}

static void sse_drop(struct it_sse *s, size_t k)
{
    memmove(s->buf, s->buf + k, s->n - k + 1);
    s->n -= k;
}

/* GET /sse (HTTP/1.0: the body ends with the connection) with the owner's token and, when not
 * NULL, Last-Event-ID; reads the status line and headers. */
static void sse_open(struct it_sse *s, const char *last_id)
{
    memset(s, 0, sizeof(*s));
    s->fd = rs_connect(port_now(), 0);
    assert_true(s->fd >= 0);
    char req[1024], auth[400];
    auth_line(auth, sizeof(auth));
    int n = snprintf(req, sizeof(req),
                     "GET /sse HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n%s"
                     "Accept: text/event-stream\r\n%s%s%s\r\n",
                     port_now(), auth, last_id ? "Last-Event-ID: " : "", last_id ? last_id : "",
                     last_id ? "\r\n" : "");
    assert_true(n > 0 && (size_t)n < sizeof(req));
    assert_int_equal(rs_send_all(s->fd, req, (size_t)n, WAIT_MS), 0);
    char *end = NULL;
    for (int guard = 0; guard < 1000 && (s->buf == NULL || !(end = strstr(s->buf, "\r\n\r\n")));
         guard++)
        assert_true(sse_fill(s) || (s->buf != NULL && strstr(s->buf, "\r\n\r\n") != NULL));
    assert_non_null(end);
    assert_true(strncmp(s->buf, "HTTP/1.", 7) == 0);
    s->status = (int)strtol(s->buf + 9, NULL, 10);
    sse_drop(s, (size_t)(end + 4 - s->buf));
}

/* The next event (comments skipped); false at the end of the stream or when none came within
 * WAIT_MS (keep-alive comments do not extend the wait). */
static bool sse_next(struct it_sse *s, struct sev *e)
{
    sev_clear(e);
    bool have = false;
    int64_t end = rs_now_ms() + WAIT_MS;
    for (int guard = 0; guard < 100000; guard++) {
        char *nl = s->buf != NULL ? strchr(s->buf, '\n') : NULL;
        if (nl == NULL) {
            if (!it_sse_more_until(s, end))
                return false;
            continue;
        }
        size_t l = (size_t)(nl - s->buf);
        if (l == 0) {
            sse_drop(s, 1);
            if (have) {
                if (e->type[0] == '\0')
                    snprintf(e->type, sizeof(e->type), "message");
                return true;
            }
            continue;
        }
        if (strncmp(s->buf, "event: ", 7) == 0) {
            snprintf(e->type, sizeof(e->type), "%.*s", (int)(l - 7), s->buf + 7);
            have = true;
        } else if (strncmp(s->buf, "id: ", 4) == 0) {
            snprintf(e->id, sizeof(e->id), "%.*s", (int)(l - 4), s->buf + 4);
            have = true;
        } else if (strncmp(s->buf, "data: ", 6) == 0) {
            free(e->data);
            e->data = strndup(s->buf + 6, l - 6);
            have = true;
        }
        sse_drop(s, l + 1);
    }
    return false;
}

static void sse_close(struct it_sse *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->buf);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}

/* ---- POST /messages ----------------------------------------------------------------------- */

static size_t sink(char *d, size_t sz, size_t nm, void *ud)
{
    (void)d;
    (void)ud;
    return sz * nm;
}

/* A header line appended to a 2048-byte buffer (what fits). */
static size_t keep_header(char *d, size_t sz, size_t nm, void *ud)
{
    char *h = ud;
    size_t have = strlen(h), n = sz * nm;
    if (have + n < 2048) {
        memcpy(h + have, d, n);
        h[have + n] = '\0';
    }
    return n;
}

/* POST a JSON-RPC text to /messages?sessionId=sid: the HTTP status. */
static long post_msg(const char *sid, const char *body)
{
    char url[200], ha[400];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/messages?sessionId=%s", port_now(), sid);
    snprintf(ha, sizeof(ha), "Authorization: %s", fx.owner.authz);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
    if (other_port == 0)
        hl = curl_slist_append(hl, ha);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return status;
}

/* ---- the session -------------------------------------------------------------------------- */

/* "{sid}/S-N" of an event id: sid, S and N. false when it is not that. */
static bool id_parts(const char *id, char *sid, size_t sl, unsigned *sno, uint64_t *n)
{
    const char *slash = strchr(id, '/');
    if (slash == NULL || (size_t)(slash - id) >= sl)
        return false;
    snprintf(sid, sl, "%.*s", (int)(slash - id), id);
    char *end = NULL;
    unsigned long sv = strtoul(slash + 1, &end, 10);
    if (end == slash + 1 || *end != '-' || sv == 0 || sv > UINT32_MAX)
        return false;
    const char *np = end + 1;
    unsigned long long nv = strtoull(np, &end, 10);
    if (end == np || *end != '\0')
        return false;
    *sno = (unsigned)sv;
    *n = (uint64_t)nv;
    return true;
}

/* A running count of the events seen on one session's stream: every id names the session and
 * grows. */
struct seen {
    char sid[64];
    unsigned sno;
    uint64_t last_n;
    int progress, logs;
    char last_id[128];
};

/* Check an event's id against what came before (and remember it). */
static void seen_event(struct seen *w, const struct sev *e)
{
    char sid[64];
    unsigned sno = 0;
    uint64_t n = 0;
    assert_true(id_parts(e->id, sid, sizeof(sid), &sno, &n));
    assert_string_equal(sid, w->sid);
    assert_int_equal(sno, w->sno);
    assert_true(n > w->last_n);
    w->last_n = n;
    snprintf(w->last_id, sizeof(w->last_id), "%s", e->id);
    if (e->data != NULL && strstr(e->data, "\"notifications/progress\"") != NULL)
        w->progress++;
    if (e->data != NULL && strstr(e->data, "\"notifications/message\"") != NULL)
        w->logs++;
}

/* Read events until the responses to requests a and b (b = 0: only a) have come, in either
 * order, checking each id; the result of a (owned). */
static json_t *until_responses(struct it_sse *s, struct seen *w, int a, int b)
{
    struct sev e = {0};
    json_t *ra = NULL;
    bool got_b = b == 0;
    for (int guard = 0; guard < 1000 && (ra == NULL || !got_b); guard++) {
        assert_true(sse_next(s, &e));
        assert_string_equal(e.type, "message");
        seen_event(w, &e);
        json_t *v = json_loads(e.data, 0, NULL);
        assert_non_null(v);
        json_t *res = json_object_get(v, "result");
        json_int_t id = json_integer_value(json_object_get(v, "id"));
        if (res != NULL && id == a)
            ra = json_incref(res);
        got_b = got_b || (res != NULL && id == b);
        json_decref(v);
    }
    sev_clear(&e);
    assert_non_null(ra);
    assert_true(got_b);
    return ra;
}

/* Read events until the response to request id (its result: owned), checking each id. */
static json_t *until_response(struct it_sse *s, struct seen *w, int id)
{
    return until_responses(s, w, id, 0);
}

/* GET /sse: the endpoint event comes first with an id naming the session; then initialize and
 * initialized over POST /messages (protocol 2025-06-18 over this transport, as the SDK's
 * SSEClientTransport does: tool results then carry structuredContent). */
static void legacy_open(struct it_sse *s, struct seen *w)
{
    memset(w, 0, sizeof(*w));
    sse_open(s, NULL);
    assert_int_equal(s->status, 200);
    struct sev e = {0};
    assert_true(sse_next(s, &e));
    assert_string_equal(e.type, "endpoint");
    assert_true(id_parts(e.id, w->sid, sizeof(w->sid), &w->sno, &w->last_n));
    char want[160];
    snprintf(want, sizeof(want), "/messages?sessionId=%s", w->sid);
    assert_string_equal(e.data, want);
    snprintf(w->last_id, sizeof(w->last_id), "%s", e.id);
    sev_clear(&e);
    assert_int_equal(post_msg(w->sid, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                                      "\"params\":{\"protocolVersion\":\"2025-06-18\","
                                      "\"capabilities\":{},\"clientInfo\":{\"name\":"
                                      "\"test_mcp_legacy\",\"version\":\"1\"}}}"),
                     202);
    json_t *r = until_response(s, w, 1);
    assert_string_equal(json_string_value(json_object_get(r, "protocolVersion")), "2025-06-18");
    json_decref(r);
    assert_int_equal(
        post_msg(w->sid, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"), 202);
}

/* The workspace's current activity cursor (a call answered on the stream). */
static void cursor_now(struct it_sse *s, struct seen *w, int id, char *cur, size_t len)
{
    char body[400];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"event\",\"arguments\":{\"action\":\"activity-poll\",\"entity_id\":\"%s\"}}}",
             id, fx.owner.ws);
    assert_int_equal(post_msg(w->sid, body), 202);
    json_t *r = until_response(s, w, id);
    const char *c =
        json_string_value(json_object_get(json_object_get(r, "structuredContent"), "lastactivity"));
    assert_non_null(c);
    snprintf(cur, len, "%s", c);
    json_decref(r);
}

/* POST an activity-poll that waits for a change after cursor cur, with a progress token. */
static void post_waiting_poll(const char *sid, int id, const char *cur)
{
    char body[600];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"event\",\"arguments\":{\"action\":\"activity-poll\",\"entity_id\":\"%s\","
             "\"wait\":60,\"lastactivity\":\"%s\"},\"_meta\":{\"progressToken\":\"p%d\"}}}",
             id, fx.owner.ws, cur, id);
    /* answered 202 at once: the call runs on (a call run here would hold the POST) */
    assert_int_equal(post_msg(sid, body), 202);
}

/* POST an upload of a small text file (a change the activity hub publishes). */
static void post_change(const char *sid, int id, const char *name)
{
    char body[600];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":"
             "\"%s\",\"content\":\"change\"}}}",
             id, fx.owner.ws, name);
    assert_int_equal(post_msg(sid, body), 202);
}

/* ---- tests -------------------------------------------------------------------------------- */

/* Every event of /sse has an id "{session}/S-N" that grows; a waiting tools/call with a
 * progressToken reports progress on the stream while it runs (before anything made it end),
 * log notifications go out with logging on, and the call's answer follows the change. */
static void legacy_ids_progress_and_logs(void **state)
{
    (void)state;
    struct it_sse s;
    struct seen w;
    legacy_open(&s, &w);
    assert_int_equal(post_msg(w.sid, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
                                     "\"logging/setLevel\",\"params\":{\"level\":\"debug\"}}"),
                     202);
    json_decref(until_response(&s, &w, 2));
    char cur[40];
    cursor_now(&s, &w, 3, cur, sizeof(cur));
    post_waiting_poll(w.sid, 4, cur);
    /* Progress arrives while the call waits: nothing has changed yet, so it cannot be a
     * notification collected and sent with the answer. */
    struct sev e = {0};
    for (int guard = 0; guard < 200 && w.progress == 0; guard++) {
        assert_true(sse_next(&s, &e));
        seen_event(&w, &e);
        assert_null(strstr(e.data, "\"result\""));
    }
    assert_int_equal(w.progress > 0, 1);
    assert_true(w.logs > 0); /* "activity-poll: waiting up to 60 s" */
    sev_clear(&e);
    post_change(w.sid, 5, "legacy-change.txt");
    json_t *r = until_responses(&s, &w, 4, 5); /* the upload's answer may come first */
    assert_true(
        json_array_size(json_object_get(json_object_get(r, "structuredContent"), "activity")) > 0);
    json_decref(r);
    sse_close(&s);
}

/* The stream drops while a call runs; GET /sse with the last id seen resumes the same session:
 * the endpoint event again (no id), then exactly the events after that id, the call's answer
 * among them; the session then goes on as before. A GET /sse without Last-Event-ID is a new
 * session. */
static void legacy_resume_after_drop(void **state)
{
    (void)state;
    struct it_sse s;
    struct seen w;
    legacy_open(&s, &w);
    char cur[40];
    cursor_now(&s, &w, 2, cur, sizeof(cur));
    post_waiting_poll(w.sid, 3, cur);
    struct sev e = {0};
    for (int guard = 0; guard < 200 && w.progress == 0; guard++) {
        assert_true(sse_next(&s, &e));
        seen_event(&w, &e);
    }
    sev_clear(&e);
    char resume_from[128];
    snprintf(resume_from, sizeof(resume_from), "%s", w.last_id);
    uint64_t from_n = w.last_n;
    sse_close(&s); /* the connection drops mid-call */
    /* While the client is away the session takes messages; their answers wait for it. */
    post_change(w.sid, 4, "legacy-resume.txt");

    sse_open(&s, resume_from);
    assert_int_equal(s.status, 200);
    assert_true(sse_next(&s, &e));
    assert_string_equal(e.type, "endpoint");
    assert_string_equal(e.id, "");
    char want[160];
    snprintf(want, sizeof(want), "/messages?sessionId=%s", w.sid);
    assert_string_equal(e.data, want);
    sev_clear(&e);
    /* The first replayed event is the one right after resume_from: none is lost, none
     * repeated (the session's event numbers are shared by nothing else here). */
    bool got3 = false, got4 = false;
    for (int guard = 0; guard < 1000 && !(got3 && got4); guard++) {
        assert_true(sse_next(&s, &e));
        seen_event(&w, &e);
        if (guard == 0)
            assert_true(w.last_n == from_n + 1);
        json_t *v = json_loads(e.data, 0, NULL);
        assert_non_null(v);
        json_int_t id = json_integer_value(json_object_get(v, "id"));
        if (json_object_get(v, "result") != NULL && id == 3) {
            got3 = true; /* the poll saw the change made while the client was away */
            assert_true(json_array_size(json_object_get(
                            json_object_get(json_object_get(v, "result"), "structuredContent"),
                            "activity")) > 0);
        }
        got4 = got4 || (json_object_get(v, "result") != NULL && id == 4);
        json_decref(v);
    }
    sev_clear(&e);
    assert_true(got3 && got4);
    /* The resumed session goes on. */
    assert_int_equal(post_msg(w.sid, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}"), 202);
    json_decref(until_response(&s, &w, 5));
    sse_close(&s);

    struct it_sse s2;
    struct seen w2;
    legacy_open(&s2, &w2);
    assert_string_not_equal(w2.sid, w.sid);
    sse_close(&s2);
}

/* A resume that cannot be served is refused, never served with a gap: an id not of this
 * server's /sse streams (400), an unknown session (404), a Streamable HTTP session (404), a
 * stream or event the session never had (400), events dropped from the replay ring (409). */
static void legacy_resume_refusals(void **state)
{
    (void)state;
    struct it_sse s, r;
    struct seen w;
    legacy_open(&s, &w);
    char id[200];
    sse_open(&r, "garbage");
    assert_int_equal(r.status, 400);
    sse_close(&r);
    sse_open(&r, "AAAAAAAAAAAAAAAAAAAAAAAA/1-1");
    assert_int_equal(r.status, 404);
    sse_close(&r);
    snprintf(id, sizeof(id), "%s/%u-1", w.sid, w.sno + 1);
    sse_open(&r, id);
    assert_int_equal(r.status, 400);
    sse_close(&r);
    snprintf(id, sizeof(id), "%s/%u-%" PRIu64, w.sid, w.sno, w.last_n + 1000);
    sse_open(&r, id);
    assert_int_equal(r.status, 400);
    sse_close(&r);

    /* A Streamable HTTP session's id does not open on /sse. */
    char url[200], hdr_auth[400], hdrs[2048] = "";
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/mcp", fx.srv.port);
    snprintf(hdr_auth, sizeof(hdr_auth), "Authorization: %s", fx.owner.authz);
    CURL *c = curl_easy_init();
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
    hl = curl_slist_append(hl, "Accept: application/json, text/event-stream");
    hl = curl_slist_append(hl, hdr_auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS,
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{"
                     "\"name\":\"t\",\"version\":\"1\"}}}");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, hdrs);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    const char *p = strcasestr(hdrs, "mcp-session-id:");
    assert_non_null(p);
    p += 15;
    while (*p == ' ')
        p++;
    snprintf(id, sizeof(id), "%.*s/1-1", (int)strcspn(p, "\r\n"), p);
    sse_open(&r, id);
    assert_int_equal(r.status, 404);
    sse_close(&r);

    /* More events than the replay ring keeps (256): a resume from the endpoint event would
     * need the dropped ones. */
    char endpoint_id[128];
    snprintf(endpoint_id, sizeof(endpoint_id), "%s/%u-1", w.sid, w.sno);
    for (int i = 0; i < 300; i++) {
        char body[100];
        snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}",
                 100 + i);
        assert_int_equal(post_msg(w.sid, body), 202);
    }
    json_decref(until_response(&s, &w, 399));
    sse_open(&r, endpoint_id);
    assert_int_equal(r.status, 409);
    sse_close(&r);
    /* The latest event is still held: a resume from it is served. */
    sse_open(&r, w.last_id);
    assert_int_equal(r.status, 200);
    sse_close(&r);
    sse_close(&s);
}

/* resources/subscribe on a legacy session: a change of the file is announced on the /sse stream
 * (notifications/resources/updated) as a numbered event of the session, like every other one. */
static void legacy_resource_update_numbered(void **state)
{
    (void)state;
    struct it_sse s;
    struct seen w;
    legacy_open(&s, &w);
    char body[600];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":"
             "\"legacy-watched.txt\",\"content\":\"v1\"}}}",
             fx.owner.ws);
    assert_int_equal(post_msg(w.sid, body), 202);
    json_t *r = until_response(&s, &w, 2);
    char node[64], uri[200];
    snprintf(
        node, sizeof(node), "%s",
        json_string_value(json_object_get(json_object_get(r, "structuredContent"), "new_file_id")));
    json_decref(r);
    snprintf(uri, sizeof(uri), "download://workspace/%s/%s", fx.owner.ws, node);
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/subscribe\",\"params\":{"
             "\"uri\":\"%s\"}}",
             uri);
    assert_int_equal(post_msg(w.sid, body), 202);
    json_decref(until_response(&s, &w, 3));
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"upload\",\"arguments\":{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":"
             "\"legacy-watched.txt\",\"content\":\"v2\",\"file_id\":\"%s\"}}}",
             fx.owner.ws, node);
    assert_int_equal(post_msg(w.sid, body), 202);
    bool updated = false, answered = false;
    struct sev e = {0};
    for (int guard = 0; guard < 100 && !(updated && answered); guard++) {
        assert_true(sse_next(&s, &e));
        seen_event(&w, &e); /* the notification too has the session's next id */
        json_t *m = json_loads(e.data, 0, NULL);
        assert_non_null(m);
        const char *method = json_string_value(json_object_get(m, "method"));
        if (method != NULL && strcmp(method, "notifications/resources/updated") == 0) {
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(m, "params"), "uri")), uri);
            updated = true;
        }
        answered = answered || json_integer_value(json_object_get(m, "id")) == 4;
        json_decref(m);
    }
    sev_clear(&e);
    assert_true(updated && answered);
    sse_close(&s);
}

static struct it_server fixture_srv;
static bool fixture_up;

/* A tool that asks the client (sampling) runs on the /sse stream: the server's request comes as
 * an event, the client's answer is POSTed to /messages, and the call's answer carries it (a
 * server with the conformance suite's fixture tools). */
static void legacy_sampling_round_trip(void **state)
{
    (void)state;
    static const char *const args[] = {"--mcp-conformance-fixtures", NULL};
    assert_int_equal(it_server_start(&fixture_srv, NULL, args), 0);
    fixture_up = true;
    other_port = fixture_srv.port;
    struct it_sse s;
    struct seen w;
    legacy_open(&s, &w);
    assert_int_equal(post_msg(w.sid, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                                     "\"params\":{\"name\":\"test_sampling\",\"arguments\":{"
                                     "\"prompt\":\"Say pong\"}}}"),
                     202);
    struct sev e = {0};
    assert_true(sse_next(&s, &e));
    seen_event(&w, &e);
    json_t *q = json_loads(e.data, 0, NULL);
    sev_clear(&e);
    assert_non_null(q);
    assert_string_equal(json_string_value(json_object_get(q, "method")), "sampling/createMessage");
    const char *qid = json_string_value(json_object_get(q, "id"));
    assert_non_null(qid);
    char body[400];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"result\":{\"role\":\"assistant\","
             "\"content\":{\"type\":\"text\",\"text\":\"pong\"},\"model\":\"fixture\"}}",
             qid);
    json_decref(q);
    assert_int_equal(post_msg(w.sid, body), 202);
    json_t *r = until_response(&s, &w, 2);
    const char *text = json_string_value(
        json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));
    assert_non_null(text);
    assert_string_equal(text, "LLM response: pong");
    json_decref(r);
    sse_close(&s);
}

/* The fixtures' server stops after the test, also when it failed. */
static int stop_fixture_server(void **state)
{
    (void)state;
    other_port = 0;
    if (!fixture_up)
        return 0;
    fixture_up = false;
    int rc = it_server_stop(&fixture_srv);
    it_server_cleanup(&fixture_srv);
    return rc == 0 ? 0 : -1;
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(legacy_ids_progress_and_logs),
    cmocka_unit_test(legacy_resume_after_drop),
    cmocka_unit_test(legacy_resume_refusals),
    cmocka_unit_test(legacy_resource_update_numbered),
    cmocka_unit_test_teardown(legacy_sampling_round_trip, stop_fixture_server),
};
/* clang-format on */

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
