/* SPDX-License-Identifier: MIT */
/* tls.c - the --tls-cert/--tls-key pair as reloadable generations (tls.h, D-141). */
#include "tls.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A certificate file holds the server's certificate and its chain (certbot's fullchain.pem
 * holds 2-3); more than this is refused as malformed. */
#define TLS_MAX_CHAIN 16
/* A PEM file larger than this is not a certificate or a key. */
#define TLS_MAX_PEM (1024 * 1024)

struct tls_gen {
    gnutls_pcert_st pcert[TLS_MAX_CHAIN];
    unsigned npcert;
    gnutls_privkey_t key;
    int64_t not_after;
    char serial[80];    /* hex, for the log */
    uint64_t live;      /* connections opened while this was current, not yet closed */
    struct tls_gen *newer;
};

struct tls_store {
    char *cert_path, *key_path;
    pthread_mutex_t mu;
    struct tls_gen *oldest;  /* oldest -> newer -> ... -> current */
    struct tls_gen *current; /* the pair new handshakes get */
};

/* The store the GnuTLS callback serves from (the callback has no argument of its own). */
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tls_store *live;

static void gen_free(struct tls_gen *g)
{
    if (!g)
        return;
    for (unsigned i = 0; i < g->npcert; i++)
        gnutls_pcert_deinit(&g->pcert[i]);
    if (g->key)
        gnutls_privkey_deinit(g->key);
    free(g);
}

/* A whole PEM file into a new string (at most TLS_MAX_PEM bytes); NULL with errno set. */
static char *read_pem(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *buf = malloc((size_t)TLS_MAX_PEM + 1);
    if (buf) {
        size_t n = fread(buf, 1, TLS_MAX_PEM, f);
        if (ferror(f)) {
            int e = errno;
            free(buf);
            buf = NULL;
            errno = e ? e : EIO;
        } else if (!feof(f)) {
            free(buf);
            buf = NULL;
            errno = EFBIG;
        } else {
            buf[n] = 0;
            *len = n;
        }
    }
    fclose(f);
    return buf;
}

static void wipe_free(char *p, size_t n)
{
    if (p)
        explicit_bzero(p, n);
    free(p);
}

