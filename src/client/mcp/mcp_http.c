/* SPDX-License-Identifier: MIT */
/* mcp_http.c - the HTTP transports of the MCP client (api §10.3) over one curl multi handle:
 * Streamable HTTP (POST per message, JSON or event-stream answers, the GET stream, resumption with
 * Last-Event-ID after the server's retry: delay, DELETE at close) and the legacy HTTP+SSE
 * transport (a GET stream whose endpoint event names where to POST). */
#include "mcp_internal.h"

#include "envelope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum stream_kind { ST_POST, ST_GET, ST_LEGACY };

struct mcp_stream {
    struct mcp_stream *next;
    struct fastio_mcp *m;
    enum stream_kind kind;
    CURL *h;
    struct curl_slist *hdrs;
    char *body;
    char ctype[128];
    char www_auth[256];
    struct fio_buf raw; /* a JSON body, or the first bytes of an error body */
    struct fio_sse sse;
    bool done;
    CURLcode cres;
    char errbuf[CURL_ERROR_SIZE]; /* curl's detail of a failure (the TLS one above all) */
    long status;
    int fail; /* FIO_SSE_TOO_LARGE / FIO_SSE_NOMEM / 1 = inbox full / 2 = bad endpoint */
};

static void stream_free(struct fastio_mcp *m, struct mcp_stream *s)
{
    if (s == NULL)
        return;
    for (struct mcp_stream **pp = &m->streams; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    if (m->req == s)
        m->req = NULL;
    if (m->resume == s)
        m->resume = NULL;
    if (m->listen == s)
        m->listen = NULL;
    if (m->legacy == s)
        m->legacy = NULL;
    if (s->h != NULL) {
        curl_multi_remove_handle(m->multi, s->h);
        curl_easy_cleanup(s->h);
    }
    curl_slist_free_all(s->hdrs);
    free(s->body);
    fio_buf_release(&s->raw);
    fio_sse_release(&s->sse);
    free(s);
}

/* Case-insensitive "Name:" header match; the value, trimmed, into out. */
static bool header_value(const char *line, size_t n, const char *name, char *out, size_t size)
{
    size_t ln = strlen(name);
    if (n <= ln || strncasecmp(line, name, ln) != 0 || line[ln] != ':')
        return false;
    const char *v = line + ln + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vn = (size_t)(end - v);
    if (vn >= size)
        vn = size - 1;
    memcpy(out, v, vn);
    out[vn] = '\0';
    return true;
}

static size_t on_header(char *buf, size_t size, size_t nmemb, void *ud)
{
    struct mcp_stream *s = ud;
    size_t n = size * nmemb;
    char sid[MCP_ID_MAX];
    if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        s->ctype[0] = '\0'; /* a new response (after 100 Continue): forget the last headers */
        return n;
    }
    header_value(buf, n, "Content-Type", s->ctype, sizeof(s->ctype));
    header_value(buf, n, "WWW-Authenticate", s->www_auth, sizeof(s->www_auth));
    if (header_value(buf, n, "Mcp-Session-Id", sid, sizeof(sid)) && sid[0] != '\0' &&
        s->m->session_id[0] == '\0') {
        /* visible ASCII only (the specification's rule); anything else is not kept */
        bool ok = true;
        for (const char *p = sid; *p; p++)
            ok = ok && *p >= 0x21 && *p <= 0x7E;
        if (ok)
            fio_strlcpy(s->m->session_id, sid, sizeof(s->m->session_id));
    }
    return n;
}

static bool is_event_stream(const struct mcp_stream *s)
{
    return strncasecmp(s->ctype, "text/event-stream", 17) == 0;
}

/* Same scheme, host and port as the connection's URL: the legacy endpoint event may not send
 * our messages (and Bearer token) anywhere else. */
