/* SPDX-License-Identifier: MIT */
/* replay_main.c - runs a fuzz target without libFuzzer: feeds every regular file of one corpus
 * directory to LLVMFuzzerTestOneInput, so CTest replays the committed corpus under ASan+UBSan. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read a whole file into an exactly sized heap block, so that ASan catches any read past size. */
static int replay_file(const char *path, const struct stat *st)
{
    size_t size = (size_t)st->st_size;
    uint8_t *data = malloc(size ? size : 1);
    if (!data) {
        (void)fprintf(stderr, "replay: out of memory for %s\n", path);
        return -1;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        free(data);
        return -1;
    }
    size_t got = fread(data, 1, size, fp);
    int err = ferror(fp);
    (void)fclose(fp);
    if (err || got != size) {
        (void)fprintf(stderr, "replay: short read on %s\n", path);
        free(data);
        return -1;
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        (void)fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
        return 1;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        perror(argv[1]);
        return 1;
    }
    size_t count = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            (void)fprintf(stderr, "replay: path too long: %s/%s\n", argv[1], de->d_name);
            rc = 1;
            continue;
        }
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (replay_file(path, &st) != 0) {
            rc = 1;
            continue;
        }
        count++;
    }
    closedir(dir);
    (void)printf("replayed %zu inputs\n", count);
    if (count == 0) {
        (void)fprintf(stderr, "replay: no inputs in %s\n", argv[1]);
        return 1;
    }
    return rc;
}
