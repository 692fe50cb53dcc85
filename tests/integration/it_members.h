/* SPDX-License-Identifier: MIT */
/* it_members.h - what the member suites (test_members.c, test_members_lifecycle.c) share: one
 * fixture fx per program run (IT_FIXTURE_MAIN), signed-up accounts with their clients,
 * endpoint calls by row (call, CALL_OK), org and workspace creation, the mail outbox, the role
 * of a member and a look-up in an event list. Include after <cmocka.h>. */
#ifndef IT_MEMBERS_H
#define IT_MEMBERS_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "harness.h"

static struct it_fixture fx;

/* ---- helpers ---------------------------------------------------------------------------------- */

struct account {
    char email[128];
    char id[32];
    char token[160];
    struct fastio_client *c;
};

/* A new account whose email is "<prefix><n>.<pid>@<domain>". */
static inline void account_new_at(struct account *a, const char *prefix, const char *domain, bool agent)
{
    static unsigned n;
    char email[128];
    snprintf(email, sizeof(email), "%s%u.%d@%s", prefix, ++n, (int)getpid(), domain);
    struct it_user u;
    it_user_signup(&u, &fx.srv, email, agent, 0);
    memset(a, 0, sizeof(*a));
    snprintf(a->email, sizeof(a->email), "%s", u.email);
    snprintf(a->id, sizeof(a->id), "%s", u.id);
    snprintf(a->token, sizeof(a->token), "%.159s", u.token);
    a->c = it_user_take_client(&u);
}

static inline void account_new(struct account *a, const char *prefix, bool agent)
{
    account_new_at(a, prefix, "example.test", agent);
}

static inline void account_free(struct account *a)
{
    fastio_client_free(a->c);
    a->c = NULL;
}

/* Call an endpoint row with up to two path arguments and up to two parameters; *out (may be
 * NULL) gets the row's result (owned). */
static inline enum fastio_status call(struct fastio_client *c, enum fastio_endpoint ep, const char *a0,
                               const char *a1, const char *p0, const char *v0, const char *p1,
                               const char *v1, json_t **out, struct fastio_error *err)
{
    const char *args[2] = {a0, a1};
    struct fastio_param params[2] = {{p0, v0}, {p1, v1}};
    size_t np = p1 ? 2 : p0 ? 1 : 0;
    json_t *resp = NULL;
    enum fastio_status st = fastio_call(c, ep, args, fastio_endpoint_get(ep)->path_args, params,
                                        np, &resp, err);
    if (out) {
        *out = NULL;
        if (st == FASTIO_OK) {
            *out = fastio_result(resp, ep);
            json_incref(*out);
        }
    }
    json_decref(resp);
    return st;
}

#define CALL_OK(c, ep, a0, a1, p0, v0, p1, v1, out)                                                \
    do {                                                                                           \
        struct fastio_error e_;                                                                    \
        enum fastio_status s_ = call(c, ep, a0, a1, p0, v0, p1, v1, out, &e_);                     \
        if (s_ != FASTIO_OK)                                                                       \
            fail_msg("%s: %s (%ld)", #ep, e_.message, e_.api_code);                                \
    } while (0)

/* Make `who` a member of org (org = true) or workspace `ent` with role (NULL = the default) the
 * one way there is (D-081): `by` adds it by user id (or email, when by_email), which makes a
 * pending invitation, and `who` accepts it by its key. The add's reply must not show who's
 * email when the user was named by id. */
static inline void add_accepted(struct account *by, bool org, const char *ent, struct account *who,
                                const char *role, bool by_email)
{
    json_t *m = NULL;
    CALL_OK(by->c, org ? FASTIO_EP_ORG_MEMBERS_ADD : FASTIO_EP_WORKSPACE_MEMBERS_ADD, ent,
            by_email ? who->email : who->id, role ? "permissions" : NULL, role, NULL, NULL, &m);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "pending");
    if (!by_email)
        assert_null(json_object_get(m, "email"));
    char inv[64];
    snprintf(inv, sizeof(inv), "%s",
             json_string_value(json_object_get(json_object_get(m, "invite"), "id")));
    json_decref(m);
    CALL_OK(who->c, org ? FASTIO_EP_ORG_INVITATION_ACCEPT : FASTIO_EP_WORKSPACE_INVITATION_ACCEPT,
            ent, inv, NULL, NULL, NULL, NULL, NULL);
}

static inline void create_org(struct account *a, const char *prefix, char org_id[32], char domain[64])
{
    it_unique_name(prefix, domain, 64);
    struct fastio_org_opts oo = {domain, NULL, NULL, NULL, NULL};
    json_t *org = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_org_create(a->c, &oo, &org, &err), FASTIO_OK);
    snprintf(org_id, 32, "%s", json_string_value(json_object_get(org, "id")));
    json_decref(org);
}

static inline void create_ws(struct account *a, const char *org_id, char ws_id[32])
{
    char folder[64];
    it_unique_name("ws", folder, sizeof(folder));
    struct fastio_workspace_opts wo = {"Team space", folder, NULL, NULL, NULL, 0};
    json_t *ws = NULL;
    struct fastio_error err;
    assert_int_equal(fastio_workspace_create(a->c, org_id, &wo, &ws, &err), FASTIO_OK);
    snprintf(ws_id, 32, "%s", json_string_value(json_object_get(ws, "id")));
    json_decref(ws);
}

/* An .eml in DATA/outbox addressed to `to` whose text contains `needle` (owned) or NULL. */
static inline char *outbox_find(const char *to, const char *needle)
{
    char dir[400], want[200];
    snprintf(dir, sizeof(dir), "%s/outbox", fx.srv.dir);
    snprintf(want, sizeof(want), "\r\nTo: %s\r\n", to);
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *found = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
            continue;
        char path[700];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char *buf = calloc(1, 65536);
        size_t n = buf ? fread(buf, 1, 65535, f) : 0;
        fclose(f);
        if (buf && n && strstr(buf, want) && strstr(buf, needle)) {
            free(found);
            found = buf;
        } else {
            free(buf);
        }
    }
    closedir(d);
    return found;
}

/* Role of user `who` in an org / workspace, as the member details show it ("" when none). */
static inline void role_of(struct account *asker, enum fastio_endpoint ep, const char *ent,
                    const char *who, char *out, size_t size)
{
    json_t *m = NULL;
    struct fastio_error err;
    out[0] = 0;
    if (call(asker->c, ep, ent, who, NULL, NULL, NULL, NULL, &m, &err) == FASTIO_OK)
        snprintf(out, size, "%s", json_string_value(json_object_get(m, "permissions")));
    json_decref(m);
}

static inline bool events_have(json_t *events, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0)
            return true;
    }
    return false;
}

#endif
