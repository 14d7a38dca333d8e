/*
 * claim.c - ingest's record of how a folder was claimed (include/claim.h).
 *
 * The record is a few "key=value" lines committed through the one commit
 * routine. Values are percent-encoded (bytes below 0x21, '%', '=' and
 * 0x7f as %XX) so that a folder name with spaces, quotes, newlines or
 * Chinese survives on one line. Unknown keys are ignored when loading, so
 * a later version may add keys without breaking older readers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim.h"
#include "fsutil.h"
#include "text.h"

#define CLAIM_MAX_BYTES 65536

/* needs_escape - the bytes claim.h says are written as %XX */
static int
needs_escape(unsigned char ch)
{
	return ch < 0x21 || ch == '%' || ch == '=' || ch == 0x7f;
}

/* write_value - KEY=percent-encoded VALUE and a newline */
static void
write_value(struct commit *c, const char *key, const char *value)
{
	commit_printf(c, "%s=", key);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (needs_escape(*p))
			commit_printf(c, "%%%02X", *p);
		else
			commit_write(c, p, 1);
	}
	commit_write(c, "\n", 1);
}

/* claim_save - commit C as DOSSIER_DIR/claim */
int
claim_save(const char *dossier_dir, const struct claim *c)
{
	char path[4096];
	struct commit cm;

	fs_path(path, sizeof path, "%s/claim", dossier_dir);
	if (commit_begin(&cm, path, 0600) == -1)
		return -1;
	write_value(&cm, "folder", c->folder);
	write_value(&cm, "claimed", c->claimed);
	write_value(&cm, "id-source", c->id_source);
	commit_printf(&cm, "incomplete=%d\n", c->incomplete ? 1 : 0);
	for (int i = 0; i < c->nrefused && i < CLAIM_MAX_REFUSED; i++) {
		char line[sizeof c->refused[i].code + sizeof c->refused[i].file +
		    sizeof c->refused[i].text + 2];

		snprintf(line, sizeof line, "%s\t%s\t%s", c->refused[i].code,
		    c->refused[i].file, c->refused[i].text);
		write_value(&cm, "refused", line);
	}
	return commit_end(&cm);
}

/* decode_value - percent-decode SRC (LEN bytes) into DST; -1 if too long */
static int
decode_value(const char *src, size_t len, char *dst, size_t size)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		int ch = (unsigned char)src[i];

		if (ch == '%' && i + 2 < len && hex_digit(src[i + 1]) >= 0 &&
		    hex_digit(src[i + 2]) >= 0) {
			ch = hex_digit(src[i + 1]) * 16 + hex_digit(src[i + 2]);
			i += 2;
		}
		if (out + 1 >= size)
			return -1;
		dst[out++] = (char)ch;
	}
	dst[out] = '\0';
	return 0;
}

/* load_refusal - one "refused" value (CODE TAB FILE TAB TEXT) into C */
static int
load_refusal(struct claim *c, const char *value, size_t vlen)
{
	char line[sizeof c->refused[0].code + sizeof c->refused[0].file +
	    sizeof c->refused[0].text + 2];
	char *file, *text;

	if (c->nrefused >= CLAIM_MAX_REFUSED)
		return 0;
	if (decode_value(value, vlen, line, sizeof line) == -1 ||
	    (file = strchr(line, '\t')) == NULL ||
	    (text = strchr(file + 1, '\t')) == NULL)
		return -1;
	*file++ = '\0';
	*text++ = '\0';
	struct claim_refusal *r = &c->refused[c->nrefused++];
	snprintf(r->code, sizeof r->code, "%.*s", (int)sizeof r->code - 1,
	    line);
	snprintf(r->file, sizeof r->file, "%.*s", (int)sizeof r->file - 1,
	    file);
	snprintf(r->text, sizeof r->text, "%.*s", (int)sizeof r->text - 1,
	    text);
	return 0;
}

/* claim_refuse - add a refusal to C (the last slot says there are more) */
void
claim_refuse(struct claim *c, const char *code, const char *file,
    const char *fmt, ...)
{
	struct claim_refusal *r;
	va_list ap;

	if (c->nrefused >= CLAIM_MAX_REFUSED) {
		r = &c->refused[CLAIM_MAX_REFUSED - 1];
		snprintf(r->code, sizeof r->code, "unsafe-input");
		r->file[0] = '\0';
		snprintf(r->text, sizeof r->text, "More files of the folder "
		    "were refused than can be listed here.");
		return;
	}
	r = &c->refused[c->nrefused++];
	snprintf(r->code, sizeof r->code, "%s", code);
	snprintf(r->file, sizeof r->file, "%s", file);
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof r->text, fmt, ap);
	va_end(ap);
}

/* claim_refused - C refused the entry FILE of the folder */
int
claim_refused(const struct claim *c, const char *file)
{
	for (int i = 0; i < c->nrefused; i++)
		if (strcmp(c->refused[i].file, file) == 0)
			return 1;
	return 0;
}

/* claim_load - read DOSSIER_DIR/claim; 0 or -1/errno */
int
claim_load(const char *dossier_dir, struct claim *c)
{
	char path[4096], *buf, *line, *next;
	size_t len;
	int rc = 0;

	memset(c, 0, sizeof *c);
	fs_path(path, sizeof path, "%s/claim", dossier_dir);
	if (fs_read_file(path, CLAIM_MAX_BYTES, &buf, &len) == -1)
		return -1;
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		char *eq, *end;

		next = strchr(line, '\n');
		end = next ? next : line + strlen(line);
		if (next != NULL)
			next++;
		eq = memchr(line, '=', (size_t)(end - line));
		if (eq == NULL)
			continue;
		*eq = '\0';
		const char *value = eq + 1;
		size_t vlen = (size_t)(end - value);
		if (strcmp(line, "folder") == 0)
			rc |= decode_value(value, vlen, c->folder,
			    sizeof c->folder);
		else if (strcmp(line, "claimed") == 0)
			rc |= decode_value(value, vlen, c->claimed,
			    sizeof c->claimed);
		else if (strcmp(line, "id-source") == 0)
			rc |= decode_value(value, vlen, c->id_source,
			    sizeof c->id_source);
		else if (strcmp(line, "incomplete") == 0)
			c->incomplete = vlen > 0 && value[0] == '1';
		else if (strcmp(line, "refused") == 0)
			rc |= load_refusal(c, value, vlen);
	}
	free(buf);
	if (rc != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
