/*
 * payload.c - signing keys and the QR payload of reports (SPEC §6).
 *
 *   {verify-url}?c={CODE}&e={YYYYMMDD|0}&n={certno}&h={holder}&k={keyid}&s={sig}
 *
 * The parser is strict on purpose: a payload that is not exactly what
 * payload_build writes (the six parameters in that order, each once, in
 * the one canonical percent-encoding of SPEC §6, UTF-8 values, a
 * well-formed code and date, a 64-byte signature in canonical base64url)
 * is refused before any key is looked at, so that a doctored report can
 * never be read in a way the signer did not mean.
 *
 * Canonical means one text per value: unreserved characters as they are,
 * every other byte as %XX with upper-case hex. The signature covers the
 * decoded values, so a second spelling is no forgery; but a verifier that
 * accepts "%5A" for "Z" or "%e5" for "%E5" accepts payloads payload_build
 * never wrote, which a checker comparing texts (or a future parser) would
 * read differently. One spelling leaves nothing to interpret.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fsutil.h"
#include "log.h"
#include "payload.h"
#include "text.h"
#include "timeutil.h"

#define SIGN_CONTEXT "credpipe:1"
#define CODE_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#define SIG_B64_LEN 86          /* 64 bytes, base64url without padding */

/* hex_encode - SIZE bytes as lower-case hex into OUT (2 * SIZE + 1) */
static void
hex_encode(const unsigned char *in, size_t size, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < size; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * size] = '\0';
}

