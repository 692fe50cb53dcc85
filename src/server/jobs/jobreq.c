/* SPDX-License-Identifier: MIT */
/* jobreq.c - request contexts and activity keys of background jobs (jobreq.h; D-127). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "jobreq.h"
#include "store_backend.h"

void jobs_req_begin(struct req *r, struct server *s, struct store_conn *st, const char *user_id,
                    const char *client_ip)
{
    memset(r, 0, sizeof(*r));
    r->srv = s;
    r->st = st;
    r->method = "POST";
    r->content_length = -1;
    r->status_ok = 200;
    fio_strlcpy(r->client_ip, client_ip, sizeof(r->client_ip));
    r->caller.authed = true;
    fio_strlcpy(r->caller.user_id, user_id, sizeof(r->caller.user_id));
}

void jobs_req_end(struct req *r, bool publish)
{
    if (r->st && r->st->ops->in_txn(r->st))
        store_rollback(r->st);
    if (publish)
        activity_publish(r);
    else
        activity_discard(r);
    activity_req_end(r);
    json_decref(r->out);
    json_decref(r->err.params);
    free(r->reclaim);
    r->out = NULL;
    r->err.params = NULL;
    r->reclaim = NULL;
}

void jobs_note(struct req *r, const char *entity, const char *prefix, const char *id)
{
    char key[ACTIVITY_KEY_MAX];
    int w = snprintf(key, sizeof(key), "%s:%s", prefix, id);
    if (w < 0 || (size_t)w >= sizeof(key))
        return;
    bool had_error = r->err.http != 0;
    if (activity_note(r, entity, key) != 0 && !had_error) {
        r->err.http = 0; /* out of memory: the note is dropped, the change stands */
        r->err.code = 0;
        r->err.text[0] = 0;
    }
}

void jobs_publish(struct server *s, const char *user_id, const char *client_ip, const char *entity,
                  const char *prefix, const char *id)
{
    struct req r;
    jobs_req_begin(&r, s, NULL, user_id, client_ip);
    jobs_note(&r, entity, prefix, id);
    jobs_req_end(&r, true);
}
