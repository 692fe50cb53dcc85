/* SPDX-License-Identifier: MIT */
/* test_jobpool.c - the bounded pool of background workers (src/server/jobs/jobpool.h; D-127),
 * with a queue of the test's own standing in for the store's table (the pool claims through a
 * callback, so the queue is the caller's part, not a stand-in for the pool): no more jobs run at
 * once than there are workers; a job canceled while queued never runs and a running one sees its
 * flag (and the next job on that slot does not); stop wakes sleeping workers, makes running jobs
 * see it and joins every thread before it returns; a kick that lands while a worker looks for work
 * is not lost even when the idle period is an hour. No case measures time: a lost wake-up or a
 * missing join shows as a hang that the CTest time-out fails. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "jobpool.h"
#include "testmain.h"

#define QMAX 1024
#define HOUR_MS (3600U * 1000U)

enum behave {
    RUN_GATE,         /* wait until the test opens the gate */
    RUN_UNTIL_CANCEL, /* wait until the slot's cancel flag rises */
    RUN_UNTIL_STOP,   /* wait until the pool stops */
    RUN_AT_ONCE,      /* return at once */
};

struct job {
    char id[16];
};

struct tq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct jobpool *pool;
    char ids[QMAX][16]; /* waiting, in order */
    size_t head, tail;
    enum behave how;
    bool gate_open;
    int active, max_active, claimed, done, canceled_seen, released;
    int entered, exited;
    int claims;
    bool inject_on_first_empty; /* no lost wake-up: a job and a kick arrive during a look */
    bool injected;
    char ran[QMAX][16];
    bool ran_canceled[QMAX];
    int nran;
};

static void tq_init(struct tq *q, enum behave how)
{
    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->how = how;
}

static void tq_destroy(struct tq *q)
{
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
}

static void tq_add(struct tq *q, const char *id)
{
    pthread_mutex_lock(&q->mu);
    assert_true(q->tail < QMAX);
    snprintf(q->ids[q->tail++], sizeof(q->ids[0]), "%s", id);
    pthread_mutex_unlock(&q->mu);
}

/* Remove a waiting job (what the store does when a queued job is canceled): true if it waited. */
static bool tq_remove(struct tq *q, const char *id)
{
    bool found = false;
    pthread_mutex_lock(&q->mu);
    for (size_t i = q->head; i < q->tail; i++)
        if (strcmp(q->ids[i], id) == 0) {
            found = true;
            q->ids[i][0] = 0; /* a hole: claim skips it */
        }
    pthread_mutex_unlock(&q->mu);
    return found;
}

/* Wait (no time limit: a hang fails by the CTest time-out) until pred holds. */
#define TQ_WAIT(q, pred)                                                                           \
    do {                                                                                           \
        pthread_mutex_lock(&(q)->mu);                                                              \
        while (!(pred))                                                                            \
            pthread_cond_wait(&(q)->cv, &(q)->mu);                                                 \
        pthread_mutex_unlock(&(q)->mu);                                                            \
    } while (0)

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static bool claim(void *ctx, void *job, char id[JOBPOOL_ID_SIZE])
{
    struct tq *q = ctx;
    struct job *j = job;
    bool got = false;
    bool inject = false;
    pthread_mutex_lock(&q->mu);
    q->claims++;
    pthread_cond_broadcast(&q->cv);
    while (q->head < q->tail && !q->ids[q->head][0])
        q->head++;
    if (q->head < q->tail) {
        snprintf(j->id, sizeof(j->id), "%s", q->ids[q->head++]);
        q->claimed++;
        got = true;
    } else if (q->inject_on_first_empty && !q->injected) {
        q->injected = true;
        inject = true;
    }
    pthread_mutex_unlock(&q->mu);
    if (inject) {
        /* the worker has looked (found nothing) and not slept yet: a job and its kick now */
        tq_add(q, "late");
        jobpool_kick(q->pool);
    }
    if (got)
        snprintf(id, JOBPOOL_ID_SIZE, "%s", j->id);
    return got;
}

