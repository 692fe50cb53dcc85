/* SPDX-License-Identifier: MIT */
/* store_member.h - the member area of the store (store.h): memberships of orgs and workspaces,
 * invitations, and ownership transfer (transfer tokens, moving the owner role). Orgs and
 * workspaces have the same member shape; is_org selects the table pair. Rows that are only
 * rendered come back as JSON objects keyed by column (times as integer microseconds, absent
 * values as null); the handler shapes the wire object.
 *
 * Member row: id (user id), email, first_name, last_name, account_type, role, created.
 * Member list row: status ("active" | "pending"), then the member row's keys (id null and names
 * "" for a pending invitation), invite_id and expires (null for members).
 * Invitation row: id, entity_type ("org" | "workspace"), entity_id, org_id, workspace_id (or
 * null), email, role, state, inviter_id, created, updated, expires, entity_name (the workspace's
 * or org's name), inviter_email ("" when unknown). Invitations of closed orgs are never
 * returned. Transfer token row: id, created, expires, claimed_by, claimed_at, email (or null),
 * creator_id. */
#ifndef SRV_STORE_MEMBER_H
#define SRV_STORE_MEMBER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "id.h"
#include "store.h"

/* A new (or refreshed) pending invitation of email to an entity. */
struct store_invite_new {
    const char *id;
    bool is_org;
    const char *entity_id, *org_id; /* org_id == entity_id for orgs */
    const char *email, *role, *inviter_id;
    int64_t now, expires;
    bool email_hidden; /* made by user id: the address is not shown (D-081) */
};

/* The open, unclaimed transfer token of a hash. */
struct store_transfer_claim {
    char id[FIO_OPAQUE_ID_SIZE];
    char org_id[FIO_PROFILE_ID_SIZE];
    char owner_id[FIO_PROFILE_ID_SIZE]; /* the org's current owner */
};

struct store_member_ops {
    /* ---- memberships ---- */
    /* The member of the entity whose user id or email is who, as a member row (OWNED).
     * STORE_NOT_FOUND when who is not a member. */
    enum store_rc (*find)(struct store_conn *c, bool is_org, const char *entity_id, const char *who,
                          json_t **row);
    /* Add user_id with role; an existing membership is left as it is. */
    enum store_rc (*add)(struct store_conn *c, bool is_org, const char *entity_id,
                         const char *user_id, const char *role, int64_t now);
    enum store_rc (*remove)(struct store_conn *c, bool is_org, const char *entity_id,
                            const char *user_id);
    enum store_rc (*set_role)(struct store_conn *c, bool is_org, const char *entity_id,
                              const char *user_id, const char *role);
    /* Members plus pending invitations: how many, and a page of member list rows (members
     * first, by join time, then invitations by creation time). */
    enum store_rc (*count_with_invites)(struct store_conn *c, bool is_org, const char *entity_id,
                                        long long *n);
    enum store_rc (*list_with_invites)(struct store_conn *c, bool is_org, const char *entity_id,
                                       long long limit, long long offset, json_t **rows);

