/*
 * test_payload.c - signing keys and the QR payload of reports (SPEC §6).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "payload.h"
#include "unit.h"

#define URL "https://verify.example.edu.cn/v"

static char home[] = "/tmp/credpipe-payload.XXXXXX";

/* check_text - payload_check of a C string */
static enum payload_status
check_text(const struct trusted_keys *keys, const char *text,
    struct payload *p)
{
	return payload_check(keys, URL, (const unsigned char *)text,
	    strlen(text), p);
}

/* test_keys - first-use creation, file formats and modes */
static void
test_keys(struct signing_key *key, struct trusted_keys *keys)
{
	char path[4096], *buf;
	size_t len;
	struct stat st;
	struct signing_key again;

	CHECK(keys_load_signing(home, key) == 0, "signing key made on first use");
	snprintf(path, sizeof path, "%s/keys/signing.key", home);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "signing.key is mode 0600");
	CHECK(fs_read_file(path, 1000, &buf, &len) == 0 && len == 65 &&
	    strspn(buf, "0123456789abcdef") == 64 && buf[64] == '\n',
	    "signing.key holds 64 hex digits");
	free(buf);
	CHECK(strlen(key->key_id) == 8, "key id has 8 hex digits");
	snprintf(path, sizeof path, "%s/keys/trusted/%s.pub", home,
	    key->key_id);
	CHECK(fs_read_file(path, 1000, &buf, &len) == 0 && len == 65 &&
	    buf[64] == '\n', "trusted/<key id>.pub holds 64 hex + newline");
	free(buf);
	CHECK(keys_load_signing(home, &again) == 0 &&
	    memcmp(again.secret, key->secret, 64) == 0,
	    "the same key loads again");
	CHECK(keys_load_trusted(home, keys) == 0 && keys->n == 1 &&
	    strcmp(keys->key_id[0], key->key_id) == 0, "one trusted key");
}

/* test_build - the URL has the exact shape of SPEC §6 */
static void
test_build(const struct signing_key *key, const struct trusted_keys *keys)
{
	char url[2048], want[256];
	struct payload p;

	CHECK(payload_build(key, URL, "7KQ2M9X4T1HC8D5R", "2026-12-30",
	    "100011201905000123", "张伟 O'Neil", url, sizeof url) == 0,
	    "payload_build");
	snprintf(want, sizeof want, URL "?c=7KQ2M9X4T1HC8D5R&e=20261230"
	    "&n=100011201905000123&h=%%E5%%BC%%A0%%E4%%BC%%9F%%20O%%27Neil"
	    "&k=%s&s=", key->key_id);
	CHECK(strncmp(url, want, strlen(want)) == 0 &&
	    strlen(url) == strlen(want) + 86, "URL shape: %s", url);
	CHECK(check_text(keys, url, &p) == PAYLOAD_VALID, "it checks valid");
	CHECK_STR(p.holder_name, "张伟 O'Neil", "holder decoded");
	CHECK_STR(p.expiry, "20261230", "expiry as YYYYMMDD");
	CHECK_STR(p.certificate_number, "100011201905000123", "certno");
	CHECK(payload_build(key, URL, "7KQ2M9X4T1HC8D5R", "0", "", "李",
	    url, sizeof url) == 0 && check_text(keys, url, &p) ==
	    PAYLOAD_VALID && strcmp(p.expiry, "0") == 0 &&
	    p.certificate_number[0] == '\0', "paper: e=0, empty n");
	CHECK(payload_build(key, URL, "7KQ2M9X4T1HC8D5R", "0", "", "李",
	    url, 40) == -1, "too small a buffer is refused");
}

/* test_tamper - one character changed anywhere is never valid */
static void
test_tamper(const struct signing_key *key, const struct trusted_keys *keys)
{
	char url[2048], copy[2048];
	struct payload p;
	size_t len, bad = 0;

	payload_build(key, URL, "7KQ2M9X4T1HC8D5R", "20261230",
	    "100011201905000123", "ZHANG Wei", url, sizeof url);
	len = strlen(url);
	for (size_t i = 0; i < len; i++) {
		const char *alts = "0A7xZ%&=";
		for (const char *a = alts; *a; a++) {
			if (*a == url[i])
				continue;
			memcpy(copy, url, len + 1);
			copy[i] = *a;
			if (check_text(keys, copy, &p) == PAYLOAD_VALID)
				bad++;
		}
	}
	CHECK(bad == 0, "no single-character change checks valid (%zu did)",
	    bad);
	memcpy(copy, url, len + 1);
	copy[strlen(URL) + 5] = copy[strlen(URL) + 5] == '0' ? '1' : '0';
	CHECK(check_text(keys, copy, &p) == PAYLOAD_BAD_SIGNATURE,
	    "changed code: bad-signature");
}

