/* SPDX-License-Identifier: MIT */
/* request.c - builds the URL, body and headers of one request from its endpoint row (api §1.2):
 * where parameters travel (query, form, JSON, nothing) and how the caller authenticates are
 * columns of the row, so no endpoint has request code of its own. */
#include "request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "envelope.h"
#include "form.h"
#include "name.h"

void fio_request_init(struct fio_request *rq)
{
    memset(rq, 0, sizeof(*rq));
    fio_buf_init(&rq->url, 0);
    fio_buf_init(&rq->body, 0);
}

void fio_request_release(struct fio_request *rq)
{
    /* The Authorization line may hold a token or Basic credentials: wipe before freeing. */
    for (struct curl_slist *h = rq->headers; h != NULL; h = h->next) {
        if (strncasecmp(h->data, "Authorization:", 14) == 0)
            explicit_bzero(h->data, strlen(h->data));
    }
    curl_slist_free_all(rq->headers);
    if (rq->body.data != NULL)
        explicit_bzero(rq->body.data, rq->body.len); /* form bodies carry passwords (signup) */
    fio_buf_release(&rq->url);
    fio_buf_release(&rq->body);
}

/* Add a header line; false on OOM (the list is unchanged then). */
static bool add_header(struct fio_request *rq, const char *line)
{
    struct curl_slist *l = curl_slist_append(rq->headers, line);
    if (l == NULL)
        return false;
    rq->headers = l;
    return true;
}

/* Count params that will be sent, checking names on the way. -1 for a nameless param. */
static long count_params(const struct fastio_param *params, size_t n)
{
    long count = 0;
    for (size_t i = 0; i < n; i++) {
        if (params[i].name == NULL || params[i].name[0] == '\0')
            return -1;
        if (params[i].value != NULL)
            count++;
    }
    return count;
}

/* x-www-form-urlencoded "a=1&b=2" through the one encoder of src/common (api §1.2); used for
 * both query strings and form bodies. */
static enum fastio_status encode_form(struct fio_buf *out, const struct fastio_param *params,
                                      size_t n)
{
    struct fio_form f;
    bool ok = true;
    fio_form_init(&f);
    for (size_t i = 0; i < n && ok; i++) {
        if (params[i].value != NULL)
            ok = fio_form_add(&f, params[i].name, params[i].value);
    }
    ok = ok && fio_form_encode(out, &f);
    fio_form_release(&f);
    return ok ? FASTIO_OK : FASTIO_NOMEM;
}

/* A JSON object body whose members are the params as strings; "{}" when there are none
 * (api §1.2: bodiless POSTs such as archive are sent as {}). Built with jansson, not printf. */
static enum fastio_status encode_json(struct fio_buf *out, const struct fastio_param *params,
                                      size_t n, struct fastio_error *err)
{
    json_t *obj = json_object();
    char *text;
    bool ok;

    if (obj == NULL)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        json_t *s;
        if (params[i].value == NULL)
            continue;
        /* jansson refuses text that is not UTF-8 and fails on memory alike: check the text
         * first, so that a failure below can only be memory (the torture test relies on it). */
        if (!fio_utf8_valid(params[i].name, strlen(params[i].name))) {
            json_decref(obj);
            return fio_error_set(err, FASTIO_INVALID, "parameter name is not valid UTF-8");
        }
        if (!fio_utf8_valid(params[i].value, strlen(params[i].value))) {
            json_decref(obj);
            return fio_error_set(err, FASTIO_INVALID, "parameter is not valid UTF-8");
        }
        s = json_string(params[i].value);
        if (s == NULL || json_object_set_new(obj, params[i].name, s) != 0) {
            json_decref(obj);
            goto nomem;
        }
    }
    text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (text == NULL)
        goto nomem;
    ok = fio_buf_append_str(out, text);
    free(text);
    if (ok)
        return FASTIO_OK;
nomem:
    return fio_error_set(err, FASTIO_NOMEM, "out of memory");
}

/* base URL + path template with each "{}" replaced by its percent-encoded argument. ',' stays
 * literal because bulk routes take "id1,id2" (api §4.2). */
static enum fastio_status build_url(const char *base_url, struct fio_request *rq,
                                    const char *const *args, size_t n_args,
                                    struct fastio_error *err)
{
    const char *tpl = rq->row->path;
    size_t next = 0;
    bool ok = fio_buf_append_str(&rq->url, base_url);

