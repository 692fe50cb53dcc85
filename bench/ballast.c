/* SPDX-License-Identifier: MIT */
/* ballast.c - evens out a property of this VM before each timed run of bench/run.sh.
 *
 * The VM hands memory the guest freed back to the host after about a second; the next page
 * cache that lands on such memory is written at ~0.5 GB/s instead of ~10 GB/s (measured:
 * writing 1 GiB right after deleting a 1 GiB file took 0.1 s, the same 5 s later 2.2 s). A
 * benchmark whose candidate happens to start on returned memory and whose reference does not
 * (or the reverse) measures the host, not the code. So before EVERY timed command, reference
 * and candidate alike, this writes SIZE MiB into a new file in DIR (through the page cache,
 * 1 MiB writes into a preallocated file), then deletes it: the command that follows at once
 * finds that much page-cache memory freshly freed in the guest.
 * Usage: ballast DIR SIZE_MIB */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ballast DIR SIZE_MIB\n");
        return 2;
    }
    char *end;
    unsigned long mib = strtoul(argv[2], &end, 10);
    if (*end != '\0' || mib == 0 || mib > 65536) {
        fprintf(stderr, "ballast: bad size\n");
        return 2;
    }
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/.ballast-%ld", argv[1], (long)getpid()) >=
        (int)sizeof(path))
        return 2;
    size_t bs = 1024 * 1024;
    char *buf = malloc(bs);
    if (!buf)
        return 1;
    memset(buf, 0x5a, bs);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("ballast: open");
        return 1;
    }
    (void)posix_fallocate(fd, 0, (off_t)(mib * bs));
    int rc = 0;
    for (unsigned long i = 0; i < mib && rc == 0; i++)
        if (pwrite(fd, buf, bs, (off_t)(i * bs)) != (ssize_t)bs)
            rc = 1;
    close(fd);
    unlink(path);
    free(buf);
    return rc;
}
