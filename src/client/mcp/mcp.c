/* SPDX-License-Identifier: MIT */
/* mcp.c - the MCP client (fastio/mcp.h): configuration, the lifecycle, requests and their
 * responses, and the dispatch of everything the server sends; the transports are in
 * mcp_http.c and mcp_stdio.c. */
#include "mcp_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "envelope.h"

/* The versions this client speaks, newest first; the first is the one offered. */
static const char *const KNOWN_VERSIONS[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                             "2024-11-05"};

FIO_ABI_FIRST(fastio_mcp_config);

static void mcp_defaults(struct fastio_mcp_config *c)
{
    memset(c, 0, sizeof(*c));
    c->struct_size = sizeof(*c);
    c->transport = FASTIO_MCP_HTTP;
    c->connect_timeout_ms = 10000;
    c->timeout_ms = 60000;
    c->max_message_bytes = (size_t)16 << 20;
    c->max_reconnects = 5;
    c->default_retry_ms = 1000;
}

void fastio_mcp_config_init_sized(struct fastio_mcp_config *cfg, size_t size)
{
    struct fastio_mcp_config d;
    mcp_defaults(&d);
    fio_abi_init(cfg, size, &d, sizeof(d));
}

enum fastio_status mcp_fail(struct fastio_error *err, enum fastio_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fio_error_set(err, st, msg);
}

bool mcp_inbox_push(struct fastio_mcp *m, json_t *msg)
{
    if (json_array_size(m->inbox) >= MCP_INBOX_MAX || json_array_append_new(m->inbox, msg) != 0) {
        json_decref(msg);
        return false;
    }
    return true;
}

bool mcp_inbox_push_text(struct fastio_mcp *m, const char *text, size_t len)
{
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (v == NULL)
        return false;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (!mcp_inbox_push(m, json_incref(x)))
                break;
        }
        json_decref(v);
        return true;
    }
    return mcp_inbox_push(m, v);
}

/* JSON-RPC ids we send are integers; a server may echo them as integers or (rarely) strings. */
static bool id_is(const json_t *id, long want)
{
    if (json_is_integer(id))
        return json_integer_value(id) == want;
    if (json_is_string(id)) {
        long long v;
        return fio_parse_ll(json_string_value(id), 0, INT64_MAX / 2, &v) && v == want;
    }
    return false;
}

static void answer_server_request(struct fastio_mcp *m, const char *method, json_t *id)
{
    json_t *msg;
    if (strcmp(method, "ping") == 0)
        msg = json_pack("{s:s, s:O, s:{}}", "jsonrpc", "2.0", "id", id, "result");
    else
        msg = json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error", "code",
                        -32601, "message", "method not supported by this client");
    if (msg != NULL) {
        struct fastio_error e;
        (void)mcp_send(m, msg, false, &e); /* a lost answer is the server's timeout to handle */
        json_decref(msg);
    }
}

static void handle_message(struct fastio_mcp *m, json_t *msg)
{
    if (!json_is_object(msg))
        return;
    json_t *id = json_object_get(msg, "id");
    const char *method = json_string_value(json_object_get(msg, "method"));
    if (method == NULL) {
        if (id != NULL && m->want_id > 0 && !m->have_response && id_is(id, m->want_id)) {
            m->response = json_incref(msg);
            m->have_response = true;
        }
        return; /* a response to nothing we wait for: late, after a timeout */
    }
    json_t *params = json_object_get(msg, "params");
    if (id != NULL && !json_is_null(id)) {
        answer_server_request(m, method, id);
        return;
    }
    if (strcmp(method, "notifications/progress") == 0 && m->cfg.on_progress != NULL) {
        json_t *p = json_object_get(params, "progress");
        json_t *t = json_object_get(params, "total");
        if (json_is_number(p))
            m->cfg.on_progress(m->cfg.progress_userdata, json_number_value(p),
                               json_is_number(t) ? json_number_value(t) : -1.0,
                               json_string_value(json_object_get(params, "message")));
        return;
    }
    if (m->cfg.on_notification != NULL)
        m->cfg.on_notification(m->cfg.notification_userdata, method, params);
}

void mcp_drain(struct fastio_mcp *m)
{
    /* bounded: handling a message never queues another one (answers are sent, not queued) */
    size_t n = json_array_size(m->inbox);
    for (size_t i = 0; i < n; i++)
        handle_message(m, json_array_get(m->inbox, i));
    json_array_clear(m->inbox);
}