static char *resolve_endpoint(struct fastio_mcp *m, const char *rel, size_t n)
{
    char *out = NULL;
    char *relz = fio_slice_dup(fio_slice_make(rel, n));
    CURLU *base = curl_url(), *u = curl_url();
    char *h1 = NULL, *h2 = NULL, *p1 = NULL, *p2 = NULL, *s1 = NULL, *s2 = NULL;
    if (relz == NULL || base == NULL || u == NULL || memchr(rel, '\0', n) != NULL)
        goto done;
    if (curl_url_set(base, CURLUPART_URL, m->url, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, m->url, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, relz, 0) != CURLUE_OK)
        goto done;
    if (curl_url_get(base, CURLUPART_HOST, &h1, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &h2, 0) != CURLUE_OK ||
        curl_url_get(base, CURLUPART_PORT, &p1, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &p2, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(base, CURLUPART_SCHEME, &s1, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &s2, 0) != CURLUE_OK)
        goto done;
    if (strcasecmp(h1, h2) != 0 || strcmp(p1, p2) != 0 || strcasecmp(s1, s2) != 0)
        goto done;
    char *full = NULL;
    if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
        out = fio_strdup(full);
        curl_free(full);
    }
done:
    curl_free(h1);
    curl_free(h2);
    curl_free(p1);
    curl_free(p2);
    curl_free(s1);
    curl_free(s2);
    curl_url_cleanup(base);
    curl_url_cleanup(u);
    free(relz);
    return out;
}

static int on_event(void *ud, const struct fio_sse_event *ev)
{
    struct mcp_stream *s = ud;
    struct fastio_mcp *m = s->m;
    if (s->kind == ST_LEGACY && strcmp(ev->type, "endpoint") == 0) {
        free(m->post_url);
        m->post_url = resolve_endpoint(m, ev->data, ev->data_len);
        return m->post_url != NULL ? 0 : 2;
    }
    if (strcmp(ev->type, "message") != 0)
        return 0; /* other event types carry no JSON-RPC */
    size_t i = 0;
    while (i < ev->data_len && (ev->data[i] == ' ' || ev->data[i] == '\t' || ev->data[i] == '\n'))
        i++;
    if (i == ev->data_len)
        return 0; /* an empty "priming" event: it only carries an id and a retry delay */
    if (!mcp_inbox_push_text(m, ev->data, ev->data_len))
        return json_array_size(m->inbox) >= MCP_INBOX_MAX ? 1 : 0; /* not JSON: skipped */
    return 0;
}

static size_t on_body(char *buf, size_t size, size_t nmemb, void *ud)
{
    struct mcp_stream *s = ud;
    size_t n = size * nmemb;
    if (s->status == 0)
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->status);
    if (s->status >= 200 && s->status < 300 && is_event_stream(s)) {
        int rc = fio_sse_feed(&s->sse, buf, n, on_event, s);
        if (rc != 0) {
            s->fail = rc;
            return 0; /* aborts the transfer */
        }
        return n;
    }
    if (s->status >= 300 && s->raw.len + n > 4096) {
        /* an error body: the first 4 KiB are enough for the message */
        size_t room = 4096 - s->raw.len;
        if (room > 0)
            (void)fio_buf_append(&s->raw, buf, room);
        return n;
    }
    if (!fio_buf_append(&s->raw, buf, n)) {
        s->fail = FIO_SSE_TOO_LARGE;
        return 0;
    }
    return n;
}

