/* SPDX-License-Identifier: MIT */
/* test_matrix.c - the permission matrix generated from the server's route table (issue 5 "A
 * permission matrix test generated from the role table"; reliability.md "Authorization at the
 * edge"). The route table is read with the same X-macro the server compiles (routes.def and the
 * files it includes), so every route with a capture must have an expectation row below: a route
 * without a row, or a row without a route, fails test_every_route_has_a_row.
 *
 * One fixture: an org (owner, admin, member) with a workspace (owner, admin, member, guest; the
 * guest is not in the org) holding a folder, a file, an upload session, invitations, a transfer
 * token, an API key and an event; an outsider with an org and workspace of their own. Every row
 * is called by every role and the outsider, once with the ids and once with the aliases (org
 * domain, workspace folder_name). Allowed: anything but 401 / 403 / 5xx (and not 404 on an
 * object that belongs to the caller). Denied: 403 with 10545 / 1670 / 1680 or 404 / 1609, no
 * name or id of the target that the caller did not send in the body, and the database unchanged
 * (a hash of every table, read directly). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "harness.h"
#include "id.h"
#include "it_upload.h"

/* ---- the route table, as the server compiles it ------------------------------------------------ */

struct table_route {
    const char *method, *pattern, *auth, *org_role, *ws_role, *flags, *fn;
};

