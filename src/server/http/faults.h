/* SPDX-License-Identifier: MIT */
/* faults.h - the test-only fault injector (docs/decisions.md D-017, docs/server.md "Rate limits and
 * test faults"): off unless
 * the server runs with --enable-test-faults; then POST /current/test/faults/ configures a seeded,
 * deterministic share of requests that answer 429 / 500 / 503, stall, or lose their connection
 * without a response. Requests to the faults route itself and to /ping/ are never faulted. */
#ifndef SRV_FAULTS_H
#define SRV_FAULTS_H

#include "server.h"

struct faults;

/* A new injector with no faults configured. NULL on OOM. */
struct faults *faults_new(void);
void faults_free(struct faults *f);

enum fault_action {
    FAULT_NONE,  /* handle the request normally (possibly after a stall) */
    FAULT_REPLY, /* r->err is set (429 / 500 / 503): send it instead of running the request */
    FAULT_RESET, /* close the connection without a response */
};

/* Decide (and apply a stall for) one request to url (the full URL path, e.g. "/current/x/").
 * Called by http.c when the request is complete, before routing. */
enum fault_action faults_apply(struct server *s, struct req *r, const char *url);

/* Test-only: true when the router should fail the commit of this write transaction (it then
 * rolls back and answers 500), i.e. while the configuration's commit_fail count lasts (each
 * call that returns true uses one and counts as injected). Always false without
 * --enable-test-faults. */
bool faults_commit_fail(struct server *s);

#endif