static struct mcp_stream *stream_new(struct fastio_mcp *m, enum stream_kind kind, const char *url,
                                     const char *body, const char *last_event_id)
{
    struct mcp_stream *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->m = m;
    s->kind = kind;
    fio_buf_init(&s->raw, m->cfg.max_message_bytes);
    fio_sse_init(&s->sse, m->cfg.max_message_bytes);
    s->h = curl_easy_init();
    bool ok = s->h != NULL;
    char line[MCP_ID_MAX + 64];
#define ADDH(...)                                                                                  \
    do {                                                                                           \
        snprintf(line, sizeof(line), __VA_ARGS__);                                                 \
        struct curl_slist *nl = curl_slist_append(s->hdrs, line);                                  \
        if (nl == NULL)                                                                            \
            ok = false;                                                                            \
        else                                                                                       \
            s->hdrs = nl;                                                                          \
    } while (0)
    if (ok) {
        if (kind == ST_POST) {
            ADDH("Accept: application/json, text/event-stream");
            ADDH("Content-Type: application/json");
        } else {
            ADDH("Accept: text/event-stream");
        }
        if (m->cfg.transport == FASTIO_MCP_HTTP) {
            if (m->session_id[0])
                ADDH("Mcp-Session-Id: %s", m->session_id);
            if (m->version[0])
                ADDH("MCP-Protocol-Version: %s", m->version);
        }
        if (last_event_id != NULL && last_event_id[0])
            ADDH("Last-Event-ID: %s", last_event_id);
    }
    if (ok && m->bearer != NULL) {
        /* the token can be long: its own allocation */
        size_t n = strlen(m->bearer) + 32;
        char *a = malloc(n);
        struct curl_slist *nl = NULL;
        if (a != NULL) {
            snprintf(a, n, "Authorization: Bearer %s", m->bearer);
            nl = curl_slist_append(s->hdrs, a);
            explicit_bzero(a, n);
            free(a);
        }
        if (nl == NULL)
            ok = false;
        else
            s->hdrs = nl;
    }
#undef ADDH
    if (ok && body != NULL)
        ok = (s->body = fio_strdup(body)) != NULL;
    if (ok) {
        CURL *h = s->h;
        ok = curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK;
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
        curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        curl_easy_setopt(h, CURLOPT_USERAGENT, "fastio-c/" FASTIO_VERSION " (mcp)");
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, m->cfg.connect_timeout_ms);
        /* verification always on, against the CA file when one is set (D-125) */
        ok = ok && fio_curl_tls_setup(h, m->ca_file) == CURLE_OK;
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->hdrs);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(h, CURLOPT_PRIVATE, s);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
        if (kind == ST_POST) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, s->body);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
        }
    }
    if (ok)
        ok = curl_multi_add_handle(m->multi, s->h) == CURLM_OK;
    if (!ok) {
        if (s->h != NULL)
            curl_easy_cleanup(s->h);
        curl_slist_free_all(s->hdrs);
        free(s->body);
        fio_buf_release(&s->raw);
        fio_sse_release(&s->sse);
        free(s);
        return NULL;
    }
    s->next = m->streams;
    m->streams = s;
    return s;
}

static void set_dead(struct fastio_mcp *m, enum fastio_status st, const char *msg)
{
    if (m->dead == FASTIO_OK) {
        m->dead = st;
        fio_strlcpy(m->dead_msg, msg, sizeof(m->dead_msg));
    }
}

/* An HTTP error answer as a status and a message that says what to do. */
static enum fastio_status http_failure(struct fastio_mcp *m, const struct mcp_stream *s,
                                       char *msg, size_t size)
{
    char detail[200] = "";
    if (s->raw.len > 0) {
        json_t *v = json_loadb(s->raw.data, s->raw.len, 0, NULL);
        const char *t = json_string_value(json_object_get(json_object_get(v, "error"), "message"));
        fio_message_sanitize(detail, sizeof(detail), t ? t : s->raw.data, t ? strlen(t) : s->raw.len);
        json_decref(v);
    }
    if (s->status == 401 || s->status == 403) {
        snprintf(msg, size,
                 "the MCP server refused the request (HTTP %ld%s%s): pass a valid Bearer token "
                 "(bearer_token / --token)%s%s",
                 s->status, detail[0] ? ": " : "", detail, s->www_auth[0] ? "; it asks for: " : "",
                 s->www_auth);
        return s->status == 401 ? FASTIO_AUTH : FASTIO_FORBIDDEN;
    }
    if (s->status == 404 && m->session_id[0]) {
        snprintf(msg, size, "the MCP server no longer knows session %.60s (HTTP 404): it expired "
                 "or was ended; connect again", m->session_id);
        return FASTIO_NOT_FOUND;
    }
    snprintf(msg, size, "the MCP server answered HTTP %ld%s%s (is %.200s an MCP endpoint?)",
             s->status, detail[0] ? ": " : "", detail, m->url);
    return s->status == 404 ? FASTIO_NOT_FOUND
           : s->status == 429 ? FASTIO_RATE_LIMITED
           : s->status >= 500 ? FASTIO_SERVER
                              : FASTIO_PROTOCOL;
}

