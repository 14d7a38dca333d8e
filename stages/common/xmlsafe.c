/*
 * xmlsafe.c - untrusted XML through libxml2 without its dangerous parts.
 *
 * The parser runs with XML_PARSE_NONET | XML_PARSE_BIG_LINES only: no
 * entity substitution (NOENT), no DTD loading, no HUGE. On top of that the
 * SAX callbacks for a document type declaration and for entity
 * declarations are replaced: they only raise a flag and never define
 * anything, so no entity can expand (no billion laughs, no XXE) and the
 * document is reported unsafe even when the rest of it is broken.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "fsutil.h"
#include "log.h"
#include "text.h"
#include "xmlsafe.h"

struct parse_state {
	struct xml_error *err;
	int errors;
	int unsafe;
	const char *unsafe_why;
};

/* xml_init - initialise libxml2 once, in main, before any thread */
void
xml_init(void)
{
	xmlInitParser();
	LIBXML_TEST_VERSION
}

/* refuse_loader - the external entity loader once locked down */
static xmlParserInputPtr
refuse_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)id;
	(void)ctxt;
	(void)url;
	return NULL;
}

/* xml_lock_down - from now on, refuse every external resource */
void
xml_lock_down(void)
{
	xmlSetExternalEntityLoader(refuse_loader);
}

/* xml_cleanup - xmlCleanupParser, once, at exit */
void
xml_cleanup(void)
{
	xmlCleanupParser();
}

/* copy_message - libxml2's message without its trailing newline */
static void
copy_message(struct xml_error *err, const xmlError *e)
{
	size_t len;

	err->line = e->line;
	snprintf(err->message, sizeof err->message, "%s",
	    e->message ? e->message : "error");
	len = strlen(err->message);
	while (len > 0 && (err->message[len - 1] == '\n' ||
	    err->message[len - 1] == ' '))
		err->message[--len] = '\0';
}

/* on_parse_error - keep the first error, count the rest */
static void
on_parse_error(void *data, xmlErrorPtr e)
{
	struct parse_state *st = data;

	if (e->level < XML_ERR_ERROR)
		return;
	if (st->errors++ == 0 && st->err != NULL)
		copy_message(st->err, e);
}

/* on_internal_subset - a DOCTYPE: flag it, define nothing */
static void
on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext,
    const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = ctxt->_private;

	(void)name;
	(void)ext;
	(void)sys;
	st->unsafe = 1;
	if (st->unsafe_why == NULL)
		st->unsafe_why = "document type declaration (DOCTYPE)";
	/*
	 * Stop here: the document is refused anyway, and parsing on would
	 * hand libxml2 an internal subset with no DTD node to hang it on
	 * (this handler makes none), so a processing instruction or a
	 * comment inside it was allocated and never freed.
	 */
	xmlStopParser(ctxt);
}

/* on_entity_decl - an entity declaration: flag it, define nothing */
static void
on_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *public_id, const xmlChar *system_id, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = ctxt->_private;

	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	st->unsafe = 1;
	st->unsafe_why = "entity declaration";
}

/* on_reference - an entity reference that is not predefined */
static void
on_reference(void *ctx, const xmlChar *name)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = ctxt->_private;

	(void)name;
	st->unsafe = 1;
	if (st->unsafe_why == NULL)
		st->unsafe_why = "entity reference";
}

/* has_xinclude - any element in an XInclude namespace */
static int
has_xinclude(xmlNodePtr node)
{
	for (; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (node->ns != NULL && node->ns->href != NULL &&
		    strstr((const char *)node->ns->href,
		    "www.w3.org/2001/XInclude") != NULL)
			return 1;
		if (has_xinclude(node->children))
			return 1;
	}
	return 0;
}

/*
 * xml_parse_memory - parse BUF untrusted, at most MAX bytes. The limit
 * is the caller's: each kind of file has its own (a dossier 1 MiB, an
 * import file of a whole institution far more), and one fixed limit
 * here would silently be the wrong one for all but one of them.
 */
