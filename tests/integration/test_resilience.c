/* test_resilience.c - retries, deadlines, cancellation, logs and token refresh of libfastio
 * against a small scripted HTTP server inside the test (a thread on 127.0.0.1:0 answering each
 * request from a script: 429 with x-ve-limit-expires, 503 with Retry-After, stalls, resets).
 * Deterministic and independent of fastio-server's fault mode. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "timeutil.h"

/* ---- the scripted server ------------------------------------------------------------------- */

enum act { ACT_REPLY, ACT_STALL, ACT_RESET };

struct step {
    enum act act;
    int status;
    const char *headers; /* extra header lines, each ending in \r\n; "%EXP+N%" = epoch now+N */
    const char *body;
};

#define MAX_REQS 64
struct script {
    const struct step *steps; /* request i uses steps[min(i, n-1)] unless pick is set */
    size_t n;
    const struct step *(*pick)(unsigned i); /* optional: the step of request i */
    const struct step *(*route)(const char *req); /* optional: the step for this request */
    int fd;
    int port;
    pthread_t th;
    atomic_bool stop;
    atomic_uint count;
    char reqs[MAX_REQS][2048]; /* the head and body of each request, cut */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Read one request (head + Content-Length body) into buf; false on EOF/error. */
static bool read_request(int fd, char *buf, size_t size)
{
    size_t len = 0;
    char *end = NULL;
    long clen = 0;
    while (end == NULL) {
        ssize_t r;
        if (len + 1 >= size)
            return false;
        r = recv(fd, buf + len, size - 1 - len, 0);
        if (r <= 0)
            return false;
        len += (size_t)r;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    for (char *p = buf; p < end; p++) {
        if (strncasecmp(p, "\r\nContent-Length:", 17) == 0)
            clen = strtol(p + 17, NULL, 10);
    }
    while ((size_t)(end + 4 - buf) + (size_t)clen > len && len + 1 < size) {
        ssize_t r = recv(fd, buf + len, size - 1 - len, 0);
        if (r <= 0)
            return false;
        len += (size_t)r;
        buf[len] = '\0';
    }
    return true;
}

static void reply(int fd, const struct step *s)
{
    char head[1024], extra[512] = "";
    const char *h = s->headers != NULL ? s->headers : "";
    const char *mark = strstr(h, "%EXP+");
    const char *body = s->body != NULL ? s->body : "{\"result\":true}";
    if (mark != NULL) {
        long add = strtol(mark + 5, NULL, 10);
        (void)snprintf(extra, sizeof(extra), "%.*s%lld%s", (int)(mark - h), h,
                       (long long)(fio_wall_us() / 1000000 + add), strchr(mark + 5, '%') + 1);
        h = extra;
    }
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s\r\n",
                     s->status, strlen(body), h);
    (void)!send(fd, head, (size_t)n, MSG_NOSIGNAL);
    (void)!send(fd, body, strlen(body), MSG_NOSIGNAL);
}

static void *serve(void *p)
{
    struct script *sc = p;
    while (!atomic_load(&sc->stop)) {
        struct pollfd pfd = {sc->fd, POLLIN, 0};
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        int cfd = accept(sc->fd, NULL, NULL);
        if (cfd < 0)
            continue;
        char buf[8192];
        if (!read_request(cfd, buf, sizeof(buf))) {
            close(cfd);
            continue;
        }
        unsigned i = atomic_fetch_add(&sc->count, 1);
        if (i < MAX_REQS) {
            size_t k = strlen(buf);
            if (k >= sizeof(sc->reqs[i]))
                k = sizeof(sc->reqs[i]) - 1;
            memcpy(sc->reqs[i], buf, k);
            sc->reqs[i][k] = '\0';
        }
        const struct step *s = sc->route != NULL  ? sc->route(buf)
                               : sc->pick != NULL ? sc->pick(i)
                                                  : &sc->steps[i < sc->n ? i : sc->n - 1];
        if (s->act == ACT_STALL) {
            /* hold the connection open without answering until the test ends */
            for (int k = 0; k < 1000 && !atomic_load(&sc->stop); k++) {
                struct pollfd cp = {cfd, POLLIN, 0};
                if (poll(&cp, 1, 10) > 0) {
                    char tmp[64];
                    if (recv(cfd, tmp, sizeof(tmp), 0) <= 0)
                        break; /* the client hung up */
                }
            }
        } else if (s->act == ACT_RESET) {
            struct linger lg = {1, 0}; /* close with RST */
            (void)setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        } else {
            reply(cfd, s);
        }
        close(cfd);
    }
    return NULL;
}

static void script_start(struct script *sc, const struct step *steps, size_t n)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    memset(sc, 0, sizeof(*sc));
    sc->steps = steps;
    sc->n = n;
    atomic_init(&sc->stop, false);
    atomic_init(&sc->count, 0);
    sc->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(sc->fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(sc->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(sc->fd, 16), 0);
    assert_int_equal(getsockname(sc->fd, (struct sockaddr *)&a, &al), 0);
    sc->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&sc->th, NULL, serve, sc), 0);
}

