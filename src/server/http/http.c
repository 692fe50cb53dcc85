/* SPDX-License-Identifier: MIT */
/* http.c - the libmicrohttpd front of fastio-server: request lifecycle (headers, bounded body,
 * parameters), the one function that turns a handler's result into the wire envelope
 * (api §1.3), the x-ve-limit-* headers (api §1.8), and one JSON access-log line per request. */
#include <stdatomic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "activity.h"
#include "faults.h"
#include "guard.h"
#include "mcp.h"
#include "metrics.h"
#include "proxy.h"
#include "ratelimit.h"
#include "router.h"
#include "server.h"
#include "timeutil.h"
#include "tls.h"

/* A connection's socket context: its slot in the slow-client guard (NULL when it is not
 * guarded) and, with TLS, the certificate generation it pins (tls.h). */
struct conn_ctx {
    struct conn_slot *slot;
    struct tls_gen *tls;
};

static struct conn_slot *conn_slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const struct conn_ctx *cx = ci ? ci->socket_context : NULL;
    return cx ? cx->slot : NULL;
}

/* Every X-Forwarded-For field of the request, joined by commas in the order received. */
struct xff_join {
    char buf[2048];
    size_t len;
    bool overflow;
};

static enum MHD_Result join_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    struct xff_join *j = cls;
    if (strcasecmp(key, "X-Forwarded-For") != 0 || !value)
        return MHD_YES;
    size_t n = strlen(value);
    if (j->len + n + 2 > sizeof(j->buf)) {
        j->overflow = true; /* keep the rightmost fields: start over with this one */
        j->len = 0;
        if (n + 2 > sizeof(j->buf))
            return MHD_YES;
    }
    if (j->len)
        j->buf[j->len++] = ',';
    memcpy(j->buf + j->len, value, n);
    j->len += n;
    j->buf[j->len] = 0;
    return MHD_YES;
}

static void forwarded_client(struct req *r, struct MHD_Connection *conn)
{
    struct xff_join j;
    j.len = 0;
    j.overflow = false;
    j.buf[0] = 0;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, join_xff, &j);
    char ip[64];
    if (j.len && proxy_client(r->srv->trust, j.buf, ip, sizeof(ip)))
        fio_strlcpy(r->client_ip, ip, sizeof(r->client_ip));
}

struct req *srv_req_new(struct server *s, void *conn, const char *method)
{
    struct req *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->srv = s;
    r->conn = conn;
    r->content_length = -1;
    r->method = method;
    r->status_ok = 200;
    r->start_us = fio_mono_us();
    fio_form_init(&r->query);
    fio_form_init(&r->form);
    fio_buf_init(&r->body, SRV_MAX_BODY);
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                      r->client_ip, sizeof(r->client_ip));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      r->client_ip, sizeof(r->client_ip));
        /* From a --trusted-proxy peer, the client is the one X-Forwarded-For names (D-118):
         * rate limits, logs and MCP sessions then see it instead of the proxy. */
        if (s->trust && proxy_trusted(s->trust, sa))
            forwarded_client(r, conn);
    }
    return r;
}

void srv_req_free(struct req *r)
{
    if (!r)
        return;
    free(r->path);
    for (size_t i = 0; i < r->nargs; i++)
        free(r->args[i]);
    fio_form_release(&r->query);
    fio_form_release(&r->form);
    json_decref(r->json);
    json_decref(r->out);
    json_decref(r->err.params);
    fio_buf_release(&r->body);
    free(r->raw_body);
    free(r->location);
    free(r->reclaim);
    if (r->stream && r->stream->on_free)
        r->stream->on_free(r);
    activity_req_end(r); /* unlinks a parked poll; publishes keys noted after the router */
    mcp_req_end(r);      /* an MCP request's state (streams, sessions held) */
    if (r->raw_response)
        MHD_destroy_response(r->raw_response);
    free(r);
}

/* Query arguments, with their real lengths: a %00 inside a key or value is refused (400)
 * instead of silently cutting the value short. */
static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct req *r = cls;
    if (r->query.count >= SRV_MAX_FIELDS) {
        r->too_large = true;
        return MHD_NO;
    }
    if (strlen(key) != key_size || (value && strlen(value) != value_size)) {
        r->bad_query = true;
        return MHD_YES;
    }
    if (!fio_form_add(&r->query, key, value ? value : ""))
        return MHD_NO;
    return MHD_YES;
}

