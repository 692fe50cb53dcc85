/* SPDX-License-Identifier: MIT */
/* api_search.c - search in a workspace (fastio/search.h, api §4.2): row calls, and the hits of a
 * storage search response as one sorted array whichever documented shape the server used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastio/search.h"

#include "api.h"
#include "envelope.h"

/* n as decimal text into buf, or NULL for 0 (= the server's default). */
static const char *num(long n, char *buf, size_t size)
{
    if (n <= 0)
        return NULL;
    snprintf(buf, size, "%ld", n);
    return buf;
}

FASTIO_API enum fastio_status fastio_files_search(struct fastio_client *c,
                                                  const struct fastio_search_spec *spec,
                                                  json_t **response, struct fastio_error *err)
{
    if (response != NULL)
        *response = NULL;
    if (spec == NULL || spec->workspace == NULL || spec->query == NULL)
        return fio_error_set(err, FASTIO_INVALID, "a workspace and a query are required");
    char lb[24], ob[24];
    /* row order: workspace_id, search, files_scope, folders_scope, limit, offset, details,
     * output */
    const char *values[] = {spec->workspace,
                            spec->query,
                            spec->files_scope,
                            spec->folders_scope,
                            num(spec->limit, lb, sizeof(lb)),
                            num(spec->offset, ob, sizeof(ob)),
                            spec->details ? "true" : NULL,
                            spec->output};
    return fio_row_call(c, FASTIO_EP_STORAGE_SEARCH, values, 8, NULL, FIO_ROW_WHOLE, response, err);
}

static double score_of(const json_t *h)
{
    return json_number_value(json_object_get(h, "relevance_score"));
}

static int hit_cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double sx = score_of(x), sy = score_of(y);
    if (sx != sy)
        return sx < sy ? 1 : -1;
    const char *nx = json_string_value(json_object_get(x, "name"));
    const char *ny = json_string_value(json_object_get(y, "name"));
    return strcmp(nx ? nx : "", ny ? ny : "");
}

FASTIO_API json_t *fastio_search_hits(const json_t *response)
{
    json_t *out = json_array();
    if (out == NULL)
        return NULL;
    const json_t *files = json_object_get(response, "files");
    const json_t *results = json_object_get(response, "results");
    size_t n = json_is_object(files)    ? json_object_size(files)
               : json_is_array(results) ? json_array_size(results)
                                        : 0;
    json_t **v = n ? calloc(n, sizeof(*v)) : NULL;
    if (n && v == NULL) {
        json_decref(out);
        return NULL;
    }
    size_t k = 0;
    bool oom = false;
    if (json_is_object(files)) {
        const char *id;
        json_t *h;
        json_object_foreach((json_t *)files, id, h)
        {
            if (!json_is_object(h) || k == n)
                continue;
            json_t *copy = json_copy(h);
            if (copy == NULL || (json_object_get(copy, "id") == NULL &&
                                 json_object_set_new(copy, "id", json_string(id)) != 0)) {
                json_decref(copy);
                oom = true;
                break;
            }
            v[k++] = copy;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const json_t *r = json_array_get(results, i);
            const json_t *node = json_object_get(r, "node");
            json_t *h = json_is_object(node) ? json_copy((json_t *)node) : json_object();
            json_t *content = json_object_get(r, "content"), *score = json_object_get(r, "score");
            if (h == NULL ||
                json_object_set_new(h, "content_snippet",
                                    content ? json_incref(content) : json_null()) != 0 ||
                json_object_set_new(h, "relevance_score",
                                    score ? json_incref(score) : json_real(0)) != 0) {
                json_decref(h);
                oom = true;
                break;
            }
            v[k++] = h;
        }
    }
    if (!oom && k > 1)
        qsort(v, k, sizeof(*v), hit_cmp);
    for (size_t i = 0; i < k; i++)
        if (oom || json_array_append_new(out, v[i]) != 0) {
            oom = true;
            if (i < k)
                json_decref(v[i]);
        }
    free(v);
    if (oom) {
        json_decref(out);
        return NULL;
    }
    return out;
}

FASTIO_API enum fastio_status
fastio_workspace_search(struct fastio_client *c, const struct fastio_workspace_search_spec *spec,
                        json_t **buckets, struct fastio_error *err)
{
    if (buckets != NULL)
        *buckets = NULL;
    if (spec == NULL || spec->workspace == NULL || spec->query == NULL)
        return fio_error_set(err, FASTIO_INVALID, "a workspace and a query are required");
    char b[6][24];
    /* row order: workspace_id, search, files_limit, files_offset, metadata_limit,
     * metadata_offset, comments_limit, comments_offset */
    const char *values[] = {spec->workspace,
                            spec->query,
                            num(spec->files_limit, b[0], sizeof(b[0])),
                            num(spec->files_offset, b[1], sizeof(b[1])),
                            num(spec->metadata_limit, b[2], sizeof(b[2])),
                            num(spec->metadata_offset, b[3], sizeof(b[3])),
                            num(spec->comments_limit, b[4], sizeof(b[4])),
                            num(spec->comments_offset, b[5], sizeof(b[5]))};
    return fio_row_call(c, FASTIO_EP_WORKSPACE_SEARCH, values, 8, NULL, FIO_ROW_VALUE, buckets,
                        err);
}