static void script_stop(struct script *sc)
{
    atomic_store(&sc->stop, true);
    assert_int_equal(pthread_join(sc->th, NULL), 0);
    close(sc->fd);
}

/* ---- clients and captured logs ------------------------------------------------------------- */

struct logcap {
    char *lines[MAX_REQS];
    size_t n;
};

static void capture(void *ud, const char *line)
{
    struct logcap *lc = ud;
    if (lc->n < MAX_REQS)
        lc->lines[lc->n++] = strdup(line);
}

static void logcap_free(struct logcap *lc)
{
    for (size_t i = 0; i < lc->n; i++)
        free(lc->lines[i]);
    lc->n = 0;
}

static struct fastio_client *client_for(const struct script *sc, int port, const char *token,
                                        struct logcap *lc, long base_ms)
{
    char base[64];
    struct fastio_config cfg;
    struct fastio_error err;
    (void)snprintf(base, sizeof(base), "http://127.0.0.1:%d/current", sc != NULL ? sc->port : port);
    fastio_config_init(&cfg);
    cfg.base_url = base;
    cfg.token = token;
    cfg.timeout_ms = 20000;
    cfg.backoff_base_ms = base_ms;
    cfg.max_retries = 6;
    if (lc != NULL) {
        cfg.log = capture;
        cfg.log_userdata = lc;
    }
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

/* ---- rate limits and 5xx ------------------------------------------------------------------- */

static const struct step always_429[] = {
    {ACT_REPLY, 429, "x-ve-limit-avail: 0\r\nx-ve-limit-expires: %EXP+1%\r\n",
     "{\"result\":false,\"error\":{\"code\":1671,\"text\":\"rate limited\"}}"}};

/* A storm that never ends: the call gives up within its deadline, however many retries it
 * was allowed, and says how long the server asked it to wait. */
static void test_429_storm_bounded_by_deadline(void **state)
{
    (void)state;
    struct script sc;
    struct logcap lc = {0};
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, always_429, 1);
    struct fastio_client *c = client_for(&sc, 0, NULL, &lc, 50);
    fastio_call_opts_init(&o);
    o.timeout_ms = 2500;
    o.max_retries = 100;
    int64_t t0 = fastio_now_ms();
    enum fastio_status st = fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err);
    int64_t took = fastio_now_ms() - t0;
    assert_int_equal(st, FASTIO_RATE_LIMITED);
    assert_int_equal(err.http_status, 429);
    assert_int_equal(err.api_code, 1671);
    assert_true(err.retry_after_ms >= 0 && err.retry_after_ms <= 2000);
    assert_true(took <= 2500 + 100);
    unsigned n = atomic_load(&sc.count);
    assert_true(n >= 2 && n <= 6); /* waits of up to 1 s each, as x-ve-limit-expires said */
    assert_int_equal(lc.n, n);
    assert_non_null(strstr(lc.lines[n - 1], "\"retry_wait_ms\":-1"));
    fastio_client_free(c);
    script_stop(&sc);
    logcap_free(&lc);
}

static const struct step two_429_then_ok[] = {
    {ACT_REPLY, 429, "x-ve-limit-expires: %EXP+2%\r\n", "{\"result\":false,\"error\":{\"code\":1671}}"},
    {ACT_REPLY, 429, "X-Rate-Limit-Expiry: %EXP+0%\r\n", "{\"result\":false,\"error\":{\"code\":1671}}"},
    {ACT_REPLY, 200, NULL, "{\"result\":true,\"ping\":\"pong\"}"}};