static long retry_of(const struct fastio_mcp *m, const struct mcp_stream *s, long prev)
{
    if (s->sse.retry_ms >= 0)
        return s->sse.retry_ms;
    return prev >= 0 ? prev : m->cfg.default_retry_ms;
}

/* A finished transfer of the current request: answered, resumable, or failed. */
static void request_stream_done(struct fastio_mcp *m, struct mcp_stream *s)
{
    if (m->have_response)
        return;
    if (s->fail != 0) {
        m->req_fail = s->fail == FIO_SSE_NOMEM ? FASTIO_NOMEM : FASTIO_TOO_LARGE;
        snprintf(m->req_fail_msg, sizeof(m->req_fail_msg),
                 "an MCP message from the server is larger than the limit (%zu bytes; raise "
                 "max_message_bytes if it is expected)", m->cfg.max_message_bytes);
        return;
    }
    if (s->cres != CURLE_OK && s->status == 0) {
        m->req_fail = s->cres == CURLE_OPERATION_TIMEDOUT ? FASTIO_TIMEOUT : FASTIO_NETWORK;
        if (fio_curl_tls_verify_failed(s->cres))
            snprintf(m->req_fail_msg, sizeof(m->req_fail_msg),
                     FIO_TLS_VERIFY_MSG " for the MCP server at %.150s (%s%s%.120s)", m->url,
                     curl_easy_strerror(s->cres), s->errbuf[0] ? ": " : "", s->errbuf);
        else
            snprintf(m->req_fail_msg, sizeof(m->req_fail_msg),
                     "cannot reach the MCP server at %.200s: %s (check the URL and that the "
                     "server runs)", m->url, curl_easy_strerror(s->cres));
        return;
    }
    if (s->status < 200 || s->status >= 300) {
        m->req_fail_http = s->status;
        m->req_fail = http_failure(m, s, m->req_fail_msg, sizeof(m->req_fail_msg));
        return;
    }
    if (s->kind == ST_POST && !is_event_stream(s)) {
        if (s->raw.len > 0 && mcp_inbox_push_text(m, s->raw.data, s->raw.len)) {
            mcp_drain(m);
            if (m->have_response)
                return;
        }
        if (m->cfg.transport == FASTIO_MCP_SSE)
            return; /* legacy: the answer comes on the stream */
        m->req_fail = FASTIO_PROTOCOL;
        snprintf(m->req_fail_msg, sizeof(m->req_fail_msg),
                 "the MCP server answered the request with HTTP %ld but no JSON-RPC response "
                 "(content type \"%.60s\")", s->status, s->ctype);
        return;
    }
    /* an event stream ended before the response: resume it from its last event id */
    if (s->sse.last_id[0] == '\0') {
        m->req_fail = FASTIO_PROTOCOL;
        snprintf(m->req_fail_msg, sizeof(m->req_fail_msg),
                 "the MCP server's event stream ended before the response and gave no event id "
                 "to resume from");
        return;
    }
    if (m->resumes >= m->cfg.max_reconnects) {
        m->req_fail = FASTIO_NETWORK;
        snprintf(m->req_fail_msg, sizeof(m->req_fail_msg),
                 "the MCP server's event stream ended %d times before the response (max_reconnects)",
                 m->resumes + 1);
        return;
    }
    fio_strlcpy(m->resume_id, s->sse.last_id, sizeof(m->resume_id));
    m->resume_retry_ms = retry_of(m, s, m->resume_retry_ms);
    m->resume_at = fastio_now_ms() + m->resume_retry_ms;
    m->resumes++;
}

static void listen_done(struct fastio_mcp *m, struct mcp_stream *s)
{
    if (s->status == 405 || s->status == 404 || s->fail != 0 || ++m->listen_failures > 10) {
        m->listen_at = 0; /* the server offers no GET stream (405), or it keeps failing */
        return;
    }
    if (s->status >= 200 && s->status < 300)
        m->listen_failures = 0;
    if (s->sse.last_id[0])
        fio_strlcpy(m->listen_id, s->sse.last_id, sizeof(m->listen_id));
    m->listen_retry_ms = retry_of(m, s, m->listen_retry_ms);
    m->listen_at = fastio_now_ms() + m->listen_retry_ms;
}

