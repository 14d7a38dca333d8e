/*
 * scanresult.c - the decode stage's result file, HOME/spool/<id>/decode.xml.
 *
 *   <decode xmlns="urn:credpipe:decode:1">
 *     <attachment file="report.png" kind="verification-report" status="ok">
 *       <code x="96" y="80" w="310" h="310" pass="top"
 *             hex="68747470...">https://verify.example.edu.cn/v?c=...</code>
 *     </attachment>
 *     <attachment file="id.png" kind="id-card" status="unreadable"/>
 *     <attachment file="bad.png" kind="photo" status="error">
 *       <message>truncated PNG data</message>
 *     </attachment>
 *   </decode>
 *
 * The payload's bytes are the `hex` attribute, so that any byte (NUL,
 * invalid UTF-8) survives; the element's text is the same payload escaped
 * for a person (scan_escape) and is ignored when reading.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "log.h"
#include "qrscan.h"
#include "scanresult.h"
#include "text.h"
#include "xmlsafe.h"

#define SCAN_NS "urn:credpipe:decode:1"
#define SCAN_FILE_MAX (8 * 1024 * 1024)

/* utf8_length - length of the valid, printable UTF-8 sequence at P, or 0 */
static size_t
utf8_length(const unsigned char *p, size_t n)
{
	size_t len;
	long cp = utf8_decode(p, n, &len);

	/* controls (C0, DEL, C1) are not printable */
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	return len;
}

/* scan_escape - BYTES as text for a person; snprintf-like return */
size_t
scan_escape(const unsigned char *bytes, size_t len, char *out, size_t size)
{
	size_t need = 0, i = 0;

#define PUT(ch) do { if (need + 1 < size) out[need] = (ch); need++; } while (0)
	while (i < len) {
		size_t n = utf8_length(bytes + i, len - i);

		if (bytes[i] == '\\') {
			PUT('\\');
			PUT('\\');
			i++;
		} else if (n > 0) {
			for (size_t k = 0; k < n; k++)
				PUT((char)bytes[i + k]);
			i += n;
		} else {
			static const char hex[] = "0123456789ABCDEF";

			PUT('\\');
			PUT('x');
			PUT(hex[bytes[i] >> 4]);
			PUT(hex[bytes[i] & 15]);
			i++;
		}
	}
#undef PUT
	if (size > 0)
		out[need < size ? need : size - 1] = '\0';
	return need;
}

/* attr - write ` name="value"` (escaped) */
static void
attr(struct commit *c, const char *name, const char *value)
{
	commit_printf(c, " %s=\"", name);
	xml_escape_write(c, value);
	commit_write(c, "\"", 1);
}

/* write_code - one <code> element */
static void
write_code(struct commit *c, const struct scan_code *sc)
{
	size_t need = scan_escape(sc->data, sc->len, NULL, 0) + 1;
	char *text = malloc(need);

	commit_printf(c, "    <code x=\"%d\" y=\"%d\" w=\"%d\" h=\"%d\"",
	    sc->x, sc->y, sc->w, sc->h);
	attr(c, "pass", sc->pass);
	commit_printf(c, " hex=\"");
	for (size_t i = 0; i < sc->len; i++)
		commit_printf(c, "%02x", sc->data[i]);
	commit_printf(c, "\">");
	if (text != NULL) {
		scan_escape(sc->data, sc->len, text, need);
		xml_escape_write(c, text);
		free(text);
	}
	commit_printf(c, "</code>\n");
}

