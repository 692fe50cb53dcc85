/* SPDX-License-Identifier: MIT */
/* fuzz_sse.c - fuzz target for the text/event-stream parser of the MCP client (sse.h): the same
 * bytes fed whole and fed in pieces (split at every 7th byte, so CRLF pairs and BOM bytes fall
 * across calls) must give the same events; every event's data stays within the bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BYTES 4096

struct trace {
    uint32_t hash;
    size_t events;
};

static int on_event(void *ud, const struct fio_sse_event *ev)
{
    struct trace *t = ud;
    if (ev->data_len > MAX_BYTES || ev->data[ev->data_len] != '\0' ||
        strlen(ev->type) > FIO_SSE_NAME_MAX || strlen(ev->id) > FIO_SSE_NAME_MAX)
        abort();
    const char *parts[3] = {ev->type, ev->id, ev->data};
    size_t lens[3] = {strlen(ev->type), strlen(ev->id), ev->data_len};
    for (int p = 0; p < 3; p++) {
        for (size_t i = 0; i < lens[p]; i++)
            t->hash = (t->hash ^ (uint8_t)parts[p][i]) * 16777619u;
        t->hash = (t->hash ^ 0xFFu) * 16777619u;
    }
    t->events++;
    return t->events > 100000 ? 1 : 0;
}

static int run(const uint8_t *data, size_t size, size_t step, struct trace *t, long *retry)
{
    struct fio_sse p;
    fio_sse_init(&p, MAX_BYTES);
    int rc = 0;
    for (size_t off = 0; off < size && rc == 0; off += step) {
        size_t n = size - off < step ? size - off : step;
        rc = fio_sse_feed(&p, (const char *)data + off, n, on_event, t);
    }
    fio_sse_end(&p);
    *retry = p.retry_ms;
    fio_sse_release(&p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace whole = {2166136261u, 0}, pieces = {2166136261u, 0};
    long r1, r2;
    int rc1 = run(data, size, size ? size : 1, &whole, &r1);
    int rc2 = run(data, size, 7, &pieces, &r2);
    /* a too-large line may be caught at a different event in pieces only when it also fails
     * whole; success must agree exactly */
    if (rc1 == 0 && rc2 == 0 && (whole.hash != pieces.hash || whole.events != pieces.events ||
                                 r1 != r2))
        abort();
    if ((rc1 == 0) != (rc2 == 0))
        abort();
    return 0;
}
