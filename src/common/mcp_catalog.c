/* SPDX-License-Identifier: MIT */
/* mcp_catalog.c - the MCP tool catalogue (mcp_catalog.h): the tool and action lines, and the
 * schema, describe and argument validation generated from the endpoint rows (api §10.1). */
#include "mcp_catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the catalogue ------------------------------------------------------------------------ */

static const struct mcp_tool tools[] = {
    {"auth", "Sign-in and API keys",
     "Sign in (email/password, API key or OAuth PKCE), show the session, manage API keys and "
     "OAuth sessions. Sign in first: other tools need it."},
    {"user", "Your account", "Your profile and the invitations addressed to you."},
    {"org", "Organizations", "List, create, inspect and change organizations."},
    {"workspace", "Workspaces", "List, create, inspect, change, archive and delete workspaces."},
    {"storage", "Files and folders",
     "Browse and change a workspace's files and folders: list, details, create-folder, move, "
     "copy, rename, delete, restore, purge, versions, search and file locks."},
    {"upload", "Uploads",
     "Put files into a workspace: `text` for a small text file in one call, or a session "
     "(create-session, chunk, finalize, status)."},
    {"download", "Downloads", "Get a file's content or a short-lived download URL."},
    {"ai", "AI assistant", "Ask questions about a workspace's files and manage AI chats."},
    {"member", "Members", "Members of organizations and workspaces: list, add, change, remove."},
    {"invitation", "Invitations",
     "Invitations of organizations and workspaces: list, change, withdraw, accept, decline."},
    {"event", "Events and activity",
     "Search the audit events and wait for activity on a workspace or the account."},
    {"find", "Find", "Search a workspace's files by name or content."},
};
#define N_TOOLS (sizeof(tools) / sizeof(tools[0]))

#define LP(name, type, req, doc) {name, FASTIO_PARAM_##type, FASTIO_PARAM_IN_JSON, req, NULL, doc}
#define LPE(name, choices, req, doc)                                                               \
    {name, FASTIO_PARAM_ENUM, FASTIO_PARAM_IN_JSON, req, choices, doc}
#define N_OF(a) a, (sizeof(a) / sizeof(a[0]))

static const struct fastio_param_info p_signin[] = {
    LP("email", STRING, true, "Account email address."),
    LP("password", STRING, true, "Account password."),
};
static const struct fastio_param_info p_set_key[] = {
    LP("api_key", STRING, true, "An API key (or an access token) to use for this session."),
};
static const struct fastio_param_info p_pkce_login[] = {
    LP("redirect_uri", STRING, false, "Where the code is sent (default: the server's own page)."),
    LPE("scope_type", "user|org|workspace|all_orgs|all_workspaces|all_shares", false,
        "Scope of the token to issue."),
    LP("agent_name", STRING, false, "Name of the agent, shown in the session list."),
};
static const struct fastio_param_info p_pkce_complete[] = {
    LP("code", STRING, true, "The authorization code shown after approving the login URL."),
};
static const struct fastio_param_info p_text[] = {
    LP("workspace_id", ID, true, "Workspace id or folder_name."),
    LP("name", NAME, true, "File name, e.g. notes.md."),
    LP("content", STRING, true, "The file's text (UTF-8), at most 1 MiB."),
    LP("folder_id", ID, false, "Destination folder id; absent = root."),
    LP("file_id", ID, false, "Replace this file (a new version) instead of creating one."),
    LP("lock_token", STRING, false, "Token of the lock held on file_id."),
};
static const struct fastio_param_info p_stream[] = {
    LP("workspace_id", ID, true, "Workspace id or folder_name."),
    LP("name", NAME, true, "File name."),
    LP("blob_id", STRING, true, "Id returned by POST /blob (single use, 5 minutes)."),
    LP("folder_id", ID, false, "Destination folder id; absent = root."),
};
static const struct fastio_param_info p_chunk[] = {
    LP("size", INT, false, "Bytes in the chunk (computed from the content when absent)."),
    LP("content", STRING, false, "The chunk as text (UTF-8)."),
    LP("content_base64", STRING, false, "The chunk's bytes, base64."),
    LP("blob_id", STRING, false, "Id returned by POST /blob."),
};
static const struct fastio_param_info p_web_import[] = {
    LP("wait", INT, false,
       "Seconds to wait for the import to end (0-300, default 0 = answer at once); progress is "
       "reported while waiting."),
};
static const struct fastio_param_info p_read[] = {
    LP("max_bytes", INT, false, "Largest content returned inline (default and max 1 MiB)."),
};

