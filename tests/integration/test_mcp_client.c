/* SPDX-License-Identifier: MIT */
/* test_mcp_client.c - libfastio's MCP client (fastio/mcp.h, api §10).
 *
 * PROTOCOL FIXTURE: the first cases talk to a small MCP server written in this file (a thread
 * per connection on 127.0.0.1, HTTP/1.1, Connection: close) that plays scripted Streamable HTTP
 * behaviour a real server only shows by chance: JSON and event-stream answers, a paged
 * tools/list, progress notifications on the call's stream, a stream dropped after a priming
 * event and resumed with GET + Last-Event-ID after its retry: delay, a request never answered.
 * It records what the client sent (methods, headers) for the checks.
 *
 * The other cases use real servers: the client against fastio-server's /mcp (Streamable HTTP)
 * and /sse (legacy), and over stdio against `fastio mcp` (the CLI's stdio server), which
 * executes the tools through libfastio against the same fastio-server. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <fastio/mcp.h>

#include "harness.h"

static struct it_fixture fx;

/* ---- the protocol fixture -------------------------------------------------------------------- */

enum fx_mode { FX_NORMAL, FX_DROP, FX_SILENT, FX_LISTEN, FX_EXPIRED };

#define FX_MAX_REC 64
struct fx_rec {
    char http_method[8];
    char rpc_method[48];
    char session[64];
    char version[32];
    char last_event_id[64];
    long long id;     /* JSON-RPC id, -1 when none */
    long long cancelled_id; /* notifications/cancelled's requestId, -1 */
    int64_t at_ms;
};

static struct {
    int fd;
    int port;
    pthread_t thr;
    volatile int stop;
    enum fx_mode mode;
    pthread_mutex_t mu;
    struct fx_rec rec[FX_MAX_REC];
    int n_rec;
    long long pending_id; /* FX_DROP: the call whose stream was dropped */
    int64_t drop_ms;      /* when it was dropped */
} fxs = {.fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

static int64_t now_ms(void)
{
    return fastio_now_ms();
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s)
{
    send_all(fd, s, strlen(s));
}

static void reply_json(int fd, const char *body)
{
    char h[256];
    snprintf(h, sizeof(h),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: fx-session-1"
             "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
             strlen(body));
    send_str(fd, h);
    send_str(fd, body);
}

static void reply_status(int fd, int status, const char *text)
{
    char h[200];
    snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
             status, text);
    send_str(fd, h);
}

static void sse_head(int fd)
{
    send_str(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache"
                 "\r\nConnection: close\r\n\r\n");
}

