/* SPDX-License-Identifier: MIT */
/* import_addr.h - the address rules of URL import (docs/server.md "URL import", D-076): which
 * peer addresses a server-side fetch may connect to, as pure functions (no I/O) so that they can
 * be unit-tested and fuzzed. A fetch resolves its host once, checks every address here, and pins
 * the connection to the address it checked (import.c). */
#ifndef SRV_IMPORT_ADDR_H
#define SRV_IMPORT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define IMP_ALLOW_MAX 32 /* --import-allow ranges */

/* An address as 16 bytes: IPv4 is held as its IPv4-mapped IPv6 form ::ffff:a.b.c.d, so one
 * comparison covers both families (and a mapped literal cannot dodge a v4 rule). */
struct imp_addr {
    uint8_t b[16];
};

/* A range: the first `bits` bits of addr (IPv4 ranges are stored mapped: bits + 96). */
struct imp_cidr {
    struct imp_addr addr;
    int bits; /* 0..128 */
};

/* Why an address is refused; IMP_PUBLIC = allowed by default. */
enum imp_addr_class {
    IMP_PUBLIC = 0,
    IMP_LOOPBACK,    /* 127/8, ::1 */
    IMP_PRIVATE,     /* 10/8, 172.16/12, 192.168/16, fc00::/7 */
    IMP_LINK_LOCAL,  /* 169.254/16 (cloud metadata 169.254.169.254), fe80::/10 */
    IMP_CGNAT,       /* 100.64/10 */
    IMP_MULTICAST,   /* 224/4, ff00::/8 */
    IMP_UNSPECIFIED, /* 0/8, :: */
    IMP_BROADCAST,   /* 255.255.255.255 */
    IMP_RESERVED,    /* 240/4, 192.0.0/24, 192.0.2/24, 198.18/15, 198.51.100/24, 203.0.113/24,
                      * 2001:db8::/32, 100::/64, 2001::/23 (IETF protocol assignments) */
};

/* Short English words for a class ("loopback"). Static. */
const char *imp_addr_class_str(enum imp_addr_class c);

/* From a socket address (AF_INET or AF_INET6): false for any other family or a short length. */
bool imp_addr_from_sockaddr(const struct sockaddr *sa, size_t len, struct imp_addr *out);

/* The class of a. IPv6 forms that carry an IPv4 address are judged by that address:
 * IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96 and 6to4
 * 2002:AABB:CCDD::/16. */
enum imp_addr_class imp_addr_classify(const struct imp_addr *a);

/* One range "a.b.c.d/n", "x::y/n" or a bare address (= /32 or /128): true and *out, or false.
 * Strict: dotted-quad decimal IPv4 only, n in range, nothing trailing. */
bool imp_cidr_parse(const char *s, size_t n, struct imp_cidr *out);
/* A comma-separated list into out[max]: true and *count, or false (also when more than max). */
bool imp_cidr_list_parse(const char *s, struct imp_cidr *out, size_t max, size_t *count);
bool imp_cidr_contains(const struct imp_cidr *c, const struct imp_addr *a);

/* The decision: true when a may be connected to (public, or inside one of the allow ranges);
 * false with *why set to the refused class. */
bool imp_addr_allowed(const struct imp_addr *a, const struct imp_cidr *allow, size_t nallow,
                      enum imp_addr_class *why);

/* a as text (inet_ntop; IPv4-mapped shown as a.b.c.d) into out (>= 46 bytes). */
void imp_addr_str(const struct imp_addr *a, char *out, size_t size);

#endif