/* One line per action. A row name not in this build's table drops the action (mcp_catalog.h). */
static const struct mcp_action actions[] = {
    /* auth */
    {"auth", "signin", NULL, MCP_ACT_LOCAL | MCP_ACT_NOAUTH,
     "Sign in with email and password; the token is kept in this MCP session.", N_OF(p_signin)},
    {"auth", "set-api-key", NULL, MCP_ACT_LOCAL | MCP_ACT_NOAUTH,
     "Use an API key (or access token) for the rest of this MCP session.", N_OF(p_set_key)},
    {"auth", "pkce-login", "OAUTH_AUTHORIZE", MCP_ACT_LOCAL | MCP_ACT_NOAUTH,
     "Start a browser sign-in (OAuth 2.0 + PKCE): open the returned login_url, approve, then "
     "call pkce-complete with the code.",
     N_OF(p_pkce_login)},
    {"auth", "pkce-complete", "OAUTH_TOKEN", MCP_ACT_LOCAL | MCP_ACT_NOAUTH,
     "Finish a pkce-login with the code shown after approval.", N_OF(p_pkce_complete)},
    {"auth", "signout", "USER_SIGNOUT", MCP_ACT_LOCAL | MCP_ACT_NOAUTH,
     "Sign out: invalidate a signed-in token and forget it in this session.", NULL, 0},
    {"auth", "status", NULL, MCP_ACT_LOCAL | MCP_ACT_NOAUTH,
     "Show whether this session is signed in, as whom and how.", NULL, 0},
    {"auth", "signup", "USER_SIGNUP", MCP_ACT_NOAUTH, NULL, NULL, 0},
    {"auth", "check", "AUTH_CHECK", 0, NULL, NULL, 0},
    {"auth", "scopes", "AUTH_SCOPES", 0, NULL, NULL, 0},
    {"auth", "api-key-create", "APIKEY_CREATE", 0, NULL, NULL, 0},
    {"auth", "api-key-list", "APIKEY_LIST", 0, NULL, NULL, 0},
    {"auth", "api-key-get", "APIKEY_GET", 0, NULL, NULL, 0},
    {"auth", "api-key-update", "APIKEY_UPDATE", 0, NULL, NULL, 0},
    {"auth", "api-key-delete", "APIKEY_DELETE", 0, NULL, NULL, 0},
    {"auth", "oauth-list", "OAUTH_SESSIONS_LIST", 0, NULL, NULL, 0},
    {"auth", "oauth-details", "OAUTH_SESSION_DETAILS", 0, NULL, NULL, 0},
    {"auth", "oauth-rename", "OAUTH_SESSION_RENAME", 0, NULL, NULL, 0},
    {"auth", "oauth-revoke", "OAUTH_SESSION_REVOKE", 0, NULL, NULL, 0},
    {"auth", "oauth-revoke-all", "OAUTH_SESSIONS_REVOKE_ALL", 0, NULL, NULL, 0},
    /* user */
    {"user", "info", "USER_ME", 0, NULL, NULL, 0},
    {"user", "invitations-list", "USER_INVITATIONS_LIST", 0, NULL, NULL, 0},
    {"user", "invitations-details", "USER_INVITATION_DETAILS", 0, NULL, NULL, 0},
    {"user", "invitations-accept-all", "USER_INVITATIONS_ACCEPTALL", 0, NULL, NULL, 0},
    /* org */
    {"org", "list", "ORG_LIST", 0, NULL, NULL, 0},
    {"org", "list-external", "ORG_LIST_EXTERNAL", 0, NULL, NULL, 0},
    {"org", "create", "ORG_CREATE", 0, NULL, NULL, 0},
    {"org", "info", "ORG_DETAILS", 0, NULL, NULL, 0},
    {"org", "update", "ORG_UPDATE", 0, NULL, NULL, 0},
    {"org", "delete", "ORG_CLOSE", MCP_ACT_DESTRUCTIVE, NULL, NULL, 0},
    {"org", "workspaces", "ORG_WORKSPACES", 0, NULL, NULL, 0},
    {"org", "transfer-token-create", "ORG_TRANSFER_TOKEN_CREATE", 0, NULL, NULL, 0},
    {"org", "transfer-token-list", "ORG_TRANSFER_TOKEN_LIST", 0, NULL, NULL, 0},
    {"org", "transfer-token-delete", "ORG_TRANSFER_TOKEN_DELETE", 0, NULL, NULL, 0},
    {"org", "transfer-claim", "ORG_TRANSFER_CLAIM", 0, NULL, NULL, 0},
    /* workspace */
    {"workspace", "list", "WORKSPACE_LIST", 0, NULL, NULL, 0},
    {"workspace", "create", "WORKSPACE_CREATE", 0, NULL, NULL, 0},
    {"workspace", "info", "WORKSPACE_DETAILS", 0, NULL, NULL, 0},
    {"workspace", "update", "WORKSPACE_UPDATE", 0, NULL, NULL, 0},
    {"workspace", "delete", "WORKSPACE_DELETE", 0, NULL, NULL, 0},
    {"workspace", "archive", "WORKSPACE_ARCHIVE", 0, NULL, NULL, 0},
    {"workspace", "unarchive", "WORKSPACE_UNARCHIVE", 0, NULL, NULL, 0},
    /* storage */
    {"storage", "list", "STORAGE_LIST", 0, NULL, NULL, 0},
    {"storage", "trash-list", "STORAGE_TRASH_LIST", 0, NULL, NULL, 0},
    {"storage", "details", "STORAGE_DETAILS", 0, NULL, NULL, 0},
    {"storage", "create-folder", "STORAGE_CREATE_FOLDER", 0, NULL, NULL, 0},
    {"storage", "move", "STORAGE_MOVE", 0, NULL, NULL, 0},
    {"storage", "copy", "STORAGE_COPY", 0, NULL, NULL, 0},
    {"storage", "rename", "STORAGE_UPDATE", 0, NULL, NULL, 0},
    {"storage", "delete", "STORAGE_DELETE", 0, "Move a file or folder to the trash.", NULL, 0},
    {"storage", "restore", "STORAGE_RESTORE", 0, NULL, NULL, 0},
    {"storage", "purge", "STORAGE_PURGE", 0, NULL, NULL, 0},
    {"storage", "trash-empty", "STORAGE_TRASH_EMPTY", 0, NULL, NULL, 0},
    {"storage", "versions", "STORAGE_VERSIONS", 0, NULL, NULL, 0},
    {"storage", "version-restore", "STORAGE_VERSION_RESTORE", 0, NULL, NULL, 0},
    {"storage", "search", "STORAGE_SEARCH", 0, NULL, NULL, 0},
    {"storage", "lock-acquire", "LOCK_ACQUIRE", 0, NULL, NULL, 0},
    {"storage", "lock-status", "LOCK_STATUS", 0, NULL, NULL, 0},
    {"storage", "lock-heartbeat", "LOCK_HEARTBEAT", 0, NULL, NULL, 0},
    {"storage", "lock-release", "LOCK_RELEASE", MCP_ACT_NOT_DESTRUCTIVE, NULL, NULL, 0},
    /* upload */
    {"upload", "text", NULL, MCP_ACT_LOCAL,
     "Create (or replace) a small text file in one call.", N_OF(p_text)},
    {"upload", "stream", NULL, MCP_ACT_LOCAL,
     "Create a file from bytes staged with POST /blob.", N_OF(p_stream)},
    {"upload", "create-session", "UPLOAD_CREATE", 0, NULL, NULL, 0},
    {"upload", "chunk", "UPLOAD_CHUNK", MCP_ACT_LOCAL,
     "Send one chunk of a session, given as content, content_base64 or blob_id.", N_OF(p_chunk)},
    {"upload", "finalize", "UPLOAD_COMPLETE", 0, NULL, NULL, 0},
    {"upload", "status", "UPLOAD_DETAILS", 0, NULL, NULL, 0},
    {"upload", "list-sessions", "UPLOAD_LIST", 0, NULL, NULL, 0},
    {"upload", "cancel", "UPLOAD_CANCEL", MCP_ACT_NOT_DESTRUCTIVE, NULL, NULL, 0},
    {"upload", "cancel-all", "UPLOAD_CANCEL_ALL", MCP_ACT_NOT_DESTRUCTIVE, NULL, NULL, 0},
    {"upload", "chunk-status", "UPLOAD_CHUNK_INFO", 0, NULL, NULL, 0},
    {"upload", "chunk-delete", "UPLOAD_CHUNK_DELETE", MCP_ACT_NOT_DESTRUCTIVE, NULL, NULL, 0},
    {"upload", "limits", "UPLOAD_LIMITS", 0, NULL, NULL, 0},
    {"upload", "extensions", "UPLOAD_EXTENSIONS", 0, NULL, NULL, 0},
    {"upload", "web-import", "WEB_UPLOAD_CREATE", 0, NULL, N_OF(p_web_import)},
    {"upload", "web-list", "WEB_UPLOAD_LIST", 0, NULL, NULL, 0},
    {"upload", "web-status", "WEB_UPLOAD_DETAILS", 0, NULL, NULL, 0},
    {"upload", "web-cancel", "WEB_UPLOAD_CANCEL", MCP_ACT_NOT_DESTRUCTIVE, NULL, NULL, 0},
    /* download */
    {"download", "file-url", "STORAGE_REQUEST_READ", MCP_ACT_LOCAL,
     "Get a short-lived URL that downloads the file without the bearer token.", NULL, 0},
    {"download", "read", "STORAGE_READ", MCP_ACT_LOCAL,
     "Return a small file's content inline (text, or base64 for binary).", N_OF(p_read)},
    /* ai (rows of endpoints_ai.h, api §8.2) */
    {"ai", "ask", "AI_CHAT_CREATE", MCP_ACT_LOCAL,
     "Ask a question about a workspace's files and wait (at most 60 s) for the answer: "
     "{answer_text, citations[{nodeId, versionId, entries[{page, snippet}]}], state, chat_id, "
     "message_id}. Takes chat-create's parameters.",
     NULL, 0},
    {"ai", "chat-create", "AI_CHAT_CREATE", 0, NULL, NULL, 0},
    {"ai", "chat-list", "AI_CHAT_LIST", 0, NULL, NULL, 0},
    {"ai", "chat-list-deleted", "AI_CHAT_LIST_DELETED", 0, NULL, NULL, 0},
    {"ai", "chat-details", "AI_CHAT_DETAILS", 0, NULL, NULL, 0},
    {"ai", "chat-update", "AI_CHAT_UPDATE", 0, NULL, NULL, 0},
    {"ai", "chat-publish", "AI_CHAT_PUBLISH", 0, NULL, NULL, 0},
    {"ai", "chat-delete", "AI_CHAT_DELETE", 0, NULL, NULL, 0},
    {"ai", "chat-cancel", "AI_CHAT_CANCEL", 0, NULL, NULL, 0},
    {"ai", "message-send", "AI_MESSAGE_SEND", 0, NULL, NULL, 0},
    {"ai", "message-list", "AI_MESSAGE_LIST", 0, NULL, NULL, 0},
    {"ai", "message-details", "AI_MESSAGE_DETAILS", 0, NULL, NULL, 0},
    {"ai", "message-read", "AI_MESSAGE_DETAILS", MCP_ACT_LOCAL,
     "Wait (at most 60 s) until a message is answered, then show it as message-details does.",
     NULL, 0},
    {"ai", "search", "STORAGE_SEARCH", 0,
     "Search the workspace's files (passages with page and snippet when intelligence is on).",
     NULL, 0},
    {"ai", "transactions", "AI_TRANSACTIONS", 0, NULL, NULL, 0},
    /* member */
    {"member", "org-list", "ORG_MEMBERS_LIST", 0, NULL, NULL, 0},
    {"member", "org-add", "ORG_MEMBERS_ADD", 0, NULL, NULL, 0},
    {"member", "org-remove", "ORG_MEMBERS_REMOVE", 0, NULL, NULL, 0},
    {"member", "org-update", "ORG_MEMBER_UPDATE", 0, NULL, NULL, 0},
    {"member", "org-info", "ORG_MEMBER_DETAILS", 0, NULL, NULL, 0},
    {"member", "org-transfer-ownership", "ORG_MEMBER_TRANSFER", MCP_ACT_DESTRUCTIVE, NULL, NULL,
     0},
    {"member", "org-leave", "ORG_MEMBER_LEAVE", 0, NULL, NULL, 0},
    {"member", "org-join", "ORG_MEMBERS_JOIN", 0, NULL, NULL, 0},
    {"member", "workspace-list", "WORKSPACE_MEMBERS_LIST", 0, NULL, NULL, 0},
    {"member", "workspace-add", "WORKSPACE_MEMBERS_ADD", 0, NULL, NULL, 0},
    {"member", "workspace-remove", "WORKSPACE_MEMBERS_REMOVE", 0, NULL, NULL, 0},
    {"member", "workspace-update", "WORKSPACE_MEMBER_UPDATE", 0, NULL, NULL, 0},
    {"member", "workspace-info", "WORKSPACE_MEMBER_DETAILS", 0, NULL, NULL, 0},
    {"member", "workspace-transfer-ownership", "WORKSPACE_MEMBER_TRANSFER", MCP_ACT_DESTRUCTIVE,
     NULL, NULL, 0},
    {"member", "workspace-leave", "WORKSPACE_MEMBER_LEAVE", 0, NULL, NULL, 0},
    {"member", "workspace-join", "WORKSPACE_MEMBERS_JOIN", 0, NULL, NULL, 0},
    /* invitation */
    {"invitation", "org-list", "ORG_INVITATIONS_LIST", 0, NULL, NULL, 0},
    {"invitation", "org-list-state", "ORG_INVITATIONS_LIST_STATE", 0, NULL, NULL, 0},
    {"invitation", "org-update", "ORG_INVITATION_UPDATE", 0, NULL, NULL, 0},
    {"invitation", "org-delete", "ORG_INVITATION_DELETE", 0, NULL, NULL, 0},
    {"invitation", "org-accept", "ORG_INVITATION_ACCEPT", 0, NULL, NULL, 0},
    {"invitation", "org-decline", "ORG_INVITATION_DECLINE", 0, NULL, NULL, 0},
    {"invitation", "workspace-list", "WORKSPACE_INVITATIONS_LIST", 0, NULL, NULL, 0},
    {"invitation", "workspace-list-state", "WORKSPACE_INVITATIONS_LIST_STATE", 0, NULL, NULL, 0},
    {"invitation", "workspace-update", "WORKSPACE_INVITATION_UPDATE", 0, NULL, NULL, 0},
    {"invitation", "workspace-delete", "WORKSPACE_INVITATION_DELETE", 0, NULL, NULL, 0},
    {"invitation", "workspace-accept", "WORKSPACE_INVITATION_ACCEPT", 0, NULL, NULL, 0},
    {"invitation", "workspace-decline", "WORKSPACE_INVITATION_DECLINE", 0, NULL, NULL, 0},
    {"invitation", "list", "USER_INVITATIONS_LIST", 0, NULL, NULL, 0},
    /* event */
    {"event", "search", "EVENTS_SEARCH", 0, NULL, NULL, 0},
    {"event", "details", "EVENT_DETAILS", 0, NULL, NULL, 0},
    {"event", "ack", "EVENT_ACK", 0, NULL, NULL, 0},
    {"event", "activity-poll", "ACTIVITY_POLL", 0, NULL, NULL, 0},
    /* find (rows of endpoints_search.h) */
    {"find", "files", "STORAGE_SEARCH", 0, NULL, NULL, 0},
    {"find", "workspace", "WORKSPACE_SEARCH", 0, NULL, NULL, 0},
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

/* ---- lookups ------------------------------------------------------------------------------ */

const struct mcp_tool *mcp_catalog_tools(size_t *n)
{
    if (n != NULL)
        *n = N_TOOLS;
    return tools;
}

const struct mcp_tool *mcp_catalog_tool(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < N_TOOLS; i++)
        if (strcmp(tools[i].name, name) == 0)
            return &tools[i];
    return NULL;
}