/* An UNSAFE row is repeated after 429 (the limiter refused it before any handler ran), with
 * the legacy header name understood too. */
static void test_429_then_success_unsafe_row(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    json_t *out = NULL;
    script_start(&sc, two_429_then_ok, 3);
    struct fastio_client *c = client_for(&sc, 0, "tok", NULL, 50);
    struct fastio_param p[] = {{"domain", "x"}};
    int64_t t0 = fastio_now_ms();
    assert_int_equal(fastio_call(c, FASTIO_EP_ORG_CREATE, NULL, 0, p, 1, &out, &err), FASTIO_OK);
    int64_t took = fastio_now_ms() - t0;
    assert_int_equal(atomic_load(&sc.count), 3);
    assert_true(took >= 900 && took < 3500);
    json_decref(out);
    fastio_client_free(c);
    script_stop(&sc);
}

static const struct step *thirty_percent_503(unsigned i)
{
    static const struct step fail = {ACT_REPLY, 503, "Retry-After: 0\r\n", "Service Unavailable"};
    static const struct step ok = {ACT_REPLY, 200, NULL, "{\"result\":true,\"ping\":\"pong\"}"};
    return (i * 7) % 10 < 3 ? &fail : &ok; /* deterministic: 3 requests in every 10 fail */
}

static void test_503_thirty_percent(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, NULL, 0);
    sc.pick = thirty_percent_503;
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    fastio_call_opts_init(&o);
    int64_t t0 = fastio_now_ms();
    o.deadline_ms = t0 + 8000; /* one deadline for the whole batch */
    for (int k = 0; k < 30; k++)
        assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                         FASTIO_OK);
    assert_true(fastio_now_ms() - t0 < 8000);
    unsigned n = atomic_load(&sc.count);
    assert_true(n > 30 && n < 50); /* every failure cost one more request */
    fastio_client_free(c);
    script_stop(&sc);
}

static const struct step retry_after_then_ok[] = {
    {ACT_REPLY, 503, "Retry-After: 1\r\n", "{\"result\":false,\"error\":{\"code\":503}}"},
    {ACT_REPLY, 200, NULL, NULL}};

static void test_503_retry_after_respected(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    script_start(&sc, retry_after_then_ok, 2);
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    int64_t t0 = fastio_now_ms();
    assert_int_equal(fastio_ping(c, NULL, &err), FASTIO_OK);
    int64_t took = fastio_now_ms() - t0;
    assert_true(took >= 1000 && took < 2000);
    /* A deadline shorter than the wait: the failure comes back at once with the hint. */
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.timeout_ms = 500;
    atomic_store(&sc.count, 0);
    t0 = fastio_now_ms();
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                     FASTIO_SERVER);
    assert_true(fastio_now_ms() - t0 < 400);
    assert_true(err.retry_after_ms >= 1000);
    fastio_client_free(c);
    script_stop(&sc);
}

/* ---- cancellation and deadlines ------------------------------------------------------------ */

struct trigger_arg {
    struct fastio_cancel *t;
    long after_ms;
    int64_t fired_ms;
};

static void *trigger_later(void *p)
{
    struct trigger_arg *a = p;
    sleep_ms(a->after_ms);
    a->fired_ms = fastio_now_ms();
    fastio_cancel_trigger(a->t);
    return NULL;
}

static const struct step stall[] = {{ACT_STALL, 0, NULL, NULL}};

static void test_cancel_stalled_request(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, stall, 1);
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    struct fastio_cancel *t = fastio_cancel_new();
    assert_non_null(t);
    /* through the client's default options, so a typed wrapper is cancelled too */
    fastio_call_opts_init(&o);
    o.cancel = t;
    assert_int_equal(fastio_client_set_call_opts(c, &o, &err), FASTIO_OK);
    struct trigger_arg a = {t, 300, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, trigger_later, &a), 0);
    json_t *out = NULL;
    assert_int_equal(fastio_ping(c, &out, &err), FASTIO_CANCELLED);
    int64_t late = fastio_now_ms() - a.fired_ms;
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_null(out);
    assert_int_equal(err.status, FASTIO_CANCELLED);
    assert_true(late >= 0 && late < 100);
    assert_int_equal(atomic_load(&sc.count), 1); /* not retried */
    fastio_client_free(c);
    fastio_cancel_free(t);
    script_stop(&sc);
}