enum fastio_status mcp_send(struct fastio_mcp *m, const json_t *msg, bool is_request,
                            struct fastio_error *err)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (text == NULL)
        return mcp_fail(err, FASTIO_NOMEM, "out of memory while encoding an MCP message");
    enum fastio_status st = m->cfg.transport == FASTIO_MCP_STDIO
                                ? mcp_stdio_send(m, text, err)
                                : mcp_http_send(m, text, is_request, err);
    free(text);
    return st;
}

static enum fastio_status step(struct fastio_mcp *m, int64_t wake_at, struct fastio_error *err)
{
    if (m->dead != FASTIO_OK)
        return mcp_fail(err, m->dead, "%s", m->dead_msg);
    enum fastio_status st = m->cfg.transport == FASTIO_MCP_STDIO ? mcp_stdio_step(m, wake_at, err)
                                                                 : mcp_http_step(m, wake_at, err);
    mcp_drain(m);
    return st;
}

static void send_cancelled(struct fastio_mcp *m, long id, const char *reason)
{
    json_t *n = json_pack("{s:s, s:s, s:{s:I, s:s}}", "jsonrpc", "2.0", "method",
                          "notifications/cancelled", "params", "requestId", (json_int_t)id,
                          "reason", reason);
    if (n != NULL) {
        struct fastio_error e;
        (void)mcp_send(m, n, false, &e);
        json_decref(n);
    }
}

static enum fastio_status finish_response(struct fastio_mcp *m, json_t **result,
                                          json_t **error_data, struct fastio_error *err)
{
    json_t *resp = m->response;
    m->response = NULL;
    json_t *error = json_object_get(resp, "error");
    if (error != NULL) {
        json_t *code = json_object_get(error, "code");
        const char *msg = json_string_value(json_object_get(error, "message"));
        enum fastio_status st = mcp_fail(err, FASTIO_API_ERROR, "the MCP server answered error %lld: %s",
                                         json_is_integer(code) ? (long long)json_integer_value(code) : 0LL,
                                         msg ? msg : "(no message)");
        if (err != NULL && json_is_integer(code))
            err->api_code = (long)json_integer_value(code);
        if (error_data != NULL)
            *error_data = json_incref(json_object_get(error, "data"));
        json_decref(resp);
        return st;
    }
    json_t *res = json_object_get(resp, "result");
    if (!json_is_object(res)) {
        json_decref(resp);
        return mcp_fail(err, FASTIO_PROTOCOL,
                        "the MCP server's response has neither an object result nor an error");
    }
    if (result != NULL)
        *result = json_incref(res);
    json_decref(resp);
    fastio_error_clear(err);
    return FASTIO_OK;
}

static enum fastio_status do_request(struct fastio_mcp *m, const char *method, const json_t *params,
                                     json_t **result, json_t **error_data,
                                     struct fastio_error *err)
{
    if (result != NULL)
        *result = NULL;
    if (error_data != NULL)
        *error_data = NULL;
    if (m == NULL || method == NULL || (params != NULL && !json_is_object(params)))
        return mcp_fail(err, FASTIO_INVALID, "fastio_mcp_request: connection, method and an "
                                             "object (or NULL) params are required");
    if (m->dead != FASTIO_OK)
        return mcp_fail(err, m->dead, "%s", m->dead_msg);
    long id = m->next_id++;
    json_t *p = params != NULL ? json_deep_copy(params) : json_object();
    json_t *msg = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", (json_int_t)id, "method",
                            method);
    if (p == NULL || msg == NULL) {
        json_decref(p);
        json_decref(msg);
        return mcp_fail(err, FASTIO_NOMEM, "out of memory while building an MCP request");
    }
    if (m->cfg.on_progress != NULL) {
        json_t *meta = json_object_get(p, "_meta");
        if (!json_is_object(meta)) {
            meta = json_object();
            json_object_set_new(p, "_meta", meta);
        }
        json_object_set_new(meta, "progressToken", json_integer(id));
    }
    if (json_object_size(p) > 0 || params != NULL)
        json_object_set_new(msg, "params", p);
    else
        json_decref(p);

    m->want_id = id;
    m->have_response = false;
    m->req_fail = FASTIO_OK;
    m->resumes = 0;
    int64_t deadline = m->cfg.timeout_ms > 0 ? fastio_now_ms() + m->cfg.timeout_ms : 0;
    enum fastio_status st = mcp_send(m, msg, true, err);
    json_decref(msg);
    /* bounded by the deadline, the cancel token, or the transport's end */
    while (st == FASTIO_OK && !m->have_response) {
        if (fastio_cancel_is_set(m->cfg.cancel)) {
            st = mcp_fail(err, FASTIO_CANCELLED, "the MCP request %s was cancelled", method);
            send_cancelled(m, id, "cancelled by the client");
            break;
        }
        if (deadline > 0 && fastio_now_ms() >= deadline) {
            st = mcp_fail(err, FASTIO_TIMEOUT,
                          "the MCP server did not answer %s within %ld ms (raise the timeout, "
                          "or check that the server is alive)",
                          method, m->cfg.timeout_ms);
            send_cancelled(m, id, "timed out");
            break;
        }
        if (m->req_fail != FASTIO_OK) {
            st = mcp_fail(err, m->req_fail, "%s", m->req_fail_msg);
            if (err != NULL)
                err->http_status = m->req_fail_http;
            break;
        }
        int64_t wake = fastio_now_ms() + 100; /* look at the cancel token ten times a second */
        if (deadline > 0 && wake > deadline)
            wake = deadline;
        st = step(m, wake, err);
    }
    if (m->cfg.transport != FASTIO_MCP_STDIO)
        mcp_http_request_done(m);
    m->want_id = 0;
    if (st != FASTIO_OK || !m->have_response) {
        json_decref(m->response);
        m->response = NULL;
        return st;
    }
    return finish_response(m, result, error_data, err);
}

