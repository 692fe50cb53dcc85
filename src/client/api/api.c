/* api.c - the typed wrappers of fastio.h for health, accounts, API keys, organizations and
 * workspaces (storage is in api_storage.c), plus the helpers they share. Each wrapper is a thin
 * layer over the one request path: put the arguments into a small parameter list, call the row,
 * take the row's result value. What lives here is only what the rows cannot say: required
 * fields, defaults, and tolerance for response shapes the contract is unsure about (api §13). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "client.h"
#include "envelope.h"

void fio_plist_add(struct fio_plist *l, const char *name, const char *value)
{
    if (value == NULL)
        return;
    if (l->n >= FIO_PLIST_MAX)
        abort(); /* a wrapper adds more than FIO_PLIST_MAX: a bug in the wrappers */
    l->p[l->n].name = name;
    l->p[l->n].value = value;
    l->n++;
}

static enum fastio_status invalid(struct fastio_error *err, const char *msg)
{
    return fio_error_set(err, FASTIO_INVALID, msg);
}

static enum fastio_status nomem(struct fastio_error *err)
{
    return fio_error_set(err, FASTIO_NOMEM, "out of memory");
}

enum fastio_status fio_api_protocol(struct fastio_error *err, const char *msg)
{
    (void)fio_error_set(err, FASTIO_PROTOCOL, msg);
    if (err != NULL)
        err->http_status = 200; /* only 2xx answers reach the shape checks */
    return FASTIO_PROTOCOL;
}

enum fastio_status fio_api_call_take(struct fastio_client *c, enum fastio_endpoint ep,
                                     const char *const *args, size_t n_args,
                                     const struct fio_plist *pl, json_t **out,
                                     struct fastio_error *err)
{
    json_t *resp = NULL;
    enum fastio_status st;

    if (out != NULL)
        *out = NULL;
    st = fastio_call(c, ep, args, n_args, pl != NULL ? pl->p : NULL, pl != NULL ? pl->n : 0,
                     out != NULL ? &resp : NULL, err);
    if (st == FASTIO_OK && out != NULL)
        *out = json_incref(fastio_result(resp, ep));
    json_decref(resp);
    return st;
}

enum fastio_status fio_api_take_array(json_t *resp, const char *key, json_t **out,
                                      struct fastio_error *err)
{
    json_t *v = json_object_get(resp, key);
    if (json_is_array(v)) {
        *out = json_incref(v);
    } else if (v == NULL || json_is_null(v)) {
        *out = json_array();
        if (*out == NULL)
            return nomem(err);
    } else {
        char msg[128];
        int w = snprintf(msg, sizeof(msg), "\"%s\" in the response is not an array", key);
        (void)w; /* key is one of our short literals */
        return fio_api_protocol(err, msg);
    }
    return FASTIO_OK;
}

/* Call a list row whose result key holds an array. */
static enum fastio_status call_list(struct fastio_client *c, enum fastio_endpoint ep,
                                    const char *const *args, size_t n_args,
                                    const struct fio_plist *pl, json_t **out,
                                    struct fastio_error *err)
{
    json_t *resp = NULL;
    enum fastio_status st;

    if (out != NULL)
        *out = NULL;
    st = fastio_call(c, ep, args, n_args, pl != NULL ? pl->p : NULL, pl != NULL ? pl->n : 0,
                     out != NULL ? &resp : NULL, err);
    if (st == FASTIO_OK && out != NULL)
        st = fio_api_take_array(resp, fastio_endpoint_get(ep)->result_key, out, err);
    json_decref(resp);
    return st;
}

/* Offset paging (api §1.5): only positive values are sent; bufs hold the decimal text. */
static void add_page(struct fio_plist *l, const struct fastio_page *pg, char limit[24],
                     char offset[24])
{
    int w;
    if (pg == NULL)
        return;
    if (pg->limit > 0) {
        w = snprintf(limit, 24, "%ld", pg->limit);
        (void)w; /* a long always fits in 24 bytes */
        fio_plist_add(l, "limit", limit);
    }
    if (pg->offset > 0) {
        w = snprintf(offset, 24, "%ld", pg->offset);
        (void)w;
        fio_plist_add(l, "offset", offset);
    }
}

