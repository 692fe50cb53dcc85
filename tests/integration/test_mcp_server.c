/* SPDX-License-Identifier: MIT */
/* test_mcp_server.c - fastio-server's MCP transports (/mcp, /sse) against a real server: bad
 * input (malformed JSON-RPC, batches, unknown sessions, wrong protocol versions, oversized
 * messages, DNS rebinding), the lifecycle, and BOLA through MCP: a second account's session
 * cannot read or change the first account's objects by any tool, resource or side route. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "it_mcp_http.h"
#include "testmain.h"

/* No rate limit: the lock counter makes some 2,000 calls, retries included. */
static const char *const server_args[] = {"--mcp-conformance-fixtures", "--rate-limit", "0",
                                          "--sync", "none", NULL};
static const struct it_fixture_opts fx_opts = {server_args, true, NULL};
static struct it_fixture fx;

/* Requests go to this server's port when set (a second server with other options). */
static int other_port;

/* One HTTP request to the server root (not /current). hdrs: NULL-ended "Name: value" list. */
static long req(const char *method, const char *path, const char *const *hdrs, const char *body,
                size_t len, char **out, char **headers)
{
    return it_http(other_port ? other_port : fx.srv.port, method, path, hdrs, body, len, 20, out,
                   headers);
}

/* A session: initialize (with an optional Bearer token), then notifications/initialized. */
struct sess {
    char id[80];
    char authz[320];
};

static long post(const struct sess *s, const char *body, char **out, char **headers,
                 const char *extra)
{
    char sid[128], authz[340];
    const char *h[6];
    size_t n = 0;
    h[n++] = "Content-Type: application/json";
    h[n++] = "Accept: application/json, text/event-stream";
    if (s != NULL && s->id[0] != '\0') {
        snprintf(sid, sizeof(sid), "Mcp-Session-Id: %s", s->id);
        h[n++] = sid;
    }
    if (s != NULL && s->authz[0] != '\0') {
        snprintf(authz, sizeof(authz), "Authorization: %s", s->authz);
        h[n++] = authz;
    }
    if (extra != NULL)
        h[n++] = extra;
    h[n] = NULL;
    return req("POST", "/mcp", h, body, strlen(body), out, headers);
}

static void sess_open_as(struct sess *s, const char *authz, const char *version,
                        const char *client);

static void sess_open(struct sess *s, const char *authz, const char *version)
{
    sess_open_as(s, authz, version, "test_mcp_server");
}

static void sess_open_as(struct sess *s, const char *authz, const char *version,
                        const char *client)
{
    memset(s, 0, sizeof(*s));
    if (authz != NULL)
        snprintf(s->authz, sizeof(s->authz), "%s", authz);
    char body[400], *out = NULL, *hd = NULL;
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":"
             "\"%s\",\"version\":\"1\"}}}",
             version, client);
    assert_int_equal(post(s, body, &out, &hd, NULL), 200);
    assert_true(it_header_value(hd, "mcp-session-id", s->id, sizeof(s->id)) > 0);
    free(out);
    free(hd);
    assert_int_equal(post(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                          NULL, NULL, NULL),
                     202);
}

/* The JSON answer of one POST (status checked). */
static json_t *rpc(const struct sess *s, const char *body, long want_status)
{
    char *out = NULL;
    long st = post(s, body, &out, NULL, NULL);
    if (st != want_status)
        fprintf(stderr, "HTTP %ld (want %ld): %s\n", st, want_status, out);
    assert_int_equal(st, want_status);
    json_t *v = json_loads(out, JSON_DECODE_ANY, NULL);
    if (v == NULL)
        fprintf(stderr, "not JSON: %s\n", out);
    assert_non_null(v);
    free(out);
    return v;
}

static long err_code(json_t *v)
{
    return (long)json_integer_value(json_object_get(json_object_get(v, "error"), "code"));
}

/* The JSON-RPC error of one POST: status and error code checked. */
static void rpc_error(const struct sess *s, const char *body, long want_status, long code)
{
    json_t *v = rpc(s, body, want_status);
    assert_int_equal(err_code(v), code);
    json_decref(v);
}

/* tools/call name with arguments (JSON text): the result object (owned). */
static json_t *call(const struct sess *s, const char *name, const char *args)
{
    size_t n = strlen(args) + 200;
    char *body = malloc(n);
    snprintf(body, n,
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"%s\",\"arguments\":%s}}",
             name, args);
    json_t *v = rpc(s, body, 200);
    free(body);
    json_t *r = json_incref(json_object_get(v, "result"));
    if (r == NULL)
        fprintf(stderr, "no result: %s\n", json_dumps(v, 0));
    assert_non_null(r);
    json_decref(v);
    return r;
}

