/* SPDX-License-Identifier: MIT */
/* store_event.h - the event area of the store (store.h): the audit log (api §9.4). Events are
 * appended in the caller's transaction and numbered by a sequence that orders them (newest
 * first in searches). Rows come back as JSON objects keyed by column: id, created (integer
 * microseconds), category, subcategory, event, org_id, workspace_id, user_id, calling_user_id,
 * object_id (strings or null), details (JSON text), acknowledged (0/1). */
#ifndef SRV_STORE_EVENT_H
#define SRV_STORE_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* A new event. subcategory and details are never NULL; the ids may be NULL (none). */
struct store_event_new {
    const char *id;
    int64_t created;
    const char *category, *subcategory, *event;
    const char *org_id, *workspace_id, *user_id, *calling_user_id, *object_id;
    const char *details; /* JSON object text */
};

/* A search: every non-NULL text field must match (user_id matches user_id or calling_user_id);
 * has_* select the optional flag and time bounds (inclusive). */
struct store_event_filter {
    const char *workspace_id, *org_id, *user_id, *event, *category, *subcategory, *calling_user_id,
        *object_id;
    bool has_ack, ack;
    bool has_min, has_max;
    int64_t min, max;
};

struct store_event_ops {
    enum store_rc (*insert)(struct store_conn *c, const struct store_event_new *e);
    /* Matching events: how many, and a page of rows, newest first (OWNED array). */
    enum store_rc (*count)(struct store_conn *c, const struct store_event_filter *f, long long *n);
    enum store_rc (*list)(struct store_conn *c, const struct store_event_filter *f, long long limit,
                          long long offset, json_t **rows);
    /* One event's row (OWNED); STORE_NOT_FOUND when there is none. */
    enum store_rc (*get)(struct store_conn *c, const char *id, json_t **row);
    enum store_rc (*ack)(struct store_conn *c, const char *id);
};

#endif
