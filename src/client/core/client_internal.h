/* client_internal.h - the client handle's layout, shared by client.c (the handle and its
 * configuration) and client_call.c (one attempt and the retry loop); not for other files. */
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

    CURL *curl;   /* reused: keeps connections, DNS and TLS sessions between calls */
    CURLM *multi; /* drives curl one poll slice at a time; owns the connection cache */
    char curl_errbuf[CURL_ERROR_SIZE];

    struct fastio_call_opts defaults; /* fastio_client_set_call_opts() */
    bool has_defaults;
    char request_id[2 * FIO_REQUEST_ID_BYTES + 1]; /* of the current / last call */

    /* per-attempt state, reset by attempt() */
    struct fio_buf response; /* capped at cfg.max_response_bytes */
    bool response_too_large;
    bool response_nomem;
    /* values of the response headers the client cares about, for the current attempt (api
     * §1.8); avail/max are not used yet: they are for the low-quota warning */
    struct fio_resp_headers headers;
};

/* A value that goes into an HTTP header line: a CR or LF would let it inject other headers. */
bool fio_header_safe(const char *s);

#endif
