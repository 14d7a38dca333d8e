/*
 * NAME
 *	records - import, export and query the registry of issued records
 *
 * SYNOPSIS
 *	records [options] import FILE...
 *	records [options] export [FILE]
 *	records [options] show CODE|NUMBER|ID|CERTNO
 *	records [options] revoke CODE [--reason TEXT]
 *	records [options] keygen
 *	records [options] waybills-left [COURIER]
 *	records [options] migrate
 *	records [options] payload CODE
 *	records [options] publish [FILE]
 *
 * DESCRIPTION
 *	The registry (HOME/records.db, or --records FILE) holds what
 *	institutions and archives registered and what credpipe issued
 *	(SPEC §5). Options may stand before or after the subcommand.
 *
 *	import validates each FILE against schemas/records.xsd (loaded with
 *	the secure XML loader: no DOCTYPE, no entities, nothing external) and
 *	imports it in one transaction: all of it or nothing. Importing the
 *	same file twice changes nothing. A file may hold up to 64 MiB (the
 *	import limit; some 150,000 credentials, about 800 MB of memory); a
 *	larger one is refused with the limit named and is imported as
 *	several files. A record that differs from the
 *	stored one of the same key is a conflict: both versions are printed
 *	(id-numbers masked) and the file is not imported.
 *
 *	export writes every institution, credential, report and waybill
 *	range in the same format, in a fixed order, to FILE (through the
 *	commit routine) or stdout: import, export, import, export gives the
 *	same bytes.
 *
 *	show prints one credential (by certificate number) or report (by
 *	its code as printed: grouped "7KQ2 M9X4 T1HC 8D5R" or not, any case;
 *	by its paper report number; or by the id of the dossier it was
 *	issued for, else that dossier's decision) with the id-number masked;
 *	the keys are the ones `credpipe show` takes (lookup.h). revoke marks a report
 *	revoked on the date of --now for --reason; a second revoke changes
 *	nothing and says so (the first date and reason stay). keygen makes a new signing key; the old public keys stay
 *	trusted. waybills-left prints the numbers left per courier.
 *	migrate brings the registry's schema up to date and prints its
 *	backend and version; every program does that on opening, but on a
 *	PostgreSQL registry shared by a job array a site runs it once before
 *	the workers start, so that none of them waits for the schema.
 *	payload prints the signed QR payload (SPEC §6) of report CODE as
 *	the registry has it, signed with the current key (to reprint a
 *	report's code, and for tests).
 *
 *	publish writes the signed status list (README.md, "The status
 *	list"; verify(1)) to FILE, else OUT/publish/status.xml, through the
 *	commit routine: every revoked code with its date and reason, every
 *	extended code with its current expiry, the trusted public keys, and
 *	the time of publication (--now), signed with the signing key.
 *
 * FILES
 *	HOME/records.db, HOME/keys/signing.key, HOME/keys/trusted/,
 *	OUT/publish/status.xml
 *
 * EXIT STATUS
 *	0 done; 1 show found nothing; 64 usage; 65 a bad or conflicting
 *	import file, an unknown code to revoke; 75 the registry is busy or
 *	the disk full (try again); 78 configuration; 70 internal error.
 *
 * SEE ALSO
 *	check(1), typeset(1), manifest(1), credpipe(1)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/tree.h>
#include <sodium.h>

#include "program.h"
#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "lookup.h"
#include "payload.h"
#include "registry.h"
#include "report.h"
#include "status.h"
#include "timeutil.h"
#include "xmlsafe.h"

#define RECORDS_NS "urn:credpipe:records:1"
/*
 * The import limit. An import file holds a whole institution's records
 * (6,000 credentials are about 2 MB), far more than a dossier's 1 MiB; but
 * it is parsed into one tree in memory, so it is bounded too: 64 MiB is
 * some 150,000 credentials in one transaction (measured: 150,000 in a
 * 61.5 MiB file imported in 51 s with a peak of 794 MB; 6,000 in 2.5 MB,
 * 1.8 s and 38 MB). A larger registry comes as several files; import
 * takes them one after the other, each all or nothing.
 */
#define IMPORT_MAX_MIB 64
#define IMPORT_MAX_BYTES ((size_t)IMPORT_MAX_MIB * 1024 * 1024)
#define OPT_REASON 256

struct options {
	const char *reason;
};

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: records [options] import FILE...\n"
	    "       records [options] export [FILE]\n"
	    "       records [options] show CODE|NUMBER|ID|CERTNO\n"
	    "       records [options] revoke CODE [--reason TEXT]\n"
	    "       records [options] keygen\n"
	    "       records [options] waybills-left [COURIER]\n"
	    "       records [options] migrate\n"
	    "       records [options] payload CODE\n"
	    "       records [options] publish [FILE]\n"
	    "Import, export and query the registry of issued records.\n"
	    "See credpipe-records(1).\n\n%s", config_common_help());
}