enum fastio_status fastio_mcp_request(struct fastio_mcp *m, const char *method, const json_t *params,
                                      json_t **result, struct fastio_error *err)
{
    return do_request(m, method, params, result, NULL, err);
}

enum fastio_status fastio_mcp_notify(struct fastio_mcp *m, const char *method, const json_t *params,
                                     struct fastio_error *err)
{
    if (m == NULL || method == NULL || (params != NULL && !json_is_object(params)))
        return mcp_fail(err, FASTIO_INVALID, "fastio_mcp_notify: connection and method required");
    json_t *msg = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);
    if (msg == NULL || (params != NULL && json_object_set(msg, "params", (json_t *)params) != 0)) {
        json_decref(msg);
        return mcp_fail(err, FASTIO_NOMEM, "out of memory while building an MCP notification");
    }
    enum fastio_status st = mcp_send(m, msg, false, err);
    json_decref(msg);
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    return st;
}

enum fastio_status fastio_mcp_poll(struct fastio_mcp *m, long wait_ms, struct fastio_error *err)
{
    if (m == NULL || wait_ms < 0)
        return mcp_fail(err, FASTIO_INVALID, "fastio_mcp_poll: connection and wait_ms >= 0");
    int64_t end = fastio_now_ms() + wait_ms;
    enum fastio_status st = FASTIO_OK;
    do {
        if (fastio_cancel_is_set(m->cfg.cancel))
            return mcp_fail(err, FASTIO_CANCELLED, "fastio_mcp_poll was cancelled");
        int64_t wake = fastio_now_ms() + 100;
        st = step(m, wake < end ? wake : end, err);
    } while (st == FASTIO_OK && fastio_now_ms() < end);
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    return st;
}

/* Follow nextCursor: at most 1000 pages, and a cursor that repeats ends the walk. */
static enum fastio_status list_all(struct fastio_mcp *m, const char *method, const char *key,
                                   json_t **out, struct fastio_error *err)
{
    if (out != NULL)
        *out = NULL;
    json_t *all = json_array();
    char *cursor = NULL;
    if (all == NULL)
        return mcp_fail(err, FASTIO_NOMEM, "out of memory");
    enum fastio_status st = FASTIO_OK;
    for (int page = 0; page < 1000; page++) {
        json_t *params = cursor ? json_pack("{s:s}", "cursor", cursor) : NULL;
        json_t *res = NULL;
        st = do_request(m, method, params, &res, NULL, err);
        json_decref(params);
        if (st != FASTIO_OK)
            break;
        json_t *items = json_object_get(res, key);
        if (!json_is_array(items)) {
            json_decref(res);
            st = mcp_fail(err, FASTIO_PROTOCOL, "the MCP server's %s result has no %s array",
                          method, key);
            break;
        }
        if (json_array_extend(all, items) != 0) {
            json_decref(res);
            st = mcp_fail(err, FASTIO_NOMEM, "out of memory");
            break;
        }
        const char *next = json_string_value(json_object_get(res, "nextCursor"));
        bool again = next != NULL && next[0] != '\0' && (cursor == NULL || strcmp(next, cursor) != 0);
        free(cursor);
        cursor = again ? fio_strdup(next) : NULL;
        json_decref(res);
        if (!again)
            break;
        if (cursor == NULL) {
            st = mcp_fail(err, FASTIO_NOMEM, "out of memory");
            break;
        }
    }
    free(cursor);
    if (st != FASTIO_OK) {
        json_decref(all);
        return st;
    }
    if (out != NULL)
        *out = all;
    else
        json_decref(all);
    fastio_error_clear(err);
    return FASTIO_OK;
}

