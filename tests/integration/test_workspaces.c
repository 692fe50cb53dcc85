/* SPDX-License-Identifier: MIT */
/* test_workspaces.c - workspaces through libfastio against a real fastio-server (api §3.4,
 * docs/decisions.md "Organizations and workspaces"): create (the five required fields, invalid
 * values, folder_name conflicts), the caller's list with paging, details by id and folder_name,
 * update, archive / unarchive and delete. Raw requests (it_raw) send what the library never
 * would: create bodies with a required field left out. */
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

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A new user: client, and "Bearer <token>" in authz (size >= 160) when not NULL. */
static struct fastio_client *new_user(char *authz)
{
    struct it_user u;
    it_user_new(&u, &fx.srv, 0);
    if (authz)
        snprintf(authz, 160, "%.159s", u.authz);
    return it_user_take_client(&u);
}

static void new_org(struct fastio_client *c, char id[32])
{
    char domain[64];
    it_unique_name("org", domain, sizeof(domain));
    struct fastio_org_opts o = {domain, NULL, NULL, NULL, NULL};
    json_t *org = NULL;
    assert_int_equal(fastio_org_create(c, &o, &org, NULL), FASTIO_OK);
    snprintf(id, 32, "%s", jstr(org, "id"));
    json_decref(org);
}

/* A workspace "Workspace" in org: its id to id, its folder_name to folder (size >= 64) when
 * not NULL. */
static void ws_id_new(struct fastio_client *c, const char *org, char id[32], char *folder)
{
    json_t *ws = it_ws_new(c, "Workspace", org, folder);
    snprintf(id, 32, "%s", jstr(ws, "id"));
    json_decref(ws);
}

/* A new user's client with an org (its id to org) and a workspace in it (ws_id_new). */
static struct fastio_client *user_org_ws(char org[32], char id[32], char *folder)
{
    struct fastio_client *c = new_user(NULL);
    new_org(c, org);
    ws_id_new(c, org, id, folder);
    return c;
}

/* fastio_call on a row taking one path argument, with name/value pairs (NULL-terminated). */
static enum fastio_status call1(struct fastio_client *c, enum fastio_endpoint ep, const char *arg,
                                json_t **resp, struct fastio_error *err, ...)
{
    struct fastio_param p[16];
    size_t n = 0;
    va_list ap;
    va_start(ap, err);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL && n < 16) {
        p[n].name = k;
        p[n].value = va_arg(ap, const char *);
        n++;
    }
    va_end(ap);
    return fastio_call(c, ep, &arg, 1, p, n, resp, err);
}

static void assert_page(json_t *resp, size_t items, long long total, bool more)
{
    assert_int_equal(json_array_size(json_object_get(resp, "workspaces")), items);
    json_t *pg = json_object_get(resp, "pagination");
    assert_int_equal(json_integer_value(json_object_get(pg, "total")), total);
    assert_true(json_boolean_value(json_object_get(pg, "has_more")) == more);
}

/* ---- create ----------------------------------------------------------------------------------- */