/* on_option - records' own options */
static int
on_option(int opt, const char *arg, void *ctx)
{
	struct options *o = ctx;

	if (opt == OPT_REASON) {
		o->reason = arg;
		return 0;
	}
	return -1;
}

/* open_registry - the registry of CFG, or exit with its status */
static struct registry *
open_registry(const struct config *cfg)
{
	struct registry *reg;
	int status;

	if ((reg = registry_open(cfg->records, &status)) == NULL)
		fatalx(status, "%s: cannot open the registry", cfg->records);
	return reg;
}

/* ---- import ---- */

struct import {
	struct registry *reg;
	const char *file;
	int added, same, conflicts, errors;
};

/* element_is - NODE is element NAME of the records namespace */
static int
element_is(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
	    strcmp((const char *)node->ns->href, RECORDS_NS) == 0 &&
	    strcmp((const char *)node->name, name) == 0;
}

/* date_ok - a real YYYY-MM-DD, or "" when OPTIONAL */
static int
date_ok(const char *s, int optional)
{
	int y, m, d;

	if (s[0] == '\0')
		return optional;
	return date_parse(s, &y, &m, &d) == 0;
}

/* bad_record - report a record that breaks a rule the schema cannot say */
static void
bad_record(struct import *im, xmlNodePtr node, const char *why)
{
	log_warnx("%s: line %ld: %s", im->file, xmlGetLineNo(node), why);
	im->errors++;
}

/* print_credential - one version of a credential, id masked, to stderr */
static void
print_credential(const char *label, const struct reg_credential *c)
{
	char masked[40];

	fprintf(stderr, "  %s: certificate-number=\"%s\" status=%s source=%s "
	    "holder=\"%s\" id-number=%s institution=%s level=%s major=\"%s\" "
	    "study-form=\"%s\" entry=%s graduation=%s\n", label,
	    c->certificate_number, c->status, c->source, c->holder_name,
	    report_mask_id(c->holder_id, masked, sizeof masked), c->institution_code,
	    c->level, c->major, c->study_form, c->entry_date,
	    c->graduation_date);
}

/* print_report - one version of a report to stderr */
static void
print_report(const char *label, const struct reg_report_row *r)
{
	fprintf(stderr, "  %s: code=%s number=%s certificate-number=\"%s\" "
	    "kind=%s issued=%s expires=%s status=%s dossier=%s\n", label,
	    r->report.code, r->report.number, r->report.certificate_number,
	    r->report.kind, r->report.issued, r->report.expires,
	    r->report.status, r->report.dossier_id);
}

/* conflict_header - the first line of a conflict report */
static void
conflict_header(struct import *im, xmlNodePtr node, const char *what)
{
	log_warnx("%s: line %ld: conflict: %s differs from the registry",
	    im->file, xmlGetLineNo(node), what);
	im->conflicts++;
}

/* tally - count one put result; -1 on a database error */
static int
tally(struct import *im, int rc)
{
	if (rc == REG_PUT_NEW)
		im->added++;
	else if (rc == REG_PUT_SAME)
		im->same++;
	return rc < 0 ? -1 : 0;
}

/* import_institution - <institution code name/> */
static int
import_institution(struct import *im, xmlNodePtr node)
{
	char code[16], name[256], old[256];
	int rc;

	xml_attr(node, "code", code, sizeof code);
	xml_attr(node, "name", name, sizeof name);
	rc = registry_put_institution(im->reg, code, name, old, sizeof old);
	if (rc == REG_PUT_CONFLICT) {
		conflict_header(im, node, "institution");
		fprintf(stderr, "  registry: code=%s name=\"%s\"\n"
		    "  file:     code=%s name=\"%s\"\n", code, old, code, name);
	}
	return tally(im, rc);
}

