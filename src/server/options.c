/* SPDX-License-Identifier: MIT */
/* options.c - the option table of fastio-server (options.h, D-115): each row is a command-line
 * option, a config-file key and a paragraph of --help at once. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "buf.h"
#include "import.h"
#include "chat.h"
#include "indexer.h"
#include "import_addr.h"
#include "options.h"
#include "outbox.h"
#include "upload.h"

enum opt_kind {
    K_FLAG,  /* bool, no argument (in a file: true/false, yes/no, on/off, 1/0) */
    K_STR,   /* char * (owned) */
    K_UINT,  /* unsigned in [min, max] */
    K_LONG,  /* long in [min, max] */
    K_LL,    /* long long in [min, max] */
    K_SIZE,  /* long long: bytes or a number with K, M, G, T */
    K_ENUM,  /* int: one of choices */
    K_FN,    /* fn does it */
    K_CONFIG /* --config: command line only */
};

struct opt_choice {
    const char *word;
    int value;
};

struct srv_option {
    const char *name;    /* long option and config key */
    const char *metavar; /* NULL for flags */
    enum opt_kind kind;
    size_t off;          /* offsetof(struct srv_config, field) */
    long long min, max;
    const struct opt_choice *choices; /* K_ENUM: ended by a NULL word */
    /* K_FN: 0, or -1 with a reason in err ("wants ..."); */
    int (*fn)(const char *val, struct srv_config *c, char *err, size_t errsz);
    const char *help;    /* one paragraph; --help wraps it */
};

#define OFF(f) offsetof(struct srv_config, f)

/* ---- the special parsers --------------------------------------------------------------------- */

static int fn_listen(const char *s, struct srv_config *c, char *err, size_t n)
{
    const char *colon;
    char addr[sizeof(c->listen_addr)];
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= sizeof(addr))
            goto bad;
        memcpy(addr, s + 1, (size_t)(rb - s - 1));
        addr[rb - s - 1] = 0;
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(addr))
            goto bad;
        memcpy(addr, s, (size_t)(colon - s));
        addr[colon - s] = 0;
    }
    long long port;
    if (!fio_parse_ll(colon + 1, 0, 65535, &port))
        goto bad;
    memcpy(c->listen_addr, addr, sizeof(addr));
    c->port = (uint16_t)port;
    return 0;
bad:
    snprintf(err, n, "wants ADDR:PORT (numeric; [v6]:PORT for IPv6)");
    return -1;
}

static int fn_log_level(const char *s, struct srv_config *c, char *err, size_t n)
{
    static const char *const w[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, w[i]) == 0) {
            c->log_level = (enum srv_log_level)i;
            return 0;
        }
    snprintf(err, n, "wants error, warn, info or debug");
    return -1;
}

static int set_str(char **dst, const char *s, char *err, size_t n)
{
    char *d = fio_strdup(s);
    if (!d) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    free(*dst);
    *dst = d;
    return 0;
}

static int fn_public_url(const char *s, struct srv_config *c, char *err, size_t n)
{
    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
        snprintf(err, n, "wants http(s)://HOST[:PORT]");
        return -1;
    }
    return set_str(&c->public_url, s, err, n);
}

static int fn_smtp_url(const char *s, struct srv_config *c, char *err, size_t n)
{
    if (strncmp(s, "smtp://", 7) != 0 && strncmp(s, "smtps://", 8) != 0) {
        snprintf(err, n, "wants smtp://HOST:PORT or smtps://HOST:PORT");
        return -1;
    }
    return set_str(&c->smtp_url, s, err, n);
}

static int fn_sessions_size(const char *s, struct srv_config *c, char *err, size_t n)
{
    long long v;
    if (!srv_parse_size(s, &v)) {
        snprintf(err, n, "wants a size in bytes, optionally with K, M, G or T (e.g. 10G)");
        return -1;
    }
    c->sessions_size_max = v > 0 ? v : UP_SESSIONS_SIZE_MAX;
    return 0;
}

static int cidr_list(const char *s, char **dst, char *err, size_t n)
{
    struct imp_cidr tmp[IMP_ALLOW_MAX];
    size_t cnt;
    if (!imp_cidr_list_parse(s, tmp, IMP_ALLOW_MAX, &cnt)) {
        snprintf(err, n, "wants CIDR[,CIDR] (at most %d), e.g. 127.0.0.1/32,10.0.0.0/8,fd00::/8",
                 IMP_ALLOW_MAX);
        return -1;
    }
    return set_str(dst, s, err, n);
}

