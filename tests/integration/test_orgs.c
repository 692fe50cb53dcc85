/* SPDX-License-Identifier: MIT */
/* test_orgs.c - organizations through libfastio against a real fastio-server (api §3.2,
 * docs/decisions.md "Organizations and workspaces"): create and its field rules, the member and
 * external lists with offset paging, details by id and domain, update of every field kind
 * ("null" clears, unknown and mass-assignment keys ignored), close, and an org's workspaces.
 * Workspace and org memberships of a second user are set up directly in the database (it_db):
 * the members API does not exist yet. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static struct it_fixture fx;

/* ---- helpers ---------------------------------------------------------------------------------- */

/* A client for a brand-new user; its id goes to id_out (size >= 32) when not NULL. */
static struct fastio_client *new_user(char *id_out)
{
    struct it_user u;
    it_user_new(&u, &fx.srv, 0);
    if (id_out)
        snprintf(id_out, 32, "%s", u.id);
    return it_user_take_client(&u);
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Create an org with a unique domain (copied to domain_out, size >= 64) and return it. */
static json_t *org_new(struct fastio_client *c, char *domain_out)
{
    char domain[64];
    it_unique_name("org", domain, sizeof(domain));
    struct fastio_org_opts o = {domain, NULL, NULL, NULL, NULL};
    json_t *org = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_create(c, &o, &org, &err), FASTIO_OK);
    if (domain_out)
        snprintf(domain_out, 64, "%s", domain);
    return org;
}

/* Create an org with a unique domain (copied to domain_out, size >= 64, when not NULL); its id
 * goes to id (size >= 32). */
static void org_id_new(struct fastio_client *c, char *id, char *domain_out)
{
    json_t *org = org_new(c, domain_out);
    snprintf(id, 32, "%s", jstr(org, "id"));
    json_decref(org);
}

/* A new user's client with a new org (org_id_new). */
static struct fastio_client *user_with_org(char *id, char *domain_out)
{
    struct fastio_client *c = new_user(NULL);
    org_id_new(c, id, domain_out);
    return c;
}

/* c's org list (external: the external list) holds exactly n orgs. */
static void assert_org_count(struct fastio_client *c, bool external, size_t n)
{
    json_t *orgs = NULL;
    struct fastio_error err;
    assert_int_equal(external ? fastio_org_list_external(c, NULL, &orgs, &err)
                              : fastio_org_list(c, NULL, &orgs, &err),
                     FASTIO_OK);
    assert_int_equal(json_array_size(orgs), n);
    json_decref(orgs);
}

/* No members API for these cases: user becomes a member with role of the org or workspace
 * (scope "org" / "workspace") id, straight in the database. */
static void db_member(const char *scope, const char *id, const char *user, const char *role)
{
    char sql[200];
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s_members(%s_id, user_id, role, created) VALUES (?1, ?2, ?3, 0)", scope,
             scope);
    assert_int_equal(it_db(&fx.srv, sql, id, user, role, (const char *)NULL), 0);
}

/* Create with the given options; returns the status and checks the API code of a failure. */
static enum fastio_status create_expect(struct fastio_client *c, const char *domain,
                                        const char *name, const char *descr, const char *industry,
                                        const char *billing, long api_code)
{
    struct fastio_org_opts o = {domain, name, descr, industry, billing};
    struct fastio_error err;
    json_t *org = NULL;
    enum fastio_status st = fastio_org_create(c, &o, &org, &err);
    if (st == FASTIO_OK)
        json_decref(org);
    else if (api_code)
        assert_int_equal(err.api_code, api_code);
    return st;
}

/* POST /org/{org}/update/ with name/value pairs (NULL-terminated); *out gets the org on success. */
static enum fastio_status update(struct fastio_client *c, const char *org, json_t **out,
                                 struct fastio_error *err, ...)
{
    struct fastio_param p[32];
    size_t n = 0;
    va_list ap;
    va_start(ap, err);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL && n < 32) {
        p[n].name = k;
        p[n].value = va_arg(ap, const char *);
        n++;
    }
    va_end(ap);
    return fastio_org_update(c, org, p, n, out, err);
}

