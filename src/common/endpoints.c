/* SPDX-License-Identifier: MIT */
/* endpoints.c - the endpoint table of include/fastio/endpoints.h turned into rows the library,
 * the CLI and the MCP tools read, with their parameters, plus lookups by id and by name. The
 * rows are static data; the computed fields (the number of "{}" in a path, where a BODY
 * parameter travels) are filled once, thread-safely. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fastio/fastio.h"

/* The X-macro gives each column as a bare token; these map the tokens to the enum values. */
#define EP_METHOD_(m) FASTIO_METHOD_##m
#define EP_PARAMS_(p) FASTIO_PARAMS_##p
#define EP_AUTH_(a) FASTIO_AUTH_##a
#define EP_RETRY_(r) FASTIO_RETRY_##r
#define EP_TYPE_(t) FASTIO_PARAM_##t
#define EP_REQ_REQ true
#define EP_REQ_OPT false
/* BODY means "the row's PARAMS way", which the parameter's own macro cannot see: it is marked
 * with a value past the enum and resolved in rows_init(). */
#define EP_IN_BODY_ ((enum fastio_param_in)(FASTIO_PARAM_IN_RAW + 1))
#define EP_IN_PATH FASTIO_PARAM_IN_PATH
#define EP_IN_BODY EP_IN_BODY_
#define EP_IN_QUERY FASTIO_PARAM_IN_QUERY
#define EP_IN_MULTIPART FASTIO_PARAM_IN_MULTIPART
#define EP_IN_RAW FASTIO_PARAM_IN_RAW

#define EP_PARAM_(name, type, req, in, choices, doc)                                               \
    {name, EP_TYPE_(type), EP_IN_##in, EP_REQ_##req, choices, doc},

/* One parameter array per row. Each ends with a zeroed entry that is not counted, so a row
 * without parameters still has a valid (non-empty) array in standard C. Not const: BODY is
 * resolved at first use. */
#define EP_PARAMS_ARRAY_(id, num, m, p, a, r, path, key, doc, params)                              \
    static struct fastio_param_info params_##id[] = {params{NULL, FASTIO_PARAM_STRING,           \
                                                             FASTIO_PARAM_IN_PATH, false, NULL,    \
                                                             NULL}};
FASTIO_ENDPOINT_LIST(EP_PARAMS_ARRAY_, EP_PARAM_)
#undef EP_PARAMS_ARRAY_

/* Not const: path_args is counted from the path at first use. A string literal cannot be
 * inspected in a C11 constant expression, and keeping a hand-written count beside each path
 * would let the two drift. Indexed by id: an id given twice is a compile error
 * (-Woverride-init, part of -Wextra, is an error here), an id nobody uses stays zeroed (a gap). */