/* import_credential - <credential> */
static int
import_credential(struct import *im, xmlNodePtr node)
{
	struct reg_credential c, old;
	char buf[128];
	int rc;

	memset(&c, 0, sizeof c);
	xml_attr(node, "certificate-number", c.certificate_number,
	    sizeof c.certificate_number);
	if (!xml_attr(node, "status", c.status, sizeof c.status))
		snprintf(c.status, sizeof c.status, "valid");
	if (!xml_attr(node, "source", c.source, sizeof c.source))
		snprintf(c.source, sizeof c.source, "registry");
	xml_attr(xml_child(node, "holder"), "name", c.holder_name,
	    sizeof c.holder_name);
	xml_attr(xml_child(node, "holder"), "id-number", c.holder_id,
	    sizeof c.holder_id);
	holder_id_normalise(c.holder_id);
	xml_attr(xml_child(node, "institution"), "code", c.institution_code,
	    sizeof c.institution_code);
	xml_text(xml_child(node, "level"), c.level, sizeof c.level);
	xml_text(xml_child(node, "major"), c.major, sizeof c.major);
	xml_text(xml_child(node, "study-form"), c.study_form,
	    sizeof c.study_form);
	xml_text(xml_child(node, "entry-date"), c.entry_date,
	    sizeof c.entry_date);
	xml_text(xml_child(node, "graduation-date"), c.graduation_date,
	    sizeof c.graduation_date);
	if (!date_ok(c.entry_date, 0) || !date_ok(c.graduation_date, 0) ||
	    strcmp(c.entry_date, c.graduation_date) >= 0) {
		bad_record(im, node, "credential dates are not real dates "
		    "with entry before graduation");
		return 0;
	}
	if (c.certificate_number[0] == '\0' &&
	    strcmp(c.graduation_date, "2002-01-01") >= 0) {
		bad_record(im, node, "a credential of 2002 or later needs a "
		    "certificate-number");
		return 0;
	}
	rc = registry_put_credential(im->reg, &c, &old);
	if (rc == REG_PUT_CONFLICT) {
		snprintf(buf, sizeof buf, "credential %s",
		    c.certificate_number[0] ? c.certificate_number :
		    "(without number)");
		conflict_header(im, node, buf);
		print_credential("registry", &old);
		print_credential("file    ", &c);
	}
	return tally(im, rc);
}

/* import_report - <report> */
static int
import_report(struct import *im, xmlNodePtr node)
{
	struct reg_report_row r, old;
	struct reg_report *p = &r.report;
	char year[8], why[256], buf[128];
	int rc;

	memset(&r, 0, sizeof r);
	xml_attr(node, "code", p->code, sizeof p->code);
	xml_attr(node, "number", p->number, sizeof p->number);
	xml_attr(node, "certificate-number", p->certificate_number,
	    sizeof p->certificate_number);
	xml_attr(node, "holder-id-number", p->holder_id, sizeof p->holder_id);
	xml_attr(node, "institution", r.institution_code,
	    sizeof r.institution_code);
	xml_attr(node, "graduation-year", year, sizeof year);
	r.graduation_year = atoi(year);
	xml_attr(node, "kind", p->kind, sizeof p->kind);
	xml_attr(node, "issued", p->issued, sizeof p->issued);
	xml_attr(node, "expires", p->expires, sizeof p->expires);
	if (!xml_attr(node, "status", p->status, sizeof p->status))
		snprintf(p->status, sizeof p->status, "valid");
	xml_attr(node, "revoked-reason", r.revoked_reason,
	    sizeof r.revoked_reason);
	xml_attr(node, "revoked-on", r.revoked_on, sizeof r.revoked_on);
	xml_attr(node, "dossier", p->dossier_id, sizeof p->dossier_id);
	if (!date_ok(p->issued, 0) || !date_ok(p->expires, 1) ||
	    !date_ok(r.revoked_on, 1)) {
		bad_record(im, node, "report dates are not real dates");
		return 0;
	}
	if (strcmp(p->status, "revoked") != 0 && (r.revoked_on[0] != '\0' ||
	    r.revoked_reason[0] != '\0')) {
		bad_record(im, node, "only a revoked report has a revocation "
		    "date or reason");
		return 0;
	}
	if (strcmp(p->kind, "online") == 0 &&
	    (p->expires[0] == '\0' || p->number[0] != '\0')) {
		bad_record(im, node, "an online report has an expiry and no "
		    "number");
		return 0;
	}
	if (strcmp(p->kind, "paper") == 0 &&
	    (p->expires[0] != '\0' || p->number[0] == '\0')) {
		bad_record(im, node, "a paper report has a number and no "
		    "expiry");
		return 0;
	}
	if (p->certificate_number[0] == '\0' && (p->holder_id[0] == '\0' ||
	    r.institution_code[0] == '\0' || year[0] == '\0')) {
		bad_record(im, node, "a report names its credential by "
		    "certificate-number, or by holder-id-number, institution "
		    "and graduation-year");
		return 0;
	}
	if (p->certificate_number[0] != '\0') {
		p->holder_id[0] = '\0';
		r.institution_code[0] = '\0';
		r.graduation_year = 0;
	}
	rc = registry_put_report(im->reg, &r, &old, why, sizeof why);
	if (rc == REG_PUT_CONFLICT) {
		snprintf(buf, sizeof buf, "report %s", p->code);
		conflict_header(im, node, buf);
		if (why[0] != '\0') {
			fprintf(stderr, "  %s\n", why);
		} else {
			print_report("registry", &old);
			print_report("file    ", &r);
		}
	}
	return tally(im, rc);
}

