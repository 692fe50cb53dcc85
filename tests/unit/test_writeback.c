/* SPDX-License-Identifier: MIT */
/* test_writeback.c - the background write-out thread (writeback.h): ranges of a real file are
 * pushed (more than its queue holds, bogus ones too), the caller's fd is closed right away (the
 * queue owns a dup), stop drains and joins; the file is unchanged and no descriptor leaks. */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testmain.h"
#include "writeback.h"

#define MIB (1024 * 1024)
#define FILE_MIB 16

/* Open descriptors of this process (entries of /proc/self/fd, minus the one opendir uses). */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;
}

/* The byte at offset off of the test file: position-dependent, so a misplaced write shows. */
static unsigned char pattern(size_t off)
{
    return (unsigned char)((off * 2654435761u) >> 13 ^ off >> 20);
}

struct tmpdir {
    char dir[64];
    char path[128];
};

static void tmp_make(struct tmpdir *t)
{
    const char *base = getenv("TMPDIR");
    (void)snprintf(t->dir, sizeof(t->dir), "%s/wbtestXXXXXX",
                   base && *base && strlen(base) < 40 ? base : "/tmp");
    assert_non_null(mkdtemp(t->dir));
    (void)snprintf(t->path, sizeof(t->path), "%s/upload.bin", t->dir);
}

static void tmp_remove(struct tmpdir *t)
{
    assert_int_equal(unlink(t->path), 0);
    assert_int_equal(rmdir(t->dir), 0);
}

/* Write the file in 1 MiB pieces with pwrite, pushing each piece as it is written (as the
 * upload path does) and then closing the fd; returns nothing, asserts on every step. */
static void write_and_push(struct writeback *w, const char *path, bool extra_pushes)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    unsigned char *piece = malloc(MIB);
    assert_non_null(piece);
    for (size_t m = 0; m < FILE_MIB; m++) {
        for (size_t i = 0; i < MIB; i++)
            piece[i] = pattern(m * MIB + i);
        assert_int_equal(pwrite(fd, piece, MIB, (off_t)(m * MIB)), MIB);
        writeback_push(w, fd, (int64_t)(m * MIB), MIB);
        if (extra_pushes) {
            /* many more ranges than the 64-entry queue holds: the overflow is dropped */
            for (int k = 0; k < 100; k++)
                writeback_push(w, fd, (int64_t)(m * MIB + (size_t)k * 4096), 4096);
            /* bogus ones: ignored (or harmless to the kernel) */
            writeback_push(w, -1, 0, MIB);
            writeback_push(w, fd, 0, 0);
            writeback_push(w, fd, 0, -5);
            writeback_push(w, fd, -4096, 4096);
            writeback_push(w, fd, (int64_t)1 << 50, MIB); /* past the end */
            writeback_push(w, 100000, 0, MIB);            /* not an open descriptor */
        }
    }
    free(piece);
    /* the queue holds its own dups: closing ours right away must not matter */
    assert_int_equal(close(fd), 0);
}

static void check_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, (off_t)FILE_MIB * MIB);
    unsigned char *piece = malloc(MIB);
    assert_non_null(piece);
    for (size_t m = 0; m < FILE_MIB; m++) {
        assert_int_equal(pread(fd, piece, MIB, (off_t)(m * MIB)), MIB);
        for (size_t i = 0; i < MIB; i++)
            if (piece[i] != pattern(m * MIB + i))
                fail_msg("byte %zu changed", m * MIB + i);
    }
    free(piece);
    assert_int_equal(close(fd), 0);
}

static void writeback_ranges_and_no_leak(void **state)
{
    (void)state;
    struct tmpdir t = {{0}, {0}};
    tmp_make(&t);
    int before = count_fds();
    struct writeback *w = writeback_start();
    assert_non_null(w);
    write_and_push(w, t.path, true);
    writeback_stop(w);
    assert_int_equal(count_fds(), before);
    check_file(t.path);
    tmp_remove(&t);
}

static void writeback_plain_ranges(void **state)
{
    (void)state;
    struct tmpdir t = {{0}, {0}};
    tmp_make(&t);
    int before = count_fds();
    struct writeback *w = writeback_start();
    assert_non_null(w);
    write_and_push(w, t.path, false);
    /* pushes after the file's fd is closed, from a fresh fd, then stop right away */
    int fd = open(t.path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    for (int i = 0; i < 200; i++)
        writeback_push(w, fd, (int64_t)(i % FILE_MIB) * MIB, MIB);
    assert_int_equal(close(fd), 0);
    writeback_stop(w);
    assert_int_equal(count_fds(), before);
    check_file(t.path);
    tmp_remove(&t);
}

/* Several writebacks started and stopped in turn, some idle, some stopped while busy. */
static void writeback_start_stop_cycles(void **state)
{
    (void)state;
    struct tmpdir t = {{0}, {0}};
    tmp_make(&t);
    int fd = open(t.path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    char block[4096];
    memset(block, 'w', sizeof(block));
    for (int i = 0; i < 64; i++)
        assert_int_equal(pwrite(fd, block, sizeof(block), (off_t)i * 4096), 4096);
    int before = count_fds();
    for (int round = 0; round < 20; round++) {
        struct writeback *w = writeback_start();
        assert_non_null(w);
        for (int i = 0; i < round * 5; i++)
            writeback_push(w, fd, (int64_t)(i % 64) * 4096, 4096);
        writeback_stop(w);
        assert_int_equal(count_fds(), before);
    }
    assert_int_equal(close(fd), 0);
    tmp_remove(&t);
}

static void writeback_null_is_harmless(void **state)
{
    (void)state;
    int before = count_fds();
    writeback_stop(NULL);
    writeback_push(NULL, 0, 0, 4096);
    writeback_push(NULL, -1, 0, 0);
    assert_int_equal(count_fds(), before);
}

/* One case per line: tests/CMakeLists.txt makes each line a CTest entry. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(writeback_ranges_and_no_leak),
    cmocka_unit_test(writeback_plain_ranges),
    cmocka_unit_test(writeback_start_stop_cycles),
    cmocka_unit_test(writeback_null_is_harmless),
};
/* clang-format on */

TEST_MAIN(tests)