static const char *bool_str(bool b)
{
    return b ? "true" : "false";
}

/* ---- health, accounts --------------------------------------------------------------------- */

FASTIO_API enum fastio_status fastio_ping(struct fastio_client *c, json_t **out,
                                          struct fastio_error *err)
{
    return fio_api_call_take(c, FASTIO_EP_PING, NULL, 0, NULL, out, err);
}

FASTIO_API enum fastio_status fastio_system_status(struct fastio_client *c, json_t **out,
                                                   struct fastio_error *err)
{
    return fio_api_call_take(c, FASTIO_EP_SYSTEM_STATUS, NULL, 0, NULL, out, err);
}

FASTIO_API enum fastio_status fastio_user_signup(struct fastio_client *c,
                                                 const struct fastio_signup *s, json_t **out,
                                                 struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (out != NULL)
        *out = NULL;
    if (s == NULL || s->email == NULL || s->password == NULL)
        return invalid(err, "email and password are required");
    /* api §2.1 */
    fio_plist_add(&l, "email_address", s->email);
    fio_plist_add(&l, "password", s->password);
    fio_plist_add(&l, "tos_agree", "true");
    fio_plist_add(&l, "first_name", s->first_name);
    fio_plist_add(&l, "last_name", s->last_name);
    if (s->agent)
        fio_plist_add(&l, "agent", "true");
    return fio_api_call_take(c, FASTIO_EP_USER_SIGNUP, NULL, 0, &l, out, err);
}

FASTIO_API enum fastio_status fastio_user_signin(struct fastio_client *c, const char *email,
                                                 const char *password, char **token,
                                                 long *expires_in, struct fastio_error *err)
{
    struct fio_call_opts opts = {email, password};
    json_t *resp = NULL;
    const char *tok;
    long secs;
    enum fastio_status st;

    if (token != NULL)
        *token = NULL;
    if (expires_in != NULL)
        *expires_in = -1;
    if (email == NULL || password == NULL)
        return invalid(err, "email and password are required");
    /* fio_client_call, not fastio_call: the Basic credentials travel for this call only. */
    st = fio_client_call(c, FASTIO_EP_USER_SIGNIN, NULL, 0, NULL, 0, &opts, &resp, err);
    if (st != FASTIO_OK) {
        json_decref(resp);
        return st;
    }
    /* api §2.2: auth_token + expires_in (a number, or a numeric string). */
    tok = json_string_value(json_object_get(resp, "auth_token"));
    if (tok == NULL || tok[0] == '\0') {
        json_decref(resp);
        return fio_api_protocol(err, "sign-in response has no auth_token");
    }
    if (token != NULL) {
        *token = fio_strdup(tok);
        if (*token == NULL) {
            json_decref(resp);
            return nomem(err);
        }
    }
    /* Unknown lifetime stays -1 rather than failing a sign-in that worked. */
    if (expires_in != NULL && fio_json_to_long(json_object_get(resp, "expires_in"), &secs))
        *expires_in = secs;
    json_decref(resp);
    return FASTIO_OK;
}

/* A profile id as a string: ids may arrive as JSON numbers (api §1.7). NULL when v is neither.
 * OWNED. */
static char *id_string(const json_t *v)
{
    char num[32];
    if (json_is_string(v) && json_string_length(v) > 0)
        return fio_strdup(json_string_value(v));
    if (json_is_integer(v)) {
        int w = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        (void)w; /* a 64-bit integer always fits */
        return fio_strdup(num);
    }
    return NULL;
}

FASTIO_API enum fastio_status fastio_auth_check(struct fastio_client *c, char **user_id,
                                                struct fastio_error *err)
{
    json_t *resp = NULL;
    const json_t *id;
    enum fastio_status st;

