/* SPDX-License-Identifier: MIT */
/* mcp_catalog_lines.c - the lines of the MCP tool catalogue (mcp_catalog.h): the tools in listing
 * order, the local actions' own parameters, and one line per action naming its endpoint row
 * (api §10.1). Everything else about an action is generated from its row (mcp_catalog.c). */
#include "mcp_catalog_int.h"

/* ---- the catalogue ------------------------------------------------------------------------ */

const struct mcp_tool mcp_cat_tools[] = {
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
const size_t mcp_cat_n_tools = sizeof(mcp_cat_tools) / sizeof(mcp_cat_tools[0]);

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
const struct mcp_action mcp_cat_actions[] = {
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
const size_t mcp_cat_n_actions = sizeof(mcp_cat_actions) / sizeof(mcp_cat_actions[0]);