/* hex_decode32 - exactly 64 hex digits (then optionally "\n") to 32 bytes */
static int
hex_decode32(const char *text, size_t len, unsigned char out[32])
{
	if (len == 65 && text[64] == '\n')
		len = 64;
	if (len != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		int hi = hex_digit((unsigned char)text[2 * i]);
		int lo = hex_digit((unsigned char)text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* key_id_of - first 8 hex digits of SHA-256(PK) */
static void
key_id_of(const unsigned char pk[32], char id[KEY_ID_LEN + 1])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	crypto_hash_sha256(digest, pk, 32);
	hex_encode(digest, sizeof digest, hex);
	memcpy(id, hex, KEY_ID_LEN);
	id[KEY_ID_LEN] = '\0';
}

/* key_from_seed - the whole key from its 32-byte seed */
static void
key_from_seed(const unsigned char seed[32], struct signing_key *key)
{
	crypto_sign_seed_keypair(key->public_key, key->secret, seed);
	key_id_of(key->public_key, key->key_id);
}

/* keys_dirs - make HOME/keys/trusted (private) */
static int
keys_dirs(const char *home)
{
	char path[4096];

	fs_path(path, sizeof path, "%s/keys/trusted", home);
	if (fs_mkdirs(path, 0700) == -1) {
		log_warn("%s", path);
		return -1;
	}
	return 0;
}

/* write_trusted - HOME/keys/trusted/<id>.pub, unless it is there */
static int
write_trusted(const char *home, const struct signing_key *key)
{
	char path[4096], text[66];

	fs_path(path, sizeof path, "%s/keys/trusted/%s.pub", home,
	    key->key_id);
	if (fs_exists(path))
		return 0;
	hex_encode(key->public_key, 32, text);
	text[64] = '\n';
	if (commit_file_noreplace(path, text, 65, 0600) == -1 &&
	    errno != EEXIST) {
		log_warn("%s", path);
		return -1;
	}
	return 0;
}

/* read_signing - parse HOME/keys/signing.key; 1 read, 0 absent, -1 bad */
static int
read_signing(const char *path, struct signing_key *key)
{
	unsigned char seed[32];
	char *buf;
	size_t len;

	if (fs_read_file(path, 4096, &buf, &len) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s", path);
		return -1;
	}
	if (hex_decode32(buf, len, seed) == -1) {
		sodium_memzero(buf, len);
		free(buf);
		log_warnx("%s: not 64 hex digits", path);
		errno = EINVAL;
		return -1;
	}
	sodium_memzero(buf, len);
	free(buf);
	key_from_seed(seed, key);
	sodium_memzero(seed, sizeof seed);
	return 1;
}

/*
 * new_signing - make a key, make its public key trusted, then commit the
 * seed as HOME/keys/signing.key. The public key goes first, so that no
 * payload is ever signed by a key nobody trusts. REPLACE: rename an old
 * signing.key aside (keys/signing.key.<id>) instead of refusing.
 */
static int
new_signing(const char *home, struct signing_key *key, int replace)
{
	unsigned char seed[32];
	char path[4096], hex[65];
	int rc;

	randombytes_buf(seed, sizeof seed);
	key_from_seed(seed, key);
	hex_encode(seed, sizeof seed, hex);
	sodium_memzero(seed, sizeof seed);
	hex[64] = '\n';
	if (write_trusted(home, key) == -1)
		return -1;
	fs_path(path, sizeof path, "%s/keys/signing.key", home);
	if (replace) {
		struct signing_key old;
		char aside[4096];

		if (read_signing(path, &old) == 1) {
			fs_path(aside, sizeof aside, "%s/keys/signing.key.%s",
			    home, old.key_id);
			if (fs_rename_durable(path, aside) == -1) {
				log_warn("%s", aside);
				sodium_memzero(hex, sizeof hex);
				return -1;
			}
		}
		sodium_memzero(&old, sizeof old);
		rc = commit_file(path, hex, 65, 0600);
	} else {
		rc = commit_file_noreplace(path, hex, 65, 0600);
	}
	sodium_memzero(hex, sizeof hex);
	if (rc == -1) {
		if (errno != EEXIST)
			log_warn("%s", path);
		return -1;
	}
	return 0;
}

/* keys_load_signing - HOME/keys/signing.key, made on first use */
int
keys_load_signing(const char *home, struct signing_key *key)
{
	char path[4096];
	int rc;

	if (sodium_init() < 0 || keys_dirs(home) == -1)
		return -1;
	fs_path(path, sizeof path, "%s/keys/signing.key", home);
	for (int attempt = 0; attempt < 3; attempt++) {
		if ((rc = read_signing(path, key)) == -1)
			return -1;
		if (rc == 1)
			return write_trusted(home, key);
		/* absent: make it; another worker may win the race */
		if (new_signing(home, key, 0) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/* keys_generate - a new signing key; old public keys stay trusted */
int
keys_generate(const char *home, struct signing_key *key)
{
	if (sodium_init() < 0 || keys_dirs(home) == -1)
		return -1;
	return new_signing(home, key, 1);
}

/* keep_pub - fs_list filter: "<something>.pub", not hidden */
static int
keep_pub(const char *dir, const char *name, void *ctx)
{
	size_t len = strlen(name);

	(void)dir;
	(void)ctx;
	return name[0] != '.' && len >= 5 && strcmp(name + len - 4, ".pub") == 0;
}

/*
 * keys_add_public - trust the public key in PATH (64 hex digits, as in
 * HOME/keys/trusted/<id>.pub): verify --key. 0, or -1 with errno (EINVAL
 * for a file that is not a key, ENOSPC when KEYS is full).
 */
int
keys_add_public(const char *path, struct trusted_keys *keys)
{
	unsigned char pk[32];
	char *buf;
	size_t len;

	if (fs_read_file(path, 4096, &buf, &len) == -1)
		return -1;
	if (hex_decode32(buf, len, pk) == -1) {
		free(buf);
		errno = EINVAL;
		return -1;
	}
	free(buf);
	if (keys->n == TRUSTED_MAX) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(keys->public_key[keys->n], pk, 32);
	key_id_of(pk, keys->key_id[keys->n]);
	keys->n++;
	return 0;
}

/* keys_load_trusted - every HOME/keys/trusted/<id>.pub */
int
keys_load_trusted(const char *home, struct trusted_keys *keys)
{
	char dirpath[4096], path[4096], **names;
	size_t nnames;

	memset(keys, 0, sizeof *keys);
	if (sodium_init() < 0)
		return -1;
	fs_path(dirpath, sizeof dirpath, "%s/keys/trusted", home);
	if (fs_list(dirpath, keep_pub, NULL, &names, &nnames) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("%s", dirpath);
		return -1;
	}
	for (size_t i = 0; i < nnames; i++) {
		unsigned char pk[32];
		char *buf;
		size_t len;

		fs_path(path, sizeof path, "%s/%s", dirpath, names[i]);
		free(names[i]);
		if (fs_read_file(path, 4096, &buf, &len) == -1) {
			log_warn("%s", path);
			continue;
		}
		if (hex_decode32(buf, len, pk) == -1) {
			log_warnx("%s: not 64 hex digits: ignored", path);
			free(buf);
			continue;
		}
		free(buf);
		if (keys->n == TRUSTED_MAX) {
			log_warnx("%s: more than %d trusted keys: ignored",
			    path, TRUSTED_MAX);
			continue;
		}
		memcpy(keys->public_key[keys->n], pk, 32);
		key_id_of(pk, keys->key_id[keys->n]);
		keys->n++;
	}
	free(names);    /* each name was freed in the loop */
	return 0;
}

/* is_unreserved - RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* append - add LEN bytes at *POS in OUT; -1 when it does not fit */
static int
append(char *out, size_t size, size_t *pos, const char *s, size_t len)
{
	if (*pos + len >= size)
		return -1;
	memcpy(out + *pos, s, len);
	*pos += len;
	out[*pos] = '\0';
	return 0;
}

/* append_encoded - add S percent-encoded (unreserved left as is) */
static int
append_encoded(char *out, size_t size, size_t *pos, const char *s)
{
	static const char digits[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[3] = { '%', digits[*p >> 4], digits[*p & 15] };

		if (is_unreserved(*p)) {
			if (append(out, size, pos, (const char *)p, 1) == -1)
				return -1;
		} else if (append(out, size, pos, esc, 3) == -1) {
			return -1;
		}
	}
	return 0;
}

/* sign_message - "credpipe:1\nCODE\nEXPIRY\nCERTNO\nHOLDER" into BUF */
static int
sign_message(char *buf, size_t size, const char *code, const char *expiry,
    const char *certno, const char *holder, size_t *len)
{
	int n = snprintf(buf, size, SIGN_CONTEXT "\n%s\n%s\n%s\n%s", code,
	    expiry, certno, holder);

	if (n < 0 || (size_t)n >= size)
		return -1;
	*len = (size_t)n;
	return 0;
}

/* payload_build - the signed URL into OUT; 0 or -1 if it does not fit */
int
payload_build(const struct signing_key *key, const char *verify_url,
    const char *code, const char *expiry, const char *certno,
    const char *holder, char *out, size_t size)
{
	unsigned char sig[crypto_sign_BYTES];
	char e[12], msg[1024], sig64[SIG_B64_LEN + 8];
	size_t pos = 0, mlen;

	/* "YYYY-MM-DD" is accepted for convenience; "" means no expiry */
	if (expiry == NULL || expiry[0] == '\0' || strcmp(expiry, "0") == 0)
		snprintf(e, sizeof e, "0");
	else if (strlen(expiry) == 10 && expiry[4] == '-' && expiry[7] == '-')
		snprintf(e, sizeof e, "%.4s%.2s%.2s", expiry, expiry + 5,
		    expiry + 8);
	else
		snprintf(e, sizeof e, "%s", expiry);
	if (certno == NULL)
		certno = "";
	if (sign_message(msg, sizeof msg, code, e, certno, holder, &mlen) ==
	    -1)
		return -1;
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg, mlen,
	    key->secret);
	sodium_bin2base64(sig64, sizeof sig64, sig, sizeof sig,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out[0] = '\0';
	if (append(out, size, &pos, verify_url, strlen(verify_url)) == -1 ||
	    append(out, size, &pos, "?c=", 3) == -1 ||
	    append_encoded(out, size, &pos, code) == -1 ||
	    append(out, size, &pos, "&e=", 3) == -1 ||
	    append_encoded(out, size, &pos, e) == -1 ||
	    append(out, size, &pos, "&n=", 3) == -1 ||
	    append_encoded(out, size, &pos, certno) == -1 ||
	    append(out, size, &pos, "&h=", 3) == -1 ||
	    append_encoded(out, size, &pos, holder) == -1 ||
	    append(out, size, &pos, "&k=", 3) == -1 ||
	    append_encoded(out, size, &pos, key->key_id) == -1 ||
	    append(out, size, &pos, "&s=", 3) == -1 ||
	    append_encoded(out, size, &pos, sig64) == -1)
		return -1;
	return 0;
}

/* upper_hex_digit - 0..15 for 0-9 A-F, -1 otherwise (no lower case) */
static int
upper_hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * decode_value - percent-decode [S, S+LEN) into OUT (SIZE bytes with the
 * NUL): only the canonical form is allowed (unreserved characters as they
 * are, every other byte as %XX in upper-case hex, never an escaped
 * unreserved character); the result must be UTF-8 without control
 * characters. 0 or -1.
 */
static int
decode_value(const unsigned char *s, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return -1;
			hi = upper_hex_digit(s[i + 1]);
			lo = upper_hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			if (is_unreserved(c))
				return -1;
			i += 2;
		} else if (!is_unreserved(c)) {
			return -1;
		}
		if (c < 0x20 || c == 0x7F)
			return -1;
		if (n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return utf8_valid((const unsigned char *)out, n) ? 0 : -1;
}

/* code_valid - 16 Crockford base32 characters */
static int
code_valid(const char *code)
{
	if (strlen(code) != 16)
		return 0;
	for (const char *p = code; *p; p++)
		if (strchr(CODE_ALPHABET, *p) == NULL)
			return 0;
	return 1;
}

/* expiry_valid - "0" or YYYYMMDD, a real date */
static int
expiry_valid(const char *e)
{
	int y, m, d;

	if (strcmp(e, "0") == 0)
		return 1;
	if (strlen(e) != 8 || strspn(e, "0123456789") != 8)
		return 0;
	y = (e[0] - '0') * 1000 + (e[1] - '0') * 100 + (e[2] - '0') * 10 +
	    (e[3] - '0');
	m = (e[4] - '0') * 10 + (e[5] - '0');
	d = (e[6] - '0') * 10 + (e[7] - '0');
	return date_valid(y, m, d);
}

/* key_id_valid - 8 lower-case hex digits */
static int
key_id_valid(const char *k)
{
	return strlen(k) == KEY_ID_LEN &&
	    strspn(k, "0123456789abcdef") == KEY_ID_LEN;
}

/* payload_check - parse TEXT strictly and verify its signature */
enum payload_status
payload_check(const struct trusted_keys *keys, const char *verify_url,
    const unsigned char *text, size_t len, struct payload *out)
{
	static const char names[6] = { 'c', 'e', 'n', 'h', 'k', 's' };
	size_t ulen = strlen(verify_url), pos, mlen;
	char sig64[SIG_B64_LEN + 8], msg[1024], check64[SIG_B64_LEN + 8];
	unsigned char sig[crypto_sign_BYTES];
	size_t siglen;

	memset(out, 0, sizeof *out);
	if (len < ulen + 1 || memcmp(text, verify_url, ulen) != 0 ||
	    text[ulen] != '?')
		return PAYLOAD_FOREIGN;
	pos = ulen + 1;
	for (int i = 0; i < 6; i++) {
		const unsigned char *value;
		size_t vlen = 0;
		char *dst;
		size_t dsize;

		if (pos + 2 > len || text[pos] != (unsigned char)names[i] ||
		    text[pos + 1] != '=')
			return PAYLOAD_BAD_SIGNATURE;
		value = text + pos + 2;
		while (pos + 2 + vlen < len && value[vlen] != '&')
			vlen++;
		pos += 2 + vlen;
		if (i < 5) {
			if (pos >= len || text[pos] != '&')
				return PAYLOAD_BAD_SIGNATURE;
			pos++;
		} else if (pos != len) {
			return PAYLOAD_BAD_SIGNATURE;
		}
		switch (names[i]) {
		case 'c': dst = out->code; dsize = sizeof out->code; break;
		case 'e': dst = out->expiry; dsize = sizeof out->expiry; break;
		case 'n': dst = out->certificate_number;
			dsize = sizeof out->certificate_number; break;
		case 'h': dst = out->holder_name;
			dsize = sizeof out->holder_name; break;
		case 'k': dst = out->key_id; dsize = sizeof out->key_id; break;
		default: dst = sig64; dsize = sizeof sig64; break;
		}
		if (decode_value(value, vlen, dst, dsize) == -1)
			return PAYLOAD_BAD_SIGNATURE;
	}
	if (!code_valid(out->code) || !expiry_valid(out->expiry) ||
	    out->holder_name[0] == '\0' || !key_id_valid(out->key_id) ||
	    strlen(sig64) != SIG_B64_LEN)
		return PAYLOAD_BAD_SIGNATURE;
	if (sodium_base642bin(sig, sizeof sig, sig64, strlen(sig64), NULL,
	    &siglen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    siglen != sizeof sig)
		return PAYLOAD_BAD_SIGNATURE;
	/* canonical form only: the last character's unused bits are zero */
	sodium_bin2base64(check64, sizeof check64, sig, sizeof sig,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (strcmp(check64, sig64) != 0)
		return PAYLOAD_BAD_SIGNATURE;
	if (sign_message(msg, sizeof msg, out->code, out->expiry,
	    out->certificate_number, out->holder_name, &mlen) == -1)
		return PAYLOAD_BAD_SIGNATURE;
	for (int i = 0; i < keys->n; i++)
		if (strcmp(keys->key_id[i], out->key_id) == 0 &&
		    crypto_sign_verify_detached(sig,
		    (const unsigned char *)msg, mlen,
		    keys->public_key[i]) == 0)
			return PAYLOAD_VALID;
	return PAYLOAD_BAD_SIGNATURE;
}
