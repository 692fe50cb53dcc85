/* h_invite.c - invitations (api §3.1, §3.2, §3.5): creating one (with its mail), the per-entity
 * list / update / delete for managers, and the invitee's side: list, details, accept, decline,
 * accept all. Owns the invitations table. An invitation belongs to an email address; the
 * invitee is whoever is signed in with that address (compared case-insensitively), so an
 * address that signs up after being invited sees its invitations at once. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "member.h"
#include "orgws.h"
#include "outbox.h"
#include "roles.h"

/* i.*, the entity's name, the inviter's email. */
#define INV_SELECT                                                                                 \
    "SELECT i.id, i.entity_type, i.entity_id, i.org_id, i.workspace_id, i.email, i.role, "         \
    "i.state, i.inviter_id, i.created, i.updated, i.expires, COALESCE(w.name, o.name), "           \
    "COALESCE(iu.email, '') FROM invitations i JOIN orgs o ON o.id = i.org_id AND o.closed = 0 "   \
    "LEFT JOIN workspaces w ON w.id = i.workspace_id LEFT JOIN users iu ON iu.id = i.inviter_id "

static json_t *inv_render(sqlite3_stmt *st)
{
    bool ws = sqlite3_column_type(st, 4) != SQLITE_NULL;
    int64_t expires = sqlite3_column_int64(st, 11);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:o, "
                     "s:o, s:b}",
                     "id", db_col_text(st, 0), "invitation_key", db_col_text(st, 0), "entity_type",
                     db_col_text(st, 1), "entity_id", db_col_text(st, 2), "org_id",
                     db_col_text(st, 3), "workspace_id",
                     ws ? json_string(db_col_text(st, 4)) : json_null(), "entity_name",
                     db_col_text(st, 12), "email", db_col_text(st, 5), "permissions",
                     db_col_text(st, 6), "state", db_col_text(st, 7), "inviter", "id",
                     db_col_text(st, 8), "email", db_col_text(st, 13), "created",
                     srv_time_json(sqlite3_column_int64(st, 9)), "updated",
                     srv_time_json(sqlite3_column_int64(st, 10)), "expires",
                     srv_time_json(expires), "expired", expires < srv_now_us());
}

static int inv_one(struct req *r, sqlite3_stmt *st, json_t **out)
{
    *out = NULL;
    if (!st)
        return req_fail_internal(r, "invitation query");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = inv_render(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW && !*out)
        return req_fail(r, 500, 0, "Out of memory");
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : req_fail_internal(r, "invitation step");
}

static int inv_by_id(struct req *r, const char *id, json_t **out)
{
    return inv_one(r, db_query(r->db, INV_SELECT "WHERE i.id = ?1", "t", id), out);
}

/* ---- creating -------------------------------------------------------------------------------- */

