/* SPDX-License-Identifier: MIT */
/* harness.h - integration-test support: start a real fastio-server on a free 127.0.0.1 port with
 * a temporary data directory, make libfastio clients for it, run the fastio binary against it. */
#ifndef IT_HARNESS_H
#define IT_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <fastio/fastio.h>

#include "testmain.h" /* TEST_PICK_CASE_ */

struct it_server {
    pid_t pid;
    char dir[256]; /* data directory */
    int port;
    char base[128];      /* http://127.0.0.1:PORT/current */
    char owner_key[128]; /* API key the server wrote to DIR/owner.key */
};

/* Start a server. data_dir NULL = a new temporary directory (removed by it_server_cleanup);
 * otherwise reuse that directory (restart tests). extra_args: NULL-terminated list of extra
 * command-line arguments or NULL. Returns 0 once the server has printed its listening line
 * (it listens before printing) and owner.key is readable; -1 otherwise (no server left). */
int it_server_start(struct it_server *s, const char *data_dir, const char *const *extra_args);
/* SIGTERM and wait (bounded); returns the exit status (0 = clean shutdown), -1 on timeout
 * (then the server is killed). The data directory stays. */
int it_server_stop(struct it_server *s);
/* Remove the data directory. */
void it_server_cleanup(struct it_server *s);

/* A client for the server with the given bearer token (NULL = none). Aborts the test on
 * failure. Free with fastio_client_free. */
struct fastio_client *it_client(const struct it_server *s, const char *token);

/* Sign up a new account with a unique email and sign it in; returns the token (static buffer
 * per call slot: copy it) and stores the email in email_out (size >= 128) when not NULL. */
void it_new_user(const struct it_server *s, char *token_out, size_t token_size, char *email_out);

/* Verify email's address for the account of token with the newest code the server mailed to it
 * (DATA/outbox or outbox/sent; D-081). true when the server accepted it. */
bool it_verify_email(const struct it_server *s, const char *token, const char *email);

/* Send a raw HTTP request with libcurl (for malformed input the library would never send).
 * Returns the HTTP status; *body_out (may be NULL) gets the response body (free()). */
long it_raw(const struct it_server *s, const char *method, const char *path,
            const char *content_type, const char *body, size_t body_len, const char *authz,
            char **body_out);
/* The same, also returning the raw response header block in *headers_out (free()). */
long it_raw_h(const struct it_server *s, const char *method, const char *path,
              const char *content_type, const char *body, size_t body_len, const char *authz,
              char **body_out, char **headers_out);

/* Run the fastio CLI with --api-base pointing at the server and the given args (NULL-ended).
 * token NULL = no --token. stdout / stderr are captured into *out / *err (free(); may be NULL
 * args). Returns the exit code, or -1 when it could not run. */
int it_cli(const struct it_server *s, const char *token, char **out, char **err, ...);

/* main() for integration test programs: like TEST_MAIN (tests/unit/testmain.h) - runs every
 * case, or the one named in argv[1] - with a group setup/teardown (e.g. one server per run).
 * cmocka reports a failed group teardown ("FAILED GROUP TEARDOWN") but does not count it in its
 * result, so the teardown's result is kept here and fails the program (e.g. a server that does
 * not shut down cleanly). */
#define IT_MAIN(tests, setup, teardown)                                                            \
    static int it_teardown_failed_;                                                                \
    static int it_teardown_(void **state)                                                          \
    {                                                                                              \
        CMFixtureFunction td_ = (teardown);                                                        \
        int rc_ = td_ ? td_(state) : 0;                                                            \
        if (rc_ != 0)                                                                              \
            it_teardown_failed_ = 1;                                                               \
        return rc_;                                                                                \
    }                                                                                              \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        TEST_PICK_CASE_(tests, argc, argv);                                                        \
        int failed_ = cmocka_run_group_tests(tests, setup, it_teardown_);                          \
        return failed_ != 0 || it_teardown_failed_ ? 1 : 0;                                        \
    }

/* ---- the shared fixture ---------------------------------------------------------------------
 * One server per test program (or per case), its owner with a client, and fresh users with their
 * own org and workspace. A program that needs one server for all its cases writes
 *
 *     static struct it_fixture fx;
 *     ...
 *     IT_FIXTURE_MAIN(tests, fx, NULL)               (or &opts for extra server args)
 *
 * and its cases use fx.srv, fx.owner.c, fx.owner.ws ... A case that needs its own server calls
 * it_fixture_start / it_fixture_stop from its cmocka setup / teardown. */

/* A signed-in account of a test server. */
struct it_user {
    char token[256]; /* Bearer token (the owner's API key for the owner) */
    char authz[300]; /* "Bearer <token>", for it_raw */
    char email[128];
    char id[32];  /* user id */
    char org[32]; /* org and workspace made for it ("" when none) */
    char ws[32];
    struct fastio_client *c; /* a client with token; owned: it_user_release */
};

/* it_user_new flags. */
#define IT_USER_UNVERIFIED 2u /* it_user_signup: leave the address unverified (D-081) */
#define IT_USER_WORKSPACE 1u /* also create an org (unique domain) and a workspace in it */

/* Sign up a new account with a unique email on s, sign it in, make its client and read its id
 * (and with IT_USER_WORKSPACE its org and workspace). Fails (or aborts) the test on failure. */
void it_user_new(struct it_user *u, const struct it_server *s, unsigned flags);
/* The same with the given email and agent flag (password "correct horse battery"). */
void it_user_signup(struct it_user *u, const struct it_server *s, const char *email, bool agent,
                    unsigned flags);
/* The client of u, which stays usable after it_user_release, owned by the caller (so a helper
 * can hand out the client and keep the ids). */