/* GET a paged list with raw limit / offset text (NULL = not sent): the whole response. */
static enum fastio_status list_raw(struct fastio_client *c, enum fastio_endpoint ep,
                                   const char *arg, const char *limit, const char *offset,
                                   json_t **resp, struct fastio_error *err)
{
    struct fastio_param p[2] = {{"limit", limit}, {"offset", offset}};
    return fastio_call(c, ep, arg ? &arg : NULL, arg ? 1 : 0, p, 2, resp, err);
}

static void assert_page(json_t *resp, const char *key, size_t items, long long total, bool more)
{
    assert_int_equal(json_array_size(json_object_get(resp, key)), items);
    json_t *pg = json_object_get(resp, "pagination");
    assert_int_equal(json_integer_value(json_object_get(pg, "total")), total);
    assert_true(json_boolean_value(json_object_get(pg, "has_more")) == more);
}

/* ---- create ----------------------------------------------------------------------------------- */

static void test_create_defaults_and_fields(void **state)
{
    (void)state;
    char me[32], domain[64];
    struct fastio_client *c = new_user(me);
    json_t *org = org_new(c, domain);
    assert_string_equal(jstr(org, "domain"), domain);
    assert_string_equal(jstr(org, "name"), domain); /* name defaults to the domain */
    assert_string_equal(jstr(org, "description"), "");
    assert_string_equal(jstr(org, "owner_id"), me);
    assert_string_equal(jstr(org, "user_permission"), "owner");
    assert_string_equal(jstr(org, "perm_member_manage"), "Admin or above");
    assert_true(json_is_true(json_object_get(org, "member")));
    assert_true(json_is_false(json_object_get(org, "closed")));
    assert_int_equal(strlen(jstr(org, "id")), 19);
    json_decref(org);

    char d2[64];
    it_unique_name("acme", d2, sizeof(d2));
    struct fastio_org_opts o = {d2, "Acme Corp", "A company that makes\neverything.", "Tools",
                                "billing@acme.test"};
    struct fastio_error err;
    assert_int_equal(fastio_org_create(c, &o, &org, &err), FASTIO_OK);
    assert_string_equal(jstr(org, "name"), "Acme Corp");
    assert_string_equal(jstr(org, "description"), "A company that makes\neverything.");
    assert_string_equal(jstr(org, "industry"), "Tools");
    assert_string_equal(jstr(org, "billing_email"), "billing@acme.test");
    json_decref(org);
    fastio_client_free(c);
}

static void test_create_domain_rules(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char long64[65], long63[64];
    memset(long64, 'a', 64);
    long64[64] = 0;
    memset(long63, 'b', 63);
    long63[63] = 0;
    const char *bad[] = {"a",     "",      "Acme",  "ACME",  "-acme", "acme-", "ac me",
                         "ac_me", "ac.me", "12345", "null",  long64,  "ac/me", "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("domain '%s'\n", bad[i]);
        assert_int_equal(create_expect(c, bad[i], NULL, NULL, NULL, NULL, 1605), FASTIO_INVALID);
    }
    assert_int_equal(create_expect(c, long63, NULL, NULL, NULL, NULL, 0), FASTIO_OK);
    assert_int_equal(create_expect(c, "x1", NULL, NULL, NULL, NULL, 0), FASTIO_OK);
    assert_int_equal(create_expect(c, "a-b-c", NULL, NULL, NULL, NULL, 0), FASTIO_OK);

    /* taken, by this user or another one */
    struct fastio_error err;
    struct fastio_org_opts o = {"a-b-c", NULL, NULL, NULL, NULL};
    assert_int_equal(fastio_org_create(c, &o, NULL, &err), FASTIO_CONFLICT);
    assert_int_equal(err.http_status, 409);
    assert_int_equal(err.api_code, 1660);
    struct fastio_client *other = new_user(NULL);
    assert_int_equal(fastio_org_create(other, &o, NULL, &err), FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 1660);

    /* no domain at all: the error names the field */
    char tok[128], authz[160], *body = NULL;
    it_new_user(&fx.srv, tok, sizeof(tok), NULL);
    snprintf(authz, sizeof(authz), "Bearer %s", tok);
    assert_int_equal(it_raw(&fx.srv, "POST", "/current/org/create/",
                            "application/x-www-form-urlencoded", "name=Nameless", 13, authz, &body),
                     400);
    long code;
    json_t *j = it_error_body(body, &code);
    assert_int_equal(code, 1605);
    assert_string_equal(it_error_param(j, 0, "name"), "domain");
    assert_string_equal(it_error_param(j, 0, "kind"), "missing");
    json_decref(j);
    free(body);

    /* nothing above left an org behind */
    assert_org_count(c, false, 3);
    fastio_client_free(other);
    fastio_client_free(c);
}

