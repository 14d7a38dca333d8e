/*
 * NAME
 *	mkbatch - generate a reproducible batch of dossiers and its registry
 *
 * SYNOPSIS
 *	mkbatch --count N --out DIR --records FILE [--seed S]
 *	    [--reports DIR2]
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
 *	--reports DIR2 makes the dossiers with sequence numbers 3 and 5
 *	modulo 10 report-checks instead (applicant as before, id.png and a
 *	verification report report.png), whose reports are, one after the
 *	other: valid three times, expired, revoked, never issued, signed by
 *	a key the office does not trust, another holder's, and a page
 *	without a code. The registry gets the reports (and the credentials
 *	they name); DIR2 gets the trusted public key as <key id>.pub, to
 *	copy into HOME/keys/trusted/, and a file "payloads" of one line per
 *	report page: the dossier folder name and the text its code must
 *	carry (SPEC §6), or "-" for a page without one.
 *
 * EXIT STATUS
 *	0 written; 64 usage; 70 a write failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "log.h"
#include "payload.h"
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

/* the reports of the report-checks, in the order they are made */
enum check_variant {
	CHECK_VALID, CHECK_VALID2, CHECK_VALID3, CHECK_EXPIRED,
	CHECK_REVOKED, CHECK_UNKNOWN, CHECK_UNTRUSTED, CHECK_MISMATCH,
	CHECK_NO_CODE, CHECK_VARIANTS
};

#define VERIFY_URL "https://verify.example.edu.cn/v"

/* report_key - a key made from SEED and SALT: same seed, same key */
static void
report_key(unsigned seed, unsigned salt, struct signing_key *key)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	unsigned char hash[crypto_hash_sha256_BYTES];
	char text[64];
	int n = snprintf(text, sizeof text, "mkbatch report key %u %u", seed,
	    salt);

	crypto_hash_sha256(digest, (const unsigned char *)text, (size_t)n);
	crypto_sign_seed_keypair(key->public_key, key->secret, digest);
	crypto_hash_sha256(hash, key->public_key, sizeof key->public_key);
	for (int i = 0; i < KEY_ID_LEN / 2; i++)
		snprintf(key->key_id + 2 * i, 3, "%02x", hash[i]);
}

/* write_public - DIR/<key id>.pub: the key the office trusts */
static void
write_public(const char *dir, const struct signing_key *key)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s.pub", dir, key->key_id);
	fp = fopen(path, "w");
	if (fp == NULL)
		fatal("%s", path);
	for (size_t i = 0; i < sizeof key->public_key; i++)
		fprintf(fp, "%02x", key->public_key[i]);
	fprintf(fp, "\n");
	if (fclose(fp) == EOF)
		fatal("%s", path);
}

/*
 * report_check - dossier I's report (variant V) into the registry REC and
 * its payload into PAYLOADS. CERT and NAME are the applicant's
 * credential; OTHER_CERT and OTHER_NAME another holder's.
 */
