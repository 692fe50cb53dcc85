/* SPDX-License-Identifier: MIT */
/* cmd_ripley.c - the "ripley" group (alias "ai"; api §8.2, §8.4, §11): ask questions about a
 * workspace's files and manage AI chats, with the official CLI's command names. "ask" and
 * "message-send" wait for the answer (fastio/ai.h: the activity long-poll, bounded) unless
 * --no-wait; the rest are plain rows run by cli_run_generic. */
#include <stdlib.h>
#include <string.h>

#include <fastio/ai.h>

#include "buf.h"
#include "cli.h"

/* clang-format off */
static const char no_wait_help[] =
    "Return at once with {chat_id, message_id, state: \"processing\"} instead of waiting.";
static const char timeout_help[] =
    "Give up waiting after SECONDS (exit 1; the answer goes on). Default: 300.";
static const char files_scope_help[] =
    "Scope: files, comma-separated ids or paths (ID or ID:VERSION); sent as references.";
static const char folders_scope_help[] =
    "Scope: folders, comma-separated ids or paths (ID or ID:DEPTH; the depth is dropped); sent\n"
    "as references.";
static const char files_attach_help[] =
    "Attach files (ids or paths, comma-separated, at most 20): read directly, no index needed;\n"
    "sent as subjects.";

#define WS_OPT {.name = "workspace", .kind = OPT_VALUE, .path = 1, .required = true, .metavar = "WS"}
#define CHAT_POS {.name = "CHAT", .kind = OPT_POS, .path = 2}
#define SCOPE_OPTS                                                                                 \
    {.name = "references", .kind = OPT_VALUE, .param = "references", .metavar = "JSON"},           \
    {.name = "subjects", .kind = OPT_VALUE, .param = "subjects", .metavar = "JSON"},               \
    {.name = "files-scope", .kind = OPT_VALUE, .cli_only = true, .metavar = "IDS",                 \
     .help = files_scope_help},                                                                    \
    {.name = "folders-scope", .kind = OPT_VALUE, .cli_only = true, .metavar = "IDS",               \
     .help = folders_scope_help},                                                                  \
    {.name = "files-attach", .kind = OPT_VALUE, .cli_only = true, .metavar = "IDS",                \
     .help = files_attach_help},                                                                   \
    {.name = "no-wait", .kind = OPT_BOOL, .cli_only = true, .help = no_wait_help},                 \
    {.name = "timeout", .kind = OPT_VALUE, .cli_only = true, .check = CHK_UINT,                    \
     .metavar = "SECONDS", .help = timeout_help}

static const struct cli_opt ask_opts[] = {
    {.name = "QUESTION", .kind = OPT_POS, .param = "question"},
    WS_OPT,
    {.name = "name", .kind = OPT_VALUE, .param = "name", .metavar = "NAME"},
    {.name = "privacy", .kind = OPT_VALUE, .param = "privacy", .metavar = "private|public"},
    {.name = "kind", .kind = OPT_VALUE, .param = "kind", .metavar = "user|agent"},
    SCOPE_OPTS,
    {0},
};

static const struct cli_opt create_opts[] = {
    {.name = "QUESTION", .kind = OPT_POS, .param = "question"},
    WS_OPT,
    {.name = "name", .kind = OPT_VALUE, .param = "name", .metavar = "NAME"},
    {.name = "privacy", .kind = OPT_VALUE, .param = "privacy", .metavar = "private|public"},
    {.name = "kind", .kind = OPT_VALUE, .param = "kind", .metavar = "user|agent"},
    {.name = "references", .kind = OPT_VALUE, .param = "references", .metavar = "JSON"},
    {.name = "subjects", .kind = OPT_VALUE, .param = "subjects", .metavar = "JSON"},
    {0},
};

static const struct cli_opt send_opts[] = {
    {.name = "QUESTION", .kind = OPT_POS, .param = "question"},
    WS_OPT,
    {.name = "chat-id", .kind = OPT_VALUE, .path = 2, .required = true, .metavar = "CHAT"},
    SCOPE_OPTS,
    {0},
};

