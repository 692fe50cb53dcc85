/* SPDX-License-Identifier: MIT */
/* it_resilience.h - what the libfastio resilience suites (test_resilience.c,
 * test_resilience_refresh.c) share: a small scripted HTTP server inside the test (a thread on
 * 127.0.0.1:0 answering each request from a script: replies, stalls, resets), clients pointed at
 * it with captured logs, and setup / teardown for IT_MAIN (global init only). Include after
 * <cmocka.h>. */
#ifndef IT_RESILIENCE_H
#define IT_RESILIENCE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "timeutil.h"

/* ---- the scripted server ------------------------------------------------------------------- */

enum act { ACT_REPLY, ACT_STALL, ACT_RESET };

struct step {
    enum act act;
    int status;
    const char *headers; /* extra header lines, each ending in \r\n; "%EXP+N%" = epoch now+N */
    const char *body;
};

#define MAX_REQS 64
struct script {
    const struct step *steps; /* request i uses steps[min(i, n-1)] unless pick is set */
    size_t n;
    const struct step *(*pick)(unsigned i); /* optional: the step of request i */
    const struct step *(*route)(const char *req); /* optional: the step for this request */
    int fd;
    int port;
    pthread_t th;
    atomic_bool stop;
    atomic_uint count;
    char reqs[MAX_REQS][2048]; /* the head and body of each request, cut */
};

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Read one request (head + Content-Length body) into buf; false on EOF/error. */
static inline bool read_request(int fd, char *buf, size_t size)
{
    size_t len = 0;
    char *end = NULL;
    long clen = 0;
    while (end == NULL) {
        ssize_t r;
        if (len + 1 >= size)
            return false;
        r = recv(fd, buf + len, size - 1 - len, 0);
        if (r <= 0)
            return false;
        len += (size_t)r;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    for (char *p = buf; p < end; p++) {
        if (strncasecmp(p, "\r\nContent-Length:", 17) == 0)
            clen = strtol(p + 17, NULL, 10);
    }
    while ((size_t)(end + 4 - buf) + (size_t)clen > len && len + 1 < size) {
        ssize_t r = recv(fd, buf + len, size - 1 - len, 0);
        if (r <= 0)
            return false;
        len += (size_t)r;
        buf[len] = '\0';
    }
    return true;
}

static inline void reply(int fd, const struct step *s)
{
    char head[1024], extra[512] = "";
    const char *h = s->headers != NULL ? s->headers : "";
    const char *mark = strstr(h, "%EXP+");
    const char *body = s->body != NULL ? s->body : "{\"result\":true}";
    if (mark != NULL) {
        long add = strtol(mark + 5, NULL, 10);
        (void)snprintf(extra, sizeof(extra), "%.*s%lld%s", (int)(mark - h), h,
                       (long long)(fio_wall_us() / 1000000 + add), strchr(mark + 5, '%') + 1);
        h = extra;
    }
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s\r\n",
                     s->status, strlen(body), h);
    (void)!send(fd, head, (size_t)n, MSG_NOSIGNAL);
    (void)!send(fd, body, strlen(body), MSG_NOSIGNAL);
}

static inline void *serve(void *p)
{
    struct script *sc = p;
    while (!atomic_load(&sc->stop)) {
        struct pollfd pfd = {sc->fd, POLLIN, 0};
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        int cfd = accept(sc->fd, NULL, NULL);
        if (cfd < 0)
            continue;
        char buf[8192];
        if (!read_request(cfd, buf, sizeof(buf))) {
            close(cfd);
            continue;
        }
        unsigned i = atomic_fetch_add(&sc->count, 1);
        if (i < MAX_REQS) {
            size_t k = strlen(buf);
            if (k >= sizeof(sc->reqs[i]))
                k = sizeof(sc->reqs[i]) - 1;
            memcpy(sc->reqs[i], buf, k);
            sc->reqs[i][k] = '\0';
        }
        const struct step *s = sc->route != NULL  ? sc->route(buf)
                               : sc->pick != NULL ? sc->pick(i)
                                                  : &sc->steps[i < sc->n ? i : sc->n - 1];
        if (s->act == ACT_STALL) {
            /* hold the connection open without answering until the test ends */
            for (int k = 0; k < 1000 && !atomic_load(&sc->stop); k++) {
                struct pollfd cp = {cfd, POLLIN, 0};
                if (poll(&cp, 1, 10) > 0) {
                    char tmp[64];
                    if (recv(cfd, tmp, sizeof(tmp), 0) <= 0)
                        break; /* the client hung up */
                }
            }
        } else if (s->act == ACT_RESET) {
            struct linger lg = {1, 0}; /* close with RST */
            (void)setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        } else {
            reply(cfd, s);
        }
        close(cfd);
    }
    return NULL;
}

static inline void script_start(struct script *sc, const struct step *steps, size_t n)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    memset(sc, 0, sizeof(*sc));
    sc->steps = steps;
    sc->n = n;
    atomic_init(&sc->stop, false);
    atomic_init(&sc->count, 0);
    sc->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(sc->fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(sc->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(sc->fd, 16), 0);
    assert_int_equal(getsockname(sc->fd, (struct sockaddr *)&a, &al), 0);
    sc->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&sc->th, NULL, serve, sc), 0);
}

static inline void script_stop(struct script *sc)
{
    atomic_store(&sc->stop, true);
    assert_int_equal(pthread_join(sc->th, NULL), 0);
    close(sc->fd);
}

/* ---- clients and captured logs ------------------------------------------------------------- */

struct logcap {
    char *lines[MAX_REQS];
    size_t n;
};

static inline void capture(void *ud, const char *line)
{
    struct logcap *lc = ud;
    if (lc->n < MAX_REQS)
        lc->lines[lc->n++] = strdup(line);
}

static inline void logcap_free(struct logcap *lc)
{
    for (size_t i = 0; i < lc->n; i++)
        free(lc->lines[i]);
    lc->n = 0;
}

static inline struct fastio_client *client_for(const struct script *sc, int port, const char *token,
                                        struct logcap *lc, long base_ms)
{
    char base[64];
    struct fastio_config cfg;
    struct fastio_error err;
    (void)snprintf(base, sizeof(base), "http://127.0.0.1:%d/current", sc != NULL ? sc->port : port);
    fastio_config_init(&cfg);
    cfg.base_url = base;
    cfg.token = token;
    cfg.timeout_ms = 20000;
    cfg.backoff_base_ms = base_ms;
    cfg.max_retries = 6;
    if (lc != NULL) {
        cfg.log = capture;
        cfg.log_userdata = lc;
    }
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

/* Not on it_fixture, on purpose: these suites start no fastio-server. Each case scripts its own
 * peer (script_start) to answer byte for byte what the real server never sends on demand (a 429
 * with x-ve-limit-expires at a chosen epoch, a reset after the head, a 401 on the Nth request),
 * so the only program-wide state is libfastio's global init. */
static inline int setup(void **state)
{
    (void)state;
    return fastio_global_init() == FASTIO_OK ? 0 : -1;
}

static inline int teardown(void **state)
{
    (void)state;
    fastio_global_cleanup();
    return 0;
}

#endif