static void header_of(const char *head, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    size_t ln = strlen(name);
    for (const char *p = head; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (strncasecmp(p, name, ln) == 0 && p[ln] == ':') {
            const char *v = p + ln + 1;
            while (*v == ' ')
                v++;
            size_t n = strcspn(v, "\r\n");
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
    }
}

static void *fx_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[65536];
    size_t len = 0;
    char *eoh = NULL;
    while (len < sizeof(buf) - 1 && (eoh = strstr(buf, "\r\n\r\n")) == NULL) {
        ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (r <= 0)
            goto out;
        len += (size_t)r;
        buf[len] = '\0';
    }
    if (eoh == NULL)
        goto out;
    *eoh = '\0';
    char *body = eoh + 4;
    char cl[32];
    header_of(strstr(buf, "\r\n") + 2, "Content-Length", cl, sizeof(cl));
    size_t want = cl[0] ? strtoul(cl, NULL, 10) : 0;
    while ((size_t)(buf + len - body) < want && len < sizeof(buf) - 1) {
        ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (r <= 0)
            goto out;
        len += (size_t)r;
        buf[len] = '\0';
    }
    struct fx_rec rc;
    memset(&rc, 0, sizeof(rc));
    rc.id = -1;
    rc.cancelled_id = -1;
    rc.at_ms = now_ms();
    snprintf(rc.http_method, sizeof(rc.http_method), "%.*s", (int)strcspn(buf, " "), buf);
    const char *hdrs = strstr(buf, "\r\n") + 2;
    header_of(hdrs, "Mcp-Session-Id", rc.session, sizeof(rc.session));
    header_of(hdrs, "MCP-Protocol-Version", rc.version, sizeof(rc.version));
    header_of(hdrs, "Last-Event-ID", rc.last_event_id, sizeof(rc.last_event_id));
    json_t *msg = strcmp(rc.http_method, "POST") == 0 ? json_loadb(body, want, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(msg, "method"));
    snprintf(rc.rpc_method, sizeof(rc.rpc_method), "%s",
             m ? m : json_object_get(msg, "result") ? "(result)" : "");
    const char *sid = json_string_value(json_object_get(msg, "id"));
    if (sid != NULL) /* the answer to our own server request: its id in the session slot */
        snprintf(rc.last_event_id, sizeof(rc.last_event_id), "%s", sid);
    if (json_is_integer(json_object_get(msg, "id")))
        rc.id = json_integer_value(json_object_get(msg, "id"));
    json_t *rid = json_object_get(json_object_get(msg, "params"), "requestId");
    if (json_is_integer(rid))
        rc.cancelled_id = json_integer_value(rid);
    pthread_mutex_lock(&fxs.mu);
    if (fxs.n_rec < FX_MAX_REC)
        fxs.rec[fxs.n_rec++] = rc;
    pthread_mutex_unlock(&fxs.mu);

    char out[4096];
    if (strcmp(rc.http_method, "DELETE") == 0) {
        reply_status(fd, 200, "OK");
    } else if (strcmp(rc.http_method, "GET") == 0 && fxs.mode == FX_LISTEN) {
        /* the standalone stream: a notification and a server-to-client ping, then open */
        sse_head(fd);
        send_str(fd, "retry: 60000\nid: g-1\ndata: {\"jsonrpc\":\"2.0\",\"method\":"
                     "\"notifications/tools/list_changed\"}\n\n"
                     "id: g-2\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"method\":\"ping\"}\n\n");
        for (int i = 0; i < 50 && !fxs.stop; i++) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    } else if (strcmp(rc.http_method, "GET") == 0) {
        if (fxs.mode != FX_DROP || fxs.pending_id < 0) {
            reply_status(fd, 405, "Method Not Allowed");
        } else {
            sse_head(fd);
            snprintf(out, sizeof(out),
                     "id: s1-3\ndata: {\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"content\":"
                     "[{\"type\":\"text\",\"text\":\"resumed\"}]}}\n\n",
                     fxs.pending_id);
            send_str(fd, out);
            fxs.pending_id = -1;
        }
    } else if (rc.id < 0) {
        reply_status(fd, 202, "Accepted"); /* a notification */
    } else if (strcmp(rc.rpc_method, "initialize") == 0) {
        snprintf(out, sizeof(out),
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"protocolVersion\":\"2025-06-18\","
                 "\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"fixture\","
                 "\"version\":\"1\"}}}",
                 rc.id);
        reply_json(fd, out);
    } else if (fxs.mode == FX_EXPIRED) {
        reply_status(fd, 404, "Not Found"); /* the session is gone */
    } else if (strcmp(rc.session, "fx-session-1") != 0 ||
               strcmp(rc.version, "2025-06-18") != 0) {
        /* the client must send the session id and the negotiated version after initialize */
        reply_status(fd, 400, "Bad Request");
    } else if (strcmp(rc.rpc_method, "tools/list") == 0) {
        const char *cursor =
            json_string_value(json_object_get(json_object_get(msg, "params"), "cursor"));
        if (cursor == NULL)
            snprintf(out, sizeof(out),
                     "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"tools\":[{\"name\":\"one\","
                     "\"inputSchema\":{\"type\":\"object\"}}],\"nextCursor\":\"page-2\"}}",
                     rc.id);
        else
            snprintf(out, sizeof(out),
                     "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"tools\":[{\"name\":\"%s\","
                     "\"inputSchema\":{\"type\":\"object\"}}]}}",
                     rc.id, strcmp(cursor, "page-2") == 0 ? "two" : "wrong-cursor");
        reply_json(fd, out);
    } else if (strcmp(rc.rpc_method, "tools/call") == 0 && fxs.mode == FX_NORMAL) {
        /* an event stream: a progress notification, a server ping, a comment, then the
         * answer split over two data lines */
        json_t *tok = json_object_get(
            json_object_get(json_object_get(msg, "params"), "_meta"), "progressToken");
        sse_head(fd);
        snprintf(out, sizeof(out),
                 ": keep-alive\n\nid: a-1\ndata: {\"jsonrpc\":\"2.0\",\"method\":"
                 "\"notifications/progress\",\"params\":{\"progressToken\":%lld,\"progress\":1,"
                 "\"total\":2,\"message\":\"half\"}}\n\n"
                 "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
                 "\"params\":{\"level\":\"info\",\"data\":\"hello\"}}\r\n\r\n"
                 "id: a-2\ndata: {\"jsonrpc\":\"2.0\",\"id\":%lld,\n"
                 "data: \"result\":{\"content\":[{\"type\":\"text\",\"text\":\"sum=%lld\"}]}}\n\n",
                 json_is_integer(tok) ? (long long)json_integer_value(tok) : -1LL, rc.id,
                 json_integer_value(json_object_get(
                     json_object_get(json_object_get(msg, "params"), "arguments"), "a")) +
                     json_integer_value(json_object_get(
                         json_object_get(json_object_get(msg, "params"), "arguments"), "b")));
        send_str(fd, out);
    } else if (strcmp(rc.rpc_method, "tools/call") == 0 && fxs.mode == FX_DROP) {
        /* a priming event with an id and a retry delay, one more event, then the stream
         * drops without the answer */
        sse_head(fd);
        send_str(fd, "id: s1-1\nretry: 300\ndata: \n\nid: s1-2\ndata: {\"jsonrpc\":\"2.0\","
                     "\"method\":\"notifications/message\",\"params\":{\"level\":\"info\","
                     "\"data\":\"working\"}}\n\n");
        fxs.pending_id = rc.id;
        fxs.drop_ms = now_ms();
    } else if (strcmp(rc.rpc_method, "tools/call") == 0 && fxs.mode == FX_SILENT) {
        sse_head(fd);
        for (int i = 0; i < 100 && !fxs.stop; i++) { /* hold the stream open, say nothing */
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    } else {
        snprintf(out, sizeof(out),
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32601,\"message\":"
                 "\"no such method\"}}",
                 rc.id);
        reply_json(fd, out);
    }
    json_decref(msg);
out:
    close(fd);
    return NULL;
}

static void *fx_accept(void *arg)
{
    (void)arg;
    while (!fxs.stop) {
        int c = accept(fxs.fd, NULL, NULL);
        if (c < 0)
            continue;
        pthread_t t;
        if (pthread_create(&t, NULL, fx_conn, (void *)(intptr_t)c) == 0)
            pthread_detach(t);
        else
            close(c);
    }
    return NULL;
}

static void fx_start(enum fx_mode mode)
{
    fxs.mode = mode;
    fxs.n_rec = 0;
    fxs.pending_id = -1;
    fxs.stop = 0;
    fxs.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fxs.fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fxs.fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fxs.fd, 16), 0);
    socklen_t al = sizeof(a);
    assert_int_equal(getsockname(fxs.fd, (struct sockaddr *)&a, &al), 0);
    fxs.port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&fxs.thr, NULL, fx_accept, NULL), 0);
}