static void test_create_text_rules(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char d[64];
    it_unique_name("text", d, sizeof(d));
    char s101[102], s100[101], s1001[1002], s10[11], eacute100[201];
    memset(s101, 'n', 101);
    s101[101] = 0;
    memset(s100, 'n', 100);
    s100[100] = 0;
    memset(s1001, 'd', 1001);
    s1001[1001] = 0;
    memcpy(s10, "0123456789", 11);
    for (int i = 0; i < 100; i++)
        memcpy(eacute100 + 2 * i, "\xc3\xa9", 2);
    eacute100[200] = 0;

    /* name: 3-100 characters, one line, no controls or bidi overrides */
    const char *bad_names[] = {"ab", s101, "   ", "a\x01" "bc", "abc\ndef", "ab\xe2\x80\xae" "cd",
                               "bad\xff" "utf"};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
        assert_int_equal(create_expect(c, d, bad_names[i], NULL, NULL, NULL, 1605),
                         FASTIO_INVALID);
    /* description: 10-1000 characters */
    assert_int_equal(create_expect(c, d, NULL, "too short", NULL, NULL, 1605), FASTIO_INVALID);
    assert_int_equal(create_expect(c, d, NULL, s1001, NULL, NULL, 1605), FASTIO_INVALID);
    /* industry: 1-100 */
    assert_int_equal(create_expect(c, d, NULL, NULL, s101, NULL, 1605), FASTIO_INVALID);
    /* billing_email */
    const char *bad_mail[] = {"not-an-email", "a@b@c.test", "@x.test", "a b@x.test", "a@", "a@.x",
                              "a@x..test"};
    for (size_t i = 0; i < sizeof(bad_mail) / sizeof(bad_mail[0]); i++)
        assert_int_equal(create_expect(c, d, NULL, NULL, NULL, bad_mail[i], 1605), FASTIO_INVALID);

    /* failed creates left nothing: the domain is still free, and the limits themselves pass
     * (lengths count characters: 100 x U+00E9 is 200 bytes) */
    assert_org_count(c, false, 0);
    assert_int_equal(create_expect(c, d, s100, s10, "x", "ok@x.test", 0), FASTIO_OK);
    char d2[64];
    it_unique_name("text", d2, sizeof(d2));
    assert_int_equal(create_expect(c, d2, eacute100, "\xe6\x97\xa5\xe6\x9c\xac", NULL, NULL, 1605),
                     FASTIO_INVALID); /* 2-character description */
    assert_int_equal(create_expect(c, d2, eacute100, "tab\tand\r\nnewlines ok", NULL, NULL, 0),
                     FASTIO_OK);
    json_t *org = NULL;
    assert_int_equal(fastio_org_details(c, d2, &org, NULL), FASTIO_OK);
    assert_string_equal(jstr(org, "name"), eacute100);
    assert_string_equal(jstr(org, "description"), "tab\tand\r\nnewlines ok");
    json_decref(org);
    fastio_client_free(c);
}

/* ---- lists ------------------------------------------------------------------------------------ */

