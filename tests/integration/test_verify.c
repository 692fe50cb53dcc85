/* SPDX-License-Identifier: MIT */
/* test_verify.c - email verification (issue 15 item 4, api §2.1, D-081): sign-up mails a code
 * through the outbox; POST /user/email/validate/ checks it (bounded tries) or sends a new one;
 * an unverified account cannot accept an invitation or join an org by its email domain; sign-up
 * answers alike for known and unknown addresses; --signup closed and --signup verified. Codes
 * are read from DATA/outbox the way a person reads their mail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_codes.h"
#include "it_members.h"

/* An account signed up and signed in, its address not verified. */
static void unverified_at(struct account *a, const char *prefix, const char *domain)
{
    static unsigned n;
    char email[128];
    snprintf(email, sizeof(email), "%s%u.%d@%s", prefix, ++n, (int)getpid(), domain);
    struct it_user u;
    it_user_signup(&u, &fx.srv, email, false, IT_USER_UNVERIFIED);
    memset(a, 0, sizeof(*a));
    snprintf(a->email, sizeof(a->email), "%s", u.email);
    snprintf(a->id, sizeof(a->id), "%s", u.id);
    snprintf(a->token, sizeof(a->token), "%.159s", u.token);
    a->c = it_user_take_client(&u);
}

static long validate(const struct it_server *s, const struct account *a, const char *token,
                     long *code)
{
    char form[300], authz[300];
    if (token)
        snprintf(form, sizeof(form), "email=%s&email_token=%s", a->email, token);
    else
        snprintf(form, sizeof(form), "email=%s", a->email);
    snprintf(authz, sizeof(authz), "Bearer %s", a->token);
    char *body = NULL;
    long st = it_raw(s, "POST", "/current/user/email/validate/",
                     "application/x-www-form-urlencoded", form, strlen(form), authz, &body);
    json_t *j = it_error_body(body, code);
    json_decref(j);
    free(body);
    return st;
}

static bool me_verified(struct account *a)
{
    json_t *me = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_user_me(a->c, &me, &err), FASTIO_OK);
    bool v = json_is_true(json_object_get(me, "email_verified"));
    json_decref(me);
    return v;
}

/* The 6 digits after "email_token=" in the newest code mail to a (owned text is freed). */
static void mailed_code(const struct account *a, char code[8])
{
    char *mail = outbox_find(a->email, "email_token=");
    assert_non_null(mail);
    const char *t = strstr(mail, "email_token=") + strlen("email_token=");
    assert_true(strspn(t, "0123456789") >= 6);
    memcpy(code, t, 6);
    code[6] = 0;
    free(mail);
}

/* A code that differs from code (6 digits) in its last digit, by d (1..9). */
static void other_code(const char *code, char out[8], int d)
{
    memcpy(out, code, 7);
    out[5] = (char)('0' + (code[5] - '0' + d) % 10);
}

static void test_code_verifies_the_address(void **state)
{
    (void)state;
    struct account a;
    unverified_at(&a, "verify", "example.test");
    assert_false(me_verified(&a));
    char code[8];
    mailed_code(&a, code);
    /* a wrong code is refused and changes nothing */
    char wrong[8];
    other_code(code, wrong, 1);
    long c;
    assert_int_equal(validate(&fx.srv, &a, wrong, &c), 400);
    assert_int_equal(c, API_ERR_INVALID); /* 1605, the field in error.params */
    assert_false(me_verified(&a));
    /* another account's address is refused */
    struct account b;
    unverified_at(&b, "other", "example.test");
    char form[300], authz[300];
    snprintf(form, sizeof(form), "email=%s&email_token=%s", b.email, code);
    snprintf(authz, sizeof(authz), "Bearer %s", a.token);
    char *body = NULL;
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/user/email/validate/",
                            "application/x-www-form-urlencoded", form, strlen(form), authz,
                            &body),
                     400);
    free(body);
    /* the right one verifies; it cannot be used again */
    assert_int_equal(validate(&fx.srv, &a, code, &c), 200);
    assert_true(me_verified(&a));
    assert_int_equal(validate(&fx.srv, &a, code, &c), 400);
    assert_true(me_verified(&a));
    account_free(&a);
    account_free(&b);
}

