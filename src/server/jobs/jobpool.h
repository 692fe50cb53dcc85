/* SPDX-License-Identifier: MIT */
/* jobpool.h - a bounded pool of background worker threads (D-127; src/server/jobs/README.md).
 * The jobs themselves live elsewhere (a table of the store, a test's queue): the pool only runs
 * `workers` threads that each claim one job at a time through the owner's claim callback, run it
 * through the run callback and release it, and sleep while nothing waits until a kick (or the
 * idle period, for jobs that appeared without one). A slot per worker carries the id of the job it
 * runs and a cancel flag, so a cancel by id reaches a running job; a job not yet claimed is
 * canceled where it lives (its claim will not return it). No lost wake-up: a kick that lands
 * while a worker looks for work (after its look began, before it sleeps) makes it look again.
 * Depends on nothing of the server: pthreads and C11 atomics only. */
#ifndef SRV_JOBPOOL_H
#define SRV_JOBPOOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define JOBPOOL_WORKERS_MAX 16
#define JOBPOOL_ID_SIZE 64            /* a job id with its NUL; longer ids are cut */
#define JOBPOOL_DEFAULT_IDLE_MS 1000U /* the look a sleeping worker takes without a kick */

struct jobpool;
struct jobpool_slot;

struct jobpool_def {
    unsigned workers;    /* threads, 1..JOBPOOL_WORKERS_MAX (0 = 1; more = the max) */
    size_t job_size;     /* bytes of the job buffer each worker owns (zeroed once), >= 1 */
    unsigned idle_ms;    /* 0 = JOBPOOL_DEFAULT_IDLE_MS */
    bool cancel_on_stop; /* jobpool_stop raises every running job's cancel flag */
    void *ctx;           /* handed to the callbacks */
    /* Take the next job into job (job_size bytes) and its id into id: true, or false when none
     * waits. Runs on a worker, outside the pool's lock. */
    bool (*claim)(void *ctx, void *job, char id[JOBPOOL_ID_SIZE]);
    /* Run the job; return when done, canceled (jobpool_canceled) or stopping (jobpool_stopping). */
    void (*run)(void *ctx, struct jobpool_slot *slot, void *job);
    /* Release what claim put in job (may be NULL). */
    void (*release)(void *ctx, void *job);
};

/* Start the workers: 0 and *out, or -1 (nothing left running). */
int jobpool_start(const struct jobpool_def *def, struct jobpool **out);
/* Stop: no new claim starts, sleeping workers wake, the running jobs see jobpool_stopping (and
 * their cancel flag with cancel_on_stop); every worker is joined before it returns, and p is
 * freed. NULL is a no-op. */
void jobpool_stop(struct jobpool *p);
/* A job was made available: wake the workers. NULL is a no-op. */
void jobpool_kick(struct jobpool *p);
/* Raise the cancel flag of the running job id: how many slots ran it (0 = not running now: a
 * queued job is canceled where it lives). NULL is a no-op. */
unsigned jobpool_cancel(struct jobpool *p, const char *id);
/* True once jobpool_stop has begun. */
bool jobpool_stopping(const struct jobpool *p);
/* The worker threads running. */
unsigned jobpool_workers(const struct jobpool *p);

/* The slot's cancel flag, for code that polls it (a transfer's progress callback). */
atomic_bool *jobpool_cancel_flag(struct jobpool_slot *slot);
/* True when the running job was canceled (or the pool stops with cancel_on_stop). */
bool jobpool_canceled(struct jobpool_slot *slot);

/* A growing array for the start-up recovery of a pool's owner (the open jobs read from the store
 * before they are changed): elem-sized items, *oom set once an append failed. */
struct jobs_vec {
    void *v;
    size_t n, cap, elem;
    bool oom;
};
/* A slot at the end (zeroed), or NULL with oom set. */
void *jobs_vec_push(struct jobs_vec *v);
void jobs_vec_free(struct jobs_vec *v);

#endif
