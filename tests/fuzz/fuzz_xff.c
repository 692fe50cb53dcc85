/* SPDX-License-Identifier: MIT */
/* fuzz_xff.c - fuzz target for X-Forwarded-For reading (src/server/http/proxy.h): the header
 * value a client sends through a trusted proxy. Invariants: no crash or out-of-bounds read on
 * any bytes; a client found is a valid IPv4 or IPv6 address in text form. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_addr(const char *s)
{
    unsigned char b[16];
    if (inet_pton(AF_INET, s, b) != 1 && inet_pton(AF_INET6, s, b) != 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    static struct proxy_trust *trust, *none;
    if (!trust)
        trust = proxy_trust_new("10.0.0.0/8,127.0.0.1/32,fd00::/8,::ffff:192.168.0.0/112");
    if (!none)
        none = proxy_trust_new("192.0.2.1/32");
    char out[64];
    if (trust && proxy_client(trust, s, out, sizeof(out)))
        check_addr(out);
    if (none && proxy_client(none, s, out, sizeof(out)))
        check_addr(out);
    free(s);
    return 0;
}