/* Turn a JSON object body into parameters: strings as they are, numbers and booleans as text,
 * arrays and objects as their compact JSON text (the form convention of api §1.2). */
static int json_to_params(struct req *r)
{
    const char *key;
    json_t *v;
    json_object_foreach(r->json, key, v)
    {
        char numbuf[64];
        char *dumped = NULL;
        const char *text;
        if (json_is_string(v))
            text = json_string_value(v);
        else if (json_is_integer(v)) {
            snprintf(numbuf, sizeof(numbuf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            text = numbuf;
        } else if (json_is_real(v)) {
            snprintf(numbuf, sizeof(numbuf), "%.17g", json_real_value(v));
            text = numbuf;
        } else if (json_is_boolean(v))
            text = json_is_true(v) ? "true" : "false";
        else if (json_is_null(v))
            text = "null"; /* JSON null clears a field, like the form value "null" */
        else {
            dumped = json_dumps(v, JSON_COMPACT);
            if (!dumped)
                return req_fail(r, 500, 0, "Out of memory");
            text = dumped;
        }
        if (strlen(key) == 0 || (json_is_string(v) && strlen(text) != json_string_length(v))) {
            free(dumped);
            return req_fail_param(r, *key ? key : "(empty)", "invalid",
                                  "JSON member names must be non-empty and values free of NUL");
        }
        bool ok = fio_form_add(&r->form, key, text);
        free(dumped);
        if (!ok)
            return req_fail(r, 500, 0, "Out of memory");
    }
    return 0;
}

static int parse_body(struct req *r)
{
    if (r->body.len == 0)
        return 0;
    const char *ct = r->content_type;
    if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        if (!fio_form_parse(&r->form, r->body.data, r->body.len, SRV_MAX_FIELDS))
            return req_fail(r, 400, API_ERR_INVALID,
                            "Malformed form body (bad escape or more than %d fields)",
                            SRV_MAX_FIELDS);
        /* Parameters are C strings from here on: a %00 inside a value is refused rather than
         * silently cutting the value short. */
        for (size_t i = 0; i < r->form.count; i++)
            if (strlen(r->form.fields[i].value) != r->form.fields[i].value_len)
                return req_fail_param(r, r->form.fields[i].name, "invalid",
                                      "The parameter '%s' contains a NUL byte",
                                      r->form.fields[i].name);
        return 0;
    }
    if (strncasecmp(ct, "application/json", 16) == 0) {
        json_error_t je;
        r->json = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &je);
        if (!r->json)
            return req_fail(r, 400, API_ERR_INVALID, "Malformed JSON body: %s (line %d)", je.text,
                            je.line);
        if (!json_is_object(r->json))
            return req_fail(r, 400, API_ERR_INVALID, "The JSON body must be an object");
        return json_to_params(r);
    }
    return req_fail(r, 415, API_ERR_INVALID,
                    "Unsupported Content-Type '%s'; use application/x-www-form-urlencoded or "
                    "application/json",
                    *ct ? ct : "(none)");
}

/* The envelope (api §1.3): flat named keys, boolean result, current_api_version, server_date. */
static char *render(struct req *r, size_t *len, int *http)
{
    json_t *env = json_object();
    if (!env)
        return NULL;
    if (r->err.http) {
        *http = r->err.http;
        json_t *e = json_pack("{s:I, s:s}", "code", (json_int_t)r->err.code, "text", r->err.text);
        if (e && r->err.params)
            json_object_set(e, "params", r->err.params);
        /* A few errors still carry a body (bulk details answering 404 with per-id errors,
         * api §4.2): handlers that set keys before failing get them in the envelope. The
         * envelope's own keys are set after, so no handler key can override them. */
        if (r->out)
            json_object_update(env, r->out);
        json_object_set_new(env, "result", json_false());
        json_object_set_new(env, "error", e ? e : json_object());
    } else {
        *http = r->status_ok;
        if (r->out)
            json_object_update(env, r->out);
        json_object_set_new(env, "result", json_true());
    }
    json_object_set_new(env, "current_api_version", json_string(SRV_API_VERSION));
    json_object_set_new(env, "server_date", srv_time_json(srv_now_us()));
    char *txt = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    if (txt)
        *len = strlen(txt);
    return txt;
}