enum fastio_status fastio_mcp_list_tools(struct fastio_mcp *m, json_t **tools,
                                         struct fastio_error *err)
{
    return list_all(m, "tools/list", "tools", tools, err);
}

enum fastio_status fastio_mcp_list_resources(struct fastio_mcp *m, json_t **resources,
                                             struct fastio_error *err)
{
    return list_all(m, "resources/list", "resources", resources, err);
}

enum fastio_status fastio_mcp_call_tool(struct fastio_mcp *m, const char *name,
                                        const json_t *arguments, json_t **result,
                                        struct fastio_error *err)
{
    if (result != NULL)
        *result = NULL;
    if (name == NULL || (arguments != NULL && !json_is_object(arguments)))
        return mcp_fail(err, FASTIO_INVALID, "fastio_mcp_call_tool: a tool name and an object "
                                             "of arguments (or NULL) are required");
    json_t *params = json_pack("{s:s, s:o}", "name", name, "arguments",
                               arguments ? json_deep_copy(arguments) : json_object());
    if (params == NULL)
        return mcp_fail(err, FASTIO_NOMEM, "out of memory");
    enum fastio_status st = do_request(m, "tools/call", params, result, NULL, err);
    json_decref(params);
    return st;
}

enum fastio_status fastio_mcp_read_resource(struct fastio_mcp *m, const char *uri, json_t **result,
                                            struct fastio_error *err)
{
    if (result != NULL)
        *result = NULL;
    if (uri == NULL)
        return mcp_fail(err, FASTIO_INVALID, "fastio_mcp_read_resource: a uri is required");
    json_t *params = json_pack("{s:s}", "uri", uri);
    if (params == NULL)
        return mcp_fail(err, FASTIO_NOMEM, "out of memory");
    enum fastio_status st = do_request(m, "resources/read", params, result, NULL, err);
    json_decref(params);
    return st;
}

const char *fastio_mcp_protocol_version(const struct fastio_mcp *m)
{
    return m ? m->version : "";
}

const json_t *fastio_mcp_server_info(const struct fastio_mcp *m)
{
    return m ? m->init_result : NULL;
}

const char *fastio_mcp_session_id(const struct fastio_mcp *m)
{
    return m ? m->session_id : "";
}

static char *dup_or(const char *s, const char *dflt)
{
    return fio_strdup(s != NULL ? s : dflt);
}

static enum fastio_status initialize(struct fastio_mcp *m, struct fastio_error *err)
{
    json_t *params = json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion", m->offer_version,
                               "capabilities", "clientInfo", "name", m->client_name, "version",
                               m->client_version);
    if (params == NULL)
        return mcp_fail(err, FASTIO_NOMEM, "out of memory");
    json_t *res = NULL;
    enum fastio_status st = do_request(m, "initialize", params, &res, NULL, err);
    json_decref(params);
    if (st != FASTIO_OK)
        return st;
    const char *v = json_string_value(json_object_get(res, "protocolVersion"));
    bool known = false;
    for (size_t i = 0; v != NULL && i < sizeof(KNOWN_VERSIONS) / sizeof(KNOWN_VERSIONS[0]); i++)
        known = known || strcmp(v, KNOWN_VERSIONS[i]) == 0;
    if (!known) {
        json_decref(res);
        return mcp_fail(err, FASTIO_UNSUPPORTED,
                        "the MCP server speaks protocol version %.40s, which this client does "
                        "not (it speaks 2024-11-05 to 2025-11-25)",
                        v ? v : "(none given)");
    }
    fio_strlcpy(m->version, v, sizeof(m->version));
    m->init_result = res;
    st = fastio_mcp_notify(m, "notifications/initialized", NULL, err);
    if (st == FASTIO_OK && m->cfg.transport == FASTIO_MCP_HTTP)
        mcp_http_start_listen(m);
    return st;
}

