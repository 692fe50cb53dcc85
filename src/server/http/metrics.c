/* SPDX-License-Identifier: MIT */
/* metrics.c - counters and the exposition text of GET /metrics (metrics.h, D-116). */
#include <stdatomic.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "guard.h"
#include "metrics.h"
#include "outbox.h"
#include "router.h"
#include "store_admin.h"
#include "store_backend.h"
#include "timeutil.h"

/* Upper bounds of the latency histogram, seconds (Prometheus' usual spread, up to a minute:
 * uploads of big chunks and zip downloads take long). */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                0.25,  0.5,    1,     2.5,  5,    10,   30, 60};
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))
/* Status classes: none (no answer was sent), 1xx .. 5xx. */
#define NCLASSES 6
static const char *const class_names[NCLASSES] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
/* Groups after the route rows. */
enum { G_UNMATCHED = 0, G_MCP, G_METRICS, NGROUPS };
static const char *const group_names[NGROUPS] = {"(unmatched)", "/mcp", "/metrics"};

struct series {
    _Atomic uint64_t count;
    _Atomic uint64_t sum_us;
    _Atomic uint64_t le[NBOUNDS]; /* non-cumulative: requests in (bounds[i-1], bounds[i]] */
};

struct metrics {
    const struct route *routes;
    size_t nroutes;
    struct series *s; /* [(nroutes + NGROUPS) * NCLASSES] */
    _Atomic uint64_t bytes_in, bytes_out, internal_errors;
};

struct metrics *metrics_new(void)
{
    struct metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->routes = router_table(&m->nroutes);
    m->s = calloc((m->nroutes + NGROUPS) * NCLASSES, sizeof(*m->s));
    if (!m->s) {
        free(m);
        return NULL;
    }
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    free(m->s);
    free(m);
}

void metrics_request(struct server *s, const struct req *r)
{
    struct metrics *m = s->metrics;
    if (!m)
        return;
    size_t row;
    if (r->mcp_kind != 0)
        row = m->nroutes + G_MCP;
    else if (r->route && r->route >= m->routes && r->route < m->routes + m->nroutes)
        row = (size_t)(r->route - m->routes);
    else if (r->path && strcmp(r->path, "/metrics") == 0)
        row = m->nroutes + G_METRICS;
    else
        row = m->nroutes + G_UNMATCHED;
    int st = r->http_status_sent;
    size_t cls = st >= 100 && st < 600 ? (size_t)(st / 100) : 0;
    struct series *se = &m->s[row * NCLASSES + cls];
    int64_t us = fio_mono_us() - r->start_us;
    if (us < 0)
        us = 0;
    atomic_fetch_add_explicit(&se->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&se->sum_us, (uint64_t)us, memory_order_relaxed);
    double sec = (double)us / 1e6;
    for (size_t i = 0; i < NBOUNDS; i++)
        if (sec <= bounds[i]) {
            atomic_fetch_add_explicit(&se->le[i], 1, memory_order_relaxed);
            break;
        }
    atomic_fetch_add_explicit(&m->bytes_out, (uint64_t)r->bytes_out, memory_order_relaxed);
}

void metrics_bytes_in(struct server *s, size_t n)
{
    if (s->metrics && n)
        atomic_fetch_add_explicit(&s->metrics->bytes_in, (uint64_t)n, memory_order_relaxed);
}

void metrics_internal_error(struct server *s)
{
    if (s && s->metrics)
        atomic_fetch_add_explicit(&s->metrics->internal_errors, 1, memory_order_relaxed);
}

bool metrics_allowed(const struct server *s, bool peer_loopback, bool forwarded)
{
    switch (s->cfg.metrics) {
    case SRV_METRICS_PUBLIC:
        return true;
    case SRV_METRICS_LOCAL:
        /* A proxy on the same host forwards remote clients from a loopback address: a
         * forwarded request is not local. */
        return peer_loopback && !forwarded;
    default:
        return false;
    }
}

