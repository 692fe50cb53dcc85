/* SPDX-License-Identifier: MIT */
/* proxy.c - trusted proxies, X-Forwarded-For and the per-address connection limit (proxy.h,
 * D-118). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import_addr.h"
#include "proxy.h"

struct proxy_trust {
    struct imp_cidr cidr[IMP_ALLOW_MAX];
    size_t n;
};

struct proxy_trust *proxy_trust_new(const char *cidrs)
{
    struct proxy_trust *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (!imp_cidr_list_parse(cidrs, t->cidr, IMP_ALLOW_MAX, &t->n)) {
        free(t);
        return NULL;
    }
    return t;
}

void proxy_trust_free(struct proxy_trust *t)
{
    free(t);
}

static bool trusted_addr(const struct proxy_trust *t, const struct imp_addr *a)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (imp_cidr_contains(&t->cidr[i], a))
            return true;
    return false;
}

static bool sa_addr(const struct sockaddr *sa, struct imp_addr *a)
{
    if (!sa)
        return false;
    size_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    return imp_addr_from_sockaddr(sa, len, a);
}

bool proxy_trusted(const struct proxy_trust *t, const struct sockaddr *sa)
{
    struct imp_addr a;
    return t && sa_addr(sa, &a) && trusted_addr(t, &a);
}

/* One X-Forwarded-For element [p, e): "a.b.c.d", "a.b.c.d:port", "x::y", "[x::y]",
 * "[x::y]:port", surrounded by blanks. */
static bool parse_element(const char *p, const char *e, struct imp_addr *a)
{
    size_t n = (size_t)(e - p);
    while (n && (p[0] == ' ' || p[0] == '\t')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    char buf[64];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, p, n);
    buf[n] = 0;
    char *s = buf;
    if (*s == '[') {
        char *rb = strchr(s, ']');
        if (!rb || (rb[1] && rb[1] != ':'))
            return false;
        *rb = 0;
        s++;
    } else if (strchr(s, '.') && strchr(s, ':')) {
        *strchr(s, ':') = 0; /* IPv4 with a port */
    }
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, s, &v4) == 1) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = v4};
        return imp_addr_from_sockaddr((const struct sockaddr *)&sin, sizeof(sin), a);
    }
    if (inet_pton(AF_INET6, s, &v6) == 1) {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_addr = v6};
        return imp_addr_from_sockaddr((const struct sockaddr *)&sin6, sizeof(sin6), a);
    }
    return false;
}

bool proxy_client(const struct proxy_trust *t, const char *xff, char *out, size_t size)
{
    if (!xff)
        return false;
    const char *end = xff + strlen(xff);
    struct imp_addr last; /* the address right of the current element */
    bool have = false;
    for (int i = 0; i < PROXY_XFF_MAX && end > xff; i++) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        struct imp_addr a;
        bool empty = true;
        for (const char *q = start; q < end; q++)
            if (*q != ' ' && *q != '\t')
                empty = false;
        if (!empty) {
            if (!parse_element(start, end, &a))
                break; /* garbage: the hop right of it is the client */
            last = a;
            have = true;
            if (!trusted_addr(t, &a))
                break;
        }
        end = start > xff ? start - 1 : xff;
        if (start == xff)
            break;
    }
    if (!have)
        return false;
    if (size < 46)
        return false;
    imp_addr_str(&last, out, size);
    return true;
}

/* ---- per-address connection counts ----------------------------------------------------------- */

#define IPL_BUCKETS 4096

struct ipl_node {
    struct imp_addr a;
    unsigned count;
    struct ipl_node *next;
};

struct ip_limit {
    pthread_mutex_t mu;
    unsigned per_ip;
    const struct proxy_trust *t;
    struct ipl_node *b[IPL_BUCKETS];
};

struct ip_limit *ip_limit_new(unsigned per_ip, const struct proxy_trust *t)
{
    struct ip_limit *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    l->per_ip = per_ip;
    l->t = t;
    return l;
}

void ip_limit_free(struct ip_limit *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < IPL_BUCKETS; i++)
        for (struct ipl_node *n = l->b[i], *nx; n; n = nx) {
            nx = n->next;
            free(n);
        }
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static size_t ipl_hash(const struct imp_addr *a)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < sizeof(a->b); i++)
        h = (h ^ a->b[i]) * 16777619u;
    return h % IPL_BUCKETS;
}

bool ip_limit_open(struct ip_limit *l, const struct sockaddr *sa)
{
    struct imp_addr a;
    if (!l || !sa_addr(sa, &a) || trusted_addr(l->t, &a))
        return true;
    pthread_mutex_lock(&l->mu);
    struct ipl_node **pp = &l->b[ipl_hash(&a)];
    struct ipl_node *n = *pp;
    while (n && memcmp(&n->a, &a, sizeof(a)) != 0)
        n = n->next;
    if (!n) {
        n = calloc(1, sizeof(*n));
        if (!n) {
            pthread_mutex_unlock(&l->mu);
            return false;
        }
        n->a = a;
        n->next = *pp;
        *pp = n;
    }
    n->count++;
    bool ok = l->per_ip == 0 || n->count <= l->per_ip;
    pthread_mutex_unlock(&l->mu);
    return ok;
}

void ip_limit_close(struct ip_limit *l, const struct sockaddr *sa)
{
    struct imp_addr a;
    if (!l || !sa_addr(sa, &a) || trusted_addr(l->t, &a))
        return;
    pthread_mutex_lock(&l->mu);
    for (struct ipl_node **pp = &l->b[ipl_hash(&a)]; *pp; pp = &(*pp)->next) {
        struct ipl_node *n = *pp;
        if (memcmp(&n->a, &a, sizeof(a)) == 0) {
            if (--n->count == 0) {
                *pp = n->next;
                free(n);
            }
            break;
        }
    }
    pthread_mutex_unlock(&l->mu);
}
