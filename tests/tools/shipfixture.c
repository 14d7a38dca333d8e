/*
 * shipfixture - spool state for the manifest tests, made through the
 * library: what typeset leaves for manifest (a verified paper dossier
 * with its issued paper report) and the registry's waybill ranges.
 *
 *   shipfixture RECORDS range COURIER PREFIX FIRST LAST
 *   shipfixture HOME dossier ID COURIER POSTCODE RECIPIENT ADDRESS
 *
 * (HOME's registry is HOME/records.db, or SHIPFIXTURE_RECORDS when set:
 * a PostgreSQL URI when the tests run on PostgreSQL.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "log.h"
#include "registry.h"
#include "result.h"

/* xml_text_escape - S escaped for XML text into BUF */
static char *
xml_text_escape(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s != '\0' && o + 7 < size; s++) {
		const char *e = NULL;
		switch (*s) {
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '&': e = "&amp;"; break;
		case '\r': e = "&#13;"; break;
		}
		if (e != NULL) {
			memcpy(buf + o, e, strlen(e));
			o += strlen(e);
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* range - a waybill range in the registry */
static int
range(const char *records, char **argv)
{
	struct reg_waybill_range w, old;
	struct registry *reg;
	int status;

	if ((reg = registry_open(records, &status)) == NULL)
		return status;
	memset(&w, 0, sizeof w);
	snprintf(w.courier, sizeof w.courier, "%s", argv[0]);
	snprintf(w.prefix, sizeof w.prefix, "%s", argv[1]);
	snprintf(w.first, sizeof w.first, "%s", argv[2]);
	snprintf(w.last, sizeof w.last, "%s", argv[3]);
	snprintf(w.suffix, sizeof w.suffix, "CN");
	snprintf(w.format, sizeof w.format, "s10");
	if (registry_put_waybill_range(reg, &w, &old) == -1)
		return EX_SOFTWARE;
	registry_close(reg);
	return 0;
}

/* dossier - a verified paper dossier waiting for manifest */
static int
dossier(const char *home, char **argv)
{
	const char *id = argv[0], *courier = argv[1], *postcode = argv[2];
	char path[4096], dir[4096], rcp[2048], addr[8192], records[4096];
	struct reg_credential c;
	struct reg_report rep;
	struct registry *reg;
	struct result r;
	int status;
	FILE *f;

	xml_text_escape(argv[3], rcp, sizeof rcp);
	xml_text_escape(argv[4], addr, sizeof addr);
	fs_path(dir, sizeof dir, "%s/spool/%s", home, id);
	fs_path(path, sizeof path, "%s/files", dir);
	if (fs_mkdirs(path, 0700) == -1)
		return EX_CANTCREAT;
	fs_path(path, sizeof path, "%s/files/dossier.xml", dir);
	if ((f = fopen(path, "w")) == NULL)
		return EX_CANTCREAT;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<dossier xmlns=\"urn:credpipe:dossier:1\" id=\"%s\" "
	    "received=\"2026-11-27T09:00:00+08:00\">\n"
	    "<kind>paper-certification</kind>\n"
	    "<applicant><name>王芳</name>"
	    "<id-number>110108197003150320</id-number>"
	    "<gender>female</gender><birth-date>1970-03-15</birth-date>"
	    "<phone>13800138000</phone></applicant>\n"
	    "<credential><level>undergraduate</level>"
	    "<institution code=\"10001\">北京大学</institution>"
	    "<major>物理学</major><entry-date>1988-09-01</entry-date>"
	    "<graduation-date>1992-07-01</graduation-date>"
	    "<certificate-number>ARCH-%s</certificate-number></credential>\n"
	    "<request><accepting-institution code=\"10002\">中国人民大学"
	    "</accepting-institution></request>\n"
	    "<delivery courier=\"%s\"><recipient>%s</recipient>"
	    "<phone>13900139000</phone><province>北京市</province>"
	    "<city>北京市</city><district>海淀区</district>"
	    "<address>%s</address><postcode>%s</postcode></delivery>\n"
	    "<attachments/>\n</dossier>\n", id, id, courier, rcp, addr,
	    postcode);
	if (fclose(f) != 0)
		return EX_IOERR;

	if (getenv("SHIPFIXTURE_RECORDS") != NULL)
		snprintf(records, sizeof records, "%s",
		    getenv("SHIPFIXTURE_RECORDS"));
	else
		fs_path(records, sizeof records, "%s/records.db", home);
	if ((reg = registry_open(records, &status)) == NULL)
		return status;
	memset(&c, 0, sizeof c);
	snprintf(c.certificate_number, sizeof c.certificate_number, "ARCH-%s",
	    id);
	snprintf(c.status, sizeof c.status, "valid");
	snprintf(c.source, sizeof c.source, "archive");
	snprintf(c.holder_name, sizeof c.holder_name, "王芳");
	snprintf(c.holder_id, sizeof c.holder_id, "110108197003150320");
	snprintf(c.institution_code, sizeof c.institution_code, "10001");
	snprintf(c.institution_name, sizeof c.institution_name, "北京大学");
	snprintf(c.level, sizeof c.level, "undergraduate");
	snprintf(c.major, sizeof c.major, "物理学");
	snprintf(c.entry_date, sizeof c.entry_date, "1988-09-01");
	snprintf(c.graduation_date, sizeof c.graduation_date, "1992-07-01");
	struct reg_credential old;
	if (registry_put_credential(reg, &c, &old) == -1 ||
	    registry_link_credential(reg, id, &c) == -1 ||
	    registry_issue_paper(reg, id, c.certificate_number, "2026-11-27",
	    &rep) == -1)
		return registry_status(reg) ? registry_status(reg) : 70;
	registry_close(reg);

	result_init(&r, id);
	snprintf(r.kind, sizeof r.kind, "paper-certification");
	r.outcome = OUTCOME_VERIFIED;
	snprintf(r.decided, sizeof r.decided, "2026-11-27T10:00:00+08:00");
	snprintf(r.report_code, sizeof r.report_code, "%s", rep.code);
	snprintf(r.report_number, sizeof r.report_number, "%s", rep.number);
	snprintf(r.report_issued, sizeof r.report_issued, "2026-11-27");
	snprintf(r.report_file, sizeof r.report_file, "reports/%s.pdf", id);
	fs_path(path, sizeof path, "%s/typeset.xml", dir);
	return result_save(&r, path) == -1 ? EX_IOERR : 0;
}

int
main(int argc, char **argv)
{
	umask(077);
	log_init("shipfixture", LOG_NORMAL);
	if (argc == 7 && strcmp(argv[2], "range") == 0)
		return range(argv[1], argv + 3);
	if (argc == 8 && strcmp(argv[2], "dossier") == 0)
		return dossier(argv[1], argv + 3);
	fprintf(stderr, "usage: shipfixture RECORDS range COURIER PREFIX "
	    "FIRST LAST\n       shipfixture HOME dossier ID COURIER "
	    "POSTCODE RECIPIENT ADDRESS\n");
	return EX_USAGE;
}