enum xml_status
xml_parse_memory(const char *buf, size_t len, size_t max, const char *name,
    xmlDocPtr *out, struct xml_error *err)
{
	struct parse_state st = { .err = err };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	*out = NULL;
	memset(err, 0, sizeof *err);
	if (len > max) {
		snprintf(err->message, sizeof err->message,
		    "larger than the limit of %zu bytes", max);
		return XML_UNSAFE;
	}
	if (len > INT_MAX)
		return XML_UNSAFE;
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL) {
		errno = ENOMEM;
		return XML_IO;
	}
	ctxt->_private = &st;
	ctxt->sax->internalSubset = on_internal_subset;
	ctxt->sax->externalSubset = on_internal_subset;
	ctxt->sax->entityDecl = on_entity_decl;
	ctxt->sax->unparsedEntityDecl = NULL;
	ctxt->sax->reference = on_reference;
	xmlSetStructuredErrorFunc(&st, on_parse_error);
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL,
	    XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	xmlSetStructuredErrorFunc(NULL, NULL);
	int wellformed = ctxt->wellFormed;
	xmlFreeParserCtxt(ctxt);

	if (st.unsafe || (doc != NULL && (doc->intSubset != NULL ||
	    doc->extSubset != NULL))) {
		xmlFreeDoc(doc);
		snprintf(err->message, sizeof err->message, "%s not allowed",
		    st.unsafe_why ? st.unsafe_why : "document type");
		err->line = 0;
		return XML_UNSAFE;
	}
	if (doc == NULL || !wellformed || st.errors > 0) {
		xmlFreeDoc(doc);
		if (err->message[0] == '\0')
			snprintf(err->message, sizeof err->message,
			    "not well-formed XML");
		return XML_MALFORMED;
	}
	if (has_xinclude(xmlDocGetRootElement(doc))) {
		xmlFreeDoc(doc);
		snprintf(err->message, sizeof err->message,
		    "XInclude not allowed");
		return XML_UNSAFE;
	}
	*out = doc;
	return XML_OK;
}

/* xml_parse_file - read PATH (regular file, no link, <= MAX) and parse */
enum xml_status
xml_parse_file(const char *path, size_t max, xmlDocPtr *doc,
    struct xml_error *err)
{
	enum xml_status st;
	const char *base;
	char *buf;
	size_t len;

	*doc = NULL;
	memset(err, 0, sizeof *err);
	if (fs_read_file(path, max, &buf, &len) == -1) {
		switch (errno) {
		case ELOOP:
			snprintf(err->message, sizeof err->message,
			    "is a symbolic link");
			return XML_UNSAFE;
		case EINVAL:
			snprintf(err->message, sizeof err->message,
			    "is not a regular file");
			return XML_UNSAFE;
		case EFBIG:
			snprintf(err->message, sizeof err->message,
			    "larger than the limit of %zu bytes", max);
			return XML_UNSAFE;
		default:
			snprintf(err->message, sizeof err->message, "%s",
			    strerror(errno));
			return XML_IO;
		}
	}
	base = strrchr(path, '/');
	st = xml_parse_memory(buf, len, max, base ? base + 1 : path, doc, err);
	free(buf);
	return st;
}

/* xml_schema_load - compile the schema at PATH (call before lock-down) */
xmlSchemaPtr
xml_schema_load(const char *path)
{
	xmlSchemaParserCtxtPtr pctxt;
	xmlSchemaPtr schema;

	pctxt = xmlSchemaNewParserCtxt(path);
	if (pctxt == NULL)
		return NULL;
	schema = xmlSchemaParse(pctxt);
	xmlSchemaFreeParserCtxt(pctxt);
	return schema;
}

/* exe_dir - the directory of this program */
static int
exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

