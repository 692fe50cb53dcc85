/* SPDX-License-Identifier: MIT */
/* activity.h - the activity long-poll (api §9.5; docs/decisions.md "Activity"):
 * GET /activity/poll/{entity}/?wait=0-95&lastactivity=C answers {activity: [keys], lastactivity}.
 *
 * Keys ("storage", "storage:{node}", "members", "upload:{id}", ...) are noted on the request by
 * events_add (events.c) or activity_note, and published by the router only AFTER the route's
 * transaction committed (activity_publish; dropped on rollback by activity_discard), so a woken
 * poller always reads the change. Published keys go to an in-memory ring per entity (at most
 * ACTIVITY_RING keys, ACTIVITY_MAX_ENTITIES entities) stamped with a global sequence; the
 * cursor is that sequence as a decimal string. A cursor older than what the ring still holds
 * (eviction, or a server restart: sequences start at the start-up wall clock in microseconds)
 * gets the generic answer ["storage", "members"] at once.
 *
 * A poll with nothing new parks its connection with MHD_suspend_connection (no thread is held);
 * the publisher or one timer thread (at the `wait` deadline, monotonic clock) resumes it, and
 * libmicrohttpd calls the access handler again, which answers from memory (activity_resumed).
 * At most ACTIVITY_MAX_PARKED connections are parked (503 past it): below http.c's connection
 * limit (1000) so waiters can never starve other requests. activity_close resumes every parked
 * connection (and waits, bounded, for their answers) before MHD_stop_daemon. */
#ifndef SRV_ACTIVITY_H
#define SRV_ACTIVITY_H

#include <stdbool.h>

#include "server.h"

#define ACTIVITY_RING 256          /* keys remembered per entity */
#define ACTIVITY_MAX_ENTITIES 1024 /* entities remembered (least recently changed evicted) */
#define ACTIVITY_MAX_PARKED 750    /* parked connections; 503 past it */
#define ACTIVITY_KEY_MAX 80        /* bytes of a key, with its NUL */
#define ACTIVITY_PENDING_MAX 64    /* keys one request may publish (more: the generic keys stay) */
#define ACTIVITY_WAIT_MAX 95       /* seconds */

/* Start-up / shutdown (main.c, http.c). activity_init starts the timer thread; activity_close
 * refuses new parks, resumes every parked connection and waits (at most 2 s) until they have
 * been answered: call it before MHD_stop_daemon. activity_free joins the thread and frees. */
int activity_init(struct server *s);
void activity_close(struct server *s);
void activity_free(struct server *s);

/* Note a key for an entity (workspace, org or user id) on the request; published later. Keys
 * are deduplicated; past ACTIVITY_PENDING_MAX further keys are dropped. Returns 0 or -1 (OOM,
 * with a 500 set). */
int activity_note(struct req *r, const char *entity, const char *key);
/* Router: after a successful commit (or for a route without a router transaction, once the
 * handler returned) publish the noted keys and wake their waiters; on rollback discard them. */
void activity_publish(struct req *r);
/* Publish one key for an entity at once, outside any request (background workers: the indexer's
 * ai_state:{node}); the change it names must be committed already. */
void activity_emit(struct server *s, const char *entity, const char *key);
void activity_discard(struct req *r);

/* http.c, after the handler ran: true when the request asked to wait and its connection is now
 * suspended (return MHD_YES without a response); false to answer now. conn: the MHD
 * connection. */
bool activity_park(struct req *r, void *conn);
/* http.c: true when this request is a parked poll being called again after its resume; it then
 * sets the answer (r->out) so that the caller only sends the reply. */
bool activity_resumed(struct req *r);
/* req_free (http.c): unlink a still-parked waiter and publish keys nobody published (streaming
 * handlers that record after the router returned). Frees r->act. */
void activity_req_end(struct req *r);

/* For a waiter that is not a parked connection (an MCP tool call on its own thread, D-122):
 * the latest published sequence, and a bounded wait until a later one is published (any
 * entity), the server closes, or until_us (monotonic clock) passes. true when something was
 * published; the caller then asks its question again through the router (access checks). */
uint64_t activity_seq(struct server *s);
bool activity_wait_change(struct server *s, uint64_t seen, int64_t until_us);

/* One listener told of every published (entity, key), on the publishing thread while the hub's
 * lock is held: it must only queue work and take no lock that is ever held while calling into
 * the hub. NULL removes it; once that returns, no call is running. (MCP resource updates,
 * D-121.) */
typedef void (*activity_listener_fn)(void *ctx, const char *entity, const char *key);
void activity_set_listener(struct server *s, activity_listener_fn fn, void *ctx);

/* The route handler (routes_members.def). */
int h_activity_poll(struct req *r);

#endif
