/* SPDX-License-Identifier: MIT */
/* test_endpoint_rows.c - the rows of include/fastio/endpoints.h as data: ids are explicit,
 * unique and never change (an application compiles them in), every row and parameter says what
 * it is, and the parameters agree with the path template. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fastio/fastio.h"
#include "testmain.h"

/* The ids of the rows that existed when ids became explicit (issue 12), by name. A row may be
 * added with a new id; none of these may ever change. Also checked: the enum constant. */
static const struct {
    const char *name;
    int constant;
    int id;
} pinned[] = {
    {"PING", FASTIO_EP_PING, 0},
    {"SYSTEM_STATUS", FASTIO_EP_SYSTEM_STATUS, 1},
    {"USER_SIGNUP", FASTIO_EP_USER_SIGNUP, 2},
    {"USER_SIGNIN", FASTIO_EP_USER_SIGNIN, 3},
    {"AUTH_CHECK", FASTIO_EP_AUTH_CHECK, 4},
    {"USER_ME", FASTIO_EP_USER_ME, 5},
    {"APIKEY_CREATE", FASTIO_EP_APIKEY_CREATE, 6},
    {"APIKEY_LIST", FASTIO_EP_APIKEY_LIST, 7},
    {"APIKEY_GET", FASTIO_EP_APIKEY_GET, 8},
    {"APIKEY_UPDATE", FASTIO_EP_APIKEY_UPDATE, 9},
    {"APIKEY_DELETE", FASTIO_EP_APIKEY_DELETE, 10},
    {"ORG_LIST", FASTIO_EP_ORG_LIST, 11},
    {"ORG_LIST_EXTERNAL", FASTIO_EP_ORG_LIST_EXTERNAL, 12},
    {"ORG_CREATE", FASTIO_EP_ORG_CREATE, 13},
    {"ORG_DETAILS", FASTIO_EP_ORG_DETAILS, 14},
    {"ORG_UPDATE", FASTIO_EP_ORG_UPDATE, 15},
    {"ORG_CLOSE", FASTIO_EP_ORG_CLOSE, 16},
    {"ORG_WORKSPACES", FASTIO_EP_ORG_WORKSPACES, 17},
    {"WORKSPACE_CREATE", FASTIO_EP_WORKSPACE_CREATE, 18},
    {"WORKSPACE_LIST", FASTIO_EP_WORKSPACE_LIST, 19},
    {"WORKSPACE_DETAILS", FASTIO_EP_WORKSPACE_DETAILS, 20},
    {"WORKSPACE_UPDATE", FASTIO_EP_WORKSPACE_UPDATE, 21},
    {"WORKSPACE_DELETE", FASTIO_EP_WORKSPACE_DELETE, 22},
    {"WORKSPACE_ARCHIVE", FASTIO_EP_WORKSPACE_ARCHIVE, 23},
    {"WORKSPACE_UNARCHIVE", FASTIO_EP_WORKSPACE_UNARCHIVE, 24},
    {"STORAGE_LIST", FASTIO_EP_STORAGE_LIST, 25},
    {"STORAGE_TRASH_LIST", FASTIO_EP_STORAGE_TRASH_LIST, 26},
    {"STORAGE_DETAILS", FASTIO_EP_STORAGE_DETAILS, 27},
    {"STORAGE_CREATE_FOLDER", FASTIO_EP_STORAGE_CREATE_FOLDER, 28},
    {"STORAGE_MOVE", FASTIO_EP_STORAGE_MOVE, 29},
    {"STORAGE_COPY", FASTIO_EP_STORAGE_COPY, 30},
    {"STORAGE_UPDATE", FASTIO_EP_STORAGE_UPDATE, 31},
    {"STORAGE_DELETE", FASTIO_EP_STORAGE_DELETE, 32},
    {"STORAGE_RESTORE", FASTIO_EP_STORAGE_RESTORE, 33},
    {"STORAGE_PURGE", FASTIO_EP_STORAGE_PURGE, 34},
    {"STORAGE_TRASH_EMPTY", FASTIO_EP_STORAGE_TRASH_EMPTY, 35},
    {"OAUTH_AUTHORIZE", FASTIO_EP_OAUTH_AUTHORIZE, 36},
    {"OAUTH_TOKEN", FASTIO_EP_OAUTH_TOKEN, 37},
    {"OAUTH_REVOKE", FASTIO_EP_OAUTH_REVOKE, 38},
    {"OAUTH_SESSIONS_LIST", FASTIO_EP_OAUTH_SESSIONS_LIST, 39},
    {"OAUTH_SESSION_DETAILS", FASTIO_EP_OAUTH_SESSION_DETAILS, 40},
    {"OAUTH_SESSION_RENAME", FASTIO_EP_OAUTH_SESSION_RENAME, 41},
    {"OAUTH_SESSION_REVOKE", FASTIO_EP_OAUTH_SESSION_REVOKE, 42},
    {"OAUTH_SESSIONS_REVOKE_ALL", FASTIO_EP_OAUTH_SESSIONS_REVOKE_ALL, 43},
    {"AUTH_SCOPES", FASTIO_EP_AUTH_SCOPES, 44},
    {"USER_SIGNOUT", FASTIO_EP_USER_SIGNOUT, 45},
    {"ORG_MEMBERS_LIST", FASTIO_EP_ORG_MEMBERS_LIST, 46},
    {"ORG_MEMBERS_ADD", FASTIO_EP_ORG_MEMBERS_ADD, 47},
    {"ORG_MEMBERS_REMOVE", FASTIO_EP_ORG_MEMBERS_REMOVE, 48},
    {"ORG_MEMBER_UPDATE", FASTIO_EP_ORG_MEMBER_UPDATE, 49},
    {"ORG_MEMBER_DETAILS", FASTIO_EP_ORG_MEMBER_DETAILS, 50},
    {"ORG_MEMBER_TRANSFER", FASTIO_EP_ORG_MEMBER_TRANSFER, 51},
    {"ORG_MEMBER_LEAVE", FASTIO_EP_ORG_MEMBER_LEAVE, 52},
    {"ORG_MEMBERS_JOIN", FASTIO_EP_ORG_MEMBERS_JOIN, 53},
    {"ORG_INVITATIONS_LIST", FASTIO_EP_ORG_INVITATIONS_LIST, 54},
    {"ORG_INVITATIONS_LIST_STATE", FASTIO_EP_ORG_INVITATIONS_LIST_STATE, 55},
    {"ORG_INVITATION_UPDATE", FASTIO_EP_ORG_INVITATION_UPDATE, 56},
    {"ORG_INVITATION_DELETE", FASTIO_EP_ORG_INVITATION_DELETE, 57},
    {"ORG_INVITATION_ACCEPT", FASTIO_EP_ORG_INVITATION_ACCEPT, 58},
    {"ORG_INVITATION_DECLINE", FASTIO_EP_ORG_INVITATION_DECLINE, 59},
    {"ORG_TRANSFER_TOKEN_CREATE", FASTIO_EP_ORG_TRANSFER_TOKEN_CREATE, 60},
    {"ORG_TRANSFER_TOKEN_LIST", FASTIO_EP_ORG_TRANSFER_TOKEN_LIST, 61},
    {"ORG_TRANSFER_TOKEN_DELETE", FASTIO_EP_ORG_TRANSFER_TOKEN_DELETE, 62},
    {"ORG_TRANSFER_CLAIM", FASTIO_EP_ORG_TRANSFER_CLAIM, 63},
    {"WORKSPACE_MEMBERS_LIST", FASTIO_EP_WORKSPACE_MEMBERS_LIST, 64},
    {"WORKSPACE_MEMBERS_ADD", FASTIO_EP_WORKSPACE_MEMBERS_ADD, 65},
    {"WORKSPACE_MEMBERS_REMOVE", FASTIO_EP_WORKSPACE_MEMBERS_REMOVE, 66},
    {"WORKSPACE_MEMBER_UPDATE", FASTIO_EP_WORKSPACE_MEMBER_UPDATE, 67},
    {"WORKSPACE_MEMBER_DETAILS", FASTIO_EP_WORKSPACE_MEMBER_DETAILS, 68},
    {"WORKSPACE_MEMBER_TRANSFER", FASTIO_EP_WORKSPACE_MEMBER_TRANSFER, 69},
    {"WORKSPACE_MEMBER_LEAVE", FASTIO_EP_WORKSPACE_MEMBER_LEAVE, 70},
    {"WORKSPACE_MEMBERS_JOIN", FASTIO_EP_WORKSPACE_MEMBERS_JOIN, 71},
    {"WORKSPACE_INVITATIONS_LIST", FASTIO_EP_WORKSPACE_INVITATIONS_LIST, 72},
    {"WORKSPACE_INVITATIONS_LIST_STATE", FASTIO_EP_WORKSPACE_INVITATIONS_LIST_STATE, 73},
    {"WORKSPACE_INVITATION_UPDATE", FASTIO_EP_WORKSPACE_INVITATION_UPDATE, 74},
    {"WORKSPACE_INVITATION_DELETE", FASTIO_EP_WORKSPACE_INVITATION_DELETE, 75},
    {"WORKSPACE_INVITATION_ACCEPT", FASTIO_EP_WORKSPACE_INVITATION_ACCEPT, 76},
    {"WORKSPACE_INVITATION_DECLINE", FASTIO_EP_WORKSPACE_INVITATION_DECLINE, 77},
    {"USER_INVITATIONS_LIST", FASTIO_EP_USER_INVITATIONS_LIST, 78},
    {"USER_INVITATIONS_ACCEPTALL", FASTIO_EP_USER_INVITATIONS_ACCEPTALL, 79},
    {"USER_INVITATION_DETAILS", FASTIO_EP_USER_INVITATION_DETAILS, 80},
    {"EVENTS_SEARCH", FASTIO_EP_EVENTS_SEARCH, 81},
    {"EVENT_DETAILS", FASTIO_EP_EVENT_DETAILS, 82},
    {"EVENT_ACK", FASTIO_EP_EVENT_ACK, 83},
    {"ACTIVITY_POLL", FASTIO_EP_ACTIVITY_POLL, 84},
    {"UPLOAD_CREATE", FASTIO_EP_UPLOAD_CREATE, 85},
    {"UPLOAD_CHUNK", FASTIO_EP_UPLOAD_CHUNK, 86},
    {"UPLOAD_STREAM", FASTIO_EP_UPLOAD_STREAM, 87},
    {"UPLOAD_COMPLETE", FASTIO_EP_UPLOAD_COMPLETE, 88},
    {"UPLOAD_DETAILS", FASTIO_EP_UPLOAD_DETAILS, 89},
    {"UPLOAD_CANCEL", FASTIO_EP_UPLOAD_CANCEL, 90},
    {"UPLOAD_LIST", FASTIO_EP_UPLOAD_LIST, 91},
    {"UPLOAD_CANCEL_ALL", FASTIO_EP_UPLOAD_CANCEL_ALL, 92},
    {"UPLOAD_CHUNK_INFO", FASTIO_EP_UPLOAD_CHUNK_INFO, 93},
    {"UPLOAD_CHUNK_DELETE", FASTIO_EP_UPLOAD_CHUNK_DELETE, 94},
    {"UPLOAD_LIMITS", FASTIO_EP_UPLOAD_LIMITS, 95},
    {"UPLOAD_EXTENSIONS", FASTIO_EP_UPLOAD_EXTENSIONS, 96},
    {"UPLOAD_BATCH", FASTIO_EP_UPLOAD_BATCH, 97},
    {"STORAGE_REQUEST_READ", FASTIO_EP_STORAGE_REQUEST_READ, 98},
    {"STORAGE_READ", FASTIO_EP_STORAGE_READ, 99},
    {"STORAGE_ZIP", FASTIO_EP_STORAGE_ZIP, 100},
    {"STORAGE_VERSIONS", FASTIO_EP_STORAGE_VERSIONS, 101},
    {"STORAGE_VERSION_RESTORE", FASTIO_EP_STORAGE_VERSION_RESTORE, 102},
    {"LOCK_ACQUIRE", FASTIO_EP_LOCK_ACQUIRE, 103},
    {"LOCK_STATUS", FASTIO_EP_LOCK_STATUS, 104},
    {"LOCK_HEARTBEAT", FASTIO_EP_LOCK_HEARTBEAT, 105},
    {"LOCK_RELEASE", FASTIO_EP_LOCK_RELEASE, 106},
    /* URL import (endpoints_web.h) */
    {"WEB_UPLOAD_CREATE", FASTIO_EP_WEB_UPLOAD_CREATE, 145},
    {"WEB_UPLOAD_LIST", FASTIO_EP_WEB_UPLOAD_LIST, 146},
    {"WEB_UPLOAD_DETAILS", FASTIO_EP_WEB_UPLOAD_DETAILS, 147},
    {"WEB_UPLOAD_CANCEL", FASTIO_EP_WEB_UPLOAD_CANCEL, 148},
    {"USER_EMAIL_VALIDATE", FASTIO_EP_USER_EMAIL_VALIDATE, 155}, /* hardening: 155..164 */
    /* search (endpoints_intel.h): 165..174 */
    {"STORAGE_SEARCH", FASTIO_EP_STORAGE_SEARCH, 165},
    {"WORKSPACE_SEARCH", FASTIO_EP_WORKSPACE_SEARCH, 166},
    /* AI chat (endpoints_ai.h): 175..194 */
    {"AI_CHAT_CREATE", FASTIO_EP_AI_CHAT_CREATE, 175},
    {"AI_MESSAGE_SEND", FASTIO_EP_AI_MESSAGE_SEND, 176},
    {"AI_MESSAGE_DETAILS", FASTIO_EP_AI_MESSAGE_DETAILS, 177},
    {"AI_MESSAGE_LIST", FASTIO_EP_AI_MESSAGE_LIST, 178},
    {"AI_CHAT_LIST", FASTIO_EP_AI_CHAT_LIST, 179},
    {"AI_CHAT_LIST_DELETED", FASTIO_EP_AI_CHAT_LIST_DELETED, 180},
    {"AI_CHAT_DETAILS", FASTIO_EP_AI_CHAT_DETAILS, 181},
    {"AI_CHAT_UPDATE", FASTIO_EP_AI_CHAT_UPDATE, 182},
    {"AI_CHAT_PUBLISH", FASTIO_EP_AI_CHAT_PUBLISH, 183},
    {"AI_CHAT_DELETE", FASTIO_EP_AI_CHAT_DELETE, 184},
    {"AI_CHAT_CANCEL", FASTIO_EP_AI_CHAT_CANCEL, 185},
    {"AI_TRANSACTIONS", FASTIO_EP_AI_TRANSACTIONS, 186},
};