static void handle_done(struct fastio_mcp *m, CURL *h, CURLcode res)
{
    struct mcp_stream *s = NULL;
    curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&s);
    if (s == NULL)
        return;
    s->done = true;
    s->cres = res;
    if (s->status == 0)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &s->status);
    fio_sse_end(&s->sse);
    if (s == m->req || s == m->resume) {
        request_stream_done(m, s);
        if (s == m->resume || (m->cfg.transport == FASTIO_MCP_HTTP && s == m->req))
            stream_free(m, s);
        return;
    }
    if (s == m->listen) {
        listen_done(m, s);
        stream_free(m, s);
        return;
    }
    if (s == m->legacy) {
        char msg[400];
        if (s->fail == 2)
            snprintf(msg, sizeof(msg), "the MCP server's endpoint event names a URL on another "
                     "host or port than %.200s; refused", m->url);
        else if (s->status >= 200 && s->status < 300)
            snprintf(msg, sizeof(msg), "the MCP server closed its SSE stream; connect again");
        else if (s->status == 0 && fio_curl_tls_verify_failed(res))
            snprintf(msg, sizeof(msg), FIO_TLS_VERIFY_MSG " for the MCP server at %.200s (%s)",
                     m->url, curl_easy_strerror(res));
        else if (s->status == 0)
            snprintf(msg, sizeof(msg), "cannot reach the MCP server at %.200s: %s", m->url,
                     curl_easy_strerror(res));
        else
            (void)http_failure(m, s, msg, sizeof(msg));
        set_dead(m, s->status >= 400 ? FASTIO_PROTOCOL : FASTIO_NETWORK, msg);
        if (s->status == 401)
            m->dead = FASTIO_AUTH;
        stream_free(m, s);
        return;
    }
    stream_free(m, s); /* a notification's or an answer's POST */
}

enum fastio_status mcp_http_step(struct fastio_mcp *m, int64_t wake_at, struct fastio_error *err)
{
    int64_t now = fastio_now_ms();
    if (m->resume_at != 0 && now >= m->resume_at && m->want_id > 0) {
        m->resume_at = 0;
        m->resume = stream_new(m, ST_GET, m->url, NULL, m->resume_id);
        if (m->resume == NULL)
            return mcp_fail(err, FASTIO_NOMEM, "out of memory");
        /* the resumed stream goes on numbering from where the last one stopped */
        fio_strlcpy(m->resume->sse.last_id, m->resume_id, sizeof(m->resume->sse.last_id));
        m->resume->sse.retry_ms = m->resume_retry_ms;
    }
    if (m->listen_at != 0 && now >= m->listen_at && m->listen == NULL) {
        m->listen_at = 0;
        m->listen = stream_new(m, ST_GET, m->url, NULL, m->listen_id);
    }
    int running = 0;
    if (curl_multi_perform(m->multi, &running) != CURLM_OK)
        return mcp_fail(err, FASTIO_NETWORK, "the HTTP transfer engine failed");
    mcp_drain(m);
    CURLMsg *msg;
    int left = 0;
    for (int guard = 0; guard < 1024 && (msg = curl_multi_info_read(m->multi, &left)) != NULL;
         guard++) {
        if (msg->msg == CURLMSG_DONE)
            handle_done(m, msg->easy_handle, msg->data.result);
    }
    mcp_drain(m);
    if (m->have_response || m->req_fail != FASTIO_OK || m->dead != FASTIO_OK)
        return FASTIO_OK;
    int64_t until = wake_at;
    if (m->resume_at != 0 && m->resume_at < until)
        until = m->resume_at;
    if (m->listen_at != 0 && m->listen_at < until)
        until = m->listen_at;
    now = fastio_now_ms();
    if (until > now) {
        int numfds = 0;
        long t = (long)(until - now);
        if (curl_multi_poll(m->multi, NULL, 0, t > 1000 ? 1000 : (int)t, &numfds) != CURLM_OK)
            return mcp_fail(err, FASTIO_NETWORK, "the HTTP transfer engine failed");
    }
    return FASTIO_OK;
}

