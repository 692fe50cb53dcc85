/* req_conn.c - a request's database connection outside the router's dispatch (req_conn.h). */
#include "req_conn.h"

#include "db.h"

bool req_conn_acquire(struct req *r)
{
    if (!r->db) {
        r->db = db_acquire(r->srv->db);
        r->st = r->db ? &r->db->base : NULL;
    }
    return r->db != NULL;
}

void req_conn_release(struct req *r)
{
    if (!r->db)
        return;
    db_release(r->srv->db, r->db); /* rolls back an open transaction */
    r->st = NULL;
    r->db = NULL;
}
