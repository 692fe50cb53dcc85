/* SPDX-License-Identifier: MIT */
/* h_invite.c - invitations (api §3.1, §3.2, §3.5): creating one (with its mail), the per-entity
 * list / update / delete for managers, and the invitee's side: list, details, accept, decline,
 * accept all. Owns the invitations table. An invitation belongs to an email address; the
 * invitee is whoever is signed in with that address (compared case-insensitively), so an
 * address that signs up after being invited sees its invitations at once. */
#include "handlers.h"
#include "verify.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "member.h"
#include "orgws.h"
#include "outbox.h"
#include "roles.h"
#include "store_member.h"

/* The wire object of a store invitation row (store_member.h). */
static json_t *inv_render(const json_t *row)
{
    int64_t expires = (int64_t)row_int(row, "expires");
    /* an invitation made by naming a user id shows no address (D-081) */
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:{s:s, s:s}, s:o, s:o, "
                     "s:o, s:b}",
                     "id", row_str(row, "id"), "invitation_key", row_str(row, "id"),
                     "entity_type", row_str(row, "entity_type"), "entity_id",
                     row_str(row, "entity_id"), "org_id", row_str(row, "org_id"),
                     "workspace_id", row_str_or_null(row, "workspace_id"), "entity_name",
                     row_str(row, "entity_name"), "email",
                     row_int(row, "email_hidden") ? json_null()
                                                  : json_string(row_str(row, "email")),
                     "permissions", row_str(row, "role"), "state",
                     row_str(row, "state"), "inviter", "id",
                     row_str(row, "inviter_id"), "email",
                     row_str(row, "inviter_email"), "created",
                     row_time(row, "created"), "updated", row_time(row, "updated"),
                     "expires", srv_time_json(expires), "expired", expires < srv_now_us());
}

/* Render the result of a one-invitation store lookup: *out = the invitation, or NULL when
 * none matched (rc STORE_NOT_FOUND). row is consumed. */
static int inv_one(struct req *r, enum store_rc rc, json_t *row, json_t **out)
{
    *out = NULL;
    if (rc == STORE_NOT_FOUND)
        return 0;
    if (rc != STORE_OK)
        return req_fail_internal(r, "invitation query");
    *out = inv_render(row);
    json_decref(row);
    return *out ? 0 : req_fail(r, 500, 0, "Out of memory");
}

static int inv_by_id(struct req *r, const char *id, json_t **out)
{
    json_t *row = NULL;
    enum store_rc rc = STORE(r->st, member)->invite_get(r->st, id, &row);
    return inv_one(r, rc, row, out);
}

/* A page of invitation rows from the store (counted first), rendered under "invitations". */
static int inv_page(struct req *r, const struct orgws_page *pg, enum store_rc count_rc,
                    long long total, enum store_rc list_rc, json_t *rows)
{
    json_t *items = NULL;
    int ret;
    if (count_rc != STORE_OK)
        ret = req_fail_internal(r, "count invitations");
    else if (list_rc != STORE_OK)
        ret = req_fail_internal(r, "list invitations");
    else
        ret = rows_render(r, rows, inv_render, &items);
    json_decref(rows);
    return ret == 0 ? orgws_page_reply(r, "invitations", items, total, pg) : -1;
}

/* ---- creating -------------------------------------------------------------------------------- */

static int invite_mail(struct req *r, const json_t *inv, const char *email)
{
    const char *name = json_string_value(json_object_get(inv, "entity_name"));
    const char *type = json_string_value(json_object_get(inv, "entity_type"));
    const char *id = json_string_value(json_object_get(inv, "id"));
    const char *eid = json_string_value(json_object_get(inv, "entity_id"));
    const char *role = json_string_value(json_object_get(inv, "permissions"));
    const char *what = strcmp(type, "org") == 0 ? "organization" : "workspace";
    char subject[300];
    (void)snprintf(subject, sizeof(subject), "You are invited to the %s \"%s\"", what, name);
    struct fio_buf b;
    fio_buf_init(&b, 16384);
    bool ok = fio_buf_printf(
        &b,
        "Hello,\n\n%s invited %s to the %s \"%s\" as %s.\n\n"
        "Sign in (or sign up) with this email address, then accept with\n"
        "  POST /current/%s/%s/members/join/%s/accept/\n"
        "or accept every pending invitation with\n"
        "  POST /current/user/invitations/acceptall/\n\n"
        "Invitation key: %s\n"
        "The invitation expires %s.\n",
        r->caller.email, email, what, name, role, type, eid, id, id,
        json_string_value(json_object_get(inv, "expires")));
    int rc = ok ? outbox_write(r->srv, email, subject, b.data, NULL, 0) : -1;
    fio_buf_release(&b);
    return rc == 0 ? 0 : req_fail_internal(r, "invitation mail");
}

