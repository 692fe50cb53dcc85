/* SPDX-License-Identifier: MIT */
/* events.h - the audit log (api §9.4): a recording call for handlers, and the search, details
 * and ack endpoints (h_event_* in events.c). An event is written in the route's transaction, so
 * it exists exactly when the change it describes was committed.
 *
 * Who may read an event follows its scope columns: org_id -> the org's owner and admins;
 * workspace_id -> the workspace's members (member or above); user_id / calling_user_id -> that
 * user. */
#ifndef SRV_EVENTS_H
#define SRV_EVENTS_H

#include "server.h"

struct event_spec {
    const char *category;    /* api §9.4 categories: "org", "workspace", "invitation", ... */
    const char *subcategory; /* "members", "transfer", "storage", ... ("" = none) */
    const char *event;       /* "added_member_to_workspace", "org_transfer_completed", ... */
    const char *org_id;      /* NULL = none */
    const char *workspace_id;
    const char *user_id;     /* the user the event is about (NULL = none) */
    const char *object_id;   /* the node, invitation, token ... it is about (NULL = none) */
};

/* Record an event with an explicit scope; the calling user is r->caller. details: a JSON object
 * or NULL, STOLEN (also on failure). Must run inside the route's transaction (F_WRITE rows).
 * Returns 0, or -1 with a 500 set. */
int events_add(struct req *r, const struct event_spec *e, json_t *details);

/* The short form for handlers of a route with {ws} or {org}: the scope comes from r->ws (its id
 * and org) or else r->org. For storage hooks: events_record(r, "node", "storage",
 * "workspace_storage_file_added", node_id, json_pack("{s:s}", "name", name)). */
int events_record(struct req *r, const char *category, const char *subcategory, const char *event,
                  const char *object_id, json_t *details);

#endif
