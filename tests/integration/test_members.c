/* SPDX-License-Identifier: MIT */
/* test_members.c - members, invitations, ownership transfer and events against a real server
 * (api §3.2, §3.3, §3.5, §9.4; issue 5): the seed scenario end to end (agent provisions, invites
 * a human by email, hands the org over and keeps admin), a role matrix over every new endpoint,
 * and an outsider who holds copied ids of another tenant. The member lifecycle, the .eml format
 * and domain self-join are in test_members_lifecycle.c; the shared fixtures in it_members.h. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "harness.h"
#include "it_members.h"

/* ---- the seed scenario ------------------------------------------------------------------------ */

static void test_seed_scenario(void **state)
{
    (void)state;
    struct account agent, human;
    account_new(&agent, "agent", true);
    char org[32], domain[64], ws1[32], ws2[32];
    create_org(&agent, "seed", org, domain);
    create_ws(&agent, org, ws1);
    create_ws(&agent, org, ws2);

    /* The human has no account yet: inviting the email makes a pending invitation and a mail. */
    char human_email[128];
    snprintf(human_email, sizeof(human_email), "human.%d@example.test", (int)getpid());
    json_t *m = NULL;
    CALL_OK(agent.c, FASTIO_EP_ORG_MEMBERS_ADD, org, human_email, "permissions", "member", NULL,
            NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "pending");
    json_decref(m);
    char *mail = outbox_find(human_email, "invited");
    assert_non_null(mail);
    assert_non_null(strstr(mail, "Subject: You are invited to the organization"));
    assert_non_null(strstr(mail, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(mail, "Message-ID: <"));
    assert_non_null(strstr(mail, "\r\nDate: "));
    free(mail);

    /* The list shows the pending invitee. */
    json_t *users = NULL;
    CALL_OK(agent.c, FASTIO_EP_ORG_MEMBERS_LIST, org, NULL, NULL, NULL, NULL, NULL, &users);
    assert_int_equal(json_array_size(users), 2);
    json_decref(users);

    /* The human signs up with that address and sees the invitation. */
    struct fastio_client *anon = it_client(&fx.srv, NULL);
    struct fastio_signup su = {human_email, "correct horse battery", "Hu", "Man", false};
    struct fastio_error err;
    assert_int_equal(fastio_user_signup(anon, &su, NULL, &err), FASTIO_OK);
    char *tok = NULL;
    assert_int_equal(fastio_user_signin(anon, human_email, "correct horse battery", &tok, NULL,
                                        &err),
                     FASTIO_OK);
    fastio_client_free(anon);
    snprintf(human.email, sizeof(human.email), "%s", human_email);
    snprintf(human.token, sizeof(human.token), "%s", tok);
    fastio_free(tok);
    human.c = it_client(&fx.srv, human.token);
    json_t *me = NULL;
    assert_int_equal(fastio_user_me(human.c, &me, &err), FASTIO_OK);
    snprintf(human.id, sizeof(human.id), "%s", json_string_value(json_object_get(me, "id")));
    json_decref(me);

    json_t *invs = NULL;
    CALL_OK(human.c, FASTIO_EP_USER_INVITATIONS_LIST, NULL, NULL, NULL, NULL, NULL, NULL, &invs);
    assert_int_equal(json_array_size(invs), 1);
    char inv_id[64];
    snprintf(inv_id, sizeof(inv_id), "%s",
             json_string_value(json_object_get(json_array_get(invs, 0), "id")));
    json_decref(invs);
    json_t *inv = NULL;
    /* Signing up with the invited address is not enough: the address must be proven first
     * (D-081), with the code the sign-up mailed to it. */
    assert_int_equal(call(human.c, FASTIO_EP_ORG_INVITATION_ACCEPT, org, inv_id, NULL, NULL, NULL,
                          NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 10587);
    assert_true(it_verify_email(&fx.srv, human.token, human_email));
    CALL_OK(human.c, FASTIO_EP_ORG_INVITATION_ACCEPT, org, inv_id, NULL, NULL, NULL, NULL, &inv);
    assert_string_equal(json_string_value(json_object_get(inv, "state")), "accepted");
    json_decref(inv);
    char role[32];
    role_of(&agent, FASTIO_EP_ORG_MEMBER_DETAILS, org, human.id, role, sizeof(role));
    assert_string_equal(role, "member");

    /* Only agents mint tokens; the human (a member) cannot reach the route at all. */
    assert_int_equal(call(human.c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, org, NULL, NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    json_t *t = NULL;
    CALL_OK(agent.c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, org, NULL, "email", human_email, NULL,
            NULL, &t);
    const char *token = json_string_value(json_object_get(t, "token"));
    assert_int_equal(strlen(token), 64);
    /* The claim mail carries the token. */
    mail = outbox_find(human_email, "Claim ownership");
    assert_non_null(mail);
    assert_non_null(strstr(mail, "Subject: Claim ownership"));
    assert_non_null(strstr(mail, token));
    free(mail);
    /* Only the hash is stored. */
    assert_int_equal(it_db(&fx.srv, "SELECT COUNT(*) FROM transfer_tokens WHERE token_hash = ?1",
                           token, (const char *)NULL),
                     0);
    json_t *tl = NULL;
    CALL_OK(agent.c, FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, org, NULL, NULL, NULL, NULL, NULL, &tl);
    assert_int_equal(json_array_size(tl), 1);
    char *tl_text = json_dumps(tl, 0);
    assert_null(strstr(tl_text, token));
    free(tl_text);
    json_decref(tl);

    /* An agent cannot claim; the human can. */
    assert_int_equal(call(agent.c, FASTIO_EP_ORG_TRANSFER_CLAIM, NULL, NULL, "token", token, NULL,
                          NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    json_t *claimed = NULL;
    CALL_OK(human.c, FASTIO_EP_ORG_TRANSFER_CLAIM, NULL, NULL, "token", token, NULL, NULL,
            &claimed);
    assert_string_equal(json_string_value(json_object_get(claimed, "owner_id")), human.id);
    json_decref(claimed);
    /* Spent. */
    assert_int_equal(call(human.c, FASTIO_EP_ORG_TRANSFER_CLAIM, NULL, NULL, "token", token, NULL,
                          NULL, NULL, &err),
                     FASTIO_NOT_FOUND);
    json_decref(t);

    /* Afterwards: the human owns the org and both workspaces, the agent is admin everywhere. */
    role_of(&human, FASTIO_EP_ORG_MEMBER_DETAILS, org, human.id, role, sizeof(role));
    assert_string_equal(role, "owner");
    role_of(&human, FASTIO_EP_ORG_MEMBER_DETAILS, org, agent.id, role, sizeof(role));
    assert_string_equal(role, "admin");
    const char *wss[2] = {ws1, ws2};
    for (int i = 0; i < 2; i++) {
        role_of(&human, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, wss[i], human.id, role, sizeof(role));
        assert_string_equal(role, "owner");
        role_of(&human, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, wss[i], agent.id, role, sizeof(role));
        assert_string_equal(role, "admin");
    }
    json_t *o = NULL;
    assert_int_equal(fastio_org_details(human.c, org, &o, &err), FASTIO_OK);
    assert_string_equal(json_string_value(json_object_get(o, "owner_id")), human.id);
    json_decref(o);
    /* The agent, now admin, can no longer mint tokens. */
    assert_int_equal(call(agent.c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, org, NULL, NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_FORBIDDEN);

    /* All of it is in the audit log. */
    json_t *events = NULL;
    CALL_OK(human.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, "limit", "250", &events);
    const char *want[] = {"invitation_created",         "invitation_accepted",
                          "added_member_to_org",        "org_transfer_token_created",
                          "org_transfer_completed"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!events_have(events, want[i]))
            fail_msg("event %s missing", want[i]);
    json_decref(events);
    CALL_OK(human.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, "event",
            "org_transfer_completed", &events);
    assert_int_equal(json_array_size(events), 1);
    json_t *ev = json_array_get(events, 0);
    assert_string_equal(json_string_value(json_object_get(ev, "user_id")), human.id);
    char ev_id[64];
    snprintf(ev_id, sizeof(ev_id), "%s", json_string_value(json_object_get(ev, "id")));
    json_decref(events);
    json_t *acked = NULL;
    CALL_OK(human.c, FASTIO_EP_EVENT_ACK, ev_id, NULL, NULL, NULL, NULL, NULL, &acked);
    assert_true(json_is_true(json_object_get(acked, "acknowledged")));
    json_decref(acked);
    CALL_OK(human.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "user_id", human.id, "acknowledged",
            "true", &events);
    assert_int_equal(json_array_size(events), 1);
    json_decref(events);
    account_free(&agent);
    account_free(&human);
}

/* ---- the role matrix -------------------------------------------------------------------------- */

enum { R_OWNER = 1, R_ADMIN = 2, R_MEMBER = 4, R_GUEST = 8, R_OUTSIDER = 16, N_ROLES = 5 };
enum arg { A_NONE, A_ORG, A_WS, A_OWNER, A_VICTIM_ORG, A_VICTIM_WS, A_FRESH_EMAIL,
           A_FRESH_ORG_MEMBER, A_FRESH_WS_MEMBER, A_ORG_INV };

/* One row per endpoint (and scope) of issue 5: who may call it. Roles: O owner (an agent
 * account), A admin of org and workspace, M member of both, G guest of the workspace only,
 * X outsider. Default settings: perm_member_manage "Admin or above", perm_join "Member or
 * above". `skip` roles are not called (their allowed call would change the fixture). */
struct matrix_row {
    const char *name;
    enum fastio_endpoint ep;
    enum arg a0, a1;
    const char *p0, *v0; /* v0 NULL with p0 "workspace_id"/"org_id": the fixture's id */
    unsigned allow, skip;
};

static const struct matrix_row matrix[] = {
    {"org members list", FASTIO_EP_ORG_MEMBERS_LIST, A_ORG, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"org member details", FASTIO_EP_ORG_MEMBER_DETAILS, A_ORG, A_OWNER, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"org member add (invite)", FASTIO_EP_ORG_MEMBERS_ADD, A_ORG, A_FRESH_EMAIL, "permissions",
     "member", R_OWNER | R_ADMIN, 0},
    {"org member update", FASTIO_EP_ORG_MEMBER_UPDATE, A_ORG, A_VICTIM_ORG, "permissions",
     "member", R_OWNER | R_ADMIN, 0},
    {"org member remove", FASTIO_EP_ORG_MEMBERS_REMOVE, A_ORG, A_FRESH_ORG_MEMBER, NULL, NULL,
     R_OWNER | R_ADMIN, 0},
    {"org member transfer", FASTIO_EP_ORG_MEMBER_TRANSFER, A_ORG, A_VICTIM_ORG, NULL, NULL, 0,
     R_OWNER},
    {"org invitations list", FASTIO_EP_ORG_INVITATIONS_LIST, A_ORG, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN, 0},
    {"org invitation update", FASTIO_EP_ORG_INVITATION_UPDATE, A_ORG, A_ORG_INV, "permissions",
     "member", R_OWNER | R_ADMIN, 0},
    {"org transfer token create", FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, A_ORG, A_NONE, NULL, NULL,
     R_OWNER, 0},
    {"org transfer token list", FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, A_ORG, A_NONE, NULL, NULL,
     R_OWNER, 0},
    {"ws members list", FASTIO_EP_WORKSPACE_MEMBERS_LIST, A_WS, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"ws member details", FASTIO_EP_WORKSPACE_MEMBER_DETAILS, A_WS, A_OWNER, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"ws member add (invite)", FASTIO_EP_WORKSPACE_MEMBERS_ADD, A_WS, A_FRESH_EMAIL,
     "permissions", "guest", R_OWNER | R_ADMIN, 0},
    {"ws member update", FASTIO_EP_WORKSPACE_MEMBER_UPDATE, A_WS, A_VICTIM_WS, "permissions",
     "guest", R_OWNER | R_ADMIN, 0},
    {"ws member remove", FASTIO_EP_WORKSPACE_MEMBERS_REMOVE, A_WS, A_FRESH_WS_MEMBER, NULL, NULL,
     R_OWNER | R_ADMIN, 0},
    {"ws member transfer", FASTIO_EP_WORKSPACE_MEMBER_TRANSFER, A_WS, A_VICTIM_WS, NULL, NULL, 0,
     R_OWNER},
    {"ws invitations list", FASTIO_EP_WORKSPACE_INVITATIONS_LIST, A_WS, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN, 0},
    /* members (the guest too) get their membership back; the outsider is outside the org */
    {"ws self-join", FASTIO_EP_WORKSPACE_MEMBERS_JOIN, A_WS, A_NONE, NULL, NULL,
     R_OWNER | R_ADMIN | R_MEMBER | R_GUEST, 0},
    {"events of the workspace", FASTIO_EP_EVENTS_SEARCH, A_NONE, A_NONE, "workspace_id", NULL,
     R_OWNER | R_ADMIN | R_MEMBER, 0},
    {"events of the org", FASTIO_EP_EVENTS_SEARCH, A_NONE, A_NONE, "org_id", NULL,
     R_OWNER | R_ADMIN, 0},
};

struct fixture {
    struct account who[N_ROLES]; /* owner, admin, member, guest, outsider */
    struct account victim_org, victim_ws;
    char org[32], domain[64], ws[32], org_inv[64];
};

static void fixture_make(struct fixture *f)
{
    static const char *const names[N_ROLES] = {"owner", "admin", "member", "guest", "outsider"};
    for (int i = 0; i < N_ROLES; i++)
        account_new(&f->who[i], names[i], i == 0);
    account_new(&f->victim_org, "vorg", false);
    account_new(&f->victim_ws, "vws", false);
    struct account *o = &f->who[0];
    create_org(o, "matrix", f->org, f->domain);
    create_ws(o, f->org, f->ws);
    add_accepted(o, true, f->org, &f->who[1], "admin", false);
    add_accepted(o, true, f->org, &f->who[2], "member", true);
    add_accepted(o, true, f->org, &f->victim_org, NULL, false);
    add_accepted(o, false, f->ws, &f->who[1], "admin", false);
    add_accepted(o, false, f->ws, &f->who[2], "member", false);
    add_accepted(o, false, f->ws, &f->who[3], "guest", false);
    add_accepted(o, false, f->ws, &f->victim_ws, "guest", false);
    json_t *inv = NULL;
    CALL_OK(o->c, FASTIO_EP_ORG_MEMBERS_ADD, f->org, "pending.matrix@example.test", NULL, NULL,
            NULL, NULL, &inv);
    snprintf(f->org_inv, sizeof(f->org_inv), "%s",
             json_string_value(json_object_get(json_object_get(inv, "invite"), "id")));
    json_decref(inv);
}

static void fixture_free(struct fixture *f)
{
    for (int i = 0; i < N_ROLES; i++)
        account_free(&f->who[i]);
    account_free(&f->victim_org);
    account_free(&f->victim_ws);
}

static const char *arg_value(struct fixture *f, enum arg a, char *buf, size_t size)
{
    static unsigned n;
    struct account fresh;
    switch (a) {
    case A_NONE:
        return NULL;
    case A_ORG:
        return f->org;
    case A_WS:
        return f->ws;
    case A_OWNER:
        return f->who[0].id;
    case A_VICTIM_ORG:
        return f->victim_org.id;
    case A_VICTIM_WS:
        return f->victim_ws.id;
    case A_FRESH_EMAIL:
        snprintf(buf, size, "fresh%u.%d@example.test", ++n, (int)getpid());
        return buf;
    case A_FRESH_ORG_MEMBER:
    case A_FRESH_WS_MEMBER:
        account_new(&fresh, "fresh", false);
        add_accepted(&f->who[0], a == A_FRESH_ORG_MEMBER, a == A_FRESH_ORG_MEMBER ? f->org : f->ws,
                     &fresh, a == A_FRESH_ORG_MEMBER ? "member" : "guest", false);
        snprintf(buf, size, "%s", fresh.id);
        account_free(&fresh);
        return buf;
    case A_ORG_INV:
        return f->org_inv;
    }
    return NULL;
}

static void test_role_matrix(void **state)
{
    (void)state;
    struct fixture f;
    fixture_make(&f);
    int failures = 0;
    for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
        const struct matrix_row *row = &matrix[i];
        for (int k = 0; k < N_ROLES; k++) {
            unsigned bit = 1u << k;
            if (row->skip & bit)
                continue;
            char b0[128], b1[128];
            const char *a0 = arg_value(&f, row->a0, b0, sizeof(b0));
            const char *a1 = arg_value(&f, row->a1, b1, sizeof(b1));
            const char *v0 = row->v0;
            if (row->p0 && !v0)
                v0 = strcmp(row->p0, "org_id") == 0 ? f.org : f.ws;
            json_t *out = NULL;
            struct fastio_error err;
            enum fastio_status st =
                call(f.who[k].c, row->ep, a0, a1, row->p0, v0, NULL, NULL, &out, &err);
            enum fastio_status want = (row->allow & bit) ? FASTIO_OK : FASTIO_FORBIDDEN;
            if (st != want) {
                fprintf(stderr, "matrix: %s by %s: got %s (%s), want %s\n", row->name,
                        f.who[k].email, fastio_status_name(st), err.message,
                        fastio_status_name(want));
                failures++;
            }
            /* A denial names nothing of the org or workspace. */
            if (st != FASTIO_OK && (strstr(err.message, f.domain) || strstr(err.message, f.ws)))
                failures++;
            json_decref(out);
        }
    }
    assert_int_equal(failures, 0);
    fixture_free(&f);
}

/* ---- an outsider with copied ids -------------------------------------------------------------- */

static void test_outsider_copied_ids(void **state)
{
    (void)state;
    struct account owner, x;
    account_new(&owner, "owner", true);
    account_new(&x, "intruder", true);
    char org[32], domain[64], ws[32];
    create_org(&owner, "private", org, domain);
    create_ws(&owner, org, ws);
    json_t *inv = NULL;
    CALL_OK(owner.c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, ws, "someone@example.test", NULL, NULL,
            NULL, NULL, &inv);
    char inv_id[64];
    snprintf(inv_id, sizeof(inv_id), "%s",
             json_string_value(json_object_get(json_object_get(inv, "invite"), "id")));
    json_decref(inv);
    json_t *t = NULL;
    CALL_OK(owner.c, FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, org, NULL, NULL, NULL, NULL, NULL, &t);
    char tok_id[64];
    snprintf(tok_id, sizeof(tok_id), "%s", json_string_value(json_object_get(t, "id")));
    json_decref(t);
    json_t *events = NULL;
    CALL_OK(owner.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, NULL, NULL, &events);
    assert_true(json_array_size(events) > 0);
    char ev_id[64];
    snprintf(ev_id, sizeof(ev_id), "%s",
             json_string_value(json_object_get(json_array_get(events, 0), "id")));
    json_decref(events);
    long long before =
        it_db(&fx.srv, "SELECT COUNT(*) FROM invitations", (const char *)NULL) * 1000 +
        it_db(&fx.srv, "SELECT COUNT(*) FROM workspace_members", (const char *)NULL);

    struct {
        enum fastio_endpoint ep;
        const char *a0, *a1, *p0, *v0;
        enum fastio_status want;
    } tries[] = {
        {FASTIO_EP_ORG_MEMBERS_LIST, domain, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_MEMBER_DETAILS, org, owner.id, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_MEMBER_DETAILS, domain, owner.email, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_MEMBERS_ADD, org, x.id, "permissions", "admin", FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_TRANSFER_TOKEN_DELETE, org, tok_id, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, domain, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_WORKSPACE_MEMBERS_LIST, ws, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_WORKSPACE_MEMBERS_JOIN, ws, NULL, NULL, NULL, FASTIO_FORBIDDEN},
        {FASTIO_EP_WORKSPACE_INVITATION_UPDATE, ws, inv_id, "permissions", "admin",
         FASTIO_FORBIDDEN},
        {FASTIO_EP_WORKSPACE_INVITATION_DELETE, ws, inv_id, NULL, NULL, FASTIO_FORBIDDEN},
        /* the invitation is someone else's: unknown to the intruder */
        {FASTIO_EP_WORKSPACE_INVITATION_ACCEPT, ws, inv_id, NULL, NULL, FASTIO_NOT_FOUND},
        {FASTIO_EP_USER_INVITATION_DETAILS, inv_id, NULL, NULL, NULL, FASTIO_NOT_FOUND},
        {FASTIO_EP_EVENT_DETAILS, ev_id, NULL, NULL, NULL, FASTIO_NOT_FOUND},
        {FASTIO_EP_EVENT_ACK, ev_id, NULL, NULL, NULL, FASTIO_NOT_FOUND},
        {FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, FASTIO_FORBIDDEN},
        {FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "workspace_id", ws, FASTIO_FORBIDDEN},
        {FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "user_id", owner.id, FASTIO_FORBIDDEN},
        /* a guessed id that does not exist answers exactly like a foreign one */
        {FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "workspace_id", "1234567890123456789",
         FASTIO_FORBIDDEN},
    };
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        json_t *out = NULL;
        struct fastio_error err;
        enum fastio_status st = call(x.c, tries[i].ep, tries[i].a0, tries[i].a1, tries[i].p0,
                                     tries[i].v0, NULL, NULL, &out, &err);
        if (st != tries[i].want)
            fail_msg("try %zu (%s): got %s: %s", i, fastio_endpoint_get(tries[i].ep)->name,
                     fastio_status_name(st), err.message);
        assert_null(out);
        assert_null(strstr(err.message, domain));
        assert_null(strstr(err.message, owner.email));
    }
    /* The outsider's own lists show nothing of it. */
    json_t *mine = NULL;
    CALL_OK(x.c, FASTIO_EP_USER_INVITATIONS_LIST, NULL, NULL, NULL, NULL, NULL, NULL, &mine);
    assert_int_equal(json_array_size(mine), 0);
    json_decref(mine);
    CALL_OK(x.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "user_id", x.id, NULL, NULL, &mine);
    char *text = json_dumps(mine, 0);
    assert_null(strstr(text, org));
    free(text);
    json_decref(mine);
    /* Nothing changed. */
    long long after =
        it_db(&fx.srv, "SELECT COUNT(*) FROM invitations", (const char *)NULL) * 1000 +
        it_db(&fx.srv, "SELECT COUNT(*) FROM workspace_members", (const char *)NULL);
    assert_int_equal(before, after);
    json_t *tl = NULL;
    CALL_OK(owner.c, FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, org, NULL, NULL, NULL, NULL, NULL, &tl);
    assert_int_equal(json_array_size(tl), 1);
    json_decref(tl);
    account_free(&owner);
    account_free(&x);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_seed_scenario),
    cmocka_unit_test(test_role_matrix),
    cmocka_unit_test(test_outsider_copied_ids),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
