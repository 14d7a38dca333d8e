/*
 * status.h - the signed status list (out/publish/status.xml): what a
 * relying party needs beside a report's own signed QR code to judge it
 * offline: every revoked code with its date and reason, every extended
 * code with its current expiry, the trusted public keys, and the time of
 * publication. Its canonical serialisation and the signature over it are
 * described in README.md ("The status list") and verify(1).
 */
#ifndef CREDPIPE_STATUS_H
#define CREDPIPE_STATUS_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "payload.h"

#define STATUS_NS "urn:credpipe:status:1"
#define STATUS_MAX_BYTES (256L * 1024 * 1024)

struct registry;

struct status_key {
	char key_id[KEY_ID_LEN + 1];
	unsigned char public_key[32];
	char since[16];                 /* YYYY-MM-DD the key was trusted */
};

struct status_revoked {
	char code[20];
	char on[16];                    /* YYYY-MM-DD; "" when not known */
	char reason[256];               /* "" when none was given */
};

struct status_extended {
	char code[20];
	char expires[16];               /* the current expiry, YYYY-MM-DD */
};

struct status_list {
	char published[40];             /* ISO 8601, the office's zone */
	time_t published_at;
	char signed_by[KEY_ID_LEN + 1];
	struct status_key keys[TRUSTED_MAX];
	int nkeys;
	struct status_revoked *revoked;  /* sorted by code */
	size_t nrevoked, revoked_cap;
	struct status_extended *extended; /* sorted by code */
	size_t nextended, extended_cap;
};

/*
 * status_build - the list as the registry REG and HOME's trusted keys
 * have it now, published at NOW (written in zone TZ, minutes east).
 * 0, or -1 (registry status in registry_status(), or errno).
 */
int status_build(struct registry *reg, const char *home, time_t now, int tz,
    struct status_list *out);
/*
 * status_write - serialise L canonically, sign it with KEY, and commit
 * the XML to PATH with MODE (the commit routine). 0 or -1/errno.
 */
int status_write(struct status_list *l, const struct signing_key *key,
    const char *path, mode_t mode);
/*
 * status_load - read and check the list at PATH: well-formed, strictly in
 * its format and order, signed by one of TRUSTED. 0; 1 refused (the
 * reason in WHY: tampered, unknown key, malformed); -1/errno unreadable.
 */
int status_load(const char *path, const struct trusted_keys *trusted,
    struct status_list *l, char *why, size_t size);
/* status_find_revoked / status_find_extended - CODE's entry, or NULL */
const struct status_revoked *status_find_revoked(const struct status_list *l,
    const char *code);
const struct status_extended *status_find_extended(
    const struct status_list *l, const char *code);
/* status_free - release the lists of L */
void status_free(struct status_list *l);

#endif
