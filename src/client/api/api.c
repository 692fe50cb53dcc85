/* SPDX-License-Identifier: MIT */
/* api.c - the typed wrappers of fastio.h for health, accounts, API keys, organizations and
 * workspaces (storage is in api_storage.c), plus fio_row_call(), which they share. A wrapper
 * that only forwards a row is one fio_row_call(): its arguments in the row's parameter order,
 * so wire names, where each value travels and which are required come from the row
 * (fastio/endpoints.h), not from the wrapper. What remains written out here is only what the
 * rows cannot say: defaults, and tolerance for response shapes the contract is unsure about
 * (api §13). */
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

/* Bounds of one call's argument arrays; rows stay far below them (test_endpoint_rows). */
#define ROW_MAX_PATH 4
#define ROW_MAX_PARAMS 32

enum fastio_status fio_row_call(struct fastio_client *c, enum fastio_endpoint ep,
                                const char *const *values, size_t n_values,
                                const struct fastio_call_opts *opts, enum fio_row_out how,
                                json_t **out, struct fastio_error *err)
{
    const struct fastio_endpoint_info *row = fastio_endpoint_get(ep);
    const char *path[ROW_MAX_PATH];
    struct fastio_param params[ROW_MAX_PARAMS];
    size_t n_path = 0, n_params = 0;
    json_t *resp = NULL;
    enum fastio_status st;

    if (out != NULL)
        *out = NULL;
    if (row == NULL || n_values > row->n_params || row->path_args > ROW_MAX_PATH ||
        row->n_params > ROW_MAX_PARAMS)
        abort(); /* a wrapper that does not match its row: a bug, not a runtime condition */
    for (size_t k = 0; k < row->n_params; k++) {
        const struct fastio_param_info *p = &row->param_info[k];
        const char *v = k < n_values ? values[k] : NULL;
        if (p->in == FASTIO_PARAM_IN_MULTIPART || p->in == FASTIO_PARAM_IN_RAW)
            continue; /* bytes: the transfer engine's part, never a wrapper's */
        /* Only a missing value is caught here: "" goes out, and the server says what is wrong
         * with it (its validation codes are part of the contract, api §1.4). */
        if (p->required && v == NULL) {
            char msg[96];
            int w = snprintf(msg, sizeof(msg), "%s is required", p->name);
            (void)w; /* a wire name is short; a cut message is still an error */
            return invalid(err, msg);
        }
        if (p->in == FASTIO_PARAM_IN_PATH)
            path[n_path++] = v; /* required, so not NULL */
        else if (v != NULL)
            params[n_params++] = (struct fastio_param){p->name, v};
    }
    st = fastio_call_ex(c, ep, path, n_path, params, n_params, opts, out != NULL ? &resp : NULL,
                        err);
    if (st == FASTIO_OK && out != NULL) {
        if (how == FIO_ROW_LIST)
            st = fio_api_take_array(resp, row->result_key, out, err);
        else if (how == FIO_ROW_WHOLE)
            *out = json_incref(resp);
        else
            *out = json_incref(fastio_result(resp, ep));
    }
    json_decref(resp);
    return st;
}

const char *fio_page_limit(const struct fastio_page *pg, char buf[24])
{
    if (pg == NULL || pg->limit <= 0)
        return NULL; /* only positive values are sent (api §1.5) */
    int w = snprintf(buf, 24, "%ld", pg->limit);
    (void)w; /* a long always fits in 24 bytes */
    return buf;
}

const char *fio_page_offset(const struct fastio_page *pg, char buf[24])
{
    if (pg == NULL || pg->offset <= 0)
        return NULL;
    int w = snprintf(buf, 24, "%ld", pg->offset);
    (void)w;
    return buf;
}

static const char *bool_str(bool b)
{
    return b ? "true" : "false";
}

/* A list row with offset paging only: its parameters are the path argument (when the row has
 * one), then limit and offset. */
static enum fastio_status page_list(struct fastio_client *c, enum fastio_endpoint ep,
                                    const char *id, const struct fastio_page *pg, json_t **out,
                                    struct fastio_error *err)
{
    char lim[24], off[24];
    const char *v[3] = {id, fio_page_limit(pg, lim), fio_page_offset(pg, off)};
    bool has_path = fastio_endpoint_get(ep)->path_args > 0;
    return fio_row_call(c, ep, has_path ? v : v + 1, has_path ? 3 : 2, NULL, FIO_ROW_LIST, out,
                        err);
}

