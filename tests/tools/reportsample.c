/*
 * reportsample - render each document kind from fixed sample data, for
 * layout tests (pdftotext, pdftoppm) without a spool or a registry.
 *
 *   reportsample [--long] [--name NAME] online|paper|check|notice OUT.pdf
 *   reportsample --reason CODE [--field F] [--kind K] notice OUT.pdf
 *
 * --long uses 40+ character names, majors and institutions; --name sets
 * the holder's name (e.g. a character the font lacks). The QR payload is
 * a fixed unsigned URL. --reason makes a notice of that one reason
 * (--field: the field it names; --kind: the dossier kind). Exit: 0 written, 1 held (message on stderr),
 * 2 usage, 3 error.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pdf.h"
#include "report.h"

#define LONG_INSTITUTION "中国人民解放军国防科学技术大学电子科学与工程学院信息与通信工程系研究生院继续教育学院分院"
#define LONG_MAJOR "计算机科学与技术（人工智能与大数据方向）及软件工程交叉学科实验班（国际合作办学项目）"
#define LONG_NAME "阿卜杜热合曼·买买提艾力·阿不都热西提·依明江·吐尔逊·司马义·热合曼"

/* sample_report - the fixed fields of a report */
static void
sample_report(struct report_fields *f, int longer, const char *name)
{
	memset(f, 0, sizeof *f);
	snprintf(f->dossier_id, sizeof f->dossier_id, "A20261127000123");
	snprintf(f->holder_name, sizeof f->holder_name, "%s",
	    name ? name : longer ? LONG_NAME : "张伟");
	snprintf(f->holder_name_latin, sizeof f->holder_name_latin,
	    "ZHANG Wei");
	snprintf(f->gender, sizeof f->gender, "male");
	snprintf(f->birth_date, sizeof f->birth_date, "1997-03-15");
	report_mask_id("110105199703150029", f->id_masked,
	    sizeof f->id_masked);
	snprintf(f->institution, sizeof f->institution, "%s",
	    longer ? LONG_INSTITUTION : "北京大学");
	snprintf(f->institution_code, sizeof f->institution_code, "10001");
	snprintf(f->major, sizeof f->major, "%s",
	    longer ? LONG_MAJOR : "计算机科学与技术");
	snprintf(f->level, sizeof f->level, "undergraduate");
	snprintf(f->study_form, sizeof f->study_form, "full-time");
	snprintf(f->entry_date, sizeof f->entry_date, "2015-09-01");
	snprintf(f->graduation_date, sizeof f->graduation_date, "2019-07-01");
	snprintf(f->certificate_number, sizeof f->certificate_number,
	    "100011201905000123");
	snprintf(f->code, sizeof f->code, "7KQ2M9X4T1HC8D5R");
	snprintf(f->number, sizeof f->number, "P2026000001");
	snprintf(f->issued, sizeof f->issued, "2026-11-28");
	snprintf(f->expires, sizeof f->expires, "2026-12-28");
	snprintf(f->accepting, sizeof f->accepting, "%s",
	    longer ? LONG_INSTITUTION : "清华大学研究生院");
	snprintf(f->verify_url, sizeof f->verify_url,
	    "https://verify.example.edu.cn/v");
	snprintf(f->payload, sizeof f->payload, "https://verify.example.edu.cn"
	    "/v?c=7KQ2M9X4T1HC8D5R&e=20261228&n=100011201905000123&h=%%E5%%BC"
	    "%%A0%%E4%%BC%%9F&k=0a1b2c3d&s=XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
}

int
main(int argc, char **argv)
{
	static struct report_fields rf;
	static struct check_fields cf;
	static struct notice_fields nf;
	const char *name = NULL, *reason = NULL, *field = "";
	const char *kind = "online-report";
	struct pdf_font *font;
	enum report_doc what;
	const void *fields;
	enum pdf_status st;
	char why[512];
	int longer = 0;

	while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--long") == 0) {
			longer = 1;
			argv++;
			argc--;
		} else if (strcmp(argv[1], "--reason") == 0 && argc > 2) {
			reason = argv[2];
			argv += 2;
			argc -= 2;
		} else if (strcmp(argv[1], "--field") == 0 && argc > 2) {
			field = argv[2];
			argv += 2;
			argc -= 2;
		} else if (strcmp(argv[1], "--kind") == 0 && argc > 2) {
			kind = argv[2];
			argv += 2;
			argc -= 2;
		} else if (strcmp(argv[1], "--name") == 0 && argc > 2) {
			name = argv[2];
			argv += 2;
			argc -= 2;
		} else
			break;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: reportsample [--long] [--name NAME] "
		    "online|paper|check|notice OUT.pdf\n");
		return 2;
	}
	sample_report(&rf, longer, name);
	if (strcmp(argv[1], "online") == 0) {
		what = REPORT_ONLINE;
		fields = &rf;
	} else if (strcmp(argv[1], "paper") == 0) {
		what = REPORT_PAPER;
		fields = &rf;
	} else if (strcmp(argv[1], "check") == 0) {
		what = REPORT_CHECK;
		snprintf(cf.dossier_id, sizeof cf.dossier_id, "C20261127000009");
		snprintf(cf.holder_name, sizeof cf.holder_name, "%s",
		    rf.holder_name);
		snprintf(cf.decided, sizeof cf.decided, "2026-11-28");
		for (cf.nentries = 0; cf.nentries < 2; cf.nentries++) {
			struct check_entry *e = &cf.entries[cf.nentries];
			snprintf(e->attachment, sizeof e->attachment,
			    "report%d.png", cf.nentries + 1);
			snprintf(e->status, sizeof e->status, "valid");
			snprintf(e->code, sizeof e->code, "%s", rf.code);
			snprintf(e->certificate_number,
			    sizeof e->certificate_number, "%s",
			    rf.certificate_number);
			snprintf(e->holder_name, sizeof e->holder_name, "%s",
			    rf.holder_name);
			snprintf(e->institution, sizeof e->institution, "%s",
			    rf.institution);
			snprintf(e->level, sizeof e->level, "undergraduate");
			snprintf(e->kind, sizeof e->kind, "online");
			snprintf(e->issued, sizeof e->issued, "2026-11-01");
			snprintf(e->expires, sizeof e->expires, "2026-12-28");
		}
		fields = &cf;
	} else if (strcmp(argv[1], "notice") == 0) {
		what = REPORT_NOTICE;
		snprintf(nf.dossier_id, sizeof nf.dossier_id, "A20261127000123");
		snprintf(nf.kind, sizeof nf.kind, "%s", kind);
		snprintf(nf.outcome, sizeof nf.outcome, "not-verified");
		snprintf(nf.holder_name, sizeof nf.holder_name, "%s",
		    rf.holder_name);
		snprintf(nf.decided, sizeof nf.decided, "2026-11-28");
		snprintf(nf.reasons[0].code, sizeof nf.reasons[0].code,
		    "record-mismatch");
		snprintf(nf.reasons[0].field, sizeof nf.reasons[0].field,
		    "graduation-date");
		snprintf(nf.reasons[0].text, sizeof nf.reasons[0].text,
		    "The graduation date differs from the registry.");
		snprintf(nf.reasons[1].code, sizeof nf.reasons[1].code,
		    "qr-expired");
		snprintf(nf.reasons[1].text, sizeof nf.reasons[1].text,
		    "The report in report.png expired on 2026-10-01.");
		nf.nreasons = 2;
		if (reason != NULL) {
			memset(nf.reasons, 0, sizeof nf.reasons);
			snprintf(nf.reasons[0].code, sizeof nf.reasons[0].code,
			    "%s", reason);
			snprintf(nf.reasons[0].field,
			    sizeof nf.reasons[0].field, "%s", field);
			snprintf(nf.reasons[0].text, sizeof nf.reasons[0].text,
			    "The result's own sentence <%s>.", reason);
			nf.nreasons = 1;
		}
		fields = &nf;
	} else {
		fprintf(stderr, "reportsample: unknown kind %s\n", argv[1]);
		return 2;
	}
	if ((font = pdf_font_open(NULL, why, sizeof why)) == NULL) {
		fprintf(stderr, "reportsample: %s\n", why);
		return 3;
	}
	st = report_write(font, what, fields, argv[2], 0644, 1795000000,
	    why, sizeof why);
	if (st != PDF_OK)
		fprintf(stderr, "reportsample: %s\n", why);
	pdf_font_close(font);
	return st == PDF_OK ? 0 : st == PDF_HELD ? 1 : 3;
}