static enum MHD_Result send_reply(struct req *r, struct MHD_Connection *conn)
{
    size_t len = 0;
    int http = 500;
    char *txt = NULL;
    const char *ctype = "application/json";
    if (r->raw_type && r->raw_body && !r->err.http) {
        /* A body outside the envelope (OAuth, api §2.5): sent as the handler built it. */
        txt = r->raw_body;
        r->raw_body = NULL;
        len = strlen(txt);
        http = r->status_ok;
        ctype = r->raw_type;
    } else {
        txt = render(r, &len, &http);
    }
    struct MHD_Response *resp;
    bool bytes = r->raw_response && !r->err.http;
    if (bytes) {
        /* A byte endpoint (downloads, zip): the handler built the response and its headers. */
        free(txt);
        txt = NULL;
        resp = r->raw_response;
        r->raw_response = NULL;
        http = r->status_ok;
        len = r->bytes_out;
    } else if (txt)
        resp = MHD_create_response_from_buffer(len, txt, MHD_RESPMEM_MUST_FREE);
    else {
        static const char oom[] = "{\"result\":false,\"error\":{\"code\":0,\"text\":\"Out of memory\"}}";
        http = 500;
        len = sizeof(oom) - 1;
        resp = MHD_create_response_from_buffer(len, (void *)oom, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp) {
        free(txt);
        return MHD_NO;
    }
    if (!bytes) {
        MHD_add_response_header(resp, "Content-Type", ctype);
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (strncmp(ctype, "text/html", 9) == 0) {
        /* The consent page: no scripts, no framing (clickjacking), no external loads. */
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; "
                                "frame-ancestors 'none'; base-uri 'none'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
    if (r->location && !r->err.http)
        MHD_add_response_header(resp, "Location", r->location);
    if (!r->rl_set) {
        char key[80];
        snprintf(key, sizeof(key), "ip:%s", r->client_ip);
        r->rl_set = true;
        ratelimit_hit(r->srv->rl, key, srv_now_us() / 1000000, &r->rl_avail, &r->rl_max,
                      &r->rl_expires);
    }
    char num[32];
    snprintf(num, sizeof(num), "%ld", r->rl_avail);
    MHD_add_response_header(resp, "x-ve-limit-avail", num);
    snprintf(num, sizeof(num), "%ld", r->rl_max);
    MHD_add_response_header(resp, "x-ve-limit-max", num);
    snprintf(num, sizeof(num), "%lld", (long long)r->rl_expires);
    MHD_add_response_header(resp, "x-ve-limit-expires", num);
    if (r->retry_after_s > 0) {
        snprintf(num, sizeof(num), "%d", r->retry_after_s);
        MHD_add_response_header(resp, "Retry-After", num);
    } else if (http == 429) {
        long long wait = (long long)r->rl_expires - srv_now_us() / 1000000;
        snprintf(num, sizeof(num), "%lld", wait > 0 ? wait : 1);
        MHD_add_response_header(resp, "Retry-After", num);
    }
    if (http == 405 && r->route == NULL)
        MHD_add_response_header(resp, "Allow", "GET, POST, DELETE");
    r->http_status_sent = http;
    r->bytes_out = len;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)http, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Match the route from the URL (on the first call, before any body byte is read): sets
 * r->route, or an error (404 / 405) that handle() answers. */
static void match_route(struct req *r, const char *url)
{
    /* Outside /current only the F_ROOT rows exist (OAuth discovery, api §1.1). */
    bool root = strncmp(url, "/.well-known/", 13) == 0;
    if (!root && strcmp(url, "/current") != 0 && strncmp(url, "/current/", 9) != 0) {
        req_fail(r, 404, API_ERR_UNKNOWN_ROUTE, "The router does not recognize this path");
        return;
    }
    r->path = fio_strdup(root ? url : url[8] ? url + 8 : "/");
    if (!r->path) {
        req_fail(r, 500, 0, "Out of memory");
        return;
    }
    bool known = false;
    /* HEAD is answered as GET without the body (libmicrohttpd drops it; RFC 9110 9.3.2). */
    const char *m = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    r->route = router_match(m, r->path, r->args, SRV_MAX_PATH_ARGS, &r->nargs, &known);
    if (r->route && m != r->method && (r->route->flags & F_WRITE)) {
        /* a GET that changes state (sign-in makes a token, OAuth authorize a request): its
         * HEAD would do the same and drop the answer, so it has none */
        for (size_t i = 0; i < r->nargs; i++) {
            free(r->args[i]);
            r->args[i] = NULL;
        }
        r->nargs = 0;
        r->route = NULL;
        known = true;
    }
    if (r->route && ((r->route->flags & F_ROOT) != 0) != root) {
        r->route = NULL; /* a root row under /current, or the reverse: no such path */
        known = false;
    }
    if (!r->route) {
        if (known)
            req_fail(r, 405, API_ERR_UNKNOWN_ROUTE, "Method %s is not allowed on this path",
                     r->method);
        else
            req_fail(r, 404, API_ERR_UNKNOWN_ROUTE, "The router does not recognize this path");
    }
}

/* The header block as received: field count, bytes, and Content-Length agreement. */
struct header_scan {
    size_t fields;
    size_t bytes;
    size_t clen_count;
    const char *clen_first;
    bool clen_conflict;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct header_scan *h = cls;
    h->fields++;
    h->bytes += key_size + value_size + 4; /* "K: V\r\n" */
    if (key_size == 14 && !strcasecmp(key, "Content-Length")) {
        const char *v = value ? value : "";
        if (h->clen_count == 0)
            h->clen_first = v;
        else if (strcmp(h->clen_first, v) != 0)
            h->clen_conflict = true;
        h->clen_count++;
    }
    return MHD_YES;
}

static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    (void)key;
    (void)value;
    size_t *n = cls;
    (*n)++;
    return MHD_YES;
}

/* The HTTP-front limits (docs/server.md "Limits"), checked once the headers are in and before
 * anything else looks at the request. Returns 0, or -1 with the error set. */
static int check_front_limits(struct req *r, struct MHD_Connection *conn)
{
    struct header_scan h;
    memset(&h, 0, sizeof(h));
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, scan_header, &h);
    if (h.fields > SRV_MAX_HEADER_FIELDS || h.bytes > SRV_MAX_HEADER_BYTES)
        return req_fail(r, 431, API_ERR_INVALID,
                        "Request headers too large (limit %d fields, %d bytes)",
                        SRV_MAX_HEADER_FIELDS, SRV_MAX_HEADER_BYTES);
    if (h.clen_conflict)
        return req_fail(r, 400, API_ERR_INVALID, "Conflicting Content-Length headers");
    size_t nargs = 0;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, count_arg, &nargs);
    if (guard_take_query_flag(conn_slot_of(conn)) || nargs > SRV_MAX_QUERY_ARGS)
        return req_fail(r, 414, API_ERR_INVALID, "Too many query arguments (limit %d)",
                        SRV_MAX_QUERY_ARGS);
    return 0;
}