static const struct table_route table[] = {
#define R(m, pattern, auth, org_role, ws_role, flags, fn)                                          \
    {#m, pattern, #auth, #org_role, #ws_role, #flags, #fn},
#include "../../src/server/router/routes.def"
#undef R
};
#define N_TABLE (sizeof(table) / sizeof(table[0]))

/* ---- the expectation rows ----------------------------------------------------------------------- */

/* Who is allowed: S_ORG / S_WS: callers whose role there is at least `min` (4 owner, 3 admin,
 * 2 member, 1 guest); S_OWNED: the object belongs to the owner account, nobody else may touch
 * it; S_NOBODY: no role of the fixture may (invitations addressed to someone else, guessed ids). */
enum scope { S_ORG, S_WS, S_OWNED, S_NOBODY };

/* The object put into the route's other capture ({node}, {member}, {inv}, ...). FRESH kinds are
 * made anew for each allowed call (it consumes them); denied calls get the standing object. */
enum tgt {
    T_NONE, T_FOLDER, T_FILE, T_FRESH_FOLDER, T_OWNER_ID, T_VICTIM, T_FRESH_EMAIL,
    T_FRESH_ORG_MEMBER, T_FRESH_WS_MEMBER, T_ORG_INV, T_WS_INV, T_FRESH_ORG_INV, T_FRESH_WS_INV,
    T_TOKEN, T_FRESH_TOKEN, T_UPLOAD, T_FRESH_UPLOAD, T_KEY, T_FRESH_KEY, T_GUESS, T_EVENT,
    T_WEBJOB, T_CHAT, T_FRESH_CHAT
};

enum { O_SKIP_ALLOWED = 1, /* allowed calls would destroy the fixture: only denials are called */
       O_UNIQ = 2,         /* append a unique name to the body */
       O_ENT_ORG = 4 };    /* /activity/poll/{entity}/: the org (else the workspace) */

struct mrow {
    const char *method, *pattern;
    enum scope scope;
    int min;
    enum tgt tgt;
    unsigned opts;
    const char *query; /* appended to the path, or NULL */
    const char *body;  /* form body, or NULL */
};

#define WSN "/workspace/{ws}/storage/{node}"
static const struct mrow rows[] = {
    /* api keys: the caller's own */
    {"GET", "/user/auth/key/{key}/", S_OWNED, 0, T_KEY, 0, NULL, NULL},
    {"POST", "/user/auth/key/{key}/", S_OWNED, 0, T_KEY, 0, NULL, "memo=matrix"},
    {"DELETE", "/user/auth/key/{key}/", S_OWNED, 0, T_FRESH_KEY, 0, NULL, NULL},
    /* organizations, workspaces */
    {"GET", "/org/{org}/details/", S_ORG, 2, T_NONE, 0, NULL, NULL},
    {"POST", "/org/{org}/update/", S_ORG, 3, T_NONE, 0, NULL, "description=matrix"},
    {"POST", "/org/{org}/close/", S_ORG, 4, T_NONE, O_SKIP_ALLOWED, NULL, NULL},
    {"GET", "/org/{org}/list/workspaces/", S_ORG, 2, T_NONE, 0, NULL, NULL},
    {"POST", "/org/{org}/create/workspace/", S_ORG, 2, T_NONE, O_UNIQ, NULL,
     "name=Extra&perm_join=Member%20or%20above&perm_member_manage=Admin%20or%20above&"
     "intelligence=false&folder_name="},
    {"GET", "/workspace/{ws}/details/", S_WS, 1, T_NONE, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/update/", S_WS, 3, T_NONE, 0, NULL, "description=matrix"},
    {"DELETE", "/workspace/{ws}/delete/", S_WS, 4, T_NONE, O_SKIP_ALLOWED, NULL, NULL},
    {"POST", "/workspace/{ws}/archive/", S_WS, 3, T_NONE, O_SKIP_ALLOWED, NULL, NULL},
    {"POST", "/workspace/{ws}/unarchive/", S_WS, 3, T_NONE, 0, NULL, NULL},
    /* storage */
    {"GET", "/workspace/{ws}/storage/trash/list/", S_WS, 1, T_NONE, 0, NULL, NULL},
    {"DELETE", "/workspace/{ws}/storage/trash/delete/", S_WS, 2, T_NONE, 0, NULL, NULL},
    {"GET", WSN "/list/", S_WS, 1, T_FOLDER, 0, NULL, NULL},
    {"GET", WSN "/details/", S_WS, 1, T_FILE, 0, NULL, NULL},
    {"POST", WSN "/createfolder/", S_WS, 2, T_FOLDER, O_UNIQ, NULL, "name="},
    {"POST", WSN "/move/", S_WS, 2, T_FRESH_FOLDER, 0, NULL, "parent=root"},
    {"POST", WSN "/copy/", S_WS, 2, T_FOLDER, 0, NULL, "parent=root"},
    {"POST", WSN "/update/", S_WS, 2, T_FOLDER, 0, NULL, "description=matrix"},
    {"DELETE", WSN "/delete/", S_WS, 2, T_FRESH_FOLDER, 0, NULL, NULL},
    {"POST", WSN "/restore/", S_WS, 2, T_FRESH_FOLDER, 0, NULL, NULL},
    {"DELETE", WSN "/purge/", S_WS, 2, T_FRESH_FOLDER, 0, NULL, NULL},
    /* OAuth sessions of the caller: a guessed id is nobody's */
    {"GET", "/oauth/sessions/{id}/", S_NOBODY, 0, T_GUESS, 0, NULL, NULL},
    {"PATCH", "/oauth/sessions/{id}/", S_NOBODY, 0, T_GUESS, 0, NULL, "name=x"},
    {"DELETE", "/oauth/sessions/{id}/", S_NOBODY, 0, T_GUESS, 0, NULL, NULL},
    /* org members and invitations (perm_member_manage "Admin or above", the default) */
    {"GET", "/org/{org}/members/list/", S_ORG, 2, T_NONE, 0, NULL, NULL},
    {"POST", "/org/{org}/members/join/", S_ORG, 2, T_NONE, 0, NULL, NULL},
    {"POST", "/org/{org}/members/{member}/", S_ORG, 3, T_FRESH_EMAIL, 0, NULL,
     "permissions=member"},
    {"DELETE", "/org/{org}/members/{member}/", S_ORG, 3, T_FRESH_ORG_MEMBER, 0, NULL, NULL},
    {"POST", "/org/{org}/member/{member}/update/", S_ORG, 3, T_VICTIM, 0, NULL,
     "permissions=member"},
    {"GET", "/org/{org}/member/{member}/details/", S_ORG, 2, T_OWNER_ID, 0, NULL, NULL},
    {"POST", "/org/{org}/member/{member}/transfer_ownership/", S_ORG, 4, T_VICTIM,
     O_SKIP_ALLOWED, NULL, NULL},
    {"DELETE", "/org/{org}/member/", S_ORG, 2, T_NONE, O_SKIP_ALLOWED, NULL, NULL},
    {"GET", "/org/{org}/members/invitations/list/", S_ORG, 3, T_NONE, 0, NULL, NULL},
    {"GET", "/org/{org}/members/invitations/list/{state}/", S_ORG, 3, T_NONE, 0, NULL, NULL},
    {"POST", "/org/{org}/members/invitation/{inv}/", S_ORG, 3, T_ORG_INV, 0, NULL,
     "permissions=member"},
    {"DELETE", "/org/{org}/members/invitation/{inv}/", S_ORG, 3, T_FRESH_ORG_INV, 0, NULL, NULL},
    {"POST", "/org/{entity}/members/join/{inv}/accept/", S_NOBODY, 0, T_ORG_INV, 0, NULL, NULL},
    {"POST", "/org/{entity}/members/join/{inv}/decline/", S_NOBODY, 0, T_ORG_INV, 0, NULL, NULL},
    /* ownership transfer */
    {"POST", "/org/{org}/transfer/token/create/", S_ORG, 4, T_NONE, 0, NULL, NULL},
    {"GET", "/org/{org}/transfer/token/list/", S_ORG, 4, T_NONE, 0, NULL, NULL},
    {"DELETE", "/org/{org}/transfer/token/{token}/", S_ORG, 4, T_FRESH_TOKEN, 0, NULL, NULL},
    /* workspace members and invitations */
    {"GET", "/workspace/{ws}/members/list/", S_WS, 2, T_NONE, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/members/join/", S_WS, 1, T_NONE, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/members/{member}/", S_WS, 3, T_FRESH_EMAIL, 0, NULL,
     "permissions=guest"},
    {"DELETE", "/workspace/{ws}/members/{member}/", S_WS, 3, T_FRESH_WS_MEMBER, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/member/{member}/update/", S_WS, 3, T_VICTIM, 0, NULL,
     "permissions=guest"},
    {"GET", "/workspace/{ws}/member/{member}/details/", S_WS, 2, T_OWNER_ID, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/member/{member}/transfer_ownership/", S_WS, 4, T_VICTIM,
     O_SKIP_ALLOWED, NULL, NULL},
    {"DELETE", "/workspace/{ws}/member/", S_WS, 1, T_NONE, O_SKIP_ALLOWED, NULL, NULL},
    {"GET", "/workspace/{ws}/members/invitations/list/", S_WS, 3, T_NONE, 0, NULL, NULL},
    {"GET", "/workspace/{ws}/members/invitations/list/{state}/", S_WS, 3, T_NONE, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/members/invitation/{inv}/", S_WS, 3, T_WS_INV, 0, NULL,
     "permissions=guest"},
    {"DELETE", "/workspace/{ws}/members/invitation/{inv}/", S_WS, 3, T_FRESH_WS_INV, 0, NULL,
     NULL},
    {"POST", "/workspace/{entity}/members/join/{inv}/accept/", S_NOBODY, 0, T_WS_INV, 0, NULL,
     NULL},
    {"POST", "/workspace/{entity}/members/join/{inv}/decline/", S_NOBODY, 0, T_WS_INV, 0, NULL,
     NULL},
    {"GET", "/user/invitation/{inv}/details/", S_NOBODY, 0, T_WS_INV, 0, NULL, NULL},
    /* events: a workspace event caused by the owner (readers: workspace member+, org admin+) */
    {"GET", "/event/{id}/details/", S_WS, 2, T_EVENT, 0, NULL, NULL},
    {"POST", "/event/{id}/ack/", S_WS, 2, T_EVENT, 0, NULL, NULL},
    /* activity: any workspace role; any org role */
    {"GET", "/activity/poll/{entity}/", S_WS, 1, T_NONE, 0, "?wait=0", NULL},
    {"GET", "/activity/poll/{entity}/", S_ORG, 2, T_NONE, O_ENT_ORG, "?wait=0", NULL},
    /* upload sessions: the owner's own */
    {"POST", "/upload/{upload}/chunk/", S_OWNED, 0, T_UPLOAD, 0, NULL, NULL},
    {"GET", "/upload/{upload}/chunk/", S_OWNED, 0, T_UPLOAD, 0, NULL, NULL},
    {"DELETE", "/upload/{upload}/chunk/", S_OWNED, 0, T_UPLOAD, 0, "?order=1", NULL},
    {"POST", "/upload/{upload}/complete/", S_OWNED, 0, T_UPLOAD, 0, NULL, NULL},
    {"GET", "/upload/{upload}/details/", S_OWNED, 0, T_UPLOAD, 0, NULL, NULL},
    {"DELETE", "/upload/{upload}/", S_OWNED, 0, T_FRESH_UPLOAD, 0, NULL, NULL},
    {"POST", "/upload/{upload}/stream/", S_OWNED, 0, T_UPLOAD, 0, NULL, NULL},
    /* downloads and versions */
    {"GET", WSN "/requestread/", S_WS, 1, T_FILE, 0, NULL, NULL},
    {"GET", "/workspace/{wsid}/storage/{node}/read/", S_WS, 1, T_FILE, 0, NULL, NULL},
    {"GET", WSN "/zip/", S_WS, 1, T_FOLDER, 0, NULL, NULL},
    {"GET", WSN "/versions/", S_WS, 1, T_FILE, 0, NULL, NULL},
    {"POST", WSN "/restore-version/", S_WS, 2, T_FILE, 0, NULL, "version_id=nope"},
    /* locks */
    {"POST", WSN "/lock/", S_WS, 2, T_FILE, 0, NULL, NULL},
    {"GET", WSN "/lock/", S_WS, 1, T_FILE, 0, NULL, NULL},
    {"POST", WSN "/lock/heartbeat/", S_WS, 2, T_FILE, 0, NULL, NULL},
    {"DELETE", WSN "/lock/", S_WS, 2, T_FILE, 0, NULL, NULL},
    /* search (routes_intel.def): any workspace role */
    {"GET", "/workspace/{ws}/storage/search/", S_WS, 1, T_NONE, 0, "?search=matrix", NULL},
    {"GET", "/workspace/{ws}/search/", S_WS, 1, T_NONE, 0, "?search=matrix", NULL},
    /* URL import jobs: the owner's own */
    {"GET", "/web_upload/{job}/details/", S_OWNED, 0, T_WEBJOB, 0, NULL, NULL},
    /* AI chat (api §8.2; current paths): a public chat of the owner; others read it, only the
     * owner changes it; asking is any member's (creation and follow-ups only denied: the
     * workers would write while tables are hashed) */
    {"POST", "/workspace/{ws}/ai/agent/", S_WS, 1, T_NONE, O_SKIP_ALLOWED, NULL, "question=matrix%20question"},
    {"GET", "/workspace/{ws}/ai/agent/list/", S_WS, 1, T_NONE, 0, NULL, NULL},
    {"GET", "/workspace/{ws}/ai/agent/list/deleted/", S_WS, 1, T_NONE, 0, NULL, NULL},
    {"GET", "/workspace/{ws}/ai/agent/{chat}/details/", S_WS, 1, T_CHAT, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/ai/agent/{chat}/update/", S_OWNED, 0, T_CHAT, 0, NULL, "name=matrix"},
    {"POST", "/workspace/{ws}/ai/agent/{chat}/publish/", S_OWNED, 0, T_CHAT, 0, NULL, NULL},
    {"DELETE", "/workspace/{ws}/ai/agent/{chat}/", S_OWNED, 0, T_FRESH_CHAT, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/ai/agent/{chat}/cancel/", S_OWNED, 0, T_CHAT, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/ai/agent/{chat}/message/", S_OWNED, 0, T_CHAT, O_SKIP_ALLOWED, NULL,
     "question=matrix%20question"},
    {"GET", "/workspace/{ws}/ai/agent/{chat}/message/{msg}/details/", S_WS, 1, T_CHAT, 0, NULL, NULL},
    {"GET", "/workspace/{ws}/ai/agent/{chat}/messages/list/", S_WS, 1, T_CHAT, 0, NULL, NULL},
    /* AI chat (api §8.2; legacy paths): a public chat of the owner; others read it, only the
     * owner changes it; asking is any member's (creation and follow-ups only denied: the
     * workers would write while tables are hashed) */
    {"POST", "/workspace/{ws}/ai/chat/", S_WS, 1, T_NONE, O_SKIP_ALLOWED, NULL, "question=matrix%20question"},
    {"GET", "/workspace/{ws}/ai/chat/list/", S_WS, 1, T_NONE, 0, NULL, NULL},
    {"GET", "/workspace/{ws}/ai/chat/list/deleted/", S_WS, 1, T_NONE, 0, NULL, NULL},
    {"GET", "/workspace/{ws}/ai/chat/{chat}/details/", S_WS, 1, T_CHAT, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/ai/chat/{chat}/update/", S_OWNED, 0, T_CHAT, 0, NULL, "name=matrix"},
    {"POST", "/workspace/{ws}/ai/chat/{chat}/publish/", S_OWNED, 0, T_CHAT, 0, NULL, NULL},
    {"DELETE", "/workspace/{ws}/ai/chat/{chat}/", S_OWNED, 0, T_FRESH_CHAT, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/ai/chat/{chat}/cancel/", S_OWNED, 0, T_CHAT, 0, NULL, NULL},
    {"POST", "/workspace/{ws}/ai/chat/{chat}/message/", S_OWNED, 0, T_CHAT, O_SKIP_ALLOWED, NULL,
     "question=matrix%20question"},
    {"GET", "/workspace/{ws}/ai/chat/{chat}/message/{msg}/details/", S_WS, 1, T_CHAT, 0, NULL, NULL},
    {"GET", "/workspace/{ws}/ai/chat/{chat}/messages/list/", S_WS, 1, T_CHAT, 0, NULL, NULL},
    {"GET", "/workspace/{ws}/ai/transactions/", S_WS, 1, T_NONE, 0, NULL, NULL},
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

/* Cells that fail today and that the lead agreed to park: "METHOD pattern|role|variant".
 * Empty: every assertion is active. */
static const char *const known_failures[] = {NULL};

/* ---- the route table check (no server) --------------------------------------------------------- */

static int role_rank(const char *name)
{
    static const char *const names[] = {"ROLE_NONE", "ROLE_GUEST", "ROLE_MEMBER", "ROLE_ADMIN",
                                        "ROLE_OWNER"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

static void test_every_route_has_a_row(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < N_TABLE; i++) {
        const struct table_route *t = &table[i];
        if (!strchr(t->pattern, '{'))
            continue; /* no object id in the path */
        bool found = false;
        for (size_t k = 0; k < N_ROWS; k++) {
            const struct mrow *m = &rows[k];
            if (strcmp(m->method, t->method) != 0 || strcmp(m->pattern, t->pattern) != 0)
                continue;
            found = true;
            /* A row naming the router's role must agree with the table: the column's role,
             * raised to admin by F_MEMBER_MANAGE (default perm_member_manage). */
            bool routed = strstr(t->pattern, "{org}") || strstr(t->pattern, "{ws}");
            if (routed && !strstr(t->flags, "F_NONMEMBER") && (m->scope == S_ORG || m->scope == S_WS)) {
                int want = role_rank(m->scope == S_ORG ? t->org_role : t->ws_role);
                if (strstr(t->flags, "F_MEMBER_MANAGE") && want < 3)
                    want = 3;
                if (want != m->min) {
                    fprintf(stderr, "matrix row %s %s: least role %d, route table says %d\n",
                            m->method, m->pattern, m->min, want);
                    bad++;
                }
            }
        }
        if (!found) {
            fprintf(stderr, "route without a matrix row: %s %s (%s)\n", t->method, t->pattern,
                    t->fn);
            bad++;
        }
    }
    for (size_t k = 0; k < N_ROWS; k++) {
        bool found = false;
        for (size_t i = 0; i < N_TABLE && !found; i++)
            found = strcmp(rows[k].method, table[i].method) == 0 &&
                    strcmp(rows[k].pattern, table[i].pattern) == 0;
        if (!found) {
            fprintf(stderr, "matrix row without a route: %s %s\n", rows[k].method,
                    rows[k].pattern);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- fixture ------------------------------------------------------------------------------------ */

static const char *const server_args[] = {"--rate-limit", "0", NULL};
static const struct it_fixture_opts fx_opts = {server_args, false, NULL};
static struct it_fixture fx;

enum { N_ROLES = 5 };
static const char *const role_names[N_ROLES] = {"owner", "admin", "member", "guest", "outsider"};
/* Role rank of each caller in the org and in the workspace (the guest is only in the workspace). */
static const int org_rank[N_ROLES] = {4, 3, 2, 0, 0};
static const int ws_rank[N_ROLES] = {4, 3, 2, 1, 0};

struct account {
    char email[128], id[32], token[160], authz[200];
};

struct fixture {
    struct account who[N_ROLES], victim;
    char org[32], domain[64], org_name[128], ws[32], folder_name[64], ws_name[64];
    char folder[40], folder_nm[64], file[40], file_nm[64];
    char org_inv[40], ws_inv[40], token[40], upload[64], key[40], event[40], guess[40];
    char x_org[32], x_ws[32]; /* the outsider's own */
    char webjob[40];          /* the owner's URL import job (ended: refused address) */
    char chat[40], aimsg[40]; /* the owner's public AI chat and its first message (answered) */
};

static struct fixture mx;

/* First column of the first row of sql (text arguments, NULL-ended) into out; "" if none. */
static void db_text(char *out, size_t size, const char *sql, ...)
{
    char path[320];
    snprintf(path, sizeof(path), "%s/meta.db", fx.srv.dir);
    sqlite3 *db = NULL;
    out[0] = 0;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    va_list ap;
    va_start(ap, sql);
    const char *a;
    for (int i = 1; i < 10 && (a = va_arg(ap, const char *)) != NULL; i++)
        sqlite3_bind_text(st, i, a, -1, SQLITE_TRANSIENT);
    va_end(ap);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* FNV-1a over every row of every table: the database as the server left it. */
static uint64_t db_hash(void)
{
    char path[320];
    snprintf(path, sizeof(path), "%s/meta.db", fx.srv.dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    uint64_t h = 1469598103934665603ull;
    sqlite3_stmt *tabs = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "ORDER BY name",
                                        -1, &tabs, NULL),
                     SQLITE_OK);
    for (int t = 0; t < 200 && sqlite3_step(tabs) == SQLITE_ROW; t++) {
        char sql[200];
        snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", (const char *)sqlite3_column_text(tabs, 0));
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        for (int r = 0; r < 1000000 && sqlite3_step(st) == SQLITE_ROW; r++)
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *v = sqlite3_column_text(st, c);
                size_t n = (size_t)sqlite3_column_bytes(st, c);
                for (size_t i = 0; v && i < n; i++)
                    h = (h ^ v[i]) * 1099511628211ull;
                h = (h ^ 0xffu) * 1099511628211ull;
            }
        sqlite3_finalize(st);
    }
    sqlite3_finalize(tabs);
    sqlite3_close(db);
    return h;
}

/* A request as an account (NULL = anonymous); form body when not NULL. */
static long req(const struct account *a, const char *method, const char *path, const char *body,
                char **out)
{
    char full[1024];
    snprintf(full, sizeof(full), "/current%s", path);
    return it_raw(&fx.srv, method, full, body ? "application/x-www-form-urlencoded" : NULL, body,
                  body ? strlen(body) : 0, a ? a->authz : NULL, out);
}

/* A public AI chat of the owner about the fixture's file, waited for until its answer is stored
 * (so that no worker writes while tables are hashed): its id and first message's id. */
static void new_chat(char *chat, size_t csize, char *msg, size_t msize)
{
    char body[512], *out = NULL;
    snprintf(body, sizeof(body),
             "question=What%%20does%%20the%%20matrix%%20file%%20say%%3F&privacy=public&subjects="
             "%%5B%%7B%%22type%%22%%3A%%22file%%22%%2C%%22id%%22%%3A%%22%s%%22%%7D%%5D",
             mx.file);
    char path[128];
    snprintf(path, sizeof(path), "/workspace/%s/ai/agent/", mx.ws);
    long st = req(&mx.who[0], "POST", path, body, &out);
    if (st != 200)
        fprintf(stderr, "setup chat: %ld %s\n", st, out ? out : "");
    assert_int_equal(st, 200);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    free(out);
    snprintf(chat, csize, "%s", json_string_value(json_object_get(j, "chat_id")));
    snprintf(msg, msize, "%s", json_string_value(json_object_get(j, "message_id")));
    json_decref(j);
    char state[32] = "";
    for (int i = 0; i < 400; i++) {
        db_text(state, sizeof(state), "SELECT state FROM ai_messages WHERE id = ?1", msg,
                (const char *)NULL);
        if (strcmp(state, "complete") == 0 || strcmp(state, "errored") == 0 ||
            strcmp(state, "needs_input") == 0)
            break;
        usleep(25000);
    }
    assert_string_equal(state, "complete");
}

static void req_ok(const struct account *a, const char *method, const char *path,
                   const char *body)
{
    char *out = NULL;
    long st = req(a, method, path, body, &out);
    if (st != 200)
        fprintf(stderr, "setup %s %s: %ld %s\n", method, path, st, out ? out : "");
    free(out);
    assert_int_equal(st, 200);
}

static void account_new(struct account *a, bool agent)
{
    static unsigned n;
    char email[128];
    snprintf(email, sizeof(email), "mx%u.%d@example.test", ++n, (int)getpid());
    struct it_user u;
    it_user_signup(&u, &fx.srv, email, agent, 0);
    it_user_release(&u);
    snprintf(a->email, sizeof(a->email), "%s", u.email);
    snprintf(a->token, sizeof(a->token), "%.159s", u.token);
    snprintf(a->authz, sizeof(a->authz), "Bearer %.160s", a->token);
    db_text(a->id, sizeof(a->id), "SELECT id FROM users WHERE email = ?1", a->email,
            (const char *)NULL);
    assert_true(a->id[0] != 0);
}

static void add_member(const char *what, const char *where, const char *who, const char *role)
{
    char path[256], body[64];
    snprintf(path, sizeof(path), "/%.10s/%.40s/members/%.127s/", what, where, who);
    snprintf(body, sizeof(body), "permissions=%s", role);
    req_ok(&mx.who[0], "POST", path, body);
}

/* Make account `a` a member the one way there is (D-081): the owner adds it by id (a pending
 * invitation), and `a` accepts the invitation by its key. */
static void add_accepted(const char *what, const char *where, const struct account *a,
                         const char *role)
{
    add_member(what, where, a->id, role);
    char inv[64];
    db_text(inv, sizeof(inv),
            "SELECT id FROM invitations WHERE entity_id = ?1 AND email = ?2 AND state = 'pending'",
            where, a->email, (const char *)NULL);
    assert_true(inv[0] != 0);
    char path[256];
    snprintf(path, sizeof(path), "/%.10s/%.40s/members/join/%.63s/accept/", what, where, inv);
    req_ok(a, "POST", path, "");
}

static void new_folder(char *id, size_t size, char *name_out)
{
    char name[64], path[128], body[96];
    it_unique_name("mxdir", name, sizeof(name));
    snprintf(path, sizeof(path), "/workspace/%s/storage/root/createfolder/", mx.ws);
    snprintf(body, sizeof(body), "name=%s", name);
    req_ok(&mx.who[0], "POST", path, body);
    db_text(id, size, "SELECT id FROM nodes WHERE workspace_id = ?1 AND name = ?2", mx.ws, name,
            (const char *)NULL);
    assert_true(id[0] != 0);
    if (name_out)
        snprintf(name_out, 64, "%s", name);
}

static void new_invite(const char *what, const char *where, const char *eid, char *id, size_t size)
{
    char email[128];
    char u[64];
    it_unique_name("mxinv", u, sizeof(u));
    snprintf(email, sizeof(email), "%s@example.test", u);
    add_member(what, where, email, strcmp(what, "org") == 0 ? "member" : "guest");
    db_text(id, size, "SELECT id FROM invitations WHERE entity_id = ?1 AND email = ?2", eid, email,
            (const char *)NULL);
    assert_true(id[0] != 0);
}

static void new_token(char *id, size_t size)
{
    char path[128];
    snprintf(path, sizeof(path), "/org/%s/transfer/token/create/", mx.org);
    req_ok(&mx.who[0], "POST", path, NULL);
    db_text(id, size,
            "SELECT id FROM transfer_tokens WHERE org_id = ?1 ORDER BY created DESC, rowid DESC",
            mx.org, (const char *)NULL);
    assert_true(id[0] != 0);
}

static void new_key(char *id, size_t size)
{
    req_ok(&mx.who[0], "POST", "/user/auth/key/", "memo=matrix");
    db_text(id, size,
            "SELECT id FROM api_keys WHERE user_id = ?1 ORDER BY created DESC, rowid DESC",
            mx.who[0].id, (const char *)NULL);
    assert_true(id[0] != 0);
}

static void new_upload(char *id)
{
    char name[64];
    it_unique_name("mxup", name, sizeof(name));
    assert_int_equal(itu_session(&fx.srv, mx.who[0].token, mx.ws, name, 10, NULL, id), 200);
}

static void fixture_make(void)
{
    struct fixture *f = &mx;
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < N_ROLES; i++)
        account_new(&f->who[i], i == 0); /* the owner is an agent: it may make transfer tokens */
    account_new(&f->victim, false);
    struct account *o = &f->who[0];
    char body[256];
    it_unique_name("mxorg", f->domain, sizeof(f->domain));
    snprintf(body, sizeof(body), "domain=%.63s&name=Secret%%20Org%%20%.63s", f->domain, f->domain);
    req_ok(o, "POST", "/org/create/", body);
    db_text(f->org, sizeof(f->org), "SELECT id FROM orgs WHERE domain = ?1", f->domain,
            (const char *)NULL);
    db_text(f->org_name, sizeof(f->org_name), "SELECT name FROM orgs WHERE id = ?1", f->org,
            (const char *)NULL);
    it_unique_name("mxws", f->folder_name, sizeof(f->folder_name));
    snprintf(f->ws_name, sizeof(f->ws_name), "Hidden %.50s", f->folder_name);
    snprintf(body, sizeof(body), "name=Hidden%%20%.63s&folder_name=%.63s&perm_join=Member%%20or%%20above&perm_member_manage=Admin%%20or%%20above&intelligence=false", f->folder_name,
             f->folder_name);
    char path[256];
    snprintf(path, sizeof(path), "/org/%.31s/create/workspace/", f->org);
    req_ok(o, "POST", path, body);
    db_text(f->ws, sizeof(f->ws), "SELECT id FROM workspaces WHERE folder_name = ?1",
            f->folder_name, (const char *)NULL);
    assert_true(f->org[0] && f->ws[0]);

    add_accepted("org", f->org, &f->who[1], "admin");
    add_accepted("org", f->org, &f->who[2], "member");
    add_accepted("org", f->org, &f->victim, "member");
    add_accepted("workspace", f->ws, &f->who[1], "admin");
    add_accepted("workspace", f->ws, &f->who[2], "member");
    add_accepted("workspace", f->ws, &f->who[3], "guest");
    add_accepted("workspace", f->ws, &f->victim, "guest");

    new_folder(f->folder, sizeof(f->folder), f->folder_nm);
    it_unique_name("mxfile", f->file_nm, sizeof(f->file_nm));
    {
        size_t l = strlen(f->file_nm);
        snprintf(f->file_nm + l, sizeof(f->file_nm) - l, ".txt");
    }
    const char *node = itu_upload_chunked(&fx.srv, o->token, f->ws, f->file_nm,
                                          (const unsigned char *)"matrix file", 11, 1u << 20);
    assert_non_null(node);
    snprintf(f->file, sizeof(f->file), "%s", node);
    new_invite("org", f->org, f->org, f->org_inv, sizeof(f->org_inv));
    new_invite("workspace", f->ws, f->ws, f->ws_inv, sizeof(f->ws_inv));
    new_token(f->token, sizeof(f->token));
    new_upload(f->upload);
    char *cout = NULL; /* one chunk received, so the owner's chunk delete has something to delete */
    long cst = itu_chunk(&fx.srv, o->token, f->upload, 1, (const unsigned char *)"helloworld", 10,
                         NULL, &cout);
    if (cst != 200)
        fprintf(stderr, "setup chunk: %ld %s\n", cst, cout ? cout : "");
    free(cout);
    assert_int_equal(cst, 200);
    new_key(f->key, sizeof(f->key));
    db_text(f->event, sizeof(f->event),
            "SELECT id FROM events WHERE workspace_id = ?1 AND calling_user_id = ?2 AND "
            "(user_id IS NULL OR user_id = ?2) ORDER BY seq",
            f->ws, o->id, (const char *)NULL);
    assert_true(f->event[0] != 0);
    assert_true(fio_opaque_id_new(FIO_ID_NODE, f->guess));
    /* a URL import of the owner, to an address the server refuses (no --import-allow): it ends
     * failed at once; waited for, so that no worker writes while tables are hashed */
    snprintf(body, sizeof(body), "source_url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fmx&profile_id=%.31s",
             f->ws);
    req_ok(o, "POST", "/web_upload/", body);
    char wst[16] = "";
    for (int i = 0; i < 200 && strcmp(wst, "failed") != 0; i++) {
        db_text(f->webjob, sizeof(f->webjob), "SELECT id FROM web_imports WHERE user_id = ?1",
                o->id, (const char *)NULL);
        db_text(wst, sizeof(wst), "SELECT status FROM web_imports WHERE user_id = ?1", o->id,
                (const char *)NULL);
        if (strcmp(wst, "failed") != 0)
            usleep(50000);
    }
    assert_string_equal(wst, "failed");
    new_chat(f->chat, sizeof(f->chat), f->aimsg, sizeof(f->aimsg));

    /* The outsider has an org and a workspace of their own. */
    struct account *x = &f->who[4];
    char xd[64];
    it_unique_name("mxout", xd, sizeof(xd));
    snprintf(body, sizeof(body), "domain=%.63s", xd);
    req_ok(x, "POST", "/org/create/", body);
    db_text(f->x_org, sizeof(f->x_org), "SELECT id FROM orgs WHERE domain = ?1", xd,
            (const char *)NULL);
    snprintf(path, sizeof(path), "/org/%.31s/create/workspace/", f->x_org);
    snprintf(body, sizeof(body), "name=Mine&folder_name=%.63s-w&perm_join=Member%%20or%%20above&perm_member_manage=Admin%%20or%%20above&intelligence=false", xd);
    req_ok(x, "POST", path, body);
}

/* ---- one cell ----------------------------------------------------------------------------------- */

static bool expect_allowed(const struct mrow *m, int role)
{
    switch (m->scope) {
    case S_ORG:
        return org_rank[role] >= m->min;
    case S_WS:
        return ws_rank[role] >= m->min;
    case S_OWNED:
        return role == 0;
    case S_NOBODY:
        return false;
    }
    return false;
}

/* The value of the route's non-org/ws capture for a call. */
static const char *target(const struct mrow *m, bool allowed, char *buf, size_t size)
{
    struct account fresh;
    switch (m->tgt) {
    case T_NONE:
        return "";
    case T_FOLDER:
        return mx.folder;
    case T_FILE:
        return mx.file;
    case T_FRESH_FOLDER:
        if (!allowed)
            return mx.folder;
        new_folder(buf, size, NULL);
        return buf;
    case T_OWNER_ID:
        return mx.who[0].id;
    case T_VICTIM:
        return mx.victim.id;
    case T_FRESH_EMAIL:
        {
            char u[64];
            it_unique_name("mxnew", u, sizeof(u));
            snprintf(buf, size, "%s@example.test", u);
        }
        return buf;
    case T_FRESH_ORG_MEMBER:
    case T_FRESH_WS_MEMBER:
        if (!allowed)
            return mx.victim.id;
        account_new(&fresh, false);
        if (m->tgt == T_FRESH_ORG_MEMBER)
            add_accepted("org", mx.org, &fresh, "member");
        else
            add_accepted("workspace", mx.ws, &fresh, "guest");
        snprintf(buf, size, "%s", fresh.id);
        return buf;
    case T_ORG_INV:
        return mx.org_inv;
    case T_WS_INV:
        return mx.ws_inv;
    case T_FRESH_ORG_INV:
        if (!allowed)
            return mx.org_inv;
        new_invite("org", mx.org, mx.org, buf, size);
        return buf;
    case T_FRESH_WS_INV:
        if (!allowed)
            return mx.ws_inv;
        new_invite("workspace", mx.ws, mx.ws, buf, size);
        return buf;
    case T_TOKEN:
        return mx.token;
    case T_FRESH_TOKEN:
        if (!allowed)
            return mx.token;
        new_token(buf, size);
        return buf;
    case T_UPLOAD:
        return mx.upload;
    case T_FRESH_UPLOAD:
        if (!allowed)
            return mx.upload;
        new_upload(buf);
        return buf;
    case T_KEY:
        return mx.key;
    case T_FRESH_KEY:
        if (!allowed)
            return mx.key;
        new_key(buf, size);
        return buf;
    case T_GUESS:
        return mx.guess;
    case T_EVENT:
        return mx.event;
    case T_WEBJOB:
        return mx.webjob;
    case T_CHAT:
        return mx.chat;
    case T_FRESH_CHAT:
        if (!allowed)
            return mx.chat;
        {
            char first[40];
            new_chat(buf, size, first, sizeof(first));
        }
        return buf;
    }
    return "";
}

/* Build the path: {org}/{ws}/{wsid}/{entity} by id (alias false) or by domain / folder_name. */
static void build_path(const struct mrow *m, bool alias, const char *tgt, char *out, size_t size)
{
    const char *p = m->pattern;
    size_t len = 0;
    out[0] = 0;
    for (int guard = 0; *p && guard < 64; guard++) {
        const char *open = strchr(p, '{');
        if (!open) {
            len += (size_t)snprintf(out + len, size - len, "%s", p);
            break;
        }
        const char *close = strchr(open, '}');
        assert_non_null(close);
        len += (size_t)snprintf(out + len, size - len, "%.*s", (int)(open - p), p);
        char name[16];
        snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
        bool org = strcmp(name, "org") == 0 ||
                   (strcmp(name, "entity") == 0 &&
                    (strncmp(m->pattern, "/org/", 5) == 0 || (m->opts & O_ENT_ORG)));
        bool ws = !org && (strcmp(name, "ws") == 0 || strcmp(name, "wsid") == 0 ||
                           strcmp(name, "entity") == 0);
        const char *v = org                          ? (alias ? mx.domain : mx.org)
                        : ws                         ? (alias ? mx.folder_name : mx.ws)
                        : strcmp(name, "state") == 0 ? "pending"
                        : strcmp(name, "msg") == 0   ? mx.aimsg
                                                     : tgt;
        len += (size_t)snprintf(out + len, size - len, "%s", v);
        assert_true(len < size);
        p = close + 1;
    }
    if (m->query)
        snprintf(out + len, size - len, "%s", m->query);
}

static bool has_alias(const struct mrow *m)
{
    return strstr(m->pattern, "{org}") || strstr(m->pattern, "{ws}") ||
           strstr(m->pattern, "{wsid}") || strstr(m->pattern, "{entity}");
}

/* A name or id of the target appears in body although the caller did not send it. */
static const char *leak(const char *body, const char *path, const char *sent)
{
    const char *secrets[] = {mx.org,         mx.domain,  mx.org_name,  mx.ws,
                             mx.folder_name, mx.ws_name, mx.folder,    mx.folder_nm,
                             mx.file,        mx.file_nm, mx.who[0].id, mx.who[0].email,
                             mx.org_inv,     mx.ws_inv,  mx.token,     mx.upload,
                             mx.key,         mx.event,   mx.victim.id, mx.victim.email,
                             mx.webjob,      mx.chat,    mx.aimsg};
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        if (secrets[i][0] && strstr(body, secrets[i]) && !strstr(path, secrets[i]) &&
            !(sent && strstr(sent, secrets[i])))
            return secrets[i];
    return NULL;
}

static bool known_failure(const struct mrow *m, int role, bool alias)
{
    char key[256];
    snprintf(key, sizeof(key), "%s %s|%s|%s", m->method, m->pattern, role_names[role],
             alias ? "alias" : "id");
    for (size_t i = 0; i < sizeof(known_failures) / sizeof(known_failures[0]); i++)
        if (known_failures[i] && strcmp(known_failures[i], key) == 0)
            return true;
    return false;
}

static int cells, denials;

/* Call one cell; returns 0 when it holds, 1 when not (printed). */
static int cell(const struct mrow *m, int role, bool alias)
{
    bool allowed = expect_allowed(m, role);
    if (allowed && (m->opts & O_SKIP_ALLOWED))
        return 0;
    char buf[128], path[512], body[256];
    const char *tgt = target(m, allowed, buf, sizeof(buf));
    build_path(m, alias, tgt, path, sizeof(path));
    const char *b = m->body;
    if (b && (m->opts & O_UNIQ)) {
        char u[64];
        it_unique_name("mxu", u, sizeof(u));
        snprintf(body, sizeof(body), "%s%s", b, u);
        b = body;
    }
    uint64_t before = allowed ? 0 : db_hash();
    char *out = NULL;
    long st = req(&mx.who[role], m->method, path, b, &out);
    const char *text = out ? out : "";
    long code = -1;
    json_decref(it_error_body(text, &code));
    char why[160] = "";
    cells++;
    if (allowed) {
        if (st == 401 || st == 403 || st >= 500 || st == 0)
            snprintf(why, sizeof(why), "allowed, got %ld/%ld", st, code);
        else if (st == 404 && m->scope == S_OWNED)
            snprintf(why, sizeof(why), "owner's own object, got 404/%ld", code);
        else if (st == 404 && (strstr(text, "Workspace not found") ||
                               strstr(text, "Organization not found")))
            snprintf(why, sizeof(why), "allowed, router 404");
    } else {
        denials++;
        const char *l;
        bool ok403 = st == 403 && (code == 10545 || code == 1670 || code == 1680);
        bool ok404 = st == 404 && code == 1609;
        if (!ok403 && !ok404)
            snprintf(why, sizeof(why), "denied, got %ld/%ld", st, code);
        else if ((l = leak(text, path, b)) != NULL)
            snprintf(why, sizeof(why), "denial names '%s'", l);
        else if (db_hash() != before)
            snprintf(why, sizeof(why), "database changed by a denied call");
    }
    if (getenv("MATRIX_VERBOSE"))
        fprintf(stderr, "cell %-7s %-55s %-8s %-5s -> %ld/%ld %s\n", m->method, m->pattern,
                role_names[role], alias ? "alias" : "id", st, code, why);
    int fail = 0;
    if (why[0]) {
        bool known = known_failure(m, role, alias);
        fprintf(stderr, "%sMATRIX FAIL: %s %s | %s | %s | %s -> %.200s\n",
                known ? "(known) " : "", m->method, m->pattern, role_names[role],
                alias ? "alias" : "id", why, text);
        fail = known ? 0 : 1;
    }
    free(out);
    return fail;
}

static void test_route_matrix(void **state)
{
    (void)state;
    fixture_make();
    int failures = 0;
    for (size_t i = 0; i < N_ROWS; i++) {
        const struct mrow *m = &rows[i];
        for (int alias = 0; alias < (has_alias(m) ? 2 : 1); alias++)
            for (int role = N_ROLES - 1; role >= 0; role--) /* denials before allowed calls */
                failures += cell(m, role, alias != 0);
    }
    fprintf(stderr, "matrix: %zu rows, %d cells, %d denials checked, %d failures\n", N_ROWS, cells,
            denials, failures);
    assert_int_equal(failures, 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_route_has_a_row),
    cmocka_unit_test(test_route_matrix),
};

IT_FIXTURE_MAIN(tests, fx, &fx_opts)