const struct fastio_endpoint_info *mcp_action_row(const struct mcp_action *a, int *row_id)
{
    if (row_id != NULL)
        *row_id = -1;
    if (a == NULL || a->row == NULL)
        return NULL;
    int id = fastio_endpoint_find(a->row);
    if (id < 0)
        return NULL;
    if (row_id != NULL)
        *row_id = id;
    return fastio_endpoint_get((enum fastio_endpoint)id);
}

/* An action exists in this build when it names no row or its row is in the table. */
static bool action_present(const struct mcp_action *a)
{
    return a->row == NULL || fastio_endpoint_find(a->row) >= 0;
}

/* Compare an action name given by a caller (underscores allowed) with a catalogue name. */
static bool action_name_eq(const char *given, const char *name)
{
    size_t i = 0;
    for (; given[i] != '\0' && name[i] != '\0'; i++) {
        char g = given[i] == '_' ? '-' : given[i];
        if (g != name[i])
            return false;
    }
    return given[i] == '\0' && name[i] == '\0';
}

const struct mcp_action *mcp_catalog_action(const char *tool, const char *action)
{
    if (tool == NULL || action == NULL)
        return NULL;
    for (size_t i = 0; i < N_ACTIONS; i++) {
        if (strcmp(actions[i].tool, tool) == 0 && action_name_eq(action, actions[i].name) &&
            action_present(&actions[i]))
            return &actions[i];
    }
    return NULL;
}