static void test_list_pagination(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char domains[5][64];
    for (int i = 0; i < 5; i++)
        json_decref(org_new(c, domains[i]));
    struct fastio_error err;
    json_t *orgs = NULL;
    assert_int_equal(fastio_org_list(c, NULL, &orgs, &err), FASTIO_OK);
    assert_int_equal(json_array_size(orgs), 5);
    for (size_t i = 0; i < 5; i++) /* creation order */
        assert_string_equal(jstr(json_array_get(orgs, i), "domain"), domains[i]);
    json_decref(orgs);

    /* limit / offset as sent (NULL: not sent): the page, and the domain of one of its items */
    static const struct {
        const char *limit, *offset;
        size_t items;
        bool more;
        int at, domain; /* items[at] is domains[domain]; at -1: nothing to check */
    } pages[] = {
        {"2", NULL, 2, true, 1, 1},
        {"2", "2", 2, true, 0, 2},
        {"2", "4", 1, false, 0, 4},
        {NULL, "50", 0, false, -1, 0},
    };
    json_t *resp = NULL;
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        print_message("limit %s offset %s\n", pages[i].limit ? pages[i].limit : "-",
                      pages[i].offset ? pages[i].offset : "-");
        assert_int_equal(
            list_raw(c, FASTIO_EP_ORG_LIST, NULL, pages[i].limit, pages[i].offset, &resp, &err),
            FASTIO_OK);
        assert_page(resp, "orgs", pages[i].items, 5, pages[i].more);
        if (pages[i].at >= 0)
            assert_string_equal(
                jstr(json_array_get(json_object_get(resp, "orgs"), (size_t)pages[i].at), "domain"),
                domains[pages[i].domain]);
        json_decref(resp);
    }
    /* the typed wrapper sends the same paging */
    struct fastio_page pg = {3, 3};
    assert_int_equal(fastio_org_list(c, &pg, &orgs, &err), FASTIO_OK);
    assert_int_equal(json_array_size(orgs), 2);
    assert_string_equal(jstr(json_array_get(orgs, 0), "domain"), domains[3]);
    json_decref(orgs);

    const char *bad[][2] = {{"0", NULL}, {"501", NULL}, {"abc", NULL}, {NULL, "-1"}, {NULL, "x"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(list_raw(c, FASTIO_EP_ORG_LIST, NULL, bad[i][0], bad[i][1], &resp, &err),
                         FASTIO_INVALID);
        assert_int_equal(err.api_code, 1605);
    }

    /* another user sees none of them, in either list */
    struct fastio_client *other = new_user(NULL);
    assert_int_equal(list_raw(other, FASTIO_EP_ORG_LIST, NULL, NULL, NULL, &resp, &err), FASTIO_OK);
    assert_page(resp, "orgs", 0, 0, false);
    json_decref(resp);
    assert_org_count(other, true, 0);
    fastio_client_free(other);
    fastio_client_free(c);
}

/* A user who is only a workspace member of an org sees it in the external list, without its
 * org-internal fields, and not in the member list. */
