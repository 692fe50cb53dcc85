/* SPDX-License-Identifier: MIT */
/* guard.h - deadlines for slow clients that libmicrohttpd's idle timeout does not catch: the
 * request headers must arrive within a deadline (shorter while the server is near its connection
 * limit: the reserve), and a request body must keep making progress. A connection past its
 * deadline is shut down (shutdown(2)); libmicrohttpd then sees end-of-stream and closes it. */
#ifndef SRV_HTTP_GUARD_H
#define SRV_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn_guard;
struct conn_slot;

/* limit: connection slots (the daemon's connection limit); reserve: when fewer than this many
 * are free, headers get pressure_s instead of header_s. body_s: a body must bring
 * GUARD_BODY_STEP bytes (or end) within this many seconds. NULL on failure. */
struct conn_guard *guard_start(unsigned limit, unsigned reserve, long header_s, long pressure_s,
                               long body_s);
void guard_stop(struct conn_guard *g); /* NULL-safe; joins the reaper thread */

#define GUARD_BODY_STEP 4096

/* From libmicrohttpd's connection notifications: a slot for fd (NULL when none is free: the
 * connection is then not guarded), and its release. */
struct conn_slot *guard_open(struct conn_guard *g, int fd);
void guard_close(struct conn_slot *c);
/* The headers of a request are in: the body deadline starts. */
void guard_headers_done(struct conn_slot *c);
/* n more body bytes arrived. */
void guard_body(struct conn_slot *c, size_t n);
/* The request is being answered (no client deadline: the idle timeout covers the rest). */
void guard_answering(struct conn_slot *c);
/* The request finished; the connection may carry another one: its headers get a deadline. */
void guard_next_request(struct conn_slot *c);
/* The request line carried too many query arguments (set before libmicrohttpd parses them;
 * taken - read and cleared - by the access handler). */
void guard_flag_query(struct conn_slot *c);
bool guard_take_query_flag(struct conn_slot *c);
/* Connections cut so far (for logs and tests). */
uint64_t guard_cut_count(struct conn_guard *g);

#endif
