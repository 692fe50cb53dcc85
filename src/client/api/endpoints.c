/* endpoints.c - the endpoint table of include/fastio/endpoints.h turned into rows the library,
 * the CLI and the MCP tools read, plus lookups by id and by name. The rows are static data;
 * the only computed field (the number of "{}" in a path) is filled once, thread-safely. */
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

/* Not const: path_args is counted from the path at first use. A string literal cannot be
 * inspected in a C11 constant expression, and keeping a hand-written count beside each path
 * would let the two drift. */
static struct fastio_endpoint_info endpoint_rows[FASTIO_EP_COUNT_] = {
#define EP_ROW_(id, m, p, a, r, path, key)                                                         \
    {#id, EP_METHOD_(m), EP_PARAMS_(p), EP_AUTH_(a), EP_RETRY_(r), path, key, 0},
    FASTIO_ENDPOINT_LIST(EP_ROW_)
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

static void rows_init(void)
{
    for (size_t i = 0; i < FASTIO_EP_COUNT_; i++)
        endpoint_rows[i].path_args = count_placeholders(endpoint_rows[i].path);
}

FASTIO_API const struct fastio_endpoint_info *fastio_endpoint_get(enum fastio_endpoint ep)
{
    /* Compare as an unsigned value so that a negative enum (a cast int) is out of range too. */
    if ((unsigned)ep >= (unsigned)FASTIO_EP_COUNT_)
        return NULL;
    if (pthread_once(&rows_once, rows_init) != 0)
        abort(); /* cannot fail with a valid once-control; a broken invariant if it does */
    return &endpoint_rows[ep];
}

FASTIO_API int fastio_endpoint_find(const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < FASTIO_EP_COUNT_; i++) {
        /* The name column is static, so reading it needs no initialisation. */
        if (strcasecmp(endpoint_rows[i].name, name) == 0)
            return (int)i;
    }
    return -1;
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
