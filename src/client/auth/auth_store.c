/* SPDX-License-Identifier: MIT */
/* auth_store.c - a thread-safe token store: the access token, its expiry and the refresh token
 * behind one mutex, refreshed before expiry and once after a 401, with rotated tokens handed
 * to a persist callback. Clients use it through the token-provider hook (fastio_token_fn), so
 * several clients on several threads share one refresh. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "buf.h"
#include "envelope.h"
#include "fastio/fastio.h"
#include "timeutil.h"

#define DEFAULT_SKEW_S 60L
#define REFRESH_TIMEOUT_MS 30000L

struct fastio_token_store {
    pthread_mutex_t lock;
    /* immutable after creation */
    char *client_id;
    long skew_s;
    fastio_token_persist_fn persist;
    void *persist_userdata;
    struct {
        /* under lock */
        struct fastio_client *client; /* for refresh calls; a client is single-threaded */
        char *access_token;
        char *refresh_token;
        int64_t expires_at; /* wall-clock Unix seconds, 0 = unknown */
    } synced;
};

static void wipe_free(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

FASTIO_API void fastio_token_store_free(struct fastio_token_store *s)
{
    if (s == NULL)
        return;
    pthread_mutex_destroy(&s->lock);
    fastio_client_free(s->synced.client);
    free(s->client_id);
    wipe_free(s->synced.access_token);
    wipe_free(s->synced.refresh_token);
    free(s);
}

FIO_ABI_FIRST(fastio_token_store_config);

FASTIO_API void fastio_token_store_config_init_sized(struct fastio_token_store_config *cfg,
                                                     size_t size)
{
    struct fastio_token_store_config d;
    memset(&d, 0, sizeof(d));
    fio_abi_init(cfg, size, &d, sizeof(d));
}

FASTIO_API struct fastio_token_store *
fastio_token_store_new(const struct fastio_token_store_config *cfg, struct fastio_error *err)
{
    struct fastio_token_store *s;
    struct fastio_config cc;
    struct fastio_token_store_config full; /* the caller's struct at this library's size */

    if (cfg != NULL) {
        fastio_token_store_config_init(&full);
        if (FIO_ABI_READ(&full, cfg, "fastio_token_store_config", err) != FASTIO_OK)
            return NULL;
        cfg = &full;
    }
    if (cfg == NULL || (cfg->refresh_token != NULL && cfg->client_id == NULL) ||
        cfg->refresh_skew_s < 0) {
        (void)fio_error_set(err, FASTIO_INVALID, "a refresh token needs a client_id");
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        (void)fio_error_set(err, FASTIO_NOMEM, "out of memory");
        return NULL;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        (void)fio_error_set(err, FASTIO_NOMEM, "cannot create a mutex");
        return NULL;
    }
    s->skew_s = cfg->refresh_skew_s > 0 ? cfg->refresh_skew_s : DEFAULT_SKEW_S;
    s->persist = cfg->persist;
    s->persist_userdata = cfg->persist_userdata;
    s->synced.expires_at = cfg->expires_at;
    s->client_id = fio_strdup(cfg->client_id);
    s->synced.access_token = cfg->access_token != NULL && cfg->access_token[0] != '\0'
                                 ? fio_strdup(cfg->access_token)
                                 : NULL;
    s->synced.refresh_token = cfg->refresh_token != NULL && cfg->refresh_token[0] != '\0'
                                  ? fio_strdup(cfg->refresh_token)
                                  : NULL;
    if ((cfg->client_id != NULL && s->client_id == NULL) ||
        (cfg->access_token != NULL && cfg->access_token[0] != '\0' &&
         s->synced.access_token == NULL) ||
        (cfg->refresh_token != NULL && cfg->refresh_token[0] != '\0' &&
         s->synced.refresh_token == NULL)) {
        (void)fio_error_set(err, FASTIO_NOMEM, "out of memory");
        goto fail;
    }
    fastio_config_init(&cc);
    cc.base_url = cfg->base_url;
    cc.timeout_ms = REFRESH_TIMEOUT_MS;
    cc.log = cfg->log;
    cc.log_userdata = cfg->log_userdata;
    cc.ca_file = cfg->ca_file; /* copied (and checked) by the client */
    s->synced.client = fastio_client_new(&cc, err);
    if (s->synced.client == NULL)
        goto fail; /* err set */
    fastio_error_clear(err);
    return s;
fail:
    fastio_token_store_free(s);
    return NULL;
}

/* Refresh under the lock; on success the store holds the new tokens and they are persisted. */
static enum fastio_status refresh_locked(struct fastio_token_store *s, struct fastio_error *err)
{
    struct fastio_oauth_tokens t;
    enum fastio_status st;
    int64_t expires_at = 0;

    if (s->synced.refresh_token == NULL)
        return fio_error_set(err, FASTIO_AUTH,
                             "the access token expired or was rejected and there is no refresh "
                             "token: sign in again");
    st = fastio_oauth_token_refresh(s->synced.client, s->client_id, s->synced.refresh_token, &t,
                                    err);
    if (st != FASTIO_OK)
        return st;
    if (t.expires_in > 0)
        expires_at = fio_wall_us() / 1000000 + t.expires_in;
    wipe_free(s->synced.access_token);
    s->synced.access_token = t.access_token;
    t.access_token = NULL;
    if (t.refresh_token != NULL) { /* rotation: the old one is spent */
        wipe_free(s->synced.refresh_token);
        s->synced.refresh_token = t.refresh_token;
        t.refresh_token = NULL;
    }
    s->synced.expires_at = expires_at;
    if (s->persist != NULL) {
        struct fastio_oauth_tokens view = t;
        view.access_token = s->synced.access_token;
        view.refresh_token = s->synced.refresh_token;
        st = s->persist(s->persist_userdata, &view, expires_at, err);
    }
    fastio_oauth_tokens_release(&t);
    return st;
}

static bool expiring(const struct fastio_token_store *s)
{
    return s->synced.expires_at > 0 &&
           fio_wall_us() / 1000000 + s->skew_s >= s->synced.expires_at;
}

FASTIO_API enum fastio_status fastio_token_store_provider(void *store, const char *rejected,
                                                          char *buf, size_t size,
                                                          struct fastio_error *err)
{
    struct fastio_token_store *s = store;
    enum fastio_status st = FASTIO_OK;
    bool need, soon = false;

    if (s == NULL || buf == NULL || size == 0)
        return fio_error_set(err, FASTIO_INVALID, "no token store");
    buf[0] = '\0';
    pthread_mutex_lock(&s->lock);
    /* A rejected token that is no longer current was already replaced by another thread's
     * refresh: take the new one instead of refreshing again (one refresh per rotation). */
    if (rejected != NULL) {
        need = s->synced.access_token == NULL || strcmp(rejected, s->synced.access_token) == 0;
    } else {
        need = s->synced.access_token == NULL;
        soon = !need && s->synced.refresh_token != NULL && expiring(s);
    }
    if (need || soon)
        st = refresh_locked(s, err);
    /* An early refresh that failed for a transient reason leaves a token that still works. */
    if (st != FASTIO_OK && soon && st != FASTIO_AUTH &&
        fio_wall_us() / 1000000 < s->synced.expires_at)
        st = FASTIO_OK;
    if (st == FASTIO_OK && !fio_strlcpy(buf, s->synced.access_token, size))
        st = fio_error_set(err, FASTIO_INVALID, "access token too long");
    pthread_mutex_unlock(&s->lock);
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    else
        explicit_bzero(buf, size);
    return st;
}

FASTIO_API enum fastio_status fastio_token_store_refresh(struct fastio_token_store *s,
                                                         struct fastio_error *err)
{
    enum fastio_status st;
    if (s == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no token store");
    pthread_mutex_lock(&s->lock);
    st = refresh_locked(s, err);
    pthread_mutex_unlock(&s->lock);
    if (st == FASTIO_OK)
        fastio_error_clear(err);
    return st;
}

FASTIO_API enum fastio_status fastio_token_store_snapshot(struct fastio_token_store *s,
                                                          struct fastio_oauth_tokens *out,
                                                          struct fastio_error *err)
{
    bool ok;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (s == NULL || out == NULL)
        return fio_error_set(err, FASTIO_INVALID, "no token store");
    pthread_mutex_lock(&s->lock);
    out->access_token = fio_strdup(s->synced.access_token);
    out->refresh_token = fio_strdup(s->synced.refresh_token);
    out->token_type = fio_strdup("Bearer");
    if (s->synced.expires_at > 0) {
        int64_t left = s->synced.expires_at - fio_wall_us() / 1000000;
        out->expires_in = left > 0 ? (long)left : 0;
    }
    ok = (s->synced.access_token == NULL || out->access_token != NULL) &&
         (s->synced.refresh_token == NULL || out->refresh_token != NULL) &&
         out->token_type != NULL;
    pthread_mutex_unlock(&s->lock);
    if (!ok) {
        fastio_oauth_tokens_release(out);
        return fio_error_set(err, FASTIO_NOMEM, "out of memory");
    }
    fastio_error_clear(err);
    return FASTIO_OK;
}