static void fx_stop(void)
{
    fxs.stop = 1;
    shutdown(fxs.fd, SHUT_RDWR);
    close(fxs.fd);
    pthread_join(fxs.thr, NULL);
    struct timespec ts = {0, 100 * 1000 * 1000}; /* let connection threads finish */
    nanosleep(&ts, NULL);
}

static const struct fx_rec *fx_find(const char *http, const char *rpc, int nth)
{
    for (int i = 0; i < fxs.n_rec; i++)
        if (strcmp(fxs.rec[i].http_method, http) == 0 &&
            (rpc == NULL || strcmp(fxs.rec[i].rpc_method, rpc) == 0) && nth-- == 0)
            return &fxs.rec[i];
    return NULL;
}

static struct fastio_mcp *fx_connect(struct fastio_mcp_config *cfg)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/mcp", fxs.port);
    cfg->url = url;
    struct fastio_error err;
    struct fastio_mcp *m = fastio_mcp_connect(cfg, &err);
    if (m == NULL)
        fail_msg("connect: %s", err.message);
    return m;
}

struct seen {
    int progress;
    double last_progress, last_total;
    char last_message[32];
    int notes;
    char note_method[64];
};

static void on_progress(void *ud, double progress, double total, const char *message)
{
    struct seen *s = ud;
    s->progress++;
    s->last_progress = progress;
    s->last_total = total;
    snprintf(s->last_message, sizeof(s->last_message), "%s", message ? message : "");
}

static void on_note(void *ud, const char *method, const json_t *params)
{
    (void)params;
    struct seen *s = ud;
    s->notes++;
    snprintf(s->note_method, sizeof(s->note_method), "%s", method);
}

/* ---- cases: the fixture ------------------------------------------------------------------- */

static void test_http_json_and_sse_answers(void **state)
{
    (void)state;
    fx_start(FX_NORMAL);
    struct seen seen = {0};
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    cfg.on_progress = on_progress;
    cfg.progress_userdata = &seen;
    cfg.on_notification = on_note;
    cfg.notification_userdata = &seen;
    struct fastio_mcp *m = fx_connect(&cfg);
    /* the server chose an older version: accepted and used from then on */
    assert_string_equal(fastio_mcp_protocol_version(m), "2025-06-18");
    assert_string_equal(fastio_mcp_session_id(m), "fx-session-1");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(fastio_mcp_server_info(m), "serverInfo"), "name")),
                        "fixture");

    struct fastio_error err;
    json_t *tools = NULL;
    assert_int_equal(fastio_mcp_list_tools(m, &tools, &err), FASTIO_OK);
    assert_int_equal(json_array_size(tools), 2); /* both pages, the cursor sent back */
    assert_string_equal(json_string_value(json_object_get(json_array_get(tools, 1), "name")),
                        "two");
    json_decref(tools);

    json_t *args = json_pack("{s:i, s:i}", "a", 5, "b", 3);
    json_t *res = NULL;
    assert_int_equal(fastio_mcp_call_tool(m, "add", args, &res, &err), FASTIO_OK);
    json_decref(args);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "content"), 0), "text")),
                        "sum=8");
    json_decref(res);
    assert_int_equal(seen.progress, 1);
    assert_true(seen.last_progress == 1.0 && seen.last_total == 2.0);
    assert_string_equal(seen.last_message, "half");
    assert_int_equal(seen.notes, 1);
    assert_string_equal(seen.note_method, "notifications/message");

    /* a JSON-RPC error answer is API_ERROR with the code */
    assert_int_equal(fastio_mcp_request(m, "nothing/here", NULL, &res, &err), FASTIO_API_ERROR);
    assert_int_equal(err.api_code, -32601);
    assert_null(res);

    fastio_mcp_close(m);
    fx_stop();
    /* the lifecycle in order, then the session ended with DELETE */
    assert_non_null(fx_find("POST", "initialize", 0));
    const struct fx_rec *inited = fx_find("POST", "notifications/initialized", 0);
    assert_non_null(inited);
    assert_string_equal(inited->session, "fx-session-1");
    const struct fx_rec *del = fx_find("DELETE", NULL, 0);
    assert_non_null(del);
    assert_string_equal(del->session, "fx-session-1");
}