    if (user_id != NULL)
        *user_id = NULL;
    st = fastio_call(c, FASTIO_EP_AUTH_CHECK, NULL, 0, NULL, 0, &resp, err);
    if (st != FASTIO_OK)
        return st;
    /* api §2.2: {id}; accept {user: {id}} too. */
    id = json_object_get(resp, "id");
    if (id == NULL)
        id = json_object_get(json_object_get(resp, "user"), "id");
    if (!json_is_string(id) && !json_is_integer(id)) {
        json_decref(resp);
        return fio_api_protocol(err, "auth check response has no id");
    }
    if (user_id != NULL) {
        *user_id = id_string(id);
        if (*user_id == NULL) {
            json_decref(resp);
            return json_is_string(id) ? fio_api_protocol(err, "auth check response has an empty id")
                                      : nomem(err);
        }
    }
    json_decref(resp);
    return FASTIO_OK;
}

FASTIO_API enum fastio_status fastio_user_me(struct fastio_client *c, json_t **user,
                                             struct fastio_error *err)
{
    return fio_api_call_take(c, FASTIO_EP_USER_ME, NULL, 0, NULL, user, err);
}

/* ---- API keys (api §2.4) --------------------------------------------------------------------- */

static void add_apikey_opts(struct fio_plist *l, const struct fastio_apikey_opts *o)
{
    if (o == NULL)
        return;
    fio_plist_add(l, "memo", o->memo);
    fio_plist_add(l, "scopes", o->scopes);
    fio_plist_add(l, "agent_name", o->agent_name);
    fio_plist_add(l, "expires", o->expires);
}

FASTIO_API enum fastio_status fastio_apikey_create(struct fastio_client *c,
                                                   const struct fastio_apikey_opts *o, json_t **out,
                                                   struct fastio_error *err)
{
    struct fio_plist l = {0};
    add_apikey_opts(&l, o);
    return fio_api_call_take(c, FASTIO_EP_APIKEY_CREATE, NULL, 0, &l, out, err);
}

FASTIO_API enum fastio_status fastio_apikey_list(struct fastio_client *c, json_t **keys,
                                                 struct fastio_error *err)
{
    return call_list(c, FASTIO_EP_APIKEY_LIST, NULL, 0, NULL, keys, err);
}

FASTIO_API enum fastio_status fastio_apikey_get(struct fastio_client *c, const char *key_id,
                                                json_t **key, struct fastio_error *err)
{
    if (key != NULL)
        *key = NULL;
    if (key_id == NULL)
        return invalid(err, "key id is required");
    return fio_api_call_take(c, FASTIO_EP_APIKEY_GET, &key_id, 1, NULL, key, err);
}

FASTIO_API enum fastio_status fastio_apikey_update(struct fastio_client *c, const char *key_id,
                                                   const struct fastio_apikey_opts *o, json_t **key,
                                                   struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (key != NULL)
        *key = NULL;
    if (key_id == NULL)
        return invalid(err, "key id is required");
    add_apikey_opts(&l, o);
    return fio_api_call_take(c, FASTIO_EP_APIKEY_UPDATE, &key_id, 1, &l, key, err);
}

FASTIO_API enum fastio_status fastio_apikey_delete(struct fastio_client *c, const char *key_id,
                                                   struct fastio_error *err)
{
    if (key_id == NULL)
        return invalid(err, "key id is required");
    return fio_api_call_take(c, FASTIO_EP_APIKEY_DELETE, &key_id, 1, NULL, NULL, err);
}

/* ---- organizations (api §3.2) ------------------------------------------------------------ */

FASTIO_API enum fastio_status fastio_org_list(struct fastio_client *c, const struct fastio_page *pg,
                                              json_t **orgs, struct fastio_error *err)
{
    struct fio_plist l = {0};
    char limit[24], offset[24];
    add_page(&l, pg, limit, offset);
    return call_list(c, FASTIO_EP_ORG_LIST, NULL, 0, &l, orgs, err);
}

