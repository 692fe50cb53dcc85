/* SPDX-License-Identifier: MIT */
/* router.c - matches requests against routes.def and enforces, in one place, what must hold
 * before any handler runs: a valid caller, the org/workspace named in the path resolved (by id or
 * by name), the caller's role there at least the route's minimum, archived workspaces read-only,
 * and a transaction around every state change (reliability.md "Authorization at the edge"). */
#include "router.h"

#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "activity.h"
#include "blob.h"
#include "store_backend.h"
#include "faults.h"
#include "handlers.h"
#include "ratelimit.h"
#include "roles.h"
#include "store_org.h"
#include "store_workspace.h"
#include "verify.h"

static const struct route routes[] = {
#define R(m, pattern, auth, org_role, ws_role, flags, fn)                                          \
    {#m, pattern, auth, org_role, ws_role, flags, fn, #fn},
#include "routes.def"
#undef R
};

const struct route *router_table(size_t *count)
{
    *count = sizeof(routes) / sizeof(routes[0]);
    return routes;
}

/* Next segment of a path: [*p, end) without the '/'. Returns false at the end. */
static bool next_seg(const char **p, const char **seg, size_t *len)
{
    const char *s = *p;
    while (*s == '/')
        s++;
    if (!*s)
        return false;
    const char *e = strchr(s, '/');
    if (!e)
        e = s + strlen(s);
    *seg = s;
    *len = (size_t)(e - s);
    *p = e;
    return true;
}

/* Score of a match (number of literal segments) or -1. Captures go to args when non-NULL. */
static int match_one(const char *pattern, const char *path, char **args, size_t max_args,
                     size_t *nargs)
{
    const char *pp = pattern, *up = path;
    const char *ps, *us;
    size_t pl, ul, n = 0;
    int score = 0;
    for (;;) {
        bool hp = next_seg(&pp, &ps, &pl);
        bool hu = next_seg(&up, &us, &ul);
        if (!hp && !hu)
            break;
        if (hp != hu)
            goto fail;
        if (pl >= 2 && ps[0] == '{' && ps[pl - 1] == '}') {
            if (args) {
                if (n >= max_args)
                    goto fail;
                args[n] = fio_slice_dup(fio_slice_make(us, ul));
                if (!args[n])
                    goto fail;
            }
            n++;
        } else {
            if (pl != ul || memcmp(ps, us, pl) != 0)
                goto fail;
            score++;
        }
    }
    if (nargs)
        *nargs = n;
    return score;
fail:
    if (args)
        for (size_t i = 0; i < n && i < max_args; i++) {
            free(args[i]);
            args[i] = NULL;
        }
    return -1;
}

const struct route *router_match(const char *method, const char *path, char **args,
                                 size_t max_args, size_t *nargs, bool *path_known)
{
    const struct route *best = NULL;
    int best_score = -1;
    *path_known = false;
    *nargs = 0;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        int sc = match_one(routes[i].pattern, path, NULL, 0, NULL);
        if (sc < 0)
            continue;
        *path_known = true;
        if (strcmp(routes[i].method, method) != 0)
            continue;
        if (sc > best_score) {
            best = &routes[i];
            best_score = sc;
        }
    }
    if (best && match_one(best->pattern, path, args, max_args, nargs) < 0)
        return NULL; /* out of memory while copying captures */
    return best;
}

size_t router_capture_names(const struct route *rt, const char **names, size_t max)
{
    /* Names are static: point into a small per-route table computed on demand. */
    static const char *const known[] = {"org", "ws", "node", "key", "ids", "id"};
    const char *p = rt->pattern, *s;
    size_t l, n = 0;
    while (next_seg(&p, &s, &l)) {
        if (l >= 2 && s[0] == '{' && s[l - 1] == '}') {
            const char *nm = "?";
            for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
                if (strlen(known[k]) == l - 2 && memcmp(known[k], s + 1, l - 2) == 0)
                    nm = known[k];
            if (n < max)
                names[n] = nm;
            n++;
        }
    }
    return n < max ? n : max;
}

/* ---- resolution of {org} and {ws} --------------------------------------------------------- */

static int resolve_org(struct req *r, const char *key, enum role need)
{
    struct store_org_access a;
    enum store_rc rc = STORE(r->st, org)->access(r->st, key, r->caller.user_id, &a);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Organization not found");
    if (rc != STORE_OK)
        return req_fail_internal(r, "resolve org");
    r->org.set = true;
    fio_strlcpy(r->org.id, a.id, sizeof(r->org.id));
    fio_strlcpy(r->org.domain, a.domain, sizeof(r->org.domain));
    r->org.role = role_parse(a.role);
    if (r->org.role == ROLE_NONE && !(r->route->flags & F_NONMEMBER))
        return req_fail(r, 403, API_ERR_RESTRICTED, "You are not a member of this organization");
    if (r->org.role < need)
        return req_fail(r, 403, API_ERR_PERMISSION,
                        "This action needs the organization role '%s' or above", role_name(need));
    return 0;
}

