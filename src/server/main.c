/* main.c - fastio-server's entry point: options, the embedded default (no flags needed: data in
 * the user's data dir, 127.0.0.1:8787), data-dir layout, first-start bootstrap, and a clean
 * shutdown on SIGINT/SIGTERM. */
#include <stdatomic.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activity.h"
#include "blob.h"
#include "faults.h"
#include "import.h"
#include "chat.h"
#include "indexer.h"
#include "outbox.h"
#include "ratelimit.h"
#include "server.h"
#include "store_backend.h"
#include "timeutil.h"
#include "upload.h"

static const char usage_text[] =
    "NAME\n"
    "    fastio-server - a Fast.io-compatible API server (SQLite metadata, blobs on disk)\n"
    "\n"
    "SYNOPSIS\n"
    "    fastio-server [--data DIR] [--listen ADDR:PORT] [--log-level LEVEL] [options]\n"
    "\n"
    "DESCRIPTION\n"
    "    Serves the Fast.io REST API under /current/ (same paths, envelopes and error codes as\n"
    "    https://api.fast.io/current). With no options it runs the embedded default: data in\n"
    "    $XDG_DATA_HOME/fastio-server (~/.local/share/fastio-server), listening on\n"
    "    127.0.0.1:8787. On first start with an empty data directory it creates the local owner\n"
    "    account owner@localhost and writes its API key to DIR/owner.key (mode 0600); the\n"
    "    fastio CLI uses that key when nothing else is configured, for the URL this server\n"
    "    writes to DIR/owner.url at every start only.\n"
    "\n"
    "    On the same port it is an MCP (Model Context Protocol) server for AI agents: Streamable\n"
    "    HTTP at /mcp, legacy HTTP+SSE at /sse, with tools generated from the API's endpoint\n"
    "    rows; every tool call passes the same permission checks as the REST API.\n"
    "\n"
    "    One JSON line per request (method, path, status, bytes, us) goes to the access log.\n"
    "    SIGINT or SIGTERM stops the server cleanly.\n"
    "\n";

static const char usage_opts[] =
    "OPTIONS\n"
    "    --data DIR            data directory (created 0700): meta.db, blobs/, tmp/, owner.key\n"
    "    --listen ADDR:PORT    numeric address and port; [v6]:port for IPv6; port 0 = any free\n"
    "                          port (the chosen one is printed). Default 127.0.0.1:8787\n"
    "    --log-level LEVEL     error | warn | info | debug (default info)\n"
    "    --access-log FILE     append access and server log lines to FILE (default stderr)\n"
    "    --threads N           HTTP worker threads (default 4)\n"
    "    --max-connections N   open connections at most (default 1000)\n"
    "    --max-connections-per-ip N  open connections from one client address (default 256;\n"
    "                          0 = no limit)\n"
    "    --header-timeout S    a request's headers must arrive within S seconds of the\n"
    "                          connection (or of its previous request) (default 10; 2 while\n"
    "                          fewer than a tenth of the connections are free)\n"
    "    --body-timeout S      a request body must bring 4 KiB (or end) every S seconds\n"
    "                          (default 30)\n"
    "    --rate-limit N        requests per window per caller before 429 (default 6000; 0 = off)\n"
    "    --rate-window SECONDS length of the rate-limit window (default 60)\n"
    "    --oauth-access-ttl S  OAuth access token lifetime (default 3600)\n"
    "    --oauth-refresh-ttl S OAuth refresh token lifetime (default 2592000 = 30 days)\n"
    "    --oauth-code-ttl S    OAuth authorization code lifetime (default 300)\n"
    "    --oauth-request-ttl S pending OAuth authorization request lifetime (default 600)\n"
    "    --public-url URL      base URL clients reach the server at, for the OAuth metadata\n"
    "                          (default http://ADDR:PORT of --listen)\n"
    "    --enable-test-faults  allow POST /current/test/faults/ (fault injection; tests only)\n"
    "    --lock-time-scale N   file-lock durations pass N times faster (tests only; default 1)\n"
    "    --token-ttl SECONDS   lifetime of sign-in tokens (default 3600)\n"
    "    --kdf-iterations N    PBKDF2-SHA256 iterations for new password hashes (default\n"
    "                          600000; lower values are for tests only)\n"
    "    --smtp-url URL        relay mail (invitations, ownership claims) through this SMTP\n"
    "                          server, e.g. smtp://127.0.0.1:25; mail is always written to\n"
    "                          DIR/outbox/ first, kept there while the relay fails, and moved\n"
    "                          to DIR/outbox/sent/ once sent (default: no relay)\n"
    "    --smtp-from ADDR      From header of mail (default \"" OUTBOX_DEFAULT_FROM "\")\n"
    "    --sync POLICY         upload durability: complete (fdatasync + directory fsync when a\n"
    "                          file completes, each chunk's write-out to disk started in the\n"
    "                          background as it arrives; default), chunk (also fdatasync every\n"
    "                          chunk before it is acknowledged) or none (tests and benchmarks)\n"
    "    --min-chunk-size N    smallest chunk but the last, bytes (default 1048576; tests use small\n"
    "                          values)\n"
    "    --sendfile            send file downloads with sendfile(2) instead of reading them\n"
    "                          (pread) into 1 MiB blocks that are sent (default); on loopback\n"
    "                          the blocks cost both ends less CPU (docs/benchmarks.md)\n"
    "    --mcp-mode MODE       tool set of MCP sessions at /mcp and /sse: auto (code mode for\n"
    "                          coding agents, by clientInfo.name; named mode otherwise),\n"
    "                          named or code (default auto)\n"
    "    --mcp-max-sessions N  MCP sessions held at once (default 1000); when full, the least\n"
    "                          recently used idle session is ended\n"
    "    --mcp-idle-timeout S  an MCP session without calls or stream for S seconds ends\n"
    "                          (default 1800)\n"
    "    --mcp-conformance-fixtures  add the test_* tools, resources and prompts that the MCP\n"
    "                          conformance suite calls (tests only)\n"
    ;