static bool is_error(json_t *r)
{
    return json_is_true(json_object_get(r, "isError"));
}

static long err_http(json_t *r)
{
    return (long)json_integer_value(json_object_get(
        json_object_get(json_object_get(r, "structuredContent"), "error"), "http_status"));
}

/* A session of the owner (its Bearer token on the HTTP requests). */
static void owner_sess(struct sess *s)
{
    sess_open(s, fx.owner.authz, "2025-11-25");
}

/* upload text: a file name with content in the owner's workspace through s; its id to node. */
static void upload_text(const struct sess *s, const char *name, const char *content, char *node,
                        size_t size)
{
    json_t *a = json_pack("{s:s, s:s, s:s, s:s}", "action", "text", "workspace_id", fx.owner.ws,
                          "name", name, "content", content);
    assert_non_null(a);
    char *args = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    assert_non_null(args);
    json_t *r = call(s, "upload", args);
    free(args);
    assert_false(is_error(r));
    const char *id = json_string_value(
        json_object_get(json_object_get(r, "structuredContent"), "new_file_id"));
    assert_non_null(id);
    snprintf(node, size, "%s", id);
    json_decref(r);
}

/* ---- cases -------------------------------------------------------------------------------- */

static void mcp_malformed_jsonrpc(void **state)
{
    (void)state;
    struct sess s;
    sess_open(&s, NULL, "2025-11-25");
    json_t *v = rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":1,", 400);
    assert_int_equal(err_code(v), -32700);
    assert_true(json_is_null(json_object_get(v, "id")));
    json_decref(v);
    rpc_error(&s, "42", 400, -32600);
    rpc_error(&s, "{\"jsonrpc\":\"1.0\",\"id\":2,\"method\":\"ping\"}", 400, -32600);
    rpc_error(&s, "{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"ping\"}", 400, -32600);
    v = rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"no/such\"}", 200);
    assert_int_equal(err_code(v), -32601);
    assert_int_equal(json_integer_value(json_object_get(v, "id")), 3);
    json_decref(v);
    rpc_error(&s,
              "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{}}",
              200, -32602);
    rpc_error(&s,
              "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"nope\",\"arguments\":{}}}",
              200, -32602);
    /* Bad arguments of a known tool are a tool error with advice, not a protocol error. */
    json_t *r = call(&s, "storage", "{\"action\":\"teleport\"}");
    assert_true(is_error(r));
    const char *text = json_string_value(
        json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));
    assert_non_null(strstr(text, "create-folder"));
    json_decref(r);
    /* A second initialize on the same session is refused. */
    rpc_error(&s,
              "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"initialize\",\"params\":{"
              "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":"
              "\"x\",\"version\":\"1\"}}}",
              200, -32600);
    /* The server still answers. */
    v = rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}", 200);
    assert_non_null(json_object_get(v, "result"));
    json_decref(v);
}

static void mcp_batches(void **state)
{
    (void)state;
    struct sess s;
    sess_open(&s, NULL, "2025-11-25");
    /* 2025-11-25 has no batches. */
    rpc_error(&s, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", 400, -32600);
    json_t *v;
    struct sess old;
    sess_open(&old, NULL, "2025-03-26");
    v = rpc(&old, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\","
                  "\"method\":\"notifications/initialized\"},{\"jsonrpc\":\"2.0\",\"id\":2,"
                  "\"method\":\"tools/list\"}]",
            200);
    assert_true(json_is_array(v));
    assert_int_equal(json_array_size(v), 2);
    json_decref(v);
    rpc_error(&old, "[]", 400, -32600);
    /* initialize inside a batch, a nested array and a non-object element: each its own error,
     * the good element still answered. */
    v = rpc(&old, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                  "\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{"
                  "\"name\":\"x\",\"version\":\"1\"}}},[1],7,{\"jsonrpc\":\"2.0\",\"id\":2,"
                  "\"method\":\"ping\"}]",
            400);
    assert_true(json_is_array(v));
    assert_int_equal(json_array_size(v), 4);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(err_code(json_array_get(v, i)), -32600);
    assert_non_null(json_object_get(json_array_get(v, 3), "result"));
    json_decref(v);
    /* a batch of notifications only: nothing to answer */
    char *nout = NULL;
    assert_int_equal(post(&old, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},"
                                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/y\"}]",
                          &nout, NULL, NULL),
                     202);
    free(nout);
    /* Bounded: 33 messages are refused whole. */
    char big[33 * 48 + 8];
    size_t off = 0;
    big[off++] = '[';
    for (int i = 0; i < 33; i++)
        off += (size_t)snprintf(big + off, sizeof(big) - off,
                                "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}",
                                i ? "," : "", i);
    big[off++] = ']';
    big[off] = '\0';
    v = rpc(&old, big, 400);
    assert_int_equal(err_code(v), -32600);
    json_decref(v);
}