/* import_range - <waybill-range> */
static int
import_range(struct import *im, xmlNodePtr node)
{
	struct reg_waybill_range w, old;
	int rc;

	memset(&w, 0, sizeof w);
	xml_attr(node, "courier", w.courier, sizeof w.courier);
	xml_attr(node, "prefix", w.prefix, sizeof w.prefix);
	xml_attr(node, "first", w.first, sizeof w.first);
	xml_attr(node, "last", w.last, sizeof w.last);
	xml_attr(node, "suffix", w.suffix, sizeof w.suffix);
	if (!xml_attr(node, "format", w.format, sizeof w.format))
		snprintf(w.format, sizeof w.format, "s10");
	if (atoll(w.first) > atoll(w.last)) {
		bad_record(im, node, "waybill range: first is after last");
		return 0;
	}
	if (strcmp(w.format, "s10") == 0 && (strlen(w.prefix) != 2 ||
	    strspn(w.prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 2 ||
	    strlen(w.suffix) != 2 || atoll(w.last) > 99999999)) {
		bad_record(im, node, "an s10 range has a 2-letter prefix and "
		    "suffix and 8-digit serials");
		return 0;
	}
	if (strcmp(w.format, "digits") == 0 && w.suffix[0] != '\0') {
		bad_record(im, node, "a digits range has no suffix");
		return 0;
	}
	rc = registry_put_waybill_range(im->reg, &w, &old);
	if (rc == REG_PUT_CONFLICT) {
		conflict_header(im, node, "waybill range");
		fprintf(stderr, "  registry: courier=%s prefix=%s first=%s "
		    "last=%s suffix=%s format=%s\n", old.courier, old.prefix,
		    old.first, old.last, old.suffix, old.format);
		fprintf(stderr, "  file:     courier=%s prefix=%s first=%s "
		    "last=%s suffix=%s format=%s\n", w.courier, w.prefix,
		    w.first, w.last, w.suffix, w.format);
	}
	return tally(im, rc);
}

/*
 * import_records - the records of ROOT, in dependency order: institutions
 * and credentials before the reports that name them. -1 on a database
 * error.
 */
static int
import_records(struct import *im, xmlNodePtr root)
{
	static const char *const order[] = { "institution", "credential",
	                                      "report", "waybill-range" };
	static int (*const fns[])(struct import *, xmlNodePtr) = {
		import_institution, import_credential, import_report,
		import_range };

	for (int pass = 0; pass < 4; pass++)
		for (xmlNodePtr n = root->children; n != NULL; n = n->next)
			if (element_is(n, order[pass]) &&
			    fns[pass](im, n) == -1)
				return -1;
	return 0;
}

/* import_file - one file, all or nothing; 0, EX_DATAERR or a failure */
static int
import_file(struct registry *reg, xmlSchemaValidCtxtPtr vctxt,
    const char *file)
{
	struct import im = { reg, file, 0, 0, 0, 0 };
	struct xml_error err;
	enum xml_status xs;
	struct stat st;
	xmlDocPtr doc;
	int rc;

	memset(&err, 0, sizeof err);
	/* named here for the operator; xml_parse_file enforces it again */
	if (stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > IMPORT_MAX_BYTES) {
		log_warnx("%s: %lld bytes: larger than the import limit of "
		    "%d MiB (%zu bytes); split it into several files", file,
		    (long long)st.st_size, IMPORT_MAX_MIB, IMPORT_MAX_BYTES);
		return EX_DATAERR;
	}
	xs = xml_parse_file(file, IMPORT_MAX_BYTES, &doc, &err);
	if (xs == XML_IO) {
		log_warn("%s", file);
		return errno == ENOENT || errno == ELOOP || errno == EFBIG ||
		    errno == EINVAL || errno == EISDIR ? EX_DATAERR :
		    exit_for_errno(errno);
	}
	if (xs == XML_OK)
		xs = xml_validate(vctxt, doc, &err);
	if (xs != XML_OK) {
		log_warnx("%s: line %d: %s: %s", file, err.line,
		    xs == XML_INVALID ? "does not follow records.xsd" :
		    xs == XML_UNSAFE ? "unsafe XML" : "malformed XML",
		    err.message);
		if (xs != XML_MALFORMED && xs != XML_UNSAFE)
			xmlFreeDoc(doc);
		return EX_DATAERR;
	}
	if (registry_begin(reg) == -1) {
		xmlFreeDoc(doc);
		return registry_status(reg);
	}
	rc = import_records(&im, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	if (rc == -1) {
		rc = registry_status(reg);
		registry_rollback(reg);
		return rc;
	}
	if (im.conflicts > 0 || im.errors > 0) {
		registry_rollback(reg);
		log_warnx("%s: not imported: %d conflict(s), %d bad record(s)",
		    file, im.conflicts, im.errors);
		return EX_DATAERR;
	}
	if (registry_commit(reg) == -1)
		return registry_status(reg);
	printf("%s: %d new, %d unchanged\n", file, im.added, im.same);
	return 0;
}

/* cmd_import - import FILES; the worst status of them */
static int
cmd_import(const struct config *cfg, char **files, int nfiles)
{
	xmlSchemaValidCtxtPtr vctxt;
	xmlSchemaPtr schema;
	struct registry *reg;
	char path[4096];
	int status = 0;

	if (nfiles == 0)
		return -1;
	xml_init();
	xml_schema_path("records.xsd", path, sizeof path);
	if ((schema = xml_schema_load(path)) == NULL)
		fatalx(EX_CONFIG, "%s: cannot load the records schema", path);
	xml_lock_down();
	if ((vctxt = xmlSchemaNewValidCtxt(schema)) == NULL)
		fatalx(EX_SOFTWARE, "no schema validation context");
	reg = open_registry(cfg);
	for (int i = 0; i < nfiles; i++) {
		int rc = import_file(reg, vctxt, files[i]);

		if (rc == EX_TEMPFAIL || rc == EX_SOFTWARE) {
			status = rc;
			break;
		}
		if (rc != 0)
			status = rc;
	}
	registry_close(reg);
	xmlSchemaFreeValidCtxt(vctxt);
	xmlSchemaFree(schema);
	xml_cleanup();
	return status;
}

/* ---- export ---- */

/* put_attr - ` name="value"` unless VALUE is "" */
static void
put_attr(FILE *fp, const char *name, const char *value)
{
	if (value[0] == '\0')
		return;
	fprintf(fp, " %s=\"", name);
	xml_put_escaped(fp, value);
	fputc('"', fp);
}

/* put_element - `    <name>text</name>` unless TEXT is "" */
static void
put_element(FILE *fp, const char *name, const char *text)
{
	if (text[0] == '\0')
		return;
	fprintf(fp, "    <%s>", name);
	xml_put_escaped(fp, text);
	fprintf(fp, "</%s>\n", name);
}

/* export_institution - one <institution/> */
static int
export_institution(void *ctx, const char *code, const char *name)
{
	FILE *fp = ctx;

	fputs("  <institution", fp);
	put_attr(fp, "code", code);
	put_attr(fp, "name", name);
	fputs("/>\n", fp);
	return 0;
}

/* export_credential - one <credential> */
static int
export_credential(void *ctx, const struct reg_credential *c)
{
	FILE *fp = ctx;

	fputs("  <credential", fp);
	put_attr(fp, "certificate-number", c->certificate_number);
	put_attr(fp, "status", c->status);
	put_attr(fp, "source", c->source);
	fputs(">\n    <holder", fp);
	put_attr(fp, "name", c->holder_name);
	put_attr(fp, "id-number", c->holder_id);
	fputs("/>\n    <institution", fp);
	put_attr(fp, "code", c->institution_code);
	fputs("/>\n", fp);
	put_element(fp, "level", c->level);
	put_element(fp, "major", c->major);
	put_element(fp, "study-form", c->study_form);
	put_element(fp, "entry-date", c->entry_date);
	put_element(fp, "graduation-date", c->graduation_date);
	fputs("  </credential>\n", fp);
	return 0;
}

/* export_report - one <report/> */
static int
export_report(void *ctx, const struct reg_report_row *r)
{
	const struct reg_report *p = &r->report;
	FILE *fp = ctx;
	char year[16];

	fputs("  <report", fp);
	put_attr(fp, "code", p->code);
	put_attr(fp, "number", p->number);
	if (p->certificate_number[0] != '\0') {
		put_attr(fp, "certificate-number", p->certificate_number);
	} else {
		snprintf(year, sizeof year, "%04d", r->graduation_year);
		put_attr(fp, "holder-id-number", p->holder_id);
		put_attr(fp, "institution", r->institution_code);
		put_attr(fp, "graduation-year", year);
	}
	put_attr(fp, "kind", p->kind);
	put_attr(fp, "issued", p->issued);
	put_attr(fp, "expires", p->expires);
	put_attr(fp, "status", p->status);
	put_attr(fp, "revoked-on", r->revoked_on);
	put_attr(fp, "revoked-reason", r->revoked_reason);
	put_attr(fp, "dossier", p->dossier_id);
	fputs("/>\n", fp);
	return 0;
}

/* export_range - one <waybill-range/> */
static int
export_range(void *ctx, const struct reg_waybill_range *w)
{
	FILE *fp = ctx;

	fputs("  <waybill-range", fp);
	put_attr(fp, "courier", w->courier);
	put_attr(fp, "prefix", w->prefix);
	put_attr(fp, "first", w->first);
	put_attr(fp, "last", w->last);
	put_attr(fp, "suffix", w->suffix);
	put_attr(fp, "format", w->format);
	fputs("/>\n", fp);
	return 0;
}

/* cmd_export - the whole registry to FILE (committed) or stdout */
static int
cmd_export(const struct config *cfg, const char *file)
{
	struct registry *reg = open_registry(cfg);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		fatal("export");
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<records xmlns=\"" RECORDS_NS "\">\n", fp);
	/* one read transaction: a consistent snapshot under WAL */
	rc = registry_begin(reg);
	if (rc == 0)
		rc = registry_each_institution(reg, export_institution, fp);
	if (rc == 0)
		rc = registry_each_credential(reg, export_credential, fp);
	if (rc == 0)
		rc = registry_each_report(reg, export_report, fp);
	if (rc == 0)
		rc = registry_each_waybill_range(reg, export_range, fp);
	registry_rollback(reg);
	fputs("</records>\n", fp);
	if (fclose(fp) != 0)
		fatal("export");
	if (rc != 0) {
		rc = registry_status(reg);
		registry_close(reg);
		free(buf);
		return rc ? rc : EX_SOFTWARE;
	}
	registry_close(reg);
	if (file != NULL) {
		if (commit_file(file, buf, len, 0600) == -1) {
			log_warn("%s", file);
			free(buf);
			return exit_for_errno(errno);
		}
	} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout)) {
		free(buf);
		fatal_stdout();
	}
	free(buf);
	return 0;
}