static const struct cli_opt list_opts[] = {
    WS_OPT,
    {.name = "kind", .kind = OPT_VALUE, .param = "kind", .metavar = "user|agent|all"},
    {.name = "deleted", .kind = OPT_BOOL, .cli_only = true,
     .help = "List your deleted chats instead (GET .../ai/agent/list/deleted)."},
    {.name = "limit", .kind = OPT_VALUE, .param = "limit", .metavar = "N"},
    {.name = "offset", .kind = OPT_VALUE, .param = "offset", .metavar = "N"},
    {0},
};

static const struct cli_opt chat_opts[] = {WS_OPT, CHAT_POS, {0}};

static const struct cli_opt update_opts[] = {
    WS_OPT, CHAT_POS,
    {.name = "name", .kind = OPT_VALUE, .param = "name", .metavar = "NAME"},
    {0},
};

static const struct cli_opt msg_list_opts[] = {
    WS_OPT, CHAT_POS,
    {.name = "limit", .kind = OPT_VALUE, .param = "limit", .metavar = "N"},
    {.name = "offset", .kind = OPT_VALUE, .param = "offset", .metavar = "N"},
    {0},
};

static const struct cli_opt msg_opts[] = {
    WS_OPT, CHAT_POS,
    {.name = "MESSAGE", .kind = OPT_POS, .path = 3},
    {0},
};

static const struct cli_opt ws_opts[] = {WS_OPT, {0}};
/* clang-format on */

/* --files-scope / --folders-scope / --files-attach ("id[:x],id") as a JSON array of items
 * (api §8.2 item shapes). NULL when absent; "" marks a malformed list (usage error). */
static json_t *ids_items(struct cli_ctx *ctx, const char *ws, const char *csv, const char *type)
{
    if (csv == NULL)
        return NULL;
    json_t *a = json_array();
    const char *p = csv;
    for (int guard = 0; a && *p && guard < 1000; guard++) {
        size_t l = strcspn(p, ",");
        char id[128], ver[128] = "";
        if (l == 0 || l >= sizeof(id)) {
            json_decref(a);
            return json_string("");
        }
        memcpy(id, p, l);
        id[l] = 0;
        char *colon = strchr(id, ':');
        if (colon) {
            *colon = 0;
            if (strcmp(type, "file") == 0)
                snprintf(ver, sizeof(ver), "%s", colon + 1);
        }
        /* a path ("/reports/q3.pdf") names the node as well as its id (D-085) */
        const char *rid =
            ws ? cli_resolve_node(ctx, ws, id,
                                  strcmp(type, "file") == 0 ? CLI_NODE_FILE : CLI_NODE_FOLDER,
                                  false)
               : id;
        if (rid == NULL) {
            json_decref(a);
            return json_integer(0); /* not found: printed by the resolver */
        }
        if (rid != id)
            snprintf(id, sizeof(id), "%s", rid);
        json_t *it = strcmp(type, "file") == 0
                         ? json_pack("{s:s, s:s, s:{s:s, s:s}}", "type", "file", "id", id,
                                     "file_details", "node_id", id, "version_id", ver)
                         : json_pack("{s:s, s:s, s:{s:s}}", "type", "folder", "id", id,
                                     "folder_details", "node_id", id);
        json_array_append_new(a, it);
        p += l + (p[l] == ',' ? 1 : 0);
    }
    return a;
}

/* The references / subjects JSON texts from the options (owned, NULL = not sent). CLI_OK or
 * CLI_USAGE. */
static int scope_texts(struct cli_ctx *ctx, struct cli_args *args, char **refs, char **subjects)
{
    *refs = *subjects = NULL;
    const char *r = cli_arg(args, "references"), *s = cli_arg(args, "subjects");
    const char *ws = cli_arg(args, "workspace");
    json_t *fs = ids_items(ctx, ws, cli_arg(args, "files-scope"), "file");
    json_t *ds = ids_items(ctx, ws, cli_arg(args, "folders-scope"), "folder");
    json_t *fa = ids_items(ctx, ws, cli_arg(args, "files-attach"), "file");
    int rc = CLI_OK;
    if (json_is_integer(fs) || json_is_integer(ds) || json_is_integer(fa))
        rc = CLI_ERR;
    else if (json_is_string(fs) || json_is_string(ds) || json_is_string(fa))
        rc = cli_usage(ctx, "an id list is ID[,ID...] with no empty entries");
    else if ((r && (fs || ds)) || (s && fa))
        rc = cli_usage(ctx, "give --references or --files-scope/--folders-scope, and --subjects "
                            "or --files-attach, not both");
    if (rc == CLI_OK) {
        if (fs || ds) {
            json_t *all = json_array();
            if (fs)
                json_array_extend(all, fs);
            if (ds)
                json_array_extend(all, ds);
            *refs = json_dumps(all, JSON_COMPACT);
            json_decref(all);
        } else if (r) {
            *refs = fio_strdup(r);
        }
        if (fa)
            *subjects = json_dumps(fa, JSON_COMPACT);
        else if (s)
            *subjects = fio_strdup(s);
    }
    json_decref(fs);
    json_decref(ds);
    json_decref(fa);
    return rc;
}