static const char usage_import[] = IMPORT_USAGE;
static const char usage_ai[] = AI_USAGE;
static const char usage_intel[] = INTEL_USAGE;

/* Quotas and upload sessions (D-080); its own string: one literal stays under 4095 bytes. */
static const char usage_quota[] =
    "    --user-quota SIZE     bytes one user may hold: the versions they stored plus the\n"
    "                          announced sizes of their open upload sessions (default 0 = no\n"
    "                          quota). SIZE is bytes or a number with K, M, G or T (1024-based)\n"
    "    --org-quota SIZE      the same for all workspaces of one organization (default 0)\n"
    "    --max-sessions N      open upload sessions per user (default 1000)\n"
    "    --sessions-size-max SIZE  announced bytes of one user's open sessions together\n"
    "                          (default 4T)\n"
    "    --disk-reserve SIZE   free space uploads never take, so sign-ups, folders and other\n"
    "                          metadata writes keep working on a full disk; an upload that would\n"
    "                          cut into it gets 507 (default 64M; 0 = none)\n"
    "    --upload-ttl S        an upload session (finished or not) expires S seconds after it\n"
    "                          was created; an unfinished one and its file are removed then\n"
    "                          (default 86400)\n"
    "    --sweep-interval S    how often expired sessions are removed while running (default\n"
    "                          60; start-up always removes them)\n"
    "    --signup MODE         who may sign up (POST /user/): open (default: anyone; a code is\n"
    "                          mailed, and until it is entered the account cannot accept\n"
    "                          invitations or join an org by email domain), verified (anyone,\n"
    "                          but nothing else works until the code is entered: 401 / 10587)\n"
    "                          or closed (nobody: 403; existing accounts keep working)\n"
    ;
static const char usage_tail[] =
    "    -h, --help            show this help\n"
    "    --version             print the version\n"
    "\n"
    "EXAMPLES\n"
    "    fastio-server\n"
    "    fastio-server --data /srv/fastio --listen 127.0.0.1:9000 --log-level warn\n";

static int parse_listen(const char *s, struct srv_config *c)
{
    const char *colon;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(c->listen_addr))
            return -1;
        memcpy(c->listen_addr, s + 1, (size_t)(rb - s - 1));
        c->listen_addr[rb - s - 1] = 0;
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(c->listen_addr))
            return -1;
        memcpy(c->listen_addr, s, (size_t)(colon - s));
        c->listen_addr[colon - s] = 0;
    }
    long long port;
    if (!fio_parse_ll(colon + 1, 0, 65535, &port))
        return -1;
    c->port = (uint16_t)port;
    return 0;
}

/* Options of the OAuth server, rate-limit window and fault switch (issue 4). 0, or -1 after a
 * message on stderr. */
