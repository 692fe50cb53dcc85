/* SPDX-License-Identifier: MIT */
/* jobreq.h - a request context for work a background job does outside any HTTP request (D-127):
 * the job's user as the caller, so the code of the request path (up_finalize, router_ws_enter,
 * events, activity keys) runs unchanged, and the activity keys a job publishes
 * ("{prefix}:{id}" on an entity: handlers/activity.h). */
#ifndef SRV_JOBREQ_H
#define SRV_JOBREQ_H

#include <stdbool.h>

#include "server.h"

/* r as a request of user_id on connection st (NULL = none), client_ip naming the job's kind in
 * logs ("url-import"). Released by jobs_req_end. */
void jobs_req_begin(struct req *r, struct server *s, struct store_conn *st, const char *user_id,
                    const char *client_ip);
/* Roll back a transaction left open on r's connection, publish (or drop) the activity keys
 * noted, free what r owns. */
void jobs_req_end(struct req *r, bool publish);
/* Note the activity key "{prefix}:{id}" on entity for r; out of memory drops the note (the
 * change stands) without failing a request that had not failed. */
void jobs_note(struct req *r, const char *entity, const char *prefix, const char *id);
/* Publish "{prefix}:{id}" on entity now (a change a worker committed). */
void jobs_publish(struct server *s, const char *user_id, const char *client_ip, const char *entity,
                  const char *prefix, const char *id);

#endif
