/* SPDX-License-Identifier: MIT */
/* test_relay.c - the SMTP relay really delivers, and retries (issue 5, outbox.c): a server
 * points --smtp-url at a port where nothing listens yet, an invitation is queued in
 * DATA/outbox, then a tiny SMTP sink in this test starts listening on that port and must
 * receive exactly that one message while the file moves to outbox/sent/.
 *
 * The sink speaks just enough SMTP for libcurl (220, EHLO/HELO 250, MAIL 250, RCPT 250,
 * DATA 354, "." 250, QUIT 221), serves one connection at a time, and every read is bounded by
 * poll() timeouts and an overall deadline. The port is chosen by binding a socket first and
 * keeping it: a bound socket that does not listen refuses connections, so the relay fails
 * until listen() is called. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
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

#include <arpa/inet.h>
#include <cmocka.h>

#include "harness.h"

#define SINK_DATA_MAX (64 * 1024)
#define SINK_LIFETIME_MS 60000
#define SINK_LINE_MAX 2048

struct sink {
    int fd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t lock;
    struct {
        int messages;            /* completed DATA transactions */
        char rcpt[256];          /* RCPT TO of the last message */
        char data[SINK_DATA_MAX]; /* the last message, dot-unstuffed */
        size_t data_len;
    } got; /* under lock */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct conn {
    int fd;
    char in[4096];
    size_t len;
    int64_t deadline;
    const struct sink *k;
};

static bool send_str(int fd, const char *s)
{
    size_t n = strlen(s), off = 0;
    for (int tries = 0; off < n && tries < 100; tries++) {
        ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        off += (size_t)w;
    }
    return off == n;
}

/* One CRLF-terminated line (without the CRLF) into out; false on EOF, error, overlong line,
 * stop or deadline. */
static bool read_line(struct conn *c, char *out, size_t size)
{
    for (;;) {
        char *nl = memchr(c->in, '\n', c->len);
        if (nl) {
            size_t l = (size_t)(nl - c->in);
            size_t keep = l && c->in[l - 1] == '\r' ? l - 1 : l;
            if (keep >= size)
                return false;
            memcpy(out, c->in, keep);
            out[keep] = 0;
            memmove(c->in, nl + 1, c->len - l - 1);
            c->len -= l + 1;
            return true;
        }
        if (c->len == sizeof(c->in) || atomic_load(&c->k->stop) || now_ms() > c->deadline)
            return false;
        struct pollfd p = {c->fd, POLLIN, 0};
        int pr = poll(&p, 1, 100);
        if (pr < 0 && errno != EINTR)
            return false;
        if (pr <= 0)
            continue;
        ssize_t n = recv(c->fd, c->in + c->len, sizeof(c->in) - c->len, 0);
        if (n <= 0)
            return false;
        c->len += (size_t)n;
    }
}

static void sink_session(struct sink *k, int fd)
{
    struct conn c = {fd, {0}, 0, now_ms() + 20000, k};
    char line[SINK_LINE_MAX], rcpt[256] = "";
    static char data[SINK_DATA_MAX];
    if (!send_str(fd, "220 sink.test ESMTP\r\n"))
        return;
    for (int cmds = 0; cmds < 64; cmds++) {
        if (!read_line(&c, line, sizeof(line)))
            return;
        const char *reply = "250 OK\r\n";
        if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0) {
            reply = "250 sink.test\r\n";
        } else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
            const char *a = line + 8;
            size_t l = strlen(a);
            if (l >= 2 && a[0] == '<' && a[l - 1] == '>') {
                a++;
                l -= 2;
            }
            if (l < sizeof(rcpt)) {
                memcpy(rcpt, a, l);
                rcpt[l] = 0;
            }
        } else if (strncasecmp(line, "DATA", 4) == 0) {
            if (!send_str(fd, "354 go ahead\r\n"))
                return;
            size_t dl = 0;
            bool ended = false;
            for (int lines = 0; lines < 10000 && !ended; lines++) {
                if (!read_line(&c, line, sizeof(line)))
                    return;
                if (strcmp(line, ".") == 0) {
                    ended = true;
                    break;
                }
                const char *t = line[0] == '.' ? line + 1 : line; /* dot-unstuffing */
                size_t tl = strlen(t);
                if (dl + tl + 2 < sizeof(data)) {
                    memcpy(data + dl, t, tl);
                    memcpy(data + dl + tl, "\r\n", 2);
                    dl += tl + 2;
                }
            }
            if (!ended)
                return;
            pthread_mutex_lock(&k->lock);
            k->got.messages++;
            memcpy(k->got.rcpt, rcpt, sizeof(rcpt));
            memcpy(k->got.data, data, dl);
            k->got.data[dl] = 0;
            k->got.data_len = dl;
            pthread_mutex_unlock(&k->lock);
        } else if (strncasecmp(line, "QUIT", 4) == 0) {
            (void)send_str(fd, "221 bye\r\n");
            return;
        }
        if (!send_str(fd, reply))
            return;
    }
}

