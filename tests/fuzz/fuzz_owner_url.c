/* SPDX-License-Identifier: MIT */
/* fuzz_owner_url.c - fuzz target for the owner.url check (D-089): which base URL the local
 * owner key may go to. Input: a base URL, a NUL, then owner.url's bytes. Never a crash; a port
 * is -1 or 1..65535; a match needs a loopback http:// base with a valid port, and matching is
 * symmetric between two well-formed loopback URLs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credentials_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul)
        return 0;
    char *base = malloc((size_t)(nul - data) + 1);
    if (!base)
        return 0;
    memcpy(base, data, (size_t)(nul - data));
    base[nul - data] = '\0';
    const char *url = (const char *)nul + 1;
    size_t url_len = size - (size_t)(nul - data) - 1;

    long port = fio_cred_base_port(base);
    if (port != -1 && (port < 1 || port > 65535))
        abort();
    if (strncmp(base, "http://", 7) != 0 && port != -1)
        abort();
    bool m = fio_cred_owner_url_matches(url, url_len, base);
    if (m && port < 1)
        abort();
    /* symmetric for a URL without NULs or surrounding whitespace */
    if (m && url_len && memchr(url, 0, url_len) == NULL && url[0] > ' ' &&
        url[url_len - 1] > ' ' && strncmp(url, "http://0.0.0.0:", 15) != 0 &&
        strncmp(url, "http://[::]:", 12) != 0) {
        char *u = malloc(url_len + 1);
        if (u) {
            memcpy(u, url, url_len);
            u[url_len] = '\0';
            if (!fio_cred_owner_url_matches(base, strlen(base), u))
                abort();
            free(u);
        }
    }
    free(base);
    return 0;
}