/* The answer for people: the text, then its numbered sources (file name, page, snippet). */
static void print_readable(const struct fastio_ai_answer *a)
{
    if (strcmp(a->state, "needs_input") == 0) {
        printf("%s\n", a->clarification[0] ? a->clarification : "(the assistant needs more input)");
        return;
    }
    if (strcmp(a->state, "errored") == 0) {
        printf("The answer failed: %s\n", a->error[0] ? a->error : "(no reason given)");
        return;
    }
    printf("%s\n", a->text);
    if (a->n_citations == 0)
        return;
    printf("\nSources:\n");
    for (size_t i = 0; i < a->n_citations; i++) {
        const struct fastio_ai_citation *c = &a->citations[i];
        printf("  [%zu] %s", i + 1, c->name[0] ? c->name : c->node_id);
        if (c->n_entries > 0 && c->entries[0].page > 0)
            printf(", page %d", c->entries[0].page);
        printf("  (%s)\n", c->node_id);
        for (size_t k = 0; k < c->n_entries && k < 3; k++)
            printf("      \"%s\"\n", c->entries[k].snippet);
    }
}

/* The answer as JSON, the official CLI's `ask` shape (api §8.4): {chat_id, message_id, state,
 * response, citations, clarification?, message?}. */
static json_t *answer_json(const struct fastio_ai_answer *a)
{
    json_t *cits = json_array();
    for (size_t i = 0; i < a->n_citations; i++) {
        const struct fastio_ai_citation *c = &a->citations[i];
        json_t *ents = json_array();
        for (size_t k = 0; k < c->n_entries; k++)
            json_array_append_new(ents, json_pack("{s:i, s:s}", "page", c->entries[k].page,
                                                  "snippet", c->entries[k].snippet));
        json_array_append_new(cits,
                              json_pack("{s:s, s:s, s:s, s:o}", "nodeId", c->node_id, "versionId",
                                        c->version_id, "name", c->name, "entries", ents));
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "chat_id", a->chat_id, "message_id",
                          a->message_id, "state", a->state, "response", a->text, "citations", cits);
    if (o && a->clarification[0])
        json_object_set_new(
            o, "clarification",
            json_pack("{s:s, s:s}", "type", "question", "question", a->clarification));
    if (o && a->error[0])
        json_object_set_new(o, "message", json_string(a->error));
    return o;
}