static void mcp_unknown_sessions(void **state)
{
    (void)state;
    struct sess bogus;
    memset(&bogus, 0, sizeof(bogus));
    snprintf(bogus.id, sizeof(bogus.id), "not-a-session-0123456789");
    rpc_error(&bogus, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 404, -32600);
    json_t *v;
    /* No session id and not an initialize. */
    struct sess none;
    memset(&none, 0, sizeof(none));
    v = rpc(&none, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", 400);
    json_decref(v);
    const char *h[] = {"Accept: text/event-stream", "Mcp-Session-Id: nope", NULL};
    assert_int_equal(req("GET", "/mcp", h, NULL, 0, NULL, NULL), 404);
    assert_int_equal(req("DELETE", "/mcp", h + 1, NULL, 0, NULL, NULL), 404);
    assert_int_equal(req("POST", "/messages?sessionId=nope", (const char *const[]){
                                                                 "Content-Type: application/json",
                                                                 NULL},
                         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", SIZE_MAX, NULL, NULL),
                     404);
    /* A deleted session is gone. */
    struct sess s;
    sess_open(&s, NULL, "2025-11-25");
    char sid[128];
    snprintf(sid, sizeof(sid), "Mcp-Session-Id: %s", s.id);
    const char *hd[] = {sid, NULL};
    assert_int_equal(req("DELETE", "/mcp", hd, NULL, 0, NULL, NULL), 200);
    v = rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 404);
    json_decref(v);
    /* Methods other than POST/GET/DELETE. */
    assert_int_equal(req("PUT", "/mcp", hd, "x", 1, NULL, NULL), 405);
}

static void mcp_protocol_versions(void **state)
{
    (void)state;
    struct sess s;
    memset(&s, 0, sizeof(s));
    /* An unknown version is answered with ours. */
    json_t *v = rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                        "\"protocolVersion\":\"1999-01-01\",\"capabilities\":{},\"clientInfo\":{"
                        "\"name\":\"x\",\"version\":\"1\"}}}",
                    200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "result"),
                                                          "protocolVersion")),
                        "2025-11-25");
    json_decref(v);
    const char *versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
    for (size_t i = 0; i < 4; i++) {
        struct sess k;
        sess_open(&k, NULL, versions[i]);
        /* The header must name a supported version. */
        char *out = NULL;
        long st = post(&k, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}", &out, NULL,
                       "MCP-Protocol-Version: 1999-01-01");
        assert_int_equal(st, 400);
        free(out);
        st = post(&k, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}", &out, NULL,
                  "MCP-Protocol-Version: 2025-11-");
        assert_int_equal(st, 400);
        free(out);
        char hv[64];
        snprintf(hv, sizeof(hv), "MCP-Protocol-Version: %s", versions[i]);
        st = post(&k, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}", &out, NULL, hv);
        assert_int_equal(st, 200);
        free(out);
        /* GET and DELETE check the header too (and the session outlives a refused one). */
        char sidh[128];
        snprintf(sidh, sizeof(sidh), "Mcp-Session-Id: %s", k.id);
        const char *gh[] = {"Accept: text/event-stream", sidh, "MCP-Protocol-Version: 1.0",
                            NULL};
        assert_int_equal(req("GET", "/mcp", gh, NULL, 0, NULL, NULL), 400);
        assert_int_equal(req("DELETE", "/mcp", gh + 1, NULL, 0, NULL, NULL), 400);
        /* structuredContent only where the version has it (2025-06-18 and later). */
        json_t *r = call(&k, "storage", "{\"action\":\"describe\"}");
        assert_int_equal(json_object_get(r, "structuredContent") != NULL, i < 2);
        json_decref(r);
    }
}

