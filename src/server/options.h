/* SPDX-License-Identifier: MIT */
/* options.h - fastio-server's option table: the one source of the command-line options, of the
 * keys of a --config file (the option names without "--") and of the OPTIONS part of --help
 * (docs/server.md "Options" is generated from it by scripts/gen-server-doc.sh). D-115. */
#ifndef SRV_OPTIONS_H
#define SRV_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "server.h"

/* Set c to the built-in defaults (the embedded default: no flags needed). */
void srv_config_defaults(struct srv_config *c);
/* Free what c owns. */
void srv_config_free(struct srv_config *c);

/* Parse the command line into c: first the file of --config FILE (when given), then every other
 * option, so the command line overrides the file. argv[first] is the first argument to look at
 * (1, or 2 after a subcommand). Positional arguments are stored in pos[0..*npos) (at most
 * max_pos; more is an error). Returns one of: */
enum { SRV_OPT_RUN = 0, SRV_OPT_EXIT = 1 /* --version / --print-config printed: exit 0 */,
       SRV_OPT_ERROR = 2 /* a message is on stderr: exit 2 */, SRV_OPT_HELP = 3 /* --help */ };
int srv_options_parse(int argc, char **argv, int first, struct srv_config *c, char **pos,
                      size_t max_pos, size_t *npos);

/* Read one config file into c (used by srv_options_parse). Errors name FILE:LINE. 0 or -1 after
 * a message on stderr. */
int srv_config_file(const char *path, struct srv_config *c);

/* Rules between options (--min-chunk-size <= --max-chunk-size, --tls-cert with --tls-key). 0,
 * or -1 after a message on stderr. */
int srv_config_check(const struct srv_config *c);

/* The OPTIONS section of --help, generated from the table. */
void srv_options_help(FILE *out);
/* A config file with every key commented out, its help as comments (--print-config). */
void srv_options_print_config(FILE *out);

/* The size syntax of the quota options: bytes, or a number with K, M, G or T (powers of 1024). */
bool srv_parse_size(const char *arg, long long *out);

#endif
