/* SPDX-License-Identifier: MIT */
/* fuzz_envelope.c - fuzz target for the response envelope decoder (api §1.3): any bytes, decoded
 * as if received with several HTTP statuses, must give a consistent status and error detail, a
 * clean message, and an output that is an object or NULL - never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *m)
{
    size_t n = strnlen(m, sizeof(((struct fastio_error *)0)->message));
    if (n >= sizeof(((struct fastio_error *)0)->message))
        abort(); /* not NUL-terminated */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c < 0x20 || c == 0x7f)
            abort(); /* control characters must be gone */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 204, 302, 400, 401, 404, 429, 502};
    const char *body = (const char *)data;

    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        struct fastio_error err;
        json_t *out = NULL;
        enum fastio_status st = fio_envelope_decode(body, size, statuses[i], &out, &err);

        if (st != err.status)
            abort();
        if (out != NULL && !json_is_object(out))
            abort();
        if (st == FASTIO_OK) {
            if (out == NULL || statuses[i] < 200 || statuses[i] > 299 || err.http_status != 0)
                abort();
            /* the envelope's bookkeeping is gone */
            if (json_object_get(out, "result") != NULL ||
                json_object_get(out, "current_api_version") != NULL)
                abort();
        } else {
            if (err.http_status != statuses[i] || err.message[0] == '\0')
                abort();
            if (err.retryable != (st == FASTIO_RATE_LIMITED || statuses[i] == 502))
                abort();
        }
        check_message(err.message);
        /* the decoded value must be usable: serialise it */
        if (out != NULL) {
            char *text = json_dumps(out, JSON_COMPACT);
            if (text == NULL)
                abort();
            free(text);
        }
        json_decref(out);

        /* NULL outputs must be accepted too */
        if (fio_envelope_decode(body, size, statuses[i], NULL, NULL) != st)
            abort();
    }
    return 0;
}