/* ---- show, revoke, keygen, waybills-left ---- */

/* show_credential - a credential as "key: value" lines, id masked */
static void
show_credential(const struct reg_credential *c)
{
	char masked[40];

	printf("certificate-number: %s\nstatus: %s\nsource: %s\n"
	    "holder: %s\nid-number: %s\ninstitution: %s %s\nlevel: %s\n"
	    "major: %s\n", c->certificate_number, c->status, c->source,
	    c->holder_name, report_mask_id(c->holder_id, masked, sizeof masked),
	    c->institution_code, c->institution_name, c->level, c->major);
	if (c->study_form[0] != '\0')
		printf("study-form: %s\n", c->study_form);
	printf("entry-date: %s\ngraduation-date: %s\n", c->entry_date,
	    c->graduation_date);
}

/* show_report - a report as "key: value" lines, id masked */
static void
show_report(const struct reg_report_row *r)
{
	char masked[40];

	printf("code: %s\n", r->report.code);
	if (r->report.number[0] != '\0')
		printf("number: %s\n", r->report.number);
	printf("kind: %s\nissued: %s\n", r->report.kind, r->report.issued);
	if (r->report.expires[0] != '\0')
		printf("expires: %s\n", r->report.expires);
	printf("status: %s\n", r->report.status);
	if (r->revoked_on[0] != '\0')
		printf("revoked-on: %s\n", r->revoked_on);
	if (r->revoked_reason[0] != '\0')
		printf("revoked-reason: %s\n", r->revoked_reason);
	if (r->report.dossier_id[0] != '\0')
		printf("dossier: %s\n", r->report.dossier_id);
	printf("certificate-number: %s\nholder-id-number: %s\n",
	    r->report.certificate_number, report_mask_id(r->report.holder_id,
	    masked, sizeof masked));
}