enum { O_RATE_WINDOW = 512, O_OAUTH_ACCESS, O_OAUTH_REFRESH, O_OAUTH_CODE, O_OAUTH_REQUEST,
       O_PUBLIC_URL, O_TEST_FAULTS };
static int parse_oauth_option(int opt, const char *arg, struct srv_config *c)
{
    long long v;
    long *ttl = NULL;
    const char *name = NULL;
    switch (opt) {
    case O_RATE_WINDOW:
        ttl = &c->rate_window_s, name = "--rate-window";
        break;
    case O_OAUTH_ACCESS:
        ttl = &c->oauth_access_ttl_s, name = "--oauth-access-ttl";
        break;
    case O_OAUTH_REFRESH:
        ttl = &c->oauth_refresh_ttl_s, name = "--oauth-refresh-ttl";
        break;
    case O_OAUTH_CODE:
        ttl = &c->oauth_code_ttl_s, name = "--oauth-code-ttl";
        break;
    case O_OAUTH_REQUEST:
        ttl = &c->oauth_request_ttl_s, name = "--oauth-request-ttl";
        break;
    case O_PUBLIC_URL:
        if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0) {
            fprintf(stderr, "fastio-server: --public-url wants http(s)://HOST[:PORT]\n");
            return -1;
        }
        free(c->public_url);
        c->public_url = fio_strdup(arg);
        return c->public_url ? 0 : -1;
    case O_TEST_FAULTS:
        c->test_faults = true;
        return 0;
    default:
        return -1;
    }
    if (!fio_parse_ll(arg, 1, 10LL * 365 * 86400, &v)) {
        fprintf(stderr, "fastio-server: %s wants 1..315360000 seconds\n", name);
        return -1;
    }
    *ttl = (long)v;
    return 0;
}

/* Transfer options (issue 3): --sync, --min-chunk-size, --sendfile. 0, or -1 after a message. */
enum { O_SYNC = 1024, O_MIN_CHUNK, O_SENDFILE };
static int parse_upload_option(int opt, const char *arg, struct srv_config *c)
{
    long long v;
    if (opt == O_SENDFILE) {
        c->sendfile = true;
        return 0;
    }
    if (opt == O_SYNC) {
        if (strcmp(arg, "complete") == 0)
            c->sync_policy = BLOB_SYNC_COMPLETE;
        else if (strcmp(arg, "chunk") == 0)
            c->sync_policy = BLOB_SYNC_CHUNK;
        else if (strcmp(arg, "none") == 0)
            c->sync_policy = BLOB_SYNC_NONE;
        else {
            fprintf(stderr, "fastio-server: --sync wants complete, chunk or none\n");
            return -1;
        }
        return 0;
    }
    if (!fio_parse_ll(arg, 1, UP_CHUNK_MAX, &v)) {
        fprintf(stderr, "fastio-server: --min-chunk-size wants 1..%lld bytes\n",
                (long long)UP_CHUNK_MAX);
        return -1;
    }
    c->min_chunk_size = v;
    return 0;
}

/* Quota and upload-session options (D-080, docs/server.md "Quotas"): --user-quota, --org-quota,
 * --max-sessions, --sessions-size-max, --disk-reserve, --upload-ttl, --sweep-interval. Sizes
 * are bytes with an optional K, M, G or T (powers of 1024). 0, or -1 after a message. */
enum { O_USER_QUOTA = 1100, O_ORG_QUOTA, O_MAX_SESSIONS, O_SESSIONS_SIZE, O_DISK_RESERVE,
       O_UPLOAD_TTL, O_SWEEP_INTERVAL, O_SIGNUP };

static bool parse_size(const char *arg, long long *out)
{
    char num[32];
    size_t n = strlen(arg);
    if (n == 0 || n >= sizeof(num))
        return false;
    memcpy(num, arg, n + 1);
    long long mul = 1;
    switch (num[n - 1]) {
    case 'K': case 'k': mul = 1024LL; break;
    case 'M': case 'm': mul = 1024LL * 1024; break;
    case 'G': case 'g': mul = 1024LL * 1024 * 1024; break;
    case 'T': case 't': mul = 1024LL * 1024 * 1024 * 1024; break;
    default: break;
    }
    if (mul > 1)
        num[n - 1] = '\0';
    long long v;
    long long cap = 1LL << 60;
    if (!fio_parse_ll(num, 0, cap / mul, &v))
        return false;
    *out = v * mul;
    return true;
}