static void handle(struct req *r, struct MHD_Connection *conn)
{
    if (r->err.http || !r->route)
        return;
    if (r->too_large) {
        req_fail(r, 413, API_ERR_INVALID, "Request too large");
        return;
    }
    if (r->bad_query) {
        req_fail(r, 400, API_ERR_INVALID, "A query parameter contains a NUL byte");
        return;
    }
    if (parse_body(r) != 0)
        return;
    const char *authz = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    router_dispatch(r, authz);
}

/* Whether the connection's peer is a loopback address (127/8, ::1, ::ffff:127.x). */
static bool peer_is_loopback(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return false;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) ==
               127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

/* GET /metrics (metrics.h, D-116): outside /current and the router; --metrics decides who. */
static void serve_metrics(struct req *r, struct MHD_Connection *conn)
{
    free(r->path);
    r->path = fio_strdup("/metrics");
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        req_fail(r, 405, API_ERR_UNKNOWN_ROUTE, "Method %s is not allowed on this path",
                 r->method);
        return;
    }
    bool fwd = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For") ||
               MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Forwarded") ||
               MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Real-IP");
    if (r->srv->cfg.metrics == SRV_METRICS_OFF) {
        req_fail(r, 404, API_ERR_UNKNOWN_ROUTE, "The router does not recognize this path");
        return;
    }
    if (!metrics_allowed(r->srv, peer_is_loopback(conn), fwd)) {
        req_fail(r, 403, API_ERR_INVALID,
                 "Metrics are served to loopback clients only (--metrics local); a request "
                 "forwarded by a proxy is not local");
        return;
    }
    char *text = metrics_render(r->srv);
    if (!text) {
        req_fail(r, 500, 0, "Out of memory");
        return;
    }
    r->raw_type = METRICS_CONTENT_TYPE;
    r->raw_body = text;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size, void **ctx)
{
    (void)version;
    struct server *s = cls;
    struct req *r = *ctx;
    if (!r) {
        r = srv_req_new(s, conn, method);
        if (!r)
            return MHD_NO;
        *ctx = r;
        guard_headers_done(conn_slot_of(conn));
        if (check_front_limits(r, conn) != 0) {
            guard_answering(conn_slot_of(conn));
            return send_reply(r, conn);
        }
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        fio_strlcpy(r->content_type, ct ? ct : "", sizeof(r->content_type));
        MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
        if (strcmp(url, "/metrics") == 0 || strcmp(url, "/metrics/") == 0) {
            serve_metrics(r, conn);
            guard_answering(conn_slot_of(conn));
            return send_reply(r, conn);
        }
        r->mcp_kind = (int)mcp_kind_of(url);
        if (r->mcp_kind != MCP_K_NONE) {
            /* MCP transports and side routes (src/server/mcp): their own framing. */
            int m = mcp_http_begin(r, conn, url);
            if (m == 2) {
                guard_answering(conn_slot_of(conn));
                return send_reply(r, conn);
            }
            if (m == 1)
                guard_answering(conn_slot_of(conn));
            return m < 0 ? MHD_NO : MHD_YES;
        }
        match_route(r, url);
        const char *clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        long long cl_n = -1;
        r->content_length = clen && fio_parse_ll(clen, 0, INT64_MAX, &cl_n) ? cl_n : -1;
        if (r->route && (r->route->flags & F_STREAM)) {
            /* A streamed body (uploads): authenticate, authorize and let the handler refuse
             * before a byte of the body is read; it sets r->stream to take the body. */
            enum fault_action fa = faults_apply(s, r, url); /* test-only, as below */
            if (fa == FAULT_RESET)
                return MHD_NO;
            if (fa == FAULT_REPLY)
                return send_reply(r, conn);
            if (r->too_large)
                req_fail(r, 413, API_ERR_INVALID, "Request too large");
            else if (r->bad_query)
                req_fail(r, 400, API_ERR_INVALID, "A query parameter contains a NUL byte");
            else
                router_dispatch(r, MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                               "Authorization"));
            if (r->err.http || !r->stream)
                return send_reply(r, conn);
            return MHD_YES;
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        long long n;
        if (cl && fio_parse_ll(cl, 0, INT64_MAX, &n) && n > SRV_MAX_BODY) {
            /* Refuse before reading a byte of the body. */
            req_fail(r, 413, API_ERR_INVALID, "Request body too large (limit %d bytes)",
                     SRV_MAX_BODY);
            return send_reply(r, conn);
        }
        return MHD_YES;
    }
    if (r->http_status_sent)
        return MHD_YES; /* already answered (e.g. 413); discard the rest */
    /* libmicrohttpd 0.9.75 cannot queue a response while body data is pending: an error found
     * mid-body is remembered, the rest of the body is read and dropped, and the error is sent
     * on the final call - so the client gets the real status, not a reset it might retry. */
    guard_body(conn_slot_of(conn), *upload_data_size);
    metrics_bytes_in(s, *upload_data_size);
    if (r->discard_body) {
        if (*upload_data_size) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        return send_reply(r, conn);
    }
    if (r->stream) {
        /* One piece per call, at most the connection buffer (1 MiB): bounded work. */
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (n == 0) {
            guard_answering(conn_slot_of(conn));
            r->stream->on_finish(r);
            return send_reply(r, conn);
        }
        if (r->stream->on_data(r, upload_data, n) != 0)
            r->discard_body = true;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!fio_buf_append(&r->body, upload_data, *upload_data_size)) {
            req_fail(r, 413, API_ERR_INVALID, "Request body too large (limit %d bytes)",
                     SRV_MAX_BODY);
            r->discard_body = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    guard_answering(conn_slot_of(conn));
    /* A parked activity poll (activity.h) is called again once resumed: it answers from
     * memory, without a second dispatch. */
    if (activity_resumed(r))
        return send_reply(r, conn);
    if (r->mcp_kind != MCP_K_NONE) {
        int m = mcp_http_finish(r, conn);
        return m == 2 ? send_reply(r, conn) : (enum MHD_Result)m;
    }
    switch (faults_apply(s, r, url)) { /* test-only; a no-op unless --enable-test-faults */
    case FAULT_RESET:
        return MHD_NO; /* close the connection without a response */
    case FAULT_REPLY:
        return send_reply(r, conn);
    case FAULT_NONE:
        break;
    }
    handle(r, conn);
    /* An activity poll with nothing new yet: its connection is suspended (no worker thread
     * held) until a change or its deadline resumes it; no response now. */
    if (activity_park(r, conn))
        return MHD_YES;
    return send_reply(r, conn);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    struct server *s = cls;
    struct req *r = *ctx;
    guard_next_request(conn_slot_of(conn)); /* keep-alive: the next headers get a deadline */
    if (!r)
        return;
    char ts[40];
    fio_time_iso(fio_wall_us(), ts, sizeof(ts));
    /* The path is logged without its query string: queries may carry read tokens. Method and
     * path are client bytes: sanitised copies, so an invalid UTF-8 path cannot drop the line. */
    char method[32], path[1024];
    fio_strlcpy(method, r->method ? r->method : "", sizeof(method));
    fio_strlcpy(path, r->path ? r->path : "?", sizeof(path));
    srv_sanitize_text(method);
    srv_sanitize_text(path);
    json_t *line = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:s, s:b}", "ts", ts, "method",
                             method, "path", path,
                             "status", r->http_status_sent, "bytes", (json_int_t)r->bytes_out,
                             "us", (json_int_t)(fio_mono_us() - r->start_us), "ip", r->client_ip,
                             "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    if (line && r->err.http && r->err.code)
        json_object_set_new(line, "code", json_integer(r->err.code));
    char *txt = line ? json_dumps(line, JSON_COMPACT) : NULL;
    if (txt) {
        FILE *f = s->access_log ? s->access_log : stderr;
        fprintf(f, "%s\n", txt);
        fflush(f);
    }
    free(txt);
    json_decref(line);
    metrics_request(s, r);
    srv_req_free(r);
    *ctx = NULL;
}