    rq->path_off = rq->url.len;
    while (ok && *tpl != '\0') {
        const char *ph = strstr(tpl, "{}");
        size_t lit = ph != NULL ? (size_t)(ph - tpl) : strlen(tpl);
        ok = fio_buf_append(&rq->url, tpl, lit);
        if (ph == NULL)
            break;
        if (next >= n_args)
            abort(); /* build_request checked the count against the row */
        if (ok) {
            const char *a = args[next++];
            ok = fio_url_escape(&rq->url, a, strlen(a), false, ",");
        }
        tpl = ph + 2;
    }
    rq->path_len = rq->url.len - rq->path_off;
    if (!ok) {
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    return FASTIO_OK;
}

enum fastio_status fio_request_build(struct fio_request *rq, enum fastio_endpoint ep,
                                     const char *base_url, const char *token,
                                     const char *const *path_args, size_t n_path_args,
                                     const struct fastio_param *params, size_t n_params,
                                     const struct fio_call_opts *opts, struct fastio_error *err)
{
    const struct fastio_endpoint_info *row = fastio_endpoint_get(ep);
    long n_sent = count_params(params, params != NULL ? n_params : 0);
    enum fastio_status st;
    bool ok = true;

    if (row == NULL) {
        return fio_error_set(err, FASTIO_INVALID, "unknown endpoint");
    }
    rq->row = row;
    if (params == NULL)
        n_params = 0;
    if (n_sent < 0) {
        return fio_error_set(err, FASTIO_INVALID, "parameter without a name");
    }
    if (n_path_args != row->path_args || (n_path_args > 0 && path_args == NULL)) {
        return fio_error_set(err, FASTIO_INVALID,
                             "wrong number of path arguments for this endpoint");
    }
    for (size_t i = 0; i < n_path_args; i++) {
        const char *a = path_args[i];
        /* "" would produce "//"; "." and ".." would be squashed by URL normalisation and
         * address a different route. */
        if (a == NULL || a[0] == '\0' || strcmp(a, ".") == 0 || strcmp(a, "..") == 0) {
            return fio_error_set(err, FASTIO_INVALID, "empty or invalid path argument");
        }
    }
    if (row->params == FASTIO_PARAMS_NONE && n_sent > 0) {
        return fio_error_set(err, FASTIO_INVALID, "this endpoint takes no parameters");
    }

    st = build_url(base_url, rq, path_args, n_path_args, err);
    if (st != FASTIO_OK)
        return st;

    /* api §1.2: how parameters travel is a property of the row. */
    switch (row->params) {
    case FASTIO_PARAMS_QUERY:
        if (n_sent > 0) {
            if (!fio_buf_append(&rq->url, "?", 1)) {
                return fio_error_set(err, FASTIO_NOMEM, "out of memory");
            }
            st = encode_form(&rq->url, params, n_params);
            if (st != FASTIO_OK) {
                return fio_error_set(err, st, "out of memory");
            }
        }
        break;
    case FASTIO_PARAMS_FORM:
        rq->has_body = true;
        st = encode_form(&rq->body, params, n_params);
        if (st != FASTIO_OK) {
            return fio_error_set(err, st, "out of memory");
        }
        ok = add_header(rq, "Content-Type: application/x-www-form-urlencoded");
        break;
    case FASTIO_PARAMS_JSON:
        rq->has_body = true;
        st = encode_json(&rq->body, params, n_params, err);
        if (st != FASTIO_OK)
            return st;
        ok = add_header(rq, "Content-Type: application/json");
        break;
    case FASTIO_PARAMS_NONE:
        break;
    }

    ok = ok && add_header(rq, "Accept: application/json");
    /* No "Expect: 100-continue" round trip: bodies here are small forms. */
    ok = ok && add_header(rq, "Expect:");
    if (ok && !rq->has_body)
        ok = add_header(rq, "Content-Type:"); /* curl would add a form type to empty POSTs */

    if (ok && row->auth == FASTIO_AUTH_BEARER && token != NULL) {
        struct fio_buf line;
        fio_buf_init(&line, 0);
        ok = fio_buf_append_str(&line, "Authorization: Bearer ") &&
             fio_buf_append_str(&line, token) && add_header(rq, line.data);
        if (line.data != NULL)
            explicit_bzero(line.data, line.len);
        fio_buf_release(&line);
    } else if (ok && row->auth == FASTIO_AUTH_BASIC) {
        /* api §2.2: Basic base64(email:password), for this one call only. */
        struct fio_buf cred, line;
        char *b64 = NULL;
        size_t b64_size = 0;
        if (opts == NULL || opts->basic_user == NULL || opts->basic_password == NULL) {
            return fio_error_set(err, FASTIO_INVALID,
                                 "this endpoint needs credentials (fastio_user_signin)");
        }
        fio_buf_init(&cred, 0);
        fio_buf_init(&line, 0);
        ok = fio_buf_append_str(&cred, opts->basic_user) && fio_buf_append(&cred, ":", 1) &&
             fio_buf_append_str(&cred, opts->basic_password);
        if (ok) {
            b64_size = fio_b64_encoded_size(cred.len);
            b64 = malloc(b64_size);
            ok = b64 != NULL;
        }
        if (ok) {
            size_t n = fio_b64_encode(cred.data, cred.len, b64, b64_size);
            ok = fio_buf_append_str(&line, "Authorization: Basic ") &&
                 fio_buf_append(&line, b64, n) && add_header(rq, line.data);
        }
        if (b64 != NULL)
            explicit_bzero(b64, b64_size);
        free(b64);
        if (cred.data != NULL)
            explicit_bzero(cred.data, cred.len);
        if (line.data != NULL)
            explicit_bzero(line.data, line.len);
        fio_buf_release(&cred);
        fio_buf_release(&line);
    }
    if (!ok) {
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    return FASTIO_OK;
}

bool fio_request_add_header(struct fio_request *rq, const char *line)
{
    return add_header(rq, line);
}