static void mcp_oversized_and_headers(void **state)
{
    (void)state;
    struct sess s;
    sess_open(&s, NULL, "2025-11-25");
    size_t n = 5 * 1024 * 1024;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[n] = '\0';
    memcpy(big, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"", 55);
    char *out = NULL;
    assert_int_equal(post(&s, big, &out, NULL, NULL), 413);
    free(out);
    /* the same without a Content-Length (chunked): refused once the limit is crossed */
    char sidc[128];
    snprintf(sidc, sizeof(sidc), "Mcp-Session-Id: %s", s.id);
    const char *ch[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", sidc,
                        NULL};
    long cst = req("POST", "/mcp", ch, big, n, NULL, NULL);
    assert_int_equal(cst, 413);
    free(big);
    /* Wrong Content-Type, and the server still serves the session. */
    char sid[128];
    snprintf(sid, sizeof(sid), "Mcp-Session-Id: %s", s.id);
    const char *h[] = {"Content-Type: text/plain", sid, NULL};
    assert_int_equal(req("POST", "/mcp", h, "{}", 2, NULL, NULL), 415);
    /* DNS rebinding: a foreign Host or Origin is refused. */
    const char *hh[] = {"Content-Type: application/json", "Host: evil.example", sid, NULL};
    assert_int_equal(req("POST", "/mcp", hh, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
                         SIZE_MAX, NULL, NULL),
                     403);
    const char *ho[] = {"Content-Type: application/json", "Origin: http://evil.example", sid,
                        NULL};
    assert_int_equal(req("POST", "/mcp", ho, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
                         SIZE_MAX, NULL, NULL),
                     403);
    const char *ok[] = {"Content-Type: application/json", "Origin: http://localhost:3000", sid,
                        NULL};
    assert_int_equal(req("POST", "/mcp", ok, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
                         SIZE_MAX, NULL, NULL),
                     200);
    /* An invalid Bearer token is a 401 that points at the resource metadata (RFC 9728). */
    const char *hb[] = {"Content-Type: application/json", "Authorization: Bearer fio_k_nope",
                        NULL};
    char *hd = NULL;
    assert_int_equal(req("POST", "/mcp", hb,
                         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                         "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":"
                         "{\"name\":\"x\",\"version\":\"1\"}}}",
                         SIZE_MAX, NULL, &hd),
                     401);
    assert_non_null(strcasestr(hd, "resource_metadata="));
    free(hd);
    char *prm = NULL;
    assert_int_equal(req("GET", "/.well-known/oauth-protected-resource/mcp", NULL, NULL, 0, &prm,
                         NULL),
                     200);
    json_t *pj = json_loads(prm, 0, NULL);
    const char *res = json_string_value(json_object_get(pj, "resource"));
    assert_non_null(res);
    assert_non_null(strstr(res, "/mcp"));
    assert_true(json_array_size(json_object_get(pj, "authorization_servers")) == 1);
    json_decref(pj);
    free(prm);
}

/* Sign a session in with a token through the auth tool. */
static void set_key(const struct sess *s, const char *token)
{
    char args[400];
    snprintf(args, sizeof(args), "{\"action\":\"set-api-key\",\"api_key\":\"%s\"}", token);
    json_t *r = call(s, "auth", args);
    assert_false(is_error(r));
    json_decref(r);
}