/* scan_result_save - commit SR to PATH */
int
scan_result_save(const struct scan_result *sr, const char *path)
{
	struct commit c;

	if (commit_begin(&c, path, 0600) == -1)
		return -1;
	commit_printf(&c, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<decode xmlns=\"%s\">\n", SCAN_NS);
	for (int i = 0; i < sr->nattachments; i++) {
		const struct scan_attachment *sa = &sr->attachments[i];

		commit_printf(&c, "  <attachment");
		attr(&c, "file", sa->file);
		attr(&c, "kind", sa->kind);
		attr(&c, "status", sa->status);
		if (sa->ncodes == 0 && sa->message[0] == '\0') {
			commit_printf(&c, "/>\n");
			continue;
		}
		commit_printf(&c, ">\n");
		if (sa->message[0] != '\0') {
			commit_printf(&c, "    <message>");
			xml_escape_write(&c, sa->message);
			commit_printf(&c, "</message>\n");
		}
		for (int k = 0; k < sa->ncodes; k++)
			write_code(&c, &sa->codes[k]);
		commit_printf(&c, "  </attachment>\n");
	}
	commit_printf(&c, "</decode>\n");
	return commit_end(&c);
}

/* load_code - a <code> element into SC; 0 or -1 (malformed) */
static int
load_code(xmlNodePtr n, struct scan_code *sc)
{
	xmlChar *hex = xmlGetProp(n, (const xmlChar *)"hex");
	char num[32];
	size_t len;

	memset(sc, 0, sizeof *sc);
	if (hex == NULL)
		return -1;
	len = strlen((const char *)hex);
	if (len % 2 != 0 || (sc->data = malloc(len / 2 + 1)) == NULL) {
		xmlFree(hex);
		return -1;
	}
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

		if (hi < 0 || lo < 0) {
			xmlFree(hex);
			free(sc->data);
			sc->data = NULL;
			return -1;
		}
		sc->data[sc->len++] = (unsigned char)(hi << 4 | lo);
	}
	sc->data[sc->len] = '\0';       /* convenience; len is the truth */
	xmlFree(hex);
	xml_attr(n, "x", num, sizeof num), sc->x = atoi(num);
	xml_attr(n, "y", num, sizeof num), sc->y = atoi(num);
	xml_attr(n, "w", num, sizeof num), sc->w = atoi(num);
	xml_attr(n, "h", num, sizeof num), sc->h = atoi(num);
	xml_attr(n, "pass", sc->pass, sizeof sc->pass);
	return 0;
}

/* scan_result_load - read PATH written by scan_result_save */
int
scan_result_load(struct scan_result *sr, const char *path)
{
	struct xml_error err;
	xmlDocPtr doc;
	xmlNodePtr root, n, k;

	memset(sr, 0, sizeof *sr);
	switch (xml_parse_file(path, SCAN_FILE_MAX, &doc, &err)) {
	case XML_OK:
		break;
	case XML_IO:
		return -1;
	default:
		log_warnx("%s: unreadable decode result: %s", path,
		    err.message);
		errno = EINVAL;
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "decode") != 0) {
		xmlFreeDoc(doc);
		errno = EINVAL;
		return -1;
	}
	for (n = root->children; n != NULL; n = n->next) {
		struct scan_attachment *sa;

		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "attachment") != 0 ||
		    sr->nattachments == SCAN_MAX_ATTACHMENTS)
			continue;
		sa = &sr->attachments[sr->nattachments++];
		xml_attr(n, "file", sa->file, sizeof sa->file);
		xml_attr(n, "kind", sa->kind, sizeof sa->kind);
		xml_attr(n, "status", sa->status, sizeof sa->status);
		for (k = n->children; k != NULL; k = k->next) {
			if (k->type != XML_ELEMENT_NODE)
				continue;
			if (strcmp((const char *)k->name, "message") == 0)
				xml_text(k, sa->message, sizeof sa->message);
			else if (strcmp((const char *)k->name, "code") == 0 &&
			    sa->ncodes < SCAN_MAX_CODES &&
			    load_code(k, &sa->codes[sa->ncodes]) == 0)
				sa->ncodes++;
		}
	}
	xmlFreeDoc(doc);
	return 0;
}

/* scan_result_free - release the payload buffers */
void
scan_result_free(struct scan_result *sr)
{
	for (int i = 0; i < sr->nattachments; i++)
		for (int k = 0; k < sr->attachments[i].ncodes; k++) {
			free(sr->attachments[i].codes[k].data);
			sr->attachments[i].codes[k].data = NULL;
		}
}