    /* ---- invitations ---- */
    /* Insert a pending invitation, or refresh role, inviter and expiry of the pending one of
     * (entity, email). */
    enum store_rc (*invite_upsert)(struct store_conn *c, const struct store_invite_new *i);
    /* One invitation row (OWNED), STORE_NOT_FOUND when none matches: by id; the pending one of
     * (entity, email); by id within an entity; by id for its invitee (email); by id for an
     * invitee's answer (pending, and, when entity_type is not NULL, of that type and entity
     * named by id, org domain or workspace folder_name). */
    enum store_rc (*invite_get)(struct store_conn *c, const char *id, json_t **row);
    enum store_rc (*invite_pending)(struct store_conn *c, const char *entity_id, const char *email,
                                    json_t **row);
    enum store_rc (*invite_in_entity)(struct store_conn *c, const char *id, const char *entity_id,
                                      json_t **row);
    enum store_rc (*invite_of_invitee)(struct store_conn *c, const char *id, const char *email,
                                       json_t **row);
    enum store_rc (*invite_to_answer)(struct store_conn *c, const char *id, const char *email,
                                      const char *entity_type, const char *entity_key,
                                      json_t **row);
    /* The id of the pending invitation of (entity, email), any org state; STORE_NOT_FOUND. */
    enum store_rc (*invite_pending_id)(struct store_conn *c, const char *entity_id,
                                       const char *email, char id[FIO_OPAQUE_ID_SIZE]);
    /* Mark the pending invitation of (entity, email) accepted by user_id (none: no change). */
    enum store_rc (*invite_settle)(struct store_conn *c, const char *entity_id, const char *email,
                                   const char *user_id, int64_t now);
    /* An entity's invitations (state NULL = any): count and a page, newest first. */
    enum store_rc (*invite_count_entity)(struct store_conn *c, const char *entity_id,
                                         const char *state, long long *n);
    enum store_rc (*invite_list_entity)(struct store_conn *c, const char *entity_id,
                                        const char *state, long long limit, long long offset,
                                        json_t **rows);
    /* A manager's change: state and role when not NULL; reopen also sets expires.
     * STORE_EXISTS: another pending invitation of the same email exists. */
    enum store_rc (*invite_update)(struct store_conn *c, const char *id, const char *state,
                                   const char *role, int64_t now, bool reopen, int64_t expires);
    enum store_rc (*invite_delete)(struct store_conn *c, const char *id);
    /* The invitee's answer: state "accepted" | "declined", by user_id. */
    enum store_rc (*invite_answer)(struct store_conn *c, const char *id, const char *state,
                                   const char *user_id, int64_t now);
    /* An invitee's pending invitations not expired at now (key: only that id, when not NULL):
     * count and a page (oldest first); and the ids alone (at most 500, OWNED array). */
    enum store_rc (*invite_count_invitee)(struct store_conn *c, const char *email, int64_t now,
                                          const char *key, long long *n);
    enum store_rc (*invite_list_invitee)(struct store_conn *c, const char *email, int64_t now,
                                         const char *key, long long limit, long long offset,
                                         json_t **rows);
    enum store_rc (*invite_pending_ids)(struct store_conn *c, const char *email, int64_t now,
                                        const char *key, json_t **ids);

    /* ---- ownership transfer ---- */
    /* Make to the owner of the org and of every workspace in it; previous owners become
     * admins. */
    enum store_rc (*org_transfer)(struct store_conn *c, const char *org_id, const char *to,
                                  int64_t now);
    /* Make to the owner of the workspace; the previous owner becomes admin. */
    enum store_rc (*ws_transfer)(struct store_conn *c, const char *ws_id, const char *to);
    /* Tokens of an org: active (unclaimed, not expired at now) count, all count, a page (newest
     * first), count of one id, insert, delete. */
    enum store_rc (*token_count_active)(struct store_conn *c, const char *org_id, int64_t now,
                                        long long *n);
    enum store_rc (*token_count)(struct store_conn *c, const char *org_id, long long *n);
    enum store_rc (*token_list)(struct store_conn *c, const char *org_id, long long limit,
                                long long offset, json_t **rows);
    enum store_rc (*token_exists)(struct store_conn *c, const char *id, const char *org_id,
                                  bool *exists);
    enum store_rc (*token_insert)(struct store_conn *c, const char *id, const char *org_id,
                                  const char *token_hash, const char *creator_id, const char *email,
                                  int64_t now, int64_t expires);
    enum store_rc (*token_delete)(struct store_conn *c, const char *id, const char *org_id);
    /* The unclaimed token of token_hash, unexpired at now, of an open org. STORE_NOT_FOUND. */
    enum store_rc (*token_find)(struct store_conn *c, const char *token_hash, int64_t now,
                                struct store_transfer_claim *out);
    /* Mark the token claimed by user_id and delete the org's other unclaimed tokens. */
    enum store_rc (*token_spend)(struct store_conn *c, const char *id, const char *org_id,
                                 const char *user_id, int64_t now);
    /* The org's id, domain, name and owner_id as an object (OWNED). */
    enum store_rc (*org_brief)(struct store_conn *c, const char *org_id, json_t **row);
};

#endif