__attribute__((format(printf, 2, 0))) static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = 0;
    srv_log(cls, SRV_LOG_WARN, "http: %s", msg);
}

/* Per running server: the slow-client guard (guard.h) and, with --trusted-proxy, the
 * per-address connection limit that does not count the proxies (proxy.h); with TLS, the
 * reloadable certificate and key (tls.h). A few servers per process at most (tests start one),
 * one of them with TLS. */
struct conn_hooks {
    struct conn_guard *g;
    struct ip_limit *ipl;
    struct tls_store *tls;
};
#define GUARD_MAX_SERVERS 8
static struct {
    struct server *s;
    struct conn_hooks *h;
} guards[GUARD_MAX_SERVERS];
static pthread_mutex_t guards_mu = PTHREAD_MUTEX_INITIALIZER;

static void hooks_free(struct conn_hooks *h)
{
    if (!h)
        return;
    guard_stop(h->g);
    ip_limit_free(h->ipl);
    tls_store_free(h->tls);
    free(h);
}

static const struct sockaddr *conn_peer(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return ci ? ci->client_addr : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct conn_hooks *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_ctx *cx = calloc(1, sizeof(*cx));
        *socket_context = cx;
        if (cx) {
            cx->slot = ci ? guard_open(h->g, ci->connect_fd) : NULL;
            cx->tls = tls_conn_open(h->tls);
        }
        /* Over the per-address limit, or no memory for the context: shut down at once
         * (libmicrohttpd closes it and the CLOSED notification gives the count back). A
         * connection without a context pins no certificate: with TLS it must not shake hands. */
        bool over = h->ipl && !ip_limit_open(h->ipl, conn_peer(conn)); /* counted either way */
        if ((over || !cx) && ci)
            shutdown(ci->connect_fd, SHUT_RDWR);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct conn_ctx *cx = *socket_context;
        if (cx) {
            guard_close(cx->slot);
            tls_conn_close(h->tls, cx->tls);
            free(cx);
        }
        *socket_context = NULL;
        if (h->ipl)
            ip_limit_close(h->ipl, conn_peer(conn));
    }
}