static int fn_import_allow(const char *s, struct srv_config *c, char *err, size_t n)
{
    return cidr_list(s, &c->import_allow, err, n);
}

static int fn_llm_url(const char *s, struct srv_config *c, char *err, size_t n)
{
    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
        snprintf(err, n, "wants an http:// or https:// URL");
        return -1;
    }
    return set_str(&c->llm_url, s, err, n);
}

static int fn_embed_url(const char *s, struct srv_config *c, char *err, size_t n)
{
    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
        snprintf(err, n, "wants an http:// or https:// URL");
        return -1;
    }
    return set_str(&c->embed_url, s, err, n);
}

static int fn_trusted_proxy(const char *s, struct srv_config *c, char *err, size_t n)
{
    return cidr_list(s, &c->trusted_proxy, err, n);
}

static int fn_file(const char *s, char **dst, char *err, size_t n)
{
    FILE *f = fopen(s, "re");
    if (!f) {
        snprintf(err, n, "cannot read '%s': %s", s, strerror(errno));
        return -1;
    }
    fclose(f);
    return set_str(dst, s, err, n);
}

static int fn_tls_cert(const char *s, struct srv_config *c, char *err, size_t n)
{
    return fn_file(s, &c->tls_cert, err, n);
}

static int fn_tls_key(const char *s, struct srv_config *c, char *err, size_t n)
{
    return fn_file(s, &c->tls_key, err, n);
}

static const struct opt_choice sync_choices[] = {
    {"complete", BLOB_SYNC_COMPLETE}, {"chunk", BLOB_SYNC_CHUNK}, {"none", BLOB_SYNC_NONE},
    {NULL, 0}};
static const struct opt_choice signup_choices[] = {
    {"open", SRV_SIGNUP_OPEN}, {"verified", SRV_SIGNUP_VERIFIED}, {"closed", SRV_SIGNUP_CLOSED},
    {NULL, 0}};
static const struct opt_choice mcp_choices[] = {
    {"auto", 0}, {"named", 1}, {"code", 2}, {NULL, 0}};
static const struct opt_choice metrics_choices[] = {
    {"local", SRV_METRICS_LOCAL}, {"off", SRV_METRICS_OFF}, {"public", SRV_METRICS_PUBLIC},
    {NULL, 0}};

/* ---- the table ------------------------------------------------------------------------------- */

#define SECS (10LL * 365 * 86400)