bool mcp_action_readonly(const struct mcp_action *a)
{
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    if (a->flags & MCP_ACT_WRITE)
        return false;
    if (row == NULL)
        return strcmp(a->name, "status") == 0; /* local actions change the session or data */
    if (a->flags & MCP_ACT_LOCAL)
        return row->method == FASTIO_METHOD_GET && strcmp(a->tool, "auth") != 0;
    return row->method == FASTIO_METHOD_GET;
}

bool mcp_action_destructive(const struct mcp_action *a)
{
    if (a->flags & MCP_ACT_DESTRUCTIVE)
        return true;
    if (a->flags & MCP_ACT_NOT_DESTRUCTIVE)
        return false;
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    return row != NULL && !(a->flags & MCP_ACT_LOCAL) && row->method == FASTIO_METHOD_DELETE;
}

bool mcp_action_idempotent(const struct mcp_action *a)
{
    if (mcp_action_readonly(a))
        return true;
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    return row != NULL && !(a->flags & MCP_ACT_LOCAL) && row->retry == FASTIO_RETRY_SAFE;
}

bool mcp_action_noauth(const struct mcp_action *a)
{
    if (a->flags & MCP_ACT_NOAUTH)
        return true;
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    return row != NULL && row->auth == FASTIO_AUTH_NONE;
}

const char *mcp_param_mcp_name(const struct mcp_tool *t, const char *wire, char *buf, size_t len)
{
    if (strcmp(wire, "action") == 0 || strcmp(wire, "confirm") == 0 ||
        strcmp(wire, "describe_action") == 0) {
        snprintf(buf, len, "%s_%s", t != NULL ? t->name : "row", wire);
        return buf;
    }
    snprintf(buf, len, "%s", wire);
    return buf;
}

