/* SPDX-License-Identifier: MIT */
/* it_rawsock.h - plain-socket HTTP for the HTTP-front tests (test_http_front.c,
 * test_slow_clients.c): requests curl would never send (two Content-Length headers, headers a
 * byte at a time) from chosen loopback source addresses (127.0.0.x), with bounded waits. */
#ifndef IT_RAWSOCK_H
#define IT_RAWSOCK_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline int64_t rs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A non-blocking TCP socket from 127.0.0.<src> (0 = any) to 127.0.0.1:port, connect started.
 * -1 on failure. */
static inline int rs_connect(int port, int src)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (src > 0) {
        struct sockaddr_in a;
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)src);
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
            close(fd);
            return -1;
        }
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(0x7f000001u);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send all of buf within timeout_ms. 0, or -1. */
static inline int rs_send_all(int fd, const char *buf, size_t len, int timeout_ms)
{
    int64_t end = rs_now_ms() + timeout_ms;
    size_t off = 0;
    for (int guard = 0; off < len && guard < 1000000; guard++) {
        int64_t left = end - rs_now_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return off == len ? 0 : -1;
}

/* Send all n bytes on a blocking socket (a protocol fixture's answer): true when they went out,
 * false when the peer went away. */
static inline bool rs_send_blocking(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* A pause of ms milliseconds (pacing, never a measurement). */
static inline void rs_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The status of the response on fd (read until the status line is in), within timeout_ms;
 * -1 on timeout, 0 when the server closed the connection without a status line. */
static inline int rs_read_status(int fd, int timeout_ms)
{
    char buf[256];
    size_t have = 0;
    int64_t end = rs_now_ms() + timeout_ms;
    for (int guard = 0; guard < 100000; guard++) {
        int64_t left = end - rs_now_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return 0;
        have += (size_t)n;
        buf[have] = 0;
        if (have >= 12 && !strncmp(buf, "HTTP/1.", 7)) {
            int code = 0;
            for (int i = 9; i < 12; i++) {
                if (buf[i] < '0' || buf[i] > '9')
                    return 0;
                code = code * 10 + (buf[i] - '0');
            }
            return code;
        }
        if (have >= sizeof(buf) - 1)
            return 0;
    }
    return -1;
}

/* One request on a new connection from 127.0.0.<src>: its status, -1 on timeout, 0 when closed
 * without an answer. */
static inline int rs_request(int port, int src, const char *req, size_t len, int timeout_ms)
{
    int fd = rs_connect(port, src);
    if (fd < 0)
        return 0;
    int64_t start = rs_now_ms();
    int st = rs_send_all(fd, req, len, timeout_ms) == 0 ? 0 : -2;
    if (st == 0) {
        int64_t left = timeout_ms - (rs_now_ms() - start);
        st = left > 0 ? rs_read_status(fd, (int)left) : -1;
    } else {
        st = rs_now_ms() - start >= timeout_ms ? -1 : 0;
    }
    close(fd);
    return st;
}

/* Raise the open-file limit towards want; returns the soft limit now in force. */
static inline long rs_raise_nofile(long want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 256;
    rlim_t w = (rlim_t)want;
    if (rl.rlim_max != RLIM_INFINITY && w > rl.rlim_max)
        w = rl.rlim_max;
    if (rl.rlim_cur < w) {
        rl.rlim_cur = w;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? want : (long)rl.rlim_cur;
}

#endif