static const struct srv_option table[] = {
    {"config", "FILE", K_CONFIG, 0, 0, 0, NULL, NULL,
     "read options from FILE first: one 'key = value' per line, the keys being these option "
     "names without '--' (a flag takes true or false), '#' starts a comment; options on the "
     "command line override the file (docs/server.md \"Config file\")"},
    {"data", "DIR", K_STR, OFF(data_dir), 0, 0, NULL, NULL,
     "data directory (created 0700): meta.db, blobs/, tmp/, outbox/, owner.key (default "
     "$XDG_DATA_HOME/fastio-server or ~/.local/share/fastio-server)"},
    {"listen", "ADDR:PORT", K_FN, 0, 0, 0, NULL, fn_listen,
     "numeric address and port; [v6]:port for IPv6; port 0 = any free port (the chosen one is "
     "printed). Default 127.0.0.1:8787"},
    {"log-level", "LEVEL", K_FN, 0, 0, 0, NULL, fn_log_level,
     "error | warn | info | debug (default info)"},
    {"access-log", "FILE", K_STR, OFF(access_log_path), 0, 0, NULL, NULL,
     "append access and server log lines to FILE (default stderr); SIGHUP reopens it (log "
     "rotation)"},
    {"log-file", "FILE", K_STR, OFF(access_log_path), 0, 0, NULL, NULL,
     "the same as --access-log"},
    {"threads", "N", K_UINT, OFF(threads), 1, 64, NULL, NULL,
     "HTTP worker threads (default 4)"},
    {"max-connections", "N", K_UINT, OFF(max_conns), 10, 100000, NULL, NULL,
     "open connections at most (default 1000)"},
    {"max-connections-per-ip", "N", K_UINT, OFF(max_conns_per_ip), 0, 100000, NULL, NULL,
     "open connections from one client address (default 256; 0 = no limit); connections from a "
     "--trusted-proxy peer are not counted"},
    {"header-timeout", "S", K_LONG, OFF(header_timeout_s), 1, 3600, NULL, NULL,
     "a request's headers must arrive within S seconds of the connection (or of its previous "
     "request) (default 10; 2 while fewer than a tenth of the connections are free)"},
    {"body-timeout", "S", K_LONG, OFF(body_timeout_s), 1, 3600, NULL, NULL,
     "a request body must bring 4 KiB (or end) every S seconds (default 30)"},
    {"rate-limit", "N", K_LONG, OFF(rate_max), 0, 100000000, NULL, NULL,
     "requests per window per caller before 429 (default 6000; 0 = off)"},
    {"rate-window", "S", K_LONG, OFF(rate_window_s), 1, SECS, NULL, NULL,
     "length of the rate-limit window in seconds (default 60)"},
    {"trusted-proxy", "CIDR[,CIDR]", K_FN, 0, 0, 0, NULL, fn_trusted_proxy,
     "reverse proxies whose X-Forwarded-For is believed: for a request from one of these "
     "addresses the client is the rightmost X-Forwarded-For address that is not itself a "
     "trusted proxy; it is used for rate limits and logs (default: none, X-Forwarded-For is "
     "ignored)"},
    {"tls-cert", "FILE", K_FN, 0, 0, 0, NULL, fn_tls_cert,
     "serve HTTPS with this PEM certificate (chain); needs --tls-key; SIGHUP reads both "
     "files again (after a renewal): new handshakes get the new pair, connections open keep "
     "theirs, a bad pair is logged and the old one kept"},
    {"tls-key", "FILE", K_FN, 0, 0, 0, NULL, fn_tls_key,
     "the PEM private key of --tls-cert (unencrypted; it must be the certificate's)"},
    {"public-url", "URL", K_FN, 0, 0, 0, NULL, fn_public_url,
     "base URL clients reach the server at, for the OAuth metadata and the MCP Host check "
     "(default http://ADDR:PORT of --listen, https with --tls-cert)"},
    {"metrics", "MODE", K_ENUM, OFF(metrics), 0, 0, metrics_choices, NULL,
     "who may read the Prometheus metrics at GET /metrics: local (loopback peers only; "
     "default), public (anyone who reaches the server) or off"},
    {"oauth-access-ttl", "S", K_LONG, OFF(oauth_access_ttl_s), 1, SECS, NULL, NULL,
     "OAuth access token lifetime (default 3600)"},
    {"oauth-refresh-ttl", "S", K_LONG, OFF(oauth_refresh_ttl_s), 1, SECS, NULL, NULL,
     "OAuth refresh token lifetime (default 2592000 = 30 days)"},
    {"oauth-code-ttl", "S", K_LONG, OFF(oauth_code_ttl_s), 1, SECS, NULL, NULL,
     "OAuth authorization code lifetime (default 300)"},
    {"oauth-request-ttl", "S", K_LONG, OFF(oauth_request_ttl_s), 1, SECS, NULL, NULL,
     "pending OAuth authorization request lifetime (default 600)"},
    {"token-ttl", "S", K_LONG, OFF(token_ttl_s), 1, 365LL * 86400, NULL, NULL,
     "lifetime of sign-in tokens (default 3600)"},
    {"kdf-iterations", "N", K_UINT, OFF(kdf_iterations), 1000, 10000000, NULL, NULL,
     "PBKDF2-SHA256 iterations for new password hashes (default 600000; lower values are for "
     "tests only)"},
    {"signup", "MODE", K_ENUM, OFF(signup), 0, 0, signup_choices, NULL,
     "who may sign up (POST /user/): open (default: anyone; a code is mailed, and until it is "
     "entered the account cannot accept invitations or join an org by email domain), verified "
     "(anyone, but nothing else works until the code is entered: 401 / 10587) or closed "
     "(nobody: 403; existing accounts keep working)"},
    {"smtp-url", "URL", K_FN, 0, 0, 0, NULL, fn_smtp_url,
     "relay mail (invitations, verification codes) through this SMTP server, e.g. "
     "smtp://127.0.0.1:25; mail is always written to DIR/outbox/ first, kept there while the "
     "relay fails, and moved to DIR/outbox/sent/ once sent (default: no relay)"},
    {"smtp-from", "ADDR", K_STR, OFF(smtp_from), 0, 0, NULL, NULL,
     "From header of mail (default \"" OUTBOX_DEFAULT_FROM "\")"},
    {"sync", "POLICY", K_ENUM, OFF(sync_policy), 0, 0, sync_choices, NULL,
     "upload durability: complete (fdatasync + directory fsync when a file completes, each "
     "chunk's write-out to disk started in the background as it arrives; default), chunk (also "
     "fdatasync every chunk before it is acknowledged) or none (tests and benchmarks)"},
    {"min-chunk-size", "N", K_LL, OFF(min_chunk_size), 1, UP_CHUNK_MAX, NULL, NULL,
     "smallest chunk but the last, bytes (default 1048576; tests use small values)"},
    {"max-chunk-size", "SIZE", K_SIZE, OFF(max_chunk_size), 1, UP_CHUNK_MAX, NULL, NULL,
     "largest chunk (one request body of a chunked upload), advertised as chunk_size in "
     "/upload/limits/; a larger chunk gets 413 (default and ceiling 100M). Behind a proxy, keep "
     "it below the proxy's body size limit"},
    {"sendfile", NULL, K_FLAG, OFF(sendfile), 0, 0, NULL, NULL,
     "send file downloads with sendfile(2) instead of reading them (pread) into 1 MiB blocks "
     "that are sent (default); on loopback the blocks cost both ends less CPU "
     "(docs/benchmarks.md)"},
    {"user-quota", "SIZE", K_SIZE, OFF(user_quota), 0, 1LL << 60, NULL, NULL,
     "bytes one user may hold: the versions they stored plus the announced sizes of their open "
     "upload sessions (default 0 = no quota). SIZE is bytes or a number with K, M, G or T "
     "(1024-based)"},
    {"org-quota", "SIZE", K_SIZE, OFF(org_quota), 0, 1LL << 60, NULL, NULL,
     "the same for all workspaces of one organization (default 0)"},
    {"max-sessions", "N", K_LONG, OFF(max_sessions), 1, 1000000, NULL, NULL,
     "open upload sessions per user (default 1000)"},
    {"sessions-size-max", "SIZE", K_FN, 0, 0, 0, NULL, fn_sessions_size,
     "announced bytes of one user's open sessions together (default 4T)"},
    {"disk-reserve", "SIZE", K_SIZE, OFF(disk_reserve), 0, 1LL << 60, NULL, NULL,
     "free space uploads never take, so sign-ups, folders and other metadata writes keep "
     "working on a full disk; an upload that would cut into it gets 507 (default 64M; 0 = "
     "none)"},
    {"upload-ttl", "S", K_LONG, OFF(upload_ttl_s), 1, 365LL * 86400, NULL, NULL,
     "an upload session (finished or not) expires S seconds after it was created; an "
     "unfinished one and its file are removed then (default 86400)"},
    {"sweep-interval", "S", K_LONG, OFF(sweep_interval_s), 1, 365LL * 86400, NULL, NULL,
     "how often expired sessions are removed while running (default 60; start-up always "
     "removes them)"},
    {"import-allow", "CIDR[,CIDR]", K_FN, 0, 0, 0, NULL, fn_import_allow,
     "let URL import reach these address ranges although they are loopback, private, "
     "link-local or otherwise refused (intranet sources, tests: 127.0.0.1/32). Default: none, "
     "public only"},
    {"import-max-bytes", "N", K_LL, OFF(import_max_bytes), 1, UP_FILE_MAX, NULL, NULL,
     "largest file a URL import may fetch (default and ceiling: the upload file-size limit, "
     "1 TiB)"},
    {"import-timeout", "S", K_LONG, OFF(import_timeout_s), 1, 7 * 86400, NULL, NULL,
     "each request of a URL import (every redirect hop) must end within S seconds (default "
     "3600)"},
    {"import-stall-timeout", "S", K_LONG, OFF(import_stall_s), 1, 7 * 86400, NULL, NULL,
     "a URL import fails when no byte arrives for S seconds (default 60)"},
    {"import-workers", "N", K_UINT, OFF(import_workers), 1, IMPORT_WORKERS_MAX, NULL, NULL,
     "URL imports running at once (default 2)"},
    {"ai-workers", "N", K_UINT, OFF(ai_workers), 1, AI_WORKERS_MAX, NULL, NULL,
     "AI chat answers composed at once (default 2)"},
    {"llm-url", "URL", K_FN, 0, 0, 0, NULL, fn_llm_url,
     "answer with an OpenAI-compatible chat completions endpoint (llama.cpp server, Ollama, "
     "vLLM, a cloud service): URL is its base (http://127.0.0.1:8080), .../v1 or "
     ".../v1/chat/completions. Default: none, answers are composed from the passages "
     "(extractive)"},
    {"llm-model", "NAME", K_STR, OFF(llm_model), 0, 0, NULL, NULL,
     "the \"model\" sent to the chat completions endpoint (default \"default\")"},
    {"llm-key-file", "FILE", K_STR, OFF(llm_key_file), 0, 0, NULL, NULL,
     "its API key: the first line of FILE, sent as a Bearer token"},
    {"llm-timeout", "S", K_LONG, OFF(llm_timeout_s), 1, 3600, NULL, NULL,
     "one model request must end within S seconds (default 120)"},
    {"intel-workers", "N", K_UINT, OFF(intel_workers), 1, INTEL_WORKERS_MAX, NULL, NULL,
     "indexing threads for workspaces with intelligence on (default 2)"},
    {"intel-max-bytes", "SIZE", K_SIZE, OFF(intel_max_bytes), 1, 1LL << 40, NULL, NULL,
     "a larger file is not indexed (its ai.state is failed; default 64M)"},
    {"intel-timeout", "S", K_LONG, OFF(intel_timeout_s), 1, 3600, NULL, NULL,
     "text extraction time limit per file, seconds (default 30)"},
    {"embed-url", "URL", K_FN, 0, 0, 0, NULL, fn_embed_url,
     "OpenAI-compatible embeddings endpoint (.../v1/embeddings): hybrid retrieval, BM25 fused "
     "with vector similarity (default off; a bearer key may be given in FASTIO_EMBED_API_KEY)"},
    {"embed-model", "NAME", K_STR, OFF(embed_model), 0, 0, NULL, NULL,
     "the \"model\" sent to the embeddings endpoint (default \"default\")"},
    {"mcp-mode", "MODE", K_ENUM, OFF(mcp_mode), 0, 0, mcp_choices, NULL,
     "tool set of MCP sessions at /mcp and /sse: auto (code mode for coding agents, by "
     "clientInfo.name; named mode otherwise), named or code (default auto)"},
    {"mcp-max-sessions", "N", K_UINT, OFF(mcp_max_sessions), 1, 100000, NULL, NULL,
     "MCP sessions held at once (default 1000); when full, the least recently used idle "
     "session is ended"},
    {"mcp-idle-timeout", "S", K_LONG, OFF(mcp_idle_s), 1, 86400 * 30, NULL, NULL,
     "an MCP session without calls or stream for S seconds ends (default 1800)"},
    {"mcp-conformance-fixtures", NULL, K_FLAG, OFF(mcp_fixtures), 0, 0, NULL, NULL,
     "add the test_* tools, resources and prompts that the MCP conformance suite calls (tests "
     "only)"},
    {"enable-test-faults", NULL, K_FLAG, OFF(test_faults), 0, 0, NULL, NULL,
     "allow POST /current/test/faults/ (fault injection; tests only)"},
    {"lock-time-scale", "N", K_LONG, OFF(lock_time_scale), 1, 3600, NULL, NULL,
     "file-lock durations pass N times faster (tests only; default 1)"},
};
#define NOPTS (sizeof(table) / sizeof(table[0]))