int invite_create(struct req *r, const struct ent *e, const char *email, enum role role,
                  bool email_hidden, json_t **out)
{
    *out = NULL;
    int64_t now = srv_now_us();
    char id[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_GENERAL, id))
        return req_fail_internal(r, "invitation id");
    /* One pending invitation per (entity, email): inviting again refreshes role and expiry. */
    struct store_invite_new in = {
        .id = id,
        .is_org = e->is_org,
        .entity_id = e->id,
        .org_id = e->org_id,
        .email = email,
        .role = role_name(role),
        .inviter_id = r->caller.user_id,
        .now = now,
        .expires = now + INVITATION_TTL_US,
        .email_hidden = email_hidden,
    };
    if (STORE(r->st, member)->invite_upsert(r->st, &in) != STORE_OK)
        return req_fail_internal(r, "insert invitation");
    json_t *inv, *row = NULL;
    enum store_rc rc = STORE(r->st, member)->invite_pending(r->st, e->id, email, &row);
    if (inv_one(r, rc, row, &inv) != 0)
        return -1;
    if (!inv)
        return req_fail_internal(r, "invitation vanished");
    struct event_spec ev = {"invitation", "invitations", "invitation_created", e->org_id,
                            e->is_org ? NULL : e->id, NULL,
                            json_string_value(json_object_get(inv, "id"))};
    /* made by user id: the event names no address either */
    json_t *data = email_hidden ? json_pack("{s:b, s:s}", "email_hidden", 1, "permissions",
                                            role_name(role))
                                : json_pack("{s:s, s:s}", "email", email, "permissions",
                                            role_name(role));
    if (events_add(r, &ev, data) != 0 || invite_mail(r, inv, email) != 0) {
        json_decref(inv);
        return -1;
    }
    *out = inv;
    return 0;
}

int invite_settle(struct req *r, const struct ent *e, const char *email, const char *user_id)
{
    return STORE(r->st, member)->invite_settle(r->st, e->id, email, user_id, srv_now_us()) ==
                   STORE_OK
               ? 0
               : req_fail_internal(r, "settle invitation");
}

/* ---- managers: list, update, delete ---------------------------------------------------------- */

/* api §3.5: GET /{entity}/{id}/members/invitations/list/[{state}/] */
static int invitations_list(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    const char *state = r->nargs > 1 ? req_arg(r, 1) : NULL;
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "accepted") != 0 &&
        strcmp(state, "declined") != 0)
        return req_fail_param(r, "state", "invalid",
                              "The state must be 'pending', 'accepted' or 'declined'");
    struct orgws_page pg;
    long long total = 0;
    json_t *rows = NULL;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    const struct store_member_ops *m = STORE(r->st, member);
    enum store_rc crc = m->invite_count_entity(r->st, e.id, state, &total);
    enum store_rc lrc =
        crc != STORE_OK ? crc
                        : m->invite_list_entity(r->st, e.id, state, pg.limit, pg.offset, &rows);
    return inv_page(r, &pg, crc, total, lrc, rows);
}

int h_org_invitations_list(struct req *r)
{
    return invitations_list(r);
}

int h_ws_invitations_list(struct req *r)
{
    return invitations_list(r);
}

/* The invitation of path argument 1, within the resolved entity (foreign ids: 404). */
static int entity_inv(struct req *r, const struct ent *e, json_t **out)
{
    json_t *row = NULL;
    enum store_rc rc = STORE(r->st, member)->invite_in_entity(r->st, req_arg(r, 1), e->id, &row);
    if (inv_one(r, rc, row, out) != 0)
        return -1;
    return *out ? 0 : req_fail(r, 404, API_ERR_NOT_FOUND, "Invitation not found");
}

/* api §3.5: POST /{entity}/{id}/members/invitation/{inv_id}/ form state, permissions. A manager
 * may withdraw (declined) or re-open (pending) an invitation and change its role; accepting is
 * the invitee's act. */