static void mcp_agent_flow_and_bola(void **state)
{
    (void)state;
    /* The owner (Bearer on the HTTP request) uploads a file to its workspace. */
    struct sess a;
    owner_sess(&a);
    char node[80], args[600];
    upload_text(&a, "secret.txt", "the owner's secret", node, sizeof(node));
    snprintf(args, sizeof(args), "{\"action\":\"read\",\"workspace_id\":\"%s\",\"node_id\":\"%s\"}",
             fx.owner.ws, node);
    json_t *r = call(&a, "download", args);
    assert_false(is_error(r));
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "structuredContent"),
                                                          "content")),
                        "the owner's secret");
    json_decref(r);

    /* A second account, signed in through the auth tool, tries every door. */
    struct it_user other;
    it_user_new(&other, &fx.srv, 0);
    struct sess b;
    sess_open(&b, NULL, "2025-11-25");
    set_key(&b, other.token);
    const char *tries[][2] = {
        {"storage", "{\"action\":\"list\",\"workspace_id\":\"%s\",\"folder_id\":\"root\"}"},
        {"storage", "{\"action\":\"details\",\"workspace_id\":\"%s\",\"node_id\":\"%s\"}"},
        {"download", "{\"action\":\"read\",\"workspace_id\":\"%s\",\"node_id\":\"%s\"}"},
        {"download", "{\"action\":\"file-url\",\"workspace_id\":\"%s\",\"node_id\":\"%s\"}"},
        {"storage", "{\"action\":\"lock-acquire\",\"workspace_id\":\"%s\",\"node_id\":\"%s\"}"},
        {"storage", "{\"action\":\"rename\",\"workspace_id\":\"%s\",\"node_id\":\"%s\","
                    "\"name\":\"pwned.txt\"}"},
        {"storage", "{\"action\":\"delete\",\"workspace_id\":\"%s\",\"node_id\":\"%s\","
                    "\"confirm\":true}"},
        {"upload", "{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":\"x.txt\","
                   "\"content\":\"%s\"}"},
        {"workspace", "{\"action\":\"info\",\"workspace_id\":\"%s\"}"},
        {"member", "{\"action\":\"workspace-list\",\"workspace_id\":\"%s\"}"},
        {"org", "{\"action\":\"info\",\"org_id\":\"%s\"}"},
    };
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        const char *target = strcmp(tries[i][0], "org") == 0 ? fx.owner.org : fx.owner.ws;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(args, sizeof(args), tries[i][1], target, node);
#pragma GCC diagnostic pop
        r = call(&b, tries[i][0], args);
        if (!is_error(r))
            fprintf(stderr, "BOLA: %s %s succeeded\n", tries[i][0], args);
        assert_true(is_error(r));
        long st = err_http(r);
        assert_true(st == 403 || st == 404);
        json_decref(r);
    }
    /* Code mode (chosen from clientInfo.name): execute goes through the same router. */
    struct sess code;
    char oauthz[300];
    snprintf(oauthz, sizeof(oauthz), "Bearer %s", other.token);
    sess_open_as(&code, oauthz, "2025-11-25", "claude-code");
    json_t *v = rpc(&code, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", 200);
    char names[2048] = "";
    size_t ti, off = 0;
    json_t *tj;
    json_array_foreach(json_object_get(json_object_get(v, "result"), "tools"), ti, tj)
    {
        int w = snprintf(names + off, sizeof(names) - off, "%s,",
                         json_string_value(json_object_get(tj, "name")));
        assert_true(w > 0 && (size_t)w < sizeof(names) - off);
        off += (size_t)w;
    }
    /* (the fixture flag of this suite's server adds test_* tools after these) */
    assert_int_equal(strncmp(names, "auth,upload,search,execute,", 27), 0);
    json_decref(v);
    snprintf(args, sizeof(args),
             "{\"method\":\"get\",\"path\":\"/workspace/%s/storage/root/list/\"}", fx.owner.ws);
    r = call(&code, "execute", args);
    assert_true(is_error(r));
    assert_true(err_http(r) == 403 || err_http(r) == 404);
    json_decref(r);
    r = call(&code, "execute", "{\"method\":\"get\",\"path\":\"/orgs/list/\"}");
    assert_false(is_error(r));
    json_decref(r);
    /* Resources and the byte route too. */
    char body[400];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/read\",\"params\":{\"uri\":"
             "\"download://workspace/%s/%s\"}}",
             fx.owner.ws, node);
    v = rpc(&b, body, 200);
    assert_non_null(json_object_get(v, "error"));
    json_decref(v);
    char path[200], sid[128];
    snprintf(path, sizeof(path), "/file/workspace/%s/%s", fx.owner.ws, node);
    snprintf(sid, sizeof(sid), "Mcp-Session-Id: %s", b.id);
    const char *h[] = {sid, NULL};
    char *out = NULL;
    long st = req("GET", path, h, NULL, 0, &out, NULL);
    assert_true(st == 403 || st == 404);
    assert_null(strstr(out, "secret"));
    free(out);
    /* The owner's session reads it through the same route. */
    snprintf(sid, sizeof(sid), "Mcp-Session-Id: %s", a.id);
    const char *ha[] = {sid, NULL};
    assert_int_equal(req("GET", path, ha, NULL, 0, &out, NULL), 200);
    assert_string_equal(out, "the owner's secret");
    free(out);
    /* Staged blobs and upload sessions belong to their owner. */
    snprintf(sid, sizeof(sid), "Mcp-Session-Id: %s", a.id);
    const char *hb[] = {sid, "Content-Type: application/octet-stream", NULL};
    out = NULL;
    assert_int_equal(req("POST", "/blob", hb, "blob bytes", 10, &out, NULL), 201);
    json_t *bj = json_loads(out, 0, NULL);
    free(out);
    char blob[80];
    snprintf(blob, sizeof(blob), "%s", json_string_value(json_object_get(bj, "blob_id")));
    assert_int_equal(json_integer_value(json_object_get(bj, "size")), 10);
    json_decref(bj);
    snprintf(args, sizeof(args),
             "{\"action\":\"stream\",\"workspace_id\":\"%s\",\"name\":\"b.bin\",\"blob_id\":"
             "\"%s\"}",
             fx.owner.ws, blob);
    r = call(&b, "upload", args);
    assert_true(is_error(r)); /* another session's blob */
    json_decref(r);
    r = call(&a, "upload", args);
    assert_false(is_error(r)); /* the owner's, once */
    json_decref(r);
    r = call(&a, "upload", args);
    assert_true(is_error(r)); /* single use */
    json_decref(r);
    const char *nos[] = {"Content-Type: application/octet-stream", NULL};
    assert_int_equal(req("POST", "/blob", nos, "x", 1, NULL, NULL), 401);
    snprintf(args, sizeof(args),
             "{\"action\":\"create-session\",\"workspace_id\":\"%s\",\"name\":\"big.bin\","
             "\"upload_action\":\"create\",\"size\":4096}",
             fx.owner.ws);
    r = call(&a, "upload", args);
    assert_false(is_error(r));
    char upload[80];
    snprintf(upload, sizeof(upload), "%s",
             json_string_value(json_object_get(json_object_get(r, "structuredContent"), "id")));
    json_decref(r);
    snprintf(args, sizeof(args), "{\"action\":\"status\",\"upload_id\":\"%s\"}", upload);
    r = call(&b, "upload", args);
    assert_true(is_error(r));
    assert_int_equal(err_http(r), 404);
    json_decref(r);
    snprintf(args, sizeof(args),
             "{\"action\":\"chunk\",\"upload_id\":\"%s\",\"order\":1,\"content\":\"x\"}",
             upload);
    r = call(&b, "upload", args);
    assert_true(is_error(r));
    json_decref(r);
    /* Signing out of b leaves b without access at all. */
    r = call(&b, "auth", "{\"action\":\"signout\"}");
    assert_false(is_error(r));
    json_decref(r);
    r = call(&b, "org", "{\"action\":\"list\"}");
    assert_true(is_error(r));
    assert_int_equal(err_http(r), 401);
    json_decref(r);
    it_user_release(&other);
}

