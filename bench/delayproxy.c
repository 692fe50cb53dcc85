/* SPDX-License-Identifier: MIT */
/* delayproxy.c - a user-space delay proxy for bench/run.sh (this kernel has no netem): accepts
 * on 127.0.0.1:LISTEN_PORT, connects each client to 127.0.0.1:TARGET_PORT and forwards both
 * directions, every byte held DELAY_MS before it is passed on (so a round trip gains 2 x
 * DELAY_MS). 127.0.0.1 only; at most MAX_CONNS connections at once; at most QUEUE_MAX bytes
 * queued per direction (the reader waits). Two threads per direction. Runs until killed.
 *   delayproxy LISTEN_PORT TARGET_PORT DELAY_MS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)
#define QUEUE_MAX (64L * 1024 * 1024)
#define MAX_CONNS 64

struct item {
    struct item *next;
    double due;
    size_t len;
    char data[];
};

struct dir {
    int from, to;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct item *head, *tail;
    long queued;
    int eof;
    atomic_int *alive;
};

static double delay_s;
static atomic_int conns;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *reader(void *arg)
{
    struct dir *d = arg;
    for (;;) {
        struct item *it = malloc(sizeof(*it) + CHUNK);
        if (!it)
            break;
        ssize_t r = read(d->from, it->data, CHUNK);
        if (r < 0 && errno == EINTR) {
            free(it);
            continue;
        }
        if (r <= 0) {
            free(it);
            break;
        }
        it->len = (size_t)r;
        it->due = now() + delay_s;
        it->next = NULL;
        pthread_mutex_lock(&d->mu);
        while (d->queued > QUEUE_MAX)
            pthread_cond_wait(&d->cv, &d->mu);
        if (d->tail)
            d->tail->next = it;
        else
            d->head = it;
        d->tail = it;
        d->queued += CHUNK;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
    }
    pthread_mutex_lock(&d->mu);
    d->eof = 1;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static void *writer(void *arg)
{
    struct dir *d = arg;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        while (!d->head && !d->eof)
            pthread_cond_wait(&d->cv, &d->mu);
        struct item *it = d->head;
        if (!it) {
            pthread_mutex_unlock(&d->mu);
            break;
        }
        d->head = it->next;
        if (!d->head)
            d->tail = NULL;
        d->queued -= CHUNK;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        double w = it->due - now();
        if (w > 0) {
            struct timespec ts = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
        }
        size_t off = 0;
        while (off < it->len) {
            ssize_t n = write(d->to, it->data + off, it->len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        int failed = off < it->len;
        free(it);
        if (failed)
            break;
    }
    shutdown(d->to, SHUT_WR);
    return NULL;
}

struct conn {
    struct dir up, down;
    int a, b;
};

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    pthread_t t[4];
    pthread_create(&t[0], NULL, reader, &c->up);
    pthread_create(&t[1], NULL, writer, &c->up);
    pthread_create(&t[2], NULL, reader, &c->down);
    pthread_create(&t[3], NULL, writer, &c->down);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    close(c->a);
    close(c->b);
    free(c);
    atomic_fetch_sub(&conns, 1);
    return NULL;
}

static void dir_init(struct dir *d, int from, int to)
{
    memset(d, 0, sizeof(*d));
    d->from = from;
    d->to = to;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: delayproxy LISTEN_PORT TARGET_PORT DELAY_MS\n");
        return 2;
    }
    char *end;
    long lp = strtol(argv[1], &end, 10), tp = strtol(argv[2], &end, 10);
    long ms = strtol(argv[3], &end, 10);
    if (lp < 1 || lp > 65535 || tp < 1 || tp > 65535 || ms < 0 || ms > 10000)
        return 2;
    delay_s = (double)ms / 1000.0;
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)lp);
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 64) != 0) {
        perror("delayproxy: listen");
        return 1;
    }
    struct sockaddr_in t = a;
    t.sin_port = htons((unsigned short)tp);
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            continue;
        if (atomic_load(&conns) >= MAX_CONNS) {
            close(c);
            continue;
        }
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || connect(s, (struct sockaddr *)&t, sizeof(t)) != 0) {
            close(c);
            if (s >= 0)
                close(s);
            continue;
        }
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct conn *cn = calloc(1, sizeof(*cn));
        if (!cn) {
            close(c);
            close(s);
            continue;
        }
        cn->a = c;
        cn->b = s;
        dir_init(&cn->up, c, s);
        dir_init(&cn->down, s, c);
        atomic_fetch_add(&conns, 1);
        pthread_t th;
        if (pthread_create(&th, NULL, conn_main, cn) == 0)
            pthread_detach(th);
    }
}
