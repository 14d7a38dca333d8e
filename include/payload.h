/*
 * payload.h - signing keys and the QR payload of reports (SPEC §6).
 *
 *   {verify-url}?c={CODE}&e={YYYYMMDD|0}&n={certno}&h={holder}&k={keyid}&s={sig}
 *
 * The signature is Ed25519 (libsodium) over
 * "credpipe:1\n{CODE}\n{expiry}\n{certno}\n{holder}", base64url without
 * padding; the key id is the first 8 hex digits of SHA-256(public key).
 */
#ifndef CREDPIPE_PAYLOAD_H
#define CREDPIPE_PAYLOAD_H

#include <stddef.h>

#define KEY_ID_LEN 8
#define TRUSTED_MAX 32

struct signing_key {
	unsigned char secret[64];       /* libsodium secret key (seed + pk) */
	unsigned char public_key[32];
	char key_id[KEY_ID_LEN + 1];
};

struct trusted_keys {
	unsigned char public_key[TRUSTED_MAX][32];
	char key_id[TRUSTED_MAX][KEY_ID_LEN + 1];
	int n;
};

enum payload_status {
	PAYLOAD_VALID = 0,      /* well-formed and signed by a trusted key */
	PAYLOAD_FOREIGN,        /* does not start with {verify-url}? */
	PAYLOAD_BAD_SIGNATURE,  /* malformed query, untrusted key, bad sig */
};

struct payload {
	char code[20];
	char expiry[12];                /* YYYYMMDD or "0" */
	char certificate_number[64];
	char holder_name[256];
	char key_id[KEY_ID_LEN + 1];
};

/*
 * keys_load_signing - HOME/keys/signing.key (64 hex digits, 0600); made
 * on first use when absent, its public key written to
 * HOME/keys/trusted/<key id>.pub. 0 or -1 with a message logged.
 */
int keys_load_signing(const char *home, struct signing_key *key);
/* keys_generate - a new signing key (records keygen); replaces none */
int keys_generate(const char *home, struct signing_key *key);
/* keys_add_public - also trust the key in PATH (64 hex digits); 0/-1 */
int keys_add_public(const char *path, struct trusted_keys *keys);
/* keys_load_trusted - every HOME/keys/trusted/<id>.pub */
int keys_load_trusted(const char *home, struct trusted_keys *keys);

/* payload_build - the signed URL into OUT; 0 or -1 if it does not fit */
int payload_build(const struct signing_key *key, const char *verify_url,
    const char *code, const char *expiry, const char *certno,
    const char *holder, char *out, size_t size);
/* payload_check - parse TEXT strictly and verify its signature */
enum payload_status payload_check(const struct trusted_keys *keys,
    const char *verify_url, const unsigned char *text, size_t len,
    struct payload *out);

#endif