static int invite_mail(struct req *r, const json_t *inv)
{
    const char *name = json_string_value(json_object_get(inv, "entity_name"));
    const char *type = json_string_value(json_object_get(inv, "entity_type"));
    const char *id = json_string_value(json_object_get(inv, "id"));
    const char *eid = json_string_value(json_object_get(inv, "entity_id"));
    const char *role = json_string_value(json_object_get(inv, "permissions"));
    const char *email = json_string_value(json_object_get(inv, "email"));
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
                  json_t **out)
{
    *out = NULL;
    int64_t now = srv_now_us();
    char id[FIO_OPAQUE_ID_SIZE];
    if (!fio_opaque_id_new(FIO_ID_GENERAL, id))
        return req_fail_internal(r, "invitation id");
    /* One pending invitation per (entity, email): inviting again refreshes role and expiry. */
    int rc = db_exec(r->db,
                     "INSERT INTO invitations(id, entity_type, entity_id, org_id, workspace_id, "
                     "email, role, state, inviter_id, created, updated, expires) VALUES (?1, ?2, "
                     "?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?9, ?10) ON CONFLICT(entity_id, email) "
                     "WHERE state = 'pending' DO UPDATE SET role = excluded.role, inviter_id = "
                     "excluded.inviter_id, updated = excluded.updated, expires = excluded.expires",
                     "ttttttttii", id, e->is_org ? "org" : "workspace", e->id, e->org_id,
                     e->is_org ? NULL : e->id, email, role_name(role), r->caller.user_id, now,
                     now + INVITATION_TTL_US);
    if (rc != SQLITE_DONE)
        return req_fail_internal(r, "insert invitation");
    json_t *inv;
    if (inv_one(r,
                db_query(r->db, INV_SELECT "WHERE i.entity_id = ?1 AND i.email = ?2 AND i.state "
                                           "= 'pending'",
                         "tt", e->id, email),
                &inv) != 0)
        return -1;
    if (!inv)
        return req_fail_internal(r, "invitation vanished");
    struct event_spec ev = {"invitation", "invitations", "invitation_created", e->org_id,
                            e->is_org ? NULL : e->id, NULL,
                            json_string_value(json_object_get(inv, "id"))};
    if (events_add(r, &ev, json_pack("{s:s, s:s}", "email", email, "permissions",
                                     role_name(role))) != 0 ||
        invite_mail(r, inv) != 0) {
        json_decref(inv);
        return -1;
    }
    *out = inv;
    return 0;
}

