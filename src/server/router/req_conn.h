/* req_conn.h - a request's database connection outside the router's dispatch: streamed upload
 * bodies (routes flagged F_STREAM) run their work after the dispatch has given its connection
 * back, and take one for themselves here. */
#ifndef SRV_REQ_CONN_H
#define SRV_REQ_CONN_H

#include <stdbool.h>

#include "server.h"

/* Give r a connection of the server's pool unless it has one: r->st, and r->db (the same
 * connection, while struct req still carries it). Blocks while all are busy. true when r has
 * a connection. */
bool req_conn_acquire(struct req *r);
/* Roll back an open transaction and give r's connection back. No-op without one. */
void req_conn_release(struct req *r);

#endif
