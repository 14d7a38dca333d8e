/*
 * xmlsafe.h - loading untrusted XML with libxml2, safely.
 *
 * Facts (libxml2 2.9.14): never XML_PARSE_NOENT (expands XXE file://),
 * never DTDLOAD or HUGE (billion laughs); NONET does not stop file://, so
 * an external entity loader that refuses everything is installed once the
 * schemas are compiled. A document with an internal or external subset,
 * an entity declaration or an XInclude element is "unsafe", even if the
 * rest would parse. Schemas are compiled once per process (in main,
 * before threads); one validation context per worker.
 */
#ifndef CREDPIPE_XMLSAFE_H
#define CREDPIPE_XMLSAFE_H

#include <stddef.h>
#include <stdio.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

/* the largest dossier.xml (and stage file) a stage parses */
#define XML_MAX_BYTES (1024 * 1024)

enum xml_status {
	XML_OK = 0,
	XML_MALFORMED,      /* not well-formed, or an unconvertible encoding */
	XML_UNSAFE,         /* DOCTYPE, entities, XInclude, too big, a link */
	XML_INVALID,        /* schema validation failed */
	XML_IO,             /* could not read it: errno is set */
};

struct xml_error {
	int line;           /* 0 when unknown */
	char message[512];  /* libxml2's message, or ours */
};

/* xml_init - initialise libxml2 once, in main, before any thread */
void xml_init(void);
/* xml_lock_down - from now on, refuse every external resource */
void xml_lock_down(void);
/* xml_cleanup - xmlCleanupParser, once, at exit */
void xml_cleanup(void);

/*
 * xml_parse_memory - parse BUF untrusted; *doc set on XML_OK. MAX is the
 * caller's size limit (XML_MAX_BYTES for a dossier, more for an import
 * file): a longer BUF is XML_UNSAFE with the limit named.
 */
enum xml_status xml_parse_memory(const char *buf, size_t len, size_t max,
    const char *name, xmlDocPtr *doc, struct xml_error *err);
/* xml_parse_file - read PATH (regular file, no link, <= MAX) and parse */
enum xml_status xml_parse_file(const char *path, size_t max,
    xmlDocPtr *doc, struct xml_error *err);

/* xml_schema_load - compile the schema at PATH (call before lock-down) */
xmlSchemaPtr xml_schema_load(const char *path);
/* xml_schema_path - PATH of schema NAME ("dossier.xsd") for this install */
char *xml_schema_path(const char *name, char *buf, size_t size);
/* xml_validate - validate DOC; XML_OK or XML_INVALID with the first error */
enum xml_status xml_validate(xmlSchemaValidCtxtPtr vctxt, xmlDocPtr doc,
    struct xml_error *err);

/* xml_child - first child element of NODE named NAME in NODE's namespace */
xmlNodePtr xml_child(xmlNodePtr node, const char *name);
/* xml_text - trimmed text of NODE into BUF ("" if NODE is NULL) */
char *xml_text(xmlNodePtr node, char *buf, size_t size);
/* xml_attr - attribute NAME of NODE into BUF ("" if absent); 1 if present */
int xml_attr(xmlNodePtr node, const char *name, char *buf, size_t size);
/* xml_escape - append S escaped for XML text/attributes to a commit */
struct commit;
int xml_escape_write(struct commit *c, const char *s);
/*
 * xml_put_escaped - write S to FP escaped for XML attributes and text
 * (&, <, >, ", and newline, tab and CR as character references; every
 * other byte as it is). The status list's canonical form is defined on
 * this escaping: change it and signatures change.
 */
void xml_put_escaped(FILE *fp, const char *s);

#endif