/* xml_schema_path - PATH of schema NAME for this install or checkout */
char *
xml_schema_path(const char *name, char *buf, size_t size)
{
	static const char *relative[] = {
		"../schemas", "../../../schemas",
		"../share/credpipe/schemas", "../../share/credpipe/schemas",
	};
	const char *share = getenv("CREDPIPE_SHARE");
	char dir[4096];

	if (share != NULL) {
		snprintf(buf, size, "%s/schemas/%s", share, name);
		return buf;
	}
	if (exe_dir(dir, sizeof dir) == 0) {
		for (size_t i = 0; i < sizeof relative / sizeof *relative;
		    i++) {
			snprintf(buf, size, "%s/%s/%s", dir, relative[i], name);
			if (access(buf, R_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, size, "schemas/%s", name);
	return buf;
}

/* on_valid_error - keep the first schema error */
static void
on_valid_error(void *data, xmlErrorPtr e)
{
	struct parse_state *st = data;

	if (st->errors++ == 0 && st->err != NULL)
		copy_message(st->err, e);
}

/* xml_validate - validate DOC; XML_OK or XML_INVALID with the first error */
enum xml_status
xml_validate(xmlSchemaValidCtxtPtr vctxt, xmlDocPtr doc,
    struct xml_error *err)
{
	struct parse_state st = { .err = err };
	int rc;

	memset(err, 0, sizeof *err);
	xmlSchemaSetValidStructuredErrors(vctxt, on_valid_error, &st);
	rc = xmlSchemaValidateDoc(vctxt, doc);
	xmlSchemaSetValidStructuredErrors(vctxt, NULL, NULL);
	if (rc == 0)
		return XML_OK;
	if (err->message[0] == '\0')
		snprintf(err->message, sizeof err->message,
		    "schema validation failed (%d)", rc);
	return XML_INVALID;
}

/* xml_child - first child element of NODE named NAME in NODE's namespace */
xmlNodePtr
xml_child(xmlNodePtr node, const char *name)
{
	if (node == NULL)
		return NULL;
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)c->name, name) != 0)
			continue;
		if ((c->ns == NULL) != (node->ns == NULL))
			continue;
		if (c->ns != NULL && strcmp((const char *)c->ns->href,
		    (const char *)node->ns->href) != 0)
			continue;
		return c;
	}
	return NULL;
}

/* xml_text - trimmed text of NODE into BUF ("" if NODE is NULL) */
char *
xml_text(xmlNodePtr node, char *buf, size_t size)
{
	xmlChar *content;
	const char *s, *e;
	size_t len;

	buf[0] = '\0';
	if (node == NULL)
		return buf;
	content = xmlNodeGetContent(node);
	if (content == NULL)
		return buf;
	s = (const char *)content;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		e--;
	len = (size_t)(e - s);
	if (len >= size)
		len = size - 1;
	/* never cut a UTF-8 sequence in half */
	while (len > 0 && len < (size_t)(e - s) &&
	    ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	memcpy(buf, s, len);
	buf[len] = '\0';
	xmlFree(content);
	return buf;
}

/* xml_attr - attribute NAME of NODE into BUF; 1 if present */
int
xml_attr(xmlNodePtr node, const char *name, char *buf, size_t size)
{
	xmlChar *v;

	buf[0] = '\0';
	if (node == NULL)
		return 0;
	v = xmlGetNoNsProp(node, (const xmlChar *)name);
	if (v == NULL)
		return 0;
	snprintf(buf, size, "%s", (const char *)v);
	xmlFree(v);
	return 1;
}

/*
 * utf8_sequence - length of the well-formed UTF-8 sequence at S that XML
 * 1.0 allows (not U+FFFE or U+FFFF), or 0.
 */
static size_t
utf8_sequence(const unsigned char *s)
{
	size_t len;
	/* a NUL is no continuation byte: reading stops at the end */
	long cp = utf8_decode(s, 4, &len);

	return cp < 0 || cp == 0xFFFE || cp == 0xFFFF ? 0 : len;
}

/*
 * xml_escape_write - append S escaped for XML text and attributes. Bytes
 * XML cannot carry (control characters, invalid UTF-8, such as a folder
 * name typed in another encoding) are written visibly as \xHH, so that
 * the document stays well-formed and nothing is silently dropped.
 */
int
xml_escape_write(struct commit *c, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s;

	while (*s) {
		const char *rep = NULL;
		char num[8];
		size_t len = 1;

		switch (*s) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\n': rep = "&#10;"; break;
		case '\r': rep = "&#13;"; break;
		case '\t': rep = "&#9;"; break;
		default:
			len = *s < 0x20 ? 0 : utf8_sequence(s);
			if (len == 0) {
				snprintf(num, sizeof num, "\\x%02X", *s);
				rep = num;
				len = 1;
			}
		}
		if (rep == NULL) {
			s += len;
			continue;
		}
		if (s > run && commit_write(c, run, (size_t)(s - run)) == -1)
			return -1;
		if (commit_write(c, rep, strlen(rep)) == -1)
			return -1;
		s += len;
		run = s;
	}
	if (s > run)
		return commit_write(c, run, (size_t)(s - run));
	return 0;
}

/* xml_put_escaped - S escaped for XML attributes and text onto FP */
void
xml_put_escaped(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\n': fputs("&#10;", fp); break;
		case '\t': fputs("&#9;", fp); break;
		case '\r': fputs("&#13;", fp); break;
		default: fputc(*s, fp);
		}
	}
}
