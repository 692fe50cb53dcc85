/* SPDX-License-Identifier: MIT */
/* test_members_lifecycle.c - members against a real server (api §3.2, §3.3, §9.4; issue 5):
 * the member lifecycle and the rules on targets, the .eml format of invitation mail, org
 * self-join by authorized email domain, and mail kept while the relay is down. Shared fixtures
 * in it_members.h. */
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

/* ---- member lifecycle and the rules on targets ------------------------------------------------ */

static void test_member_lifecycle(void **state)
{
    (void)state;
    struct account o, a, b;
    account_new(&o, "owner", false);
    account_new(&a, "alice", false);
    account_new(&b, "bob", false);
    char org[32], domain[64], ws[32];
    create_org(&o, "life", org, domain);
    create_ws(&o, org, ws);
    struct fastio_error err;
    json_t *m = NULL;
    /* An existing account (here by email) gets a pending invitation, never a membership without
     * its consent (D-081); it is a member once it accepts the invitation by its key. */
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, a.email, "permissions", "admin", NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "pending");
    assert_string_equal(json_string_value(json_object_get(m, "id")), a.id);
    char inv_a[64];
    snprintf(inv_a, sizeof(inv_a), "%s",
             json_string_value(json_object_get(json_object_get(m, "invite"), "id")));
    json_decref(m);
    char role0[32];
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, a.id, role0, sizeof(role0));
    assert_string_equal(role0, "");
    /* another account cannot take a's invitation, even with its key */
    assert_int_equal(call(b.c, FASTIO_EP_ORG_INVITATION_ACCEPT, org, inv_a, NULL, NULL, NULL,
                          NULL, NULL, &err),
                     FASTIO_NOT_FOUND);
    CALL_OK(a.c, FASTIO_EP_ORG_INVITATION_ACCEPT, org, inv_a, NULL, NULL, NULL, NULL, NULL);
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, a.id, role0, sizeof(role0));
    assert_string_equal(role0, "admin");
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, a.id, NULL, NULL, NULL, NULL, NULL,
                          &err),
                     FASTIO_CONFLICT);
    /* Never owner; unknown ids; bad roles. */
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBER_UPDATE, org, a.id, "permissions", "owner",
                          NULL, NULL, NULL, &err),
                     FASTIO_INVALID);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, b.id, "permissions", "guest", NULL,
                          NULL, NULL, &err),
                     FASTIO_INVALID);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, "1234567890123456789", NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_NOT_FOUND);
    /* Header injection through the address is refused before any mail is written. */
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, "x@y.test\r\nBcc: e@vil.test",
                          NULL, NULL, NULL, NULL, NULL, &err),
                     FASTIO_INVALID);
    /* The admin cannot touch the owner, nor leave the owner without an org. */
    assert_int_equal(call(a.c, FASTIO_EP_ORG_MEMBERS_REMOVE, org, o.id, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBER_LEAVE, org, NULL, NULL, NULL, NULL, NULL, NULL,
                          &err),
                     FASTIO_FORBIDDEN);
    /* Role update, details, remove. */
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBER_UPDATE, org, a.id, "permissions", "member", NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "permissions")), "member");
    json_decref(m);
    /* A member cannot manage members while perm_member_manage is "Admin or above" ... */
    assert_int_equal(call(a.c, FASTIO_EP_ORG_MEMBERS_ADD, org, b.id, NULL, NULL, NULL, NULL, NULL,
                          &err),
                     FASTIO_FORBIDDEN);
    /* ... and can once it is "Member or above", but not grant admin. */
    struct fastio_param up[] = {{"perm_member_manage", "Member or above"}};
    json_t *org_out = NULL;
    assert_int_equal(fastio_org_update(o.c, org, up, 1, &org_out, &err), FASTIO_OK);
    json_decref(org_out);
    assert_int_equal(call(a.c, FASTIO_EP_ORG_MEMBERS_ADD, org, b.id, "permissions", "admin", NULL,
                          NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    add_accepted(&a, true, org, &b, NULL, false);
    CALL_OK(b.c, FASTIO_EP_ORG_MEMBER_LEAVE, org, NULL, NULL, NULL, NULL, NULL, NULL);
    assert_int_equal(call(o.c, FASTIO_EP_ORG_MEMBER_DETAILS, org, b.id, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_NOT_FOUND);
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBERS_REMOVE, org, a.id, NULL, NULL, NULL, NULL, NULL);

    /* Workspace self-join follows perm_join with the org role. */
    add_accepted(&o, true, org, &b, NULL, false);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_UPDATE, ws, NULL, "perm_join", "Admin or above", NULL, NULL,
            NULL);
    assert_int_equal(call(b.c, FASTIO_EP_WORKSPACE_MEMBERS_JOIN, ws, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_UPDATE, ws, NULL, "perm_join", "Member or above", NULL,
            NULL, NULL);
    CALL_OK(b.c, FASTIO_EP_WORKSPACE_MEMBERS_JOIN, ws, NULL, NULL, NULL, NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "permissions")), "member");
    json_decref(m);
    CALL_OK(b.c, FASTIO_EP_WORKSPACE_MEMBER_LEAVE, ws, NULL, NULL, NULL, NULL, NULL, NULL);

    /* Invitations: decline, manager update / re-open / delete, acceptall. */
    char email[128];
    snprintf(email, sizeof(email), "late.%d@example.test", (int)getpid());
    json_t *inv = NULL;
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, ws, email, "permissions", "guest", NULL, NULL,
            &inv);
    char inv_id[64];
    snprintf(inv_id, sizeof(inv_id), "%s",
             json_string_value(json_object_get(json_object_get(inv, "invite"), "id")));
    json_decref(inv);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_INVITATION_UPDATE, ws, inv_id, "permissions", "member", NULL,
            NULL, &inv);
    assert_string_equal(json_string_value(json_object_get(inv, "permissions")), "member");
    json_decref(inv);
    json_t *list = NULL;
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_INVITATIONS_LIST_STATE, ws, "pending", NULL, NULL, NULL,
            NULL, &list);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(call(o.c, FASTIO_EP_WORKSPACE_INVITATIONS_LIST_STATE, ws, "bogus", NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_INVALID);

    struct fastio_client *anon = it_client(&fx.srv, NULL);
    struct fastio_signup su = {email, "correct horse battery", NULL, NULL, false};
    assert_int_equal(fastio_user_signup(anon, &su, NULL, &err), FASTIO_OK);
    char *tok = NULL;
    assert_int_equal(fastio_user_signin(anon, email, "correct horse battery", &tok, NULL, &err),
                     FASTIO_OK);
    fastio_client_free(anon);
    struct fastio_client *late = it_client(&fx.srv, tok);
    assert_true(it_verify_email(&fx.srv, tok, email)); /* the mailed code (D-081) */
    fastio_free(tok);
    CALL_OK(late, FASTIO_EP_WORKSPACE_INVITATION_DECLINE, ws, inv_id, NULL, NULL, NULL, NULL,
            &inv);
    assert_string_equal(json_string_value(json_object_get(inv, "state")), "declined");
    json_decref(inv);
    assert_int_equal(call(late, FASTIO_EP_WORKSPACE_INVITATION_ACCEPT, ws, inv_id, NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_NOT_FOUND);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_INVITATION_UPDATE, ws, inv_id, "state", "pending", NULL, NULL,
            NULL);
    json_t *all = NULL;
    CALL_OK(late, FASTIO_EP_USER_INVITATIONS_ACCEPTALL, NULL, NULL, NULL, NULL, NULL, NULL, &all);
    assert_int_equal(json_array_size(all), 1);
    json_decref(all);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_MEMBERS_LIST, ws, NULL, NULL, NULL, NULL, NULL, &list);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    assert_int_equal(call(o.c, FASTIO_EP_WORKSPACE_INVITATION_UPDATE, ws, inv_id, "state",
                          "pending", NULL, NULL, NULL, &err),
                     FASTIO_CONFLICT);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_INVITATION_DELETE, ws, inv_id, NULL, NULL, NULL, NULL, NULL);
    fastio_client_free(late);

    /* Direct workspace transfer: the old owner becomes admin. */
    add_accepted(&o, false, ws, &b, "admin", false);
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_MEMBER_TRANSFER, ws, b.id, NULL, NULL, NULL, NULL, NULL);
    char role[32];
    role_of(&b, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, ws, b.id, role, sizeof(role));
    assert_string_equal(role, "owner");
    role_of(&b, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, ws, o.id, role, sizeof(role));
    assert_string_equal(role, "admin");
    /* Direct org transfer (owner only): b owns org and all its workspaces. */
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBER_TRANSFER, org, b.id, NULL, NULL, NULL, NULL, NULL);
    role_of(&b, FASTIO_EP_ORG_MEMBER_DETAILS, org, o.id, role, sizeof(role));
    assert_string_equal(role, "admin");
    account_free(&o);
    account_free(&a);
    account_free(&b);
}

