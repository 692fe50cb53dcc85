/* SPDX-License-Identifier: MIT */
/* filesrv.c - a minimal HTTP/1.1 file server for bench/webimport.sh (never a test): serves one
 * file, whatever the path, with Content-Length and sendfile(2), one connection at a time, until
 * killed. The source of a URL import and of `curl -o` in the same benchmark, so both read the
 * same bytes from the same server. Usage: filesrv FILE PORTFILE (the chosen port is written to
 * PORTFILE). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: filesrv FILE PORTFILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 16) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
        perror("filesrv: listen");
        return 1;
    }
    FILE *pf = fopen(argv[2], "w");
    if (!pf) {
        perror("filesrv: port file");
        return 1;
    }
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            continue;
        char req[8192];
        size_t got = 0;
        while (got < sizeof(req) - 1) {
            ssize_t r = recv(c, req + got, sizeof(req) - 1 - got, 0);
            if (r <= 0)
                break;
            got += (size_t)r;
            req[got] = 0;
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        int fd = open(argv[1], O_RDONLY);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0) {
            char h[256];
            int n = snprintf(h, sizeof(h),
                             "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\nContent-Type: "
                             "application/octet-stream\r\nConnection: close\r\n\r\n",
                             (long long)st.st_size);
            if (send(c, h, (size_t)n, 0) == n) {
                off_t off = 0;
                while (off < st.st_size) {
                    ssize_t w = sendfile(c, fd, &off, (size_t)(st.st_size - off));
                    if (w <= 0)
                        break;
                }
            }
        }
        if (fd >= 0)
            close(fd);
        shutdown(c, SHUT_WR);
        close(c);
    }
}
