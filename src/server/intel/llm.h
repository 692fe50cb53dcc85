/* SPDX-License-Identifier: MIT */
/* llm.h - the model connector of the AI chat (issue 13; docs/server.md "AI chat"; D-107): one
 * request to an OpenAI-compatible chat completions endpoint (llama.cpp server, Ollama, vLLM, a
 * cloud service): POST {url}/v1/chat/completions with {model, messages, temperature 0, stream
 * false}, answer read from choices[0].message.content, token counts from usage. The URL given
 * may already end in /v1 or /v1/chat/completions. */
#ifndef SRV_INTEL_LLM_H
#define SRV_INTEL_LLM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define AI_LLM_REPLY_MAX (4L * 1024 * 1024) /* bytes of a completion reply */

struct ai_llm {
    const char *url;   /* --llm-url */
    const char *model; /* --llm-model; NULL = "default" */
    const char *key;   /* from --llm-key-file; NULL = no Authorization header */
    long timeout_s;    /* whole request */
};

/* The endpoint URL for base (malloc'd; NULL on OOM). */
char *ai_llm_endpoint(const char *base);

/* Send messages (a JSON array of {role, content}; borrowed) and return the reply's text in
 * *content (malloc'd) and the token counts (0 when the reply has no usage). cancel (may be NULL)
 * aborts the transfer when it becomes true. 0, or -1 with a reason ("HTTP 500 from the model",
 * "timeout after 120 s", "no choices[0].message.content in the reply", ...). */
int ai_llm_complete(const struct ai_llm *cfg, json_t *messages, atomic_bool *cancel, char **content,
                    long long *tokens_in, long long *tokens_out, char *reason, size_t reason_len);

#endif