static int parse_quota_option(int opt, const char *arg, struct srv_config *c)
{
    long long v;
    switch (opt) {
    case O_SIGNUP:
        if (strcmp(arg, "open") == 0)
            c->signup = SRV_SIGNUP_OPEN;
        else if (strcmp(arg, "verified") == 0)
            c->signup = SRV_SIGNUP_VERIFIED;
        else if (strcmp(arg, "closed") == 0)
            c->signup = SRV_SIGNUP_CLOSED;
        else {
            fprintf(stderr, "fastio-server: --signup wants open, verified or closed, got '%s'\n",
                    arg);
            return -1;
        }
        return 0;
    case O_MAX_SESSIONS:
        if (!fio_parse_ll(arg, 1, 1000000, &v)) {
            fprintf(stderr, "fastio-server: --max-sessions wants 1..1000000\n");
            return -1;
        }
        c->max_sessions = (long)v;
        return 0;
    case O_UPLOAD_TTL:
    case O_SWEEP_INTERVAL:
        if (!fio_parse_ll(arg, 1, 365LL * 86400, &v)) {
            fprintf(stderr, "fastio-server: --%s wants 1..31536000 seconds\n",
                    opt == O_UPLOAD_TTL ? "upload-ttl" : "sweep-interval");
            return -1;
        }
        if (opt == O_UPLOAD_TTL)
            c->upload_ttl_s = (long)v;
        else
            c->sweep_interval_s = (long)v;
        return 0;
    default:
        break;
    }
    static const char *const names[] = {"user-quota", "org-quota", "", "sessions-size-max",
                                        "disk-reserve"};
    if (!parse_size(arg, &v)) {
        fprintf(stderr,
                "fastio-server: --%s wants a size in bytes, optionally with K, M, G or T "
                "(e.g. 10G), got '%s'\n",
                names[opt - O_USER_QUOTA], arg);
        return -1;
    }
    if (opt == O_USER_QUOTA)
        c->user_quota = v;
    else if (opt == O_ORG_QUOTA)
        c->org_quota = v;
    else if (opt == O_SESSIONS_SIZE)
        c->sessions_size_max = v > 0 ? v : UP_SESSIONS_SIZE_MAX;
    else
        c->disk_reserve = v;
    return 0;
}

static char *default_data_dir(void)
{
    const char *x = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    struct fio_buf b;
    fio_buf_init(&b, 4096);
    bool ok;
    if (x && x[0] == '/')
        ok = fio_buf_printf(&b, "%s/fastio-server", x);
    else if (home && home[0] == '/')
        ok = fio_buf_printf(&b, "%s/.local/share/fastio-server", home);
    else
        ok = fio_buf_printf(&b, "./fastio-data");
    if (!ok) {
        fio_buf_release(&b);
        return NULL;
    }
    return fio_buf_steal(&b);
}

