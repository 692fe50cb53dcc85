/* SPDX-License-Identifier: MIT */
/* h_system.c - health endpoints (api §9.6): /ping/ and /system/status/, the latter also
 * reporting the database settings that durability depends on so tests can assert them. */
#include "handlers.h"

#include <string.h>

#include "store_backend.h"
#include "timeutil.h"

int h_ping(struct req *r)
{
    return req_set(r, "ping", json_string("pong"));
}

int h_system_status(struct req *r)
{
    json_t *db = NULL;
    if (store_health(r->srv->store, r->st, &db) != STORE_OK)
        return req_fail(r, 500, 0, "Out of memory");
    if (req_set(r, "status", json_string("ok")) || req_set(r, "version", json_string("0.1.0")))
        return -1;
    if (req_set(r, "uptime_s", json_integer((fio_mono_us() - r->srv->started_us) / 1000000)))
        return -1;
    return req_set(r, "database", db);
}