/* ask / message-send: send, then wait and print the answer (or --no-wait). */
static int ask_run(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    bool follow = cmd->endpoint == FASTIO_EP_AI_MESSAGE_SEND;
    char *refs = NULL, *subjects = NULL;
    int rc = scope_texts(ctx, args, &refs, &subjects);
    if (rc != CLI_OK)
        return rc;
    rc = cli_connect(ctx, cmd->endpoint, true);
    if (rc != CLI_OK) {
        free(refs);
        free(subjects);
        return rc;
    }
    struct fastio_ai_question q = {.workspace = cli_arg(args, "workspace"),
                                   .question = cli_arg(args, "QUESTION"),
                                   .chat = follow ? cli_arg(args, "chat-id") : NULL,
                                   .references = refs,
                                   .subjects = subjects,
                                   .name = follow ? NULL : cli_arg(args, "name"),
                                   .privacy = follow ? NULL : cli_arg(args, "privacy"),
                                   .kind = follow ? NULL : cli_arg(args, "kind")};
    long timeout_ms = 0;
    const char *t = cli_arg(args, "timeout");
    if (t)
        timeout_ms = strtol(t, NULL, 10) * 1000;
    struct fastio_error err;
    enum fastio_status st;
    if (cli_arg_given(args, "no-wait")) {
        char *chat = NULL, *msg = NULL;
        st = fastio_ai_send(ctx->client, &q, &chat, &msg, &err);
        if (st == FASTIO_OK) {
            json_t *o = json_pack("{s:s, s:s, s:s}", "chat_id", chat, "message_id", msg, "state",
                                  "processing");
            rc = o ? cli_print(ctx, o, NULL) : CLI_ERR;
            json_decref(o);
        }
        fastio_free(chat);
        fastio_free(msg);
    } else {
        struct fastio_ai_answer *a = NULL;
        st = fastio_ai_ask(ctx->client, &q, timeout_ms, &a, &err);
        if (a != NULL) {
            if (ctx->format == CLI_FMT_TABLE && !ctx->quiet) {
                print_readable(a);
            } else {
                json_t *o = answer_json(a);
                rc = o ? cli_print(ctx, o, NULL) : CLI_ERR;
                json_decref(o);
            }
            if (st == FASTIO_OK && strcmp(a->state, "errored") == 0)
                rc = CLI_ERR;
            if (st == FASTIO_TIMEOUT)
                cli_errorf(ctx,
                           "no answer in time; see 'fastio ripley message-details --workspace "
                           "%s %s %s'",
                           q.workspace, a->chat_id, a->message_id);
            fastio_ai_answer_free(a);
        }
    }
    if (st != FASTIO_OK) {
        if (st != FASTIO_TIMEOUT)
            cli_print_api_error(ctx, &err);
        rc = CLI_ERR;
    }
    free(refs);
    free(subjects);
    return rc;
}

static int list_run(struct cli_ctx *ctx, const struct cli_cmd *cmd, struct cli_args *args)
{
    if (!cli_arg_given(args, "deleted"))
        return cli_run_generic(ctx, cmd, args);
    struct cli_cmd deleted = *cmd;
    deleted.endpoint = FASTIO_EP_AI_CHAT_LIST_DELETED;
    return cli_run_generic(ctx, &deleted, args);
}