/* Called with the request line before libmicrohttpd parses its query: a query of more than
 * SRV_MAX_QUERY_ARGS arguments is cut off here (the byte after its '?' becomes the end, in
 * libmicrohttpd's own read buffer) and flagged, so the access handler answers 414 at once.
 * Unchecked, 16,000 arguments exhaust the connection's memory pool and libmicrohttpd 0.9.75
 * then answers nothing until the idle timeout. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    char *q = strchr(uri, '?');
    if (!q)
        return NULL;
    size_t args = 1;
    for (const char *p = q + 1; *p; p++)
        if (*p == '&' || *p == ';')
            args++;
    if (args > SRV_MAX_QUERY_ARGS) {
        struct conn_slot *slot = conn_slot_of(conn);
        if (slot) {
            guard_flag_query(slot);
            q[1] = 0; /* the arguments end at once (0.9.75 has found the '?' already) */
        }
    }
    return NULL;
}

int srv_start(struct server *s)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    /* MHD_ALLOW_SUSPEND_RESUME: activity long-polls park their connection (activity.h). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, s->cfg.listen_addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(s->cfg.port);
    } else if (inet_pton(AF_INET6, s->cfg.listen_addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(s->cfg.port);
        flags |= MHD_USE_IPv6;
    } else {
        srv_log(s, SRV_LOG_ERROR, "invalid listen address '%s'", s->cfg.listen_addr);
        return -1;
    }
    /* Slow clients (docs/server.md "Limits"): a per-address connection limit, and the guard's
     * deadlines for headers and body progress; a tenth of the slots is the reserve - while
     * fewer are free, headers must arrive within 2 s, so slots turn over for normal clients. */
    unsigned limit = s->cfg.max_conns ? s->cfg.max_conns : 1000;
    long header_s = s->cfg.header_timeout_s > 0 ? s->cfg.header_timeout_s : 10;
    long body_s = s->cfg.body_timeout_s > 0 ? s->cfg.body_timeout_s : 30;
    if (mcp_start(s) != 0) {
        srv_log(s, SRV_LOG_ERROR, "cannot start the MCP sessions");
        return -1;
    }
    struct conn_hooks *h = calloc(1, sizeof(*h));
    if (h)
        h->g = guard_start(limit, limit / 10, header_s, header_s < 2 ? header_s : 2, body_s);
    if (!h || !h->g) {
        hooks_free(h);
        mcp_free(s);
        srv_log(s, SRV_LOG_ERROR, "cannot start the connection guard");
        return -1;
    }
    /* --trusted-proxy: the proxies are not counted per address, so the limit is ours. */
    unsigned per_ip = s->cfg.max_conns_per_ip;
    if (s->trust) {
        h->ipl = ip_limit_new(per_ip, s->trust);
        if (!h->ipl) {
            hooks_free(h);
            mcp_free(s);
            return -1;
        }
        per_ip = 0;
    }
    /* TLS (--tls-cert, --tls-key; D-118): libmicrohttpd with GnuTLS, the pair handed over by a
     * certificate callback at each handshake so that SIGHUP can replace it (D-141). */
    struct MHD_OptionItem tls[2] = {{MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}};
    if (s->cfg.tls_cert) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES ||
            MHD_is_feature_supported(MHD_FEATURE_HTTPS_CERT_CALLBACK) != MHD_YES) {
            srv_log(s, SRV_LOG_ERROR, "this libmicrohttpd has no TLS support");
            fprintf(stderr, "fastio-server: this libmicrohttpd has no TLS support\n");
            hooks_free(h);
            mcp_free(s);
            return -1;
        }
        char err[600];
        h->tls = tls_store_new(s->cfg.tls_cert, s->cfg.tls_key, err, sizeof(err));
        if (!h->tls) {
            srv_log(s, SRV_LOG_ERROR, "TLS: %s", err);
            fprintf(stderr, "fastio-server: TLS: %s\n", err);
            hooks_free(h);
            mcp_free(s);
            return -1;
        }
        tls_describe(h->tls, err, sizeof(err));
        srv_log(s, SRV_LOG_INFO, "TLS: serving %s", err);
        flags |= MHD_USE_TLS;
        tls_cert_option(&tls[0]);
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, s->cfg.port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)s->cfg.threads, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(1024 * 1024),
        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, h, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!d) {
        hooks_free(h);
        mcp_free(s);
        srv_log(s, SRV_LOG_ERROR, "cannot listen on %s:%u: %s", s->cfg.listen_addr,
                (unsigned)s->cfg.port, strerror(errno));
        if (s->cfg.tls_cert)
            fprintf(stderr, "fastio-server: cannot start TLS on %s:%u\n", s->cfg.listen_addr,
                    (unsigned)s->cfg.port);
        return -1;
    }
    s->mhd = d;
    pthread_mutex_lock(&guards_mu);
    for (size_t i = 0; i < GUARD_MAX_SERVERS; i++) {
        if (!guards[i].s) {
            guards[i].s = s;
            guards[i].h = h;
            h = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&guards_mu);
    if (h) {
        srv_log(s, SRV_LOG_ERROR, "too many servers in one process");
        MHD_stop_daemon(d);
        s->mhd = NULL;
        hooks_free(h);
        mcp_free(s);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    atomic_store(&s->bound_port, di ? di->port : s->cfg.port);
    return 0;
}

uint64_t srv_connections_cut(const struct server *s)
{
    uint64_t n = 0;
    pthread_mutex_lock(&guards_mu);
    for (size_t i = 0; i < GUARD_MAX_SERVERS; i++)
        if (guards[i].s == s && guards[i].h)
            n = guard_cut_count(guards[i].h->g);
    pthread_mutex_unlock(&guards_mu);
    return n;
}

/* The hooks of a running server, under guards_mu. */
static struct conn_hooks *hooks_of(const struct server *s)
{
    for (size_t i = 0; i < GUARD_MAX_SERVERS; i++)
        if (guards[i].s == s)
            return guards[i].h;
    return NULL;
}

int srv_tls_reload(struct server *s)
{
    char info[300], err[600];
    int rc = 0;
    pthread_mutex_lock(&guards_mu);
    struct conn_hooks *h = hooks_of(s);
    if (h && h->tls) {
        rc = tls_store_reload(h->tls, info, sizeof(info), err, sizeof(err));
        if (rc == 0)
            srv_log(s, SRV_LOG_INFO, "SIGHUP: TLS certificate reloaded: now serving %s (%u "
                    "generation(s) held)", info, tls_generations(h->tls));
        else
            srv_log(s, SRV_LOG_ERROR, "SIGHUP: TLS certificate NOT reloaded: %s; still serving "
                    "the previous certificate", err);
    }
    pthread_mutex_unlock(&guards_mu);
    return rc;
}

int64_t srv_tls_not_after(const struct server *s, unsigned *held)
{
    int64_t v = 0;
    *held = 0;
    pthread_mutex_lock(&guards_mu);
    struct conn_hooks *h = hooks_of(s);
    if (h) {
        v = tls_not_after(h->tls);
        *held = tls_generations(h->tls);
    }
    pthread_mutex_unlock(&guards_mu);
    return v;
}

void srv_stop(struct server *s)
{
    if (s->mhd) {
        activity_close(s); /* MHD_stop_daemon must not find a suspended connection */
        mcp_close(s);      /* nor an MCP stream */
        MHD_stop_daemon(s->mhd);
    }
    s->mhd = NULL;
    /* After the daemon: its last connection notifications still release slots. */
    struct conn_hooks *h = NULL;
    pthread_mutex_lock(&guards_mu);
    for (size_t i = 0; i < GUARD_MAX_SERVERS; i++) {
        if (guards[i].s == s) {
            h = guards[i].h;
            guards[i].s = NULL;
            guards[i].h = NULL;
        }
    }
    pthread_mutex_unlock(&guards_mu);
    hooks_free(h);
    mcp_free(s);
}