/* Load the pair and check it; NULL with a message in err. */
static struct tls_gen *gen_load(const char *cert_path, const char *key_path, char *err, size_t n)
{
    size_t clen = 0, klen = 0;
    char *cpem = read_pem(cert_path, &clen);
    if (!cpem) {
        snprintf(err, n, "cannot read %s: %s", cert_path, strerror(errno));
        return NULL;
    }
    char *kpem = read_pem(key_path, &klen);
    if (!kpem) {
        snprintf(err, n, "cannot read %s: %s", key_path, strerror(errno));
        free(cpem);
        return NULL;
    }
    struct tls_gen *g = calloc(1, sizeof(*g));
    gnutls_pubkey_t pub = NULL;
    gnutls_x509_crt_t crt = NULL;
    int rc;
    if (!g) {
        snprintf(err, n, "out of memory");
        goto fail;
    }
    gnutls_datum_t cd = {(unsigned char *)cpem, (unsigned)clen};
    unsigned max = TLS_MAX_CHAIN;
    rc = gnutls_pcert_list_import_x509_raw(g->pcert, &max, &cd, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0 || max == 0) {
        snprintf(err, n, "%s: not a PEM certificate chain of at most %d certificates (%s)",
                 cert_path, TLS_MAX_CHAIN, rc < 0 ? gnutls_strerror(rc) : "none found");
        goto fail;
    }
    g->npcert = max;
    gnutls_datum_t kd = {(unsigned char *)kpem, (unsigned)klen};
    if ((rc = gnutls_privkey_init(&g->key)) < 0 ||
        (rc = gnutls_privkey_import_x509_raw(g->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        snprintf(err, n, "%s: not an unencrypted PEM private key (%s)", key_path,
                 gnutls_strerror(rc));
        goto fail;
    }
    /* The key must be the first certificate's: compare the public key it implies with the
     * certificate's, by their SHA-256 key ids. */
    unsigned char id_key[64], id_crt[64];
    size_t id_key_len = sizeof(id_key), id_crt_len = sizeof(id_crt);
    if ((rc = gnutls_pubkey_init(&pub)) < 0 ||
        (rc = gnutls_pubkey_import_privkey(pub, g->key, 0, 0)) < 0 ||
        (rc = gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, id_key, &id_key_len)) < 0 ||
        (rc = gnutls_pubkey_get_key_id(g->pcert[0].pubkey, GNUTLS_KEYID_USE_SHA256, id_crt,
                                       &id_crt_len)) < 0) {
        snprintf(err, n, "%s: cannot compare the key with %s (%s)", key_path, cert_path,
                 gnutls_strerror(rc));
        goto fail;
    }
    if (id_key_len != id_crt_len || memcmp(id_key, id_crt, id_key_len) != 0) {
        snprintf(err, n, "the key in %s is not the key of the certificate in %s", key_path,
                 cert_path);
        goto fail;
    }
    /* For the log and /metrics: the serial number and notAfter of the first certificate. */
    if ((rc = gnutls_x509_crt_init(&crt)) < 0 ||
        (rc = gnutls_x509_crt_import(crt, &g->pcert[0].cert, GNUTLS_X509_FMT_DER)) < 0) {
        snprintf(err, n, "%s: cannot read the certificate (%s)", cert_path, gnutls_strerror(rc));
        goto fail;
    }
    time_t na = gnutls_x509_crt_get_expiration_time(crt);
    g->not_after = na == (time_t)-1 ? 0 : (int64_t)na;
    unsigned char ser[40];
    size_t sl = sizeof(ser);
    if (gnutls_x509_crt_get_serial(crt, ser, &sl) < 0)
        sl = 0;
    size_t z = 0; /* the DER integer's leading zero bytes (as openssl prints it: 00A1 -> A1) */
    while (z + 1 < sl && ser[z] == 0)
        z++;
    for (size_t i = z; i < sl && 2 * (i - z) + 2 < sizeof(g->serial); i++)
        snprintf(g->serial + 2 * (i - z), 3, "%02X", ser[i]);
    gnutls_x509_crt_deinit(crt);
    gnutls_pubkey_deinit(pub);
    wipe_free(kpem, klen);
    free(cpem);
    return g;
fail:
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (pub)
        gnutls_pubkey_deinit(pub);
    gen_free(g);
    wipe_free(kpem, klen);
    free(cpem);
    return NULL;
}

/* Free replaced generations no connection can use any more: walking from the oldest, a
 * connection pinned to generation i may have shaken hands with any generation >= i, so a
 * replaced generation goes once no connection pinned to it or to an older one is left.
 * Called with t->mu held. */
static void sweep(struct tls_store *t)
{
    while (t->oldest && t->oldest != t->current && t->oldest->live == 0) {
        struct tls_gen *g = t->oldest;
        t->oldest = g->newer;
        gen_free(g);
    }
}

/* gnutls_certificate_retrieve_function2: at each handshake, the current pair. GnuTLS does not
 * free what it gets here; the generation outlives the handshake (tls.h). */
static int retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                    gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    (void)session;
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    int rc = -1;
    pthread_mutex_lock(&live_mu);
    struct tls_store *t = live;
    if (t) {
        pthread_mutex_lock(&t->mu);
        struct tls_gen *g = t->current;
        if (g) {
            *pcert = g->pcert;
            *pcert_length = g->npcert;
            *privkey = g->key;
            rc = 0;
        }
        pthread_mutex_unlock(&t->mu);
    }
    pthread_mutex_unlock(&live_mu);
    return rc;
}

void tls_cert_option(struct MHD_OptionItem *item)
{
    gnutls_certificate_retrieve_function2 *fn = retrieve;
    void *p;
    /* libmicrohttpd takes the callback through an option item's pointer (POSIX: a function
     * pointer converts to void * and back). */
    _Static_assert(sizeof(p) == sizeof(fn), "function and object pointers differ in size");
    memcpy(&p, &fn, sizeof(p));
    *item = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0, p};
}