enum fastio_status mcp_http_send(struct fastio_mcp *m, const char *text, bool is_request,
                                 struct fastio_error *err)
{
    const char *url = m->cfg.transport == FASTIO_MCP_SSE ? m->post_url : m->url;
    if (url == NULL)
        return mcp_fail(err, FASTIO_PROTOCOL, "the MCP server sent no endpoint to post to");
    struct mcp_stream *s = stream_new(m, ST_POST, url, text, NULL);
    if (s == NULL)
        return mcp_fail(err, FASTIO_NOMEM, "out of memory while starting an HTTP request");
    if (is_request)
        m->req = s;
    return FASTIO_OK;
}

void mcp_http_request_done(struct fastio_mcp *m)
{
    stream_free(m, m->req);
    stream_free(m, m->resume);
    m->resume_at = 0;
    m->resume_id[0] = '\0';
    m->resume_retry_ms = -1;
}

void mcp_http_start_listen(struct fastio_mcp *m)
{
    if (m->cfg.listen)
        m->listen_at = fastio_now_ms();
}

enum fastio_status mcp_http_open(struct fastio_mcp *m, struct fastio_error *err)
{
    m->resume_retry_ms = -1;
    m->listen_retry_ms = -1;
    m->multi = curl_multi_init();
    if (m->multi == NULL)
        return mcp_fail(err, FASTIO_NOMEM, "cannot create the HTTP transfer engine");
    if (m->cfg.transport != FASTIO_MCP_SSE)
        return FASTIO_OK;
    m->legacy = stream_new(m, ST_LEGACY, m->url, NULL, NULL);
    if (m->legacy == NULL)
        return mcp_fail(err, FASTIO_NOMEM, "out of memory");
    int64_t deadline = fastio_now_ms() + (m->cfg.connect_timeout_ms > 0 ? m->cfg.connect_timeout_ms
                                                                         : 10000);
    while (m->post_url == NULL) {
        if (m->dead != FASTIO_OK)
            return mcp_fail(err, m->dead, "%s", m->dead_msg);
        if (fastio_cancel_is_set(m->cfg.cancel))
            return mcp_fail(err, FASTIO_CANCELLED, "connecting to the MCP server was cancelled");
        if (fastio_now_ms() >= deadline)
            return mcp_fail(err, FASTIO_TIMEOUT,
                            "the SSE stream at %.200s sent no endpoint event in time (is it an "
                            "MCP SSE endpoint? Streamable HTTP servers need --transport http)",
                            m->url);
        enum fastio_status st = mcp_http_step(m, fastio_now_ms() + 100, err);
        if (st != FASTIO_OK)
            return st;
    }
    return FASTIO_OK;
}

void mcp_http_close(struct fastio_mcp *m)
{
    if (m->multi == NULL)
        return;
    /* let the last notifications (e.g. notifications/cancelled) leave: up to 1 s */
    int64_t end = fastio_now_ms() + 1000;
    for (int i = 0; i < 200 && fastio_now_ms() < end; i++) {
        bool pending = false;
        for (struct mcp_stream *s = m->streams; s != NULL; s = s->next)
            pending = pending || (s->kind == ST_POST && s != m->req);
        if (!pending)
            break;
        struct fastio_error e;
        m->want_id = 0;
        (void)mcp_http_step(m, fastio_now_ms() + 50, &e);
    }
    while (m->streams != NULL)
        stream_free(m, m->streams);
    if (m->cfg.transport == FASTIO_MCP_HTTP && m->session_id[0]) {
        /* end the session; a server that does not allow it answers 405, which is fine */
        struct mcp_stream *d = stream_new(m, ST_GET, m->url, NULL, NULL);
        if (d != NULL) {
            curl_multi_remove_handle(m->multi, d->h);
            curl_easy_setopt(d->h, CURLOPT_CUSTOMREQUEST, "DELETE");
            curl_easy_setopt(d->h, CURLOPT_TIMEOUT_MS, 2000L);
            (void)curl_easy_perform(d->h);
            curl_multi_add_handle(m->multi, d->h);
            stream_free(m, d);
        }
    }
    curl_multi_cleanup(m->multi);
    m->multi = NULL;
}