struct fastio_client *it_user_take_client(struct it_user *u);
/* Free u's client (NULL-safe); the strings stay. */
void it_user_release(struct it_user *u);

struct it_fixture_opts {
    const char *const *server_args; /* extra fastio-server arguments, NULL-ended; NULL = none */
    bool workspace;                 /* the owner creates an org and a workspace (owner.org/ws) */
    void (*before_stop)(void);      /* NULL, or run by it_fixture_stop before the server stops
                                     * (e.g. itx_clients_free: clients that engines borrowed) */
};

struct it_fixture {
    struct it_server srv;
    void (*before_stop)(void); /* from the opts */
    struct it_user owner; /* the bootstrap owner (token = srv.owner_key) with a client; its id
                           * is not looked up ("") */
};

/* Start a server in a new temporary directory with opts (NULL = defaults), then the owner's
 * client (and org / workspace). Sends no request unless opts->workspace. Returns 0, or -1 with
 * nothing left running. */
int it_fixture_start(struct it_fixture *fx, const struct it_fixture_opts *opts);
/* Run the opts' before_stop, free the owner's client, stop the server (SIGTERM) and remove its
 * directory. Returns 0 when the
 * server shut down cleanly (exit status 0) or was already stopped, -1 otherwise. */
int it_fixture_stop(struct it_fixture *fx);

/* IT_MAIN with one fixture for the whole program: fx (a static struct it_fixture of the test
 * file) is started with opts (an expression: NULL or a pointer to struct it_fixture_opts) before
 * the first case and stopped after the last; a server that does not shut down cleanly fails the
 * run. */
#define IT_FIXTURE_MAIN(tests, fx, opts)                                                           \
    static int it_fixture_setup_(void **state)                                                     \
    {                                                                                              \
        (void)state;                                                                               \
        return it_fixture_start(&(fx), (opts));                                                    \
    }                                                                                              \
    static int it_fixture_teardown_(void **state)                                                  \
    {                                                                                              \
        (void)state;                                                                               \
        return it_fixture_stop(&(fx));                                                             \
    }                                                                                              \
    IT_MAIN(tests, it_fixture_setup_, it_fixture_teardown_)

/* The test-only fault switch (server started with --enable-test-faults): POST form (e.g.
 * "rate_503=100&max_faults=2"; "" clears) to /current/test/faults/, returns the HTTP status. */
long it_faults_set(const struct it_server *s, const char *form);
/* How many faults the server injected since the last it_faults_set (the "injected" counter of
 * GET /current/test/faults/); the test fails when the switch cannot be read. */
long long it_faults_injected(const struct it_server *s);

/* ---- helpers for the org, workspace and storage suites ----------------------------------------
 */

/* A unique lowercase name usable as an org domain or workspace folder_name:
 * "<prefix>-<counter>-<pid>" (prefix: [a-z-], short). out_size >= 64. */
void it_unique_name(const char *prefix, char *out, size_t out_size);

/* Create an org (unique domain) and a workspace in it (unique folder_name) as the client's user;
 * ids go to org_id / ws_id (size >= 32 each; either may be NULL). Aborts the test on failure. */
void it_org_ws(struct fastio_client *c, char *org_id, char *ws_id);

/* Create a workspace titled `title` in org with a unique folder_name (copied to folder_out, size
 * >= 64, when not NULL); the test fails unless it is created. Returns the workspace (owned). */
json_t *it_ws_new(struct fastio_client *c, const char *title, const char *org, char *folder_out);

/* Only folders can be made through the API without uploading: a file row of size bytes straight
 * into the database of workspace ws, in parent (NULL = root), created by "test". Its id goes to
 * id (size >= 31, FIO_OPAQUE_ID_SIZE). The test fails unless the row is inserted. */
void it_insert_file(const struct it_server *s, const char *ws, const char *parent, const char *name,
                    long long size, char *id);

/* Run one SQL statement directly on the running server's database (DIR/meta.db, busy timeout
 * 10 s): for set-ups no endpoint offers yet (e.g. workspace members) and to check what is
 * stored. ?1, ?2 ... are bound to the NULL-terminated text arguments. Returns the first column
 * of the first row as an integer (0 when there is no row or it is not a number), -1 on error. */
long long it_db(const struct it_server *s, const char *sql, ...);

/* ---- scratch files (the transfer suites) ------------------------------------------------------
 */

/* Fill p[n] with pseudo-random bytes from the xorshift state *seed (advanced). */
void it_fill(unsigned char *p, size_t n, uint64_t *seed);
/* Write n such bytes to path (created or truncated); returns them (free()). */
unsigned char *it_make_file(const char *path, size_t n, uint64_t *seed);
/* The test fails unless path holds exactly want[n]. */
void it_assert_file_equals(const char *path, const unsigned char *want, size_t n);

/* ---- events and activity polls (test_events.c, test_activity.c, test_upload_events.c)
 * ---------------------------------- */

/* Whether keys (the JSON array of a poll's activity keys) holds the string key. */
bool it_has_key(json_t *keys, const char *key);
/* Number of events named `name` (NULL = any) in the scope (workspace ws and / or org, NULL =
 * not filtered), optionally about object: one page, whose length must equal the reported
 * total. */
int it_count_events(struct fastio_client *c, const char *ws, const char *org, const char *name,
                    const char *object);
/* The current activity cursor of entity: a poll without lastactivity, which answers at once with
 * no keys (the test fails otherwise). Owned: fastio_free. */
char *it_cursor_now(struct fastio_client *c, const char *entity);

/* The error envelope of a raw response: error.code, and name / kind of error.params[i]
 * (borrowed from *j, which the caller frees with json_decref). Returns the parsed body or NULL. */
json_t *it_error_body(const char *body, long *code);
const char *it_error_param(json_t *j, size_t i, const char *field);

#endif