FASTIO_API enum fastio_status fastio_org_list_external(struct fastio_client *c,
                                                       const struct fastio_page *pg, json_t **orgs,
                                                       struct fastio_error *err)
{
    struct fio_plist l = {0};
    char limit[24], offset[24];
    add_page(&l, pg, limit, offset);
    return call_list(c, FASTIO_EP_ORG_LIST_EXTERNAL, NULL, 0, &l, orgs, err);
}

FASTIO_API enum fastio_status fastio_org_create(struct fastio_client *c,
                                                const struct fastio_org_opts *o, json_t **org,
                                                struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (org != NULL)
        *org = NULL;
    if (o == NULL || o->domain == NULL)
        return invalid(err, "domain is required");
    fio_plist_add(&l, "domain", o->domain);
    fio_plist_add(&l, "name", o->name);
    fio_plist_add(&l, "description", o->description);
    fio_plist_add(&l, "industry", o->industry);
    fio_plist_add(&l, "billing_email", o->billing_email);
    return fio_api_call_take(c, FASTIO_EP_ORG_CREATE, NULL, 0, &l, org, err);
}

FASTIO_API enum fastio_status fastio_org_details(struct fastio_client *c, const char *org,
                                                 json_t **out, struct fastio_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (org == NULL)
        return invalid(err, "org is required");
    return fio_api_call_take(c, FASTIO_EP_ORG_DETAILS, &org, 1, NULL, out, err);
}

FASTIO_API enum fastio_status fastio_org_update(struct fastio_client *c, const char *org,
                                                const struct fastio_param *fields, size_t n_fields,
                                                json_t **out, struct fastio_error *err)
{
    json_t *resp = NULL;
    enum fastio_status st;

    if (out != NULL)
        *out = NULL;
    if (org == NULL)
        return invalid(err, "org is required");
    /* The caller's fields go through as they are: the contract lists many wire keys. */
    st = fastio_call(c, FASTIO_EP_ORG_UPDATE, &org, 1, fields, n_fields, out != NULL ? &resp : NULL,
                     err);
    if (st == FASTIO_OK && out != NULL)
        *out = json_incref(fastio_result(resp, FASTIO_EP_ORG_UPDATE));
    json_decref(resp);
    return st;
}

FASTIO_API enum fastio_status fastio_org_close(struct fastio_client *c, const char *org,
                                               const char *confirm, struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (org == NULL || confirm == NULL)
        return invalid(err, "org and confirm are required");
    fio_plist_add(&l, "confirm", confirm);
    return fio_api_call_take(c, FASTIO_EP_ORG_CLOSE, &org, 1, &l, NULL, err);
}

FASTIO_API enum fastio_status fastio_org_workspaces(struct fastio_client *c, const char *org,
                                                    const struct fastio_page *pg,
                                                    json_t **workspaces, struct fastio_error *err)
{
    struct fio_plist l = {0};
    char limit[24], offset[24];
    if (workspaces != NULL)
        *workspaces = NULL;
    if (org == NULL)
        return invalid(err, "org is required");
    add_page(&l, pg, limit, offset);
    return call_list(c, FASTIO_EP_ORG_WORKSPACES, &org, 1, &l, workspaces, err);
}

/* ---- workspaces (api §3.4) --------------------------------------------------------------- */

/* The CLI's default folder_name: the name lower-cased with spaces as '-' (api §3.4). OWNED. */
static char *default_folder_name(const char *name)
{
    char *s = fio_strdup(name);
    if (s == NULL)
        return NULL;
    for (char *p = s; *p != '\0'; p++) {
        if (*p == ' ')
            *p = '-';
        else
            *p = (char)tolower((unsigned char)*p);
    }
    return s;
}