static void
report_check(FILE *rec, FILE *payloads, unsigned i, enum check_variant v,
    const struct signing_key *trusted, const struct signing_key *untrusted,
    const char *cert, const char *name, const char *other_cert,
    const char *other_name)
{
	char code[17], text[1024];
	const char *expires = v == CHECK_EXPIRED ? "2026-08-01" : "2027-01-29";
	const char *certno = v == CHECK_MISMATCH ? other_cert : cert;
	const char *holder = v == CHECK_MISMATCH ? other_name : name;

	if (v == CHECK_NO_CODE) {
		fprintf(payloads, "B%08u -\n", i);
		return;
	}
	snprintf(code, sizeof code, "NB%014u", i);
	if (v != CHECK_UNKNOWN)
		fprintf(rec, "  <report code=\"%s\" certificate-number=\"%s\" "
		    "kind=\"online\" issued=\"%s\" expires=\"%s\" "
		    "status=\"%s\"/>\n", code, certno,
		    v == CHECK_EXPIRED ? "2026-05-01" : "2026-10-01", expires,
		    v == CHECK_REVOKED ? "revoked" : "valid");
	if (payload_build(v == CHECK_UNTRUSTED ? untrusted : trusted,
	    VERIFY_URL, code, expires, certno, holder, text,
	    sizeof text) == -1)
		fatalx(EX_SOFTWARE, "B%08u: the payload does not fit", i);
	fprintf(payloads, "B%08u %s\n", i, text);
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *records = NULL, *reports = NULL;
	unsigned count = 0, seed = 1, checks = 0;
	struct signing_key trusted, untrusted;
	char prev_cert[40] = "", prev_name[32] = "";
	FILE *rec, *payloads = NULL;

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
		else if (strcmp(argv[a], "--reports") == 0 && a + 1 < argc)
			reports = argv[++a];
		else
			fatalx(EX_USAGE, "usage: mkbatch --count N --out DIR "
			    "--records FILE [--seed S] [--reports DIR]");
	}
	if (out == NULL || records == NULL || count == 0)
		fatalx(EX_USAGE, "usage: mkbatch --count N --out DIR "
		    "--records FILE [--seed S] [--reports DIR]");
	if (reports != NULL) {
		char path[4200];

		if (sodium_init() < 0)
			fatalx(EX_SOFTWARE, "libsodium cannot be initialised");
		if (mkdir(reports, 0755) == -1)
			fatal("%s", reports);
		report_key(seed, 0, &trusted);
		report_key(seed, 1, &untrusted);
		write_public(reports, &trusted);
		snprintf(path, sizeof path, "%s/payloads", reports);
		payloads = fopen(path, "w");
		if (payloads == NULL)
			fatal("%s", path);
	}
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
		int check = payloads != NULL && (kind == 3 || kind == 5);
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
		    "    <phone>1380013%04u</phone>\n  </applicant>\n",
		    i, check ? "report-check" : paper ? "paper-certification" :
		    "online-report", name, id, male ? "male" : "female", birth,
		    i % 10000);
		if (!check)
			fprintf(fp, "  <credential>\n    <level>undergraduate</level>\n"
		    "    <institution code=\"%s\">%s</institution>\n"
		    "    <major>计算机科学与技术</major>\n"
		    "    <entry-date>%s</entry-date>\n"
		    "    <graduation-date>%s</graduation-date>\n"
		    "    <certificate-number>%s</certificate-number>\n"
		    "  </credential>\n",
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
		else if (!check)
			fprintf(fp, "  <request>\n    <validity-days>90"
			    "</validity-days>\n  </request>\n");
		fprintf(fp, "  <attachments>\n"
		    "    <attachment kind=\"id-card\" file=\"id.png\"/>\n");
		if (check)
			fprintf(fp, "    <attachment kind=\"verification-report\""
			    " file=\"report.png\"/>\n");
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
		if (check)
			report_check(rec, payloads, i,
			    (enum check_variant)(checks++ % CHECK_VARIANTS),
			    &trusted, &untrusted, cert, name, prev_cert,
			    prev_name);
		snprintf(prev_cert, sizeof prev_cert, "%s", cert);
		snprintf(prev_name, sizeof prev_name, "%s", name);
	}
	fprintf(rec, "  <waybill-range courier=\"EMS\" prefix=\"EA\" "
	    "first=\"10000000\" last=\"%u\" suffix=\"CN\"/>\n"
	    "  <waybill-range courier=\"SF\" prefix=\"SF\" first=\"1\" "
	    "last=\"%012u\" format=\"digits\"/>\n</records>\n",
	    10000000 + count, count + 1);
	if (fclose(rec) == EOF)
		fatal("%s", records);
	if (payloads != NULL && fclose(payloads) == EOF)
		fatal("%s/payloads", reports);
	return 0;
}