static void test_list_external(void **state)
{
    (void)state;
    struct fastio_client *a = new_user(NULL);
    char bid[32], org_id[32], ws_id[32];
    struct fastio_client *b = new_user(bid);
    it_org_ws(a, org_id, ws_id);
    struct fastio_error err;
    json_t *org = NULL;
    assert_int_equal(update(a, org_id, &org, &err, "billing_email", "pay@a.test", "owner_defined",
                            "{\"k\":1}", (const char *)NULL),
                     FASTIO_OK);
    json_decref(org);

    assert_org_count(b, true, 0);
    /* no members API yet: make b a workspace member in the database */
    db_member("workspace", ws_id, bid, "member");
    json_t *resp = NULL;
    assert_int_equal(list_raw(b, FASTIO_EP_ORG_LIST_EXTERNAL, NULL, NULL, NULL, &resp, &err),
                     FASTIO_OK);
    assert_page(resp, "orgs", 1, 1, false);
    json_t *ext = json_array_get(json_object_get(resp, "orgs"), 0);
    assert_string_equal(jstr(ext, "id"), org_id);
    assert_true(json_is_false(json_object_get(ext, "member")));
    assert_true(json_is_null(json_object_get(ext, "user_permission")));
    assert_null(json_object_get(ext, "billing_email"));
    assert_null(json_object_get(ext, "owner_defined"));
    json_decref(resp);
    /* not an org member: not in the member list, and org routes stay closed */
    assert_org_count(b, false, 0);
    assert_int_equal(fastio_org_details(b, org_id, &org, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1670);
    json_t *ws = NULL;
    assert_int_equal(fastio_workspace_details(b, ws_id, &ws, &err), FASTIO_OK);
    assert_string_equal(jstr(ws, "user_permission"), "member");
    json_decref(ws);
    /* the owner's own org is not "external" to the owner */
    assert_org_count(a, true, 0);
    /* a closed org leaves the external list */
    assert_int_equal(fastio_org_close(a, org_id, org_id, &err), FASTIO_OK);
    assert_org_count(b, true, 0);
    fastio_client_free(a);
    fastio_client_free(b);
}

/* ---- details ---------------------------------------------------------------------------------- */

static void test_details_by_id_and_domain(void **state)
{
    (void)state;
    char domain[64], id[32];
    struct fastio_client *c = user_with_org(id, domain);
    json_t *org = NULL;
    struct fastio_error err;
    json_t *by_id = NULL, *by_domain = NULL;
    assert_int_equal(fastio_org_details(c, id, &by_id, &err), FASTIO_OK);
    assert_int_equal(fastio_org_details(c, domain, &by_domain, &err), FASTIO_OK);
    assert_string_equal(jstr(by_id, "id"), id);
    assert_string_equal(jstr(by_domain, "id"), id);
    assert_string_equal(jstr(by_domain, "domain"), domain);
    assert_string_equal(jstr(by_id, "user_permission"), "owner");
    json_decref(by_id);
    json_decref(by_domain);

    const char *unknown[] = {"1234567890123456789", "no-such-domain-x", "9"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(fastio_org_details(c, unknown[i], &org, &err), FASTIO_NOT_FOUND);
        assert_int_equal(err.api_code, 1609);
        assert_null(org);
    }
    /* someone else's org exists but is not theirs */
    struct fastio_client *other = new_user(NULL);
    assert_int_equal(fastio_org_details(other, id, &org, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.http_status, 403);
    assert_int_equal(err.api_code, 1670);
    assert_int_equal(fastio_org_details(other, domain, &org, &err), FASTIO_FORBIDDEN);
    fastio_client_free(other);
    fastio_client_free(c);
}

/* ---- update ----------------------------------------------------------------------------------- */

static void test_update_each_field_kind(void **state)
{
    (void)state;
    char domain[64], id[32];
    struct fastio_client *c = user_with_org(id, domain);
    json_t *org = NULL;
    struct fastio_error err;

    assert_int_equal(update(c, id, &org, &err, "name", "New Name", "description",
                            "Line one\nline two", "industry", "Software", "billing_email",
                            "pay@x.test", "homepage", "https://example.com/x", "perm_member_manage",
                            "Owner only", "use_background", "yes", "accent_color",
                            "{\"r\":255,\"g\":0}", "facebook", "acme", (const char *)NULL),
                     FASTIO_OK);
    assert_string_equal(jstr(org, "name"), "New Name");
    assert_string_equal(jstr(org, "description"), "Line one\nline two");
    assert_string_equal(jstr(org, "industry"), "Software");
    assert_string_equal(jstr(org, "billing_email"), "pay@x.test");
    assert_string_equal(jstr(org, "homepage"), "https://example.com/x");
    assert_string_equal(jstr(org, "perm_member_manage"), "Owner only");
    assert_true(json_is_true(json_object_get(org, "use_background")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(org, "accent_color"), "r")),
                     255);
    assert_string_equal(jstr(org, "facebook"), "acme");
    json_decref(org);

    /* each bad value is refused and changes nothing */
    const char *bad[][2] = {
        {"name", "x"},
        {"description", "short"},
        {"billing_email", "nope"},
        {"homepage", "ftp://example.com"},
        {"homepage", "javascript:alert(1)"},
        {"homepage", "https://exa mple.com"},
        {"perm_member_manage", "Everyone"},
        {"perm_member_manage", "owner only"},
        {"use_background", "maybe"},
        {"accent_color", "[1,2]"},
        {"accent_color", "{not json"},
        {"owner_defined", "\"text\""},
        {"facebook", "a\x01" "b"},
        {"domain", "Bad-Domain"},
        {"domain", "-x"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("%s = '%s'\n", bad[i][0], bad[i][1]);
        assert_int_equal(update(c, id, &org, &err, bad[i][0], bad[i][1], (const char *)NULL),
                         FASTIO_INVALID);
        assert_int_equal(err.api_code, 1605);
    }
    /* one bad field spoils the whole update */
    assert_int_equal(
        update(c, id, &org, &err, "name", "Would Change", "homepage", "nope", (const char *)NULL),
        FASTIO_INVALID);
    assert_int_equal(fastio_org_details(c, id, &org, &err), FASTIO_OK);
    assert_string_equal(jstr(org, "name"), "New Name");
    assert_string_equal(jstr(org, "homepage"), "https://example.com/x");
    json_decref(org);

    /* domain: renamed, the old one no longer resolves; a taken one conflicts */
    char nd[64], taken[64];
    it_unique_name("renamed", nd, sizeof(nd));
    assert_int_equal(update(c, id, &org, &err, "domain", nd, (const char *)NULL), FASTIO_OK);
    assert_string_equal(jstr(org, "domain"), nd);
    json_decref(org);
    assert_int_equal(fastio_org_details(c, nd, &org, &err), FASTIO_OK);
    assert_string_equal(jstr(org, "id"), id);
    json_decref(org);
    assert_int_equal(fastio_org_details(c, domain, &org, &err), FASTIO_NOT_FOUND);
    json_decref(org_new(c, taken));
    assert_int_equal(update(c, id, &org, &err, "domain", taken, (const char *)NULL),
                     FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 1660);
    /* the same domain again is not a conflict with itself */
    assert_int_equal(
        update(c, id, &org, &err, "domain", nd, "industry", "Again", (const char *)NULL),
        FASTIO_OK);
    json_decref(org);
    fastio_client_free(c);
}

static void test_update_null_clears(void **state)
{
    (void)state;
    char domain[64], id[32];
    struct fastio_client *c = user_with_org(id, domain);
    json_t *org = NULL;
    struct fastio_error err;
    assert_int_equal(update(c, id, &org, &err, "name", "Named Org", "description",
                            "Something long enough", "industry", "Retail", "homepage",
                            "http://x.test", "perm_member_manage", "Member or above",
                            "accent_color", "{\"a\":1}", "twitter", "@x", (const char *)NULL),
                     FASTIO_OK);
    json_decref(org);
    assert_int_equal(update(c, id, &org, &err, "description", "null", "industry", "", "homepage",
                            "null", "perm_member_manage", "null", "accent_color", "null", "twitter",
                            "", "name", "null", (const char *)NULL),
                     FASTIO_OK);
    assert_string_equal(jstr(org, "description"), "");
    assert_string_equal(jstr(org, "industry"), "");
    assert_string_equal(jstr(org, "homepage"), "");
    assert_string_equal(jstr(org, "perm_member_manage"), "Admin or above");
    assert_null(json_object_get(org, "accent_color"));
    assert_null(json_object_get(org, "twitter"));
    assert_string_equal(jstr(org, "name"), domain); /* a cleared name is the domain */
    json_decref(org);
    /* name cleared together with a new domain takes the new domain */
    char nd[64];
    it_unique_name("cleared", nd, sizeof(nd));
    assert_int_equal(update(c, id, &org, &err, "name", "null", "domain", nd, (const char *)NULL),
                     FASTIO_OK);
    assert_string_equal(jstr(org, "name"), nd);
    json_decref(org);
    /* the domain cannot be cleared */
    assert_int_equal(update(c, id, &org, &err, "domain", "null", (const char *)NULL),
                     FASTIO_INVALID);
    assert_int_equal(update(c, id, &org, &err, "domain", "", (const char *)NULL), FASTIO_INVALID);
    assert_int_equal(fastio_org_details(c, id, &org, &err), FASTIO_OK);
    assert_string_equal(jstr(org, "domain"), nd);
    json_decref(org);
    fastio_client_free(c);
}

static void test_update_ignores_unknown_and_mass_assignment(void **state)
{
    (void)state;
    char me[32], other_id[32];
    struct fastio_client *c = new_user(me);
    struct fastio_client *other = new_user(other_id);
    json_t *org = org_new(c, NULL);
    char id[32], created[64];
    snprintf(id, sizeof(id), "%s", jstr(org, "id"));
    snprintf(created, sizeof(created), "%s", jstr(org, "created"));
    json_decref(org);
    struct fastio_error err;
    assert_int_equal(update(c, id, &org, &err, "owner_id", other_id, "id", "1111111111111111111",
                            "closed", "true", "member", "false", "created",
                            "2000-01-01 00:00:00 UTC", "user_permission", "member", "bogus", "x",
                            "name", "Still Mine", (const char *)NULL),
                     FASTIO_OK);
    assert_string_equal(jstr(org, "name"), "Still Mine");
    assert_string_equal(jstr(org, "id"), id);
    assert_string_equal(jstr(org, "owner_id"), me);
    assert_string_equal(jstr(org, "created"), created);
    assert_string_equal(jstr(org, "user_permission"), "owner");
    assert_true(json_is_false(json_object_get(org, "closed")));
    assert_null(json_object_get(org, "bogus"));
    json_decref(org);
    /* the org is still open and still the owner's; the other user did not gain it */
    assert_int_equal(fastio_org_details(c, id, &org, &err), FASTIO_OK);
    assert_string_equal(jstr(org, "owner_id"), me);
    json_decref(org);
    assert_int_equal(fastio_org_details(other, id, &org, &err), FASTIO_FORBIDDEN);

    /* no known field at all */
    assert_int_equal(
        update(c, id, &org, &err, "owner_id", other_id, "bogus", "x", (const char *)NULL),
        FASTIO_INVALID);
    assert_int_equal(err.api_code, 1605);
    assert_int_equal(update(c, id, &org, &err, (const char *)NULL), FASTIO_INVALID);
    /* a non-member cannot update */
    assert_int_equal(update(other, id, &org, &err, "name", "Hijacked", (const char *)NULL),
                     FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1670);
    assert_int_equal(fastio_org_details(c, id, &org, &err), FASTIO_OK);
    assert_string_equal(jstr(org, "name"), "Still Mine");
    json_decref(org);
    fastio_client_free(other);
    fastio_client_free(c);
}

/* ---- close ------------------------------------------------------------------------------------ */

static void test_close(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char org_id[32], ws_id[32], domain[64];
    it_org_ws(c, org_id, ws_id);
    json_t *org = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_details(c, org_id, &org, &err), FASTIO_OK);
    snprintf(domain, sizeof(domain), "%s", jstr(org, "domain"));
    json_decref(org);

    assert_int_equal(fastio_org_close(c, org_id, "not-the-domain", &err), FASTIO_INVALID);
    assert_int_equal(err.api_code, 1605);
    assert_int_equal(fastio_org_close(c, org_id, "", &err), FASTIO_INVALID);
    assert_int_equal(fastio_org_close(c, org_id, "1234567890123456789", &err), FASTIO_INVALID);

    /* a non-member, and an org admin, may not close it */
    char bid[32];
    struct fastio_client *b = new_user(bid);
    assert_int_equal(fastio_org_close(b, org_id, domain, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1670);
    db_member("org", org_id, bid, "admin");
    assert_int_equal(
        update(b, org_id, &org, &err, "industry", "Admins may update", (const char *)NULL),
        FASTIO_OK);
    json_decref(org);
    assert_int_equal(fastio_org_close(b, org_id, domain, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1680);

    /* still open after all that */
    assert_int_equal(fastio_org_details(c, domain, &org, &err), FASTIO_OK);
    json_decref(org);
    json_t *ws = NULL;
    char folder[64];
    assert_int_equal(fastio_workspace_details(c, ws_id, &ws, &err), FASTIO_OK);
    snprintf(folder, sizeof(folder), "%s", jstr(ws, "folder_name"));
    json_decref(ws);

    /* the owner closes it (confirm = domain): gone for everyone, its workspace too */
    assert_int_equal(fastio_org_close(c, domain, domain, &err), FASTIO_OK);
    assert_int_equal(fastio_org_details(c, org_id, &org, &err), FASTIO_NOT_FOUND);
    assert_int_equal(err.api_code, 1609);
    assert_int_equal(fastio_org_details(c, domain, &org, &err), FASTIO_NOT_FOUND);
    assert_int_equal(fastio_org_details(b, org_id, &org, &err), FASTIO_NOT_FOUND);
    assert_int_equal(fastio_workspace_details(c, ws_id, &ws, &err), FASTIO_NOT_FOUND);
    assert_org_count(c, false, 0);
    json_t *list = NULL;
    assert_int_equal(fastio_workspace_list(c, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    assert_int_equal(fastio_org_close(c, org_id, org_id, &err), FASTIO_NOT_FOUND);
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_list(c, ws_id, "root", NULL, &nodes, NULL, &err),
                     FASTIO_NOT_FOUND);
    /* the domain stays reserved, and so does its workspace's folder_name */
    struct fastio_org_opts o = {domain, NULL, NULL, NULL, NULL};
    assert_int_equal(fastio_org_create(b, &o, &org, &err), FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 1660);
    char boid[32];
    org_id_new(b, boid, NULL);
    struct fastio_workspace_opts wo = {"Taken", folder, NULL, NULL, NULL, 0};
    assert_int_equal(fastio_workspace_create(b, boid, &wo, &ws, &err), FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 1660);

    /* confirm by id works too */
    char sid[32];
    org_id_new(c, sid, NULL);
    assert_int_equal(fastio_org_close(c, sid, sid, &err), FASTIO_OK);
    assert_int_equal(fastio_org_details(c, sid, &org, &err), FASTIO_NOT_FOUND);
    fastio_client_free(b);
    fastio_client_free(c);
}

/* ---- an org's workspaces ---------------------------------------------------------------------- */

static void test_org_workspaces(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char org_id[32], ids[4][32];
    org_id_new(c, org_id, NULL);
    struct fastio_error err;
    json_t *list = NULL;
    assert_int_equal(fastio_org_workspaces(c, org_id, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    for (int i = 0; i < 3; i++) {
        json_t *ws = it_ws_new(c, "A workspace", org_id, NULL);
        snprintf(ids[i], sizeof(ids[i]), "%s", jstr(ws, "id"));
        json_decref(ws);
    }
    /* a workspace of another org of the same user is not listed */
    char other_org[32];
    it_org_ws(c, other_org, NULL);

    assert_int_equal(fastio_org_workspaces(c, org_id, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *w = json_array_get(list, i);
        assert_string_equal(jstr(w, "id"), ids[i]);
        assert_string_equal(jstr(w, "org_id"), org_id);
        assert_string_equal(jstr(w, "user_permission"), "owner");
    }
    json_decref(list);
    json_t *resp = NULL;
    assert_int_equal(list_raw(c, FASTIO_EP_ORG_WORKSPACES, org_id, "2", "1", &resp, &err),
                     FASTIO_OK);
    assert_page(resp, "workspaces", 2, 3, false);
    assert_string_equal(jstr(json_array_get(json_object_get(resp, "workspaces"), 0), "id"), ids[1]);
    json_decref(resp);
    assert_int_equal(list_raw(c, FASTIO_EP_ORG_WORKSPACES, org_id, "1", NULL, &resp, &err),
                     FASTIO_OK);
    assert_page(resp, "workspaces", 1, 3, true);
    json_decref(resp);
    assert_int_equal(list_raw(c, FASTIO_EP_ORG_WORKSPACES, org_id, "9999", NULL, &resp, &err),
                     FASTIO_INVALID);

    /* outsiders: forbidden; unknown org: not found */
    char bid[32];
    struct fastio_client *b = new_user(bid);
    assert_int_equal(fastio_org_workspaces(b, org_id, NULL, &list, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1670);
    assert_int_equal(fastio_org_workspaces(c, "no-such-org-here", NULL, &list, &err),
                     FASTIO_NOT_FOUND);

    /* an org member (set up in the database: no members API yet) sees only the workspaces they
     * belong to; the owner sees all, with user_permission null where they hold no role */
    db_member("org", org_id, bid, "member");
    assert_int_equal(fastio_org_workspaces(b, org_id, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    db_member("workspace", ids[1], bid, "guest");
    json_t *bws = it_ws_new(b, "A workspace", org_id, NULL); /* org members may create workspaces */
    snprintf(ids[3], sizeof(ids[3]), "%s", jstr(bws, "id"));
    json_decref(bws);
    assert_int_equal(fastio_org_workspaces(b, org_id, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(jstr(json_array_get(list, 0), "id"), ids[1]);
    assert_string_equal(jstr(json_array_get(list, 0), "user_permission"), "guest");
    assert_string_equal(jstr(json_array_get(list, 1), "id"), ids[3]);
    assert_string_equal(jstr(json_array_get(list, 1), "user_permission"), "owner");
    json_decref(list);
    assert_int_equal(fastio_org_workspaces(c, org_id, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 4);
    assert_string_equal(jstr(json_array_get(list, 3), "id"), ids[3]);
    assert_true(json_is_null(json_object_get(json_array_get(list, 3), "user_permission")));
    json_decref(list);
    fastio_client_free(b);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_create_defaults_and_fields),
    cmocka_unit_test(test_create_domain_rules),
    cmocka_unit_test(test_create_text_rules),
    cmocka_unit_test(test_list_pagination),
    cmocka_unit_test(test_list_external),
    cmocka_unit_test(test_details_by_id_and_domain),
    cmocka_unit_test(test_update_each_field_kind),
    cmocka_unit_test(test_update_null_clears),
    cmocka_unit_test(test_update_ignores_unknown_and_mass_assignment),
    cmocka_unit_test(test_close),
    cmocka_unit_test(test_org_workspaces),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
