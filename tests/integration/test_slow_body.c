/* SPDX-License-Identifier: MIT */
/* test_slow_body.c - a request body must keep making progress (docs/server.md "Limits",
 * --body-timeout): a body sent a byte every half second is never idle, yet the connection is cut
 * once a 4 KiB step has not arrived within the deadline (3 s here); a body that flows is not. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "it_rawsock.h"

static struct it_fixture fx;
static const char *const server_args[] = {"--body-timeout", "3", NULL};
static const struct it_fixture_opts opts = {.server_args = server_args};

static const char head[] = "POST /current/user/auth/ HTTP/1.1\r\nHost: t\r\n"
                           "Content-Type: application/x-www-form-urlencoded\r\n"
                           "Content-Length: 100000\r\nConnection: close\r\n\r\n";

static void test_body_trickle_is_cut(void **state)
{
    (void)state;
    int fd = rs_connect(fx.srv.port, 70);
    assert_true(fd >= 0);
    assert_int_equal(rs_send_all(fd, head, sizeof(head) - 1, 5000), 0);
    int64_t t0 = rs_now_ms();
    int64_t closed_at = -1;
    for (int i = 0; i < 40; i++) { /* 20 s at most */
        usleep(500 * 1000);
        ssize_t n = send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        char c;
        ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);
        if ((n < 0 && errno != EAGAIN) || r == 0 || (r < 0 && errno != EAGAIN)) {
            closed_at = rs_now_ms() - t0;
            break;
        }
    }
    close(fd);
    printf("# body trickle: closed by the server after %lld ms\n", (long long)closed_at);
    assert_true(closed_at >= 2500);
    assert_true(closed_at < 8000);
}

/* 100,000 bytes in 4 KiB pieces, one every 0.5 s (13 s in all, past the 3 s deadline): every
 * step is progress, so the request is answered. */
static void test_body_flowing_is_kept(void **state)
{
    (void)state;
    int fd = rs_connect(fx.srv.port, 71);
    assert_true(fd >= 0);
    assert_int_equal(rs_send_all(fd, head, sizeof(head) - 1, 5000), 0);
    char piece[4096];
    memset(piece, 'a', sizeof(piece));
    size_t left = 100000;
    for (int i = 0; i < 100 && left > 0; i++) {
        size_t n = left < sizeof(piece) ? left : sizeof(piece);
        assert_int_equal(rs_send_all(fd, piece, n, 5000), 0);
        left -= n;
        usleep(500 * 1000);
    }
    int st = rs_read_status(fd, 10000);
    close(fd);
    printf("# flowing body: status %d\n", st);
    assert_true(st >= 400 && st < 500); /* answered (the form itself is not a valid sign-in) */
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_body_trickle_is_cut),
    cmocka_unit_test(test_body_flowing_is_kept),
};
IT_FIXTURE_MAIN(tests, fx, &opts)
