/* SPDX-License-Identifier: MIT */
/* fastio/endpoints_ai.h - endpoint rows of AI chat ("Ripley", api §8.2; docs/server.md "AI
 * chat"). Same row format as fastio/endpoints.h, which appends this list to FASTIO_ENDPOINT_LIST.
 * Ids 175..194 are this area's; 187..194 are free. Creating a chat and sending a message are
 * UNSAFE: resent after a lost answer they would ask the question twice. The legacy /ai/chat/
 * paths (api §8.3) are served too but have no rows: clients use /ai/agent/. */
#ifndef FASTIO_ENDPOINTS_AI_H
#define FASTIO_ENDPOINTS_AI_H

#define FASTIO_P_AI_CHAT_(P) P("chat_id", ID, REQ, PATH, NULL, "AI chat id.")
#define FASTIO_P_AI_SCOPE_(P)                                                                      \
    P("references", JSON, OPT, BODY, NULL,                                                         \
      "Scope: JSON array of files and folders to search, e.g. [{\"type\":\"folder\","              \
      "\"id\":\"<node>\"}]; absent = the whole workspace (needs intelligence on).")                \
    P("subjects", JSON, OPT, BODY, NULL,                                                           \
      "Attachments: JSON array of up to 20 files read directly, e.g. [{\"type\":\"file\","         \
      "\"id\":\"<node>\"}]; no index needed.")

#define FASTIO_ENDPOINTS_AI(X, P)                                                                  \
    X(AI_CHAT_CREATE, 175, POST, FORM, BEARER, UNSAFE, "/workspace/{}/ai/agent/", "",              \
      "Start an AI chat with its first question; the answer is composed in the background.",      \
      FASTIO_P_WS_(P) P("question", STRING, REQ, BODY, NULL, "The question, 2-12768 characters.") \
      P("name", STRING, OPT, BODY, NULL, "Chat name, at most 100 characters.")                    \
      P("privacy", ENUM, OPT, BODY, "private|public", "Who may read the chat (public).")          \
      P("kind", ENUM, OPT, BODY, "user|agent", "Kind of chat, fixed once made (user).")           \
      FASTIO_P_AI_SCOPE_(P))                                                                       \
    X(AI_MESSAGE_SEND, 176, POST, FORM, BEARER, UNSAFE, "/workspace/{}/ai/agent/{}/message/", "",  \
      "Ask a follow-up question in an AI chat.",                                                   \
      FASTIO_P_WS_(P) FASTIO_P_AI_CHAT_(P)                                                         \
      P("question", STRING, REQ, BODY, NULL, "The question, 2-12768 characters.")                 \
      FASTIO_P_AI_SCOPE_(P))                                                                       \
    X(AI_MESSAGE_DETAILS, 177, GET, QUERY, BEARER, SAFE,                                           \
      "/workspace/{}/ai/agent/{}/message/{}/details/", "message",                                 \
      "Show one message of an AI chat: state, answer text and citations.",                         \
      FASTIO_P_WS_(P) FASTIO_P_AI_CHAT_(P)                                                         \
      P("message_id", ID, REQ, PATH, NULL, "Message id."))                                         \
    X(AI_MESSAGE_LIST, 178, GET, QUERY, BEARER, SAFE, "/workspace/{}/ai/agent/{}/messages/list/",  \
      "messages", "List the messages of an AI chat, oldest first.",                                \
      FASTIO_P_WS_(P) FASTIO_P_AI_CHAT_(P) FASTIO_P_PAGE_(P))                                      \
    X(AI_CHAT_LIST, 179, GET, QUERY, BEARER, SAFE, "/workspace/{}/ai/agent/list/", "chats",        \
      "List the AI chats you can read in a workspace (yours and public ones), newest first.",     \
      FASTIO_P_WS_(P) FASTIO_P_PAGE_(P)                                                            \
      P("kind", ENUM, OPT, BODY, "user|agent|all", "Which kind of chats (user)."))                \
    X(AI_CHAT_LIST_DELETED, 180, GET, QUERY, BEARER, SAFE, "/workspace/{}/ai/agent/list/deleted", \
      "chats", "List your deleted AI chats in a workspace.",                                      \
      FASTIO_P_WS_(P) FASTIO_P_PAGE_(P)                                                            \
      P("kind", ENUM, OPT, BODY, "user|agent|all", "Which kind of chats (user)."))                \
    X(AI_CHAT_DETAILS, 181, GET, QUERY, BEARER, SAFE, "/workspace/{}/ai/agent/{}/details/",        \
      "chat", "Show an AI chat with its messages.", FASTIO_P_WS_(P) FASTIO_P_AI_CHAT_(P))         \
    X(AI_CHAT_UPDATE, 182, POST, FORM, BEARER, SAFE, "/workspace/{}/ai/agent/{}/update/", "chat",  \
      "Rename an AI chat.",                                                                        \
      FASTIO_P_WS_(P) FASTIO_P_AI_CHAT_(P)                                                         \
      P("name", STRING, REQ, BODY, NULL, "New name, 1-100 characters."))                          \
    X(AI_CHAT_PUBLISH, 183, POST, FORM, BEARER, SAFE, "/workspace/{}/ai/agent/{}/publish/",        \
      "chat", "Make a private AI chat public (one way).",                                         \
      FASTIO_P_WS_(P) FASTIO_P_AI_CHAT_(P))                                                        \
    X(AI_CHAT_DELETE, 184, DELETE, QUERY, BEARER, SAFE, "/workspace/{}/ai/agent/{}/", "chat",      \
      "Delete an AI chat (it moves to the deleted list).", FASTIO_P_WS_(P) FASTIO_P_AI_CHAT_(P))  \
    X(AI_CHAT_CANCEL, 185, POST, NONE, BEARER, SAFE, "/workspace/{}/ai/agent/{}/cancel/", "",      \
      "Cancel the answer an AI chat is composing.", FASTIO_P_WS_(P) FASTIO_P_AI_CHAT_(P))         \
    X(AI_TRANSACTIONS, 186, GET, QUERY, BEARER, SAFE, "/workspace/{}/ai/transactions/",            \
      "transactions", "List the 40 most recent AI token transactions of a workspace.",            \
      FASTIO_P_WS_(P))

#endif