/* ---- applying one value ---------------------------------------------------------------------- */

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Apply val (NULL for a flag on the command line) to c. 0, or -1 with err set. */
static int apply(const struct srv_option *o, const char *val, struct srv_config *c, char *err,
                 size_t n)
{
    char *base = (char *)c;
    long long v;
    switch (o->kind) {
    case K_FLAG: {
        bool b = true;
        if (val && !parse_bool(val, &b)) {
            snprintf(err, n, "wants true or false");
            return -1;
        }
        *(bool *)(void *)(base + o->off) = b;
        return 0;
    }
    case K_STR:
        if (!*val) {
            snprintf(err, n, "wants a value");
            return -1;
        }
        return set_str((char **)(void *)(base + o->off), val, err, n);
    case K_UINT:
    case K_LONG:
    case K_LL:
        if (!fio_parse_ll(val, o->min, o->max, &v)) {
            snprintf(err, n, "wants a whole number in %lld..%lld", o->min, o->max);
            return -1;
        }
        if (o->kind == K_UINT)
            *(unsigned *)(void *)(base + o->off) = (unsigned)v;
        else if (o->kind == K_LONG)
            *(long *)(void *)(base + o->off) = (long)v;
        else
            *(long long *)(void *)(base + o->off) = v;
        return 0;
    case K_SIZE:
        if (!srv_parse_size(val, &v) || v < o->min || v > o->max) {
            snprintf(err, n,
                     "wants a size in bytes, optionally with K, M, G or T (e.g. 10G), "
                     "%lld..%lld bytes",
                     o->min, o->max);
            return -1;
        }
        *(long long *)(void *)(base + o->off) = v;
        return 0;
    case K_ENUM: {
        for (const struct opt_choice *ch = o->choices; ch->word; ch++)
            if (strcmp(val, ch->word) == 0) {
                *(int *)(void *)(base + o->off) = ch->value;
                return 0;
            }
        size_t len = (size_t)snprintf(err, n, "wants");
        for (const struct opt_choice *ch = o->choices; ch->word && len < n; ch++)
            len += (size_t)snprintf(err + len, n - len, "%s %s",
                                    ch == o->choices ? "" : ch[1].word ? "," : " or",
                                    ch->word);
        return -1;
    }
    case K_FN:
        return o->fn(val, c, err, n);
    case K_CONFIG:
        snprintf(err, n, "cannot be used in a config file");
        return -1;
    }
    return -1;
}