static void test_http_stream_resumed_with_last_event_id(void **state)
{
    (void)state;
    fx_start(FX_DROP);
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    struct fastio_mcp *m = fx_connect(&cfg);
    json_t *res = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_mcp_call_tool(m, "slow", NULL, &res, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "content"), 0), "text")),
                        "resumed");
    json_decref(res);
    fastio_mcp_close(m);
    fx_stop();
    const struct fx_rec *get = fx_find("GET", NULL, 0);
    assert_non_null(get);
    /* the last id the dropped stream carried, after the stream's retry: delay (300 ms) */
    assert_string_equal(get->last_event_id, "s1-2");
    assert_string_equal(get->session, "fx-session-1");
    int64_t waited = get->at_ms - fxs.drop_ms;
    assert_true(waited >= 280);
    assert_true(waited < 2000);
    assert_null(fx_find("GET", NULL, 1)); /* one resumption was enough */
}

static void test_http_timeout_sends_cancelled(void **state)
{
    (void)state;
    fx_start(FX_SILENT);
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    cfg.timeout_ms = 400;
    struct fastio_mcp *m = fx_connect(&cfg);
    json_t *res = NULL;
    struct fastio_error err;
    int64_t t0 = now_ms();
    assert_int_equal(fastio_mcp_call_tool(m, "hang", NULL, &res, &err), FASTIO_TIMEOUT);
    int64_t took = now_ms() - t0;
    assert_true(took >= 390 && took < 3000);
    assert_null(res);
    fastio_mcp_close(m); /* flushes the cancellation */
    fx_stop();
    const struct fx_rec *call = fx_find("POST", "tools/call", 0);
    const struct fx_rec *cancel = fx_find("POST", "notifications/cancelled", 0);
    assert_non_null(call);
    assert_non_null(cancel);
    assert_int_equal(cancel->cancelled_id, call->id);
}

static void test_http_session_expired(void **state)
{
    (void)state;
    fx_start(FX_EXPIRED);
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    struct fastio_mcp *m = fx_connect(&cfg);
    json_t *res = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_mcp_call_tool(m, "any", NULL, &res, &err), FASTIO_NOT_FOUND);
    assert_int_equal(err.http_status, 404);
    assert_non_null(strstr(err.message, "connect again"));
    fastio_mcp_close(m);
    fx_stop();
}

static void *trigger_later(void *arg)
{
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    fastio_cancel_trigger(arg);
    return NULL;
}

static void test_http_cancel_token(void **state)
{
    (void)state;
    fx_start(FX_SILENT);
    struct fastio_cancel *cancel = fastio_cancel_new();
    assert_non_null(cancel);
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    cfg.timeout_ms = 0; /* no deadline: only the token ends the call */
    cfg.cancel = cancel;
    struct fastio_mcp *m = fx_connect(&cfg);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, trigger_later, cancel), 0);
    json_t *res = NULL;
    struct fastio_error err;
    int64_t t0 = now_ms();
    assert_int_equal(fastio_mcp_call_tool(m, "hang", NULL, &res, &err), FASTIO_CANCELLED);
    assert_true(now_ms() - t0 < 1500);
    pthread_join(t, NULL);
    fastio_mcp_close(m);
    fastio_cancel_free(cancel);
    fx_stop();
    const struct fx_rec *call = fx_find("POST", "tools/call", 0);
    const struct fx_rec *cancelled = fx_find("POST", "notifications/cancelled", 0);
    assert_non_null(call);
    assert_non_null(cancelled);
    assert_int_equal(cancelled->cancelled_id, call->id);
}

static void test_http_listen_stream_and_server_ping(void **state)
{
    (void)state;
    fx_start(FX_LISTEN);
    struct seen seen = {0};
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    cfg.listen = true;
    cfg.on_notification = on_note;
    cfg.notification_userdata = &seen;
    struct fastio_mcp *m = fx_connect(&cfg);
    struct fastio_error err;
    for (int i = 0; i < 30 && seen.notes == 0; i++)
        assert_int_equal(fastio_mcp_poll(m, 100, &err), FASTIO_OK);
    assert_int_equal(seen.notes, 1);
    assert_string_equal(seen.note_method, "notifications/tools/list_changed");
    assert_int_equal(fastio_mcp_poll(m, 300, &err), FASTIO_OK); /* the ping's answer leaves */
    fastio_mcp_close(m);
    fx_stop();
    const struct fx_rec *get = fx_find("GET", NULL, 0);
    assert_non_null(get);
    assert_string_equal(get->session, "fx-session-1");
    const struct fx_rec *pong = fx_find("POST", "(result)", 0);
    assert_non_null(pong);
    assert_string_equal(pong->last_event_id, "srv-1");
}

/* A stdio server that dies is a NETWORK failure that names its exit status. */
static void test_stdio_child_exit(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "read line; exit 3", NULL};
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    cfg.transport = FASTIO_MCP_STDIO;
    cfg.command = argv;
    cfg.timeout_ms = 5000;
    struct fastio_error err;
    assert_null(fastio_mcp_connect(&cfg, &err));
    assert_int_equal(err.status, FASTIO_NETWORK);
    assert_non_null(strstr(err.message, "status 3"));
    /* a line longer than max_message_bytes ends the connection with TOO_LARGE */
    const char *big[] = {"/bin/sh", "-c", "read line; head -c 100000 /dev/zero | tr '\\0' x; "
                                          "echo; sleep 5", NULL};
    fastio_mcp_config_init(&cfg);
    cfg.transport = FASTIO_MCP_STDIO;
    cfg.command = big;
    cfg.max_message_bytes = 4096;
    assert_null(fastio_mcp_connect(&cfg, &err));
    assert_int_equal(err.status, FASTIO_TOO_LARGE);
}

