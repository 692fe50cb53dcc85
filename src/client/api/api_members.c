/* api_members.c - the typed wrappers of fastio/members.h: org and workspace members,
 * invitations, ownership transfer, the audit log and the activity long-poll. Each is a thin
 * layer over one endpoint row (endpoints_members.h); an entity kind picks the org or the
 * workspace row of a pair. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastio/members.h"

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

static bool kind_ok(enum fastio_entity_kind kind)
{
    return kind == FASTIO_ENTITY_ORG || kind == FASTIO_ENTITY_WORKSPACE;
}

/* The org or the workspace row of a pair. */
static enum fastio_endpoint pick(enum fastio_entity_kind kind, enum fastio_endpoint org,
                                 enum fastio_endpoint ws)
{
    return kind == FASTIO_ENTITY_ORG ? org : ws;
}

static void add_page(struct fio_plist *l, const struct fastio_page *pg, char limit[24],
                     char offset[24])
{
    int w;
    if (pg == NULL)
        return;
    if (pg->limit > 0) {
        w = snprintf(limit, 24, "%ld", pg->limit);
        (void)w; /* a long always fits */
        fio_plist_add(l, "limit", limit);
    }
    if (pg->offset > 0) {
        w = snprintf(offset, 24, "%ld", pg->offset);
        (void)w;
        fio_plist_add(l, "offset", offset);
    }
}

/* Call a row whose result key holds an array; *out OWNED ([] when null/absent). */
static enum fastio_status call_array(struct fastio_client *c, enum fastio_endpoint ep,
                                     const char *const *args, size_t n_args,
                                     const struct fio_plist *pl, json_t **out, long *total,
                                     struct fastio_error *err)
{
    json_t *resp = NULL;
    if (out != NULL)
        *out = NULL;
    if (total != NULL)
        *total = -1;
    enum fastio_status st = fastio_call(c, ep, args, n_args, pl != NULL ? pl->p : NULL,
                                        pl != NULL ? pl->n : 0, &resp, err);
    if (st == FASTIO_OK && total != NULL) {
        json_t *t = json_object_get(json_object_get(resp, "pagination"), "total");
        if (json_is_integer(t))
            *total = (long)json_integer_value(t);
    }
    if (st == FASTIO_OK && out != NULL)
        st = fio_api_take_array(resp, fastio_endpoint_get(ep)->result_key, out, err);
    json_decref(resp);
    return st;
}

/* ---- members ------------------------------------------------------------------------------- */

FASTIO_API enum fastio_status fastio_members_list(struct fastio_client *c,
                                                  enum fastio_entity_kind kind, const char *id,
                                                  const struct fastio_page *pg, json_t **users,
                                                  struct fastio_error *err)
{
    struct fio_plist l = {0};
    char lim[24], off[24];
    if (users != NULL)
        *users = NULL;
    if (!kind_ok(kind) || !given(id))
        return invalid(err, "entity kind and id are required");
    add_page(&l, pg, lim, off);
    const char *args[1] = {id};
    return call_array(c, pick(kind, FASTIO_EP_ORG_MEMBERS_LIST, FASTIO_EP_WORKSPACE_MEMBERS_LIST),
                      args, 1, &l, users, NULL, err);
}

FASTIO_API enum fastio_status fastio_member_add(struct fastio_client *c,
                                                enum fastio_entity_kind kind, const char *id,
                                                const char *email_or_user_id,
                                                const char *permissions, json_t **member,
                                                struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (member != NULL)
        *member = NULL;
    if (!kind_ok(kind) || !given(id) || !given(email_or_user_id))
        return invalid(err, "entity, id and the email or user id to add are required");
    fio_plist_add(&l, "permissions", given(permissions) ? permissions : "member");
    const char *args[2] = {id, email_or_user_id};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_MEMBERS_ADD, FASTIO_EP_WORKSPACE_MEMBERS_ADD), args, 2, &l,
        member, err);
}

FASTIO_API enum fastio_status fastio_member_remove(struct fastio_client *c,
                                                   enum fastio_entity_kind kind, const char *id,
                                                   const char *member, struct fastio_error *err)
{
    if (!kind_ok(kind) || !given(id) || !given(member))
        return invalid(err, "entity, id and member are required");
    const char *args[2] = {id, member};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_MEMBERS_REMOVE, FASTIO_EP_WORKSPACE_MEMBERS_REMOVE), args, 2,
        NULL, NULL, err);
}

