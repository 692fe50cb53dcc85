/* h_system.c - health endpoints (api §9.6): /ping/ and /system/status/, the latter also
 * reporting the database settings that durability depends on so tests can assert them. */
#include "handlers.h"

#include <string.h>

#include "timeutil.h"

int h_ping(struct req *r)
{
    return req_set(r, "ping", json_string("pong"));
}

int h_system_status(struct req *r)
{
    char jm[32], sync[32], fk[32], bt[32];
    db_pragma(r->db, "journal_mode", jm, sizeof(jm));
    db_pragma(r->db, "synchronous", sync, sizeof(sync));
    db_pragma(r->db, "foreign_keys", fk, sizeof(fk));
    db_pragma(r->db, "busy_timeout", bt, sizeof(bt));
    json_t *db = json_pack("{s:s, s:s, s:s, s:s, s:i}", "journal_mode", jm, "synchronous", sync,
                           "foreign_keys", fk, "busy_timeout", bt, "schema_version",
                           db_schema_version(r->srv->db));
    if (req_set(r, "status", json_string("ok")) || req_set(r, "version", json_string("0.1.0")))
        return -1;
    if (req_set(r, "uptime_s", json_integer((fio_mono_us() - r->srv->started_us) / 1000000)))
        return -1;
    return req_set(r, "database", db);
}