static void test_bad_config_refused(void **state)
{
    (void)state;
    struct fastio_mcp_config cfg;
    struct fastio_error err;
    fastio_mcp_config_init(&cfg);
    cfg.url = "ftp://example.invalid/";
    assert_null(fastio_mcp_connect(&cfg, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    struct fastio_mcp_config zero;
    memset(&zero, 0, sizeof(zero)); /* not set up by _init: refused (D-005) */
    zero.url = "http://127.0.0.1:1/mcp";
    assert_null(fastio_mcp_connect(&zero, &err));
    assert_int_equal(err.status, FASTIO_INVALID);
    fastio_mcp_config_init(&cfg);
    cfg.transport = FASTIO_MCP_STDIO;
    const char *argv[] = {"/nonexistent/mcp-server-binary", NULL};
    cfg.command = argv;
    assert_null(fastio_mcp_connect(&cfg, &err));
    assert_int_equal(err.status, FASTIO_IO);
    /* nothing listens there */
    fastio_mcp_config_init(&cfg);
    cfg.url = "http://127.0.0.1:1/mcp";
    cfg.timeout_ms = 3000;
    assert_null(fastio_mcp_connect(&cfg, &err));
    assert_int_equal(err.status, FASTIO_NETWORK);
}

/* ---- cases: real servers -------------------------------------------------------------------- */

static void test_fastio_server_mcp_http_and_sse(void **state)
{
    (void)state;
    char url[160];
    for (int t = 0; t < 2; t++) {
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", fx.srv.port, t ? "sse" : "mcp");
        struct fastio_mcp_config cfg;
        fastio_mcp_config_init(&cfg);
        cfg.transport = t ? FASTIO_MCP_SSE : FASTIO_MCP_HTTP;
        cfg.url = url;
        cfg.bearer_token = fx.srv.owner_key;
        struct fastio_error err;
        struct fastio_mcp *m = fastio_mcp_connect(&cfg, &err);
        if (m == NULL)
            fail_msg("%s: %s", url, err.message);
        json_t *tools = NULL;
        assert_int_equal(fastio_mcp_list_tools(m, &tools, &err), FASTIO_OK);
        assert_true(json_array_size(tools) >= 10);
        json_decref(tools);
        json_t *args = json_pack("{s:s}", "action", "status"), *res = NULL;
        assert_int_equal(fastio_mcp_call_tool(m, "auth", args, &res, &err), FASTIO_OK);
        json_decref(args);
        assert_false(json_is_true(json_object_get(res, "isError")));
        assert_true(json_is_true(
            json_object_get(json_object_get(res, "structuredContent"), "authenticated")));
        json_decref(res);
        json_t *rd = NULL;
        assert_int_equal(fastio_mcp_read_resource(m, "skill://guide", &rd, &err), FASTIO_OK);
        assert_true(json_array_size(json_object_get(rd, "contents")) == 1);
        json_decref(rd);
        fastio_mcp_close(m);
    }
}

/* The stdio transport against `fastio mcp`, which calls the same fastio-server: sign in with
 * the owner's key through the auth tool, create a workspace, upload text, list, lock, release. */
static json_t *call_ok(struct fastio_mcp *m, const char *tool, json_t *args)
{
    json_t *res = NULL;
    struct fastio_error err;
    enum fastio_status st = fastio_mcp_call_tool(m, tool, args, &res, &err);
    if (st != FASTIO_OK)
        fail_msg("%s: %s", tool, err.message);
    if (json_is_true(json_object_get(res, "isError"))) {
        char *d = json_dumps(res, 0);
        fail_msg("%s %s: %s", tool, json_string_value(json_object_get(args, "action")), d);
    }
    json_decref(args);
    json_t *sc = json_incref(json_object_get(res, "structuredContent"));
    json_decref(res);
    return sc;
}

static void test_stdio_fastio_mcp_session(void **state)
{
    (void)state;
    const char *bin = getenv("FASTIO_CLI_BIN");
    assert_non_null(bin);
    const char *argv[] = {bin, "--api-base", fx.srv.base, "mcp", NULL};
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    cfg.transport = FASTIO_MCP_STDIO;
    cfg.command = argv;
    struct fastio_error err;
    /* no token in the environment of the child: sign in through the auth tool */
    unsetenv("FASTIO_TOKEN");
    unsetenv("FASTIO_API_KEY");
    char home[300];
    snprintf(home, sizeof(home), "%s/home", fx.srv.dir);
    setenv("HOME", home, 1); /* no profile, no local-server key of the real user */
    setenv("XDG_CONFIG_HOME", home, 1);
    setenv("XDG_DATA_HOME", home, 1);
    struct fastio_mcp *m = fastio_mcp_connect(&cfg, &err);
    if (m == NULL)
        fail_msg("fastio mcp: %s", err.message);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(fastio_mcp_server_info(m), "serverInfo"), "name")),
                        "fastio-cli");

    json_t *sc = call_ok(m, "auth", json_pack("{s:s, s:s}", "action", "set-api-key", "api_key",
                                              fx.srv.owner_key));
    assert_true(json_is_true(json_object_get(sc, "signed_in")));
    json_decref(sc);

    char domain[64];
    snprintf(domain, sizeof(domain), "mcpc%ld", (long)getpid());
    sc = call_ok(m, "org", json_pack("{s:s, s:s, s:s}", "action", "create", "domain", domain,
                                     "name", "MCP client org"));
    const char *org = json_string_value(json_object_get(json_object_get(sc, "org"), "id"));
    assert_non_null(org);
    char org_id[64];
    snprintf(org_id, sizeof(org_id), "%s", org);
    json_decref(sc);

    char wsname[64];
    snprintf(wsname, sizeof(wsname), "mcp-ws-%ld", (long)getpid());
    sc = call_ok(m, "workspace",
                 json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "action", "create", "org_id",
                           org_id, "folder_name", wsname, "name", "MCP ws", "intelligence", 0,
                           "perm_join", "Member or above", "perm_member_manage",
                           "Member or above"));
    char ws[64];
    snprintf(ws, sizeof(ws), "%s",
             json_string_value(json_object_get(json_object_get(sc, "workspace"), "id")));
    json_decref(sc);
    assert_true(ws[0] != '\0');

    sc = call_ok(m, "upload", json_pack("{s:s, s:s, s:s, s:s}", "action", "text",
                                        "workspace_id", ws, "name", "hello.txt", "content",
                                        "hello over stdio"));
    char node[64];
    snprintf(node, sizeof(node), "%s", json_string_value(json_object_get(sc, "new_file_id")));
    json_decref(sc);
    assert_true(node[0] != '\0');

    /* the official CLI's name `files` for storage */
    json_t *res = NULL;
    json_t *args = json_pack("{s:s, s:s, s:s}", "action", "list", "workspace_id", ws, "folder_id",
                             "root");
    assert_int_equal(fastio_mcp_call_tool(m, "files", args, &res, &err), FASTIO_OK);
    json_decref(args);
    char *text = json_dumps(res, 0);
    if (strstr(text, "hello.txt") == NULL)
        fail_msg("files list: %s", text);
    free(text);
    json_decref(res);

    /* `lock acquire` is storage's lock-acquire */
    sc = call_ok(m, "lock", json_pack("{s:s, s:s, s:s}", "action", "acquire", "workspace_id", ws,
                                      "node_id", node));
    const char *tok = json_string_value(json_object_get(json_object_get(sc, "lock"), "lock_token"));
    assert_non_null(tok);
    char lock_token[128];
    snprintf(lock_token, sizeof(lock_token), "%s", tok);
    json_decref(sc);
    sc = call_ok(m, "storage", json_pack("{s:s, s:s, s:s, s:s}", "action", "lock-release",
                                         "workspace_id", ws, "node_id", node, "lock_token",
                                         lock_token));
    json_decref(sc);

    /* an unknown tool is a protocol error, a bad action a tool error that says what to do */
    assert_int_equal(fastio_mcp_call_tool(m, "no-such-tool", NULL, &res, &err),
                     FASTIO_API_ERROR);
    assert_int_equal(err.api_code, -32602);
    args = json_pack("{s:s}", "action", "no-such-action");
    assert_int_equal(fastio_mcp_call_tool(m, "storage", args, &res, &err), FASTIO_OK);
    json_decref(args);
    assert_true(json_is_true(json_object_get(res, "isError")));
    json_decref(res);
    fastio_mcp_close(m);
}

