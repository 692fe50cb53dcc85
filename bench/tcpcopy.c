/* SPDX-License-Identifier: MIT */
/* tcpcopy.c - the reference for bench/run.sh: a raw loopback copy of a file, file -> TCP
 * (127.0.0.1) -> new file, 1 MiB buffers, sender and receiver in two processes. Prints the
 * seconds the copy took (from the sender's first byte to the receiver's close). Usage:
 *   tcpcopy [--sync] SRC DST
 * --sync: the receiver also fdatasyncs DST before closing it (inside the timing): the reference
 * for uploads to a server run with --sync complete, whose completion does the same. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF (1024 * 1024)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int sync_dst = argc == 4 && strcmp(argv[1], "--sync") == 0;
    if (sync_dst) {
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: tcpcopy [--sync] SRC DST\n");
        return 2;
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 1) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
        perror("tcpcopy: listen");
        return 1;
    }
    char *buf = malloc(BUF);
    if (!buf)
        return 1;
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) { /* receiver */
        int c = accept(ls, NULL, NULL);
        int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (c < 0 || out < 0)
            _exit(1);
        for (;;) {
            ssize_t r = read(c, buf, BUF);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                _exit(1);
            if (r == 0)
                break;
            if (write_all(out, buf, (size_t)r) != 0)
                _exit(1);
        }
        if (sync_dst && fdatasync(out) != 0)
            _exit(1);
        _exit(close(out) == 0 ? 0 : 1);
    }
    close(ls);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int in = open(argv[1], O_RDONLY);
    if (s < 0 || in < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("tcpcopy: connect");
        return 1;
    }
    for (;;) {
        ssize_t r = read(in, buf, BUF);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return 1;
        if (r == 0)
            break;
        if (write_all(s, buf, (size_t)r) != 0)
            return 1;
    }
    close(s);
    int st = 0;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 1;
    printf("%.6f\n", now() - t0);
    free(buf);
    return 0;
}
