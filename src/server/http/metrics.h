/* SPDX-License-Identifier: MIT */
/* metrics.h - Prometheus metrics of fastio-server (GET /metrics, text exposition format 0.0.4;
 * docs/server.md "Metrics", D-116): requests and their latency by route and status class, bytes
 * in and out, internal errors, and gauges read at scrape time (open upload sessions, the queues
 * of the outbox, URL import and the expiry sweep, open connections). Counters are atomics: a
 * request costs a few relaxed increments. */
#ifndef SRV_HTTP_METRICS_H
#define SRV_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

struct metrics;

struct metrics *metrics_new(void); /* NULL on OOM */
void metrics_free(struct metrics *m);

/* A request ended (http.c on_completed): its route (r->route, or the MCP / metrics / unmatched
 * groups), status, duration and bytes sent. */
void metrics_request(struct server *s, const struct req *r);
/* n body bytes arrived. */
void metrics_bytes_in(struct server *s, size_t n);
/* A 500 from req_fail_internal. */
void metrics_internal_error(struct server *s);

/* Whether GET /metrics may be answered to this request under --metrics (peer = the socket's
 * address; forwarded = the request carries X-Forwarded-For, Forwarded or X-Real-IP). */
bool metrics_allowed(const struct server *s, bool peer_loopback, bool forwarded);
/* The exposition text (owned, free()); NULL on OOM. */
char *metrics_render(struct server *s);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