struct tls_store *tls_store_new(const char *cert_path, const char *key_path, char *err, size_t n)
{
    struct tls_store *t = calloc(1, sizeof(*t));
    if (!t || !(t->cert_path = strdup(cert_path)) || !(t->key_path = strdup(key_path))) {
        snprintf(err, n, "out of memory");
        goto fail;
    }
    pthread_mutex_init(&t->mu, NULL);
    t->current = t->oldest = gen_load(cert_path, key_path, err, n);
    if (!t->current) {
        pthread_mutex_destroy(&t->mu);
        goto fail;
    }
    pthread_mutex_lock(&live_mu);
    bool taken = live != NULL;
    if (!taken)
        live = t;
    pthread_mutex_unlock(&live_mu);
    if (taken) {
        snprintf(err, n, "one TLS server per process");
        gen_free(t->current);
        pthread_mutex_destroy(&t->mu);
        goto fail;
    }
    return t;
fail:
    if (t) {
        free(t->cert_path);
        free(t->key_path);
    }
    free(t);
    return NULL;
}

void tls_store_free(struct tls_store *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&live_mu);
    if (live == t)
        live = NULL;
    pthread_mutex_unlock(&live_mu);
    /* The daemon has stopped: no handshake and no connection is left. */
    for (struct tls_gen *g = t->oldest, *next; g; g = next) {
        next = g->newer;
        gen_free(g);
    }
    pthread_mutex_destroy(&t->mu);
    free(t->cert_path);
    free(t->key_path);
    free(t);
}

static void describe(const struct tls_gen *g, char *out, size_t n)
{
    char when[40] = "unknown";
    time_t na = (time_t)g->not_after;
    struct tm tm;
    if (g->not_after && gmtime_r(&na, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    snprintf(out, n, "certificate serial %s, %u in chain, valid until %s%s", g->serial,
             g->npcert, when,
             g->not_after && g->not_after < (int64_t)time(NULL) ? " (EXPIRED)" : "");
}

int tls_store_reload(struct tls_store *t, char *info, size_t n, char *err, size_t en)
{
    struct tls_gen *g = gen_load(t->cert_path, t->key_path, err, en);
    if (!g)
        return -1;
    describe(g, info, n);
    pthread_mutex_lock(&t->mu);
    t->current->newer = g;
    t->current = g;
    sweep(t);
    pthread_mutex_unlock(&t->mu);
    return 0;
}

struct tls_gen *tls_conn_open(struct tls_store *t)
{
    if (!t)
        return NULL;
    pthread_mutex_lock(&t->mu);
    struct tls_gen *g = t->current;
    g->live++;
    pthread_mutex_unlock(&t->mu);
    return g;
}

void tls_conn_close(struct tls_store *t, struct tls_gen *g)
{
    if (!t || !g)
        return;
    pthread_mutex_lock(&t->mu);
    if (g->live)
        g->live--;
    sweep(t);
    pthread_mutex_unlock(&t->mu);
}

int64_t tls_not_after(struct tls_store *t)
{
    if (!t)
        return 0;
    pthread_mutex_lock(&t->mu);
    int64_t v = t->current ? t->current->not_after : 0;
    pthread_mutex_unlock(&t->mu);
    return v;
}

unsigned tls_generations(struct tls_store *t)
{
    unsigned k = 0;
    if (!t)
        return 0;
    pthread_mutex_lock(&t->mu);
    for (const struct tls_gen *g = t->oldest; g && k < 1000000; g = g->newer)
        k++;
    pthread_mutex_unlock(&t->mu);
    return k;
}

void tls_describe(struct tls_store *t, char *out, size_t n)
{
    pthread_mutex_lock(&t->mu);
    describe(t->current, out, n);
    pthread_mutex_unlock(&t->mu);
}
