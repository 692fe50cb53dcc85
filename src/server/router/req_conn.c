/* SPDX-License-Identifier: MIT */
/* req_conn.c - a request's database connection outside the router's dispatch (req_conn.h). */
#include "req_conn.h"

#include "store_backend.h"

bool req_conn_acquire(struct req *r)
{
    if (!r->st)
        r->st = store_acquire(r->srv->store);
    return r->st != NULL;
}

void req_conn_release(struct req *r)
{
    if (r->st_dispatch)
        return; /* inside the dispatch: the router's connection, which the router gives back */
    store_release(r->srv->store, r->st); /* rolls back an open transaction; NULL is fine */
    r->st = NULL;
}