/*
 * cmd_show - one credential (by certificate number, exactly as
 * registered: pre-2002 numbers are free text) or one report, by any key
 * lookup_key takes, as `credpipe show` does: the code as printed
 * (grouped, any case), the paper report number, or the dossier id (its
 * report, else its decision).
 */
static int
cmd_show(const struct config *cfg, const char *key)
{
	struct registry *reg = open_registry(cfg);
	struct reg_report_row r;
	struct reg_credential c;
	struct lookup l;
	char outcome[32];
	int rc;

	rc = registry_find_credential(reg, key, &c);
	if (rc == 1)
		show_credential(&c);
	if (rc == 0 && (rc = lookup_key(cfg, reg, key, &l)) == 1) {
		if (l.code[0] != '\0' && (rc = registry_find_report_row(reg,
		    l.code, &r)) == 1)
			show_report(&r);
		else if (l.code[0] == '\0' && (rc = registry_find_decision(reg,
		    l.dossier_id, outcome, sizeof outcome)) == 1)
			printf("dossier: %s\ndecision: %s\nreport: none\n",
			    l.dossier_id, outcome);
	}
	if (rc < 0) {
		rc = registry_status(reg);
		registry_close(reg);
		return rc ? rc : EX_SOFTWARE;
	}
	registry_close(reg);
	if (rc == 0) {
		log_warnx("%s: not in the registry", key);
		return 1;
	}
	return 0;
}

