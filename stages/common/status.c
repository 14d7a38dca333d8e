/*
 * status.c - the signed status list (status.h).
 *
 * The signature is not over the XML bytes: XML can be re-indented,
 * re-quoted or re-encoded by any tool on the way to a relying party
 * without changing what it says. It is over a canonical text built from
 * the values alone (README.md, "The status list"); a reader parses the
 * XML, builds the same text from what it read, and checks the signature
 * over that. Any value changed, added, dropped or reordered changes the
 * text, so the list is refused as tampered.
 *
 * The entries are kept sorted by code, as the registry lists them, so
 * that the canonical text is one text and a reader finds a code by
 * binary search; a list out of order is refused, never re-sorted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "fsutil.h"
#include "registry.h"
#include "status.h"
#include "text.h"
#include "timeutil.h"
#include "xmlsafe.h"

#define CODE_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#define SIGNATURE_B64_LEN 86    /* 64 bytes, base64url without padding */

/* hex_of - 32 bytes as 64 lower-case hex digits */
static void
hex_of(const unsigned char in[32], char out[65])
{
	sodium_bin2hex(out, 65, in, 32);
}

/* key_id_matches - ID is the first 8 hex digits of SHA-256(PK) */
static int
key_id_matches(const char *id, const unsigned char pk[32])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	crypto_hash_sha256(h, pk, 32);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	return strlen(id) == KEY_ID_LEN && strncmp(hex, id, KEY_ID_LEN) == 0;
}

/* put_encoded - S percent-encoded as in a QR payload (SPEC §6) */
static void
put_encoded(FILE *fp, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			fputc(c, fp);
		else
			fprintf(fp, "%%%02X", c);
	}
}

/*
 * canonical - the text the signature covers, into a malloc'd *BUF: one
 * line a value, LF-terminated, in the order of the list
 */