int router_ws_enter(struct req *r, const char *key, enum role need, bool nonmember_ok,
                    bool write)
{
    struct store_ws_access a;
    enum store_rc rc = STORE(r->st, workspace)->access(r->st, key, r->caller.user_id, &a);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Workspace not found");
    if (rc != STORE_OK)
        return req_fail_internal(r, "resolve workspace");
    r->ws.set = true;
    fio_strlcpy(r->ws.id, a.id, sizeof(r->ws.id));
    fio_strlcpy(r->ws.org_id, a.org_id, sizeof(r->ws.org_id));
    fio_strlcpy(r->ws.folder_name, a.folder_name, sizeof(r->ws.folder_name));
    r->ws.archived = a.archived;
    r->ws.role = role_parse(a.role);
    /* api §1.4: 10545 = authenticated but not a member. We answer 403, not 401, so that clients
     * do not take it for an expired token (docs/decisions.md). */
    if (r->ws.role == ROLE_NONE && !nonmember_ok)
        return req_fail(r, 403, API_ERR_NOT_MEMBER, "You are not a member of this workspace");
    if (r->ws.role < need)
        return req_fail(r, 403, API_ERR_PERMISSION,
                        "This action needs the workspace role '%s' or above", role_name(need));
    if (r->ws.archived && write)
        return req_fail(r, 403, API_ERR_RESTRICTED,
                        "The workspace is archived; unarchive it to make changes");
    return 0;
}

static int resolve_ws(struct req *r, const char *key, enum role need)
{
    unsigned f = r->route->flags;
    return router_ws_enter(r, key, need, (f & F_NONMEMBER) != 0,
                           (f & F_WRITE) && !(f & F_ARCHIVE_OK));
}

/* The Authorization header holds a NUL ("Bearer KEY<NUL>junk"). libmicrohttpd 0.9.75 parses the
 * header lines in place in its read buffer and measures each value with strlen, so the value it
 * hands over ends at the NUL and its length says so too. What follows the value in that buffer
 * is known, though: the line's end ("\r\n" or "\n", each byte overwritten with a NUL), then the
 * next header line, whose name MHD also points into the buffer. So:
 *  - a header after this one: the bytes between the value's end and the next name must be 1 or 2
 *    NULs (the line end); anything else is a NUL and more bytes inside the value;
 *  - the last header: the byte after the value's terminating NUL is the line end's second byte
 *    or the blank line's first, a NUL either way; anything else is a NUL and more bytes.
 * Not seen: a NUL that is the last byte of the last header ("Bearer KEY<NUL>\r\n\r\n") or of a
 * header ended by a bare LF ("KEY<NUL>\n" looks like "KEY\r\n"); the key read is then exactly
 * the bytes before it, nothing is smuggled (docs/server.md "Security"). */
struct authz_scan {
    const char *value;  /* the value lookup returned */
    const char *next;   /* the name of the header after it, or NULL */
    bool found, done;
};

static enum MHD_Result authz_next(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)key_size;
    (void)value_size;
    struct authz_scan *a = cls;
    if (a->found) {
        a->next = key;
        a->done = true;
        return MHD_NO;
    }
    if (value == a->value)
        a->found = true;
    return MHD_YES;
}

static bool authz_has_nul(const struct req *r, const char *authz)
{
    if (!authz || !r->conn)
        return false;
    const char *v = NULL;
    size_t vn = 0;
    static const char name[] = "Authorization";
    if (MHD_lookup_connection_value_n(r->conn, MHD_HEADER_KIND, name, sizeof(name) - 1, &v,
                                      &vn) != MHD_YES ||
        !v)
        return false;
    if (memchr(v, '\0', vn) != NULL) /* a libmicrohttpd that keeps the real length */
        return true;
    struct authz_scan a = {.value = v};
    MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, authz_next, &a);
    if (!a.found) /* not the in-buffer value this reads around: nothing to look at */
        return false;
    const char *end = v + vn; /* the NUL MHD wrote (or the one sent) */
    if (a.found && a.next && a.next > end && a.next - end <= SRV_MAX_HEADER_BYTES) {
        size_t gap = (size_t)(a.next - end);
        if (gap > 2)
            return true;
        for (size_t i = 0; i < gap; i++)
            if (end[i] != '\0')
                return true;
        return false;
    }
    /* the last header (or names not in the buffer after it): look at one byte past the NUL */
    return end[1] != '\0';
}

/* Every token this server issues is a prefix ("fio_k_", ...) and base64url: [A-Za-z0-9_-]. A
 * byte outside that alphabet cannot belong to a token; such a token is refused before it is
 * hashed and looked up, with the answer a wrong token gets. */
