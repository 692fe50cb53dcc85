/* SPDX-License-Identifier: MIT */
/* embed.c - the OpenAI-compatible embeddings connector (embed.h). */
#include "embed.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"

int intel_embed_parse(const char *body, size_t len, size_t n, float **out, size_t *dim,
                      char *reason, size_t reason_len)
{
    *out = NULL;
    json_error_t je;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(j)) {
        snprintf(reason, reason_len, "embeddings: the answer is not a JSON object");
        json_decref(j);
        return -1;
    }
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data) || json_array_size(data) != n) {
        snprintf(reason, reason_len, "embeddings: 'data' does not hold %zu vectors", n);
        json_decref(j);
        return -1;
    }
    size_t d = *dim;
    float *v = NULL;
    bool *seen = calloc(n ? n : 1, sizeof(*seen));
    int rc = -1;
    if (!seen)
        goto done;
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(data, i);
        json_t *emb = json_object_get(item, "embedding");
        json_t *ix = json_object_get(item, "index");
        size_t row = json_is_integer(ix) ? (size_t)json_integer_value(ix) : i;
        if (!json_is_array(emb) || row >= n || seen[row]) {
            snprintf(reason, reason_len, "embeddings: item %zu has no usable embedding", i);
            goto done;
        }
        size_t k = json_array_size(emb);
        if (d == 0)
            d = k;
        if (k != d || d == 0 || d > INTEL_EMBED_DIM_MAX) {
            snprintf(reason, reason_len, "embeddings: item %zu has %zu dimensions, want %zu", i, k,
                     d);
            goto done;
        }
        if (!v && !(v = calloc(n * d, sizeof(float)))) {
            snprintf(reason, reason_len, "embeddings: out of memory");
            goto done;
        }
        seen[row] = true;
        double norm = 0;
        float *dst = v + row * d;
        for (size_t c = 0; c < d; c++) {
            json_t *x = json_array_get(emb, c);
            if (!json_is_number(x)) {
                snprintf(reason, reason_len, "embeddings: item %zu holds a non-number", i);
                goto done;
            }
            double f = json_number_value(x);
            if (!isfinite(f) || fabs(f) > 1e30) {
                snprintf(reason, reason_len, "embeddings: item %zu holds a non-finite number", i);
                goto done;
            }
            dst[c] = (float)f;
            norm += f * f;
        }
        if (norm > 0) {
            float inv = (float)(1.0 / sqrt(norm));
            for (size_t c = 0; c < d; c++)
                dst[c] *= inv;
        }
    }
    if (n > 0 && !v) {
        snprintf(reason, reason_len, "embeddings: empty answer");
        goto done;
    }
    *out = v;
    *dim = d;
    v = NULL;
    rc = 0;
done:
    free(v);
    free(seen);
    json_decref(j);
    return rc;
}

static size_t collect(char *p, size_t sz, size_t nm, void *ud)
{
    return fio_buf_append(ud, p, sz * nm) ? sz * nm : 0;
}

/* One request for texts[0..n): vectors into *out (n × *dim). */
static int embed_batch(const struct intel_embed_cfg *cfg, const char *const *texts, size_t n,
                       float **out, size_t *dim, char *reason, size_t reason_len)
{
    json_t *req = json_pack("{s:s, s:[]}", "model", cfg->model ? cfg->model : "default", "input");
    json_t *in = json_object_get(req, "input");
    for (size_t i = 0; req && i < n; i++)
        if (json_array_append_new(in, json_string(texts[i])) != 0) {
            json_decref(req);
            req = NULL;
        }
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) {
        snprintf(reason, reason_len, "embeddings: out of memory");
        return -1;
    }
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    struct fio_buf b;
    fio_buf_init(&b, INTEL_EMBED_BODY_MAX);
    int rc = -1;
    if (!h || !hdr) {
        snprintf(reason, reason_len, "embeddings: out of memory");
        goto done;
    }
    const char *key = getenv("FASTIO_EMBED_API_KEY");
    char auth[600];
    struct curl_slist *h2 = hdr;
    if (key && *key && strlen(key) < 500) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        h2 = curl_slist_append(hdr, auth);
        if (h2)
            hdr = h2;
    }
    curl_easy_setopt(h, CURLOPT_URL, cfg->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, cfg->timeout_s > 0 ? cfg->timeout_s : 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        snprintf(reason, reason_len, "embeddings: %s", curl_easy_strerror(cc));
        goto done;
    }
    if (status != 200) {
        snprintf(reason, reason_len, "embeddings: HTTP %ld", status);
        goto done;
    }
    rc = intel_embed_parse(b.data ? b.data : "", b.len, n, out, dim, reason, reason_len);
done:
    fio_buf_release(&b);
    curl_slist_free_all(hdr);
    if (h)
        curl_easy_cleanup(h);
    free(body);
    return rc;
}

int intel_embed(const struct intel_embed_cfg *cfg, const char *const *texts, size_t n, float **out,
                size_t *dim, char *reason, size_t reason_len)
{
    *out = NULL;
    *dim = 0;
    if (!cfg || !cfg->url) {
        snprintf(reason, reason_len, "embeddings: not configured");
        return -1;
    }
    if (n == 0)
        return 0;
    float *all = NULL;
    size_t d = 0;
    for (size_t at = 0; at < n; at += INTEL_EMBED_BATCH) {
        size_t k = n - at < INTEL_EMBED_BATCH ? n - at : INTEL_EMBED_BATCH;
        float *v = NULL;
        size_t bd = d;
        if (embed_batch(cfg, texts + at, k, &v, &bd, reason, reason_len) != 0) {
            free(all);
            return -1;
        }
        if (!all) {
            d = bd;
            all = malloc(n * d * sizeof(float));
            if (!all) {
                free(v);
                snprintf(reason, reason_len, "embeddings: out of memory");
                return -1;
            }
        }
        memcpy(all + at * d, v, k * d * sizeof(float));
        free(v);
    }
    *out = all;
    *dim = d;
    return 0;
}