static void run(void *ctx, struct jobpool_slot *slot, void *job)
{
    struct tq *q = ctx;
    struct job *j = job;
    pthread_mutex_lock(&q->mu);
    q->entered++;
    q->active++;
    if (q->active > q->max_active)
        q->max_active = q->active;
    pthread_cond_broadcast(&q->cv);
    if (q->how == RUN_GATE)
        while (!q->gate_open)
            pthread_cond_wait(&q->cv, &q->mu);
    pthread_mutex_unlock(&q->mu);
    /* the flags are polled, as a transfer's progress callback does */
    if (q->how == RUN_UNTIL_CANCEL && strcmp(j->id, "free") != 0)
        for (long i = 0; i < 100000000L && !jobpool_canceled(slot); i++)
            pause_ms(1);
    if (q->how == RUN_UNTIL_STOP)
        for (long i = 0; i < 100000000L && !jobpool_stopping(q->pool); i++)
            pause_ms(1);
    pthread_mutex_lock(&q->mu);
    q->active--;
    q->done++;
    q->exited++;
    if (q->nran < QMAX) {
        snprintf(q->ran[q->nran], sizeof(q->ran[0]), "%s", j->id);
        q->ran_canceled[q->nran] = jobpool_canceled(slot);
        q->nran++;
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static void release(void *ctx, void *job)
{
    struct tq *q = ctx;
    pthread_mutex_lock(&q->mu);
    q->released++;
    pthread_mutex_unlock(&q->mu);
    memset(job, 0, sizeof(struct job));
}

static void start(struct tq *q, unsigned workers, unsigned idle_ms, bool cancel_on_stop)
{
    const struct jobpool_def def = {.workers = workers,
                                    .job_size = sizeof(struct job),
                                    .idle_ms = idle_ms,
                                    .cancel_on_stop = cancel_on_stop,
                                    .ctx = q,
                                    .claim = claim,
                                    .run = run,
                                    .release = release};
    assert_int_equal(jobpool_start(&def, &q->pool), 0);
    assert_non_null(q->pool);
}

static int find_ran(struct tq *q, const char *id)
{
    for (int i = 0; i < q->nran; i++)
        if (strcmp(q->ran[i], id) == 0)
            return i;
    return -1;
}

/* 3 workers, 10 jobs that wait at a gate: exactly 3 run and 3 are claimed while the gate is shut;
 * once open, all 10 run, never more than 3 at once. A pool asked for more workers than the
 * maximum gets the maximum. */
static void test_bounded_workers(void **state)
{
    (void)state;
    struct tq q;
    tq_init(&q, RUN_GATE);
    for (int i = 0; i < 10; i++) {
        char id[16];
        snprintf(id, sizeof(id), "j%d", i);
        tq_add(&q, id);
    }
    start(&q, 3, HOUR_MS, false);
    assert_int_equal(jobpool_workers(q.pool), 3);
    jobpool_kick(q.pool);
    TQ_WAIT(&q, q.active == 3);
    pthread_mutex_lock(&q.mu);
    assert_int_equal(q.claimed, 3); /* every worker holds one; none can claim a fourth */
    q.gate_open = true;
    pthread_cond_broadcast(&q.cv);
    pthread_mutex_unlock(&q.mu);
    TQ_WAIT(&q, q.done == 10);
    jobpool_stop(q.pool);
    assert_int_equal(q.max_active, 3);
    assert_int_equal(q.claimed, 10);
    assert_int_equal(q.released, 10);
    tq_destroy(&q);

    struct tq big;
    tq_init(&big, RUN_AT_ONCE);
    start(&big, 1000, HOUR_MS, false);
    assert_int_equal(jobpool_workers(big.pool), JOBPOOL_WORKERS_MAX);
    jobpool_stop(big.pool);
    tq_destroy(&big);
}

/* One worker runs "a" until canceled; "b" waits behind it and is canceled while queued (not
 * running: jobpool_cancel finds no slot, the queue drops it); "a" is canceled while running;
 * "free" runs next on the same slot with its flag down. */
static void test_cancel_queued_and_running(void **state)
{
    (void)state;
    struct tq q;
    tq_init(&q, RUN_UNTIL_CANCEL);
    tq_add(&q, "a");
    tq_add(&q, "b");
    start(&q, 1, HOUR_MS, false);
    jobpool_kick(q.pool);
    TQ_WAIT(&q, q.active == 1);
    assert_int_equal(jobpool_cancel(q.pool, "b"), 0); /* queued: not in a slot */
    assert_true(tq_remove(&q, "b"));
    assert_int_equal(jobpool_cancel(q.pool, "nope"), 0);
    assert_int_equal(jobpool_cancel(q.pool, ""), 0);
    assert_int_equal(jobpool_cancel(q.pool, "a"), 1); /* running */
    TQ_WAIT(&q, q.done == 1);
    tq_add(&q, "free");
    jobpool_kick(q.pool);
    TQ_WAIT(&q, q.done == 2);
    jobpool_stop(q.pool);
    int a = find_ran(&q, "a"), f = find_ran(&q, "free");
    assert_true(a >= 0 && f >= 0);
    assert_true(q.ran_canceled[a]);
    assert_false(q.ran_canceled[f]);
    assert_int_equal(find_ran(&q, "b"), -1);
    assert_int_equal(q.nran, 2);
    tq_destroy(&q);
}

/* Stop with 4 jobs running (they wait for the stop) and with a pool whose workers all sleep for
 * an hour: both return, every job that entered has exited and been released, before stop
 * returns. With cancel_on_stop the running jobs see their cancel flag. */
static void test_stop_joins_everything(void **state)
{
    (void)state;
    struct tq q;
    tq_init(&q, RUN_UNTIL_STOP);
    for (int i = 0; i < 6; i++) {
        char id[16];
        snprintf(id, sizeof(id), "s%d", i);
        tq_add(&q, id);
    }
    start(&q, 4, HOUR_MS, false);
    jobpool_kick(q.pool);
    TQ_WAIT(&q, q.active == 4);
    jobpool_stop(q.pool); /* frees the pool: the counts below are final */
    assert_int_equal(q.entered, 4);
    assert_int_equal(q.exited, 4);
    assert_int_equal(q.released, 4);
    assert_int_equal(q.active, 0);
    tq_destroy(&q);

    struct tq c;
    tq_init(&c, RUN_UNTIL_CANCEL);
    tq_add(&c, "c0");
    tq_add(&c, "c1");
    start(&c, 2, HOUR_MS, true);
    jobpool_kick(c.pool);
    TQ_WAIT(&c, c.active == 2);
    jobpool_stop(c.pool);
    assert_int_equal(c.exited, 2);
    assert_true(c.ran_canceled[0] && c.ran_canceled[1]);
    tq_destroy(&c);

    struct tq idle;
    tq_init(&idle, RUN_AT_ONCE);
    start(&idle, JOBPOOL_WORKERS_MAX, HOUR_MS, false);
    TQ_WAIT(&idle, idle.claims >= (int)JOBPOOL_WORKERS_MAX); /* all have looked: now asleep */
    jobpool_stop(idle.pool);
    assert_int_equal(idle.entered, 0);
    tq_destroy(&idle);

    jobpool_stop(NULL);
    jobpool_kick(NULL);
    assert_int_equal(jobpool_cancel(NULL, "x"), 0);
}

/* A job and its kick arrive while the only worker looks for work (inside its claim, after it
 * noted the kick count, before it sleeps): it looks again at once instead of sleeping an hour.
 * Then 300 rounds of add + kick against sleeping workers. */
static void test_no_lost_wakeup(void **state)
{
    (void)state;
    struct tq q;
    tq_init(&q, RUN_AT_ONCE);
    q.inject_on_first_empty = true;
    start(&q, 1, HOUR_MS, false);
    TQ_WAIT(&q, q.done == 1);
    assert_int_equal(find_ran(&q, "late"), 0);
    for (int i = 0; i < 300; i++) {
        char id[16];
        snprintf(id, sizeof(id), "r%d", i);
        tq_add(&q, id);
        jobpool_kick(q.pool);
        TQ_WAIT(&q, q.done == i + 2);
    }
    jobpool_stop(q.pool);
    assert_int_equal(q.done, 301);
    tq_destroy(&q);

    struct tq two;
    tq_init(&two, RUN_AT_ONCE);
    start(&two, 2, HOUR_MS, false);
    for (int i = 0; i < 300; i++) {
        char id[16];
        snprintf(id, sizeof(id), "t%d", i);
        tq_add(&two, id);
        jobpool_kick(two.pool);
        TQ_WAIT(&two, two.done == i + 1);
    }
    jobpool_stop(two.pool);
    assert_int_equal(two.done, 300);
    tq_destroy(&two);
}

/* The recovery vector: items zeroed, in order, across growth. */
static void test_jobs_vec(void **state)
{
    (void)state;
    struct jobs_vec v = {.elem = sizeof(long)};
    for (long i = 0; i < 1000; i++) {
        long *p = jobs_vec_push(&v);
        assert_non_null(p);
        assert_int_equal(*p, 0);
        *p = i * 3;
    }
    assert_int_equal(v.n, 1000);
    assert_false(v.oom);
    const long *a = v.v;
    for (long i = 0; i < 1000; i++)
        assert_int_equal(a[i], i * 3);
    jobs_vec_free(&v);
    assert_null(v.v);
    struct jobs_vec bad = {.elem = 0};
    assert_null(jobs_vec_push(&bad));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bounded_workers),
    cmocka_unit_test(test_cancel_queued_and_running),
    cmocka_unit_test(test_stop_joins_everything),
    cmocka_unit_test(test_no_lost_wakeup),
    cmocka_unit_test(test_jobs_vec),
};

TEST_MAIN(tests)
