/* SPDX-License-Identifier: MIT */
/* client_internal.h - the client handle's layout, shared by client.c (the handle and its
 * configuration), client_call.c (one attempt and the retry loop) and op.c (the operation that
 * reads the client's base URL, token, agent and hooks); not for other layers. */
#ifndef FIO_CLIENT_INTERNAL_H
#define FIO_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "buf.h"
#include "fastio/fastio.h"
#include "http_common.h"

#define FIO_REQUEST_ID_BYTES 16

struct fastio_client {
    struct fastio_config cfg; /* strings below are owned copies; cfg points at them */
    char *base_url;           /* without trailing '/' */
    char *token;
    char *user_agent;
    char *ca_file; /* cfg.ca_file (D-125), checked readable at creation; NULL = system bundle */

    CURL *curl;   /* reused: keeps connections, DNS and TLS sessions between calls */
    CURLM *multi; /* drives curl one poll slice at a time; owns the connection cache */

    struct fastio_call_opts defaults; /* fastio_client_set_call_opts() */
    bool has_defaults;
    char request_id[2 * FIO_REQUEST_ID_BYTES + 1]; /* of the current / last call */

    /* the answer of the current attempt (op.c writes it), capped at cfg.max_response_bytes;
     * kept between calls unless it grew large */
    struct fio_buf response;
};

/* A value that goes into an HTTP header line: a CR or LF would let it inject other headers. */
bool fio_header_safe(const char *s);

#endif