static void rows_ids_pinned(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
        const struct fastio_endpoint_info *row =
            fastio_endpoint_get((enum fastio_endpoint)pinned[i].id);
        if (pinned[i].constant != pinned[i].id)
            fail_msg("FASTIO_EP_%s is %d, was %d", pinned[i].name, pinned[i].constant,
                     pinned[i].id);
        if (row == NULL || strcmp(row->name, pinned[i].name) != 0)
            fail_msg("id %d is %s, was %s", pinned[i].id, row ? row->name : "(none)",
                     pinned[i].name);
        assert_int_equal(fastio_endpoint_find(pinned[i].name), pinned[i].id);
    }
}

/* The ids as the list itself gives them (not through the table, where a second row with an
 * id would only overwrite the first). */
static const struct {
    const char *name;
    int id;
} listed[] = {
#define LISTED_(id, num, m, p, a, r, path, key, doc, params) {#id, num},
    FASTIO_ENDPOINT_LIST(LISTED_, LISTED_)
#undef LISTED_
};

static void rows_ids_unique(void **state)
{
    (void)state;
    size_t n = sizeof(listed) / sizeof(listed[0]);
    int max = -1;
    for (size_t i = 0; i < n; i++) {
        assert_true(listed[i].id >= 0);
        if (listed[i].id > max)
            max = listed[i].id;
        for (size_t j = i + 1; j < n; j++) {
            if (listed[i].id == listed[j].id)
                fail_msg("%s and %s both have id %d", listed[i].name, listed[j].name, listed[i].id);
        }
        const struct fastio_endpoint_info *row =
            fastio_endpoint_get((enum fastio_endpoint)listed[i].id);
        assert_non_null(row);
        assert_string_equal(row->name, listed[i].name);
    }
    /* the count follows the highest id, so the next row's id is FASTIO_EP_COUNT_ */
    assert_int_equal(FASTIO_EP_COUNT_, max + 1);
}

