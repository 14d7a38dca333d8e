/*
 * fuzz_dossier.c - libFuzzer harness: dossier.xml through what validate
 * runs on it.
 *
 * The input is the bytes of a dossier.xml. Like the validate stage, the
 * harness reads them from a file (xml_parse_file, the stage's size limit)
 * and parses them untrusted (xmlsafe: no DTD, no entities, no
 * XInclude), extracts the dossier, validates it against dossier.xsd and,
 * when the schema passes, judges the business rules at a fixed time. The
 * checks that need the folder (attachments, links) are the file system's
 * business and are left to the stage tests.
 */
#include <time.h>

#include <libxml/xmlschemas.h>

#include "dossier.h"
#include "log.h"
#include "result.h"
#include "rules.h"
#include "xmlsafe.h"
#include "fuzz.h"

/* 2026-06-01 00:00 UTC: a fixed "now", so every run judges alike. */
#define FUZZ_NOW ((time_t)1780272000)
#define FUZZ_TZ 480

static xmlSchemaPtr schema;
static xmlSchemaValidCtxtPtr vctxt;

/* LLVMFuzzerInitialize - compile the schema once, then lock down */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4096];

	log_init("fuzz_dossier", LOG_QUIET);
	xml_init();
	xml_schema_path("dossier.xsd", path, sizeof path);
	if ((schema = xml_schema_load(path)) == NULL) {
		fprintf(stderr, "%s: cannot load the dossier schema\n", path);
		abort();
	}
	xml_lock_down();
	if ((vctxt = xmlSchemaNewValidCtxt(schema)) == NULL)
		abort();
	fuzz_temp_init("fuzz_dossier");
	return 0;
}

/* LLVMFuzzerTestOneInput - judge one dossier.xml */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dossier d;
	static struct result r;
	struct xml_error err;
	xmlDocPtr doc;

	if (xml_parse_file(fuzz_temp_write(data, size), XML_MAX_BYTES, &doc,
	    &err) != XML_OK)
		return 0;
	memset(&d, 0, sizeof d);
	result_init(&r, "fuzz");
	dossier_from_doc(doc, &d);
	if (xml_validate(vctxt, doc, &err) == XML_OK)
		rules_check_dossier(&d, FUZZ_NOW, FUZZ_TZ, &r);
	xmlFreeDoc(doc);
	return 0;
}