/* ---- the .eml format -------------------------------------------------------------------------- */

static void test_eml_format(void **state)
{
    (void)state;
    struct account o;
    account_new(&o, "mailer", false);
    char org[32], domain[64];
    create_org(&o, "mail", org, domain);
    /* A non-ASCII org name ends up in the subject: RFC 2047 encoded. */
    struct fastio_param up[] = {{"name", "Caf\xc3\xa9 \xe2\x98\x95 Team"}};
    json_t *out = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_update(o.c, org, up, 1, &out, &err), FASTIO_OK);
    json_decref(out);
    char email[128];
    snprintf(email, sizeof(email), "eml.%d@example.test", (int)getpid());
    CALL_OK(o.c, FASTIO_EP_ORG_MEMBERS_ADD, org, email, NULL, NULL, NULL, NULL, NULL);
    char *mail = outbox_find(email, "Subject");
    assert_non_null(mail);
    assert_non_null(strstr(mail, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(mail, "MIME-Version: 1.0\r\n"));
    assert_non_null(strstr(mail, "From: "));
    /* Every line ends in CRLF; the header block ends with an empty line. */
    for (const char *p = mail; *p; p++)
        if (*p == '\n')
            assert_true(p > mail && p[-1] == '\r');
    assert_non_null(strstr(mail, "\r\n\r\n"));
    free(mail);
    /* No temp files are left behind. */
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/outbox", fx.srv.dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        assert_true(strncmp(de->d_name, ".tmp-", 5) != 0);
    closedir(d);
    account_free(&o);
}

