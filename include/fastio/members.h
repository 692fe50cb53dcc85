/* fastio/members.h - members, invitations, ownership transfer, the audit log and activity
 * long-poll (api §3.2, §3.3, §3.5, §9.4, §9.5; docs/decisions.md "Members, invitations,
 * transfer" and "Activity").
 *
 * Same conventions as fastio/fastio.h: functions return enum fastio_status and fill the optional
 * struct fastio_error; every json_t ** output is OWNED by the caller on success (json_decref)
 * and NULL on failure; output pointers may be NULL; input strings are borrowed for the call.
 *
 * Most calls exist for an org and for a workspace with the same shape; they take a
 * fastio_entity_kind and the entity's id (an org id or domain, a workspace id or folder_name).
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

enum fastio_entity_kind { FASTIO_ENTITY_ORG, FASTIO_ENTITY_WORKSPACE };

/* ---- members ---------------------------------------------------------------------------------
 * A member object: {id, email, first_name, last_name, account_type, permissions, status:
 * "active", created}; a pending invitee in lists: {id: null, email, permissions, status:
 * "pending", invite: {id, created, expires}}. */

/* GET /{org|workspace}/{id}/members/list/: *users is the array (members first, then pending
 * invitations). pg may be NULL. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_members_list(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                    const struct fastio_page *pg, json_t **users, struct fastio_error *err);

/* POST /{org|workspace}/{id}/members/{email_or_user_id}/ form permissions (NULL = "member").
 * An existing account becomes a member at once; an unknown email gets a pending invitation
 * (mailed). *member is the member object (status "active" or "pending"). Not resent after a
 * lost answer (it would mail twice). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_member_add(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                  const char *email_or_user_id, const char *permissions, json_t **member,
                  struct fastio_error *err);

/* DELETE /{org|workspace}/{id}/members/{member}/ (a pending invitee's email withdraws the
 * invitation). Owners cannot be removed (transfer ownership first). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_member_remove(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                     const char *member, struct fastio_error *err);

/* POST /{org|workspace}/{id}/member/{member}/update/ form permissions (required; not "owner"). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_member_update(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                     const char *member, const char *permissions, json_t **out,
                     struct fastio_error *err);

/* GET /{org|workspace}/{id}/member/{member}/details/ */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_member_details(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                      const char *member, json_t **out, struct fastio_error *err);

/* DELETE /{org|workspace}/{id}/member/: leave. The owner cannot leave (FORBIDDEN). */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_member_leave(struct fastio_client *c,
                                                                   enum fastio_entity_kind kind,
                                                                   const char *id,
                                                                   struct fastio_error *err);

/* POST /{org|workspace}/{id}/members/join/: self-join (workspaces: by perm_join, for members
 * of the workspace's org; orgs: FORBIDDEN on this server). Already a member: *member is the
 * existing membership. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_member_join(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                   json_t **member, struct fastio_error *err);

/* POST /{org|workspace}/{id}/member/{new_owner}/transfer_ownership/: the org form makes the
 * member owner of the org and all its workspaces (the previous owners become admins); the
 * workspace form moves one workspace. Owner only. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_transfer_ownership(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                          const char *new_owner, struct fastio_error *err);

/* ---- invitations -----------------------------------------------------------------------------
 * An invitation: {id, email, entity_type, entity_id, permissions, state, created, expires, ...};
 * its id is the invitation key used by accept/decline. */

/* GET /{org|workspace}/{id}/members/invitations/list/[{state}/]; state NULL = all, else
 * "pending" | "accepted" | "declined". Needs member-manage rights. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_invitations_list(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                        const char *state, json_t **invitations, struct fastio_error *err);

/* POST /{org|workspace}/{id}/members/invitation/{inv}/ form state ("pending" | "declined"),
 * permissions; at least one must be non-NULL. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_invitation_update(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                         const char *inv, const char *state, const char *permissions,
                         json_t **invitation, struct fastio_error *err);

/* DELETE /{org|workspace}/{id}/members/invitation/{inv}/ */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_invitation_delete(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                         const char *inv, struct fastio_error *err);

/* POST /{org|workspace}/{id}/members/join/{inv}/accept|decline/ by the invitee (the signed-in
 * account whose email the invitation names; anything else is NOT_FOUND). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_invitation_accept(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                         const char *inv, json_t **invitation, struct fastio_error *err);
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_invitation_decline(struct fastio_client *c, enum fastio_entity_kind kind, const char *id,
                          const char *inv, json_t **invitation, struct fastio_error *err);

/* GET /user/invitations/list/: the caller's invitations (all states). */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_user_invitations_list(struct fastio_client *c, json_t **invitations,
                             struct fastio_error *err);
/* POST /user/invitations/acceptall/: accept every pending invitation; *invitations lists the
 * accepted ones. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_user_invitations_acceptall(struct fastio_client *c, json_t **invitations,
                                  struct fastio_error *err);

/* ---- ownership transfer (agent -> human, api §3.3) ------------------------------------------ */

/* POST /org/{org}/transfer/token/create/ [form email]: by an agent account owning the org.
 * *token is {id, token, claim_url, created, expires, state}; the 64-character token is shown
 * only here. email (may be NULL) also mails the claim link. At most 5 active tokens per org
 * (CONFLICT). Not resent after a lost answer. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_transfer_token_create(struct fastio_client *c, const char *org, const char *email,
                             json_t **token, struct fastio_error *err);
/* GET /org/{org}/transfer/token/list/ (without the secret token strings). pg may be NULL. */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_transfer_token_list(struct fastio_client *c, const char *org, const struct fastio_page *pg,
                           json_t **tokens, struct fastio_error *err);
/* DELETE /org/{org}/transfer/token/{token_id}/ */
FASTIO_API FASTIO_NODISCARD enum fastio_status
fastio_transfer_token_delete(struct fastio_client *c, const char *org, const char *token_id,
                             struct fastio_error *err);
/* POST /org/transfer/claim/ form token, by a signed-in human account: the caller becomes owner
 * of the org and its workspaces, the previous owner(s) admin. *org is the org. */
FASTIO_API FASTIO_NODISCARD enum fastio_status fastio_transfer_claim(struct fastio_client *c,
                                                                     const char *token,
                                                                     json_t **org,
                                                                     struct fastio_error *err);

/* ---- events (api §9.4) ---------------------------------------------------------------------- */

/* Filters of /events/search/: at least one of workspace_id, org_id, user_id. NULL = no filter.
 * acknowledged: -1 any, 0 not acknowledged, 1 acknowledged. created_min/max:
 * "YYYY-MM-DD[ HH:MM:SS[ UTC]]". */
struct fastio_event_filter {
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

/* Sets every field to "no filter" (acknowledged = -1). */
FASTIO_API void fastio_event_filter_init(struct fastio_event_filter *f);

/* GET /events/search/: *events is the array, newest first; an event is {id, created, category,
 * subcategory, event, org_id, workspace_id, user_id, calling_user_id, object_id, details,
 * acknowledged}. *total (may be NULL) receives the number of matches (-1 when not reported).
 * pg may be NULL (limit 1-250, server default 100). */
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