static void test_stdio_tools_allow_list(void **state)
{
    (void)state;
    const char *bin = getenv("FASTIO_CLI_BIN");
    const char *argv[] = {bin, "--api-base", fx.srv.base, "--token", fx.srv.owner_key, "mcp",
                          "--tools", "files,lock,upload,bogus", NULL};
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    cfg.transport = FASTIO_MCP_STDIO;
    cfg.command = argv;
    struct fastio_error err;
    struct fastio_mcp *m = fastio_mcp_connect(&cfg, &err);
    if (m == NULL)
        fail_msg("fastio mcp --tools: %s", err.message);
    json_t *tools = NULL;
    assert_int_equal(fastio_mcp_list_tools(m, &tools, &err), FASTIO_OK);
    assert_int_equal(json_array_size(tools), 2); /* storage (files and lock) and upload */
    assert_string_equal(json_string_value(json_object_get(json_array_get(tools, 0), "name")),
                        "storage");
    json_decref(tools);
    json_t *res = NULL;
    json_t *args = json_pack("{s:s}", "action", "status");
    assert_int_equal(fastio_mcp_call_tool(m, "auth", args, &res, &err), FASTIO_API_ERROR);
    json_decref(args);
    fastio_mcp_close(m);
}

/* ---- fastio-server: live progress, log lines, and a resumed stream --------------------------- */

/* http_client flags: what the client asks for. */
#define HC_PROGRESS 1u /* on_progress into seen (the calls then send a progressToken) */
#define HC_NOTES 2u    /* on_note into seen */
#define HC_LISTEN 4u   /* cfg.listen: the standalone GET stream stays open */

/* A Streamable HTTP client of /mcp at 127.0.0.1:port with token; seen is cleared. The test fails
 * when it cannot connect. */
static struct fastio_mcp *http_client(int port, const char *token, struct seen *seen,
                                      unsigned flags)
{
    char url[160];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/mcp", port);
    memset(seen, 0, sizeof(*seen));
    struct fastio_mcp_config cfg;
    fastio_mcp_config_init(&cfg);
    cfg.url = url;
    cfg.bearer_token = token;
    cfg.listen = (flags & HC_LISTEN) != 0;
    if (flags & HC_PROGRESS) {
        cfg.on_progress = on_progress;
        cfg.progress_userdata = seen;
    }
    if (flags & HC_NOTES) {
        cfg.on_notification = on_note;
        cfg.notification_userdata = seen;
    }
    struct fastio_error err;
    struct fastio_mcp *m = fastio_mcp_connect(&cfg, &err);
    if (m == NULL)
        fail_msg("%s: %s", url, err.message);
    return m;
}