static bool one_line(const char *s)
{
    return s != NULL && s[0] != '\0' && strchr(s, '\n') == NULL;
}

static void rows_documented(void **state)
{
    (void)state;
    for (int i = 0; i < FASTIO_EP_COUNT_; i++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)i);
        if (row == NULL)
            continue; /* a gap */
        if (!one_line(row->doc) || row->doc[strlen(row->doc) - 1] != '.')
            fail_msg("%s: the row needs a one-line doc ending with '.'", row->name);
        assert_true(row->n_params == 0 || row->param_info != NULL);
        for (size_t k = 0; k < row->n_params; k++) {
            const struct fastio_param_info *p = &row->param_info[k];
            if (p->name == NULL || p->name[0] == '\0')
                fail_msg("%s: parameter %zu has no name", row->name, k);
            if (!one_line(p->doc))
                fail_msg("%s: parameter %s has no one-line doc", row->name, p->name);
            if ((p->type == FASTIO_PARAM_ENUM) != (p->choices != NULL && p->choices[0] != '\0'))
                fail_msg("%s: parameter %s: choices go with type enum, and only with it", row->name,
                         p->name);
            if (strcmp(fastio_param_type_name(p->type), "unknown") == 0 ||
                strcmp(fastio_param_in_name(p->in), "unknown") == 0)
                fail_msg("%s: parameter %s has a bad type or place", row->name, p->name);
        }
    }
    assert_string_equal(fastio_param_type_name((enum fastio_param_type)99), "unknown");
    assert_string_equal(fastio_param_in_name((enum fastio_param_in)99), "unknown");
}