int invite_settle(struct req *r, const struct ent *e, const char *email, const char *user_id)
{
    int rc = db_exec(r->db,
                     "UPDATE invitations SET state = 'accepted', user_id = ?3, updated = ?4 "
                     "WHERE entity_id = ?1 AND email = ?2 AND state = 'pending'",
                     "ttti", e->id, email, user_id, srv_now_us());
    return rc == SQLITE_DONE ? 0 : req_fail_internal(r, "settle invitation");
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
    long long total;
    json_t *items;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    if (orgws_count(r,
                    db_query(r->db,
                             "SELECT COUNT(*) FROM invitations WHERE entity_id = ?1 AND (?2 IS "
                             "NULL OR state = ?2)",
                             "tt", e.id, state),
                    &total) != 0)
        return -1;
    if (orgws_collect(r,
                      db_query(r->db,
                               INV_SELECT "WHERE i.entity_id = ?1 AND (?2 IS NULL OR i.state = "
                                          "?2) ORDER BY i.created DESC, i.id LIMIT ?3 OFFSET ?4",
                               "ttii", e.id, state, (int64_t)pg.limit, (int64_t)pg.offset),
                      inv_render, &items) != 0)
        return -1;
    return orgws_page_reply(r, "invitations", items, total, &pg);
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
    if (inv_one(r,
                db_query(r->db, INV_SELECT "WHERE i.id = ?1 AND i.entity_id = ?2", "tt",
                         req_arg(r, 1), e->id),
                out) != 0)
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
    int rc = db_exec(r->db,
                     "UPDATE invitations SET state = COALESCE(?2, state), role = COALESCE(?3, "
                     "role), updated = ?4, expires = CASE WHEN ?5 THEN ?6 ELSE expires END "
                     "WHERE id = ?1",
                     "tttidi", id, state, perm, now, reopen ? 1 : 0, now + INVITATION_TTL_US);
    if (orgws_rc_unique(rc)) {
        ret = req_fail(r, 409, API_ERR_CONFLICT,
                       "Another pending invitation exists for this email address");
        goto done;
    }
    if (rc != SQLITE_DONE) {
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
    if (db_exec(r->db, "DELETE FROM invitations WHERE id = ?1", "t", req_arg(r, 1)) != SQLITE_DONE)
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
    json_t *inv;
    if (inv_one(r,
                db_query(r->db,
                         INV_SELECT "WHERE i.id = ?1 AND i.email = ?2 AND i.state = 'pending' "
                                    "AND (?3 IS NULL OR (i.entity_type = ?3 AND (i.entity_id = "
                                    "?4 OR (i.entity_type = 'org' AND o.domain = ?4) OR "
                                    "w.folder_name = ?4)))",
                         "tttt", id, r->caller.email, entity_type, entity_key),
                &inv) != 0)
        return -1;
    if (!inv)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Invitation not found");
    int ret = -1;
    if (json_is_true(json_object_get(inv, "expired"))) {
        ret = req_fail(r, 400, API_ERR_INVALID, "The invitation has expired; ask for a new one");
        goto done;
    }
    struct ent e;
    memset(&e, 0, sizeof(e));
    e.is_org = strcmp(json_string_value(json_object_get(inv, "entity_type")), "org") == 0;
    fio_strlcpy(e.id, json_string_value(json_object_get(inv, "entity_id")), sizeof(e.id));
    fio_strlcpy(e.org_id, json_string_value(json_object_get(inv, "org_id")), sizeof(e.org_id));
    const char *perm = json_string_value(json_object_get(inv, "permissions"));
    if (db_exec(r->db,
                "UPDATE invitations SET state = ?2, user_id = ?3, updated = ?4 WHERE id = ?1",
                "ttti", id, accept ? "accepted" : "declined", r->caller.user_id,
                srv_now_us()) != SQLITE_DONE) {
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
    long long total;
    json_t *items;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    int64_t now = srv_now_us();
    if (orgws_count(r,
                    db_query(r->db,
                             "SELECT COUNT(*) FROM invitations i JOIN orgs o ON o.id = i.org_id "
                             "AND o.closed = 0 WHERE i.email = ?1 AND i.state = 'pending' AND "
                             "i.expires > ?2 AND (?3 IS NULL OR i.id = ?3)",
                             "tit", r->caller.email, now, key),
                    &total) != 0)
        return -1;
    if (orgws_collect(r,
                      db_query(r->db,
                               INV_SELECT "WHERE i.email = ?1 AND i.state = 'pending' AND "
                                          "i.expires > ?2 AND (?3 IS NULL OR i.id = ?3) ORDER BY "
                                          "i.created, i.id LIMIT ?4 OFFSET ?5",
                               "titii", r->caller.email, now, key, (int64_t)pg.limit,
                               (int64_t)pg.offset),
                      inv_render, &items) != 0)
        return -1;
    return orgws_page_reply(r, "invitations", items, total, &pg);
}

/* api §3.1: GET /user/invitation/{id}/details/ - only the invitee's own (any state). */
int h_user_invitation_details(struct req *r)
{
    json_t *inv;
    if (inv_one(r,
                db_query(r->db, INV_SELECT "WHERE i.id = ?1 AND i.email = ?2", "tt", req_arg(r, 0),
                         r->caller.email),
                &inv) != 0)
        return -1;
    if (!inv)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Invitation not found");
    return req_set(r, "invitation", inv);
}

/* api §3.1: POST /user/invitations/acceptall/ [invitation_key] */
int h_user_invitations_acceptall(struct req *r)
{
    const char *key = req_param(r, "invitation_key");
    sqlite3_stmt *st = db_query(r->db,
                                "SELECT id FROM invitations WHERE email = ?1 AND state = "
                                "'pending' AND expires > ?2 AND (?3 IS NULL OR id = ?3) "
                                "ORDER BY created, id LIMIT 500",
                                "tit", r->caller.email, srv_now_us(), key);
    if (!st)
        return req_fail_internal(r, "invitations query");
    json_t *ids = json_array();
    int rc;
    while (ids && (rc = sqlite3_step(st)) == SQLITE_ROW)
        if (json_array_append_new(ids, json_string(db_col_text(st, 0))) != 0) {
            json_decref(ids);
            ids = NULL;
        }
    sqlite3_reset(st);
    if (!ids)
        return req_fail(r, 500, 0, "Out of memory");
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