static int invitation_update(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    json_t *inv;
    if (entity_inv(r, &e, &inv) != 0)
        return -1;
    const char *id = json_string_value(json_object_get(inv, "id"));
    const char *state = req_param(r, "state"), *perm = req_param(r, "permissions");
    int ret = -1;
    if (!state && !perm) {
        ret = req_fail(r, 400, API_ERR_INVALID, "Nothing to update: send state or permissions");
        goto done;
    }
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "declined") != 0) {
        ret = req_fail_param(r, "state", "invalid",
                             "'state' must be 'pending' or 'declined' (only the invitee accepts)");
        goto done;
    }
    if (perm) {
        enum role want = role_parse(perm);
        if (want == ROLE_NONE || want == ROLE_OWNER || (e.is_org && want == ROLE_GUEST)) {
            ret = req_fail_param(r, "permissions", "invalid", "'permissions' is not a role here");
            goto done;
        }
        if (!roles_may_grant(e.role, want, e.is_org)) {
            ret = req_fail(r, 403, API_ERR_PERMISSION, "Your role cannot grant the role '%s'",
                           perm);
            goto done;
        }
    }
    if (strcmp(json_string_value(json_object_get(inv, "state")), "accepted") == 0) {
        ret = req_fail(r, 409, API_ERR_CONFLICT, "The invitation was already accepted");
        goto done;
    }
    int64_t now = srv_now_us();
    bool reopen = state && strcmp(state, "pending") == 0;
    enum store_rc rc = STORE(r->st, member)->invite_update(r->st, id, state, perm, now, reopen,
                                                           now + INVITATION_TTL_US);
    if (rc == STORE_EXISTS) {
        ret = req_fail(r, 409, API_ERR_CONFLICT,
                       "Another pending invitation exists for this email address");
        goto done;
    }
    if (rc != STORE_OK) {
        ret = req_fail_internal(r, "update invitation");
        goto done;
    }
    struct event_spec ev = {"invitation", "invitations", "invitation_updated", e.org_id,
                            e.is_org ? NULL : e.id, NULL, id};
    if (events_add(r, &ev, json_pack("{s:s?, s:s?}", "state", state, "permissions", perm)) != 0)
        goto done;
    json_t *now_inv;
    if (inv_by_id(r, id, &now_inv) == 0 && now_inv)
        ret = req_set(r, "invitation", now_inv);
    else if (!r->err.http)
        ret = req_fail_internal(r, "invitation reload");
done:
    json_decref(inv);
    return ret;
}

int h_org_invitation_update(struct req *r)
{
    return invitation_update(r);
}

int h_ws_invitation_update(struct req *r)
{
    return invitation_update(r);
}

static int invitation_delete(struct req *r)
{
    struct ent e;
    ent_from_req(r, &e);
    json_t *inv;
    if (entity_inv(r, &e, &inv) != 0)
        return -1;
    json_decref(inv);
    if (STORE(r->st, member)->invite_delete(r->st, req_arg(r, 1)) != STORE_OK)
        return req_fail_internal(r, "delete invitation");
    struct event_spec ev = {"invitation", "invitations", "invitation_deleted", e.org_id,
                            e.is_org ? NULL : e.id, NULL, req_arg(r, 1)};
    return events_add(r, &ev, NULL);
}

int h_org_invitation_delete(struct req *r)
{
    return invitation_delete(r);
}

int h_ws_invitation_delete(struct req *r)
{
    return invitation_delete(r);
}

/* ---- the invitee ----------------------------------------------------------------------------- */

/* Accept or decline the caller's pending invitation `id`. entity_type / entity_key (id, domain
 * or folder_name), when given, must name the invitation's entity. Anything that does not match
 * - unknown id, someone else's invitation, another entity - is the same 404. */
static int answer(struct req *r, const char *id, const char *entity_type, const char *entity_key,
                  bool accept, json_t **out)
{
    *out = NULL;
    json_t *inv, *row = NULL;
    enum store_rc rc = STORE(r->st, member)->invite_to_answer(r->st, id, r->caller.email,
                                                              entity_type, entity_key, &row);
    if (inv_one(r, rc, row, &inv) != 0)
        return -1;
    if (!inv)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Invitation not found");
    int ret = -1;
    if (json_is_true(json_object_get(inv, "expired"))) {
        ret = req_fail(r, 400, API_ERR_INVALID, "The invitation has expired; ask for a new one");
        goto done;
    }
    /* whoever signs up with an invited address must prove it before taking the invitation
     * (D-081); declining needs no proof */
    if (accept && verify_required(r, "accept invitations") != 0)
        goto done;
    struct ent e;
    memset(&e, 0, sizeof(e));
    e.is_org = strcmp(json_string_value(json_object_get(inv, "entity_type")), "org") == 0;
    fio_strlcpy(e.id, json_string_value(json_object_get(inv, "entity_id")), sizeof(e.id));
    fio_strlcpy(e.org_id, json_string_value(json_object_get(inv, "org_id")), sizeof(e.org_id));
    const char *perm = json_string_value(json_object_get(inv, "permissions"));
    if (STORE(r->st, member)->invite_answer(r->st, id, accept ? "accepted" : "declined",
                                            r->caller.user_id, srv_now_us()) != STORE_OK) {
        ret = req_fail_internal(r, "answer invitation");
        goto done;
    }
    struct event_spec ev = {"invitation", "invitations",
                            accept ? "invitation_accepted" : "invitation_declined", e.org_id,
                            e.is_org ? NULL : e.id, r->caller.user_id, id};
    if (events_add(r, &ev, json_pack("{s:s}", "permissions", perm)) != 0)
        goto done;
    if (accept &&
        (member_insert(r, &e, r->caller.user_id, role_parse(perm)) != 0 ||
         member_event(r, &e, e.is_org ? "added_member_to_org" : "added_member_to_workspace",
                      r->caller.user_id,
                      json_pack("{s:s, s:s}", "permissions", perm, "invitation", id)) != 0))
        goto done;
    if (inv_by_id(r, id, out) != 0)
        goto done;
    ret = *out ? 0 : req_fail_internal(r, "invitation reload");
done:
    json_decref(inv);
    return ret;
}

