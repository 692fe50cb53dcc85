/* SPDX-License-Identifier: MIT */
/* llm.c - the OpenAI-compatible chat completions client (llm.h; D-107). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "llm.h"

char *ai_llm_endpoint(const char *base)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    const char *tail = "/v1/chat/completions";
    if (n >= 17 && strncmp(base + n - 17, "/chat/completions", 17) == 0)
        tail = "";
    else if (n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0)
        tail = "/chat/completions";
    size_t tl = strlen(tail);
    char *u = malloc(n + tl + 1);
    if (!u)
        return NULL;
    memcpy(u, base, n);
    memcpy(u + n, tail, tl + 1);
    return u;
}

struct sink {
    struct fio_buf b;
    atomic_bool *cancel;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct sink *s = ud;
    if (!fio_buf_append(&s->b, p, sz * n))
        return 0; /* too large: the transfer fails */
    return sz * n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    struct sink *s = ud;
    return s->cancel && atomic_load(s->cancel) ? 1 : 0;
}

int ai_llm_complete(const struct ai_llm *cfg, json_t *messages, atomic_bool *cancel, char **content,
                    long long *tokens_in, long long *tokens_out, char *reason, size_t reason_len)
{
    *content = NULL;
    *tokens_in = *tokens_out = 0;
    char *url = ai_llm_endpoint(cfg->url);
    json_t *req = json_pack("{s:s, s:O, s:f, s:b}", "model", cfg->model ? cfg->model : "default",
                            "messages", messages, "temperature", 0.0, "stream", 0);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    struct sink sink = {.cancel = cancel};
    fio_buf_init(&sink.b, AI_LLM_REPLY_MAX);
    int rc = -1;
    if (!url || !body || !h) {
        snprintf(reason, reason_len, "out of memory");
        goto done;
    }
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    if (cfg->key && *cfg->key) {
        size_t kl = strlen(cfg->key) + 32;
        char *auth = malloc(kl);
        if (auth) {
            snprintf(auth, kl, "Authorization: Bearer %s", cfg->key);
            hdr = curl_slist_append(hdr, auth);
            free(auth);
        }
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &sink);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, cfg->timeout_s > 0 ? cfg->timeout_s : 120L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(reason, reason_len, "canceled");
        goto done;
    }
    if (cc != CURLE_OK) {
        snprintf(reason, reason_len, "the model endpoint could not be reached: %s",
                 curl_easy_strerror(cc));
        goto done;
    }
    if (status != 200) {
        snprintf(reason, reason_len, "HTTP %ld from the model endpoint", status);
        goto done;
    }
    json_error_t je;
    json_t *reply = json_loadb(sink.b.data ? sink.b.data : "", sink.b.len, 0, &je);
    json_t *msg = json_object_get(json_array_get(json_object_get(reply, "choices"), 0), "message");
    const char *text = json_string_value(json_object_get(msg, "content"));
    if (!text) {
        snprintf(reason, reason_len, "no choices[0].message.content in the model's reply");
        json_decref(reply);
        goto done;
    }
    *content = fio_strdup(text);
    json_t *usage = json_object_get(reply, "usage");
    *tokens_in = json_integer_value(json_object_get(usage, "prompt_tokens"));
    *tokens_out = json_integer_value(json_object_get(usage, "completion_tokens"));
    json_decref(reply);
    if (!*content) {
        snprintf(reason, reason_len, "out of memory");
        goto done;
    }
    rc = 0;
done:
    curl_slist_free_all(hdr);
    if (h)
        curl_easy_cleanup(h);
    fio_buf_release(&sink.b);
    free(body);
    free(url);
    return rc;
}