static void test_wrong_codes_are_bounded(void **state)
{
    (void)state;
    struct account a;
    unverified_at(&a, "guess", "example.test");
    char code[8], wrong[8];
    mailed_code(&a, code);
    other_code(code, wrong, 7);
    long c;
    for (int i = 0; i < 5; i++)
        assert_int_equal(validate(&fx.srv, &a, wrong, &c), 400);
    /* five wrong tries used the code up: the right one no longer works */
    assert_int_equal(validate(&fx.srv, &a, code, &c), 400);
    assert_false(me_verified(&a));
    /* a new code (POST without email_token) replaces it */
    assert_int_equal(validate(&fx.srv, &a, NULL, &c), 200);
    assert_true(it_verify_email(&fx.srv, a.token, a.email));
    assert_true(me_verified(&a));
    account_free(&a);
}

static void test_unverified_cannot_take_invitations_or_domains(void **state)
{
    (void)state;
    char dom[80], tmp[64];
    it_unique_name("vdom", tmp, sizeof(tmp));
    snprintf(dom, sizeof(dom), "%s.test", tmp);
    struct account o, in;
    account_new(&o, "vowner", false);
    char org[32], domain[64];
    create_org(&o, "vorg", org, domain);
    struct fastio_param up[] = {{"perm_auth_domains", dom}};
    json_t *res = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_update(o.c, org, up, 1, &res, &err), FASTIO_OK);
    json_decref(res);
    unverified_at(&in, "claimer", dom);

    /* the email domain is listed, but the address is not proven */
    assert_int_equal(call(in.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL,
                          NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, API_ERR_EMAIL_UNVERIFIED);
    char role[32];
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, in.id, role, sizeof(role));
    assert_string_equal(role, "");

    /* an invitation to the address: cannot be accepted (by key or all at once) unverified */
    char ws[32];
    create_ws(&o, org, ws);
    json_t *m = NULL;
    CALL_OK(o.c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, ws, in.email, "permissions", "admin", NULL,
            NULL, &m);
    json_decref(m);
    json_t *invs = NULL;
    CALL_OK(in.c, FASTIO_EP_USER_INVITATIONS_LIST, NULL, NULL, NULL, NULL, NULL, NULL, &invs);
    assert_int_equal(json_array_size(invs), 1);
    char inv[64];
    snprintf(inv, sizeof(inv), "%s", json_string_value(json_object_get(json_array_get(invs, 0),
                                                                        "id")));
    json_decref(invs);
    assert_int_equal(call(in.c, FASTIO_EP_WORKSPACE_INVITATION_ACCEPT, ws, inv, NULL, NULL, NULL,
                          NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, API_ERR_EMAIL_UNVERIFIED);
    assert_int_equal(call(in.c, FASTIO_EP_USER_INVITATIONS_ACCEPTALL, NULL, NULL, NULL, NULL,
                          NULL, NULL, NULL, &err),
                     FASTIO_FORBIDDEN);
    role_of(&o, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, ws, in.id, role, sizeof(role));
    assert_string_equal(role, "");

    /* once verified, both work */
    assert_true(it_verify_email(&fx.srv, in.token, in.email));
    CALL_OK(in.c, FASTIO_EP_ORG_MEMBERS_JOIN, org, NULL, NULL, NULL, NULL, NULL, &m);
    json_decref(m);
    json_t *a = NULL;
    CALL_OK(in.c, FASTIO_EP_WORKSPACE_INVITATION_ACCEPT, ws, inv, NULL, NULL, NULL, NULL, &a);
    assert_string_equal(json_string_value(json_object_get(a, "state")), "accepted");
    json_decref(a);
    role_of(&o, FASTIO_EP_WORKSPACE_MEMBER_DETAILS, ws, in.id, role, sizeof(role));
    assert_string_equal(role, "admin");
    account_free(&o);
    account_free(&in);
}