/*
 * cmd_revoke - revoke report CODE on the date of --now, for REASON. A
 * report already revoked keeps its first reason and date: revoking it
 * again changes nothing and says so (exit 0, the report is revoked).
 */
static int
cmd_revoke(const struct config *cfg, const char *code, const char *reason)
{
	struct registry *reg = open_registry(cfg);
	struct reg_report_row r;
	char today[16];
	int rc;

	date_format(time_day(cfg->now, cfg->tz), today, sizeof today);
	rc = registry_revoke(reg, code, reason, today);
	if (rc == 2 && registry_find_report_row(reg, code, &r) == 1) {
		log_warnx("%s: already revoked%s%s%s%s; nothing changed", code,
		    r.revoked_on[0] ? " on " : "", r.revoked_on,
		    r.revoked_reason[0] ? " for: " : "", r.revoked_reason);
		rc = 0;
	} else if (rc == 2) {
		rc = -1;
	}
	if (rc < 0)
		rc = registry_status(reg);
	else if (rc == 1) {
		log_warnx("%s: no report with that code", code);
		rc = EX_DATAERR;
	}
	registry_close(reg);
	return rc;
}

/* cmd_keygen - a new signing key */
static int
cmd_keygen(const struct config *cfg)
{
	struct signing_key key;

	if (keys_generate(cfg->home, &key) == -1)
		return exit_for_errno(errno);
	printf("%s\n", key.key_id);
	sodium_memzero(&key, sizeof key);
	return 0;
}

struct couriers {
	char names[16][8];
	int n;
};

/* collect_courier - remember each courier of the ranges once */
static int
collect_courier(void *ctx, const struct reg_waybill_range *w)
{
	struct couriers *cs = ctx;

	for (int i = 0; i < cs->n; i++)
		if (strcmp(cs->names[i], w->courier) == 0)
			return 0;
	if (cs->n < 16)
		snprintf(cs->names[cs->n++], sizeof cs->names[0], "%s",
		    w->courier);
	return 0;
}

/* cmd_waybills_left - "COURIER N" lines, or N for one courier */
static int
cmd_waybills_left(const struct config *cfg, const char *courier)
{
	struct registry *reg = open_registry(cfg);
	struct couriers cs = { .n = 0 };
	long left;

	if (courier != NULL) {
		if ((left = registry_waybills_left(reg, courier)) < 0)
			goto bad;
		printf("%ld\n", left);
	} else {
		if (registry_each_waybill_range(reg, collect_courier, &cs))
			goto bad;
		for (int i = 0; i < cs.n; i++) {
			if ((left = registry_waybills_left(reg,
			    cs.names[i])) < 0)
				goto bad;
			printf("%s %ld\n", cs.names[i], left);
		}
	}
	registry_close(reg);
	return 0;
bad:
	left = registry_status(reg);
	registry_close(reg);
	return (int)left;
}

/* cmd_payload - the signed QR payload of report CODE */
static int
cmd_payload(const struct config *cfg, const char *code)
{
	struct registry *reg = open_registry(cfg);
	struct reg_report_row r;
	struct reg_credential c;
	struct signing_key key;
	char url[4096];
	int rc = registry_find_report_row(reg, code, &r);

	if (rc == 1) {
		char year[16];

		snprintf(year, sizeof year, "%04d", r.graduation_year);
		rc = registry_find_claimed_credential(reg,
		    r.report.certificate_number, r.report.holder_id,
		    r.institution_code, year, &c);
	}
	if (rc < 0) {
		rc = registry_status(reg);
		registry_close(reg);
		return rc;
	}
	registry_close(reg);
	if (rc == 0) {
		log_warnx("%s: not in the registry", code);
		return EX_DATAERR;
	}
	if (keys_load_signing(cfg->home, &key) == -1)
		return exit_for_errno(errno);
	rc = payload_build(&key, cfg->verify_url, r.report.code,
	    r.report.expires, r.report.certificate_number, c.holder_name, url,
	    sizeof url);
	sodium_memzero(&key, sizeof key);
	if (rc == -1) {
		log_warnx("%s: the payload does not fit", code);
		return EX_SOFTWARE;
	}
	printf("%s\n", url);
	return 0;
}

