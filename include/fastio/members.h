/* SPDX-License-Identifier: MIT */
/* fastio/members.h - members, invitations, ownership transfer, the audit log and activity
 * long-poll (api §3.2, §3.3, §3.5, §9.4, §9.5; docs/decisions.md "Members, invitations,
 * transfer" and "Activity").
 *
 * Same conventions as fastio/fastio.h: functions return enum fastio_status and fill the optional
 * struct fastio_error; every json_t ** output is OWNED by the caller on success (json_decref)
 * and NULL on failure; output pointers may be NULL; input strings are borrowed for the call.
 *
 * Roles are the contract's words: "owner", "admin", "member" (orgs and workspaces) and "guest"
 * (workspaces only). Typical statuses besides transport failures: FORBIDDEN (your role, or the
 * entity's perm_member_manage / perm_join, does not allow it), NOT_FOUND (no such member or
 * invitation, or an entity you cannot see), CONFLICT (already a member; more than 5 transfer
 * tokens), INVALID (a bad role word or missing argument, checked before any request). */
#ifndef FASTIO_MEMBERS_H
#define FASTIO_MEMBERS_H

#include "fastio/fastio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- members, invitations, ownership transfer (api §3.2, §3.3, §3.5) -------------------------
 * These are plain rows of fastio/endpoints_members.h, called with fastio_call() (the result
 * value is fastio_result(response, row)); their parameters, in row order, are listed by
 * fastio_endpoint_get(row)->param_info. Each org row has a workspace twin: ORG_MEMBERS_ADD and
 * WORKSPACE_MEMBERS_ADD, and so on. A member object: {id, email, first_name, last_name,
 * account_type, permissions, status: "active", created}; a pending invitee in the member lists:
 * {id: null, email, permissions, status: "pending", invite: {id, created, expires}}. Adding a
 * member and minting a transfer token are not resent after a lost answer (UNSAFE rows). */

/* ---- events (api §9.4) ---------------------------------------------------------------------- */

/* Filters of /events/search/: at least one of workspace_id, org_id, user_id. NULL = no filter.
 * acknowledged: -1 any, 0 not acknowledged, 1 acknowledged. created_min/max:
 * "YYYY-MM-DD[ HH:MM:SS[ UTC]]". */
struct fastio_event_filter {
    size_t struct_size; /* set by fastio_event_filter_init(); ABI rule in fastio/fastio.h */
    const char *workspace_id;
    const char *org_id;
    const char *user_id;
    const char *event;
    const char *category;
    const char *subcategory;
    const char *calling_user_id;
    const char *object_id;
    int acknowledged;
    const char *created_min;
    const char *created_max;
};

/* Fill the first size bytes of f with the defaults; use fastio_event_filter_init(). */
FASTIO_API void fastio_event_filter_init_sized(struct fastio_event_filter *f, size_t size);
/* Sets every field to "no filter" (acknowledged = -1), struct_size = sizeof. Call it first. */
static inline void fastio_event_filter_init(struct fastio_event_filter *f)
{
    fastio_event_filter_init_sized(f, sizeof(*f));
}

/* GET /events/search/: *events is the array, newest first; an event is {id, created, category,
 * subcategory, event, org_id, workspace_id, user_id, calling_user_id, object_id, details,
 * acknowledged}. *total (may be NULL) receives the number of matches (-1 when not reported).
 * pg may be NULL (limit 1-250, server default 100). f must be set up by
 * fastio_event_filter_init() (else INVALID). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_events_search(struct fastio_client *c, const struct fastio_event_filter *f,
                     const struct fastio_page *pg, json_t **events, long *total,
                     struct fastio_error *err);
/* GET /event/{id}/details/ (NOT_FOUND for an event you may not read). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_event_details(struct fastio_client *c,
                                                                    const char *id,
                                                                    json_t **event,
                                                                    struct fastio_error *err);
/* POST /event/{id}/ack/: mark it acknowledged; *event is the updated event. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_event_ack(struct fastio_client *c,
                                                                const char *id, json_t **event,
                                                                struct fastio_error *err);

/* ---- activity long-poll (api §9.5) -----------------------------------------------------------
 * GET /activity/poll/{entity}/?wait=&lastactivity=. entity: a workspace or org id, or the
 * caller's user id (upload sessions). The server answers as soon as something changed after
 * lastactivity, otherwise after wait seconds, with {activity: ["storage", "storage:{node}",
 * "members", "upload:{id}", ...], lastactivity: "<opaque cursor>"}. */

#define FASTIO_ACTIVITY_WAIT_MAX 95 /* seconds (api §9.5) */

/* One long-poll. lastactivity: the cursor of the previous answer, or NULL/"" for "now" (the
 * first call then only fetches a cursor: it returns at once with an empty activity list).
 * wait_s: 0-95 (0 = answer at once). On OK, *activity (OWNED, may be NULL) is the array of
 * activity keys (empty when the wait ran out) and *next_lastactivity (OWNED, fastio_free; may
 * be NULL) the cursor to pass next time. The call's timeout is raised to cover the wait. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_wait_activity(struct fastio_client *c, const char *entity, const char *lastactivity,
                     int wait_s, json_t **activity, char **next_lastactivity,
                     struct fastio_error *err);

#ifdef __cplusplus
}
#endif

#endif
