/* SPDX-License-Identifier: MIT */
/* member.h - what the member, invitation and transfer handlers (h_member.c, h_invite.c,
 * h_transfer.c) share: the org-or-workspace a route acts on, member lookups and rendering, and
 * the invitation writer used by "add member" for unknown emails. Orgs and workspaces have the
 * same member shape (api §3.2, §3.5); the store (store_member.h) picks their tables. */
#ifndef SRV_MEMBER_H
#define SRV_MEMBER_H

#include <stdbool.h>

#include "server.h"

struct ent {
    bool is_org;
    char id[FIO_PROFILE_ID_SIZE];     /* org id or workspace id */
    char org_id[FIO_PROFILE_ID_SIZE]; /* the org (== id for orgs) */
    enum role role;                   /* the caller's role in it */
};

#define INVITATION_TTL_US (14LL * 86400 * 1000000) /* invitations stay valid 14 days */

/* The entity resolved by the router: r->ws when set, else r->org. */
void ent_from_req(const struct req *r, struct ent *e);

/* The member `who` (user id or email) as an object (new reference) with its role and user id;
 * NULL when not a member (*role = ROLE_NONE) or on error (-1 returned, 500 set). */
int member_find(struct req *r, const struct ent *e, const char *who, json_t **out,
                enum role *role, char user_id[FIO_PROFILE_ID_SIZE]);

/* Insert user_id as a member with role; ON CONFLICT leaves an existing membership alone.
 * 0, or -1 with a 500 set. */
int member_insert(struct req *r, const struct ent *e, const char *user_id, enum role role);

/* Record a member event in e's scope about user_id. details stolen. */
int member_event(struct req *r, const struct ent *e, const char *event, const char *user_id,
                 json_t *details);

/* h_invite.c: create (or refresh) the pending invitation of email to e with role, write the
 * invitation mail to the outbox and record the event. email_hidden: made by naming a user id,
 * so the invitation and its event show no address (D-081). *out: the invitation (new
 * reference). */
int invite_create(struct req *r, const struct ent *e, const char *email, enum role role,
                  bool email_hidden, json_t **out);

/* h_invite.c: mark a pending invitation of email to e as accepted by user_id (an account
 * added directly while an invitation was pending). */
int invite_settle(struct req *r, const struct ent *e, const char *email, const char *user_id);

/* A plausible email address (one '@', no spaces, controls or header specials, <= 254 bytes). */
bool member_email_ok(const char *s);

#endif