static void test_deadline_stalled_request(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, stall, 1);
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    fastio_call_opts_init(&o);
    o.timeout_ms = 300;
    int64_t t0 = fastio_now_ms();
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                     FASTIO_TIMEOUT);
    int64_t took = fastio_now_ms() - t0;
    assert_true(took >= 300 && took < 400);
    fastio_client_free(c);
    script_stop(&sc);
}

static const struct step long_503[] = {
    {ACT_REPLY, 503, "Retry-After: 30\r\n", "{\"result\":false,\"error\":{\"code\":503}}"}};

static void test_cancel_during_backoff(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct fastio_call_opts o;
    script_start(&sc, long_503, 1);
    struct fastio_client *c = client_for(&sc, 0, NULL, NULL, 20);
    struct fastio_cancel *t = fastio_cancel_new();
    assert_non_null(t);
    fastio_call_opts_init(&o);
    o.cancel = t;
    struct trigger_arg a = {t, 300, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, trigger_later, &a), 0);
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_PING, NULL, 0, NULL, 0, &o, NULL, &err),
                     FASTIO_CANCELLED);
    int64_t late = fastio_now_ms() - a.fired_ms;
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(late >= 0 && late < 100);
    assert_int_equal(atomic_load(&sc.count), 1);
    fastio_client_free(c);
    fastio_cancel_free(t);
    script_stop(&sc);
}

/* ---- what may be repeated ------------------------------------------------------------------ */

static const struct step reset_then_ok[] = {{ACT_RESET, 0, NULL, NULL},
                                            {ACT_REPLY, 200, NULL, NULL}};

static void test_unsafe_post_not_resent_after_body(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    script_start(&sc, reset_then_ok, 2);
    struct fastio_client *c = client_for(&sc, 0, "tok", NULL, 20);
    struct fastio_param p[] = {{"domain", "acme"}, {"name", "Acme"}};
    /* the server read the whole request, then reset: it may have created the org */
    assert_int_equal(fastio_call(c, FASTIO_EP_ORG_CREATE, NULL, 0, p, 2, NULL, &err),
                     FASTIO_NETWORK);
    assert_int_equal(atomic_load(&sc.count), 1);
    assert_non_null(strstr(sc.reqs[0], "domain=acme"));
    /* the same failure on a SAFE row is repeated */
    atomic_store(&sc.count, 0);
    assert_int_equal(fastio_ping(c, NULL, &err), FASTIO_OK);
    assert_int_equal(atomic_load(&sc.count), 2);
    fastio_client_free(c);
    script_stop(&sc);
}

static void test_unsafe_post_retried_when_nothing_sent(void **state)
{
    (void)state;
    /* a port with nobody listening: the connection fails before any byte is sent */
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    struct logcap lc = {0};
    struct fastio_client *c = client_for(NULL, ntohs(a.sin_port), "tok", &lc, 10);
    struct fastio_error err;
    struct fastio_call_opts o;
    fastio_call_opts_init(&o);
    o.max_retries = 2;
    struct fastio_param p[] = {{"domain", "acme"}};
    assert_int_equal(fastio_call_ex(c, FASTIO_EP_ORG_CREATE, NULL, 0, p, 1, &o, NULL, &err),
                     FASTIO_NETWORK);
    assert_int_equal(lc.n, 3);
    assert_non_null(strstr(lc.lines[0], "\"attempt\":1"));
    assert_non_null(strstr(lc.lines[2], "\"attempt\":3"));
    fastio_client_free(c);
    logcap_free(&lc);
}

/* ---- logs ---------------------------------------------------------------------------------- */

static const struct step fail_then_ok[] = {
    {ACT_REPLY, 500, NULL, "{\"result\":false,\"error\":{\"code\":1,\"text\":\"oops\"}}"},
    {ACT_REPLY, 200, NULL,
     "{\"result\":true,\"access_token\":\"fio_o_RESPONSE-SECRET\",\"token_type\":\"Bearer\"}"}};