/* The progress callback against fastio-server: a 3 MiB upload text reports its bytes while it
 * runs (more than one notification, increasing, all before the call returns), and log lines
 * arrive as notifications after logging/setLevel. */
static void test_fastio_server_progress_and_logs(void **state)
{
    (void)state;
    struct it_user u;
    it_user_new(&u, &fx.srv, IT_USER_WORKSPACE);
    struct seen seen;
    struct fastio_mcp *m = http_client(fx.srv.port, u.token, &seen, HC_PROGRESS | HC_NOTES);
    struct fastio_error err;
    json_t *lv = json_pack("{s:s}", "level", "info"), *res = NULL;
    assert_int_equal(fastio_mcp_request(m, "logging/setLevel", lv, &res, &err), FASTIO_OK);
    json_decref(lv);
    json_decref(res);
    seen.progress = 0;
    size_t n = 3 * 1024 * 1024;
    char *content = malloc(n + 1);
    assert_non_null(content);
    memset(content, 'q', n);
    content[n] = '\0';
    json_t *args = json_pack("{s:s, s:s, s:s, s:s}", "action", "text", "workspace_id", u.ws,
                             "name", "c-client.txt", "content", content);
    free(content);
    res = NULL;
    assert_int_equal(fastio_mcp_call_tool(m, "upload", args, &res, &err), FASTIO_OK);
    json_decref(args);
    assert_false(json_is_true(json_object_get(res, "isError")));
    json_decref(res);
    assert_true(seen.progress > 1);
    assert_true(seen.last_progress == (double)n);
    assert_true(seen.notes >= 1);
    assert_string_equal(seen.note_method, "notifications/message");
    fastio_mcp_close(m);
    it_user_release(&u);
}

/* cfg.listen against fastio-server: the client keeps the standalone GET stream open, and a
 * subscribed file's change arrives there as notifications/resources/updated (read by
 * fastio_mcp_poll). */
static void test_fastio_server_listen_resource_updates(void **state)
{
    (void)state;
    struct it_user u;
    it_user_new(&u, &fx.srv, IT_USER_WORKSPACE);
    struct seen seen;
    struct fastio_mcp *m = http_client(fx.srv.port, u.token, &seen, HC_NOTES | HC_LISTEN);
    struct fastio_error err;
    json_t *sc = call_ok(m, "upload", json_pack("{s:s, s:s, s:s, s:s}", "action", "text",
                                                "workspace_id", u.ws, "name", "sub.txt",
                                                "content", "one"));
    char node[64], uri[200];
    snprintf(node, sizeof(node), "%s", json_string_value(json_object_get(sc, "new_file_id")));
    json_decref(sc);
    snprintf(uri, sizeof(uri), "download://workspace/%s/%s", u.ws, node);
    json_t *p = json_pack("{s:s}", "uri", uri), *res = NULL;
    assert_int_equal(fastio_mcp_request(m, "resources/subscribe", p, &res, &err), FASTIO_OK);
    json_decref(p);
    json_decref(res);
    /* The GET stream opens in the background: a change made before the server has it is told
     * to no one, so change again (bounded) until one is announced. */
    for (int round = 0;
         round < 30 && strcmp(seen.note_method, "notifications/resources/updated") != 0;
         round++) {
        sc = call_ok(m, "upload", json_pack("{s:s, s:s, s:s, s:s, s:s}", "action", "text",
                                            "workspace_id", u.ws, "name", "sub.txt", "content",
                                            "two", "file_id", node));
        json_decref(sc);
        for (int i = 0;
             i < 10 && strcmp(seen.note_method, "notifications/resources/updated") != 0; i++)
            assert_int_equal(fastio_mcp_poll(m, 100, &err), FASTIO_OK);
    }
    assert_string_equal(seen.note_method, "notifications/resources/updated");
    fastio_mcp_close(m);
    it_user_release(&u);
}

/* A TCP proxy in front of fastio-server that cuts the first event stream carrying a progress
 * notification right after that event (as a network drop would), and records whether a later
 * request carried Last-Event-ID. */
static struct {
    int lfd, port;
    atomic_bool stop, armed, saw_resume;
    atomic_int live;
} px;

struct px_conn {
    int c, s;
};

