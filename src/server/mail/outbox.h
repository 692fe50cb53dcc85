/* SPDX-License-Identifier: MIT */
/* outbox.h - outgoing mail (invitations, ownership claims). Every mail is first written as an
 * RFC 5322 message to DATA/outbox/<id>.eml (temp file + fsync + rename + fsync of the folder),
 * so nothing is lost if the process or the relay dies. With an SMTP relay configured
 * (--smtp-url), a background thread sends each .eml through libcurl and moves it to
 * DATA/outbox/sent/; on failure the file stays and is retried with bounded backoff. */
#ifndef SRV_OUTBOX_H
#define SRV_OUTBOX_H

#include <stddef.h>

#include "server.h"

#define OUTBOX_DEFAULT_FROM "fastio-server <noreply@localhost>"

/* Write one text/plain UTF-8 mail to the outbox. Header values (to, subject, the configured
 * From) have CR, LF and other control characters replaced by spaces, so a value can never start
 * a new header; a non-ASCII subject is sent as an RFC 2047 encoded word. body: UTF-8, lines
 * separated by "\n" (written as CRLF). id_out (size >= 40, may be NULL) receives the file's id.
 * Returns 0, or -1 (logged) on an I/O or allocation failure. Thread-safe. */
int outbox_write(struct server *s, const char *to, const char *subject, const char *body,
                 char *id_out, size_t id_size);

/* Start / stop the relay thread (no-op without s->cfg.smtp_url). 0 on success. */
int outbox_relay_start(struct server *s);
void outbox_relay_stop(struct server *s);

/* Wake the relay thread (a new mail was written). */
void outbox_relay_wake(struct server *s);

/* Make one relay pass now: send every .eml, move sent ones to sent/. Returns the number of
 * mails still waiting. Used by the relay thread; exposed for tests. */
int outbox_relay_pass(struct server *s);

/* Mail waiting in DATA/outbox/ (not yet relayed; all of it without --smtp-url), counted over at
 * most OUTBOX_COUNT_MAX directory entries: GET /metrics. -1 when the directory cannot be read. */
#define OUTBOX_COUNT_MAX 1000000L
long outbox_queue_length(struct server *s);

#endif