/* ---- org self-join by authorized email domain (api §3.2) ------------------------------------- */

static void test_org_self_join_domain(void **state)
{
    (void)state;
    char dom[64], dom_upper[64], sub[80];
    snprintf(dom, sizeof(dom), "join%d.example", (int)getpid());
    snprintf(dom_upper, sizeof(dom_upper), "JOIN%d.Example", (int)getpid());
    snprintf(sub, sizeof(sub), "sub.%s", dom);
    struct account o, in, out, subd;
    account_new(&o, "joinowner", false);
    account_new_at(&in, "joiner", dom, false);
    account_new(&out, "stranger", false);
    account_new_at(&subd, "subjoiner", sub, false);
    char org[32], domain[64];
    create_org(&o, "selfjoin", org, domain);
    struct fastio_error err;

    /* No authorized domains yet: everyone is refused, as before. */
    assert_int_equal(call(in.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);

    /* Listed in another case and with '@': the match ignores ASCII case. */
    char list[160];
    snprintf(list, sizeof(list), "other.test, @%s", dom_upper);
    struct fastio_param up[] = {{"perm_auth_domains", list}};
    json_t *res = NULL;
    assert_int_equal(fastio_org_update(o.c, org, up, 1, &res, &err), FASTIO_OK);
    json_decref(res);

    json_t *m = NULL;
    CALL_OK(in.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "permissions")), "member");
    assert_string_equal(json_string_value(json_object_get(m, "id")), in.id);
    json_decref(m);
    char role[32];
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, in.id, role, sizeof(role));
    assert_string_equal(role, "member");

    /* Joining again: 200 with the unchanged membership (idempotent). */
    CALL_OK(in.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "permissions")), "member");
    json_decref(m);

    /* Another domain, and a subdomain of the listed one: refused, nothing stored. */
    assert_int_equal(call(out.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(err.http_status, 403);
    assert_int_equal(call(subd.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, out.id, role, sizeof(role));
    assert_string_equal(role, "");
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, subd.id, role, sizeof(role));
    assert_string_equal(role, "");

    /* The join is an event of the org (and so an activity "members" change). */
    json_t *events = NULL;
    CALL_OK(o.c, FASTIO_EP_EVENTS_SEARCH, NULL, NULL, "org_id", org, "event", "member_joined_org",
            &events);
    assert_int_equal(json_array_size(events), 1);
    json_decref(events);

    /* The new member can use member routes now. */
    CALL_OK(in.c, FASTIO_EP_ORG_MEMBER_DETAILS, org, in.id, NULL, NULL, NULL, NULL, NULL);

    account_free(&o);
    account_free(&in);
    account_free(&out);
    account_free(&subd);
}

/* With the relay down, mail stays in the outbox (and is retried); nothing reaches sent/. */
static void test_relay_down_keeps_mail(void **state)
{
    (void)state;
    struct it_fixture f2;
    const char *const args[] = {"--smtp-url", "smtp://127.0.0.1:1", "--smtp-from",
                                "Fastio <noreply@example.test>", NULL};
    const struct it_fixture_opts o = {args, false, NULL};
    assert_int_equal(it_fixture_start(&f2, &o), 0);
    struct fastio_client *c = f2.owner.c;
    struct fastio_org_opts oo = {"relay-org", NULL, NULL, NULL, NULL};
    json_t *org = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_create(c, &oo, &org, &err), FASTIO_OK);
    json_decref(org);
    CALL_OK(c, FASTIO_EP_ORG_MEMBERS_ADD, "relay-org", "queued@example.test", NULL, NULL, NULL,
            NULL, NULL);
    usleep(300 * 1000); /* let the relay try (and fail) at least once */
    char dir[400];
    snprintf(dir, sizeof(dir), "%s/outbox", f2.srv.dir);
    int eml = 0, sent = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".eml") && de->d_name[0] != '.')
            eml++;
    closedir(d);
    snprintf(dir, sizeof(dir), "%s/outbox/sent", f2.srv.dir);
    d = opendir(dir);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".eml"))
            sent++;
    closedir(d);
    assert_int_equal(eml, 1);
    assert_int_equal(sent, 0);
    assert_int_equal(it_fixture_stop(&f2), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_member_lifecycle),
    cmocka_unit_test(test_eml_format),
    cmocka_unit_test(test_relay_down_keeps_mail),
    cmocka_unit_test(test_org_self_join_domain),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