/* ---- the parameters of an action ---------------------------------------------------------- */

/* One parameter as the action exposes it. */
struct aparam {
    const struct fastio_param_info *p;
    char name[64]; /* MCP name */
    bool from_row;
};

/* Row parameters an MCP caller cannot give as a value (bytes: the executor sends them). */
static bool row_param_exposed(const struct fastio_param_info *p)
{
    return p->in != FASTIO_PARAM_IN_MULTIPART && p->in != FASTIO_PARAM_IN_RAW;
}

/* The parameters of an action: the row's (exposed ones) then the line's extras; an extra with
 * the name of a row parameter replaces it. Returns the count (<= max). */
static size_t action_params(const struct mcp_tool *t, const struct mcp_action *a,
                            struct aparam *out, size_t max)
{
    size_t n = 0;
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    /* A local action that names a row takes the row's path parameters and, when it declares no
     * extras, all of them (file-url: the row's workspace_id/node_id/version_id). The chunk
     * action keeps its row's numbers (order, size) but sends the bytes itself. */
    for (size_t k = 0; row != NULL && k < row->n_params && n < max; k++) {
        const struct fastio_param_info *p = &row->param_info[k];
        if (!row_param_exposed(p))
            continue;
        bool shadowed = false;
        for (size_t e = 0; e < a->n_extra; e++)
            if (strcmp(a->extra[e].name, p->name) == 0)
                shadowed = true;
        if (shadowed)
            continue;
        if ((a->flags & MCP_ACT_LOCAL) && strcmp(a->tool, "auth") == 0)
            continue; /* auth's local actions build their row calls themselves */
        out[n].p = p;
        out[n].from_row = true;
        mcp_param_mcp_name(t, p->name, out[n].name, sizeof(out[n].name));
        n++;
    }
    for (size_t e = 0; e < a->n_extra && n < max; e++) {
        out[n].p = &a->extra[e];
        out[n].from_row = false;
        snprintf(out[n].name, sizeof(out[n].name), "%s", a->extra[e].name);
        n++;
    }
    return n;
}

/* A required ENUM with a single choice needs no argument: it is filled in. */
static bool single_choice(const struct fastio_param_info *p)
{
    return p->type == FASTIO_PARAM_ENUM && p->choices != NULL && strchr(p->choices, '|') == NULL;
}

static const char *json_type_of(enum fastio_param_type t)
{
    switch (t) {
    case FASTIO_PARAM_INT:
        return "integer";
    case FASTIO_PARAM_BOOL:
        return "boolean";
    default:
        return "string";
    }
}

static json_t *choices_array(const char *choices)
{
    json_t *arr = json_array();
    const char *s = choices;
    while (arr != NULL && s != NULL && *s != '\0') {
        const char *bar = strchr(s, '|');
        size_t len = bar != NULL ? (size_t)(bar - s) : strlen(s);
        json_array_append_new(arr, json_stringn(s, len));
        s = bar != NULL ? bar + 1 : NULL;
    }
    return arr;
}

static bool choice_ok(const char *choices, const char *v)
{
    size_t vl = strlen(v);
    const char *s = choices;
    while (s != NULL && *s != '\0') {
        const char *bar = strchr(s, '|');
        size_t len = bar != NULL ? (size_t)(bar - s) : strlen(s);
        if (len == vl && memcmp(s, v, len) == 0)
            return true;
        s = bar != NULL ? bar + 1 : NULL;
    }
    return false;
}

/* The JSON Schema of one parameter. */
static json_t *param_schema(const struct fastio_param_info *p)
{
    json_t *s = json_object();
    if (s == NULL)
        return NULL;
    if (p->type == FASTIO_PARAM_JSON) {
        json_t *types = json_array();
        json_array_append_new(types, json_string("string"));
        json_array_append_new(types, json_string("object"));
        json_array_append_new(types, json_string("array"));
        json_object_set_new(s, "type", types);
    } else {
        json_object_set_new(s, "type", json_string(json_type_of(p->type)));
    }
    if (p->type == FASTIO_PARAM_INT)
        json_object_set_new(s, "minimum", json_integer(0));
    if (p->type == FASTIO_PARAM_ENUM && p->choices != NULL)
        json_object_set_new(s, "enum", choices_array(p->choices));
    if (p->doc != NULL)
        json_object_set_new(s, "description", json_string(p->doc));
    return s;
}

/* ---- tools/list and describe -------------------------------------------------------------- */

#define MAX_APARAMS 64