static void mcp_fixtures_and_progress(void **state)
{
    (void)state;
    struct sess s;
    sess_open(&s, NULL, "2025-11-25");
    char *out = NULL;
    long st = post(&s, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"test_tool_with_progress\",\"arguments\":{},\"_meta\":{"
                       "\"progressToken\":\"tok\"}}}",
                   &out, NULL, NULL);
    assert_int_equal(st, 200);
    /* An SSE body: the progress notifications, then the response. */
    assert_non_null(strstr(out, "event: message"));
    assert_non_null(strstr(out, "notifications/progress"));
    const char *last = strstr(out, "\"id\":3");
    assert_non_null(last);
    assert_true(last > strstr(out, "notifications/progress"));
    free(out);
    json_t *v = rpc(&s, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{"
                        "\"uri\":\"skill://guide\"}}",
                    200);
    const char *guide = json_string_value(json_object_get(
        json_array_get(json_object_get(json_object_get(v, "result"), "contents"), 0), "text"));
    assert_non_null(guide);
    assert_non_null(strstr(guide, "lock-acquire"));
    json_decref(v);
}


/* ---- eight sessions, one counter, under locks ---------------------------------------------- */

#define COUNTER_SESSIONS 8
#define COUNTER_ROUNDS 50

struct counter_arg {
    struct sess s;
    const char *ws;
    const char *node;
    atomic_int *failures;
    char why[256];
};

/* A tools/call from a thread (no cmocka asserts): structuredContent (owned) or NULL; *http =
 * the error's HTTP status when isError. */
static json_t *tcall(const struct sess *s, const char *name, const char *args, long *http)
{
    char body[1200];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"%s\",\"arguments\":%s}}",
             name, args);
    char *out = NULL;
    *http = post(s, body, &out, NULL, NULL);
    json_t *v = *http == 200 ? json_loads(out, 0, NULL) : NULL;
    free(out);
    json_t *r = json_object_get(v, "result");
    json_t *sc = json_incref(json_object_get(r, "structuredContent"));
    if (sc != NULL && json_is_true(json_object_get(r, "isError"))) {
        *http = (long)json_integer_value(
            json_object_get(json_object_get(sc, "error"), "http_status"));
        json_decref(sc);
        sc = NULL;
    }
    json_decref(v);
    return sc;
}

