/* SPDX-License-Identifier: MIT */
/* import.h - URL import on the server (api §5.7; docs/server.md "URL import"; docs/decisions.md
 * D-075..D-079, D-126): a pool of worker threads (jobs/jobpool.h) that take 'pending' jobs of
 * the web_imports table (store_webimport.h), fetch their URL with libcurl under the address
 * rules of import_addr.h,
 * write the bytes into an upload session of the job's user and store it through the normal
 * upload completion (up_finalize, upload.h): versions, locks, name conflicts, events and the
 * upload limits all apply as to any upload. */
#ifndef SRV_IMPORT_H
#define SRV_IMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "server.h"

#define IMPORT_WORKERS_MAX 16
#define IMPORT_ATTEMPTS_MAX 3 /* runs of one job: a server restart mid-download starts another */
#define IMPORT_REDIRECTS_MAX 5

/* Defaults of the --import-* options. */
#define IMPORT_DEFAULT_WORKERS 2
#define IMPORT_DEFAULT_TIMEOUT_S 3600L
#define IMPORT_DEFAULT_STALL_S 60L
#define IMPORT_DEFAULT_CONNECT_S 30L

/* Start-up, BEFORE blob_recover (which expires old upload sessions, and a job's stored session
 * is what proves its file was stored): settle the jobs a previous run left open (D-075). 0 or
 * -1 (logged). A job cut while downloading from a source that takes ranges keeps its session and
 * bytes for its next run to resume (D-126). */
int import_recover(struct server *s);
/* Start the workers (after import_recover). 0 or -1. */
int import_start(struct server *s);
/* Stop the workers: transfers in flight are abandoned where they are (their jobs stay open and
 * the next start settles them exactly as after a crash). Safe when import_start never ran. */
void import_stop(struct server *s);
/* A job was committed: wake a worker. */
void import_kick(struct server *s);
/* Job id was canceled in the database: stop its transfer now if a worker runs it. */
void import_cancel(struct server *s, const char *id);

/* The activity key of a job ("web_upload:{id}") noted on the request for the job's user. */
void import_note(struct req *r, const char *user_id, const char *job_id);

#endif