json_t *mcp_catalog_tool_json(const struct mcp_tool *t)
{
    if (t == NULL)
        return NULL;
    json_t *tool = json_object();
    json_t *props = json_object();
    json_t *names = json_array();
    json_t *seen_for = json_object(); /* param name -> array of action names */
    if (tool == NULL || props == NULL || names == NULL || seen_for == NULL) {
        json_decref(tool);
        json_decref(props);
        json_decref(names);
        json_decref(seen_for);
        return NULL;
    }
    bool all_ro = true, any_destr = false, all_idem = true;
    char actions_doc[2048] = "";
    size_t doc_len = 0;
    for (size_t i = 0; i < N_ACTIONS; i++) {
        const struct mcp_action *a = &actions[i];
        if (strcmp(a->tool, t->name) != 0 || !action_present(a))
            continue;
        json_array_append_new(names, json_string(a->name));
        all_ro = all_ro && mcp_action_readonly(a);
        any_destr = any_destr || mcp_action_destructive(a);
        all_idem = all_idem && mcp_action_idempotent(a);
        int w = snprintf(actions_doc + doc_len, sizeof(actions_doc) - doc_len, "%s%s",
                         doc_len == 0 ? "" : ", ", a->name);
        if (w > 0 && (size_t)w < sizeof(actions_doc) - doc_len)
            doc_len += (size_t)w;
        struct aparam ap[MAX_APARAMS];
        size_t np = action_params(t, a, ap, MAX_APARAMS);
        for (size_t k = 0; k < np; k++) {
            if (ap[k].from_row && ap[k].p->required && single_choice(ap[k].p))
                continue; /* filled in */
            json_t *prev = json_object_get(props, ap[k].name);
            json_t *mine = param_schema(ap[k].p);
            if (prev == NULL) {
                json_object_set_new(props, ap[k].name, mine);
            } else {
                /* The same name in several actions: keep the first schema unless the types or
                 * choices differ, then widen to a plain string (resolve still checks each
                 * action's own rules). */
                if (!json_equal(json_object_get(prev, "type"), json_object_get(mine, "type")) ||
                    !json_equal(json_object_get(prev, "enum"), json_object_get(mine, "enum"))) {
                    json_object_del(prev, "enum");
                    json_object_del(prev, "minimum");
                    json_object_set_new(prev, "type", json_string("string"));
                }
                json_decref(mine);
            }
            json_t *list = json_object_get(seen_for, ap[k].name);
            if (list == NULL) {
                list = json_array();
                json_object_set_new(seen_for, ap[k].name, list);
            }
            json_array_append_new(list, json_string(a->name));
        }
    }
    json_array_append_new(names, json_string("describe"));
    /* Each property says which actions use it. */
    const char *key;
    json_t *val;
    json_object_foreach(props, key, val)
    {
        json_t *list = json_object_get(seen_for, key);
        const char *d = json_string_value(json_object_get(val, "description"));
        char buf[1024];
        size_t off = (size_t)snprintf(buf, sizeof(buf), "%s (actions:", d != NULL ? d : "");
        size_t idx;
        json_t *an;
        json_array_foreach(list, idx, an)
        {
            if (off >= sizeof(buf))
                break;
            int w = snprintf(buf + off, sizeof(buf) - off, "%s%s", idx == 0 ? " " : ", ",
                             json_string_value(an));
            if (w < 0)
                break;
            off += (size_t)w;
        }
        if (off < sizeof(buf) - 1)
            snprintf(buf + off, sizeof(buf) - off, ")");
        json_object_set_new(val, "description", json_string(buf));
    }
    json_decref(seen_for);

    json_t *action = json_object();
    json_object_set_new(action, "type", json_string("string"));
    json_object_set_new(action, "enum", names);
    json_object_set_new(action, "description",
                        json_string("The operation; \"describe\" lists each action's parameters "
                                    "(no sign-in needed)."));
    json_object_set_new(props, "action", action);
    json_t *confirm = json_object();
    json_object_set_new(confirm, "type", json_string("boolean"));
    json_object_set_new(confirm, "description",
                        json_string("Must be true for destructive actions (they delete or give "
                                    "away something)."));
    json_object_set_new(props, "confirm", confirm);
    json_t *da = json_object();
    json_object_set_new(da, "type", json_string("string"));
    json_object_set_new(da, "description",
                        json_string("With action \"describe\": describe only this action."));
    json_object_set_new(props, "describe_action", da);

    json_t *schema = json_object();
    json_object_set_new(schema, "type", json_string("object"));
    json_object_set_new(schema, "properties", props);
    json_t *req = json_array();
    json_array_append_new(req, json_string("action"));
    json_object_set_new(schema, "required", req);

    char desc[3072];
    snprintf(desc, sizeof(desc), "%s Actions: %s, describe.", t->doc, actions_doc);
    json_object_set_new(tool, "name", json_string(t->name));
    json_object_set_new(tool, "title", json_string(t->title));
    json_object_set_new(tool, "description", json_string(desc));
    json_object_set_new(tool, "inputSchema", schema);
    json_t *ann = json_object();
    json_object_set_new(ann, "title", json_string(t->title));
    json_object_set_new(ann, "readOnlyHint", json_boolean(all_ro));
    json_object_set_new(ann, "destructiveHint", json_boolean(any_destr));
    json_object_set_new(ann, "idempotentHint", json_boolean(all_idem));
    json_object_set_new(ann, "openWorldHint", json_false());
    json_object_set_new(tool, "annotations", ann);
    return tool;
}

json_t *mcp_catalog_tools_list(const char *const *allow)
{
    json_t *list = json_array();
    if (list == NULL)
        return NULL;
    for (size_t i = 0; i < N_TOOLS; i++) {
        if (allow != NULL) {
            bool keep = false;
            for (size_t k = 0; k < 256 && allow[k] != NULL; k++)
                keep = keep || strcmp(allow[k], tools[i].name) == 0;
            if (!keep)
                continue;
        }
        bool any = false; /* a tool without any action in this build is not listed */
        for (size_t k = 0; k < N_ACTIONS && !any; k++)
            any = strcmp(actions[k].tool, tools[i].name) == 0 && action_present(&actions[k]);
        if (!any)
            continue;
        json_t *tj = mcp_catalog_tool_json(&tools[i]);
        if (tj == NULL) {
            json_decref(list);
            return NULL;
        }
        json_array_append_new(list, tj);
    }
    return json_pack("{s:o}", "tools", list);
}