/* test_strict - the query's exact form */
static void
test_strict(const struct signing_key *key, const struct trusted_keys *keys)
{
	char url[2048], buf[4096], sig[128], k[16];
	struct payload p;
	const char *s;

	payload_build(key, URL, "7KQ2M9X4T1HC8D5R", "20261230", "123",
	    "ZHANG", url, sizeof url);
	s = strstr(url, "&s=") + 3;
	snprintf(sig, sizeof sig, "%s", s);
	snprintf(k, sizeof k, "%s", key->key_id);
	static const struct { const char *fmt; enum payload_status want;
	    const char *name; } cases[] = {
		{ "https://example.org/v?c=7KQ2M9X4T1HC8D5R", PAYLOAD_FOREIGN,
		  "another site is foreign" },
		{ "hello world", PAYLOAD_FOREIGN, "plain text is foreign" },
		{ URL "c=7KQ2M9X4T1HC8D5R", PAYLOAD_FOREIGN,
		  "no '?' is foreign" },
		{ URL "?e=20261230&c=7KQ2M9X4T1HC8D5R&n=123&h=ZHANG&k=%s&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "parameters out of order" },
		{ URL "?c=7KQ2M9X4T1HC8D5R&e=20261230&n=123&h=ZHANG&k=%s&s=%s&x=1",
		  PAYLOAD_BAD_SIGNATURE, "an extra parameter" },
		{ URL "?c=7KQ2M9X4T1HC8D5R&c=7KQ2M9X4T1HC8D5R&e=20261230&n=123&h=ZHANG&k=%s&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "a repeated parameter" },
		{ URL "?c=7KQ2M9X4T1HC8D5R&e=20261230&n=123&h=ZHANG&k=%s",
		  PAYLOAD_BAD_SIGNATURE, "no signature" },
		{ URL "?c=7KQ2M9X4T1HC8D5R&e=20261230&n=123&h=ZH%%4&k=%s&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "broken percent-encoding" },
		{ URL "?c=7KQ2M9X4T1HC8D5R&e=20261230&n=123&h=%%FF&k=%s&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "not UTF-8" },
		{ URL "?c=7KQ2M9X4T1HC8D5R&e=20261230&n=123&h=ZH ANG&k=%s&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "a raw space" },
		{ URL "?c=7KQ2M9X4T1HC8D5&e=20261230&n=123&h=ZHANG&k=%s&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "a 15-character code" },
		{ URL "?c=7KQ2M9X4T1HC8D5U&e=20261230&n=123&h=ZHANG&k=%s&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "U is not Crockford base32" },
		{ URL "?c=7KQ2M9X4T1HC8D5R&e=20260230&n=123&h=ZHANG&k=%s&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "expiry 2026-02-30 is no date" },
		{ URL "?c=7KQ2M9X4T1HC8D5R&e=20261230&n=123&h=ZHANG&k=00000000&s=%s",
		  PAYLOAD_BAD_SIGNATURE, "unknown key id" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *f = cases[i].fmt;
		const char *first = strstr(f, "k=%s") ? k : sig;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(buf, sizeof buf, f, first, sig);
#pragma GCC diagnostic pop
		CHECK(check_text(keys, buf, &p) == cases[i].want, "%s",
		    cases[i].name);
	}
	/* a NUL byte inside the text */
	memcpy(buf, url, strlen(url) + 1);
	buf[strlen(URL) + 3] = '\0';
	CHECK(payload_check(keys, URL, (const unsigned char *)buf, strlen(url),
	    &p) == PAYLOAD_BAD_SIGNATURE, "a NUL byte inside");
}

/* replace_first - TEXT with the first FROM replaced by TO, into OUT */
static int
replace_first(const char *text, const char *from, const char *to, char *out,
    size_t size)
{
	const char *at = strstr(text, from);
	int n;

	if (at == NULL)
		return -1;
	n = snprintf(out, size, "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* query_canonical - every value of URL's query in SPEC §6's one form */
static int
query_canonical(const char *url)
{
	static const char upper[] = "0123456789ABCDEF";
	const char *p = strchr(url, '?');

	if (p == NULL)
		return 0;
	for (p++; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '&' || c == '=')
			continue;       /* the separators payload_build writes */
		if (c == '%') {
			const char *hi = strchr(upper, p[1]);
			const char *lo = strchr(upper, p[2]);
			unsigned char byte;

			if (p[1] == '\0' || p[2] == '\0' || hi == NULL ||
			    lo == NULL)
				return 0;
			byte = (unsigned char)((hi - upper) << 4 | (lo - upper));
			if (isalnum(byte) || strchr("-._~", byte) != NULL)
				return 0;       /* an unreserved one escaped */
			p += 2;
		} else if (!isalnum(c) && strchr("-._~", c) == NULL) {
			return 0;               /* a byte left unescaped */
		}
	}
	return 1;
}

/*
 * test_canonical - SPEC §6: well-formed means the canonical encoding.
 * Each variant decodes to the very values that were signed, so only the
 * form check can refuse it.
 */
static void
test_canonical(const struct signing_key *key, const struct trusted_keys *keys)
{
	char url[2048], bad[2048], every[256];
	struct payload p;
	size_t n = 0;

	CHECK(payload_build(key, URL, "7KQ2M9X4T1HC8D5R", "20261230",
	    "QH1999-0456", "张伟 O'Neil", url, sizeof url) == 0 &&
	    check_text(keys, url, &p) == PAYLOAD_VALID,
	    "the canonical payload verifies");
	static const struct { const char *from, *to, *name; } cases[] = {
		{ "%E5%BC%A0", "%e5%bc%a0", "lower-case hex escapes" },
		{ "%E5%BC%A0", "%e5%BC%A0", "one lower-case hex escape" },
		{ "%E5%BC%A0", "%E5%Bc%A0", "mixed-case hex escape" },
		{ "%27", "'", "an unescaped reserved character (')" },
		{ "%20", " ", "an unescaped space" },
		{ "%E5%BC%A0", "张", "unescaped UTF-8 bytes" },
		{ "c=7KQ2", "c=%37KQ2", "an escaped digit (%37)" },
		{ "Neil", "N%65il", "an escaped letter (%65)" },
		{ "QH1999-0456", "QH1999%2D0456", "an escaped hyphen (%2D)" },
		{ "e=20261230", "e=2026%3130", "an escaped digit in the expiry" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK(replace_first(url, cases[i].from, cases[i].to, bad,
		    sizeof bad) == 0 && check_text(keys, bad, &p) ==
		    PAYLOAD_BAD_SIGNATURE, "not canonical: %s is bad-signature",
		    cases[i].name);
	}

	/* the encoder writes exactly the canonical form for every byte */
	for (int c = 0x20; c < 0x7F; c++)
		every[n++] = (char)c;
	memcpy(every + n, "张伟é", strlen("张伟é") + 1);
	CHECK(payload_build(key, URL, "7KQ2M9X4T1HC8D5R", "0", "QH/1999 #4",
	    every, url, sizeof url) == 0 && query_canonical(url),
	    "payload_build escapes every printable ASCII byte canonically");
	CHECK(check_text(keys, url, &p) == PAYLOAD_VALID &&
	    strcmp(p.holder_name, every) == 0, "and that payload verifies");
	CHECK(!query_canonical(URL "?c=%e5") && !query_canonical(URL "?c=%41")
	    && !query_canonical(URL "?c='") && query_canonical(URL "?c=%E5"),
	    "the canonical-form test itself tells the forms apart");
}

/* test_rotation - keygen: old payloads stay valid; untrusted keys fail */
static void
test_rotation(struct signing_key *old, struct trusted_keys *keys)
{
	char url_old[2048], url_new[2048], url_foreign[2048];
	char other[] = "/tmp/credpipe-payload2.XXXXXX";
	struct signing_key fresh, stranger;
	struct payload p;

	payload_build(old, URL, "7KQ2M9X4T1HC8D5R", "0", "", "ZHANG",
	    url_old, sizeof url_old);
	CHECK(keys_generate(home, &fresh) == 0 &&
	    strcmp(fresh.key_id, old->key_id) != 0, "keygen makes a new key");
	CHECK(keys_load_signing(home, old) == 0 &&
	    strcmp(old->key_id, fresh.key_id) == 0, "the new key signs now");
	CHECK(keys_load_trusted(home, keys) == 0 && keys->n == 2,
	    "both public keys are trusted");
	payload_build(&fresh, URL, "7KQ2M9X4T1HC8D5R", "0", "", "ZHANG",
	    url_new, sizeof url_new);
	CHECK(check_text(keys, url_old, &p) == PAYLOAD_VALID,
	    "a report signed with the old key stays valid");
	CHECK(check_text(keys, url_new, &p) == PAYLOAD_VALID,
	    "a report signed with the new key is valid");
	CHECK(mkdtemp(other) != NULL && keys_load_signing(other, &stranger) ==
	    0, "a key in another home");
	payload_build(&stranger, URL, "7KQ2M9X4T1HC8D5R", "0", "", "ZHANG",
	    url_foreign, sizeof url_foreign);
	CHECK(check_text(keys, url_foreign, &p) == PAYLOAD_BAD_SIGNATURE,
	    "a payload signed with an untrusted key is bad-signature");
	fs_remove_tree(other);
}

int
main(void)
{
	struct signing_key key;
	struct trusted_keys keys;

	umask(077);
	if (mkdtemp(home) == NULL)
		return 2;
	test_keys(&key, &keys);
	test_build(&key, &keys);
	test_tamper(&key, &keys);
	test_strict(&key, &keys);
	test_canonical(&key, &keys);
	test_rotation(&key, &keys);
	fs_remove_tree(home);
	return unit_done();
}
