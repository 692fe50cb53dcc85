/* SPDX-License-Identifier: MIT */
/* h_org.c - organizations (api §3.2): the caller's orgs (member and external), create, details,
 * update and close. Owns the orgs and org_members tables. The router has already resolved {org}
 * (by id or domain, open orgs only) and checked the caller's org role (routes.def), so these
 * handlers validate input and read or write their own rows only. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "orgws.h"
#include "store_org.h"

/* ---- the org object -------------------------------------------------------------------------- */

static const char *const org_extra_keys[] = {"accent_color",
                                             "background_color",
                                             "background_mode",
                                             "use_background",
                                             "facebook",
                                             "twitter",
                                             "instagram",
                                             "youtube",
                                             "perm_auth_domains",
                                             "owner_defined",
                                             NULL};

/* Keys only org members see: someone who reaches the org through a workspace alone (the
 * external list) gets the org's identity and branding, not its billing contact or settings. */
static const char *const org_member_keys[] = {"billing_email", "perm_auth_domains", "owner_defined",
                                              NULL};

/* The wire object of a store org row (store_org.h). */
static json_t *org_render(const json_t *row)
{
    json_t *role = json_object_get(row, "role");
    bool member = json_is_string(role);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:o}", "id",
        row_str(row, "id"), "domain", row_str(row, "domain"), "name",
        row_str(row, "name"), "description", row_str(row, "description"), "industry",
        row_str(row, "industry"), "billing_email", row_str(row, "billing_email"),
        "homepage", row_str(row, "homepage"), "perm_member_manage",
        row_str(row, "perm_member_manage"), "owner_id", row_str(row, "owner_id"),
        "member", member, "closed", row_int(row, "closed") != 0, "created",
        row_time(row, "created"), "updated", row_time(row, "updated"));
    json_t *extra = orgws_extra_parse(row_str(row, "extra"));
    if (!o || !extra) {
        json_decref(o);
        json_decref(extra);
        return NULL;
    }
    if (json_object_set_new(o, "user_permission",
                            member ? json_string(json_string_value(role)) : json_null()) != 0) {
        json_decref(o);
        json_decref(extra);
        return NULL;
    }
    orgws_extra_copy(o, extra, org_extra_keys);
    json_decref(extra);
    if (!member)
        for (const char *const *k = org_member_keys; *k; k++)
            json_object_del(o, *k);
    return o;
}

/* Set "org" to the org `id` as the caller sees it. */
static int org_reply(struct req *r, const char *id)
{
    json_t *row = NULL;
    enum store_rc rc = STORE(r->st, org)->row(r->st, id, r->caller.user_id, &row);
    if (rc == STORE_NOT_FOUND)
        return req_fail(r, 404, API_ERR_NOT_FOUND, "Organization not found");
    if (rc != STORE_OK)
        return req_fail_internal(r, "org query");
    json_t *o = org_render(row);
    json_decref(row);
    return o ? req_set(r, "org", o) : req_fail(r, 500, 0, "Out of memory");
}

/* The settable columns of row (a row object after orgws_apply) and its dumped extra. */
static struct store_org_fields org_fields_of(const json_t *row, const char *extra)
{
    struct store_org_fields f = {
        .domain = row_str(row, "domain"),
        .name = row_str(row, "name"),
        .description = row_str(row, "description"),
        .industry = row_str(row, "industry"),
        .billing_email = row_str(row, "billing_email"),
        .homepage = row_str(row, "homepage"),
        .perm_member_manage = row_str(row, "perm_member_manage"),
        .extra = extra,
    };
    return f;
}

/* ---- field rules (api §3.2) ------------------------------------------------------------------ */

static const char *const perm_member_manage_choices[] = {"Member or above", "Admin or above",
                                                         "Owner only", NULL};