/* clang-format off */
const struct cli_cmd cli_ripley_cmds[] = {
    {
        .name = "ask",
        .endpoint = FASTIO_EP_AI_CHAT_CREATE,
        .opts = ask_opts,
        .run = ask_run,
        .summary = "Ask a question about a workspace's files and wait for the answer",
        .description =
            "Starts a chat with the question (POST /workspace/{ws}/ai/agent/) and waits for the\n"
            "answer through the workspace's activity long-poll (at most --timeout, 300 s by\n"
            "default). On a terminal the answer is printed with its numbered sources (file name,\n"
            "page, snippet); --format json prints {chat_id, message_id, state, response,\n"
            "citations[{nodeId, versionId, name, entries[{page, snippet}]}]}.\n\n"
            "Without a scope the whole workspace is searched (intelligence must be on);\n"
            "--files-scope/--folders-scope (or --references) narrow it; --files-attach (or\n"
            "--subjects) reads up to 20 files directly instead, with intelligence off too.\n"
            "Exit 1 when the answer errored or did not come in time.",
        .examples = "fastio ripley ask --workspace team \"What is the refund policy?\"\n"
                    "fastio ripley ask --workspace team --files-attach 2abc... \"Summarize the terms\"\n"
                    "fastio --format json ripley ask --workspace team --no-wait \"Who signed?\"",
    },
    {
        .name = "chat-create",
        .endpoint = FASTIO_EP_AI_CHAT_CREATE,
        .opts = create_opts,
        .summary = "Start an AI chat with its first question (no waiting)",
        .description =
            "POST /workspace/{ws}/ai/agent/: prints {chat_id, message_id, thread, turn, ...};\n"
            "the answer is composed in the background ('message-details' shows it).",
        .examples = "fastio ripley chat-create --workspace team \"What changed in v2?\" --privacy private",
    },
    {
        .name = "chat-list",
        .endpoint = FASTIO_EP_AI_CHAT_LIST,
        .opts = list_opts,
        .run = list_run,
        .summary = "List the AI chats of a workspace",
        .description =
            "GET /workspace/{ws}/ai/agent/list/: your chats and the public chats of others,\n"
            "newest first; --deleted lists your deleted chats.",
        .examples = "fastio ripley chat-list --workspace team --kind all",
    },
    {
        .name = "chat-details",
        .endpoint = FASTIO_EP_AI_CHAT_DETAILS,
        .opts = chat_opts,
        .summary = "Show an AI chat with its messages",
        .description = "GET /workspace/{ws}/ai/agent/{chat}/details/.",
        .examples = "fastio ripley chat-details --workspace team 9abc...",
    },
    {
        .name = "chat-update",
        .endpoint = FASTIO_EP_AI_CHAT_UPDATE,
        .opts = update_opts,
        .summary = "Rename an AI chat",
        .description = "POST /workspace/{ws}/ai/agent/{chat}/update/ (your own chats only).",
        .examples = "fastio ripley chat-update --workspace team 9abc... --name \"Q3 review\"",
    },
    {
        .name = "chat-delete",
        .endpoint = FASTIO_EP_AI_CHAT_DELETE,
        .opts = chat_opts,
        .summary = "Delete an AI chat",
        .description = "DELETE /workspace/{ws}/ai/agent/{chat}/: the chat moves to the deleted list\n"
                       "('chat-list --deleted'); an answer being composed is canceled.",
        .examples = "fastio ripley chat-delete --workspace team 9abc...",
    },
    {
        .name = "chat-publish",
        .endpoint = FASTIO_EP_AI_CHAT_PUBLISH,
        .opts = chat_opts,
        .summary = "Make a private AI chat public (one way)",
        .description = "POST /workspace/{ws}/ai/agent/{chat}/publish/: the workspace's other members\n"
                       "can then read it (never change it).",
        .examples = "fastio ripley chat-publish --workspace team 9abc...",
    },
    {
        .name = "chat-cancel",
        .endpoint = FASTIO_EP_AI_CHAT_CANCEL,
        .opts = chat_opts,
        .summary = "Cancel the answer a chat is composing",
        .description =
            "POST /workspace/{ws}/ai/agent/{chat}/cancel/ (no body). Prints {success: true,\n"
            "message: {...}} or {success: true, no_pending_message: true}; idempotent.",
        .examples = "fastio ripley chat-cancel --workspace team 9abc...",
    },
    {
        .name = "message-send",
        .endpoint = FASTIO_EP_AI_MESSAGE_SEND,
        .opts = send_opts,
        .run = ask_run,
        .summary = "Ask a follow-up question in a chat and wait for the answer",
        .description =
            "POST /workspace/{ws}/ai/agent/{chat}/message/, then waits and prints as 'ask'.\n"
            "Without a scope of its own the follow-up keeps the chat's.",
        .examples = "fastio ripley message-send --workspace team --chat-id 9abc... \"And in 2025?\"",
    },
    {
        .name = "message-list",
        .endpoint = FASTIO_EP_AI_MESSAGE_LIST,
        .opts = msg_list_opts,
        .summary = "List the messages of a chat",
        .description = "GET /workspace/{ws}/ai/agent/{chat}/messages/list/, oldest first.",
        .examples = "fastio ripley message-list --workspace team 9abc...",
    },
    {
        .name = "message-details",
        .endpoint = FASTIO_EP_AI_MESSAGE_DETAILS,
        .opts = msg_opts,
        .summary = "Show one message: state, answer and citations",
        .description =
            "GET /workspace/{ws}/ai/agent/{chat}/message/{message}/details/. States: ready,\n"
            "in_progress, post_processing, then complete, errored or needs_input.",
        .examples = "fastio ripley message-details --workspace team 9abc... aabc...",
    },
    /* the official `ripley search` is the storage search (api §11): "files search" as is */
    CLI_FILES_SEARCH_ROW,
    {
        .name = "transactions",
        .endpoint = FASTIO_EP_AI_TRANSACTIONS,
        .opts = ws_opts,
        .summary = "List the workspace's 40 most recent AI token transactions",
        .description = "GET /workspace/{ws}/ai/transactions/: admins see everyone's, others their own.",
        .examples = "fastio ripley transactions --workspace team",
    },
    {0},
};
/* clang-format on */
