/* SPDX-License-Identifier: MIT */
/* store_backend.c - the backend-neutral entry points of store_backend.h: each forwards to the
 * table of the instance (struct store, store_impl.h), so callers never name a backend. */
#include "store_impl.h"

struct store *store_open(const struct store_backend_ops *b, const char *where, unsigned size,
                         char *errbuf, size_t errlen)
{
    return b->open(where, size, errbuf, errlen);
}

void store_close(struct store *st)
{
    if (st)
        st->ops->close(st);
}

struct store_conn *store_acquire(struct store *st)
{
    return st->ops->acquire(st);
}

void store_release(struct store *st, struct store_conn *c)
{
    if (c)
        st->ops->release(st, c);
}

enum store_rc store_health(struct store *st, struct store_conn *c, json_t **out)
{
    return st->ops->health(st, c, out);
}