static void rows_params_match_path(void **state)
{
    (void)state;
    for (int i = 0; i < FASTIO_EP_COUNT_; i++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get((enum fastio_endpoint)i);
        if (row == NULL)
            continue;
        unsigned n_path = 0;
        for (size_t k = 0; k < row->n_params; k++) {
            const struct fastio_param_info *p = &row->param_info[k];
            if (p->in == FASTIO_PARAM_IN_PATH) {
                n_path++;
                assert_true(p->required); /* a path has no optional segment */
                assert_ptr_equal(fastio_endpoint_path_param(row, n_path - 1), p);
            } else {
                /* the first parameter of that name outside the path is this one: no twins */
                if (fastio_endpoint_param(row, p->name) != p)
                    fail_msg("%s: parameter %s given twice", row->name, p->name);
            }
            /* a body parameter follows the row's encoding (multipart parts aside) */
            if (p->in == FASTIO_PARAM_IN_FORM)
                assert_int_equal(row->params, FASTIO_PARAMS_FORM);
            if (p->in == FASTIO_PARAM_IN_JSON)
                assert_int_equal(row->params, FASTIO_PARAMS_JSON);
        }
        if (n_path != row->path_args)
            fail_msg("%s: %u path parameters for %u placeholders in %s", row->name, n_path,
                     row->path_args, row->path);
        assert_null(fastio_endpoint_path_param(row, row->path_args));
        assert_null(fastio_endpoint_param(row, "no_such_parameter"));
    }
    assert_null(fastio_endpoint_param(NULL, "x"));
    assert_null(fastio_endpoint_path_param(NULL, 0));
    /* spot checks of facts the wrappers and the CLI used to write themselves */
    const struct fastio_endpoint_info *org = fastio_endpoint_get(FASTIO_EP_ORG_CREATE);
    const struct fastio_param_info *p = fastio_endpoint_param(org, "billing_email");
    assert_non_null(p);
    assert_int_equal(p->in, FASTIO_PARAM_IN_FORM);
    assert_false(p->required);
    p = fastio_endpoint_param(org, "domain");
    assert_non_null(p);
    assert_true(p->required);
    p = fastio_endpoint_param(fastio_endpoint_get(FASTIO_EP_WORKSPACE_DELETE), "confirm");
    assert_non_null(p);
    assert_int_equal(p->in, FASTIO_PARAM_IN_QUERY); /* DELETE + QUERY row */
    p = fastio_endpoint_param(fastio_endpoint_get(FASTIO_EP_WORKSPACE_CREATE), "perm_join");
    assert_non_null(p);
    assert_string_equal(p->choices, "Member or above|Admin or above|Only Org Owners");
    p = fastio_endpoint_path_param(fastio_endpoint_get(FASTIO_EP_LOCK_RELEASE), 1);
    assert_non_null(p);
    assert_string_equal(p->name, "node_id");
    p = fastio_endpoint_param(fastio_endpoint_get(FASTIO_EP_UPLOAD_CHUNK), "chunk");
    assert_non_null(p);
    assert_int_equal(p->in, FASTIO_PARAM_IN_MULTIPART);
}