struct fastio_mcp *fastio_mcp_connect(const struct fastio_mcp_config *cfg, struct fastio_error *err)
{
    struct fastio_mcp_config c;
    mcp_defaults(&c);
    if (cfg == NULL) {
        (void)mcp_fail(err, FASTIO_INVALID, "fastio_mcp_connect: a config is required (url or "
                                            "command)");
        return NULL;
    }
    if (FIO_ABI_READ(&c, cfg, "fastio_mcp_config", err) != FASTIO_OK)
        return NULL;
    if (c.transport == FASTIO_MCP_STDIO
            ? (c.command == NULL || c.command[0] == NULL || c.command[0][0] == '\0')
            : (c.url == NULL ||
               (strncmp(c.url, "http://", 7) != 0 && strncmp(c.url, "https://", 8) != 0))) {
        (void)mcp_fail(err, FASTIO_INVALID,
                       c.transport == FASTIO_MCP_STDIO
                           ? "fastio_mcp_connect: the stdio transport needs a command to run"
                           : "fastio_mcp_connect: the HTTP transports need an http:// or "
                             "https:// url");
        return NULL;
    }
    if ((unsigned)c.transport > FASTIO_MCP_STDIO || c.timeout_ms < 0 || c.max_reconnects < 0 ||
        c.default_retry_ms < 0 || c.connect_timeout_ms < 0) {
        (void)mcp_fail(err, FASTIO_INVALID, "fastio_mcp_connect: unknown transport or a negative "
                                            "timeout / count");
        return NULL;
    }
    if (c.max_message_bytes == 0)
        c.max_message_bytes = (size_t)16 << 20;
    char *ca_file = NULL;
    if (c.ca_file != NULL && c.transport != FASTIO_MCP_STDIO) {
        ca_file = fio_ca_file_dup(c.ca_file, "ca_file", err);
        if (ca_file == NULL)
            return NULL; /* INVALID naming the path, or NOMEM */
    }
    struct fastio_mcp *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        free(ca_file);
        (void)mcp_fail(err, FASTIO_NOMEM, "out of memory");
        return NULL;
    }
    m->ca_file = ca_file;
    m->cfg = c;
    m->pid = -1;
    m->to_child = m->from_child = -1;
    m->next_id = 1;
    fio_buf_init(&m->rd, c.max_message_bytes + 1);
    m->url = c.url ? fio_strdup(c.url) : NULL;
    m->bearer = c.bearer_token ? fio_strdup(c.bearer_token) : NULL;
    m->client_name = dup_or(c.client_name, "fastio-c");
    m->client_version = dup_or(c.client_version, FASTIO_VERSION);
    m->offer_version = dup_or(c.protocol_version, FASTIO_MCP_PROTOCOL_VERSION);
    m->inbox = json_array();
    bool oom = m->client_name == NULL || m->client_version == NULL || m->offer_version == NULL ||
               m->inbox == NULL || (c.url && !m->url) || (c.bearer_token && !m->bearer);
    if (!oom && c.transport == FASTIO_MCP_STDIO) {
        size_t n = 0;
        while (n < 4096 && c.command[n] != NULL)
            n++;
        m->argv = calloc(n + 1, sizeof(char *));
        oom = m->argv == NULL;
        for (size_t i = 0; !oom && i < n; i++)
            oom = (m->argv[i] = fio_strdup(c.command[i])) == NULL;
    }
    m->cfg.url = m->url;
    m->cfg.bearer_token = m->bearer;
    m->cfg.command = NULL;
    m->cfg.client_name = m->client_name;
    m->cfg.client_version = m->client_version;
    m->cfg.protocol_version = m->offer_version;
    m->cfg.ca_file = m->ca_file;
    if (oom) {
        (void)mcp_fail(err, FASTIO_NOMEM, "out of memory");
        fastio_mcp_close(m);
        return NULL;
    }
    enum fastio_status st = c.transport == FASTIO_MCP_STDIO ? mcp_stdio_open(m, err)
                                                            : mcp_http_open(m, err);
    if (st == FASTIO_OK)
        st = initialize(m, err);
    if (st != FASTIO_OK) {
        fastio_mcp_close(m);
        return NULL;
    }
    fastio_error_clear(err);
    return m;
}

void fastio_mcp_close(struct fastio_mcp *m)
{
    if (m == NULL)
        return;
    if (m->cfg.transport == FASTIO_MCP_STDIO)
        mcp_stdio_close(m);
    else
        mcp_http_close(m);
    fio_buf_release(&m->rd);
    json_decref(m->inbox);
    json_decref(m->response);
    json_decref(m->init_result);
    if (m->argv != NULL) {
        for (size_t i = 0; m->argv[i] != NULL; i++)
            free(m->argv[i]);
        free(m->argv);
    }
    free(m->url);
    free(m->ca_file);
    if (m->bearer != NULL) {
        explicit_bzero(m->bearer, strlen(m->bearer));
        free(m->bearer);
    }
    free(m->client_name);
    free(m->client_version);
    free(m->offer_version);
    free(m->post_url);
    free(m);
}
