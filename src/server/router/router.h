/* SPDX-License-Identifier: MIT */
/* router.h - the route table (routes.def) and the dispatcher that authenticates the caller,
 * resolves {org} / {ws} captures with the caller's role, opens a transaction for writes, and only
 * then runs the handler. */
#ifndef SRV_ROUTER_H
#define SRV_ROUTER_H

#include "server.h"

enum route_auth { A_PUBLIC, A_USER, A_BASIC };
/* F_MEMBER_MANAGE: the caller's role must also satisfy the entity's perm_member_manage phrase
 * (roles.c); F_NONMEMBER: {org}/{ws} is resolved for non-members too (role ROLE_NONE) and the
 * handler decides (self-join, invitation accept): see roles.h. */
enum route_flags {
    F_WRITE = 1u,
    F_ARCHIVE_OK = 2u,
    F_OWN_TXN = 4u,
    F_MEMBER_MANAGE = 8u,
    F_NONMEMBER = 16u,
    F_STREAM = 32u, /* body not buffered: handler runs after the headers (no transaction: add
                     * F_OWN_TXN to writes) and sets r->stream to receive it (server.h) */
    F_ROOT = 64u,   /* served at the server root, outside /current (/.well-known/, api §1.1) */
};

struct route {
    const char *method;
    const char *pattern;
    enum route_auth auth;
    enum role org_role;
    enum role ws_role;
    unsigned flags;
    handler_fn fn;
    const char *fn_name;
};

/* All routes, in table order. */
const struct route *router_table(size_t *count);

/* Match method + path ("/org/1/details/"). On a match, returns the route and stores the
 * captured segments (owned copies, free()) in args / *nargs. NULL when nothing matches; then
 * *path_known tells whether the path matched some route under another method. */
const struct route *router_match(const char *method, const char *path, char **args,
                                 size_t max_args, size_t *nargs, bool *path_known);

/* The capture names of a route's pattern, in order ("org", "ws", "node", ...); n <= max. */
size_t router_capture_names(const struct route *rt, const char **names, size_t max);

/* The router's workspace check, shared with handlers that resolve a workspace named in a
 * parameter rather than in the path (uploads: instance_id): resolve key (id or folder_name, in
 * an open org) into r->ws with the caller's role, then refuse with the router's own errors a
 * missing workspace (404), a non-member unless nonmember_ok (403 / 10545), a role below need
 * (403) and, when write, an archived workspace (403). Runs on r->st. 0, or -1 with the error
 * set. */
int router_ws_enter(struct req *r, const char *key, enum role need, bool nonmember_ok,
                    bool write);

/* Authenticate (authz = the Authorization header or NULL), rate-limit, authorize and run
 * r->route's handler. Returns 0 on success (r->out set) or -1 (r->err set). Acquires and
 * releases r->st. */
int router_dispatch(struct req *r, const char *authz);

#endif