/* The typed wrappers pass their arguments positionally, in the row's parameter order
 * (fio_row_call, src/client/api/api.c). These are the orders they rely on: a row's parameters
 * may be appended to, never reordered. */
static const struct {
    enum fastio_endpoint ep;
    const char *names[8];
} wrapper_orders[] = {
    {FASTIO_EP_USER_SIGNUP,
     {"email_address", "password", "tos_agree", "first_name", "last_name", "agent"}},
    {FASTIO_EP_APIKEY_CREATE, {"memo", "scopes", "agent_name", "expires"}},
    {FASTIO_EP_APIKEY_UPDATE, {"key_id", "memo", "scopes", "agent_name", "expires"}},
    {FASTIO_EP_ORG_LIST, {"limit", "offset"}},
    {FASTIO_EP_ORG_LIST_EXTERNAL, {"limit", "offset"}},
    {FASTIO_EP_WORKSPACE_LIST, {"limit", "offset"}},
    {FASTIO_EP_ORG_WORKSPACES, {"org_id", "limit", "offset"}},
    {FASTIO_EP_ORG_CREATE, {"domain", "name", "description", "industry", "billing_email"}},
    {FASTIO_EP_ORG_CLOSE, {"org_id", "confirm"}},
    {FASTIO_EP_WORKSPACE_CREATE,
     {"org_id", "name", "folder_name", "description", "intelligence", "perm_join",
      "perm_member_manage"}},
    {FASTIO_EP_WORKSPACE_UPDATE,
     {"workspace_id", "name", "description", "folder_name", "intelligence", "perm_join",
      "perm_member_manage"}},
    {FASTIO_EP_WORKSPACE_DELETE, {"workspace_id", "confirm"}},
    {FASTIO_EP_STORAGE_LIST,
     {"workspace_id", "folder_id", "sort_by", "sort_dir", "page_size", "cursor"}},
    {FASTIO_EP_STORAGE_TRASH_LIST, {"workspace_id", "sort_by", "sort_dir", "page_size", "cursor"}},
    {FASTIO_EP_STORAGE_CREATE_FOLDER, {"workspace_id", "parent_id", "name", "force"}},
    {FASTIO_EP_STORAGE_MOVE, {"workspace_id", "node_id", "parent"}},
    {FASTIO_EP_STORAGE_COPY, {"workspace_id", "node_id", "parent"}},
    {FASTIO_EP_STORAGE_UPDATE, {"workspace_id", "node_id", "name"}},
    {FASTIO_EP_EVENTS_SEARCH,
     {"workspace_id", "org_id", "user_id", "share_id", "parent_event_id", "event", "category",
      "subcategory"}},
    {FASTIO_EP_EVENT_ACK, {"event_id", "event_id"}},
    {FASTIO_EP_ACTIVITY_POLL, {"entity_id", "lastactivity", "wait"}},
};