static struct fastio_endpoint_info endpoint_rows[FASTIO_EP_COUNT_] = {
#define EP_ROW_(id, num, m, p, a, r, path, key, doc, params)                                       \
    [num] = {#id,                                                                                  \
             EP_METHOD_(m),                                                                        \
             EP_PARAMS_(p),                                                                        \
             EP_AUTH_(a),                                                                          \
             EP_RETRY_(r),                                                                         \
             path,                                                                                 \
             key,                                                                                  \
             0,                                                                                    \
             doc,                                                                                  \
             params_##id,                                                                          \
             sizeof(params_##id) / sizeof(params_##id[0]) - 1},
    FASTIO_ENDPOINT_LIST(EP_ROW_, EP_PARAM_)
#undef EP_ROW_
};

static pthread_once_t rows_once = PTHREAD_ONCE_INIT;

static unsigned count_placeholders(const char *path)
{
    unsigned n = 0;
    for (const char *p = strstr(path, "{}"); p != NULL; p = strstr(p + 2, "{}"))
        n++;
    return n;
}

static enum fastio_param_in body_in(enum fastio_params_kind k)
{
    switch (k) {
    case FASTIO_PARAMS_FORM:
        return FASTIO_PARAM_IN_FORM;
    case FASTIO_PARAMS_JSON:
        return FASTIO_PARAM_IN_JSON;
    case FASTIO_PARAMS_QUERY:
    case FASTIO_PARAMS_NONE:
        break;
    }
    return FASTIO_PARAM_IN_QUERY; /* a row without a body sends its parameters in the query */
}

static void rows_init(void)
{
    for (size_t i = 0; i < FASTIO_EP_COUNT_; i++) {
        struct fastio_endpoint_info *row = &endpoint_rows[i];
        if (row->name == NULL)
            continue; /* a gap left by a removed row */
        row->path_args = count_placeholders(row->path);
        /* The array is static storage owned by this row only (one array per row). */
        struct fastio_param_info *p = (struct fastio_param_info *)row->param_info;
        for (size_t k = 0; k < row->n_params; k++) {
            if (p[k].in == EP_IN_BODY_)
                p[k].in = body_in(row->params);
        }
    }
}

static void rows_ready(void)
{
    if (pthread_once(&rows_once, rows_init) != 0)
        abort(); /* cannot fail with a valid once-control; a broken invariant if it does */
}

FASTIO_API const struct fastio_endpoint_info *fastio_endpoint_get(enum fastio_endpoint ep)
{
    /* Compare as an unsigned value so that a negative enum (a cast int) is out of range too. */
    if ((unsigned)ep >= (unsigned)FASTIO_EP_COUNT_ || endpoint_rows[ep].name == NULL)
        return NULL;
    rows_ready();
    return &endpoint_rows[ep];
}

FASTIO_API int fastio_endpoint_find(const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < FASTIO_EP_COUNT_; i++) {
        /* The name column is static, so reading it needs no initialisation. */
        if (endpoint_rows[i].name != NULL && strcasecmp(endpoint_rows[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

FASTIO_API const struct fastio_param_info *
fastio_endpoint_param(const struct fastio_endpoint_info *info, const char *name)
{
    if (info == NULL || name == NULL)
        return NULL;
    rows_ready();
    for (size_t k = 0; k < info->n_params; k++) {
        const struct fastio_param_info *p = &info->param_info[k];
        if (p->in != FASTIO_PARAM_IN_PATH && strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

FASTIO_API const struct fastio_param_info *
fastio_endpoint_path_param(const struct fastio_endpoint_info *info, unsigned k)
{
    if (info == NULL)
        return NULL;
    rows_ready();
    for (size_t i = 0; i < info->n_params; i++) {
        if (info->param_info[i].in != FASTIO_PARAM_IN_PATH)
            continue;
        if (k == 0)
            return &info->param_info[i];
        k--;
    }
    return NULL;
}

FASTIO_API const char *fastio_param_type_name(enum fastio_param_type t)
{
    switch (t) {
    case FASTIO_PARAM_STRING:
        return "string";
    case FASTIO_PARAM_INT:
        return "int";
    case FASTIO_PARAM_BOOL:
        return "bool";
    case FASTIO_PARAM_ENUM:
        return "enum";
    case FASTIO_PARAM_ID:
        return "id";
    case FASTIO_PARAM_JSON:
        return "json";
    case FASTIO_PARAM_NAME:
        return "name";
    case FASTIO_PARAM_DATETIME:
        return "datetime";
    }
    return "unknown";
}

FASTIO_API const char *fastio_param_in_name(enum fastio_param_in in)
{
    switch (in) {
    case FASTIO_PARAM_IN_PATH:
        return "path";
    case FASTIO_PARAM_IN_QUERY:
        return "query";
    case FASTIO_PARAM_IN_FORM:
        return "form";
    case FASTIO_PARAM_IN_JSON:
        return "json";
    case FASTIO_PARAM_IN_MULTIPART:
        return "multipart";
    case FASTIO_PARAM_IN_RAW:
        return "raw";
    }
    return "unknown";
}

FASTIO_API const char *fastio_method_name(enum fastio_method m)
{
    switch (m) {
    case FASTIO_METHOD_GET:
        return "GET";
    case FASTIO_METHOD_POST:
        return "POST";
    case FASTIO_METHOD_PUT:
        return "PUT";
    case FASTIO_METHOD_PATCH:
        return "PATCH";
    case FASTIO_METHOD_DELETE:
        return "DELETE";
    }
    return "UNKNOWN";
}