static int
canonical(const struct status_list *l, char **buf, size_t *len)
{
	char hex[65];
	FILE *fp;
	size_t i;

	if ((fp = open_memstream(buf, len)) == NULL)
		return -1;
	fprintf(fp, "credpipe-status:1\npublished=%s\nsigned-by=%s\n",
	    l->published, l->signed_by);
	for (i = 0; i < (size_t)l->nkeys; i++) {
		hex_of(l->keys[i].public_key, hex);
		fprintf(fp, "key=%s %s %s\n", l->keys[i].key_id, hex,
		    l->keys[i].since);
	}
	for (i = 0; i < l->nrevoked; i++) {
		fprintf(fp, "revoked=%s %s ", l->revoked[i].code,
		    l->revoked[i].on);
		put_encoded(fp, l->revoked[i].reason);
		fputc('\n', fp);
	}
	for (i = 0; i < l->nextended; i++)
		fprintf(fp, "extended=%s %s\n", l->extended[i].code,
		    l->extended[i].expires);
	if (fclose(fp) != 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

/* grow - room for one more element of SIZE bytes in *ARRAY; 0 or -1 */
static int
grow(void **array, size_t n, size_t *cap, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 64;
	if ((p = realloc(*array, *cap * size)) == NULL)
		return -1;
	*array = p;
	return 0;
}

/*
 * printable_text - TEXT cut to whole UTF-8 characters, control characters
 * XML 1.0 cannot carry replaced: a reason typed by an operator must never
 * make the list unreadable for everyone
 */
static void
printable_text(char *text)
{
	size_t i = 0, n = strlen(text), len;

	while (i < n) {
		long c = utf8_decode((unsigned char *)text + i, n - i, &len);

		if (c < 0) {
			text[i] = '\0';
			return;
		}
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			text[i] = '?';
		i += len;
	}
}

/* add_revoked - registry_each_revoked callback */
static int
add_revoked(void *ctx, const struct reg_report_row *r)
{
	struct status_list *l = ctx;
	struct status_revoked *e;

	if (grow((void **)&l->revoked, l->nrevoked, &l->revoked_cap,
	    sizeof *l->revoked) == -1)
		return -1;
	e = &l->revoked[l->nrevoked++];
	memset(e, 0, sizeof *e);
	snprintf(e->code, sizeof e->code, "%s", r->report.code);
	snprintf(e->on, sizeof e->on, "%s", r->revoked_on);
	snprintf(e->reason, sizeof e->reason, "%s", r->revoked_reason);
	printable_text(e->reason);
	return 0;
}

/* add_extended - registry_each_extended callback */
static int
add_extended(void *ctx, const struct reg_report_row *r)
{
	struct status_list *l = ctx;
	struct status_extended *e;

	if (grow((void **)&l->extended, l->nextended, &l->extended_cap,
	    sizeof *l->extended) == -1)
		return -1;
	e = &l->extended[l->nextended++];
	memset(e, 0, sizeof *e);
	snprintf(e->code, sizeof e->code, "%s", r->report.code);
	snprintf(e->expires, sizeof e->expires, "%s", r->report.expires);
	return 0;
}

/* status_build - the list as the registry and the trusted keys have it */
int
status_build(struct registry *reg, const char *home, time_t now, int tz,
    struct status_list *out)
{
	struct trusted_keys tk;
	struct stat st;
	char path[4096];
	int i, rc;

	memset(out, 0, sizeof *out);
	out->published_at = now;
	time_format_iso(now, tz, out->published, sizeof out->published);
	if (keys_load_trusted(home, &tk) == -1)
		return -1;
	/* the day a key's .pub was written is the day it became trusted */
	for (i = 0; i < tk.n && i < TRUSTED_MAX; i++) {
		struct status_key *k = &out->keys[out->nkeys++];

		snprintf(k->key_id, sizeof k->key_id, "%s", tk.key_id[i]);
		memcpy(k->public_key, tk.public_key[i], 32);
		fs_path(path, sizeof path, "%s/keys/trusted/%s.pub", home,
		    tk.key_id[i]);
		if (stat(path, &st) == -1)
			return -1;
		date_format(time_day(st.st_mtime, tz), k->since,
		    sizeof k->since);
	}
	/* one read transaction: revocations and extensions of one moment */
	rc = registry_begin(reg);
	if (rc == 0)
		rc = registry_each_revoked(reg, add_revoked, out);
	if (rc == 0)
		rc = registry_each_extended(reg, add_extended, out);
	registry_rollback(reg);
	if (rc != 0) {
		status_free(out);
		return -1;
	}
	return 0;
}

/* put_attr - ` name="value"` escaped */
static void
put_attr(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, " %s=\"", name);
	xml_put_escaped(fp, value);
	fputc('"', fp);
}

/* status_write - sign L with KEY and commit it as XML to PATH */
int
status_write(struct status_list *l, const struct signing_key *key,
    const char *path, mode_t mode)
{
	unsigned char sig[crypto_sign_BYTES];
	char sig64[SIGNATURE_B64_LEN + 1], hex[65], *text, *xml;
	size_t tlen, xlen, i;
	FILE *fp;
	int rc, e;

	snprintf(l->signed_by, sizeof l->signed_by, "%s", key->key_id);
	if (canonical(l, &text, &tlen) == -1)
		return -1;
	crypto_sign_detached(sig, NULL, (unsigned char *)text, tlen,
	    key->secret);
	free(text);
	sodium_bin2base64(sig64, sizeof sig64, sig, sizeof sig,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((fp = open_memstream(&xml, &xlen)) == NULL)
		return -1;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<status-list "
	    "xmlns=\"" STATUS_NS "\"", fp);
	put_attr(fp, "published", l->published);
	put_attr(fp, "signed-by", l->signed_by);
	put_attr(fp, "signature", sig64);
	fputs(">\n", fp);
	for (i = 0; i < (size_t)l->nkeys; i++) {
		hex_of(l->keys[i].public_key, hex);
		fputs("  <key", fp);
		put_attr(fp, "id", l->keys[i].key_id);
		put_attr(fp, "public-key", hex);
		put_attr(fp, "since", l->keys[i].since);
		fputs("/>\n", fp);
	}
	for (i = 0; i < l->nrevoked; i++) {
		fputs("  <revoked", fp);
		put_attr(fp, "code", l->revoked[i].code);
		put_attr(fp, "on", l->revoked[i].on);
		put_attr(fp, "reason", l->revoked[i].reason);
		fputs("/>\n", fp);
	}
	for (i = 0; i < l->nextended; i++) {
		fputs("  <extended", fp);
		put_attr(fp, "code", l->extended[i].code);
		put_attr(fp, "expires", l->extended[i].expires);
		fputs("/>\n", fp);
	}
	fputs("</status-list>\n", fp);
	if (fclose(fp) != 0)
		return -1;
	rc = commit_file(path, xml, xlen, mode);
	e = errno;
	free(xml);
	errno = e;
	return rc;
}

/* code_ok - 16 Crockford base32 characters */
static int
code_ok(const char *s)
{
	return strlen(s) == 16 && strspn(s, CODE_ALPHABET) == 16;
}

/* date_ok - a real YYYY-MM-DD ("" too when OPTIONAL) */
static int
date_ok(const char *s, int optional)
{
	int y, m, d;

	if (s[0] == '\0')
		return optional;
	return strlen(s) == 10 && date_parse(s, &y, &m, &d) == 0;
}

/* element_named - NODE is element NAME of the status namespace */
static int
element_named(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
	    strcmp((const char *)node->ns->href, STATUS_NS) == 0 &&
	    strcmp((const char *)node->name, name) == 0;
}

/* blank - NODE is white space between elements */
static int
blank(xmlNodePtr node)
{
	return node->type == XML_TEXT_NODE && xmlIsBlankNode(node);
}

/*
 * read_entries - the children of ROOT into L, in the order keys, revoked,
 * extended, each sorted by its id or code; 0, or 1 with WHY
 */
static int
read_entries(xmlNodePtr root, struct status_list *l, char *why, size_t size)
{
	char hex[80], prev[32] = "";
	int part = 0;
	xmlNodePtr n;

	for (n = root->children; n != NULL; n = n->next) {
		if (blank(n) || n->type == XML_COMMENT_NODE)
			continue;
		if (element_named(n, "key") && part == 0) {
			struct status_key *k;
			size_t bin = 0;

			if (l->nkeys == TRUSTED_MAX) {
				snprintf(why, size, "more than %d keys",
				    TRUSTED_MAX);
				return 1;
			}
			k = &l->keys[l->nkeys++];
			xml_attr(n, "id", k->key_id, sizeof k->key_id);
			xml_attr(n, "public-key", hex, sizeof hex);
			xml_attr(n, "since", k->since, sizeof k->since);
			if (strlen(hex) != 64 || sodium_hex2bin(k->public_key,
			    32, hex, 64, NULL, &bin, NULL) != 0 || bin != 32 ||
			    !key_id_matches(k->key_id, k->public_key) ||
			    !date_ok(k->since, 0) ||
			    strcmp(prev, k->key_id) >= 0) {
				snprintf(why, size, "key entry %d is malformed "
				    "or out of order", l->nkeys);
				return 1;
			}
			snprintf(prev, sizeof prev, "%s", k->key_id);
		} else if (element_named(n, "revoked") && part <= 1) {
			struct status_revoked *r;

			if (part == 0)
				prev[0] = '\0';
			part = 1;
			if (grow((void **)&l->revoked, l->nrevoked,
			    &l->revoked_cap, sizeof *l->revoked) == -1) {
				snprintf(why, size, "out of memory");
				return 1;
			}
			r = &l->revoked[l->nrevoked++];
			memset(r, 0, sizeof *r);
			xml_attr(n, "code", r->code, sizeof r->code);
			xml_attr(n, "on", r->on, sizeof r->on);
			xml_attr(n, "reason", r->reason, sizeof r->reason);
			if (!code_ok(r->code) || !date_ok(r->on, 1) ||
			    strcmp(prev, r->code) >= 0) {
				snprintf(why, size, "revoked entry %zu is "
				    "malformed or out of order", l->nrevoked);
				return 1;
			}
			snprintf(prev, sizeof prev, "%s", r->code);
		} else if (element_named(n, "extended")) {
			struct status_extended *x;

			if (part < 2)
				prev[0] = '\0';
			part = 2;
			if (grow((void **)&l->extended, l->nextended,
			    &l->extended_cap, sizeof *l->extended) == -1) {
				snprintf(why, size, "out of memory");
				return 1;
			}
			x = &l->extended[l->nextended++];
			memset(x, 0, sizeof *x);
			xml_attr(n, "code", x->code, sizeof x->code);
			xml_attr(n, "expires", x->expires, sizeof x->expires);
			if (!code_ok(x->code) || !date_ok(x->expires, 0) ||
			    strcmp(prev, x->code) >= 0) {
				snprintf(why, size, "extended entry %zu is "
				    "malformed or out of order", l->nextended);
				return 1;
			}
			snprintf(prev, sizeof prev, "%s", x->code);
		} else {
			snprintf(why, size, "line %ld: unexpected content",
			    xmlGetLineNo(n));
			return 1;
		}
	}
	return 0;
}

/* trusted_key - the public key of ID among TRUSTED, or NULL */
static const unsigned char *
trusted_key(const struct trusted_keys *trusted, const char *id)
{
	for (int i = 0; i < trusted->n; i++)
		if (strcmp(trusted->key_id[i], id) == 0)
			return trusted->public_key[i];
	return NULL;
}

/* status_load - read the list at PATH and check its signature */
int
status_load(const char *path, const struct trusted_keys *trusted,
    struct status_list *l, char *why, size_t size)
{
	unsigned char sig[crypto_sign_BYTES];
	const unsigned char *pk;
	struct xml_error err;
	enum xml_status xs;
	char sig64[128], *text;
	size_t tlen, siglen = 0;
	xmlNodePtr root;
	xmlDocPtr doc;
	int rc = 1;

	memset(l, 0, sizeof *l);
	memset(&err, 0, sizeof err);
	xs = xml_parse_file(path, STATUS_MAX_BYTES, &doc, &err);
	if (xs == XML_IO)
		return -1;
	if (xs != XML_OK) {
		snprintf(why, size, "not a status list: %s", err.message);
		return 1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !element_named(root, "status-list")) {
		snprintf(why, size, "not a status list");
		goto out;
	}
	xml_attr(root, "published", l->published, sizeof l->published);
	xml_attr(root, "signed-by", l->signed_by, sizeof l->signed_by);
	xml_attr(root, "signature", sig64, sizeof sig64);
	if (time_parse_iso(l->published, 0, &l->published_at) == -1 ||
	    strchr(l->published, 'T') == NULL) {
		snprintf(why, size, "its publication time is missing or "
		    "malformed");
		goto out;
	}
	if (read_entries(root, l, why, size) != 0)
		goto out;
	if ((pk = trusted_key(trusted, l->signed_by)) == NULL) {
		snprintf(why, size, "it is signed by key %s, which is not "
		    "trusted", l->signed_by[0] ? l->signed_by : "(none)");
		goto out;
	}
	if (strlen(sig64) != SIGNATURE_B64_LEN ||
	    sodium_base642bin(sig, sizeof sig, sig64, strlen(sig64), NULL,
	    &siglen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    siglen != sizeof sig) {
		snprintf(why, size, "its signature is malformed");
		goto out;
	}
	if (canonical(l, &text, &tlen) == -1) {
		snprintf(why, size, "out of memory");
		goto out;
	}
	rc = crypto_sign_verify_detached(sig, (unsigned char *)text, tlen,
	    pk) == 0 ? 0 : 1;
	free(text);
	if (rc != 0)
		snprintf(why, size, "its signature does not match its content: "
		    "the list was altered");
out:
	xmlFreeDoc(doc);
	if (rc != 0)
		status_free(l);
	return rc;
}

/* by_revoked_code / by_extended_code - bsearch comparisons */
static int
by_revoked_code(const void *key, const void *elem)
{
	return strcmp(key, ((const struct status_revoked *)elem)->code);
}

static int
by_extended_code(const void *key, const void *elem)
{
	return strcmp(key, ((const struct status_extended *)elem)->code);
}

/* status_find_revoked - CODE's revocation, or NULL */
const struct status_revoked *
status_find_revoked(const struct status_list *l, const char *code)
{
	if (l->nrevoked == 0)
		return NULL;
	return bsearch(code, l->revoked, l->nrevoked, sizeof *l->revoked,
	    by_revoked_code);
}

/* status_find_extended - CODE's current expiry, or NULL */
const struct status_extended *
status_find_extended(const struct status_list *l, const char *code)
{
	if (l->nextended == 0)
		return NULL;
	return bsearch(code, l->extended, l->nextended, sizeof *l->extended,
	    by_extended_code);
}

/* status_free - release the lists of L */
void
status_free(struct status_list *l)
{
	free(l->revoked);
	free(l->extended);
	l->revoked = NULL;
	l->extended = NULL;
	l->nrevoked = l->nextended = 0;
	l->revoked_cap = l->extended_cap = 0;
}