static void *sink_main(void *arg)
{
    struct sink *k = arg;
    int64_t end = now_ms() + SINK_LIFETIME_MS;
    while (!atomic_load(&k->stop) && now_ms() < end) {
        struct pollfd p = {k->fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int fd = accept(k->fd, NULL, NULL);
        if (fd < 0)
            continue;
        sink_session(k, fd);
        close(fd);
    }
    return NULL;
}

/* Bind 127.0.0.1:0 without listening: connections to the port are refused until sink_start. */
static void sink_bind(struct sink *k)
{
    memset(k, 0, sizeof(*k));
    atomic_init(&k->stop, false);
    pthread_mutex_init(&k->lock, NULL);
    k->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(k->fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    assert_int_equal(bind(k->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t al = sizeof(a);
    assert_int_equal(getsockname(k->fd, (struct sockaddr *)&a, &al), 0);
    k->port = ntohs(a.sin_port);
}

static void sink_start(struct sink *k)
{
    assert_int_equal(listen(k->fd, 8), 0);
    assert_int_equal(pthread_create(&k->thread, NULL, sink_main, k), 0);
}

static void sink_stop(struct sink *k, bool started)
{
    atomic_store(&k->stop, true);
    if (started)
        pthread_join(k->thread, NULL);
    close(k->fd);
    pthread_mutex_destroy(&k->lock);
}

static int sink_messages(struct sink *k)
{
    pthread_mutex_lock(&k->lock);
    int n = k->got.messages;
    pthread_mutex_unlock(&k->lock);
    return n;
}

/* Number of *.eml files (not temp files) in dir. */
static int eml_count(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] != '.' && l > 4 && strcmp(de->d_name + l - 4, ".eml") == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void test_relay_delivers_after_retry(void **state)
{
    (void)state;
    static struct sink k; /* static: the received message buffer is large */
    sink_bind(&k);
    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", k.port);
    const char *const args[] = {"--smtp-url", url, "--smtp-from", "Fastio <noreply@example.test>",
                                NULL};
    struct it_fixture f;
    const struct it_fixture_opts o = {args, true, NULL};
    assert_int_equal(it_fixture_start(&f, &o), 0);
    struct fastio_client *c = f.owner.c;
    const char *ws = f.owner.ws;
    json_t *wsj = NULL;
    struct fastio_error err;
    const char *pargs[1] = {ws};
    json_t *resp = NULL;
    assert_int_equal(fastio_call(c, FASTIO_EP_WORKSPACE_DETAILS, pargs, 1, NULL, 0, &resp, &err),
                     FASTIO_OK);
    wsj = fastio_result(resp, FASTIO_EP_WORKSPACE_DETAILS);
    char ws_name[128];
    snprintf(ws_name, sizeof(ws_name), "%s", json_string_value(json_object_get(wsj, "name")));
    json_decref(resp);

    char email[128];
    snprintf(email, sizeof(email), "relayed.%d@example.test", (int)getpid());
    const char *margs[2] = {ws, email};
    resp = NULL;
    assert_int_equal(fastio_call(c, FASTIO_EP_WORKSPACE_MEMBERS_ADD, margs, 2, NULL, 0, &resp,
                                 &err),
                     FASTIO_OK);
    json_decref(resp);

    char outbox[400], sent[420];
    snprintf(outbox, sizeof(outbox), "%s/outbox", f.srv.dir);
    snprintf(sent, sizeof(sent), "%s/sent", outbox);
    /* The relay is down (refused): the mail stays in the outbox. */
    assert_int_equal(eml_count(outbox), 1);
    usleep(400 * 1000); /* at least one failed attempt (the first is immediate) */
    assert_int_equal(eml_count(outbox), 1);
    assert_int_equal(eml_count(sent), 0);
    assert_int_equal(sink_messages(&k), 0);

    /* The relay comes up: the backoff retry (1 s, then 2 s, 4 s ...) delivers it. */
    sink_start(&k);
    int64_t end = now_ms() + 30000;
    while (now_ms() < end && !(eml_count(sent) == 1 && sink_messages(&k) == 1))
        usleep(50 * 1000);
    assert_int_equal(eml_count(sent), 1);
    assert_int_equal(eml_count(outbox), 0);
    usleep(300 * 1000); /* nothing is sent twice */
    assert_int_equal(sink_messages(&k), 1);

    pthread_mutex_lock(&k.lock);
    char want[300];
    assert_string_equal(k.got.rcpt, email);
    snprintf(want, sizeof(want), "\r\nTo: %s\r\n", email);
    assert_non_null(strstr(k.got.data, want));
    snprintf(want, sizeof(want), "\r\nSubject: You are invited to the workspace \"%s\"\r\n",
             ws_name);
    assert_non_null(strstr(k.got.data, want));
    assert_non_null(strstr(k.got.data, "From: Fastio <noreply@example.test>\r\n"));
    const char *body = strstr(k.got.data, "\r\n\r\n");
    assert_non_null(body);
    snprintf(want, sizeof(want), "/workspace/%s/members/join/", ws);
    assert_non_null(strstr(body, want));
    assert_non_null(strstr(body, "Invitation key: "));
    pthread_mutex_unlock(&k.lock);

    assert_int_equal(it_fixture_stop(&f), 0);
    sink_stop(&k, true);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_relay_delivers_after_retry),
};
IT_MAIN(tests, NULL, NULL)