static json_t *describe_action(const struct mcp_tool *t, const struct mcp_action *a)
{
    const struct fastio_endpoint_info *row = mcp_action_row(a, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(a->name));
    const char *doc = a->doc != NULL ? a->doc : row != NULL ? row->doc : "";
    json_object_set_new(o, "description", json_string(doc));
    if (row != NULL && !(a->flags & MCP_ACT_LOCAL)) {
        json_object_set_new(o, "method", json_string(fastio_method_name(row->method)));
        json_object_set_new(o, "path", json_string(row->path));
    }
    json_object_set_new(o, "read_only", json_boolean(mcp_action_readonly(a)));
    json_object_set_new(o, "destructive", json_boolean(mcp_action_destructive(a)));
    json_object_set_new(o, "idempotent", json_boolean(mcp_action_idempotent(a)));
    json_object_set_new(o, "sign_in", json_boolean(!mcp_action_noauth(a)));
    json_t *params = json_array();
    struct aparam ap[MAX_APARAMS];
    size_t np = action_params(t, a, ap, MAX_APARAMS);
    for (size_t k = 0; k < np; k++) {
        if (ap[k].from_row && ap[k].p->required && single_choice(ap[k].p))
            continue;
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string(ap[k].name));
        json_object_set_new(p, "type", json_string(fastio_param_type_name(ap[k].p->type)));
        json_object_set_new(p, "required", json_boolean(ap[k].p->required));
        if (ap[k].p->choices != NULL)
            json_object_set_new(p, "choices", choices_array(ap[k].p->choices));
        json_object_set_new(p, "description", json_string(ap[k].p->doc ? ap[k].p->doc : ""));
        json_array_append_new(params, p);
    }
    if (mcp_action_destructive(a)) {
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string("confirm"));
        json_object_set_new(p, "type", json_string("bool"));
        json_object_set_new(p, "required", json_true());
        json_object_set_new(p, "description", json_string("Must be true: the action destroys."));
        json_array_append_new(params, p);
    }
    json_object_set_new(o, "parameters", params);
    return o;
}

json_t *mcp_catalog_describe(const struct mcp_tool *t, const char *action)
{
    if (t == NULL)
        return NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < N_ACTIONS; i++) {
        const struct mcp_action *a = &actions[i];
        if (strcmp(a->tool, t->name) != 0 || !action_present(a))
            continue;
        if (action != NULL && !action_name_eq(action, a->name))
            continue;
        json_array_append_new(list, describe_action(t, a));
    }
    if (action != NULL && json_array_size(list) == 0) {
        json_decref(list);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "tool", t->name, "title", t->title, "description",
                     t->doc, "actions", list);
}

/* ---- resolve ------------------------------------------------------------------------------ */

static int fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    if (err != NULL && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "a, b, c" of the tool's present actions into buf. */
static void action_names(const struct mcp_tool *t, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_ACTIONS && off < len; i++) {
        if (strcmp(actions[i].tool, t->name) != 0 || !action_present(&actions[i]))
            continue;
        int w = snprintf(buf + off, len - off, "%s, ", actions[i].name);
        if (w < 0 || (size_t)w >= len - off)
            break;
        off += (size_t)w;
    }
    if (off + sizeof("describe") <= len)
        snprintf(buf + off, len - off, "describe");
}

/* Names of a workspace the hosted server accepts for one another (api §10.1). */
static const char *const ws_aliases[] = {"workspace_id", "profile_id", "context_id",
                                         "instance_id"};

static bool is_ws_param(const char *name)
{
    return strcmp(name, "workspace_id") == 0 || strcmp(name, "instance_id") == 0 ||
           strcmp(name, "profile_id") == 0;
}