static void test_create_ok(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char org[32], folder[64];
    new_org(c, org);
    it_unique_name("full", folder, sizeof(folder));
    struct fastio_workspace_opts o = {"Design Team", folder, "Where designs live",
                                      "Admin or above", "Member or above", 1};
    json_t *ws = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_workspace_create(c, org, &o, &ws, &err), FASTIO_OK);
    assert_string_equal(jstr(ws, "name"), "Design Team");
    assert_string_equal(jstr(ws, "folder_name"), folder);
    assert_string_equal(jstr(ws, "description"), "Where designs live");
    assert_string_equal(jstr(ws, "perm_join"), "Admin or above");
    assert_string_equal(jstr(ws, "perm_member_manage"), "Member or above");
    assert_true(json_is_true(json_object_get(ws, "intelligence")));
    assert_true(json_is_false(json_object_get(ws, "archived")));
    assert_string_equal(jstr(ws, "org_id"), org);
    assert_string_equal(jstr(ws, "user_permission"), "owner");
    assert_true(json_is_true(
        json_object_get(json_object_get(ws, "capabilities"), "can_use_intelligence")));
    assert_int_equal(strlen(jstr(ws, "id")), 19);
    char id[32];
    snprintf(id, sizeof(id), "%s", jstr(ws, "id"));
    json_decref(ws);
    json_t *list = NULL;
    assert_int_equal(fastio_workspace_list(c, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(jstr(json_array_get(list, 0), "id"), id);
    json_decref(list);
    /* intelligence accepts the other boolean spellings */
    const char *yes[] = {"yes", "1", "TRUE"}, *no[] = {"no", "0", "False"};
    for (int i = 0; i < 3; i++) {
        char f1[64], f2[64];
        it_unique_name("b", f1, sizeof(f1));
        it_unique_name("b", f2, sizeof(f2));
        assert_int_equal(call1(c, FASTIO_EP_WORKSPACE_CREATE, org, &ws, &err, "name", "B",
                               "folder_name", f1, "perm_join", "Member or above",
                               "perm_member_manage", "Admin or above", "intelligence", yes[i],
                               (const char *)NULL),
                         FASTIO_OK);
        assert_true(json_is_true(json_object_get(json_object_get(ws, "workspace"), "intelligence")));
        json_decref(ws);
        assert_int_equal(call1(c, FASTIO_EP_WORKSPACE_CREATE, org, &ws, &err, "name", "B",
                               "folder_name", f2, "perm_join", "Only Org Owners",
                               "perm_member_manage", "Admin or above", "intelligence", no[i],
                               (const char *)NULL),
                         FASTIO_OK);
        assert_true(
            json_is_false(json_object_get(json_object_get(ws, "workspace"), "intelligence")));
        json_decref(ws);
    }
    fastio_client_free(c);
}

/* Each of the five required fields left out (or sent as "null" / ""): 400, and error.params
 * names the field with kind "missing". */
static void test_create_missing_fields(void **state)
{
    (void)state;
    char authz[160];
    struct fastio_client *c = new_user(authz);
    char org[32];
    new_org(c, org);
    char path[128];
    snprintf(path, sizeof(path), "/current/org/%s/create/workspace/", org);
    static const char *const fields[5] = {"name", "folder_name", "perm_join",
                                          "perm_member_manage", "intelligence"};
    const char *values[5] = {"Raw", "raw-ws-one", "Member%20or%20above", "Admin%20or%20above",
                             "false"};
    const char *forms[] = {NULL, "null", ""}; /* left out, "null", empty */
    for (size_t f = 0; f < 5; f++) {
        for (size_t k = 0; k < 3; k++) {
            char body[512] = "";
            size_t len = 0;
            for (size_t i = 0; i < 5; i++) {
                const char *v = i == f ? forms[k] : values[i];
                if (!v)
                    continue;
                len += (size_t)snprintf(body + len, sizeof(body) - len, "%s%s=%s", len ? "&" : "",
                                        fields[i], v);
            }
            char *resp = NULL;
            print_message("missing %s (%s): %s\n", fields[f], forms[k] ? forms[k] : "absent", body);
            assert_int_equal(it_raw(&fx.srv, "POST", path, "application/x-www-form-urlencoded",
                                    body, len, authz, &resp),
                             400);
            long code;
            json_t *j = it_error_body(resp, &code);
            assert_int_equal(code, 1605);
            assert_string_equal(it_error_param(j, 0, "name"), fields[f]);
            assert_string_equal(it_error_param(j, 0, "kind"), "missing");
            assert_int_equal(
                json_array_size(json_object_get(json_object_get(j, "error"), "params")), 1);
            json_decref(j);
            free(resp);
        }
    }
    /* all of them missing: every one is listed, in order */
    char *resp = NULL;
    assert_int_equal(it_raw(&fx.srv, "POST", path, "application/x-www-form-urlencoded",
                            "description=only", 16, authz, &resp),
                     400);
    json_t *j = it_error_body(resp, NULL);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(it_error_param(j, i, "name"), fields[i]);
        assert_string_equal(it_error_param(j, i, "kind"), "missing");
    }
    json_decref(j);
    free(resp);
    /* the JSON body form is read the same way */
    const char *json_body = "{\"name\":\"J\",\"folder_name\":\"json-ws\",\"perm_join\":\"Member "
                            "or above\",\"perm_member_manage\":\"Admin or above\"}";
    assert_int_equal(it_raw(&fx.srv, "POST", path, "application/json", json_body, strlen(json_body),
                            authz, &resp),
                     400);
    j = it_error_body(resp, NULL);
    assert_string_equal(it_error_param(j, 0, "name"), "intelligence");
    json_decref(j);
    free(resp);
    /* nothing was created; all five present works */
    json_t *list = NULL;
    assert_int_equal(fastio_org_workspaces(c, org, NULL, &list, NULL), FASTIO_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    const char *ok = "name=Raw&folder_name=raw-ws-one&perm_join=Member%20or%20above&"
                     "perm_member_manage=Admin%20or%20above&intelligence=false";
    assert_int_equal(it_raw(&fx.srv, "POST", path, "application/x-www-form-urlencoded", ok,
                            strlen(ok), authz, &resp),
                     200);
    free(resp);
    fastio_client_free(c);
}

static void test_create_invalid_values(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char org[32], folder[64];
    new_org(c, org);
    struct fastio_error err;
    json_t *ws = NULL;
    struct {
        const char *name, *folder, *join, *manage, *intel;
    } bad[] = {
        {"W", "ok-folder-a", "Anyone", "Admin or above", "false"},
        {"W", "ok-folder-a", "member or above", "Admin or above", "false"},
        {"W", "ok-folder-a", "Member or above", "Only Org Owners", "false"},
        {"W", "ok-folder-a", "Member or above", "Owner only", "false"},
        {"W", "ok-folder-a", "Member or above", "Admin or above", "maybe"},
        {"W", "ok-folder-a", "Member or above", "Admin or above", "2"},
        {"W", "Bad-Folder", "Member or above", "Admin or above", "false"},
        {"W", "-lead", "Member or above", "Admin or above", "false"},
        {"W", "a", "Member or above", "Admin or above", "false"},
        {"W", "123456", "Member or above", "Admin or above", "false"},
        {"W", "has space", "Member or above", "Admin or above", "false"},
        {"W\x01", "ok-folder-a", "Member or above", "Admin or above", "false"},
        {"W\xe2\x80\xae", "ok-folder-a", "Member or above", "Admin or above", "false"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("case %zu\n", i);
        assert_int_equal(call1(c, FASTIO_EP_WORKSPACE_CREATE, org, &ws, &err, "name", bad[i].name,
                               "folder_name", bad[i].folder, "perm_join", bad[i].join,
                               "perm_member_manage", bad[i].manage, "intelligence", bad[i].intel,
                               (const char *)NULL),
                         FASTIO_INVALID);
        assert_int_equal(err.api_code, 1605);
        assert_int_equal(err.http_status, 400);
    }
    char n101[102];
    memset(n101, 'n', 101);
    n101[101] = 0;
    struct fastio_workspace_opts o = {n101, "ok-folder-b", NULL, NULL, NULL, 0};
    assert_int_equal(fastio_workspace_create(c, org, &o, &ws, &err), FASTIO_INVALID);

    /* folder_name taken: in the same org, and in another user's org (names are global) */
    json_decref(it_ws_new(c, "Workspace", org, folder));
    struct fastio_workspace_opts dup = {"Dup", folder, NULL, NULL, NULL, 0};
    assert_int_equal(fastio_workspace_create(c, org, &dup, &ws, &err), FASTIO_CONFLICT);
    assert_int_equal(err.http_status, 409);
    assert_int_equal(err.api_code, 1660);
    struct fastio_client *other = new_user(NULL);
    char other_org[32];
    new_org(other, other_org);
    assert_int_equal(fastio_workspace_create(other, other_org, &dup, &ws, &err), FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 1660);
    /* creating in someone else's org, or an unknown one */
    struct fastio_workspace_opts fresh = {"Fresh", "fresh-folder-x", NULL, NULL, NULL, 0};
    assert_int_equal(fastio_workspace_create(other, org, &fresh, &ws, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1670);
    assert_int_equal(fastio_workspace_create(c, "1234567890123456789", &fresh, &ws, &err),
                     FASTIO_NOT_FOUND);
    /* the failures created nothing */
    json_t *list = NULL;
    assert_int_equal(fastio_workspace_list(c, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    fastio_client_free(other);
    fastio_client_free(c);
}

/* ---- list and details ------------------------------------------------------------------------- */

static void test_list_paging(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char org1[32], org2[32], ids[5][32];
    new_org(c, org1);
    new_org(c, org2);
    for (int i = 0; i < 5; i++) {
        json_t *ws = it_ws_new(c, "Workspace", i < 3 ? org1 : org2, NULL);
        snprintf(ids[i], sizeof(ids[i]), "%s", jstr(ws, "id"));
        json_decref(ws);
    }
    struct fastio_error err;
    json_t *list = NULL;
    assert_int_equal(fastio_workspace_list(c, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(jstr(json_array_get(list, i), "id"), ids[i]);
    json_decref(list);
    json_t *resp = NULL;
    const char *offsets[] = {"0", "2", "4", "5"};
    const size_t items[] = {2, 2, 1, 0};
    const bool more[] = {true, true, false, false};
    for (size_t i = 0; i < 4; i++) {
        struct fastio_param p[2] = {{"limit", "2"}, {"offset", offsets[i]}};
        assert_int_equal(fastio_call(c, FASTIO_EP_WORKSPACE_LIST, NULL, 0, p, 2, &resp, &err),
                         FASTIO_OK);
        assert_page(resp, items[i], 5, more[i]);
        if (items[i])
            assert_string_equal(jstr(json_array_get(json_object_get(resp, "workspaces"), 0), "id"),
                                ids[2 * i]);
        json_decref(resp);
    }
    struct fastio_page pg = {1, 3};
    assert_int_equal(fastio_workspace_list(c, &pg, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(jstr(json_array_get(list, 0), "id"), ids[3]);
    json_decref(list);
    struct fastio_param bad[] = {{"limit", "0"}, {"limit", "501"}, {"offset", "-3"}};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(fastio_call(c, FASTIO_EP_WORKSPACE_LIST, NULL, 0, &bad[i], 1, &resp, &err),
                         FASTIO_INVALID);
    /* archived workspaces stay listed; another user sees none */
    json_t *ws = NULL;
    assert_int_equal(fastio_workspace_archive(c, ids[0], true, &ws, &err), FASTIO_OK);
    json_decref(ws);
    assert_int_equal(fastio_workspace_list(c, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 5);
    assert_true(json_is_true(json_object_get(json_array_get(list, 0), "archived")));
    json_decref(list);
    struct fastio_client *other = new_user(NULL);
    assert_int_equal(fastio_workspace_list(other, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    fastio_client_free(other);
    fastio_client_free(c);
}

static void test_details_by_id_and_folder_name(void **state)
{
    (void)state;
    char org[32], folder[64], id[32];
    struct fastio_client *c = user_org_ws(org, id, folder);
    struct fastio_error err;
    json_t *a = NULL, *b = NULL;
    assert_int_equal(fastio_workspace_details(c, id, &a, &err), FASTIO_OK);
    assert_int_equal(fastio_workspace_details(c, folder, &b, &err), FASTIO_OK);
    assert_string_equal(jstr(a, "id"), id);
    assert_string_equal(jstr(b, "id"), id);
    assert_string_equal(jstr(b, "folder_name"), folder);
    assert_string_equal(jstr(a, "org_id"), org);
    json_decref(a);
    json_decref(b);
    const char *unknown[] = {"1234567890123456789", "no-such-folder", "x"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(fastio_workspace_details(c, unknown[i], &a, &err), FASTIO_NOT_FOUND);
        assert_int_equal(err.api_code, 1609);
    }
    /* exists, but the caller is not a member */
    struct fastio_client *other = new_user(NULL);
    assert_int_equal(fastio_workspace_details(other, id, &a, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.http_status, 403);
    assert_int_equal(err.api_code, 10545);
    assert_int_equal(fastio_workspace_details(other, folder, &a, &err), FASTIO_FORBIDDEN);
    fastio_client_free(other);
    fastio_client_free(c);
}

/* ---- update ----------------------------------------------------------------------------------- */

static void test_update_fields(void **state)
{
    (void)state;
    struct fastio_client *c = new_user(NULL);
    char org[32], id[32];
    new_org(c, org);
    json_t *ws = it_ws_new(c, "Workspace", org, NULL);
    snprintf(id, sizeof(id), "%s", jstr(ws, "id"));
    assert_true(json_is_false(json_object_get(ws, "intelligence")));
    json_decref(ws);
    struct fastio_error err;

    struct fastio_workspace_opts on = {NULL, NULL, NULL, NULL, NULL, 1};
    assert_int_equal(fastio_workspace_update(c, id, &on, &ws, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(ws, "intelligence")));
    json_decref(ws);
    struct fastio_workspace_opts off = {NULL, NULL, NULL, NULL, NULL, 0};
    assert_int_equal(fastio_workspace_update(c, id, &off, &ws, &err), FASTIO_OK);
    assert_true(json_is_false(json_object_get(ws, "intelligence")));
    json_decref(ws);

    struct fastio_workspace_opts perms = {"Renamed", NULL, "New description", "Only Org Owners",
                                          "Member or above", -1};
    assert_int_equal(fastio_workspace_update(c, id, &perms, &ws, &err), FASTIO_OK);
    assert_string_equal(jstr(ws, "name"), "Renamed");
    assert_string_equal(jstr(ws, "description"), "New description");
    assert_string_equal(jstr(ws, "perm_join"), "Only Org Owners");
    assert_string_equal(jstr(ws, "perm_member_manage"), "Member or above");
    assert_true(json_is_false(json_object_get(ws, "intelligence"))); /* not sent: unchanged */
    json_decref(ws);

    /* bad values change nothing */
    const char *bad[][2] = {{"perm_join", "Everyone"},     {"perm_member_manage", "Only Org Owners"},
                            {"intelligence", "maybe"},     {"name", "null"},
                            {"name", ""},                  {"folder_name", "null"},
                            {"folder_name", "UPPER"},      {"accent_color", "[]"},
                            {"owner_defined", "{broken"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("%s = '%s'\n", bad[i][0], bad[i][1]);
        assert_int_equal(call1(c, FASTIO_EP_WORKSPACE_UPDATE, id, &ws, &err, bad[i][0], bad[i][1],
                               (const char *)NULL),
                         FASTIO_INVALID);
        assert_int_equal(err.api_code, 1605);
    }
    /* "null" clears: perm_join to its default, description to empty, intelligence to off */
    assert_int_equal(call1(c, FASTIO_EP_WORKSPACE_UPDATE, id, &ws, &err, "intelligence", "true",
                           (const char *)NULL),
                     FASTIO_OK);
    json_decref(ws);
    assert_int_equal(call1(c, FASTIO_EP_WORKSPACE_UPDATE, id, &ws, &err, "perm_join", "null",
                           "description", "", "perm_member_manage", "null", "intelligence", "null",
                           (const char *)NULL),
                     FASTIO_OK);
    json_t *w = json_object_get(ws, "workspace");
    assert_string_equal(jstr(w, "perm_join"), "Member or above");
    assert_string_equal(jstr(w, "perm_member_manage"), "Admin or above");
    assert_string_equal(jstr(w, "description"), "");
    assert_true(json_is_false(json_object_get(w, "intelligence")));
    assert_string_equal(jstr(w, "name"), "Renamed");
    json_decref(ws);

    /* unknown and mass-assignment keys are ignored; alone they are "nothing to update" */
    assert_int_equal(call1(c, FASTIO_EP_WORKSPACE_UPDATE, id, &ws, &err, "archived", "true",
                           "org_id", "1234567890123456789", "id", "1111111111111111111",
                           "user_permission", "guest", "name", "Kept Safe", (const char *)NULL),
                     FASTIO_OK);
    w = json_object_get(ws, "workspace");
    assert_string_equal(jstr(w, "name"), "Kept Safe");
    assert_string_equal(jstr(w, "id"), id);
    assert_string_equal(jstr(w, "org_id"), org);
    assert_string_equal(jstr(w, "user_permission"), "owner");
    assert_true(json_is_false(json_object_get(w, "archived")));
    json_decref(ws);
    assert_int_equal(call1(c, FASTIO_EP_WORKSPACE_UPDATE, id, &ws, &err, "archived", "true",
                           "bogus", "1", (const char *)NULL),
                     FASTIO_INVALID);
    assert_int_equal(err.api_code, 1605);
    /* outsiders cannot update */
    struct fastio_client *other = new_user(NULL);
    struct fastio_workspace_opts hijack = {"Hijacked", NULL, NULL, NULL, NULL, -1};
    assert_int_equal(fastio_workspace_update(other, id, &hijack, &ws, &err), FASTIO_FORBIDDEN);
    assert_int_equal(fastio_workspace_details(c, id, &ws, &err), FASTIO_OK);
    assert_string_equal(jstr(ws, "name"), "Kept Safe");
    assert_true(json_is_false(json_object_get(ws, "archived")));
    json_decref(ws);
    fastio_client_free(other);
    fastio_client_free(c);
}

static void test_update_folder_name(void **state)
{
    (void)state;
    char org[32], old_folder[64], new_folder[64], taken[64], id[32], taken_id[32];
    struct fastio_client *c = user_org_ws(org, id, old_folder);
    ws_id_new(c, org, taken_id, taken);
    json_t *ws = NULL;
    it_unique_name("moved", new_folder, sizeof(new_folder));
    struct fastio_error err;
    struct fastio_workspace_opts to_taken = {NULL, taken, NULL, NULL, NULL, -1};
    assert_int_equal(fastio_workspace_update(c, id, &to_taken, &ws, &err), FASTIO_CONFLICT);
    assert_int_equal(err.api_code, 1660);
    struct fastio_workspace_opts rename = {NULL, new_folder, NULL, NULL, NULL, -1};
    assert_int_equal(fastio_workspace_update(c, old_folder, &rename, &ws, &err), FASTIO_OK);
    assert_string_equal(jstr(ws, "folder_name"), new_folder);
    json_decref(ws);
    assert_int_equal(fastio_workspace_details(c, new_folder, &ws, &err), FASTIO_OK);
    assert_string_equal(jstr(ws, "id"), id);
    json_decref(ws);
    assert_int_equal(fastio_workspace_details(c, old_folder, &ws, &err), FASTIO_NOT_FOUND);
    assert_int_equal(err.api_code, 1609);
    /* the storage routes follow the new name too */
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_list(c, new_folder, "root", NULL, &nodes, NULL, &err),
                     FASTIO_OK);
    json_decref(nodes);
    assert_int_equal(fastio_storage_list(c, old_folder, "root", NULL, &nodes, NULL, &err),
                     FASTIO_NOT_FOUND);
    /* setting the current name again is not a conflict with itself */
    assert_int_equal(fastio_workspace_update(c, id, &rename, &ws, &err), FASTIO_OK);
    json_decref(ws);
    fastio_client_free(c);
}

/* ---- archive, unarchive, delete --------------------------------------------------------------- */

static void test_archive_and_unarchive(void **state)
{
    (void)state;
    char org[32], id[32];
    struct fastio_client *c = user_org_ws(org, id, NULL);
    json_t *ws = NULL;
    struct fastio_error err;
    json_t *folder = NULL;
    assert_int_equal(fastio_storage_create_folder(c, id, "root", "Before", false, &folder, &err),
                     FASTIO_OK);
    char fid[40];
    snprintf(fid, sizeof(fid), "%s", jstr(folder, "id"));
    json_decref(folder);

    assert_int_equal(fastio_workspace_archive(c, id, true, &ws, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(ws, "archived")));
    json_decref(ws);

    /* writes are refused with 403 / 1670 */
    json_t *out = NULL;
    assert_int_equal(fastio_storage_create_folder(c, id, "root", "After", false, &out, &err),
                     FASTIO_FORBIDDEN);
    assert_int_equal(err.http_status, 403);
    assert_int_equal(err.api_code, 1670);
    assert_int_equal(fastio_storage_rename(c, id, fid, "Renamed", &out, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1670);
    assert_int_equal(fastio_storage_delete(c, id, fid, &err), FASTIO_FORBIDDEN);
    assert_int_equal(fastio_storage_trash_empty(c, id, &err), FASTIO_FORBIDDEN);
    struct fastio_workspace_opts upd = {"New name", NULL, NULL, NULL, NULL, -1};
    assert_int_equal(fastio_workspace_update(c, id, &upd, &ws, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1670);
    assert_int_equal(fastio_workspace_archive(c, id, true, &ws, &err), FASTIO_FORBIDDEN);
    assert_int_equal(err.api_code, 1670);

    /* reads still work, and nothing changed */
    assert_int_equal(fastio_workspace_details(c, id, &ws, &err), FASTIO_OK);
    assert_true(json_is_true(json_object_get(ws, "archived")));
    assert_string_equal(jstr(ws, "name"), "Workspace");
    json_decref(ws);
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_list(c, id, "root", NULL, &nodes, NULL, &err), FASTIO_OK);
    assert_int_equal(json_array_size(nodes), 1);
    assert_string_equal(jstr(json_array_get(nodes, 0), "name"), "Before");
    json_decref(nodes);
    assert_int_equal(fastio_storage_details(c, id, fid, &out, &err), FASTIO_OK);
    json_decref(out);
    assert_int_equal(fastio_storage_trash_list(c, id, NULL, &nodes, NULL, &err), FASTIO_OK);
    json_decref(nodes);

    /* unarchive: writable again; unarchiving an active workspace is a no-op */
    assert_int_equal(fastio_workspace_archive(c, id, false, &ws, &err), FASTIO_OK);
    assert_true(json_is_false(json_object_get(ws, "archived")));
    json_decref(ws);
    assert_int_equal(fastio_workspace_archive(c, id, false, &ws, &err), FASTIO_OK);
    assert_true(json_is_false(json_object_get(ws, "archived")));
    json_decref(ws);
    assert_int_equal(fastio_storage_create_folder(c, id, "root", "After", false, &out, &err),
                     FASTIO_OK);
    assert_string_equal(jstr(out, "name"), "After");
    json_decref(out);
    assert_int_equal(fastio_workspace_update(c, id, &upd, &ws, &err), FASTIO_OK);
    json_decref(ws);

    /* outsiders can do neither; an archived workspace can still be deleted */
    struct fastio_client *other = new_user(NULL);
    assert_int_equal(fastio_workspace_archive(other, id, true, &ws, &err), FASTIO_FORBIDDEN);
    fastio_client_free(other);
    assert_int_equal(fastio_workspace_archive(c, id, true, &ws, &err), FASTIO_OK);
    json_decref(ws);
    assert_int_equal(fastio_workspace_delete(c, id, id, &err), FASTIO_OK);
    assert_int_equal(fastio_workspace_details(c, id, &ws, &err), FASTIO_NOT_FOUND);
    fastio_client_free(c);
}

static void test_delete(void **state)
{
    (void)state;
    char org[32], id[32], folder[64];
    struct fastio_client *c = user_org_ws(org, id, folder);
    json_t *ws = NULL;
    char keep_id[32];
    ws_id_new(c, org, keep_id, NULL);
    struct fastio_error err;
    /* a small tree, one node of it in the trash */
    json_t *n = NULL;
    char top[40];
    assert_int_equal(fastio_storage_create_folder(c, id, "root", "Top", false, &n, &err),
                     FASTIO_OK);
    snprintf(top, sizeof(top), "%s", jstr(n, "id"));
    json_decref(n);
    assert_int_equal(fastio_storage_create_folder(c, id, top, "Inner", false, &n, &err),
                     FASTIO_OK);
    json_decref(n);
    assert_int_equal(fastio_storage_create_folder(c, id, "root", "Trashed", false, &n, &err),
                     FASTIO_OK);
    assert_int_equal(fastio_storage_delete(c, id, jstr(n, "id"), &err), FASTIO_OK);
    json_decref(n);
    assert_int_equal(it_db(&fx.srv, "SELECT COUNT(*) FROM nodes WHERE workspace_id = ?1", id,
                           (const char *)NULL),
                     3);

    assert_int_equal(fastio_workspace_delete(c, id, "wrong", &err), FASTIO_INVALID);
    assert_int_equal(err.api_code, 1605);
    assert_int_equal(fastio_workspace_delete(c, id, keep_id, &err), FASTIO_INVALID);
    assert_int_equal(fastio_workspace_delete(c, id, "", &err), FASTIO_INVALID);
    struct fastio_client *other = new_user(NULL);
    assert_int_equal(fastio_workspace_delete(other, id, folder, &err), FASTIO_FORBIDDEN);
    fastio_client_free(other);
    assert_int_equal(fastio_workspace_details(c, id, &ws, &err), FASTIO_OK);
    json_decref(ws);

    assert_int_equal(fastio_workspace_delete(c, folder, folder, &err), FASTIO_OK);
    assert_int_equal(fastio_workspace_details(c, id, &ws, &err), FASTIO_NOT_FOUND);
    assert_int_equal(err.api_code, 1609);
    assert_int_equal(fastio_workspace_details(c, folder, &ws, &err), FASTIO_NOT_FOUND);
    json_t *nodes = NULL;
    assert_int_equal(fastio_storage_list(c, id, "root", NULL, &nodes, NULL, &err),
                     FASTIO_NOT_FOUND);
    assert_int_equal(fastio_storage_details(c, id, top, &n, &err), FASTIO_NOT_FOUND);
    assert_int_equal(fastio_workspace_delete(c, id, id, &err), FASTIO_NOT_FOUND);
    /* its nodes are gone from the database, trashed ones included */
    assert_int_equal(it_db(&fx.srv, "SELECT COUNT(*) FROM nodes WHERE workspace_id = ?1", id,
                           (const char *)NULL),
                     0);
    assert_int_equal(
        it_db(&fx.srv, "SELECT COUNT(*) FROM nodes WHERE id = ?1", top, (const char *)NULL), 0);
    /* the lists no longer show it; the other workspace is untouched */
    json_t *list = NULL;
    assert_int_equal(fastio_workspace_list(c, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(jstr(json_array_get(list, 0), "id"), keep_id);
    json_decref(list);
    assert_int_equal(fastio_org_workspaces(c, org, NULL, &list, &err), FASTIO_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_create_ok),
    cmocka_unit_test(test_create_missing_fields),
    cmocka_unit_test(test_create_invalid_values),
    cmocka_unit_test(test_list_paging),
    cmocka_unit_test(test_details_by_id_and_folder_name),
    cmocka_unit_test(test_update_fields),
    cmocka_unit_test(test_update_folder_name),
    cmocka_unit_test(test_archive_and_unarchive),
    cmocka_unit_test(test_delete),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
