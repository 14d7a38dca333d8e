/*
 * NAME
 *	mkbatch - generate a reproducible batch of dossiers and its registry
 *
 * SYNOPSIS
 *	mkbatch --count N --out DIR --records FILE [--seed S]
 *
 * DESCRIPTION
 *	A benchmark and test tool. Writes N dossier folders DIR/B<seq>/
 *	with a dossier.xml each (attachments are named but not written: the
 *	caller copies scans in), and FILE, a records.xml (SPEC §5) holding
 *	the credentials they claim plus EMS and SF waybill ranges large
 *	enough for all of them. The mix, by sequence number modulo 10:
 *	0-6 online-report (2002+ registered credential), 7-8
 *	paper-certification (pre-2002 archive credential, EMS or SF
 *	delivery), 9 a dossier whose id-number has a wrong check character
 *	(rejected). Attachments: id.png for every dossier, cert.png and
 *	photo.png for paper ones. Same arguments, same bytes.
 *
 * EXIT STATUS
 *	0 written; 64 usage; 70 a write failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "rules.h"
#include "timeutil.h"

static const char *surnames[] = { "张", "王", "李", "赵", "刘", "陈",
                                  "杨", "黄", "周", "吴" };
static const char *given[] = { "伟", "芳", "娜", "敏", "静", "强", "磊",
                               "洋", "艳", "军", "杰", "涛" };

/* make_id - a valid resident id number for sequence I, born on DAYS */
static void
make_id(unsigned i, long days, int male, char out[19])
{
	int y, m, d;
	unsigned seq = (i % 499) * 2 + (male ? 1 : 2);

	date_from_days(days, &y, &m, &d);
	snprintf(out, 19, "110101%04d%02d%02d%03u", y, m, d, seq % 1000);
	out[17] = rules_id_check_char(out);
	out[18] = '\0';
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *records = NULL;
	unsigned count = 0, seed = 1;
	FILE *rec;

	log_init(argv[0], LOG_NORMAL);
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--count") == 0 && a + 1 < argc)
			count = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--out") == 0 && a + 1 < argc)
			out = argv[++a];
		else if (strcmp(argv[a], "--records") == 0 && a + 1 < argc)
			records = argv[++a];
		else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
			seed = (unsigned)strtoul(argv[++a], NULL, 10);
		else
			fatalx(EX_USAGE, "usage: mkbatch --count N --out DIR "
			    "--records FILE [--seed S]");
	}
	if (out == NULL || records == NULL || count == 0)
		fatalx(EX_USAGE, "usage: mkbatch --count N --out DIR "
		    "--records FILE [--seed S]");
	if (mkdir(out, 0755) == -1)
		fatal("%s", out);
	rec = fopen(records, "w");
	if (rec == NULL)
		fatal("%s", records);
	fprintf(rec, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<records xmlns=\"urn:credpipe:records:1\">\n"
	    "  <institution code=\"10001\" name=\"北京大学\"/>\n"
	    "  <institution code=\"10003\" name=\"清华大学\"/>\n");
	for (unsigned i = 0; i < count; i++) {
		unsigned kind = i % 10, r = i * 2654435761u + seed;
		int male = (r >> 7) & 1, paper = kind == 7 || kind == 8;
		long born = date_days(paper ? 1960 : 1985, 1, 1) +
		    (long)(r % 3650);
		int by, bm, bd;
		char id[19], name[32], dir[4096], path[4200], cert[40];
		char birth[24], grad[24], entry[24];
		FILE *fp;

		make_id(i, born, male, id);
		date_from_days(born, &by, &bm, &bd);
		snprintf(birth, sizeof birth, "%04d-%02d-%02d", by, bm, bd);
		snprintf(name, sizeof name, "%s%s", surnames[r % 10],
		    given[(r >> 4) % 12]);
		int gy = by + 22;
		snprintf(entry, sizeof entry, "%04d-09-01", gy - 4);
		snprintf(grad, sizeof grad, "%04d-07-01", gy);
		if (paper)
			snprintf(cert, sizeof cert, "QH%04d-%06u", gy, i);
		else
			snprintf(cert, sizeof cert, "10001%c%04d04%06u", '1', gy,
			    i % 1000000);
		if (kind == 9)  /* a wrong check character */
			id[17] = id[17] == '0' ? '1' : '0';

		snprintf(dir, sizeof dir, "%s/B%08u", out, i);
		if (mkdir(dir, 0755) == -1)
			fatal("%s", dir);
		snprintf(path, sizeof path, "%s/dossier.xml", dir);
		fp = fopen(path, "w");
		if (fp == NULL)
			fatal("%s", path);
		fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<dossier xmlns=\"urn:credpipe:dossier:1\" id=\"B%08u\"\n"
		    "         received=\"2026-11-27T20:00:00+08:00\">\n"
		    "  <kind>%s</kind>\n"
		    "  <applicant>\n    <name>%s</name>\n"
		    "    <id-number>%s</id-number>\n"
		    "    <gender>%s</gender>\n    <birth-date>%s</birth-date>\n"
		    "    <phone>1380013%04u</phone>\n  </applicant>\n"
		    "  <credential>\n    <level>undergraduate</level>\n"
		    "    <institution code=\"%s\">%s</institution>\n"
		    "    <major>计算机科学与技术</major>\n"
		    "    <entry-date>%s</entry-date>\n"
		    "    <graduation-date>%s</graduation-date>\n"
		    "    <certificate-number>%s</certificate-number>\n"
		    "  </credential>\n",
		    i, paper ? "paper-certification" : "online-report", name, id,
		    male ? "male" : "female", birth, i % 10000,
		    paper ? "10003" : "10001", paper ? "清华大学" : "北京大学",
		    entry, grad, cert);
		if (paper)
			fprintf(fp, "  <request>\n    <accepting-institution "
			    "code=\"10001\">北京大学</accepting-institution>\n"
			    "  </request>\n"
			    "  <delivery courier=\"%s\">\n"
			    "    <recipient>%s</recipient>\n"
			    "    <phone>1390013%04u</phone>\n"
			    "    <province>北京市</province><city>北京市</city>"
			    "<district>海淀区</district>\n"
			    "    <address>颐和园路%u号</address>\n"
			    "    <postcode>1%05u</postcode>\n  </delivery>\n",
			    kind == 7 ? "EMS" : "SF", name, i % 10000, i % 97 + 1,
			    r % 100000);
		else
			fprintf(fp, "  <request>\n    <validity-days>90"
			    "</validity-days>\n  </request>\n");
		fprintf(fp, "  <attachments>\n"
		    "    <attachment kind=\"id-card\" file=\"id.png\"/>\n");
		if (paper)
			fprintf(fp, "    <attachment kind=\"certificate\" "
			    "file=\"cert.png\"/>\n    <attachment kind=\"photo\" "
			    "file=\"photo.png\"/>\n");
		fprintf(fp, "  </attachments>\n</dossier>\n");
		if (fclose(fp) == EOF)
			fatal("%s", path);

		if (kind == 9)
			continue;
		fprintf(rec, "  <credential certificate-number=\"%s\" "
		    "status=\"valid\" source=\"%s\">\n"
		    "    <holder name=\"%s\" id-number=\"%s\"/>\n"
		    "    <institution code=\"%s\"/>\n"
		    "    <level>undergraduate</level>\n"
		    "    <major>计算机科学与技术</major>\n"
		    "    <entry-date>%s</entry-date>\n"
		    "    <graduation-date>%s</graduation-date>\n"
		    "  </credential>\n", cert, paper ? "archive" : "registry",
		    name, id, paper ? "10003" : "10001", entry, grad);
	}
	fprintf(rec, "  <waybill-range courier=\"EMS\" prefix=\"EA\" "
	    "first=\"10000000\" last=\"%u\" suffix=\"CN\"/>\n"
	    "  <waybill-range courier=\"SF\" prefix=\"SF\" first=\"1\" "
	    "last=\"%012u\" format=\"digits\"/>\n</records>\n",
	    10000000 + count, count + 1);
	if (fclose(rec) == EOF)
		fatal("%s", records);
	return 0;
}
