/* SPDX-License-Identifier: MIT */
/* req_conn.h - a request's database connection outside the router's dispatch: streamed upload
 * bodies (routes flagged F_STREAM) run their work after the dispatch has given its connection
 * back, and take one for themselves here. */
#ifndef SRV_REQ_CONN_H
#define SRV_REQ_CONN_H

#include <stdbool.h>

#include "server.h"

/* Give r a connection of the server's pool (r->st) unless it has one. Blocks while all are
 * busy. true when r has a connection. */
bool req_conn_acquire(struct req *r);
/* Roll back an open transaction and give r's connection back. No-op without one, and for the
 * connection of a running dispatch (the router gives that one back itself). */
void req_conn_release(struct req *r);

#endif