/* Convert one argument to its wire string, checking its type. Returns 0 or -1 (err set). */
static int convert(const char *name, const struct fastio_param_info *p, const json_t *v,
                   char *small, size_t small_len, char **big, const char **out, char *err,
                   size_t errlen)
{
    *out = NULL;
    *big = NULL;
    switch (p->type) {
    case FASTIO_PARAM_INT:
        if (json_is_integer(v)) {
            if (json_integer_value(v) < 0)
                return fail(err, errlen, "parameter %s must be >= 0 (got %" JSON_INTEGER_FORMAT
                                         ")", name, json_integer_value(v));
            snprintf(small, small_len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            *out = small;
            return 0;
        }
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            size_t n = strlen(s);
            if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
                return fail(err, errlen, "parameter %s must be a whole number >= 0 (got \"%.40s\")",
                            name, s);
            *out = s;
            return 0;
        }
        return fail(err, errlen, "parameter %s must be an integer >= 0", name);
    case FASTIO_PARAM_BOOL:
        if (json_is_boolean(v)) {
            *out = json_is_true(v) ? "true" : "false";
            return 0;
        }
        if (json_is_string(v) && (strcmp(json_string_value(v), "true") == 0 ||
                                  strcmp(json_string_value(v), "false") == 0)) {
            *out = json_string_value(v);
            return 0;
        }
        return fail(err, errlen, "parameter %s must be true or false", name);
    case FASTIO_PARAM_JSON:
        if (json_is_object(v) || json_is_array(v)) {
            *big = json_dumps(v, JSON_COMPACT);
            if (*big == NULL)
                return fail(err, errlen, "parameter %s: out of memory", name);
            *out = *big;
            return 0;
        }
        if (json_is_string(v)) {
            json_t *doc = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
            if (doc == NULL)
                return fail(err, errlen, "parameter %s must be a JSON document (or an object "
                                         "or array)", name);
            json_decref(doc);
            *out = json_string_value(v);
            return 0;
        }
        return fail(err, errlen, "parameter %s must be a JSON object, array or JSON text", name);
    case FASTIO_PARAM_ID:
        if (json_is_integer(v) && json_integer_value(v) >= 0) {
            snprintf(small, small_len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            *out = small;
            return 0;
        }
        break;
    default:
        break;
    }
    if (!json_is_string(v))
        return fail(err, errlen, "parameter %s must be a string", name);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return fail(err, errlen, "parameter %s contains a NUL character", name);
    if (p->type == FASTIO_PARAM_ENUM && p->choices != NULL && !choice_ok(p->choices, s))
        return fail(err, errlen, "parameter %s must be one of %s (got \"%.60s\")", name,
                    p->choices, s);
    if ((p->type == FASTIO_PARAM_ID || p->type == FASTIO_PARAM_NAME) && s[0] == '\0')
        return fail(err, errlen, "parameter %s must not be empty", name);
    *out = s;
    return 0;
}

int mcp_catalog_resolve(const char *tool, const json_t *arguments, struct mcp_call *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->row_id = -1;
    out->hold = json_object();
    if (out->hold == NULL)
        return fail(err, errlen, "out of memory");
    const struct mcp_tool *t = mcp_catalog_tool(tool);
    if (t == NULL) {
        char names[512] = "";
        size_t off = 0;
        for (size_t i = 0; i < N_TOOLS; i++) {
            int w = snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
                             tools[i].name);
            if (w < 0 || (size_t)w >= sizeof(names) - off)
                break;
            off += (size_t)w;
        }
        return fail(err, errlen, "unknown tool \"%.60s\"; the tools are: %s", tool ? tool : "",
                    names);
    }
    out->tool = t;
    if (arguments != NULL && !json_is_object(arguments))
        return fail(err, errlen, "arguments must be a JSON object");
    const json_t *args = arguments;
    char names[1536];
    const json_t *jact = json_object_get(args, "action");
    if (jact == NULL || !json_is_string(jact)) {
        action_names(t, names, sizeof(names));
        return fail(err, errlen, "tool %s needs a string argument \"action\", one of: %s",
                    t->name, names);
    }
    const char *aname = json_string_value(jact);
    if (action_name_eq(aname, "describe")) {
        out->describe = true;
        const json_t *da = json_object_get(args, "describe_action");
        if (da != NULL) {
            if (!json_is_string(da))
                return fail(err, errlen, "describe_action must be a string");
            json_object_set(out->hold, "describe_action", (json_t *)da);
            out->describe_action = json_string_value(json_object_get(out->hold,
                                                                     "describe_action"));
            if (mcp_catalog_action(t->name, out->describe_action) == NULL) {
                action_names(t, names, sizeof(names));
                return fail(err, errlen, "tool %s has no action \"%.60s\"; its actions: %s",
                            t->name, out->describe_action, names);
            }
        }
        return 0;
    }
    const struct mcp_action *a = mcp_catalog_action(t->name, aname);
    if (a == NULL) {
        action_names(t, names, sizeof(names));
        return fail(err, errlen, "tool %s has no action \"%.60s\"; its actions: %s", t->name,
                    aname, names);
    }
    out->action = a;
    out->row = mcp_action_row(a, &out->row_id);

    struct aparam ap[MAX_APARAMS];
    size_t np = action_params(t, a, ap, MAX_APARAMS);

    /* Every argument must be known to the action. */
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)args, key, val)
    {
        if (strcmp(key, "action") == 0 || strcmp(key, "confirm") == 0 ||
            strcmp(key, "detail") == 0 || strcmp(key, "profile_type") == 0 ||
            strcmp(key, "context_type") == 0)
            continue;
        bool known = false;
        for (size_t k = 0; k < np && !known; k++)
            known = strcmp(ap[k].name, key) == 0;
        for (size_t k = 0; k < sizeof(ws_aliases) / sizeof(ws_aliases[0]) && !known; k++) {
            if (strcmp(key, ws_aliases[k]) != 0)
                continue;
            for (size_t j = 0; j < np; j++)
                known = known || is_ws_param(ap[j].name);
        }
        if (!known) {
            char pn[1024] = "";
            size_t off = 0;
            for (size_t k = 0; k < np; k++) {
                int w = snprintf(pn + off, sizeof(pn) - off, "%s%s", off ? ", " : "",
                                 ap[k].name);
                if (w < 0 || (size_t)w >= sizeof(pn) - off)
                    break;
                off += (size_t)w;
            }
            return fail(err, errlen, "%s %s does not take parameter \"%.60s\"; it takes: %s",
                        t->name, a->name, key, off ? pn : "(no parameters)");
        }
    }
    /* confirm for destructive actions (api §10.1: confirm='true'). */
    if (mcp_action_destructive(a)) {
        const json_t *c = json_object_get(args, "confirm");
        bool yes = json_is_true(c) || (json_is_string(c) && strcmp(json_string_value(c),
                                                                   "true") == 0);
        if (!yes)
            return fail(err, errlen, "%s %s is destructive; call it again with \"confirm\": "
                                     "true once you are sure", t->name, a->name);
    }

    for (size_t k = 0; k < np; k++) {
        const struct fastio_param_info *p = ap[k].p;
        const json_t *v = json_object_get(args, ap[k].name);
        if (v == NULL && is_ws_param(ap[k].name)) {
            for (size_t j = 0; j < sizeof(ws_aliases) / sizeof(ws_aliases[0]) && v == NULL; j++)
                v = json_object_get(args, ws_aliases[j]);
        }
        const char *str = NULL;
        char small[32];
        char *big = NULL;
        if (v == NULL || json_is_null(v)) {
            if (single_choice(p) && p->required) {
                str = p->choices;
            } else if (p->required) {
                return fail(err, errlen, "%s %s needs parameter \"%s\": %s", t->name, a->name,
                            ap[k].name, p->doc ? p->doc : "");
            } else {
                continue;
            }
        } else if (convert(ap[k].name, p, v, small, sizeof(small), &big, &str, err, errlen) !=
                   0) {
            return -1;
        }
        json_object_set_new(out->hold, ap[k].name, json_string(str));
        free(big);
        const char *held = json_string_value(json_object_get(out->hold, ap[k].name));
        if (held == NULL)
            return fail(err, errlen, "parameter %s is not valid UTF-8", ap[k].name);
        if (!ap[k].from_row || out->row == NULL)
            continue;
        if (p->in == FASTIO_PARAM_IN_PATH) {
            if (out->n_path >= MCP_CAT_MAX_PATH)
                return fail(err, errlen, "too many path parameters");
            out->path_args[out->n_path++] = held;
        } else {
            if (out->n_params >= MCP_CAT_MAX_PARAMS)
                return fail(err, errlen, "too many parameters");
            out->params[out->n_params].name = p->name;
            out->params[out->n_params].value = held;
            out->n_params++;
        }
    }
    return 0;
}

const char *mcp_call_arg(const struct mcp_call *c, const char *name)
{
    if (c == NULL || c->hold == NULL || name == NULL)
        return NULL;
    return json_string_value(json_object_get(c->hold, name));
}

void mcp_call_clear(struct mcp_call *c)
{
    if (c == NULL)
        return;
    json_decref(c->hold);
    memset(c, 0, sizeof(*c));
    c->row_id = -1;
}