FASTIO_API enum fastio_status fastio_member_update(struct fastio_client *c,
                                                   enum fastio_entity_kind kind, const char *id,
                                                   const char *member, const char *permissions,
                                                   json_t **out, struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (out != NULL)
        *out = NULL;
    if (!kind_ok(kind) || !given(id) || !given(member) || !given(permissions))
        return invalid(err, "entity, id, member and permissions are required");
    if (strcmp(permissions, "owner") == 0)
        return invalid(err, "ownership moves only by transfer (fastio_transfer_ownership)");
    fio_plist_add(&l, "permissions", permissions);
    const char *args[2] = {id, member};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_MEMBER_UPDATE, FASTIO_EP_WORKSPACE_MEMBER_UPDATE), args, 2,
        &l, out, err);
}

FASTIO_API enum fastio_status fastio_member_details(struct fastio_client *c,
                                                    enum fastio_entity_kind kind, const char *id,
                                                    const char *member, json_t **out,
                                                    struct fastio_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (!kind_ok(kind) || !given(id) || !given(member))
        return invalid(err, "entity, id and member are required");
    const char *args[2] = {id, member};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_MEMBER_DETAILS, FASTIO_EP_WORKSPACE_MEMBER_DETAILS), args, 2,
        NULL, out, err);
}

FASTIO_API enum fastio_status fastio_member_leave(struct fastio_client *c,
                                                  enum fastio_entity_kind kind, const char *id,
                                                  struct fastio_error *err)
{
    if (!kind_ok(kind) || !given(id))
        return invalid(err, "entity kind and id are required");
    const char *args[1] = {id};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_MEMBER_LEAVE, FASTIO_EP_WORKSPACE_MEMBER_LEAVE), args, 1,
        NULL, NULL, err);
}

FASTIO_API enum fastio_status fastio_member_join(struct fastio_client *c,
                                                 enum fastio_entity_kind kind, const char *id,
                                                 json_t **member, struct fastio_error *err)
{
    if (member != NULL)
        *member = NULL;
    if (!kind_ok(kind) || !given(id))
        return invalid(err, "entity kind and id are required");
    const char *args[1] = {id};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_MEMBERS_JOIN, FASTIO_EP_WORKSPACE_MEMBERS_JOIN), args, 1,
        NULL, member, err);
}

FASTIO_API enum fastio_status fastio_transfer_ownership(struct fastio_client *c,
                                                        enum fastio_entity_kind kind,
                                                        const char *id, const char *new_owner,
                                                        struct fastio_error *err)
{
    if (!kind_ok(kind) || !given(id) || !given(new_owner))
        return invalid(err, "entity, id and the new owner are required");
    const char *args[2] = {id, new_owner};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_MEMBER_TRANSFER, FASTIO_EP_WORKSPACE_MEMBER_TRANSFER), args,
        2, NULL, NULL, err);
}

/* ---- invitations --------------------------------------------------------------------------- */

static bool state_ok(const char *s)
{
    return strcmp(s, "pending") == 0 || strcmp(s, "accepted") == 0 ||
           strcmp(s, "declined") == 0;
}

FASTIO_API enum fastio_status fastio_invitations_list(struct fastio_client *c,
                                                      enum fastio_entity_kind kind,
                                                      const char *id, const char *state,
                                                      json_t **invitations,
                                                      struct fastio_error *err)
{
    if (invitations != NULL)
        *invitations = NULL;
    if (!kind_ok(kind) || !given(id))
        return invalid(err, "entity kind and id are required");
    if (given(state)) {
        if (!state_ok(state))
            return invalid(err, "state must be pending, accepted or declined");
        const char *args[2] = {id, state};
        return call_array(c,
                          pick(kind, FASTIO_EP_ORG_INVITATIONS_LIST_STATE,
                               FASTIO_EP_WORKSPACE_INVITATIONS_LIST_STATE),
                          args, 2, NULL, invitations, NULL, err);
    }
    const char *args[1] = {id};
    return call_array(
        c, pick(kind, FASTIO_EP_ORG_INVITATIONS_LIST, FASTIO_EP_WORKSPACE_INVITATIONS_LIST), args,
        1, NULL, invitations, NULL, err);
}

FASTIO_API enum fastio_status
fastio_invitation_update(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                         const char *inv, const char *state, const char *permissions,
                         json_t **invitation, struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (invitation != NULL)
        *invitation = NULL;
    if (!kind_ok(kind) || !given(id) || !given(inv))
        return invalid(err, "entity, id and invitation are required");
    if (!given(state) && !given(permissions))
        return invalid(err, "nothing to update: give state or permissions");
    fio_plist_add(&l, "state", given(state) ? state : NULL);
    fio_plist_add(&l, "permissions", given(permissions) ? permissions : NULL);
    const char *args[2] = {id, inv};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_INVITATION_UPDATE, FASTIO_EP_WORKSPACE_INVITATION_UPDATE),
        args, 2, &l, invitation, err);
}