static void *counter_worker(void *p)
{
    struct counter_arg *a = p;
    char args[600];
    for (int round = 0; round < COUNTER_ROUNDS; round++) {
        long http = 0;
        json_t *lock = NULL;
        for (int tries = 0; tries < 5000 && lock == NULL; tries++) {
            snprintf(args, sizeof(args),
                     "{\"action\":\"lock-acquire\",\"workspace_id\":\"%s\",\"node_id\":\"%s\","
                     "\"duration\":60}",
                     a->ws, a->node);
            lock = tcall(&a->s, "storage", args, &http);
            if (lock == NULL) {
                if (http != 409 && http != 423) {
                    snprintf(a->why, sizeof(a->why), "lock-acquire: HTTP %ld", http);
                    atomic_fetch_add(a->failures, 1);
                    return NULL;
                }
                struct timespec ts = {0, (long)(1 + (tries + a->s.id[0]) % 5) * 1000000L};
                nanosleep(&ts, NULL);
            }
        }
        if (lock == NULL) {
            snprintf(a->why, sizeof(a->why), "lock never acquired");
            atomic_fetch_add(a->failures, 1);
            return NULL;
        }
        char token[200];
        snprintf(token, sizeof(token), "%s",
                 json_string_value(json_object_get(json_object_get(lock, "lock"), "lock_token")));
        json_decref(lock);
        snprintf(args, sizeof(args),
                 "{\"action\":\"read\",\"workspace_id\":\"%s\",\"node_id\":\"%s\"}", a->ws,
                 a->node);
        json_t *rd = tcall(&a->s, "download", args, &http);
        const char *txt = rd != NULL ? json_string_value(json_object_get(rd, "content")) : NULL;
        long n = txt != NULL ? strtol(txt, NULL, 10) : -1;
        json_decref(rd);
        snprintf(args, sizeof(args),
                 "{\"action\":\"text\",\"workspace_id\":\"%s\",\"name\":\"counter.txt\","
                 "\"content\":\"%ld\",\"file_id\":\"%s\",\"lock_token\":\"%s\"}",
                 a->ws, n + 1, a->node, token);
        json_t *up = n >= 0 ? tcall(&a->s, "upload", args, &http) : NULL;
        bool wrote = up != NULL;
        json_decref(up);
        snprintf(args, sizeof(args),
                 "{\"action\":\"lock-release\",\"workspace_id\":\"%s\",\"node_id\":\"%s\","
                 "\"lock_token\":\"%s\"}",
                 a->ws, a->node, token);
        json_t *rel = tcall(&a->s, "storage", args, &http);
        bool released = rel != NULL;
        json_decref(rel);
        if (!wrote || !released) {
            snprintf(a->why, sizeof(a->why), "round %d: read %ld, wrote %d, released %d", round,
                     n, wrote, released);
            atomic_fetch_add(a->failures, 1);
            return NULL;
        }
    }
    return NULL;
}

static void mcp_lock_counter_400(void **state)
{
    (void)state;
    struct sess s0;
    owner_sess(&s0);
    char node[80];
    upload_text(&s0, "counter.txt", "0", node, sizeof(node));
    atomic_int failures = 0;
    static struct counter_arg a[COUNTER_SESSIONS];
    pthread_t th[COUNTER_SESSIONS];
    for (int i = 0; i < COUNTER_SESSIONS; i++) {
        memset(&a[i], 0, sizeof(a[i]));
        owner_sess(&a[i].s); /* one MCP session per agent */
        a[i].ws = fx.owner.ws;
        a[i].node = node;
        a[i].failures = &failures;
    }
    for (int i = 0; i < COUNTER_SESSIONS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, counter_worker, &a[i]), 0);
    for (int i = 0; i < COUNTER_SESSIONS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < COUNTER_SESSIONS; i++)
        if (a[i].why[0] != '\0')
            fprintf(stderr, "session %d: %s\n", i, a[i].why);
    assert_int_equal(atomic_load(&failures), 0);
    char args[400];
    snprintf(args, sizeof(args), "{\"action\":\"read\",\"workspace_id\":\"%s\",\"node_id\":\"%s\"}",
             fx.owner.ws, node);
    json_t *r = call(&s0, "download", args);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "structuredContent"),
                                                          "content")),
                        "400");
    json_decref(r);
}

/* Sessions are bounded in number (the least recently used idle one makes room) and in idle
 * time: a second server with --mcp-max-sessions 3 --mcp-idle-timeout 2. */