static const struct srv_option *find_key(const char *key)
{
    char k[64];
    if (!fio_strlcpy(k, key, sizeof(k)))
        return NULL;
    for (char *p = k; *p; p++)
        if (*p == '_')
            *p = '-';
    for (size_t i = 0; i < NOPTS; i++)
        if (strcmp(table[i].name, k) == 0)
            return &table[i];
    return NULL;
}

/* ---- config files ---------------------------------------------------------------------------- */

#define CONFIG_MAX_LINES 10000
#define CONFIG_LINE_MAX 4096

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

int srv_config_file(const char *path, struct srv_config *c)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fprintf(stderr, "fastio-server: cannot read config file %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t linecap = 0;
    bool seen[NOPTS];
    memset(seen, 0, sizeof(seen));
    int rc = 0;
    for (int ln = 1; ln <= CONFIG_MAX_LINES + 1; ln++) {
        ssize_t got = getline(&line, &linecap, f);
        if (got < 0)
            break;
        char err[256] = "";
        if (ln > CONFIG_MAX_LINES) {
            fprintf(stderr, "fastio-server: %s:%d: more than %d lines\n", path, ln,
                    CONFIG_MAX_LINES);
            rc = -1;
            break;
        }
        size_t len = (size_t)got;
        if (len > CONFIG_LINE_MAX) {
            fprintf(stderr, "fastio-server: %s:%d: line longer than %d bytes\n", path, ln,
                    CONFIG_LINE_MAX);
            rc = -1;
            break;
        }
        if (memchr(line, 0, len) != NULL) {
            fprintf(stderr, "fastio-server: %s:%d: NUL byte\n", path, ln);
            rc = -1;
            break;
        }
        /* A comment: '#' at the start of the line (after blanks) or after a blank. */
        for (char *p = line; *p; p++)
            if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
                *p = 0;
                break;
            }
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "fastio-server: %s:%d: expected 'key = value', got '%s'\n", path, ln,
                    s);
            rc = -1;
            break;
        }
        *eq = 0;
        char *key = trim(s);
        char *val = trim(eq + 1);
        size_t vl = strlen(val);
        if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
            val[vl - 1] = 0;
            val++;
        }
        const struct srv_option *o = find_key(key);
        if (!o) {
            fprintf(stderr, "fastio-server: %s:%d: unknown key '%s' (the keys are the long "
                    "options of 'fastio-server --help' without '--')\n", path, ln, key);
            rc = -1;
            break;
        }
        size_t idx = (size_t)(o - table);
        if (seen[idx]) {
            fprintf(stderr, "fastio-server: %s:%d: '%s' is set twice\n", path, ln, o->name);
            rc = -1;
            break;
        }
        seen[idx] = true;
        if (o->kind != K_FLAG && o->kind != K_STR && !*val) {
            fprintf(stderr, "fastio-server: %s:%d: %s wants a value\n", path, ln, o->name);
            rc = -1;
            break;
        }
        if (apply(o, val, c, err, sizeof(err)) != 0) {
            fprintf(stderr, "fastio-server: %s:%d: %s %s, got '%s'\n", path, ln, o->name, err,
                    val);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "fastio-server: cannot read config file %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* ---- the command line ------------------------------------------------------------------------ */

enum { O_BASE = 256, O_HELP = 'h', O_VERSION = 1, O_PRINT_CONFIG = 2 };

int srv_options_parse(int argc, char **argv, int first, struct srv_config *c, char **pos,
                      size_t max_pos, size_t *npos)
{
    static struct option lopts[NOPTS + 4];
    for (size_t i = 0; i < NOPTS; i++) {
        lopts[i].name = table[i].name;
        lopts[i].has_arg = table[i].kind == K_FLAG ? no_argument : required_argument;
        lopts[i].flag = NULL;
        lopts[i].val = O_BASE + (int)i;
    }
    lopts[NOPTS] = (struct option){"help", no_argument, NULL, O_HELP};
    lopts[NOPTS + 1] = (struct option){"version", no_argument, NULL, O_VERSION};
    lopts[NOPTS + 2] = (struct option){"print-config", no_argument, NULL, O_PRINT_CONFIG};
    lopts[NOPTS + 3] = (struct option){NULL, 0, NULL, 0};
    *npos = 0;

    /* Pass 1: --config only (the file comes first, the command line overrides it). */
    const char *config = NULL;
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fputs("fastio-server: --config wants FILE\n", stderr);
                return SRV_OPT_ERROR;
            }
            config = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0)
            config = argv[i] + 9;
    }
    if (config && srv_config_file(config, c) != 0)
        return SRV_OPT_ERROR;

    /* Pass 2: everything, positional arguments anywhere ("--" ends the options). */
    optind = first;
    opterr = 1;
    bool dashdash = false;
    for (int guard = 0; optind < argc && guard <= argc; guard++) {
        const char *a = argv[optind];
        if (dashdash || a[0] != '-' || a[1] == 0) {
            if (*npos >= max_pos) {
                fprintf(stderr, "fastio-server: unexpected argument '%s'\n", a);
                return SRV_OPT_ERROR;
            }
            pos[(*npos)++] = argv[optind++];
            guard = 0;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            dashdash = true;
            optind++;
            continue;
        }
        int opt = getopt_long(argc, argv, "+h", lopts, NULL);
        if (opt == -1)
            break;
        if (opt == O_HELP)
            return SRV_OPT_HELP;
        if (opt == O_VERSION) {
            puts("fastio-server 0.1.0");
            return SRV_OPT_EXIT;
        }
        if (opt == O_PRINT_CONFIG) {
            srv_options_print_config(stdout);
            return SRV_OPT_EXIT;
        }
        if (opt < O_BASE || opt >= O_BASE + (int)NOPTS) {
            fputs("Try 'fastio-server --help'.\n", stderr);
            return SRV_OPT_ERROR;
        }
        const struct srv_option *o = &table[opt - O_BASE];
        if (o->kind == K_CONFIG)
            continue;
        char err[256] = "";
        if (apply(o, optarg, c, err, sizeof(err)) != 0) {
            fprintf(stderr, "fastio-server: --%s %s, got '%s'\n", o->name, err,
                    optarg ? optarg : "");
            return SRV_OPT_ERROR;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (*npos >= max_pos) {
            fprintf(stderr, "fastio-server: unexpected argument '%s'\n", argv[i]);
            return SRV_OPT_ERROR;
        }
        pos[(*npos)++] = argv[i];
    }
    return SRV_OPT_RUN;
}