/* POST /workspace/{entity}/members/join/{inv}/accept|decline/ (api §3.5) and the org twin
 * /org/{entity}/members/join/{inv}/accept|decline/ (this server's; docs/decisions.md). */
static int answer_route(struct req *r, bool accept)
{
    const char *type = strncmp(r->path, "/org/", 5) == 0 ? "org" : "workspace";
    json_t *inv;
    if (answer(r, req_arg(r, 1), type, req_arg(r, 0), accept, &inv) != 0)
        return -1;
    return req_set(r, "invitation", inv);
}

int h_invitation_accept(struct req *r)
{
    return answer_route(r, true);
}

int h_invitation_decline(struct req *r)
{
    return answer_route(r, false);
}

/* api §3.1: GET /user/invitations/list/ - the caller's pending, unexpired invitations. */
int h_user_invitations_list(struct req *r)
{
    const char *key = req_param(r, "invitation_key");
    struct orgws_page pg;
    long long total = 0;
    json_t *rows = NULL;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    int64_t now = srv_now_us();
    const struct store_member_ops *m = STORE(r->st, member);
    enum store_rc crc = m->invite_count_invitee(r->st, r->caller.email, now, key, &total);
    enum store_rc lrc = crc != STORE_OK ? crc
                                        : m->invite_list_invitee(r->st, r->caller.email, now, key,
                                                                 pg.limit, pg.offset, &rows);
    return inv_page(r, &pg, crc, total, lrc, rows);
}

/* api §3.1: GET /user/invitation/{id}/details/ - only the invitee's own (any state). */
int h_user_invitation_details(struct req *r)
{
    json_t *inv, *row = NULL;
    enum store_rc rc =
        STORE(r->st, member)->invite_of_invitee(r->st, req_arg(r, 0), r->caller.email, &row);
    if (inv_one(r, rc, row, &inv) != 0)
        return -1;
    if (!inv)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Invitation not found");
    return req_set(r, "invitation", inv);
}

/* api §3.1: POST /user/invitations/acceptall/ [invitation_key] */
int h_user_invitations_acceptall(struct req *r)
{
    const char *key = req_param(r, "invitation_key");
    json_t *ids = NULL;
    if (STORE(r->st, member)->invite_pending_ids(r->st, r->caller.email, srv_now_us(), key,
                                                 &ids) != STORE_OK)
        return req_fail_internal(r, "invitations query");
    json_t *done = json_array();
    size_t i;
    json_t *v;
    int ret = done ? 0 : req_fail(r, 500, 0, "Out of memory");
    json_array_foreach(ids, i, v)
    {
        json_t *inv;
        if (ret != 0)
            break;
        /* An invitation of a closed org is skipped, not an error. */
        if (answer(r, json_string_value(v), NULL, NULL, true, &inv) != 0) {
            if (r->err.http == 404) {
                json_decref(r->err.params);
                memset(&r->err, 0, sizeof(r->err));
                continue;
            }
            ret = -1;
            break;
        }
        if (json_array_append_new(done, inv) != 0)
            ret = req_fail(r, 500, 0, "Out of memory");
    }
    json_decref(ids);
    if (ret != 0) {
        json_decref(done);
        return -1;
    }
    if (key && json_array_size(done) == 0) {
        json_decref(done);
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Invitation not found");
    }
    if (req_set(r, "accepted", json_integer((json_int_t)json_array_size(done))) != 0) {
        json_decref(done);
        return -1;
    }
    return req_set(r, "invitations", done);
}