static void rows_wrapper_orders(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(wrapper_orders) / sizeof(wrapper_orders[0]); i++) {
        const struct fastio_endpoint_info *row = fastio_endpoint_get(wrapper_orders[i].ep);
        assert_non_null(row);
        for (size_t k = 0; k < 8 && wrapper_orders[i].names[k] != NULL; k++) {
            if (k >= row->n_params ||
                strcmp(row->param_info[k].name, wrapper_orders[i].names[k]) != 0)
                fail_msg("%s: parameter %zu is %s, the typed wrapper passes %s there", row->name, k,
                         k < row->n_params ? row->param_info[k].name : "(none)",
                         wrapper_orders[i].names[k]);
        }
    }
    /* and the rest of the events filter, past the 8 above */
    const struct fastio_endpoint_info *ev = fastio_endpoint_get(FASTIO_EP_EVENTS_SEARCH);
    static const char *const tail[] = {"calling_user_id", "object_id",   "visibility",
                                       "acknowledged",    "created-min", "created-max",
                                       "limit",           "offset"};
    assert_int_equal(ev->n_params, 16);
    for (size_t k = 0; k < 8; k++)
        assert_string_equal(ev->param_info[8 + k].name, tail[k]);
}

/* A required parameter left out is refused before anything is sent, naming the wire name the
 * row gives it (the base URL points at a port nobody should be asked). */
static void rows_required_checked_before_sending(void **state)
{
    (void)state;
    struct fastio_config cfg;
    struct fastio_error err;
    fastio_config_init(&cfg);
    cfg.base_url = "http://127.0.0.1:9/current";
    cfg.max_retries = 0;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(fastio_org_close(c, "acme", NULL, &err), FASTIO_INVALID);
    assert_string_equal(err.message, "confirm is required");
    assert_int_equal(fastio_storage_move(c, "ws", NULL, "root", NULL, &err), FASTIO_INVALID);
    assert_string_equal(err.message, "node_id is required");
    json_t *out = (json_t *)&err;
    assert_int_equal(fastio_org_workspaces(c, NULL, NULL, &out, &err), FASTIO_INVALID);
    assert_string_equal(err.message, "org_id is required");
    assert_null(out);
    fastio_client_free(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(rows_ids_pinned),     cmocka_unit_test(rows_ids_unique),
    cmocka_unit_test(rows_documented),     cmocka_unit_test(rows_params_match_path),
    cmocka_unit_test(rows_wrapper_orders), cmocka_unit_test(rows_required_checked_before_sending),
};

TEST_MAIN(tests)