static void mcp_session_limits(void **state)
{
    (void)state;
    static const char *const args[] = {"--mcp-max-sessions", "3", "--mcp-idle-timeout", "2",
                                       NULL};
    struct it_server srv;
    assert_int_equal(it_server_start(&srv, NULL, args), 0);
    other_port = srv.port;
    struct sess s[4];
    for (int i = 0; i < 3; i++)
        sess_open(&s[i], NULL, "2025-11-25");
    json_t *v = rpc(&s[0], "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 200);
    json_decref(v); /* s[0] is now the most recently used; s[1] the least */
    sess_open(&s[3], NULL, "2025-11-25");
    v = rpc(&s[1], "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 404);
    json_decref(v);
    for (int i = 0; i < 4; i++) {
        if (i == 1)
            continue;
        v = rpc(&s[i], "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 200);
        json_decref(v);
    }
    /* Idle for longer than the timeout (the sweeper runs every second): the session is gone.
     * On a loaded machine a sweep can come late; a ping that still finds the session makes it
     * busy again, so each round waits the whole timeout again (bounded: 4 rounds). */
    long st = 200;
    for (int round = 0; round < 4 && st == 200; round++) {
        struct timespec ts = {4 + 2 * round, 0};
        nanosleep(&ts, NULL);
        char *out = NULL;
        st = post(&s[0], "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &out, NULL,
                  NULL);
        free(out);
    }
    assert_int_equal(st, 404);
    other_port = 0;
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_cleanup(&srv);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
/* The ai tool (rows of endpoints_ai.h + the local `ask`): a round trip from a question to an
 * answer with citations naming the uploaded file; the chat read back by row actions; another
 * account cannot read it. */
static void mcp_ai_chat_round_trip(void **state)
{
    (void)state;
    struct sess a;
    owner_sess(&a);
    char node[80], args[1200];
    upload_text(&a, "tides.txt",
                "The lighthouse keeper logs the tide tables every evening. Storm warnings are "
                "raised with three red flags.",
                node, sizeof(node));
    snprintf(args, sizeof(args),
             "{\"action\":\"ask\",\"workspace_id\":\"%s\",\"question\":\"How are storm "
             "warnings raised?\",\"privacy\":\"private\",\"subjects\":\"[{\\\"type\\\":"
             "\\\"file\\\",\\\"id\\\":\\\"%s\\\"}]\"}",
             fx.owner.ws, node);
    json_t *r = call(&a, "ai", args);
    if (is_error(r))
        fprintf(stderr, "ai ask: %s\n", json_dumps(r, 0));
    assert_false(is_error(r));
    json_t *sc = json_object_get(r, "structuredContent");
    assert_string_equal(json_string_value(json_object_get(sc, "state")), "complete");
    assert_non_null(strstr(json_string_value(json_object_get(sc, "answer_text")),
                           "three red flags. [1]"));
    json_t *c0 = json_array_get(json_object_get(sc, "citations"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "nodeId")), node);
    char chat[64], msg[64];
    snprintf(chat, sizeof(chat), "%s", json_string_value(json_object_get(sc, "chat_id")));
    snprintf(msg, sizeof(msg), "%s", json_string_value(json_object_get(sc, "message_id")));
    json_decref(r);
    /* row actions read it back */
    static const char *const reads[] = {"message-details", "message-read"};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        snprintf(args, sizeof(args),
                 "{\"action\":\"%s\",\"workspace_id\":\"%s\",\"chat_id\":\"%s\","
                 "\"message_id\":\"%s\"}",
                 reads[i], fx.owner.ws, chat, msg);
        r = call(&a, "ai", args);
        assert_false(is_error(r));
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(json_object_get(r, "structuredContent"), "message"),
                                "state")),
                            "complete");
        json_decref(r);
    }
    snprintf(args, sizeof(args),
             "{\"action\":\"search\",\"workspace_id\":\"%s\",\"search\":\"tides\"}",
             fx.owner.ws);
    r = call(&a, "ai", args);
    assert_false(is_error(r));
    json_decref(r);
    snprintf(args, sizeof(args), "{\"action\":\"chat-list\",\"workspace_id\":\"%s\"}",
             fx.owner.ws);
    r = call(&a, "ai", args);
    assert_false(is_error(r));
    assert_true(json_array_size(json_object_get(json_object_get(r, "structuredContent"),
                                                "chats")) >= 1);
    json_decref(r);
    /* another account: neither the chat nor a question in the owner's workspace */
    struct it_user other;
    it_user_new(&other, &fx.srv, 0);
    struct sess b;
    sess_open(&b, NULL, "2025-11-25");
    set_key(&b, other.token);
    snprintf(args, sizeof(args),
             "{\"action\":\"chat-details\",\"workspace_id\":\"%s\",\"chat_id\":\"%s\"}",
             fx.owner.ws, chat);
    r = call(&b, "ai", args);
    assert_true(is_error(r));
    json_decref(r);
    snprintf(args, sizeof(args),
             "{\"action\":\"ask\",\"workspace_id\":\"%s\",\"question\":\"What is "
             "secret?\"}",
             fx.owner.ws);
    r = call(&b, "ai", args);
    assert_true(is_error(r));
    json_decref(r);
    it_user_release(&other);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(mcp_malformed_jsonrpc),
    cmocka_unit_test(mcp_batches),
    cmocka_unit_test(mcp_unknown_sessions),
    cmocka_unit_test(mcp_protocol_versions),
    cmocka_unit_test(mcp_oversized_and_headers),
    cmocka_unit_test(mcp_agent_flow_and_bola),
    cmocka_unit_test(mcp_ai_chat_round_trip),
    cmocka_unit_test(mcp_fixtures_and_progress),
    cmocka_unit_test(mcp_lock_counter_400),
    cmocka_unit_test(mcp_session_limits),
};
/* clang-format on */

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
