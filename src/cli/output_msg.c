/* SPDX-License-Identifier: MIT */
/* output_msg.c - what the CLI writes on stderr: error, usage and note lines (sanitised with
 * cli_cell_text, prefixed with the command), an API error with its HTTP status and code, and the
 * hints after a network or TLS failure (which profile, which URL and where it came from; how
 * to start a local fastio-server; --ca-file). */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 0))) static void
vline(const char *prefix, const struct cli_ctx *ctx, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t w;
    char *safe = cli_cell_text(msg, 0, &w);
    if (ctx->what)
        fprintf(stderr, "%s%s: %s\n", prefix, ctx->what, safe ? safe : msg);
    else
        fprintf(stderr, "%s%s\n", prefix, safe ? safe : msg);
    free(safe);
}

void cli_errorf(const struct cli_ctx *ctx, const char *fmt, ...)
{
    if (ctx->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vline("error: ", ctx, fmt, ap);
    va_end(ap);
}

void cli_note(const struct cli_ctx *ctx, const char *fmt, ...)
{
    if (ctx->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", msg);
}

int cli_usage(const struct cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "error: %s\n", msg);
    if (ctx->what)
        fprintf(stderr, "Run 'fastio %s --help' for usage.\n", ctx->what);
    else
        fputs("Run 'fastio --help' for usage.\n", stderr);
    return CLI_USAGE;
}

/* After a connection failure: which profile and URL were used, where the URL came from, and,
 * for a loopback http:// URL (nothing listening), how to start the local server. */
void cli_network_hint(const struct cli_ctx *ctx)
{
    if (ctx->quiet || !ctx->api_base)
        return;
    static const char *const from[] = {"the built-in default", "--api-base", "FASTIO_API_BASE",
                                       "config.json"};
    const char *b = ctx->api_base;
    unsigned src = (unsigned)ctx->base_source < 4 ? (unsigned)ctx->base_source : 0;
    bool local = strncmp(b, "http://127.", 11) == 0 || strncmp(b, "http://localhost", 16) == 0 ||
                 strncmp(b, "http://[::1]", 12) == 0;
    size_t w;
    char *safe = cli_cell_text(b, 0, &w);
    fprintf(stderr, "hint: profile '%s' uses %s (from %s)%s\n",
            ctx->profile ? ctx->profile : "default", safe ? safe : "?", from[src],
            local ? ", where nothing answers" : "");
    free(safe);
    if (local)
        fputs("hint: start the local server with 'fastio-server' (127.0.0.1:8787), or\n"
              "      'fastio-server --listen 127.0.0.1:PORT' for this port\n",
              stderr);
    else
        fputs("hint: check the address and the network\n", stderr);
    fputs("hint: another server: --api-base URL, FASTIO_API_BASE or --profile NAME\n", stderr);
}

/* After a TLS verification failure (D-125): which CAs were used and how to trust a private
 * one. */
void cli_tls_hint(const struct cli_ctx *ctx)
{
    if (ctx->quiet)
        return;
    if (ctx->ca_file) {
        size_t w;
        char *safe = cli_cell_text(ctx->ca_file, 0, &w);
        fprintf(stderr, "hint: the server's certificate is not signed by a CA of %s (from %s)\n",
                safe ? safe : "?", ctx->ca_file_origin);
        free(safe);
        fputs("hint: pass the bundle of the CA that signed it: --ca-file PATH\n", stderr);
    } else {
        fputs("hint: the server's certificate is not signed by a CA of the system bundle;\n"
              "      for a private CA or a self-signed server pass its PEM certificate with\n"
              "      --ca-file PATH (or FASTIO_CA_FILE, or 'fastio configure init --ca-file')\n",
              stderr);
    }
}

bool cli_error_is_tls(const struct fastio_error *err)
{
    return err->status == FASTIO_NETWORK &&
           strstr(err->message, "TLS certificate verification failed") != NULL;
}

void cli_print_api_error(const struct cli_ctx *ctx, const struct fastio_error *err)
{
    if (ctx->quiet)
        return;
    const char *msg = err->message[0] ? err->message : fastio_status_str(err->status);
    char tail[96] = "";
    if (err->http_status && err->api_code)
        snprintf(tail, sizeof(tail), " (HTTP %ld, code %ld)", err->http_status, err->api_code);
    else if (err->http_status)
        snprintf(tail, sizeof(tail), " (HTTP %ld)", err->http_status);
    else if (err->api_code)
        snprintf(tail, sizeof(tail), " (code %ld)", err->api_code);
    cli_errorf(ctx, "%s%s", msg, tail);
    if (err->status == FASTIO_AUTH && !(ctx->what && strcmp(ctx->what, "auth login") == 0))
        fputs("hint: check the token, or sign in again with 'fastio auth login'\n", stderr);
    else if (cli_error_is_tls(err))
        cli_tls_hint(ctx);
    else if (err->status == FASTIO_NETWORK)
        cli_network_hint(ctx);
    else if (err->status == FASTIO_RATE_LIMITED && err->retry_after_ms > 0)
        fprintf(stderr, "hint: rate limited; retry in %ld s\n", (err->retry_after_ms + 999) / 1000);
}
