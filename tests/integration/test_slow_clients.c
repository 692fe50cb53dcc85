/* SPDX-License-Identifier: MIT */
/* test_slow_clients.c - slow clients must not take the server offline (issue 15 item 1;
 * docs/server.md "Limits"): 1,000 connections that send their request headers a byte at a time,
 * from one loopback address (the per-address limit) or spread over 40 (the header deadline and
 * the reserve), while a normal client on 127.0.0.1 keeps getting answers; and a lone slow
 * connection is cut at the header deadline even though it is never idle. The server runs with
 * its defaults (256 connections per address, 10 s for headers, 1,000 connections). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "harness.h"
#include "it_rawsock.h"

static struct it_fixture fx;

#define SLOW_CONNS 1000
#define NORMAL_TIMEOUT_MS 15000 /* a normal request not answered by then counts as lost */
#define NORMAL_BOUND_MS 10000   /* every normal request answered within this (generous) */
#define MAX_NORMAL 400

static const char slow_req[] = "GET /current/user/auth/ HTTP/1.1\r\nHost: slow\r\n"
                               "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
                               "X-Slow-2: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";

struct slow_conn {
    int fd;
    int src;
    size_t sent;
};

struct normal_run {
    atomic_bool stop; /* set by the main thread, read by the normal client */
    int n;
    int lost;
    int64_t ms[MAX_NORMAL];
};

static void *normal_client(void *arg)
{
    struct normal_run *nr = arg;
    static const char req[] = "GET /current/user/auth/ HTTP/1.1\r\nHost: t\r\n"
                              "Connection: close\r\n\r\n";
    for (int i = 0; i < MAX_NORMAL && !atomic_load(&nr->stop); i++) {
        int64_t t0 = rs_now_ms();
        int st = rs_request(fx.srv.port, 1, req, sizeof(req) - 1, NORMAL_TIMEOUT_MS);
        int64_t ms = rs_now_ms() - t0;
        if (st != 401) {
            nr->lost++;
            ms = NORMAL_TIMEOUT_MS;
        }
        nr->ms[nr->n++] = ms;
        usleep(200 * 1000);
    }
    return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Is fd closed by the peer (end of stream or reset)? */
static bool peer_closed(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
    if (n == 0)
        return true;
    return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
           errno != ENOTCONN;
}

/* One more byte of the slow request; false when the connection is gone. */
static bool trickle(struct slow_conn *c)
{
    if (peer_closed(c->fd))
        return false;
    if (c->sent >= sizeof(slow_req) - 3)
        return true; /* never finish the headers */
    ssize_t n = send(c->fd, slow_req + c->sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == 1)
        c->sent++;
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN &&
             errno != EINTR)
        return false;
    return true;
}

/* Open SLOW_CONNS slow connections from 127.0.0.<first_src .. first_src+nsrc-1>, trickle a
 * byte on each every 2 s for duration_ms (reopening cut ones when reopen), while the normal
 * client runs; then report and check the normal client's latencies. */