static void *px_conn_main(void *arg)
{
    struct px_conn *pc = arg;
    char buf[65536];
    char *acc = NULL; /* server bytes of this connection while the cut is armed */
    size_t acc_n = 0;
    bool done = false;
    for (int guard = 0; guard < 1000000 && !done && !atomic_load(&px.stop); guard++) {
        struct pollfd p[2] = {{.fd = pc->c, .events = POLLIN}, {.fd = pc->s, .events = POLLIN}};
        if (poll(p, 2, 200) <= 0)
            continue;
        for (int k = 0; k < 2 && !done; k++) {
            if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = recv(p[k].fd, buf, sizeof(buf), 0);
            if (r <= 0) {
                done = true;
                break;
            }
            size_t len = (size_t)r;
            if (k == 0) {
                if (memmem(buf, len, "Last-Event-ID:", 14) != NULL)
                    atomic_store(&px.saw_resume, true);
                send_all(pc->s, buf, len);
                continue;
            }
            if (atomic_load(&px.armed) && acc_n + len < 8 * 1024 * 1024) {
                char *na = realloc(acc, acc_n + len + 1);
                assert_non_null(na);
                acc = na;
                size_t before = acc_n;
                memcpy(acc + acc_n, buf, len);
                acc_n += len;
                acc[acc_n] = '\0';
                char *pn = strstr(acc, "notifications/progress");
                char *end = pn != NULL ? strstr(pn, "\n\n") : NULL;
                if (end != NULL && strstr(acc, "text/event-stream") != NULL) {
                    bool first = true;
                    if (atomic_compare_exchange_strong(&px.armed, &first, false)) {
                        size_t upto = (size_t)(end + 2 - acc);
                        if (upto > before)
                            send_all(pc->c, buf, upto - before);
                        done = true; /* drop both sides */
                        break;
                    }
                }
            }
            send_all(pc->c, buf, len);
        }
    }
    free(acc);
    close(pc->c);
    close(pc->s);
    free(pc);
    atomic_fetch_sub(&px.live, 1);
    return NULL;
}

static void *px_accept_main(void *arg)
{
    (void)arg;
    for (int guard = 0; guard < 100000 && !atomic_load(&px.stop); guard++) {
        struct pollfd p = {.fd = px.lfd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(px.lfd, NULL, NULL);
        if (c < 0)
            continue;
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a;
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)fx.srv.port);
        a.sin_addr.s_addr = htonl(0x7f000001u);
        if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
            close(c);
            if (s >= 0)
                close(s);
            continue;
        }
        struct px_conn *pc = malloc(sizeof(*pc));
        assert_non_null(pc);
        pc->c = c;
        pc->s = s;
        atomic_fetch_add(&px.live, 1);
        pthread_t t;
        if (pthread_create(&t, NULL, px_conn_main, pc) != 0) {
            close(c);
            close(s);
            free(pc);
            atomic_fetch_sub(&px.live, 1);
        } else {
            pthread_detach(t);
        }
    }
    return NULL;
}

/* libfastio's MCP client resumes a dropped fastio-server stream: GET with Last-Event-ID after
 * the priming event's retry: delay; fastio-server replays the missed events and the response. */
static void test_fastio_server_stream_resumed(void **state)
{
    (void)state;
    struct it_user u;
    it_user_new(&u, &fx.srv, IT_USER_WORKSPACE);
    px.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(px.lfd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000001u);
    assert_int_equal(bind(px.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(px.lfd, 16), 0);
    socklen_t al = sizeof(a);
    assert_int_equal(getsockname(px.lfd, (struct sockaddr *)&a, &al), 0);
    px.port = ntohs(a.sin_port);
    atomic_store(&px.stop, false);
    atomic_store(&px.armed, true);
    atomic_store(&px.saw_resume, false);
    pthread_t acc;
    assert_int_equal(pthread_create(&acc, NULL, px_accept_main, NULL), 0);

    struct seen seen;
    struct fastio_mcp *m = http_client(px.port, u.token, &seen, HC_PROGRESS);
    struct fastio_error err;
    size_t n = 2 * 1024 * 1024;
    char *content = malloc(n + 1);
    assert_non_null(content);
    memset(content, 'r', n);
    content[n] = '\0';
    json_t *args = json_pack("{s:s, s:s, s:s, s:s}", "action", "text", "workspace_id", u.ws,
                             "name", "resumed.txt", "content", content);
    free(content);
    json_t *res = NULL;
    enum fastio_status st = fastio_mcp_call_tool(m, "upload", args, &res, &err);
    if (st != FASTIO_OK)
        fail_msg("%s", err.message);
    json_decref(args);
    assert_false(json_is_true(json_object_get(res, "isError")));
    assert_non_null(json_object_get(json_object_get(res, "structuredContent"), "new_file_id"));
    json_decref(res);
    assert_false(atomic_load(&px.armed)); /* the stream was cut */
    assert_true(atomic_load(&px.saw_resume));
    assert_true(seen.progress >= 2);      /* before the cut and after the resume */
    assert_true(seen.last_progress == (double)n);
    fastio_mcp_close(m);
    atomic_store(&px.stop, true);
    pthread_join(acc, NULL);
    for (int i = 0; i < 100 && atomic_load(&px.live) > 0; i++) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    close(px.lfd);
    it_user_release(&u);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_http_json_and_sse_answers),
    cmocka_unit_test(test_http_stream_resumed_with_last_event_id),
    cmocka_unit_test(test_http_timeout_sends_cancelled),
    cmocka_unit_test(test_http_session_expired),
    cmocka_unit_test(test_http_cancel_token),
    cmocka_unit_test(test_http_listen_stream_and_server_ping),
    cmocka_unit_test(test_stdio_child_exit),
    cmocka_unit_test(test_bad_config_refused),
    cmocka_unit_test(test_fastio_server_mcp_http_and_sse),
    cmocka_unit_test(test_stdio_fastio_mcp_session),
    cmocka_unit_test(test_stdio_tools_allow_list),
    cmocka_unit_test(test_fastio_server_progress_and_logs),
    cmocka_unit_test(test_fastio_server_stream_resumed),
    cmocka_unit_test(test_fastio_server_listen_resource_updates),
};

IT_FIXTURE_MAIN(tests, fx, NULL)
