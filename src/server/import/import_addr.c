/* SPDX-License-Identifier: MIT */
/* import_addr.c - the address rules of URL import (import_addr.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "import_addr.h"

const char *imp_addr_class_str(enum imp_addr_class c)
{
    switch (c) {
    case IMP_PUBLIC:
        return "public";
    case IMP_LOOPBACK:
        return "loopback";
    case IMP_PRIVATE:
        return "private";
    case IMP_LINK_LOCAL:
        return "link-local (incl. cloud metadata)";
    case IMP_CGNAT:
        return "carrier-grade NAT";
    case IMP_MULTICAST:
        return "multicast";
    case IMP_UNSPECIFIED:
        return "unspecified";
    case IMP_BROADCAST:
        return "broadcast";
    case IMP_RESERVED:
        return "reserved";
    }
    return "unknown";
}

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool imp_addr_from_sockaddr(const struct sockaddr *sa, size_t len, struct imp_addr *out)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof(in));
        memcpy(out->b, mapped_prefix, 12);
        memcpy(out->b + 12, &in.sin_addr.s_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof(in6));
        memcpy(out->b, in6.sin6_addr.s6_addr, 16);
        return true;
    }
    return false;
}

/* An IPv4 address in network order bytes v[4]. */
static enum imp_addr_class classify4(const uint8_t v[4])
{
    uint8_t a = v[0], b = v[1], c = v[2];
    if (a == 127)
        return IMP_LOOPBACK;
    if (a == 0)
        return IMP_UNSPECIFIED; /* 0/8: "this network", 0.0.0.0 included */
    if (a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168))
        return IMP_PRIVATE;
    if (a == 169 && b == 254)
        return IMP_LINK_LOCAL;
    if (a == 100 && (b & 0xc0) == 64)
        return IMP_CGNAT;
    if ((a & 0xf0) == 224)
        return IMP_MULTICAST;
    if (a == 255 && b == 255 && c == 255 && v[3] == 255)
        return IMP_BROADCAST;
    if ((a & 0xf0) == 240)
        return IMP_RESERVED;
    if ((a == 192 && b == 0 && (c == 0 || c == 2)) || (a == 198 && (b & 0xfe) == 18) ||
        (a == 198 && b == 51 && c == 100) || (a == 203 && b == 0 && c == 113) ||
        (a == 192 && b == 88 && c == 99))
        return IMP_RESERVED;
    return IMP_PUBLIC;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

enum imp_addr_class imp_addr_classify(const struct imp_addr *a)
{
    const uint8_t *b = a->b;
    if (memcmp(b, mapped_prefix, 12) == 0)
        return classify4(b + 12); /* IPv4, or its mapped IPv6 spelling */
    if (all_zero(b, 16))
        return IMP_UNSPECIFIED;
    if (all_zero(b, 15) && b[15] == 1)
        return IMP_LOOPBACK;
    if (all_zero(b, 12))
        return classify4(b + 12) == IMP_PUBLIC ? IMP_RESERVED : classify4(b + 12);
    /* ::a.b.c.d (deprecated IPv4-compatible): never a real destination; a blocked v4 keeps its
     * class, anything else is reserved */
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (memcmp(b, nat64, 12) == 0)
        return classify4(b + 12);
    if (b[0] == 0x20 && b[1] == 0x02) { /* 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD */
        enum imp_addr_class c = classify4(b + 2);
        if (c != IMP_PUBLIC)
            return c;
    }
    if ((b[0] & 0xfe) == 0xfc)
        return IMP_PRIVATE; /* fc00::/7 unique local */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        return IMP_LINK_LOCAL; /* fe80::/10 */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        return IMP_PRIVATE; /* fec0::/10 deprecated site-local */
    if (b[0] == 0xff)
        return IMP_MULTICAST;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        return IMP_RESERVED; /* 2001:db8::/32 documentation */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && (b[3] & 0xfe) == 0)
        return IMP_RESERVED; /* 2001::/23 IETF protocol assignments (Teredo 2001::/32 in it) */
    if (b[0] == 0x01 && b[1] == 0 && all_zero(b + 2, 6))
        return IMP_RESERVED; /* 100::/64 discard-only */
    if ((b[0] & 0xe0) != 0x20)
        return IMP_RESERVED; /* outside 2000::/3, the only global unicast space assigned */
    return IMP_PUBLIC;
}

bool imp_cidr_contains(const struct imp_cidr *c, const struct imp_addr *a)
{
    int full = c->bits / 8, rest = c->bits % 8;
    if (c->bits < 0 || c->bits > 128)
        return false;
    if (memcmp(c->addr.b, a->b, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (c->addr.b[full] & mask) == (a->b[full] & mask);
}

/* Strict dotted quad: four decimal parts 0..255, no leading zeros beyond "0". */
static bool parse4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
            return false;
        out[part] = (uint8_t)v;
    }
    return i == n;
}

bool imp_cidr_parse(const char *s, size_t n, struct imp_cidr *out)
{
    char buf[64];
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (alen == 0 || alen >= sizeof(buf))
        return false;
    memcpy(buf, s, alen);
    buf[alen] = 0;
    memset(out, 0, sizeof(*out));
    int max;
    uint8_t v4[4];
    if (memchr(buf, ':', alen)) {
        if (inet_pton(AF_INET6, buf, out->addr.b) != 1)
            return false;
        max = 128;
    } else {
        if (!parse4(buf, alen, v4))
            return false;
        memcpy(out->addr.b, mapped_prefix, 12);
        memcpy(out->addr.b + 12, v4, 4);
        max = 32;
    }
    int bits = max;
    if (slash) {
        size_t i = alen + 1;
        if (i >= n || n - i > 3)
            return false;
        bits = 0;
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            bits = bits * 10 + (s[i] - '0');
        }
        if (bits > max || (n - alen - 1 > 1 && s[alen + 1] == '0'))
            return false;
    }
    out->bits = max == 32 ? bits + 96 : bits;
    return true;
}

bool imp_cidr_list_parse(const char *s, struct imp_cidr *out, size_t max, size_t *count)
{
    *count = 0;
    if (!s || !*s)
        return false;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (*count >= max || !imp_cidr_parse(p, len, &out[*count]))
            return false;
        (*count)++;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

bool imp_addr_allowed(const struct imp_addr *a, const struct imp_cidr *allow, size_t nallow,
                      enum imp_addr_class *why)
{
    for (size_t i = 0; i < nallow; i++)
        if (imp_cidr_contains(&allow[i], a)) {
            *why = IMP_PUBLIC;
            return true;
        }
    *why = imp_addr_classify(a);
    return *why == IMP_PUBLIC;
}

void imp_addr_str(const struct imp_addr *a, char *out, size_t size)
{
    const char *r;
    if (memcmp(a->b, mapped_prefix, 12) == 0)
        r = inet_ntop(AF_INET, a->b + 12, out, (socklen_t)size);
    else
        r = inet_ntop(AF_INET6, a->b, out, (socklen_t)size);
    if (!r && size)
        snprintf(out, size, "?");
}
