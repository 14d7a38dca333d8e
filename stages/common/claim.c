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
	}
	free(buf);
	if (rc != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
