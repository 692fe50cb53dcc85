/* SPDX-License-Identifier: MIT */
/* util.c - small helpers shared by the command files: growing an array one element at a time
 * and reading one line from a descriptor (a password, a pasted code). */
#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

void *cli_grow(void *v, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap <= *cap || ncap > SIZE_MAX / elem)
        return NULL;
    void *nv = realloc(v, ncap * elem);
    if (nv)
        *cap = ncap;
    return nv;
}

bool cli_read_line(int fd, char *buf, size_t size, bool trim_blanks)
{
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return false;
        if (r == 0) {
            if (n == 0)
                return false;
            break;
        }
        if (c == '\n')
            break;
        if (n + 1 >= size)
            return false;
        buf[n++] = c;
    }
    if (trim_blanks)
        while (n && (buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
            n--;
    else if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return true;
}