/* The sign-up answer is the same for a new and a known address (no enumeration), and only the
 * new one gets mail. */
static void test_signup_answers_alike(void **state)
{
    (void)state;
    struct account known;
    account_new(&known, "known", false);
    char fresh[128];
    snprintf(fresh, sizeof(fresh), "fresh.%d@example.test", (int)getpid());
    const char *who[2] = {known.email, fresh};
    json_t *answers[2];
    for (int i = 0; i < 2; i++) {
        char form[400];
        snprintf(form, sizeof(form), "email_address=%s&password=another%%20password&tos_agree=true",
                 who[i]);
        char *body = NULL;
        assert_int_equal(it_raw(&fx.srv, "POST", "/current/user/",
                                "application/x-www-form-urlencoded", form, strlen(form), NULL,
                                &body),
                         200);
        answers[i] = json_loads(body, 0, NULL);
        free(body);
        assert_non_null(answers[i]);
        json_object_del(answers[i], "server_date");
    }
    assert_true(json_equal(answers[0], answers[1]));
    json_decref(answers[0]);
    json_decref(answers[1]);
    char *mail = outbox_find(fresh, "email_token=");
    assert_non_null(mail);
    free(mail);
    /* the known account keeps its password: the second sign-up changed nothing */
    struct fastio_client *anon = it_client(&fx.srv, NULL);
    char *tok = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_user_signin(anon, known.email, "another password", &tok, NULL, &err),
                     FASTIO_AUTH);
    fastio_client_free(anon);
    account_free(&known);
}

static long signup_raw(const struct it_server *s, const char *email, char **body)
{
    char form[300];
    snprintf(form, sizeof(form), "email_address=%s&password=long%%20enough%%20pw&tos_agree=true",
             email);
    return it_raw(s, "POST", "/current/user/", "application/x-www-form-urlencoded", form,
                  strlen(form), NULL, body);
}

static void test_signup_closed(void **state)
{
    (void)state;
    struct it_server srv;
    memset(&srv, 0, sizeof(srv));
    static const char *const args[] = {"--signup", "closed", NULL};
    assert_int_equal(it_server_start(&srv, NULL, args), 0);
    char *body = NULL;
    assert_int_equal(signup_raw(&srv, "nobody@example.test", &body), 403);
    long code;
    json_t *j = it_error_body(body, &code);
    assert_int_equal(code, API_ERR_RESTRICTED);
    json_decref(j);
    free(body);
    /* existing accounts work as before */
    char authz[300];
    snprintf(authz, sizeof(authz), "Bearer %s", srv.owner_key);
    assert_int_equal(it_raw(&srv, "GET", "/current/user/me/details/", NULL, NULL, 0, authz, NULL),
                     200);
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_cleanup(&srv);
}

static void test_signup_verified_gates_everything(void **state)
{
    (void)state;
    struct it_server srv;
    memset(&srv, 0, sizeof(srv));
    static const char *const args[] = {"--signup", "verified", "--kdf-iterations", "1000", NULL};
    assert_int_equal(it_server_start(&srv, NULL, args), 0);
    struct it_user u;
    char email[128];
    snprintf(email, sizeof(email), "gated.%d@example.test", (int)getpid());
    it_user_signup(&u, &srv, email, false, IT_USER_UNVERIFIED);
    char *body = NULL;
    assert_int_equal(it_raw(&srv, "GET", "/current/orgs/list/", NULL, NULL, 0, u.authz, &body),
                     401);
    long code;
    json_t *j = it_error_body(body, &code);
    assert_int_equal(code, API_ERR_EMAIL_UNVERIFIED);
    json_decref(j);
    free(body);
    assert_int_equal(it_raw(&srv, "GET", "/current/user/me/details/", NULL, NULL, 0, u.authz, NULL),
                     200);
    assert_true(it_verify_email(&srv, u.token, email));
    assert_int_equal(it_raw(&srv, "GET", "/current/orgs/list/", NULL, NULL, 0, u.authz, NULL), 200);
    /* the owner (made verified at bootstrap) was never gated */
    char authz[300];
    snprintf(authz, sizeof(authz), "Bearer %s", srv.owner_key);
    assert_int_equal(it_raw(&srv, "GET", "/current/orgs/list/", NULL, NULL, 0, authz, NULL), 200);
    it_user_release(&u);
    assert_int_equal(it_server_stop(&srv), 0);
    it_server_cleanup(&srv);
}