static bool head(struct fio_buf *b, const char *name, const char *type, const char *help)
{
    return fio_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labels(const struct metrics *m, size_t row, size_t cls, char *out, size_t n)
{
    const char *method = "", *route;
    if (row < m->nroutes) {
        method = m->routes[row].method;
        route = m->routes[row].pattern;
    } else
        route = group_names[row - m->nroutes];
    /* Patterns and methods hold no '"', '\\' or newline (routes*.def): no escaping needed. */
    (void)snprintf(out, n, "method=\"%s\",route=\"%s\",code=\"%s\"", method, route,
                   class_names[cls]);
}

char *metrics_render(struct server *s)
{
    struct metrics *m = s->metrics;
    if (!m)
        return NULL;
    struct fio_buf b;
    fio_buf_init(&b, 64u * 1024 * 1024);
    bool ok = head(&b, "fastio_http_requests_total", "counter",
                   "Requests answered, by route and status class.");
    size_t rows = m->nroutes + NGROUPS;
    char lb[512];
    for (size_t row = 0; ok && row < rows; row++)
        for (size_t c = 0; ok && c < NCLASSES; c++) {
            uint64_t cnt = atomic_load_explicit(&m->s[row * NCLASSES + c].count,
                                                memory_order_relaxed);
            if (!cnt)
                continue;
            labels(m, row, c, lb, sizeof(lb));
            ok = fio_buf_printf(&b, "fastio_http_requests_total{%s} %llu\n", lb,
                                (unsigned long long)cnt);
        }
    ok = ok && head(&b, "fastio_http_request_duration_seconds", "histogram",
                    "Time from the request's first header to its end, by route and status "
                    "class.");
    for (size_t row = 0; ok && row < rows; row++)
        for (size_t c = 0; ok && c < NCLASSES; c++) {
            struct series *se = &m->s[row * NCLASSES + c];
            uint64_t cnt = atomic_load_explicit(&se->count, memory_order_relaxed);
            if (!cnt)
                continue;
            labels(m, row, c, lb, sizeof(lb));
            uint64_t cum = 0;
            for (size_t i = 0; ok && i < NBOUNDS; i++) {
                cum += atomic_load_explicit(&se->le[i], memory_order_relaxed);
                ok = fio_buf_printf(&b, "fastio_http_request_duration_seconds_bucket{%s,le=\"%g\"} "
                                        "%llu\n",
                                    lb, bounds[i], (unsigned long long)cum);
            }
            /* count is read once: +Inf and _count agree even while requests go on */
            if (cum > cnt)
                cnt = cum;
            ok = ok &&
                 fio_buf_printf(&b,
                                "fastio_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} "
                                "%llu\nfastio_http_request_duration_seconds_sum{%s} %.6f\n"
                                "fastio_http_request_duration_seconds_count{%s} %llu\n",
                                lb, (unsigned long long)cnt, lb,
                                (double)atomic_load_explicit(&se->sum_us, memory_order_relaxed) /
                                    1e6,
                                lb, (unsigned long long)cnt);
        }
    ok = ok && head(&b, "fastio_http_request_bytes_total", "counter",
                    "Request body bytes received.") &&
         fio_buf_printf(&b, "fastio_http_request_bytes_total %llu\n",
                        (unsigned long long)atomic_load(&m->bytes_in));
    ok = ok && head(&b, "fastio_http_response_bytes_total", "counter",
                    "Response body bytes sent (as queued; a download cut short counts whole).") &&
         fio_buf_printf(&b, "fastio_http_response_bytes_total %llu\n",
                        (unsigned long long)atomic_load(&m->bytes_out));
    ok = ok && head(&b, "fastio_internal_errors_total", "counter",
                    "Requests answered 500 for an internal failure (details in the log).") &&
         fio_buf_printf(&b, "fastio_internal_errors_total %llu\n",
                        (unsigned long long)atomic_load(&m->internal_errors));
    unsigned conns = 0;
    if (s->mhd) {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        conns = di ? di->num_connections : 0;
    }
    ok = ok && head(&b, "fastio_http_connections_open", "gauge", "Open client connections.") &&
         fio_buf_printf(&b, "fastio_http_connections_open %u\n", conns);
    ok = ok && head(&b, "fastio_http_connections_cut_total", "counter",
                    "Connections shut down past the header or body deadline (slow clients).") &&
         fio_buf_printf(&b, "fastio_http_connections_cut_total %llu\n",
                        (unsigned long long)srv_connections_cut(s));
    unsigned tls_held = 0;
    int64_t tls_na = srv_tls_not_after(s, &tls_held);
    if (tls_held) {
        ok = ok && head(&b, "fastio_tls_cert_not_after_seconds", "gauge",
                        "notAfter of the TLS certificate being served (Unix time; SIGHUP "
                        "reloads it).") &&
             fio_buf_printf(&b, "fastio_tls_cert_not_after_seconds %lld\n", (long long)tls_na);
        ok = ok && head(&b, "fastio_tls_certificates_held", "gauge",
                        "TLS certificate and key pairs in memory: the one served and replaced "
                        "ones that connections opened before a reload still hold.") &&
             fio_buf_printf(&b, "fastio_tls_certificates_held %u\n", tls_held);
    }
    /* Gauges from the store: one read transaction. */
    struct store_stats st;
    memset(&st, 0, sizeof(st));
    struct store_conn *c = store_acquire(s->store);
    bool store_ok = c && STORE(c, admin)->stats(c, srv_now_us(), &st) == STORE_OK;
    if (c)
        store_release(s->store, c);
    ok = ok && head(&b, "fastio_store_up", "gauge",
                    "1 when the gauges below could be read from the metadata store.") &&
         fio_buf_printf(&b, "fastio_store_up %d\n", store_ok ? 1 : 0);
    if (store_ok) {
        ok = ok && head(&b, "fastio_upload_sessions_open", "gauge",
                        "Upload sessions ready, uploading or assembling.") &&
             fio_buf_printf(&b, "fastio_upload_sessions_open %lld\n",
                            (long long)st.sessions_open);
        ok = ok && head(&b, "fastio_sweep_queue", "gauge",
                        "Expired upload sessions the sweep has not removed yet.") &&
             fio_buf_printf(&b, "fastio_sweep_queue %lld\n", (long long)st.sessions_expired);
        ok = ok && head(&b, "fastio_url_import_queue", "gauge",
                        "URL import jobs by state: pending (waiting for a worker) or running.") &&
             fio_buf_printf(&b,
                            "fastio_url_import_queue{state=\"pending\"} %lld\n"
                            "fastio_url_import_queue{state=\"running\"} %lld\n",
                            (long long)st.imports_pending, (long long)st.imports_running);
    }
    long ob = outbox_queue_length(s);
    if (ob >= 0)
        ok = ok && head(&b, "fastio_outbox_queue", "gauge",
                        "Mail waiting in DATA/outbox/ to be relayed (all mail without "
                        "--smtp-url).") &&
             fio_buf_printf(&b, "fastio_outbox_queue %ld\n", ob);
    ok = ok && head(&b, "fastio_uptime_seconds", "gauge", "Seconds since the server started.") &&
         fio_buf_printf(&b, "fastio_uptime_seconds %.3f\n",
                        (double)(fio_mono_us() - s->started_us) / 1e6);
    ok = ok && head(&b, "fastio_build_info", "gauge", "The server's version (always 1).") &&
         fio_buf_printf(&b, "fastio_build_info{version=\"0.1.0\"} 1\n");
    if (!ok) {
        fio_buf_release(&b);
        return NULL;
    }
    return fio_buf_steal(&b);
}