/*
 * cmd_publish - the signed status list to FILE, else OUT/publish/
 * status.xml (group-readable like the rest of out/, SPEC §8)
 */
static int
cmd_publish(const struct config *cfg, const char *file)
{
	struct registry *reg = open_registry(cfg);
	struct status_list l;
	struct signing_key key;
	char dir[4096], path[4096];
	int rc;

	if (keys_load_signing(cfg->home, &key) == -1) {
		registry_close(reg);
		return exit_for_errno(errno);
	}
	if (status_build(reg, cfg->home, cfg->now, cfg->tz, &l) == -1) {
		rc = registry_status(reg) ? registry_status(reg) :
		    exit_for_errno(errno);
		log_warnx("%s: cannot read what the status list needs",
		    cfg->records);
		registry_close(reg);
		sodium_memzero(&key, sizeof key);
		return rc;
	}
	registry_close(reg);
	if (file == NULL) {
		fs_path(dir, sizeof dir, "%s/publish", cfg->out);
		fs_path(path, sizeof path, "%s/status.xml", dir);
		if (fs_mkdirs(dir, 0750) == -1) {
			log_warn("%s", dir);
			status_free(&l);
			sodium_memzero(&key, sizeof key);
			return exit_for_errno(errno);
		}
		file = path;
	}
	rc = status_write(&l, &key, file, 0640);
	sodium_memzero(&key, sizeof key);
	status_free(&l);
	if (rc == -1) {
		log_warn("%s", file);
		return exit_for_errno(errno);
	}
	return 0;
}

/* cmd_migrate - open (and so migrate) the registry; say what it is */
static int
cmd_migrate(const struct config *cfg)
{
	struct registry *reg = open_registry(cfg);
	int version = registry_schema_version(reg);

	if (version < 0) {
		version = registry_status(reg);
		registry_close(reg);
		return version;
	}
	printf("%s schema version %d\n", registry_backend_name(reg), version);
	registry_close(reg);
	return 0;
}

/* run - dispatch the subcommand; -1 for a usage error */
static int
run(const struct config *cfg, const struct options *o, char **args,
    int nargs)
{
	const char *cmd;

	if (nargs < 1)
		return -1;
	cmd = args[0];
	if (strcmp(cmd, "import") == 0)
		return cmd_import(cfg, args + 1, nargs - 1);
	if (strcmp(cmd, "export") == 0 && nargs <= 2)
		return cmd_export(cfg, nargs == 2 ? args[1] : NULL);
	if (strcmp(cmd, "show") == 0 && nargs == 2)
		return cmd_show(cfg, args[1]);
	if (strcmp(cmd, "revoke") == 0 && nargs == 2)
		return cmd_revoke(cfg, args[1], o->reason);
	if (strcmp(cmd, "keygen") == 0 && nargs == 1)
		return cmd_keygen(cfg);
	if (strcmp(cmd, "payload") == 0 && nargs == 2)
		return cmd_payload(cfg, args[1]);
	if (strcmp(cmd, "publish") == 0 && nargs <= 2)
		return cmd_publish(cfg, nargs == 2 ? args[1] : NULL);
	if (strcmp(cmd, "migrate") == 0 && nargs == 1)
		return cmd_migrate(cfg);
	if (strcmp(cmd, "waybills-left") == 0 && nargs <= 2)
		return cmd_waybills_left(cfg, nargs == 2 ? args[1] : NULL);
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "reason", required_argument, NULL, OPT_REASON },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { NULL };
	struct config cfg;
	int status, argi, rc;

	argi = program_start(&cfg, argc, argv, extra, on_option, &o, usage,
	    PROGRAM_ANY_OPERANDS, &status);
	if (argi == -1)
		return status;
	if (sodium_init() < 0)
		fatalx(EX_SOFTWARE, "libsodium cannot be initialised");
	rc = run(&cfg, &o, argv + argi, argc - argi);
	config_free(&cfg);
	if (rc == -1) {
		usage(stderr);
		return EX_USAGE;
	}
	return rc;
}