/* ---- health, accounts --------------------------------------------------------------------- */

FASTIO_API enum fastio_status fastio_ping(struct fastio_client *c, json_t **out,
                                          struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_PING, NULL, 0, NULL, FIO_ROW_VALUE, out, err);
}

FASTIO_API enum fastio_status fastio_system_status(struct fastio_client *c, json_t **out,
                                                   struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_SYSTEM_STATUS, NULL, 0, NULL, FIO_ROW_VALUE, out, err);
}

FASTIO_API enum fastio_status fastio_user_signup(struct fastio_client *c,
                                                 const struct fastio_signup *s, json_t **out,
                                                 struct fastio_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (s == NULL)
        return invalid(err, "email and password are required");
    /* api §2.1: the terms are agreed to by calling at all */
    const char *v[] = {s->email,      s->password,     "true",
                       s->first_name, s->last_name, s->agent ? "true" : NULL};
    return fio_row_call(c, FASTIO_EP_USER_SIGNUP, v, 6, NULL, FIO_ROW_VALUE, out, err);
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
    return fio_row_call(c, FASTIO_EP_USER_ME, NULL, 0, NULL, FIO_ROW_VALUE, user, err);
}

/* ---- API keys (api §2.4) --------------------------------------------------------------------- */

/* The row's parameters after the key id: memo, scopes, agent_name, expires. */
static enum fastio_status apikey_call(struct fastio_client *c, enum fastio_endpoint ep,
                                      const char *key_id, const struct fastio_apikey_opts *o,
                                      json_t **out, struct fastio_error *err)
{
    const struct fastio_apikey_opts none = {0};
    if (o == NULL)
        o = &none;
    const char *v[] = {key_id, o->memo, o->scopes, o->agent_name, o->expires};
    bool has_id = ep != FASTIO_EP_APIKEY_CREATE;
    return fio_row_call(c, ep, has_id ? v : v + 1, has_id ? 5 : 4, NULL, FIO_ROW_VALUE, out, err);
}

FASTIO_API enum fastio_status fastio_apikey_create(struct fastio_client *c,
                                                   const struct fastio_apikey_opts *o, json_t **out,
                                                   struct fastio_error *err)
{
    return apikey_call(c, FASTIO_EP_APIKEY_CREATE, NULL, o, out, err);
}

FASTIO_API enum fastio_status fastio_apikey_list(struct fastio_client *c, json_t **keys,
                                                 struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_APIKEY_LIST, NULL, 0, NULL, FIO_ROW_LIST, keys, err);
}

FASTIO_API enum fastio_status fastio_apikey_get(struct fastio_client *c, const char *key_id,
                                                json_t **key, struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_APIKEY_GET, &key_id, 1, NULL, FIO_ROW_VALUE, key, err);
}

FASTIO_API enum fastio_status fastio_apikey_update(struct fastio_client *c, const char *key_id,
                                                   const struct fastio_apikey_opts *o, json_t **key,
                                                   struct fastio_error *err)
{
    return apikey_call(c, FASTIO_EP_APIKEY_UPDATE, key_id, o, key, err);
}

FASTIO_API enum fastio_status fastio_apikey_delete(struct fastio_client *c, const char *key_id,
                                                   struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_APIKEY_DELETE, &key_id, 1, NULL, FIO_ROW_VALUE, NULL, err);
}

/* ---- organizations (api §3.2) ------------------------------------------------------------ */

FASTIO_API enum fastio_status fastio_org_list(struct fastio_client *c, const struct fastio_page *pg,
                                              json_t **orgs, struct fastio_error *err)
{
    return page_list(c, FASTIO_EP_ORG_LIST, NULL, pg, orgs, err);
}

FASTIO_API enum fastio_status fastio_org_list_external(struct fastio_client *c,
                                                       const struct fastio_page *pg, json_t **orgs,
                                                       struct fastio_error *err)
{
    return page_list(c, FASTIO_EP_ORG_LIST_EXTERNAL, NULL, pg, orgs, err);
}

FASTIO_API enum fastio_status fastio_org_create(struct fastio_client *c,
                                                const struct fastio_org_opts *o, json_t **org,
                                                struct fastio_error *err)
{
    if (org != NULL)
        *org = NULL;
    if (o == NULL)
        return invalid(err, "domain is required");
    const char *v[] = {o->domain, o->name, o->description, o->industry, o->billing_email};
    return fio_row_call(c, FASTIO_EP_ORG_CREATE, v, 5, NULL, FIO_ROW_VALUE, org, err);
}

