/* SPDX-License-Identifier: MIT */
/* id.h - identifiers of the wire contract (api §1.7).
 *  Profile ids (users, orgs, workspaces, shares): 19-digit decimal strings, first digit 1-9.
 *  OpaqueIds (nodes, versions, uploads, keys, ...): <type prefix><26 body chars><2 check chars>,
 *  lowercase [a-z0-9]; 29 chars for a 1-char type, 30 for a 2-char type. The body is a 32-bit
 *  seconds timestamp followed by 98 random bits in base32 (alphabet 0-9 a-z minus i l o u), the
 *  check is CRC-32 of type+body modulo 1024 in two base32 chars. Display form inserts '-' every
 *  5 chars; hyphens are accepted on input. */
#ifndef FIO_ID_H
#define FIO_ID_H

#include <stdbool.h>
#include <stddef.h>

#define FIO_PROFILE_ID_LEN 19
#define FIO_OPAQUE_ID_MAX 30
/* Buffer sizes including the NUL. */
#define FIO_PROFILE_ID_SIZE 20
#define FIO_OPAQUE_ID_SIZE 31

/* OpaqueId type prefixes (api §1.7). */
#define FIO_ID_NODE "2"
#define FIO_ID_VERSION "3"
#define FIO_ID_UPLOAD "5"
#define FIO_ID_SHARE "6"
#define FIO_ID_GENERAL "a"
#define FIO_ID_AIKEY "d"
#define FIO_ID_ORGTRANSFER "e"

/* Generate a new profile id into out (size >= FIO_PROFILE_ID_SIZE). false if randomness fails. */
bool fio_profile_id_new(char out[FIO_PROFILE_ID_SIZE]);
/* true when s (n bytes) is exactly 19 digits with a non-zero first digit. */
bool fio_profile_id_valid(const char *s, size_t n);

/* Generate an OpaqueId of the given type prefix ("2", "ta", ...) into out. */
bool fio_opaque_id_new(const char *type, char out[FIO_OPAQUE_ID_SIZE]);
/* Normalise an OpaqueId as sent by a user (hyphens removed, lowercased) into out and validate
 * length, alphabet, known type prefix and check characters. false when invalid. */
bool fio_opaque_id_normalize(const char *s, size_t n, char out[FIO_OPAQUE_ID_SIZE]);
/* The type prefix of a normalised valid id: "2", "ta", ...; the name ("StorageNode", ...) via
 * *name when not NULL. false when the id is not valid. */
bool fio_opaque_id_type(const char *id, char type_out[3], const char **name);
/* Display form with '-' every 5 characters into out (size >= 37). */
void fio_opaque_id_display(const char *id, char *out, size_t out_size);

#endif