FASTIO_API enum fastio_status fastio_invitation_delete(struct fastio_client *c,
                                                       enum fastio_entity_kind kind,
                                                       const char *id, const char *inv,
                                                       struct fastio_error *err)
{
    if (!kind_ok(kind) || !given(id) || !given(inv))
        return invalid(err, "entity, id and invitation are required");
    const char *args[2] = {id, inv};
    return fio_api_call_take(
        c, pick(kind, FASTIO_EP_ORG_INVITATION_DELETE, FASTIO_EP_WORKSPACE_INVITATION_DELETE),
        args, 2, NULL, NULL, err);
}

static enum fastio_status answer(struct fastio_client *c, enum fastio_entity_kind kind,
                                 const char *id, const char *inv, bool accept, json_t **out,
                                 struct fastio_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (!kind_ok(kind) || !given(id) || !given(inv))
        return invalid(err, "entity, id and invitation are required");
    const char *args[2] = {id, inv};
    enum fastio_endpoint ep =
        accept ? pick(kind, FASTIO_EP_ORG_INVITATION_ACCEPT, FASTIO_EP_WORKSPACE_INVITATION_ACCEPT)
               : pick(kind, FASTIO_EP_ORG_INVITATION_DECLINE,
                      FASTIO_EP_WORKSPACE_INVITATION_DECLINE);
    return fio_api_call_take(c, ep, args, 2, NULL, out, err);
}

FASTIO_API enum fastio_status fastio_invitation_accept(struct fastio_client *c,
                                                       enum fastio_entity_kind kind,
                                                       const char *id, const char *inv,
                                                       json_t **invitation,
                                                       struct fastio_error *err)
{
    return answer(c, kind, id, inv, true, invitation, err);
}

FASTIO_API enum fastio_status fastio_invitation_decline(struct fastio_client *c,
                                                        enum fastio_entity_kind kind,
                                                        const char *id, const char *inv,
                                                        json_t **invitation,
                                                        struct fastio_error *err)
{
    return answer(c, kind, id, inv, false, invitation, err);
}

FASTIO_API enum fastio_status fastio_user_invitations_list(struct fastio_client *c,
                                                           json_t **invitations,
                                                           struct fastio_error *err)
{
    return call_array(c, FASTIO_EP_USER_INVITATIONS_LIST, NULL, 0, NULL, invitations, NULL, err);
}

FASTIO_API enum fastio_status fastio_user_invitations_acceptall(struct fastio_client *c,
                                                                json_t **invitations,
                                                                struct fastio_error *err)
{
    return call_array(c, FASTIO_EP_USER_INVITATIONS_ACCEPTALL, NULL, 0, NULL, invitations, NULL,
                      err);
}

/* ---- ownership transfer -------------------------------------------------------------------- */

FASTIO_API enum fastio_status fastio_transfer_token_create(struct fastio_client *c,
                                                           const char *org, const char *email,
                                                           json_t **token,
                                                           struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (token != NULL)
        *token = NULL;
    if (!given(org))
        return invalid(err, "org is required");
    fio_plist_add(&l, "email", given(email) ? email : NULL);
    const char *args[1] = {org};
    return fio_api_call_take(c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, args, 1, &l, token, err);
}

FASTIO_API enum fastio_status fastio_transfer_token_list(struct fastio_client *c, const char *org,
                                                         const struct fastio_page *pg,
                                                         json_t **tokens,
                                                         struct fastio_error *err)
{
    struct fio_plist l = {0};
    char lim[24], off[24];
    if (tokens != NULL)
        *tokens = NULL;
    if (!given(org))
        return invalid(err, "org is required");
    add_page(&l, pg, lim, off);
    const char *args[1] = {org};
    return call_array(c, FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, args, 1, &l, tokens, NULL, err);
}

FASTIO_API enum fastio_status fastio_transfer_token_delete(struct fastio_client *c,
                                                           const char *org, const char *token_id,
                                                           struct fastio_error *err)
{
    if (!given(org) || !given(token_id))
        return invalid(err, "org and token id are required");
    const char *args[2] = {org, token_id};
    return fio_api_call_take(c, FASTIO_EP_ORG_TRANSFER_TOKEN_DELETE, args, 2, NULL, NULL, err);
}