static void test_logs_have_no_secret(void **state)
{
    (void)state;
    static const char *const secrets[] = {"BEARER-SECRET-1", "QUERY-SECRET-2",  "QUERY-SECRET-3",
                                          "QUERY-SECRET-4",  "QUERY-SECRET-5",  "QUERY-SECRET-6",
                                          "FORM-SECRET-7",   "FORM-SECRET-8",   "BASIC-SECRET-9",
                                          "RESPONSE-SECRET", "VERIFIER-SECRET-10-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    struct script sc;
    struct logcap lc = {0};
    struct fastio_error err;
    script_start(&sc, fail_then_ok, 2);
    struct fastio_client *c = client_for(&sc, 0, secrets[0], &lc, 10);
    struct fastio_param q[] = {{"limit", "10"},
                               {"access_token", secrets[1]},
                               {"password", secrets[2]},
                               {"lock_token", secrets[3]},
                               {"refresh_token", secrets[4]},
                               {"code", secrets[5]}};
    assert_int_equal(fastio_call(c, FASTIO_EP_ORG_LIST, NULL, 0, q, 6, NULL, &err), FASTIO_OK);
    char rid[40];
    (void)snprintf(rid, sizeof(rid), "%s", fastio_client_last_request_id(c));
    assert_int_equal(strlen(rid), 32);
    /* both attempts of the call carried the same x-request-id */
    char hdr[64];
    (void)snprintf(hdr, sizeof(hdr), "X-Request-Id: %s", rid);
    assert_non_null(strstr(sc.reqs[0], hdr));
    assert_non_null(strstr(sc.reqs[1], hdr));
    struct fastio_param f[] = {{"password", secrets[6]}, {"api_key", secrets[7]}};
    assert_int_equal(fastio_call(c, FASTIO_EP_ORG_CREATE, NULL, 0, f, 2, NULL, &err), FASTIO_OK);
    char *tok = NULL;
    enum fastio_status sst = fastio_user_signin(c, "a@example.test", secrets[8], &tok, NULL, &err);
    (void)sst; /* the canned answer has no token: only the log matters here */
    fastio_free(tok);
    struct fastio_oauth_tokens t;
    struct fastio_oauth_code_grant g = {secrets[5], secrets[10], "fastio-cli",
                                        "http://127.0.0.1:1/callback", NULL, NULL};
    assert_int_equal(fastio_oauth_token_exchange(c, &g, &t, &err), FASTIO_OK);
    assert_string_equal(t.access_token, "fio_o_RESPONSE-SECRET");
    fastio_oauth_tokens_release(&t);

    assert_true(lc.n >= 5);
    for (size_t i = 0; i < lc.n; i++) {
        json_t *j = json_loads(lc.lines[i], 0, NULL);
        assert_non_null(j); /* one JSON object per line */
        assert_true(json_is_integer(json_object_get(j, "attempt")));
        json_decref(j);
        for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
            assert_null(strstr(lc.lines[i], secrets[k]));
        assert_null(strcasestr(lc.lines[i], "authorization"));
    }
    assert_non_null(strstr(lc.lines[0], rid));
    assert_non_null(strstr(lc.lines[0], "\"attempt\":1"));
    assert_non_null(strstr(lc.lines[0], "\"status\":500"));
    assert_null(strstr(lc.lines[0], "\"retry_wait_ms\":-1"));
    assert_non_null(strstr(lc.lines[1], "\"attempt\":2"));
    assert_non_null(strstr(lc.lines[1], "\"path\":\"/orgs/list/\""));
    assert_non_null(strstr(lc.lines[1], "limit=10"));
    /* the secrets did reach the server: the test would prove nothing otherwise */
    assert_non_null(strstr(sc.reqs[1], secrets[1]));
    assert_non_null(strstr(sc.reqs[2], secrets[6]));
    fastio_client_free(c);
    script_stop(&sc);
    logcap_free(&lc);
}

/* ---- token refresh ------------------------------------------------------------------------- */

static const struct step refresh_script[] = {
    {ACT_REPLY, 401, NULL, "{\"result\":false,\"error\":{\"code\":1650,\"text\":\"expired\"}}"},
    {ACT_REPLY, 200, NULL,
     "{\"access_token\":\"fio_o_new\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
     "\"refresh_token\":\"fio_r_new\"}"},
    {ACT_REPLY, 200, NULL, "{\"result\":true,\"id\":\"1234567890123456789\"}"}};

struct persisted {
    int calls;
    char access[64];
    char refresh[64];
    int64_t expires_at;
};

static enum fastio_status persist(void *ud, const struct fastio_oauth_tokens *t,
                                  int64_t expires_at, struct fastio_error *err)
{
    struct persisted *p = ud;
    (void)err;
    p->calls++;
    (void)snprintf(p->access, sizeof(p->access), "%s", t->access_token);
    (void)snprintf(p->refresh, sizeof(p->refresh), "%s", t->refresh_token);
    p->expires_at = expires_at;
    return FASTIO_OK;
}

static void test_refresh_once_on_401(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    struct persisted saved = {0};
    char base[64];
    script_start(&sc, refresh_script, 3);
    (void)snprintf(base, sizeof(base), "http://127.0.0.1:%d/current", sc.port);
    struct fastio_token_store_config tc = {0};
    tc.base_url = base;
    tc.client_id = "fastio-cli";
    tc.access_token = "fio_o_old";
    tc.refresh_token = "fio_r_old";
    tc.persist = persist;
    tc.persist_userdata = &saved;
    struct fastio_token_store *store = fastio_token_store_new(&tc, &err);
    assert_non_null(store);

    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = base;
    cfg.token_provider = fastio_token_store_provider;
    cfg.token_provider_userdata = store;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    char *id = NULL;
    assert_int_equal(fastio_auth_check(c, &id, &err), FASTIO_OK);
    assert_string_equal(id, "1234567890123456789");
    fastio_free(id);
    assert_int_equal(atomic_load(&sc.count), 3);
    assert_non_null(strstr(sc.reqs[0], "Authorization: Bearer fio_o_old"));
    assert_non_null(strstr(sc.reqs[1], "POST /current/oauth/token/"));
    assert_non_null(strstr(sc.reqs[1], "grant_type=refresh_token"));
    assert_non_null(strstr(sc.reqs[1], "refresh_token=fio_r_old"));
    assert_null(strstr(sc.reqs[1], "Authorization:"));
    assert_non_null(strstr(sc.reqs[2], "Authorization: Bearer fio_o_new"));
    /* the rotated pair was persisted, with an absolute expiry */
    assert_int_equal(saved.calls, 1);
    assert_string_equal(saved.access, "fio_o_new");
    assert_string_equal(saved.refresh, "fio_r_new");
    int64_t now = fio_wall_us() / 1000000;
    assert_true(saved.expires_at >= now + 3590 && saved.expires_at <= now + 3600);
    struct fastio_oauth_tokens snap;
    assert_int_equal(fastio_token_store_snapshot(store, &snap, &err), FASTIO_OK);
    assert_string_equal(snap.refresh_token, "fio_r_new");
    assert_true(snap.expires_in > 3500);
    fastio_oauth_tokens_release(&snap);

    fastio_client_free(c);
    fastio_token_store_free(store);
    script_stop(&sc);
}

static const struct step refresh_refused[] = {
    {ACT_REPLY, 401, NULL, "{\"result\":false,\"error\":{\"code\":1650}}"},
    {ACT_REPLY, 400, NULL,
     "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token reused\"}"}};

static void test_refresh_refused_is_auth(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    char base[64];
    script_start(&sc, refresh_refused, 2);
    (void)snprintf(base, sizeof(base), "http://127.0.0.1:%d/current", sc.port);
    struct fastio_token_store_config tc = {0};
    tc.base_url = base;
    tc.client_id = "fastio-cli";
    tc.access_token = "fio_o_old";
    tc.refresh_token = "fio_r_spent";
    struct fastio_token_store *store = fastio_token_store_new(&tc, &err);
    assert_non_null(store);
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = base;
    cfg.token_provider = fastio_token_store_provider;
    cfg.token_provider_userdata = store;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(fastio_auth_check(c, NULL, &err), FASTIO_AUTH);
    assert_non_null(strstr(err.message, "invalid_grant"));
    assert_int_equal(atomic_load(&sc.count), 2); /* no retry of the refused refresh */
    fastio_client_free(c);
    fastio_token_store_free(store);
    script_stop(&sc);
}

static const struct step early_refresh[] = {
    {ACT_REPLY, 200, NULL,
     "{\"access_token\":\"fio_o_fresh\",\"token_type\":\"Bearer\",\"expires_in\":3600}"},
    {ACT_REPLY, 200, NULL, "{\"result\":true,\"id\":\"1\"}"}};

/* A token inside the skew window is refreshed before the call; a refresh answer without a
 * refresh token keeps the old one. */
static void test_refresh_before_expiry(void **state)
{
    (void)state;
    struct script sc;
    struct fastio_error err;
    char base[64];
    script_start(&sc, early_refresh, 2);
    (void)snprintf(base, sizeof(base), "http://127.0.0.1:%d/current", sc.port);
    struct fastio_token_store_config tc = {0};
    tc.base_url = base;
    tc.client_id = "fastio-cli";
    tc.access_token = "fio_o_expiring";
    tc.refresh_token = "fio_r_keep";
    tc.expires_at = fio_wall_us() / 1000000 + 30; /* inside the default 60 s skew */
    struct fastio_token_store *store = fastio_token_store_new(&tc, &err);
    assert_non_null(store);
    struct fastio_config cfg;
    fastio_config_init(&cfg);
    cfg.base_url = base;
    cfg.token_provider = fastio_token_store_provider;
    cfg.token_provider_userdata = store;
    struct fastio_client *c = fastio_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(fastio_auth_check(c, NULL, &err), FASTIO_OK);
    assert_non_null(strstr(sc.reqs[0], "/oauth/token/"));
    assert_non_null(strstr(sc.reqs[1], "Bearer fio_o_fresh"));
    struct fastio_oauth_tokens snap;
    assert_int_equal(fastio_token_store_snapshot(store, &snap, &err), FASTIO_OK);
    assert_string_equal(snap.refresh_token, "fio_r_keep");
    fastio_oauth_tokens_release(&snap);
    fastio_client_free(c);
    fastio_token_store_free(store);
    script_stop(&sc);
}

/* ---- one refresh shared by many threads ----------------------------------------------------- */

#define N_THREADS 8

/* What the routed server saw: refresh calls, 401s to the old token, successes with the new. */
static atomic_uint g_refreshes, g_rejected, g_accepted;
static atomic_bool g_held;

/* Answer by content, not order: the threads race. The token endpoint rotates once and refuses
 * any later refresh (the old refresh token is spent), as fastio-server does. */
static const struct step *route_refresh(const char *req)
{
    static const struct step rotated = {
        ACT_REPLY, 200, NULL,
        "{\"access_token\":\"fio_o_new\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
        "\"refresh_token\":\"fio_r_new\"}"};
    static const struct step reused = {
        ACT_REPLY, 400, NULL,
        "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token reused\"}"};
    static const struct step expired = {
        ACT_REPLY, 401, NULL, "{\"result\":false,\"error\":{\"code\":1650,\"text\":\"expired\"}}"};
    static const struct step ok = {ACT_REPLY, 200, NULL, "{\"result\":true,\"id\":\"1\"}"};
    if (strstr(req, "/oauth/token/") != NULL) {
        unsigned n = atomic_fetch_add(&g_refreshes, 1);
        sleep_ms(150); /* a slow refresh: the other threads pile up behind the store's lock */
        return n == 0 && strstr(req, "refresh_token=fio_r_old") != NULL ? &rotated : &reused;
    }
    if (strstr(req, "Authorization: Bearer fio_o_new\r\n") != NULL) {
        atomic_fetch_add(&g_accepted, 1);
        return &ok;
    }
    /* the first old-token request waits so that every thread's request queues up behind it,
     * ahead of the refresh: several threads get a 401 for the same token */
    if (!atomic_exchange(&g_held, true))
        sleep_ms(300);
    atomic_fetch_add(&g_rejected, 1);
    return &expired;
}

struct racer {
    pthread_barrier_t *go;
    const char *base;
    struct fastio_token_store *store;
    enum fastio_status st;
};

static void *race(void *p)
{
    struct racer *r = p;
    struct fastio_config cfg;
    struct fastio_error err;
    fastio_config_init(&cfg);
    cfg.base_url = r->base;
    cfg.timeout_ms = 10000;
    cfg.token_provider = fastio_token_store_provider;
    cfg.token_provider_userdata = r->store;
    struct fastio_client *c = fastio_client_new(&cfg, &err); /* one client per thread */
    (void)pthread_barrier_wait(r->go);
    r->st = c != NULL ? fastio_auth_check(c, NULL, &err) : FASTIO_NOMEM;
    fastio_client_free(c);
    return NULL;
}

/* N_THREADS clients on N_THREADS threads share one store whose token is expiring (early) or
 * already rejected by the server (expires_at 0 = unknown, so only a 401 reveals it): the token
 * endpoint sees exactly one refresh, every call succeeds with the new token, and the rotated
 * pair is persisted once. */
static void shared_refresh(bool early)
{
    struct script sc;
    struct fastio_error err;
    struct persisted saved = {0};
    char base[64];
    pthread_barrier_t go;
    pthread_t th[N_THREADS];
    struct racer r[N_THREADS];
    atomic_store(&g_refreshes, 0);
    atomic_store(&g_rejected, 0);
    atomic_store(&g_accepted, 0);
    atomic_store(&g_held, false);
    script_start(&sc, NULL, 0);
    sc.route = route_refresh;
    (void)snprintf(base, sizeof(base), "http://127.0.0.1:%d/current", sc.port);
    struct fastio_token_store_config tc = {0};
    tc.base_url = base;
    tc.client_id = "fastio-cli";
    tc.access_token = "fio_o_old";
    tc.refresh_token = "fio_r_old";
    tc.expires_at = early ? fio_wall_us() / 1000000 + 30 : 0; /* inside the 60 s skew */
    tc.persist = persist;
    tc.persist_userdata = &saved;
    struct fastio_token_store *store = fastio_token_store_new(&tc, &err);
    assert_non_null(store);
    assert_int_equal(pthread_barrier_init(&go, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++) {
        r[i] = (struct racer){&go, base, store, FASTIO_INVALID};
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    int64_t t0 = fastio_now_ms();
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_true(fastio_now_ms() - t0 < 5000);
    (void)pthread_barrier_destroy(&go);
    for (int i = 0; i < N_THREADS; i++)
        assert_int_equal(r[i].st, FASTIO_OK);
    assert_int_equal(atomic_load(&g_refreshes), 1);
    assert_int_equal(atomic_load(&g_accepted), N_THREADS);
    if (early)
        assert_int_equal(atomic_load(&g_rejected), 0); /* nobody used the expiring token */
    else
        assert_true(atomic_load(&g_rejected) >= 2); /* the race happened */
    assert_int_equal(atomic_load(&sc.count),
                     1 + N_THREADS + atomic_load(&g_rejected)); /* nothing else was sent */
    assert_int_equal(saved.calls, 1);
    assert_string_equal(saved.access, "fio_o_new");
    assert_string_equal(saved.refresh, "fio_r_new");
    struct fastio_oauth_tokens snap;
    assert_int_equal(fastio_token_store_snapshot(store, &snap, &err), FASTIO_OK);
    assert_string_equal(snap.access_token, "fio_o_new");
    assert_string_equal(snap.refresh_token, "fio_r_new");
    assert_true(snap.expires_in > 3500);
    fastio_oauth_tokens_release(&snap);
    fastio_token_store_free(store);
    script_stop(&sc);
}

static void test_refresh_shared_by_threads_early(void **state)
{
    (void)state;
    shared_refresh(true);
}

static void test_refresh_shared_by_threads_on_401(void **state)
{
    (void)state;
    shared_refresh(false);
}

static int setup(void **state)
{
    (void)state;
    return fastio_global_init() == FASTIO_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fastio_global_cleanup();
    return 0;
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_429_storm_bounded_by_deadline),
    cmocka_unit_test(test_429_then_success_unsafe_row),
    cmocka_unit_test(test_503_thirty_percent),
    cmocka_unit_test(test_503_retry_after_respected),
    cmocka_unit_test(test_cancel_stalled_request),
    cmocka_unit_test(test_deadline_stalled_request),
    cmocka_unit_test(test_cancel_during_backoff),
    cmocka_unit_test(test_unsafe_post_not_resent_after_body),
    cmocka_unit_test(test_unsafe_post_retried_when_nothing_sent),
    cmocka_unit_test(test_logs_have_no_secret),
    cmocka_unit_test(test_refresh_once_on_401),
    cmocka_unit_test(test_refresh_refused_is_auth),
    cmocka_unit_test(test_refresh_before_expiry),
    cmocka_unit_test(test_refresh_shared_by_threads_early),
    cmocka_unit_test(test_refresh_shared_by_threads_on_401),
};

IT_MAIN(tests, setup, teardown)
