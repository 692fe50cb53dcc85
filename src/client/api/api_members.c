/* SPDX-License-Identifier: MIT */
/* api_members.c - the typed calls of fastio/members.h that do more than forward a row: the
 * audit log search (a filter struct and the total), one event, and the activity long-poll
 * (its own deadline, the cursor handed back). Members, invitations and ownership transfer are
 * plain rows (endpoints_members.h): call them with fastio_call(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastio/members.h"

#include "abi.h"
#include "api.h"
#include "buf.h"
#include "client.h"
#include "envelope.h"

static enum fastio_status invalid(struct fastio_error *err, const char *msg)
{
    return fio_error_set(err, FASTIO_INVALID, msg);
}

static bool given(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* s, or NULL when it is empty: an empty filter is no filter. */
static const char *or_null(const char *s)
{
    return given(s) ? s : NULL;
}

/* ---- events -------------------------------------------------------------------------------- */

FIO_ABI_FIRST(fastio_event_filter);

FASTIO_API void fastio_event_filter_init_sized(struct fastio_event_filter *f, size_t size)
{
    struct fastio_event_filter d;
    memset(&d, 0, sizeof(d));
    d.acknowledged = -1;
    fio_abi_init(f, size, &d, sizeof(d));
}

FASTIO_API enum fastio_status fastio_events_search(struct fastio_client *c,
                                                   const struct fastio_event_filter *f,
                                                   const struct fastio_page *pg, json_t **events,
                                                   long *total, struct fastio_error *err)
{
    char lim[24], off[24];
    json_t *resp = NULL;
    if (events != NULL)
        *events = NULL;
    if (total != NULL)
        *total = -1;
    if (f == NULL)
        return invalid(err, "one of workspace_id, org_id or user_id is required");
    struct fastio_event_filter full; /* the caller's struct at this library's size (D-005) */
    fastio_event_filter_init(&full);
    if (FIO_ABI_READ(&full, f, "fastio_event_filter", err) != FASTIO_OK)
        return FASTIO_INVALID;
    f = &full;
    if (!given(f->workspace_id) && !given(f->org_id) && !given(f->user_id))
        return invalid(err, "one of workspace_id, org_id or user_id is required");
    /* the EVENTS_SEARCH row's order; share, parent event and visibility are not in the filter */
    const char *v[] = {or_null(f->workspace_id),
                       or_null(f->org_id),
                       or_null(f->user_id),
                       NULL,
                       NULL,
                       or_null(f->event),
                       or_null(f->category),
                       or_null(f->subcategory),
                       or_null(f->calling_user_id),
                       or_null(f->object_id),
                       NULL,
                       f->acknowledged < 0 ? NULL : f->acknowledged ? "true" : "false",
                       or_null(f->created_min),
                       or_null(f->created_max),
                       fio_page_limit(pg, lim),
                       fio_page_offset(pg, off)};
    enum fastio_status st = fio_row_call(c, FASTIO_EP_EVENTS_SEARCH, v, sizeof(v) / sizeof(v[0]),
                                         NULL, FIO_ROW_WHOLE, &resp, err);
    if (st == FASTIO_OK && total != NULL) {
        json_t *t = json_object_get(json_object_get(resp, "pagination"), "total");
        if (json_is_integer(t))
            *total = (long)json_integer_value(t);
    }
    if (st == FASTIO_OK && events != NULL)
        st = fio_api_take_array(resp, fastio_endpoint_get(FASTIO_EP_EVENTS_SEARCH)->result_key,
                                events, err);
    json_decref(resp);
    return st;
}

FASTIO_API enum fastio_status fastio_event_details(struct fastio_client *c, const char *id,
                                                   json_t **event, struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_EVENT_DETAILS, &id, 1, NULL, FIO_ROW_VALUE, event, err);
}

FASTIO_API enum fastio_status fastio_event_ack(struct fastio_client *c, const char *id,
                                               json_t **event, struct fastio_error *err)
{
    const char *v[] = {id, id}; /* api §9.4: the id in the path and again in the form */
    return fio_row_call(c, FASTIO_EP_EVENT_ACK, v, 2, NULL, FIO_ROW_VALUE, event, err);
}

/* ---- activity ------------------------------------------------------------------------------ */

FASTIO_API enum fastio_status fastio_wait_activity(struct fastio_client *c, const char *entity,
                                                   const char *lastactivity, int wait_s,
                                                   json_t **activity, char **next_lastactivity,
                                                   struct fastio_error *err)
{
    char wait_buf[16];
    json_t *resp = NULL;
    if (activity != NULL)
        *activity = NULL;
    if (next_lastactivity != NULL)
        *next_lastactivity = NULL;
    if (!given(entity))
        return invalid(err, "entity is required");
    if (wait_s < 0 || wait_s > FASTIO_ACTIVITY_WAIT_MAX)
        return invalid(err, "wait must be 0 to 95 seconds");
    int w = snprintf(wait_buf, sizeof(wait_buf), "%d", wait_s);
    (void)w; /* 0-95 fits */
    /* the whole wait plus a margin; the client's own timeout (default 120 s) may be shorter */
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.timeout_ms = (long)wait_s * 1000 + 30000;
    const char *v[] = {entity, or_null(lastactivity), wait_buf};
    enum fastio_status st =
        fio_row_call(c, FASTIO_EP_ACTIVITY_POLL, v, 3, &o, FIO_ROW_WHOLE, &resp, err);
    if (st != FASTIO_OK) {
        json_decref(resp);
        return st;
    }
    const char *next = json_string_value(json_object_get(resp, "lastactivity"));
    json_t *keys = json_object_get(resp, "activity");
    if (next == NULL || !json_is_array(keys)) {
        json_decref(resp);
        return fio_api_protocol(err, "activity response lacks \"activity\" or \"lastactivity\"");
    }
    if (next_lastactivity != NULL) {
        *next_lastactivity = fio_strdup(next);
        if (*next_lastactivity == NULL) {
            json_decref(resp);
            return fio_error_set(err, FASTIO_NOMEM, "out of memory");
        }
    }
    if (activity != NULL)
        *activity = json_incref(keys);
    json_decref(resp);
    return FASTIO_OK;
}