static bool token_alphabet(const char *tok)
{
    size_t i = 0;
    for (; i < 1024 && tok[i]; i++) {
        unsigned char c = (unsigned char)tok[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return tok[i] == '\0';
}

static int authenticate(struct req *r, const char *authz)
{
    static const char wrong[] = "The access token is invalid or has expired";
    bool nul = authz_has_nul(r, authz);
    if (r->route->auth == A_BASIC) {
        if (nul) /* the handler checks Basic credentials itself, but never a cut header */
            return req_fail(r, 401, API_ERR_AUTH, "Malformed Basic credentials");
        return 0;
    }
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        const char *tok = authz + 7;
        while (*tok == ' ')
            tok++;
        if (nul || !token_alphabet(tok) || auth_resolve_bearer(r->st, tok, &r->caller) != 0)
            return req_fail(r, 401, API_ERR_AUTH, "%s", wrong);
    } else if (nul) {
        return req_fail(r, 401, API_ERR_AUTH, "%s", wrong);
    } else if (authz && *authz) {
        return req_fail(r, 401, API_ERR_AUTH, "Unsupported Authorization scheme; use Bearer");
    }
    if (r->route->auth == A_USER && !r->caller.authed)
        return req_fail(r, 401, API_ERR_AUTH, "Authentication required");
    /* --signup verified (D-081): an unverified account may only verify, look at itself and
     * sign out; everything else is 401 / 10587 (api §2.1) */
    if (r->srv->cfg.signup == SRV_SIGNUP_VERIFIED && r->caller.authed &&
        r->route->fn != h_user_email_validate && r->route->fn != h_user_me &&
        r->route->fn != h_auth_check && r->route->fn != h_user_signout && !verify_is_verified(r))
        return req_fail(r, 401, API_ERR_EMAIL_UNVERIFIED,
                        "Email address not verified: enter the code mailed to %s (POST "
                        "/current/user/email/validate/ with email and email_token; without "
                        "email_token a new code is sent)",
                        r->caller.email);
    return 0;
}

/* The write transaction's commit failed (or the test switch failed it): nothing the handler
 * changed is kept, so nothing it answered is true. The log names the commit and the store's
 * reason (read before the rollback replaces it); the reply is a plain error envelope without
 * the handler's keys. */
static int commit_failed(struct req *r, bool injected)
{
    srv_log(r->srv, SRV_LOG_ERROR, "commit failed in %s %s: %s", r->method,
            r->path ? r->path : "?",
            injected ? "injected fault (--enable-test-faults, commit_fail)" : store_errmsg(r->st));
    store_rollback(r->st);
    json_decref(r->out);
    r->out = NULL;
    json_decref(r->err.params);
    r->err.params = NULL;
    return req_fail(r, 500, API_ERR_TRANSIENT,
                    "The change could not be saved and was not made; try again");
}

int router_dispatch(struct req *r, const char *authz)
{
    const struct route *rt = r->route;
    int rc = -1;
    /* Writes take the write lock BEFORE the org/workspace and role are resolved, so a
     * concurrent demotion, removal or close cannot slip between the check and the change. */
    bool txn = (rt->flags & F_WRITE) && !(rt->flags & F_OWN_TXN), committed = false;
    r->authz = authz;
    r->st = store_acquire(r->srv->store);
    r->st_dispatch = true;
    if (authenticate(r, authz) != 0) {
        /* Failed authentication still counts against the client's address, so guessing
         * tokens is throttled like everything else (429 replaces the 401 past the limit). */
        srv_rate_check(r);
        goto done;
    }
    if (srv_rate_check(r) != 0)
        goto done;

    if (txn && store_begin(r->st) != STORE_OK) {
        req_fail(r, 503, 0, "The database is busy; try again");
        goto done;
    }
    const char *names[SRV_MAX_PATH_ARGS];
    size_t n = router_capture_names(rt, names, SRV_MAX_PATH_ARGS);
    for (size_t i = 0; i < n && i < r->nargs; i++) {
        if (strcmp(names[i], "org") == 0 && resolve_org(r, r->args[i], rt->org_role) != 0)
            goto done;
        if (strcmp(names[i], "ws") == 0 && resolve_ws(r, r->args[i], rt->ws_role) != 0)
            goto done;
    }
    if ((rt->flags & F_MEMBER_MANAGE) && roles_check_manage(r) != 0)
        goto done;

    rc = rt->fn(r);
    if (txn) {
        if (rc == 0 && !r->err.http) {
            bool injected = faults_commit_fail(r->srv); /* test-only, off in production */
            if (injected || store_commit(r->st) != STORE_OK) {
                rc = commit_failed(r, injected);
            } else {
                committed = true;
            }
        } else {
            store_rollback(r->st);
        }
    }
    if (rc != 0 && !r->err.http)
        rc = req_fail_internal(r, "handler failed without an error");
done:
    if (r->st && r->st->ops->in_txn(r->st))
        store_rollback(r->st);
    /* Activity keys (activity.h) go out only once their change is readable: after the commit,
     * or - routes without a router transaction - once the handler returned. */
    if (!txn || committed)
        activity_publish(r);
    else
        activity_discard(r);
    if (r->reclaim)
        blob_reclaim_run(r); /* after the commit (or rollback): unlink unreferenced blobs */
    store_release(r->srv->store, r->st);
    r->st = NULL;
    r->st_dispatch = false;
    return r->err.http ? -1 : rc;
}