/* key, store, check, min, max, choices, clear_to, clear_copy, flags */
static const struct orgws_field org_fields[] = {
    {"domain", OW_COLUMN, OW_SLUG, ORGWS_SLUG_MIN, ORGWS_SLUG_MAX, NULL, NULL, NULL, OW_ON_CREATE},
    {"name", OW_COLUMN, OW_LINE, 3, 100, NULL, NULL, "domain", OW_ON_CREATE},
    {"description", OW_COLUMN, OW_MULTILINE, 10, 1000, NULL, "", NULL, OW_ON_CREATE},
    {"industry", OW_COLUMN, OW_LINE, 1, 100, NULL, "", NULL, OW_ON_CREATE},
    {"billing_email", OW_COLUMN, OW_EMAIL, 3, 254, NULL, "", NULL, OW_ON_CREATE},
    {"homepage", OW_COLUMN, OW_URL, 8, 1000, NULL, "", NULL, 0},
    {"perm_member_manage", OW_COLUMN, OW_CHOICE, 0, 0, perm_member_manage_choices, "Admin or above",
     NULL, 0},
    {"accent_color", OW_EXTRA, OW_JSON_OBJECT, 0, 1024, NULL, NULL, NULL, 0},
    {"background_color", OW_EXTRA, OW_JSON_OBJECT, 0, 1024, NULL, NULL, NULL, 0},
    {"background_mode", OW_EXTRA, OW_LINE, 1, 50, NULL, NULL, NULL, 0},
    {"use_background", OW_EXTRA, OW_BOOL, 0, 0, NULL, NULL, NULL, 0},
    {"facebook", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"twitter", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"instagram", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"youtube", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"perm_auth_domains", OW_EXTRA, OW_LINE, 1, 1000, NULL, NULL, NULL, 0},
    {"owner_defined", OW_EXTRA, OW_JSON_OBJECT, 0, 16384, NULL, NULL, NULL, 0},
};
#define N_ORG_FIELDS (sizeof(org_fields) / sizeof(org_fields[0]))

/* 409 when another org (any, closed ones included: a closed org's domain stays reserved so old
 * links never lead to a newcomer) already has the domain. */
static int domain_free(struct req *r, const char *domain, const char *self_id)
{
    bool taken = false;
    if (STORE(r->st, org)->domain_taken(r->st, domain, self_id, &taken) != STORE_OK)
        return req_fail_internal(r, "domain lookup");
    return taken ? req_fail(r, 409, API_ERR_CONFLICT, "domain already in use") : 0;
}

/* ---- lists ----------------------------------------------------------------------------------- */

/* One page of orgs: count and rows from the store, rendered by org_render. */
static int org_page(struct req *r, bool external)
{
    const struct store_org_ops *o = STORE(r->st, org);
    struct orgws_page pg;
    long long total;
    json_t *rows = NULL, *items = NULL;
    if (orgws_page_read(r, &pg) != 0)
        return -1;
    enum store_rc rc = external ? o->count_external(r->st, r->caller.user_id, &total)
                                : o->count_joined(r->st, r->caller.user_id, &total);
    if (rc != STORE_OK)
        return req_fail_internal(r, "count orgs");
    rc = external ? o->list_external(r->st, r->caller.user_id, pg.limit, pg.offset, &rows)
                  : o->list_joined(r->st, r->caller.user_id, pg.limit, pg.offset, &rows);
    if (rc != STORE_OK)
        return req_fail_internal(r, "list orgs");
    int ret = rows_render(r, rows, org_render, &items);
    json_decref(rows);
    return ret == 0 ? orgws_page_reply(r, "orgs", items, total, &pg) : -1;
}

int h_org_list(struct req *r)
{
    return org_page(r, false);
}

/* Orgs the caller is not a member of but holds a workspace membership in (api §3.2 "always call
 * both"). Their role is null, so they render with member:false, user_permission:null. */
int h_org_list_external(struct req *r)
{
    return org_page(r, true);
}

/* ---- create, details, update, close ---------------------------------------------------------- */

/* A row object holding the columns the update engine may change (plus "extra"). */
static json_t *org_row_new(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "domain", "", "name", "",
                     "description", "", "industry", "", "billing_email", "", "homepage", "",
                     "perm_member_manage", "Admin or above", "extra", json_object());
}