/* mkdir -p with mode 0700 for the directories we create. */
static int mkdirs(const char *path)
{
    char buf[4096];
    if (!fio_strlcpy(buf, path, sizeof(buf)))
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int prepare_data_dir(const char *dir)
{
    char sub[4200];
    if (mkdirs(dir) != 0)
        return -1;
    snprintf(sub, sizeof(sub), "%s/blobs", dir);
    if (mkdirs(sub) != 0)
        return -1;
    snprintf(sub, sizeof(sub), "%s/tmp", dir);
    return mkdirs(sub);
}

/* The owner bootstrap (h_auth.c) runs through the store on one pooled connection. */
static int bootstrap(struct server *s)
{
    struct store_conn *c = store_acquire(s->store);
    int rc = auth_bootstrap_owner(s, c);
    store_release(s->store, c);
    return rc;
}

int main(int argc, char **argv)
{
    /* SIGINT/SIGTERM are taken synchronously (sigwait below); block them from the start so a
     * signal during a slow first start is not fatal, and every thread inherits the mask. */
    sigset_t early;
    sigemptyset(&early);
    sigaddset(&early, SIGINT);
    sigaddset(&early, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &early, NULL);
    struct server s;
    memset(&s, 0, sizeof(s));
    struct srv_config *c = &s.cfg;
    fio_strlcpy(c->listen_addr, SRV_DEFAULT_ADDR, sizeof(c->listen_addr));
    c->port = SRV_DEFAULT_PORT;
    c->log_level = SRV_LOG_INFO;
    c->threads = 4;
    c->kdf_iterations = 600000;
    c->token_ttl_s = 3600;
    c->rate_max = 6000;
    c->rate_window_s = 60;
    c->sync_policy = BLOB_SYNC_COMPLETE;
    c->min_chunk_size = UP_CHUNK_MIN_DEFAULT;
    c->oauth_access_ttl_s = 3600;
    c->oauth_refresh_ttl_s = 30L * 86400;
    c->oauth_code_ttl_s = 300;
    c->oauth_request_ttl_s = 600;
    c->lock_time_scale = 1;
    c->max_conns = 1000;
    c->max_conns_per_ip = 256;
    c->header_timeout_s = 10;
    c->import_timeout_s = IMPORT_DEFAULT_TIMEOUT_S;
    c->import_stall_s = IMPORT_DEFAULT_STALL_S;
    c->body_timeout_s = 30;
    c->max_sessions = UP_SESSIONS_MAX;
    c->sessions_size_max = UP_SESSIONS_SIZE_MAX;
    c->disk_reserve = 64LL * 1024 * 1024;
    c->upload_ttl_s = UP_SESSION_TTL_US / 1000000;
    c->sweep_interval_s = 60;
    c->mcp_max_sessions = 1000;
    c->mcp_idle_s = 1800;

    enum { O_DATA = 256, O_LISTEN, O_LOG, O_ACCESS, O_THREADS, O_RATE, O_TTL, O_KDF, O_VERSION,
           O_SMTP_URL, O_SMTP_FROM, O_LOCK_TIME_SCALE = 768, O_MAX_CONNS = 800,
           O_MAX_CONNS_IP, O_HEADER_TIMEOUT, O_BODY_TIMEOUT, O_MCP_MODE = 900,
           O_MCP_FIXTURES, O_MCP_MAX_SESSIONS, O_MCP_IDLE };
    static const struct option opts[] = {
        {"data", required_argument, NULL, O_DATA},
        {"listen", required_argument, NULL, O_LISTEN},
        {"log-level", required_argument, NULL, O_LOG},
        {"access-log", required_argument, NULL, O_ACCESS},
        {"threads", required_argument, NULL, O_THREADS},
        {"max-connections", required_argument, NULL, O_MAX_CONNS},
        {"max-connections-per-ip", required_argument, NULL, O_MAX_CONNS_IP},
        {"header-timeout", required_argument, NULL, O_HEADER_TIMEOUT},
        {"body-timeout", required_argument, NULL, O_BODY_TIMEOUT},
        {"rate-limit", required_argument, NULL, O_RATE},
        {"token-ttl", required_argument, NULL, O_TTL},
        {"kdf-iterations", required_argument, NULL, O_KDF},
        {"rate-window", required_argument, NULL, O_RATE_WINDOW},
        {"oauth-access-ttl", required_argument, NULL, O_OAUTH_ACCESS},
        {"oauth-refresh-ttl", required_argument, NULL, O_OAUTH_REFRESH},
        {"oauth-code-ttl", required_argument, NULL, O_OAUTH_CODE},
        {"oauth-request-ttl", required_argument, NULL, O_OAUTH_REQUEST},
        {"public-url", required_argument, NULL, O_PUBLIC_URL},
        {"enable-test-faults", no_argument, NULL, O_TEST_FAULTS},
        {"smtp-url", required_argument, NULL, O_SMTP_URL},
        {"smtp-from", required_argument, NULL, O_SMTP_FROM},
        {"lock-time-scale", required_argument, NULL, O_LOCK_TIME_SCALE},
        {"sync", required_argument, NULL, O_SYNC},
        {"min-chunk-size", required_argument, NULL, O_MIN_CHUNK},
        {"sendfile", no_argument, NULL, O_SENDFILE},
        {"user-quota", required_argument, NULL, O_USER_QUOTA},
        {"org-quota", required_argument, NULL, O_ORG_QUOTA},
        {"max-sessions", required_argument, NULL, O_MAX_SESSIONS},
        {"sessions-size-max", required_argument, NULL, O_SESSIONS_SIZE},
        {"disk-reserve", required_argument, NULL, O_DISK_RESERVE},
        {"upload-ttl", required_argument, NULL, O_UPLOAD_TTL},
        {"sweep-interval", required_argument, NULL, O_SWEEP_INTERVAL},
        {"signup", required_argument, NULL, O_SIGNUP},
        {"mcp-mode", required_argument, NULL, O_MCP_MODE},
        {"mcp-conformance-fixtures", no_argument, NULL, O_MCP_FIXTURES},
        {"mcp-max-sessions", required_argument, NULL, O_MCP_MAX_SESSIONS},
        {"mcp-idle-timeout", required_argument, NULL, O_MCP_IDLE},
        IMPORT_GETOPT_ROWS
        AI_GETOPT_ROWS
        INTEL_GETOPT_ROWS
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, O_VERSION},
        {NULL, 0, NULL, 0},
    };
    int opt;
    long long v;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case O_DATA:
            free(c->data_dir);
            c->data_dir = fio_strdup(optarg);
            break;
        case O_LISTEN:
            if (parse_listen(optarg, c) != 0) {
                fprintf(stderr, "fastio-server: --listen wants ADDR:PORT, got '%s'\n", optarg);
                return 2;
            }
            break;
        case O_LOG:
            if (!strcmp(optarg, "error"))
                c->log_level = SRV_LOG_ERROR;
            else if (!strcmp(optarg, "warn"))
                c->log_level = SRV_LOG_WARN;
            else if (!strcmp(optarg, "info"))
                c->log_level = SRV_LOG_INFO;
            else if (!strcmp(optarg, "debug"))
                c->log_level = SRV_LOG_DEBUG;
            else {
                fprintf(stderr, "fastio-server: --log-level: error|warn|info|debug\n");
                return 2;
            }
            break;
        case O_ACCESS:
            free(c->access_log_path);
            c->access_log_path = fio_strdup(optarg);
            break;
        case O_MAX_CONNS:
            if (!fio_parse_ll(optarg, 10, 100000, &v)) {
                fprintf(stderr, "fastio-server: --max-connections wants 10..100000\n");
                return 2;
            }
            c->max_conns = (unsigned)v;
            break;
        case O_MAX_CONNS_IP:
            if (!fio_parse_ll(optarg, 0, 100000, &v)) {
                fprintf(stderr, "fastio-server: --max-connections-per-ip wants 0..100000\n");
                return 2;
            }
            c->max_conns_per_ip = (unsigned)v;
            break;
        case O_HEADER_TIMEOUT:
        case O_BODY_TIMEOUT:
            if (!fio_parse_ll(optarg, 1, 3600, &v)) {
                fprintf(stderr, "fastio-server: --%s-timeout wants 1..3600 seconds\n",
                        opt == O_HEADER_TIMEOUT ? "header" : "body");
                return 2;
            }
            if (opt == O_HEADER_TIMEOUT)
                c->header_timeout_s = (long)v;
            else
                c->body_timeout_s = (long)v;
            break;
        case O_THREADS:
            if (!fio_parse_ll(optarg, 1, 64, &v)) {
                fprintf(stderr, "fastio-server: --threads wants 1..64\n");
                return 2;
            }
            c->threads = (unsigned)v;
            break;
        case O_RATE:
            if (!fio_parse_ll(optarg, 0, 100000000, &v)) {
                fprintf(stderr, "fastio-server: --rate-limit wants a count >= 0\n");
                return 2;
            }
            c->rate_max = (long)v;
            break;
        case O_TTL:
            if (!fio_parse_ll(optarg, 1, 365LL * 86400, &v)) {
                fprintf(stderr, "fastio-server: --token-ttl wants 1..31536000 seconds\n");
                return 2;
            }
            c->token_ttl_s = (long)v;
            break;
        case O_KDF:
            if (!fio_parse_ll(optarg, 1000, 10000000, &v)) {
                fprintf(stderr, "fastio-server: --kdf-iterations wants 1000..10000000\n");
                return 2;
            }
            c->kdf_iterations = (unsigned)v;
            break;
        case O_SMTP_URL:
            if (strncmp(optarg, "smtp://", 7) != 0 && strncmp(optarg, "smtps://", 8) != 0) {
                fprintf(stderr, "fastio-server: --smtp-url wants smtp://HOST:PORT\n");
                return 2;
            }
            free(c->smtp_url);
            c->smtp_url = fio_strdup(optarg);
            break;
        case O_SMTP_FROM:
            free(c->smtp_from);
            c->smtp_from = fio_strdup(optarg);
            break;
        case O_RATE_WINDOW:
        case O_OAUTH_ACCESS:
        case O_OAUTH_REFRESH:
        case O_OAUTH_CODE:
        case O_OAUTH_REQUEST:
        case O_PUBLIC_URL:
        case O_TEST_FAULTS:
            if (parse_oauth_option(opt, optarg, c) != 0)
                return 2;
            break;
        case O_LOCK_TIME_SCALE: /* h_lock.c: a 60 s lock lasts 60/N s of real time */
            if (!fio_parse_ll(optarg, 1, 3600, &v)) {
                fprintf(stderr, "fastio-server: --lock-time-scale wants 1..3600\n");
                return 2;
            }
            c->lock_time_scale = (long)v;
            break;
        case O_SYNC:
        case O_MIN_CHUNK:
        case O_SENDFILE:
            if (parse_upload_option(opt, optarg, c) != 0)
                return 2;
            break;
        case O_USER_QUOTA:
        case O_ORG_QUOTA:
        case O_MAX_SESSIONS:
        case O_SESSIONS_SIZE:
        case O_DISK_RESERVE:
        case O_UPLOAD_TTL:
        case O_SWEEP_INTERVAL:
        case O_SIGNUP:
            if (parse_quota_option(opt, optarg, c) != 0)
                return 2;
            break;
        case O_MCP_MODE:
            if (strcmp(optarg, "auto") == 0)
                c->mcp_mode = 0;
            else if (strcmp(optarg, "named") == 0)
                c->mcp_mode = 1;
            else if (strcmp(optarg, "code") == 0)
                c->mcp_mode = 2;
            else {
                fprintf(stderr, "fastio-server: --mcp-mode wants auto, named or code\n");
                return 2;
            }
            break;
        case O_MCP_FIXTURES:
            c->mcp_fixtures = true;
            break;
        case O_MCP_MAX_SESSIONS:
            if (!fio_parse_ll(optarg, 1, 100000, &v)) {
                fprintf(stderr, "fastio-server: --mcp-max-sessions wants 1..100000\n");
                return 2;
            }
            c->mcp_max_sessions = (unsigned)v;
            break;
        case O_MCP_IDLE:
            if (!fio_parse_ll(optarg, 1, 86400 * 30, &v)) {
                fprintf(stderr, "fastio-server: --mcp-idle-timeout wants 1..2592000 seconds\n");
                return 2;
            }
            c->mcp_idle_s = (long)v;
            break;
        case O_IMPORT_ALLOW:
        case O_IMPORT_MAX_BYTES:
        case O_IMPORT_TIMEOUT:
        case O_IMPORT_STALL:
        case O_IMPORT_WORKERS:
            if (import_parse_option(opt, optarg, c) != 0)
                return 2;
            break;
        case O_AI_WORKERS:
        case O_LLM_URL:
        case O_LLM_MODEL:
        case O_LLM_KEY_FILE:
        case O_LLM_TIMEOUT:
            if (ai_parse_option(opt, optarg, c) != 0)
                return 2;
            break;
        case O_INTEL_WORKERS:
        case O_INTEL_MAX_BYTES:
        case O_INTEL_TIMEOUT:
        case O_EMBED_URL:
        case O_EMBED_MODEL:
            if (intel_parse_option(opt, optarg, c) != 0)
                return 2;
            break;
        case 'h':
            fputs(usage_text, stdout);
            fputs(usage_opts, stdout);
            fputs(usage_import, stdout);
            fputs(usage_ai, stdout);
            fputs(usage_intel, stdout);
            fputs(usage_quota, stdout);
            fputs(usage_tail, stdout);
            return 0;
        case O_VERSION:
            puts("fastio-server 0.1.0");
            return 0;
        default:
            fputs("Try 'fastio-server --help'.\n", stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fastio-server: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!c->data_dir)
        c->data_dir = default_data_dir();
    if (!c->data_dir) {
        fputs("fastio-server: out of memory\n", stderr);
        return 1;
    }
    int ret = 1;
    if (c->access_log_path) {
        s.access_log = fopen(c->access_log_path, "ae");
        if (!s.access_log) {
            fprintf(stderr, "fastio-server: cannot open %s: %s\n", c->access_log_path,
                    strerror(errno));
            goto out;
        }
    }
    if (prepare_data_dir(c->data_dir) != 0) {
        fprintf(stderr, "fastio-server: cannot create data directory %s: %s\n", c->data_dir,
                strerror(errno));
        goto out;
    }
    char dbpath[4200], err[512];
    snprintf(dbpath, sizeof(dbpath), "%s/meta.db", c->data_dir);
    /* The composition root is the one place that names the backend (store_backend.h). */
    unsigned import_workers = c->import_workers ? c->import_workers : IMPORT_DEFAULT_WORKERS;
    unsigned ai_workers = c->ai_workers ? c->ai_workers : AI_DEFAULT_WORKERS;
    unsigned intel_workers = c->intel_workers ? c->intel_workers : INTEL_DEFAULT_WORKERS;
    /* + intel_workers + 2: the indexer's threads and background callers of intel_retrieve;
     * + ai_workers: the AI chat workers (each holds one connection at a time) */
    s.store = store_open(&store_sqlite_backend, dbpath,
                         c->threads + 1 + import_workers + intel_workers + 2 + ai_workers, err,
                         sizeof(err));
    if (!s.store) {
        fprintf(stderr, "fastio-server: %s\n", err);
        goto out;
    }
    s.rl = ratelimit_new(c->rate_max, c->rate_window_s);
    s.faults = faults_new();
    if (!s.rl || !s.faults || bootstrap(&s) != 0) {
        fprintf(stderr, "fastio-server: start-up failed (bootstrap)\n");
        goto out;
    }
    /* uploads: the byte store's own threads (blob_ops.start), the in-flight table, then recovery
     * of what a crash left (docs/decisions.md D-036) */
    s.blob = &blob_local_ops;
    if (blob_start(&s) != 0 || upload_state_init(&s) != 0 || import_recover(&s) != 0 ||
        ai_recover(&s) != 0 || blob_recover(&s) != 0 || intel_recover(&s) != 0) {
        fprintf(stderr, "fastio-server: start-up failed (upload recovery)\n");
        goto out;
    }

    /* Signals are taken synchronously by this thread only: block them before any thread starts
     * so the HTTP workers inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (activity_init(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the activity timer thread\n");
        goto out;
    }
    if (outbox_relay_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the SMTP relay thread\n");
        goto out;
    }
    if (import_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the URL import workers\n");
        goto out;
    }
    if (ai_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the AI chat workers\n");
        goto out;
    }
    if (intel_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the indexing workers\n");
        goto out;
    }
    if (upload_sweep_start(&s) != 0) {
        fprintf(stderr, "fastio-server: cannot start the upload expiry sweep thread\n");
        goto out;
    }
    s.started_us = fio_mono_us();
    if (srv_start(&s) != 0)
        goto out;
    printf("fastio-server: listening on http://%s%s%s:%u/current (data %s)\n",
           strchr(c->listen_addr, ':') ? "[" : "", c->listen_addr,
           strchr(c->listen_addr, ':') ? "]" : "", (unsigned)atomic_load(&s.bound_port), c->data_dir);
    fflush(stdout);
    if (auth_write_owner_url(&s, (unsigned)atomic_load(&s.bound_port)) != 0)
        srv_log(&s, SRV_LOG_WARN, "cannot write %s/owner.url: the CLI will not find owner.key",
                c->data_dir);

    int sig = 0;
    sigwait(&set, &sig);
    srv_log(&s, SRV_LOG_INFO, "signal %d: shutting down", sig);
    srv_stop(&s);
    ret = 0;
out:
    srv_stop(&s); /* resumes parked activity polls before stopping the daemon */
    import_stop(&s); /* transfers in flight are left to the next start (D-075) */
    ai_stop(&s);     /* an answer being composed is left to the next start (D-108) */
    intel_stop(&s);  /* before activity_free: workers publish ai_state keys */
    activity_free(&s);
    outbox_relay_stop(&s);
    upload_sweep_stop(&s); /* before the store it uses */
    store_close(s.store);
    ratelimit_free(s.rl);
    faults_free(s.faults);
    blob_stop(&s); /* the write-out thread finishes its queue; no worker pushes any more */
    upload_state_free(&s);
    if (s.access_log)
        fclose(s.access_log);
    free(c->data_dir);
    free(c->access_log_path);
    free(c->smtp_url);
    free(c->smtp_from);
    free(c->public_url);
    free(c->import_allow);
    free(c->llm_url);
    free(c->llm_model);
    free(c->llm_key_file);
    free(c->embed_url);
    free(c->embed_model);
    return ret;
}