static void slow_load(int first_src, int nsrc, int duration_ms, bool reopen, const char *what)
{
    long nofile = rs_raise_nofile(SLOW_CONNS + 512);
    int want = (int)(nofile - 256 < SLOW_CONNS ? nofile - 256 : SLOW_CONNS);
    assert_true(want >= 100);
    struct slow_conn *cs = calloc((size_t)want, sizeof(*cs));
    assert_non_null(cs);
    int open_now = 0;
    for (int i = 0; i < want; i++) {
        cs[i].src = first_src + i % nsrc;
        cs[i].fd = rs_connect(fx.srv.port, cs[i].src);
        if (cs[i].fd >= 0)
            open_now++;
    }
    printf("# %s: %d slow connections opened from %d address(es)\n", what, open_now, nsrc);
    struct normal_run *nr = calloc(1, sizeof(*nr));
    assert_non_null(nr);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, normal_client, nr), 0);
    int64_t end = rs_now_ms() + duration_ms;
    long cut = 0, reopened = 0;
    for (int tick = 0; tick < 10000 && rs_now_ms() < end; tick++) {
        /* half of the connections per 1 s tick: a byte every 2 s each */
        for (int i = tick % 2; i < want; i += 2) {
            if (cs[i].fd < 0)
                continue;
            if (!trickle(&cs[i])) {
                close(cs[i].fd);
                cs[i].fd = -1;
                cut++;
            }
        }
        for (int i = 0; reopen && i < want && reopened < 50000; i++) {
            if (cs[i].fd < 0) {
                cs[i].fd = rs_connect(fx.srv.port, cs[i].src);
                cs[i].sent = 0;
                reopened++;
            }
        }
        usleep(1000 * 1000);
    }
    atomic_store(&nr->stop, true);
    assert_int_equal(pthread_join(th, NULL), 0);
    for (int i = 0; i < want; i++)
        if (cs[i].fd >= 0)
            close(cs[i].fd);
    free(cs);
    assert_true(nr->n > 0);
    qsort(nr->ms, (size_t)nr->n, sizeof(nr->ms[0]), cmp_ll);
    int64_t p50 = nr->ms[nr->n / 2];
    int64_t p99 = nr->ms[(nr->n * 99) / 100 < nr->n ? (nr->n * 99) / 100 : nr->n - 1];
    int64_t max = nr->ms[nr->n - 1];
    printf("# %s: normal client %d requests, %d lost; latency p50 %lld ms, p99 %lld ms, "
           "max %lld ms; slow connections closed by the server: %ld, reopened: %ld\n",
           what, nr->n, nr->lost, (long long)p50, (long long)p99, (long long)max, cut,
           reopened);
    fflush(stdout);
    int lost = nr->lost, n = nr->n;
    free(nr);
    assert_int_equal(lost, 0);
    assert_true(n >= 5);
    assert_true(max < NORMAL_BOUND_MS);
}

/* 1,000 slow connections from one address: the per-address limit keeps all but 256 out (and
 * those are cut at the header deadline). */
static void test_slow_one_address(void **state)
{
    (void)state;
    slow_load(2, 1, 15000, false, "one address");
}

/* 1,000 slow connections from 40 addresses (25 each, under the per-address limit) that reopen
 * as soon as they are cut: the connection limit is reached, and the reserve (headers within 2 s
 * while under a tenth of the slots is free) keeps slots turning over for the normal client. */
static void test_slow_many_addresses(void **state)
{
    (void)state;
    slow_load(10, 40, 20000, true, "40 addresses");
}

/* A connection that sends a header byte every second is never idle, yet must be cut at the
 * header deadline (10 s by default), not kept for ever. */
static void test_header_deadline(void **state)
{
    (void)state;
    struct slow_conn cs[4];
    for (int i = 0; i < 4; i++) {
        cs[i].fd = rs_connect(fx.srv.port, 60);
        cs[i].sent = 0;
        assert_true(cs[i].fd >= 0);
    }
    int64_t t0 = rs_now_ms();
    int closed = 0;
    int64_t closed_at = 0;
    for (int tick = 0; tick < 40 && closed < 4; tick++) {
        usleep(500 * 1000);
        for (int i = 0; i < 4; i++) {
            if (cs[i].fd < 0)
                continue;
            if (!trickle(&cs[i]) || (tick % 2 == 0 && peer_closed(cs[i].fd))) {
                close(cs[i].fd);
                cs[i].fd = -1;
                closed++;
                closed_at = rs_now_ms() - t0;
            }
        }
    }
    for (int i = 0; i < 4; i++)
        if (cs[i].fd >= 0)
            close(cs[i].fd);
    printf("# header deadline: %d of 4 trickling connections closed by the server, the last "
           "after %lld ms\n", closed, (long long)closed_at);
    assert_int_equal(closed, 4);
    assert_true(closed_at >= 8000); /* not before the deadline */
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_header_deadline),
    cmocka_unit_test(test_slow_one_address),
    cmocka_unit_test(test_slow_many_addresses),
};
IT_FIXTURE_MAIN(tests, fx, NULL)