/* ---- help ------------------------------------------------------------------------------------ */

#define HELP_COL 26
#define HELP_WIDTH 94

/* Words of text from column `col` (already there), wrapped at HELP_WIDTH with continuation lines
 * indented to indent, each prefixed by prefix. */
static void wrap(FILE *out, const char *text, size_t col, size_t indent, const char *prefix)
{
    const char *p = text;
    bool line_start = true; /* no word on this line yet: no blank before the next */
    while (*p) {
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t wl = (size_t)(p - w);
        if (!line_start && col + 1 + wl > HELP_WIDTH) {
            fprintf(out, "\n%s%*s", prefix, (int)indent, "");
            col = indent + strlen(prefix);
            line_start = true;
        }
        if (!line_start) {
            fputc(' ', out);
            col++;
        }
        fwrite(w, 1, wl, out);
        col += wl;
        line_start = false;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

void srv_options_help(FILE *out)
{
    fputs("OPTIONS\n", out);
    for (size_t i = 0; i < NOPTS; i++) {
        const struct srv_option *o = &table[i];
        char head[96];
        int hl = snprintf(head, sizeof(head), "    --%s%s%s", o->name, o->metavar ? " " : "",
                          o->metavar ? o->metavar : "");
        fputs(head, out);
        size_t col = (size_t)hl;
        if (col + 2 <= HELP_COL) {
            fprintf(out, "%*s", (int)(HELP_COL - col), "");
            col = HELP_COL;
        } else {
            fputs("  ", out);
            col += 2;
        }
        wrap(out, o->help, col, HELP_COL, "");
    }
    fputs("    --print-config        print a config file with every key, commented out, and "
          "exit\n",
          out);
    fputs("    -h, --help            show this help\n", out);
    fputs("    --version             print the version\n", out);
}

void srv_options_print_config(FILE *out)
{
    fputs("# fastio-server configuration: 'key = value' lines, keys are the long options of\n"
          "# 'fastio-server --help' without '--'; '#' starts a comment (at the start of a line\n"
          "# or after a blank); a value may be put in double quotes. Command-line options\n"
          "# override this file. Every key is shown commented out, with its help.\n",
          out);
    for (size_t i = 0; i < NOPTS; i++) {
        const struct srv_option *o = &table[i];
        if (o->kind == K_CONFIG)
            continue;
        fputs("\n# ", out);
        wrap(out, o->help, 2, 0, "# ");
        fprintf(out, "#%s = %s\n", o->name, o->kind == K_FLAG ? "false" : o->metavar);
    }
}

/* ---- checks across options ------------------------------------------------------------------ */

int srv_config_check(const struct srv_config *c)
{
    if (c->min_chunk_size > c->max_chunk_size) {
        fprintf(stderr, "fastio-server: --min-chunk-size (%lld) is above --max-chunk-size (%lld)\n",
                c->min_chunk_size, c->max_chunk_size);
        return -1;
    }
    if (!c->tls_cert != !c->tls_key) {
        fprintf(stderr, "fastio-server: --tls-cert and --tls-key go together\n");
        return -1;
    }
    return 0;
}

/* ---- defaults -------------------------------------------------------------------------------- */

void srv_config_defaults(struct srv_config *c)
{
    memset(c, 0, sizeof(*c));
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
    c->max_chunk_size = UP_CHUNK_MAX;
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
    c->metrics = SRV_METRICS_LOCAL;
}

void srv_config_free(struct srv_config *c)
{
    free(c->data_dir);
    free(c->access_log_path);
    free(c->smtp_url);
    free(c->smtp_from);
    free(c->public_url);
    free(c->import_allow);
    free(c->trusted_proxy);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->embed_url);
    free(c->embed_model);
    free(c->llm_url);
    free(c->llm_model);
    free(c->llm_key_file);
    c->embed_url = c->embed_model = c->llm_url = c->llm_model = c->llm_key_file = NULL;
    c->data_dir = c->access_log_path = c->smtp_url = c->smtp_from = c->public_url = NULL;
    c->import_allow = c->trusted_proxy = c->tls_cert = c->tls_key = NULL;
}

bool srv_parse_size(const char *arg, long long *out)
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