FASTIO_API enum fastio_status fastio_workspace_create(struct fastio_client *c, const char *org,
                                                      const struct fastio_workspace_opts *o,
                                                      json_t **workspace, struct fastio_error *err)
{
    struct fio_plist l = {0};
    char *folder = NULL;
    enum fastio_status st;

    if (workspace != NULL)
        *workspace = NULL;
    if (org == NULL || o == NULL || o->name == NULL)
        return invalid(err, "org and name are required");
    if (o->folder_name == NULL) {
        folder = default_folder_name(o->name);
        if (folder == NULL)
            return nomem(err);
    }
    /* api §3.4: all five fields are required and the server has no defaults, so send each. */
    fio_plist_add(&l, "name", o->name);
    fio_plist_add(&l, "folder_name", o->folder_name != NULL ? o->folder_name : folder);
    fio_plist_add(&l, "perm_join", o->perm_join != NULL ? o->perm_join : "Member or above");
    fio_plist_add(&l, "perm_member_manage",
                  o->perm_member_manage != NULL ? o->perm_member_manage : "Admin or above");
    /* Off unless asked for: it costs credits per page and sources disagree on the default. */
    fio_plist_add(&l, "intelligence", bool_str(o->intelligence > 0));
    fio_plist_add(&l, "description", o->description);
    st = fio_api_call_take(c, FASTIO_EP_WORKSPACE_CREATE, &org, 1, &l, workspace, err);
    free(folder);
    return st;
}

FASTIO_API enum fastio_status fastio_workspace_list(struct fastio_client *c,
                                                    const struct fastio_page *pg,
                                                    json_t **workspaces, struct fastio_error *err)
{
    struct fio_plist l = {0};
    char limit[24], offset[24];
    add_page(&l, pg, limit, offset);
    return call_list(c, FASTIO_EP_WORKSPACE_LIST, NULL, 0, &l, workspaces, err);
}

FASTIO_API enum fastio_status fastio_workspace_details(struct fastio_client *c, const char *ws,
                                                       json_t **workspace, struct fastio_error *err)
{
    if (workspace != NULL)
        *workspace = NULL;
    if (ws == NULL)
        return invalid(err, "workspace is required");
    return fio_api_call_take(c, FASTIO_EP_WORKSPACE_DETAILS, &ws, 1, NULL, workspace, err);
}

FASTIO_API enum fastio_status fastio_workspace_update(struct fastio_client *c, const char *ws,
                                                      const struct fastio_workspace_opts *o,
                                                      json_t **workspace, struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (workspace != NULL)
        *workspace = NULL;
    if (ws == NULL || o == NULL)
        return invalid(err, "workspace and fields are required");
    fio_plist_add(&l, "name", o->name);
    fio_plist_add(&l, "folder_name", o->folder_name);
    fio_plist_add(&l, "description", o->description);
    fio_plist_add(&l, "perm_join", o->perm_join);
    fio_plist_add(&l, "perm_member_manage", o->perm_member_manage);
    if (o->intelligence >= 0)
        fio_plist_add(&l, "intelligence", bool_str(o->intelligence > 0));
    return fio_api_call_take(c, FASTIO_EP_WORKSPACE_UPDATE, &ws, 1, &l, workspace, err);
}

FASTIO_API enum fastio_status fastio_workspace_delete(struct fastio_client *c, const char *ws,
                                                      const char *confirm, struct fastio_error *err)
{
    struct fio_plist l = {0};
    if (ws == NULL || confirm == NULL)
        return invalid(err, "workspace and confirm are required");
    fio_plist_add(&l, "confirm", confirm); /* a query parameter: the row is DELETE + QUERY */
    return fio_api_call_take(c, FASTIO_EP_WORKSPACE_DELETE, &ws, 1, &l, NULL, err);
}

FASTIO_API enum fastio_status fastio_workspace_archive(struct fastio_client *c, const char *ws,
                                                       bool archive, json_t **workspace,
                                                       struct fastio_error *err)
{
    if (workspace != NULL)
        *workspace = NULL;
    if (ws == NULL)
        return invalid(err, "workspace is required");
    /* JSON rows with no params send {} (api §3.4). */
    return fio_api_call_take(c,
                             archive ? FASTIO_EP_WORKSPACE_ARCHIVE : FASTIO_EP_WORKSPACE_UNARCHIVE,
                             &ws, 1, NULL, workspace, err);
}
