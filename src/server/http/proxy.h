/* SPDX-License-Identifier: MIT */
/* proxy.h - running behind reverse proxies (docs/server.md "Behind a reverse proxy", D-118):
 * which peers are trusted proxies (--trusted-proxy), the client address a request from one of
 * them stands for (X-Forwarded-For, rightmost address that is not a trusted proxy), and the
 * per-address connection limit that does not count trusted proxies. */
#ifndef SRV_HTTP_PROXY_H
#define SRV_HTTP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct proxy_trust;

/* From the --trusted-proxy text (a CIDR list, already validated by options.c); NULL on OOM or a
 * bad list. */
struct proxy_trust *proxy_trust_new(const char *cidrs);
void proxy_trust_free(struct proxy_trust *t);

/* Whether the socket address sa is a trusted proxy (false when t is NULL). */
bool proxy_trusted(const struct proxy_trust *t, const struct sockaddr *sa);

/* The client of a request that came from a trusted proxy, given its X-Forwarded-For field
 * values joined by commas in the order received: walking from the right, the first address that
 * is not itself a trusted proxy; when every address is trusted, the leftmost; an element that
 * is not an address (e.g. "unknown") stops the walk and the address right of it is the client.
 * Writes the address as text into out (>= 46 bytes) and returns true; false (out untouched)
 * when no element to the right of any garbage is an address. At most PROXY_XFF_MAX elements
 * are looked at (from the right). */
#define PROXY_XFF_MAX 64
bool proxy_client(const struct proxy_trust *t, const char *xff, char *out, size_t size);

/* The per-address connection limit (--max-connections-per-ip) when trusted proxies are set:
 * libmicrohttpd's own limit would count the proxy as one client. Connections from trusted
 * proxies are not counted. */
struct ip_limit;
struct ip_limit *ip_limit_new(unsigned per_ip, const struct proxy_trust *t); /* NULL on OOM */
void ip_limit_free(struct ip_limit *l);
/* A connection from sa opened: false when it is over the limit (it is counted all the same;
 * the caller closes it, and ip_limit_close follows). */
bool ip_limit_open(struct ip_limit *l, const struct sockaddr *sa);
void ip_limit_close(struct ip_limit *l, const struct sockaddr *sa);

#endif
