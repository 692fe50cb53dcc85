/* SPDX-License-Identifier: MIT */
/* test_upload_race.c - the same chunk order sent concurrently (issue 15 item 3): N senders, each
 * on its own connection, post chunk 2 of a 3-chunk session with identical bytes at the same
 * moment; then chunk 3 and complete. A chunk the server acknowledged (200) must never be lost:
 * after the senders, the chunk is listed with their CRC, complete succeeds and the stored file
 * equals the source byte for byte. Chunk size 1 KiB (--min-chunk-size), so a round is quick. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crc32c.h"
#include "it_upload.h"

#define CS 1024
#define NCHUNKS 3
#define SENDERS_MAX 8

static const char *const srv_args[] = {"--min-chunk-size", "1024", NULL};
static const struct it_fixture_opts fx_opts = {srv_args, true, NULL};
static struct it_fixture fx;

struct sender {
    pthread_barrier_t *start;
    const char *id;
    const unsigned char *data; /* chunk 2's bytes */
    long status;
    char crc[FIO_CRC32C_HEX_SIZE]; /* of the 200 answer */
};

static void *send_chunk(void *arg)
{
    struct sender *s = arg;
    char *out = NULL;
    pthread_barrier_wait(s->start);
    s->status = itu_chunk(&fx.srv, fx.srv.owner_key, s->id, 2, s->data, CS, NULL, &out);
    s->crc[0] = 0;
    if (s->status == 200) {
        json_t *j = json_loads(out ? out : "", 0, NULL);
        const char *c = json_string_value(json_object_get(json_object_get(j, "chunk"), "crc32c"));
        snprintf(s->crc, sizeof(s->crc), "%s", c ? c : "");
        json_decref(j);
    }
    free(out);
    return NULL;
}

/* One round with n senders; returns 0 when every acknowledged chunk survived and the file is
 * whole, 1 when the round lost a chunk (or the session), -1 on an unexpected answer. */
static int round_once(int n, int round, const unsigned char *src)
{
    char id[64], name[64], path[256], *out = NULL;
    snprintf(name, sizeof(name), "race-%d-%d.bin", n, round);
    if (itu_session(&fx.srv, fx.srv.owner_key, fx.owner.ws, name, NCHUNKS * CS, "chunk_size=1024",
                    id) != 200)
        return -1;
    long st = itu_chunk(&fx.srv, fx.srv.owner_key, id, 1, src, CS, NULL, &out);
    free(out);
    out = NULL;
    if (st != 200)
        return -1;
    pthread_barrier_t start;
    if (pthread_barrier_init(&start, NULL, (unsigned)n) != 0)
        return -1;
    struct sender snd[SENDERS_MAX];
    pthread_t th[SENDERS_MAX];
    int started = 0;
    for (int i = 0; i < n; i++) {
        snd[i] = (struct sender){&start, id, src + CS, 0, ""};
        if (pthread_create(&th[i], NULL, send_chunk, &snd[i]) != 0)
            break;
        started++;
    }
    if (started != n) { /* the barrier would never open: nothing sensible left to do */
        fprintf(stderr, "pthread_create failed\n");
        abort();
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);

    char want[FIO_CRC32C_HEX_SIZE];
    fio_crc32c_hex(fio_crc32c(0, src + CS, CS), want);
    int acked = 0;
    for (int i = 0; i < n; i++) {
        if (snd[i].status == 200) {
            acked++;
            if (strcmp(snd[i].crc, want) != 0)
                return -1;
        } else if (snd[i].status != 409) {
            fprintf(stderr, "round %d: sender %d got %ld\n", round, i, snd[i].status);
            return -1;
        }
    }
    if (acked == 0) { /* every sender superseded: the last taker always answers, so never */
        fprintf(stderr, "round %d: no sender was acknowledged\n", round);
        return -1;
    }
    /* an acknowledged chunk is listed, with the CRC its senders were given */
    snprintf(path, sizeof(path), "/current/upload/%s/chunk/?order=2", id);
    st = itu_req(&fx.srv, fx.srv.owner_key, "GET", path, NULL, NULL, 0, &out, NULL);
    bool listed = false;
    if (st == 200) {
        json_t *j = itu_json(out);
        const char *c = json_string_value(json_object_get(json_object_get(j, "chunk"), "crc32c"));
        listed = c && strcmp(c, want) == 0;
        json_decref(j);
    }
    free(out);
    out = NULL;

    char fcrc[64];
    snprintf(fcrc, sizeof(fcrc), "file_crc32c=");
    fio_crc32c_hex(fio_crc32c(0, src, NCHUNKS * CS), fcrc + 12);
    st = itu_chunk(&fx.srv, fx.srv.owner_key, id, 3, src + 2 * CS, CS, fcrc, &out);
    free(out);
    out = NULL;
    if (st != 200)
        return -1;
    snprintf(path, sizeof(path), "/current/upload/%s/complete/", id);
    st = itu_req(&fx.srv, fx.srv.owner_key, "POST", path, NULL, NULL, 0, &out, NULL);
    char node[64] = "";
    if (st == 200) {
        json_t *j = itu_json(out);
        snprintf(node, sizeof(node), "%s", json_string_value(json_object_get(j, "new_file_id")));
        json_decref(j);
    }
    if (!listed || st != 200) {
        fprintf(stderr, "round %d (%d senders, %d acknowledged): chunk 2 %s; complete %ld %s\n",
                round, n, acked, listed ? "listed" : "LOST", st, out ? out : "");
        free(out);
        return 1;
    }
    free(out);
    return itu_read_equals(&fx.srv, fx.owner.ws, node, src, NCHUNKS * CS) ? 0 : 1;
}

static void run_rounds(int n, int rounds)
{
    unsigned char *src = itu_bytes(NCHUNKS * CS, (unsigned)n);
    assert_non_null(src);
    int lost = 0, odd = 0;
    for (int r = 0; r < rounds; r++) {
        int rc = round_once(n, r, src);
        lost += rc == 1;
        odd += rc < 0;
    }
    free(src);
    fprintf(stderr, "%d senders: %d of %d rounds lost an acknowledged chunk, %d unexpected\n", n,
            lost, rounds, odd);
    assert_int_equal(odd, 0);
    assert_int_equal(lost, 0);
}

static void test_same_order_3_senders(void **state)
{
    (void)state;
    run_rounds(3, 200);
}

static void test_same_order_6_senders(void **state)
{
    (void)state;
    run_rounds(6, 100);
}

static int setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return it_fixture_start(&fx, &fx_opts);
}

static int teardown(void **state)
{
    (void)state;
    int rc = it_fixture_stop(&fx);
    curl_global_cleanup();
    return rc;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_same_order_3_senders),
    cmocka_unit_test(test_same_order_6_senders),
};

IT_MAIN(tests, setup, teardown)