/* Adding an existing user (by id) makes a pending invitation mailed to it, never a membership
 * without consent; the reply does not show the user's email; the user accepts by the key. */
static void test_add_existing_user_is_an_invitation(void **state)
{
    (void)state;
    struct account o, u;
    account_new(&o, "adder", false);
    account_new(&u, "target", false);
    char org[32], domain[64];
    create_org(&o, "consent", org, domain);
    char path[200], authz[300];
    snprintf(path, sizeof(path), "/current/org/%s/members/%s/", org, u.id);
    snprintf(authz, sizeof(authz), "Bearer %s", o.token);
    char *body = NULL;
    assert_int_equal(it_raw(&fx.srv, "POST", path, "application/x-www-form-urlencoded",
                            "permissions=admin", 17, authz, &body),
                     200);
    assert_null(strstr(body, u.email)); /* the adder learns no address */
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(j);
    json_t *m = json_object_get(j, "member");
    assert_string_equal(json_string_value(json_object_get(m, "status")), "pending");
    assert_string_equal(json_string_value(json_object_get(m, "id")), u.id);
    char inv[64];
    snprintf(inv, sizeof(inv), "%s",
             json_string_value(json_object_get(json_object_get(m, "invite"), "id")));
    json_decref(j);
    char role[32];
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, u.id, role, sizeof(role));
    assert_string_equal(role, ""); /* not a member yet */
    /* nor do the member list, the invitation list or the events show the address */
    static const char *const lists[][2] = {{"/current/org/", "/members/list/"},
                                           {"/current/org/", "/members/invitations/list/"},
                                           {"/current/events/search/?org_id=", ""}};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        char p2[200];
        snprintf(p2, sizeof(p2), "%s%s%s", lists[i][0], org, lists[i][1]);
        body = NULL;
        assert_int_equal(it_raw(&fx.srv, "GET", p2, NULL, NULL, 0, authz, &body), 200);
        if (strstr(body, u.email)) {
            char shown[300];
            snprintf(shown, sizeof(shown), "%s", body);
            free(body);
            fail_msg("%s shows the invitee's email: %s", p2, shown);
        }
        if (i == 0)
            assert_non_null(strstr(body, u.id)); /* the pending entry names the user id */
        if (i == 2)
            assert_non_null(strstr(body, "invitation_created")); /* the event is there */
        free(body);
    }
    char *mail = outbox_find(u.email, inv);
    assert_non_null(mail); /* the invitation went to the user, with its key */
    free(mail);
    CALL_OK(u.c, FASTIO_EP_ORG_INVITATION_ACCEPT, org, inv, NULL, NULL, NULL, NULL, NULL);
    role_of(&o, FASTIO_EP_ORG_MEMBER_DETAILS, org, u.id, role, sizeof(role));
    assert_string_equal(role, "admin");
    account_free(&o);
    account_free(&u);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_add_existing_user_is_an_invitation),
    cmocka_unit_test(test_code_verifies_the_address),
    cmocka_unit_test(test_wrong_codes_are_bounded),
    cmocka_unit_test(test_unverified_cannot_take_invitations_or_domains),
    cmocka_unit_test(test_signup_answers_alike),
    cmocka_unit_test(test_signup_closed),
    cmocka_unit_test(test_signup_verified_gates_everything),
};

IT_FIXTURE_MAIN(tests, fx, NULL)
