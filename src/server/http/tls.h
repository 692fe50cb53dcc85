/* SPDX-License-Identifier: MIT */
/* tls.h - the certificate chain and private key of --tls-cert/--tls-key (D-118), loaded and
 * checked here and handed to GnuTLS by a certificate callback at each handshake, so that SIGHUP
 * can put a renewed pair in place while the server runs (D-141). Every loaded pair is a
 * generation; a connection pins the generation current when it opened, and a replaced generation
 * is freed once no connection opened under it or earlier is left (a handshake uses the pair
 * current at that moment, which is never older than its connection's pin). */
#ifndef SRV_HTTP_TLS_H
#define SRV_HTTP_TLS_H

#include <stddef.h>
#include <stdint.h>

struct tls_store;
struct tls_gen;

/* Load and check the pair (the key must be the first certificate's). NULL with a message in err
 * (naming the file and what is wrong). One store at a time per process (the GnuTLS callback
 * has no argument of its own): a second gets NULL while the first lives. */
struct tls_store *tls_store_new(const char *cert_path, const char *key_path, char *err, size_t n);
void tls_store_free(struct tls_store *t); /* NULL-safe; after the daemon has stopped */

/* Load the pair again from the same paths. 0: new handshakes use it (info says what is now
 * served); -1: nothing changed, the old pair is still served, err says why. */
int tls_store_reload(struct tls_store *t, char *info, size_t n, char *err, size_t en);

/* The daemon option that makes GnuTLS ask the store at each handshake:
 * MHD_OPTION_HTTPS_CERT_CALLBACK with our gnutls_certificate_retrieve_function2. */
struct MHD_OptionItem;
void tls_cert_option(struct MHD_OptionItem *item);

/* From the connection notifications: pin the current generation, and let it go. */
struct tls_gen *tls_conn_open(struct tls_store *t);
void tls_conn_close(struct tls_store *t, struct tls_gen *g);

/* The served certificate's notAfter, in seconds since the epoch (0 when unknown). */
int64_t tls_not_after(struct tls_store *t);
/* What is served now, for the log: serial, chain length, notAfter. */
void tls_describe(struct tls_store *t, char *out, size_t n);
/* Generations still held (the current one and replaced ones with connections left). */
unsigned tls_generations(struct tls_store *t);

#endif
