/* SPDX-License-Identifier: MIT */
/* mcp_stdio.c - the stdio transport of the MCP client: a spawned server process that reads
 * newline-delimited JSON-RPC on its stdin and writes it on its stdout. Both are UNIX stream
 * sockets (socketpair), so a write to a process that died is EPIPE through MSG_NOSIGNAL instead
 * of a SIGPIPE in the caller's program. */
#include "mcp_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum fastio_status mcp_stdio_open(struct fastio_mcp *m, struct fastio_error *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) != 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0)
                close(in[i]);
            if (out[i] >= 0)
                close(out[i]);
        }
        return mcp_fail(err, FASTIO_IO, "cannot create the pipes to the MCP server process: %s",
                        strerror(e));
    }
    /* an exec failure is reported through this pipe (it closes on a successful exec) */
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) != 0) {
        int e = errno;
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        return mcp_fail(err, FASTIO_IO, "cannot create a pipe: %s", strerror(e));
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* the child: only async-signal-safe calls from here to exec */
        if (dup2(in[1], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        execvp(m->argv[0], m->argv);
        int e = errno;
        ssize_t w = write(ep[1], &e, sizeof(e));
        (void)w;
        _exit(127);
    }
    int fe = errno;
    close(in[1]);
    close(out[1]);
    close(ep[1]);
    if (pid < 0) {
        close(in[0]);
        close(out[0]);
        close(ep[0]);
        return mcp_fail(err, FASTIO_IO, "cannot start %.200s: fork failed: %s", m->argv[0],
                        strerror(fe));
    }
    int child_errno = 0;
    ssize_t r;
    do
        r = read(ep[0], &child_errno, sizeof(child_errno));
    while (r < 0 && errno == EINTR);
    close(ep[0]);
    m->pid = pid;
    m->to_child = in[0];
    m->from_child = out[0];
    if (r == (ssize_t)sizeof(child_errno)) {
        return mcp_fail(err, FASTIO_IO, "cannot run %.200s: %s (check the command and PATH)",
                        m->argv[0], strerror(child_errno));
    }
    return FASTIO_OK;
}

static void child_gone(struct fastio_mcp *m, const char *what)
{
    if (m->dead != FASTIO_OK)
        return;
    int status = 0;
    char how[80] = "";
    /* its output closes a moment before it can be reaped: wait for that up to 200 ms */
    pid_t r = 0;
    for (int i = 0; m->pid > 0 && i < 10; i++) {
        r = waitpid(m->pid, &status, WNOHANG);
        if (r != 0)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (m->pid > 0 && r == m->pid) {
        if (WIFEXITED(status))
            snprintf(how, sizeof(how), " (it exited with status %d)", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
            snprintf(how, sizeof(how), " (it was killed by signal %d)", WTERMSIG(status));
        m->pid = -1;
    }
    m->dead = FASTIO_NETWORK;
    snprintf(m->dead_msg, sizeof(m->dead_msg),
             "the MCP server process %.120s %s%s; see its stderr", m->argv[0], what, how);
}

enum fastio_status mcp_stdio_send(struct fastio_mcp *m, const char *text, struct fastio_error *err)
{
    if (m->dead != FASTIO_OK)
        return mcp_fail(err, m->dead, "%s", m->dead_msg);
    size_t n = strlen(text);
    /* one message per line: the encoder never writes a raw newline (JSON escapes it) */
    static char nl[] = "\n";
    size_t total = n + 1, sent = 0;
    int64_t deadline = fastio_now_ms() + (m->cfg.timeout_ms > 0 ? m->cfg.timeout_ms : 60000);
    while (sent < total) {
        struct msghdr mh = {0};
        struct iovec cur[2];
        int cnt = 0;
        if (sent < n) {
            cur[cnt++] = (struct iovec){(char *)text + sent, n - sent};
        }
        cur[cnt++] = (struct iovec){nl, 1};
        mh.msg_iov = cur;
        mh.msg_iovlen = (size_t)cnt;
        ssize_t w = sendmsg(m->to_child, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            sent += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* the child is not reading: keep reading its output meanwhile so neither side
             * blocks the other, up to the deadline */
            if (fastio_now_ms() >= deadline)
                return mcp_fail(err, FASTIO_TIMEOUT, "the MCP server process does not read its "
                                                     "input");
            struct pollfd pf[2] = {{m->to_child, POLLOUT, 0}, {m->from_child, POLLIN, 0}};
            (void)poll(pf, 2, 100);
            if (pf[1].revents & (POLLIN | POLLHUP)) {
                enum fastio_status st = mcp_stdio_step(m, fastio_now_ms(), err);
                if (st != FASTIO_OK)
                    return st;
            }
            continue;
        }
        child_gone(m, "closed its input");
        return mcp_fail(err, m->dead, "%s", m->dead_msg);
    }
    return FASTIO_OK;
}

/* Split the read buffer into lines; each non-empty line is one message (or a batch). */
static void take_lines(struct fastio_mcp *m)
{
    size_t start = 0;
    for (size_t i = 0; i < m->rd.len; i++) {
        if (m->rd.data[i] != '\n')
            continue;
        size_t len = i - start;
        if (len > 0 && m->rd.data[start + len - 1] == '\r')
            len--;
        if (len > 0)
            (void)mcp_inbox_push_text(m, m->rd.data + start, len); /* non-JSON lines skipped */
        start = i + 1;
    }
    if (start > 0) {
        memmove(m->rd.data, m->rd.data + start, m->rd.len - start);
        m->rd.len -= start;
        m->rd.data[m->rd.len] = '\0';
    }
}

enum fastio_status mcp_stdio_step(struct fastio_mcp *m, int64_t wake_at, struct fastio_error *err)
{
    if (m->dead != FASTIO_OK)
        return mcp_fail(err, m->dead, "%s", m->dead_msg);
    int64_t now = fastio_now_ms();
    int timeout = wake_at > now ? (int)(wake_at - now > 1000 ? 1000 : wake_at - now) : 0;
    struct pollfd pf = {m->from_child, POLLIN, 0};
    int pr = poll(&pf, 1, timeout);
    if (pr < 0 && errno != EINTR)
        return mcp_fail(err, FASTIO_IO, "poll failed: %s", strerror(errno));
    if (pr <= 0)
        return FASTIO_OK;
    char chunk[65536];
    /* a bounded number of reads per step, so one chatty server cannot hold the caller */
    for (int i = 0; i < 16; i++) {
        ssize_t r = recv(m->from_child, chunk, sizeof(chunk), MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r <= 0) {
            take_lines(m);
            child_gone(m, "closed its output");
            return FASTIO_OK; /* the caller sees m->dead after the messages already read */
        }
        if (!fio_buf_append(&m->rd, chunk, (size_t)r)) {
            m->dead = FASTIO_TOO_LARGE;
            snprintf(m->dead_msg, sizeof(m->dead_msg),
                     "the MCP server process wrote a line longer than %zu bytes (raise "
                     "max_message_bytes if it is expected)", m->cfg.max_message_bytes);
            return mcp_fail(err, m->dead, "%s", m->dead_msg);
        }
        take_lines(m);
    }
    return FASTIO_OK;
}

static bool reap(pid_t pid, long ms)
{
    for (long t = 0; t <= ms; t += 20) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return true;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

void mcp_stdio_close(struct fastio_mcp *m)
{
    if (m->to_child >= 0)
        close(m->to_child); /* end of input: the specification's way to ask it to exit */
    m->to_child = -1;
    if (m->pid > 0) {
        if (!reap(m->pid, 2000)) {
            kill(m->pid, SIGTERM);
            if (!reap(m->pid, 1000)) {
                kill(m->pid, SIGKILL);
                (void)waitpid(m->pid, NULL, 0);
            }
        }
        m->pid = -1;
    }
    if (m->from_child >= 0)
        close(m->from_child);
    m->from_child = -1;
}