int h_org_create(struct req *r)
{
    const char *domain;
    if (orgws_param(r, "domain", &domain) != 0)
        return -1;
    if (!domain || !*domain)
        return req_fail_param(r, "domain", "missing", "The parameter 'domain' is required");
    json_t *row = org_row_new();
    if (!row)
        return req_fail(r, 500, 0, "Out of memory");
    size_t known;
    int ret = -1;
    char *extra = NULL;
    if (orgws_apply(r, org_fields, N_ORG_FIELDS, row, true, &known) != 0)
        goto done;
    /* name defaults to the domain (api §3.2 lists it as optional). */
    if (!*row_str(row, "name") &&
        json_object_set_new(row, "name", json_string(row_str(row, "domain"))) != 0) {
        ret = req_fail(r, 500, 0, "Out of memory");
        goto done;
    }
    if (domain_free(r, row_str(row, "domain"), "") != 0)
        goto done;
    char id[FIO_PROFILE_ID_SIZE];
    extra = orgws_extra_dump(json_object_get(row, "extra"));
    if (!extra || !fio_profile_id_new(id)) {
        ret = req_fail_internal(r, "org id");
        goto done;
    }
    struct store_org_fields f = org_fields_of(row, extra);
    enum store_rc rc = STORE(r->st, org)->insert(r->st, id, &f, r->caller.user_id, srv_now_us());
    if (rc == STORE_EXISTS) {
        ret = req_fail(r, 409, API_ERR_CONFLICT, "domain already in use");
        goto done;
    }
    if (rc != STORE_OK) {
        ret = req_fail_internal(r, "insert org");
        goto done;
    }
    struct event_spec ev = {"org", "lifecycle", "org_created", id, NULL, NULL, id};
    if (events_add(r, &ev, json_pack("{s:s}", "domain", row_str(row, "domain"))) != 0)
        goto done;
    ret = org_reply(r, id);
done:
    free(extra);
    json_decref(row);
    return ret;
}

int h_org_details(struct req *r)
{
    return org_reply(r, r->org.id);
}

int h_org_update(struct req *r)
{
    json_t *row = NULL;
    if (STORE(r->st, org)->settings(r->st, r->org.id, &row) != STORE_OK)
        return req_fail_internal(r, "org row");
    /* The update engine works on "extra" as an object. */
    if (json_object_set_new(row, "extra", orgws_extra_parse(row_str(row, "extra"))) != 0) {
        json_decref(row);
        return req_fail(r, 500, 0, "Out of memory");
    }

    size_t known;
    int ret = -1;
    char *extra = NULL;
    /* Only the rule keys are read: id, owner_id, closed, created ... are never assignable. */
    if (orgws_apply(r, org_fields, N_ORG_FIELDS, row, false, &known) != 0)
        goto done;
    if (known == 0) {
        ret = req_fail(r, 400, API_ERR_INVALID,
                       "Nothing to update: send at least one of the organization's fields");
        goto done;
    }
    if (strcmp(row_str(row, "domain"), r->org.domain) != 0 &&
        domain_free(r, row_str(row, "domain"), r->org.id) != 0)
        goto done;
    extra = orgws_extra_dump(json_object_get(row, "extra"));
    if (!extra) {
        ret = req_fail(r, 500, 0, "Out of memory");
        goto done;
    }
    struct store_org_fields f = org_fields_of(row, extra);
    enum store_rc rc = STORE(r->st, org)->update(r->st, r->org.id, &f, srv_now_us());
    if (rc == STORE_EXISTS)
        ret = req_fail(r, 409, API_ERR_CONFLICT, "domain already in use");
    else if (rc != STORE_OK)
        ret = req_fail_internal(r, "update org");
    else if (events_record(r, "org", "settings", "org_updated", r->org.id, NULL) == 0)
        ret = org_reply(r, r->org.id);
done:
    free(extra);
    json_decref(row);
    return ret;
}

/* Closing is a soft delete: the row stays (its domain stays reserved), but the router resolves
 * only open orgs, so from now on the org and its workspaces are "not found" for everyone. */
int h_org_close(struct req *r)
{
    const char *confirm;
    if (orgws_param(r, "confirm", &confirm) != 0)
        return -1;
    if (!confirm || !*confirm)
        return req_fail_param(
            r, "confirm", "missing",
            "The parameter 'confirm' is required: the organization's domain or id");
    if (strcmp(confirm, r->org.domain) != 0 && strcmp(confirm, r->org.id) != 0)
        return req_fail_param(r, "confirm", "invalid",
                              "'confirm' must equal the organization's domain or id");
    if (STORE(r->st, org)->close(r->st, r->org.id, srv_now_us()) != STORE_OK)
        return req_fail_internal(r, "close org");
    return events_record(r, "org", "lifecycle", "org_closed", r->org.id, NULL);
}