FASTIO_API enum fastio_status fastio_transfer_claim(struct fastio_client *c, const char *token,
                                                    json_t **org, struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (org != NULL)
        *org = NULL;
    if (!given(token))
        return invalid(err, "token is required");
    fio_plist_add(&l, "token", token);
    return fio_api_call_take(c, FASTIO_EP_ORG_TRANSFER_CLAIM, NULL, 0, &l, org, err);
}

/* ---- events -------------------------------------------------------------------------------- */

FASTIO_API void fastio_event_filter_init(struct fastio_event_filter *f)
{
    if (f == NULL)
        return;
    memset(f, 0, sizeof(*f));
    f->acknowledged = -1;
}

FASTIO_API enum fastio_status fastio_events_search(struct fastio_client *c,
                                                   const struct fastio_event_filter *f,
                                                   const struct fastio_page *pg, json_t **events,
                                                   long *total, struct fastio_error *err)
{
    struct fastio_param p[16];
    size_t n = 0;
    char lim[24], off[24];
    if (events != NULL)
        *events = NULL;
    if (total != NULL)
        *total = -1;
    if (f == NULL || (!given(f->workspace_id) && !given(f->org_id) && !given(f->user_id)))
        return invalid(err, "one of workspace_id, org_id or user_id is required");
    const struct fastio_param all[] = {
        {"workspace_id", f->workspace_id},
        {"org_id", f->org_id},
        {"user_id", f->user_id},
        {"event", f->event},
        {"category", f->category},
        {"subcategory", f->subcategory},
        {"calling_user_id", f->calling_user_id},
        {"object_id", f->object_id},
        {"acknowledged", f->acknowledged < 0 ? NULL : f->acknowledged ? "true" : "false"},
        {"created-min", f->created_min},
        {"created-max", f->created_max},
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (given(all[i].value))
            p[n++] = all[i];
    if (pg != NULL && pg->limit > 0) {
        int w = snprintf(lim, sizeof(lim), "%ld", pg->limit);
        (void)w;
        p[n++] = (struct fastio_param){"limit", lim};
    }
    if (pg != NULL && pg->offset > 0) {
        int w = snprintf(off, sizeof(off), "%ld", pg->offset);
        (void)w;
        p[n++] = (struct fastio_param){"offset", off};
    }
    /* the plist of api.h holds 12; events take up to 13, so the array is built here */
    json_t *resp = NULL;
    enum fastio_status st = fastio_call(c, FASTIO_EP_EVENTS_SEARCH, NULL, 0, p, n, &resp, err);
    if (st == FASTIO_OK && total != NULL) {
        json_t *t = json_object_get(json_object_get(resp, "pagination"), "total");
        if (json_is_integer(t))
            *total = (long)json_integer_value(t);
    }
    if (st == FASTIO_OK && events != NULL)
        st = fio_api_take_array(resp, "events", events, err);
    json_decref(resp);
    return st;
}

static enum fastio_status event_call(struct fastio_client *c, enum fastio_endpoint ep,
                                     const char *id, bool form_id, json_t **event,
                                     struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (event != NULL)
        *event = NULL;
    if (!given(id))
        return invalid(err, "event id is required");
    if (form_id)
        fio_plist_add(&l, "event_id", id); /* api §9.4: ack also sends it in the form */
    const char *args[1] = {id};
    return fio_api_call_take(c, ep, args, 1, &l, event, err);
}

FASTIO_API enum fastio_status fastio_event_details(struct fastio_client *c, const char *id,
                                                   json_t **event, struct fastio_error *err)
{
    return event_call(c, FASTIO_EP_EVENT_DETAILS, id, false, event, err);
}

FASTIO_API enum fastio_status fastio_event_ack(struct fastio_client *c, const char *id,
                                               json_t **event, struct fastio_error *err)
{
    return event_call(c, FASTIO_EP_EVENT_ACK, id, true, event, err);
}

/* ---- activity ------------------------------------------------------------------------------ */

FASTIO_API enum fastio_status fastio_wait_activity(struct fastio_client *c, const char *entity,
                                                   const char *lastactivity, int wait_s,
                                                   json_t **activity, char **next_lastactivity,
                                                   struct fastio_error *err)
{
    struct fio_plist l = {0};
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
    fio_plist_add(&l, "wait", wait_buf);
    fio_plist_add(&l, "lastactivity", given(lastactivity) ? lastactivity : NULL);
    /* the whole wait plus a margin; the client's own timeout (default 120 s) may be shorter */
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.timeout_ms = (long)wait_s * 1000 + 30000;
    const char *args[1] = {entity};
    enum fastio_status st = fastio_call_ex(c, FASTIO_EP_ACTIVITY_POLL, args, 1, l.p, l.n, &o,
                                           &resp, err);
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