FASTIO_API enum fastio_status fastio_org_details(struct fastio_client *c, const char *org,
                                                 json_t **out, struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_ORG_DETAILS, &org, 1, NULL, FIO_ROW_VALUE, out, err);
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
    /* The caller's fields go through as they are, under their wire names: the row lists them. */
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
    const char *v[] = {org, confirm};
    return fio_row_call(c, FASTIO_EP_ORG_CLOSE, v, 2, NULL, FIO_ROW_VALUE, NULL, err);
}

FASTIO_API enum fastio_status fastio_org_workspaces(struct fastio_client *c, const char *org,
                                                    const struct fastio_page *pg,
                                                    json_t **workspaces, struct fastio_error *err)
{
    return page_list(c, FASTIO_EP_ORG_WORKSPACES, org, pg, workspaces, err);
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
    char *folder = NULL;
    enum fastio_status st;

    if (workspace != NULL)
        *workspace = NULL;
    if (o == NULL || o->name == NULL)
        return invalid(err, "org and name are required");
    if (o->folder_name == NULL) {
        folder = default_folder_name(o->name);
        if (folder == NULL)
            return nomem(err);
    }
    /* api §3.4: the server has no defaults for the required fields, so each is sent; AI
     * indexing is off unless asked for: it costs credits and sources disagree on the default. */
    const char *v[] = {org,
                       o->name,
                       o->folder_name != NULL ? o->folder_name : folder,
                       o->description,
                       bool_str(o->intelligence > 0),
                       o->perm_join != NULL ? o->perm_join : "Member or above",
                       o->perm_member_manage != NULL ? o->perm_member_manage : "Admin or above"};
    st = fio_row_call(c, FASTIO_EP_WORKSPACE_CREATE, v, 7, NULL, FIO_ROW_VALUE, workspace, err);
    free(folder);
    return st;
}

FASTIO_API enum fastio_status fastio_workspace_list(struct fastio_client *c,
                                                    const struct fastio_page *pg,
                                                    json_t **workspaces, struct fastio_error *err)
{
    return page_list(c, FASTIO_EP_WORKSPACE_LIST, NULL, pg, workspaces, err);
}

FASTIO_API enum fastio_status fastio_workspace_details(struct fastio_client *c, const char *ws,
                                                       json_t **workspace, struct fastio_error *err)
{
    return fio_row_call(c, FASTIO_EP_WORKSPACE_DETAILS, &ws, 1, NULL, FIO_ROW_VALUE, workspace,
                        err);
}

FASTIO_API enum fastio_status fastio_workspace_update(struct fastio_client *c, const char *ws,
                                                      const struct fastio_workspace_opts *o,
                                                      json_t **workspace, struct fastio_error *err)
{
    if (workspace != NULL)
        *workspace = NULL;
    if (o == NULL)
        return invalid(err, "workspace and fields are required");
    const char *v[] = {ws,
                       o->name,
                       o->description,
                       o->folder_name,
                       o->intelligence >= 0 ? bool_str(o->intelligence > 0) : NULL,
                       o->perm_join,
                       o->perm_member_manage};
    return fio_row_call(c, FASTIO_EP_WORKSPACE_UPDATE, v, 7, NULL, FIO_ROW_VALUE, workspace, err);
}

FASTIO_API enum fastio_status fastio_workspace_delete(struct fastio_client *c, const char *ws,
                                                      const char *confirm, struct fastio_error *err)
{
    const char *v[] = {ws, confirm}; /* confirm travels in the query: the row is DELETE + QUERY */
    return fio_row_call(c, FASTIO_EP_WORKSPACE_DELETE, v, 2, NULL, FIO_ROW_VALUE, NULL, err);
}

FASTIO_API enum fastio_status fastio_workspace_archive(struct fastio_client *c, const char *ws,
                                                       bool archive, json_t **workspace,
                                                       struct fastio_error *err)
{
    /* JSON rows with no params send {} (api §3.4). */
    return fio_row_call(c, archive ? FASTIO_EP_WORKSPACE_ARCHIVE : FASTIO_EP_WORKSPACE_UNARCHIVE,
                        &ws, 1, NULL, FIO_ROW_VALUE, workspace, err);
}
