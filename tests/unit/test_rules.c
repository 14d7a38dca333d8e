/*
 * test_rules.c - the business rules of SPEC §3, table-driven.
 *
 * Resident ID numbers: the check characters of the examples below were
 * computed by hand (ISO 7064 MOD 11-2, weights 7 9 10 5 8 4 2 1 6 3 7 9
 * 10 5 8 4 2): 11010519491231002X is the number printed in GB 11643-1999
 * itself, 110108199703150316 the one of SPEC §3.
 */
#include <stdlib.h>

#include "dossier.h"
#include "result.h"
#include "rules.h"
#include "timeutil.h"
#include "unit.h"

/* test_id_numbers - structure, check character, birth date */
static void
test_id_numbers(void)
{
	static const struct {
		const char *id;
		enum id_problem want;
		const char *what;
	} cases[] = {
		{ "11010519491231002X", ID_OK, "GB 11643 example, X check" },
		{ "11010519491231002x", ID_OK, "lower-case x accepted" },
		{ "110108199703150316", ID_OK, "SPEC example" },
		{ "310104197506180244", ID_OK, "Shanghai, female" },
		{ "440106196812153014", ID_OK, "Guangzhou, male" },
		{ "110108199703150317", ID_CHECK_CHARACTER, "wrong check digit" },
		{ "110105194912310021", ID_CHECK_CHARACTER, "digit for X" },
		{ "11010519491231002Y", ID_CHARACTERS, "letter other than X" },
		{ "110108199902300316", ID_BIRTH_DATE, "1999-02-30 unreal" },
		{ "110108199713150316", ID_BIRTH_DATE, "month 13" },
		{ "11010819970315031", ID_LENGTH, "17 characters" },
		{ "1101081997031503166", ID_LENGTH, "19 characters" },
		{ "", ID_LENGTH, "empty" },
		{ "A10108199703150316", ID_CHARACTERS, "letter in the area" },
		{ "110108199703150 16", ID_CHARACTERS, "space inside" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK(rules_id_problem(cases[i].id) == cases[i].want,
		    "id-number: %s", cases[i].what);

	CHECK(rules_id_check_char("11010519491231002") == 'X',
	    "check character of the GB example is X");
	CHECK(rules_id_check_char("11010819970315031") == '6',
	    "check character of the SPEC example is 6");
	CHECK(rules_id_check_char("1101081997031503") == 0,
	    "16 digits have no check character");
}

/* test_id_gender_birth - sequence parity and the birth date inside */
static void
test_id_gender_birth(void)
{
	char buf[16];

	CHECK_STR(rules_id_gender("110108199703150316"), "male",
	    "sequence 031 is odd: male");
	CHECK_STR(rules_id_gender("11010519491231002X"), "female",
	    "sequence 002 is even: female");
	CHECK_STR(rules_id_birth_date("110108199703150316", buf, sizeof buf),
	    "1997-03-15", "birth date inside the number");
}

/* test_certificates - 2002+ structure and consistency; pre-2002 text */
static void
test_certificates(void)
{
	static const struct {
		const char *number, *inst;
		int year;
		const char *level;
		enum cert_problem want;
		const char *what;
	} cases[] = {
		{ "100011201905000123", "10001", 2019, "undergraduate", CERT_OK,
		  "SPEC example" },
		{ "100011201904000123", "10001", 2019, "undergraduate", CERT_OK,
		  "level code 04 is undergraduate too" },
		{ "100025201002000045", "10002", 2010, "master", CERT_OK,
		  "adult education master" },
		{ "100037201501000001", "10003", 2015, "doctorate", CERT_OK,
		  "online doctorate" },
		{ "105586200806123456", "10558", 2008, "junior-college", CERT_OK,
		  "self-study junior college" },
		{ "10003120020400088", "10003", 2002, "undergraduate", CERT_OK,
		  "17 digits accepted for 2002" },
		{ "10003120030400088", "10003", 2003, "undergraduate",
		  CERT_FORMAT, "17 digits refused for 2003" },
		{ "", "10001", 2019, "undergraduate", CERT_MISSING,
		  "2002+ without a number" },
		{ NULL, "10001", 2002, "undergraduate", CERT_MISSING,
		  "2002 without a number" },
		{ "10001120190500012", "10001", 2019, "undergraduate",
		  CERT_FORMAT, "17 digits in 2019" },
		{ "1000112019050001234", "10001", 2019, "undergraduate",
		  CERT_FORMAT, "19 digits" },
		{ "10001120190500012A", "10001", 2019, "undergraduate",
		  CERT_FORMAT, "a letter" },
		{ "100012201905000123", "10001", 2019, "undergraduate",
		  CERT_SCHOOL_TYPE, "school type 2" },
		{ "100011201903000123", "10001", 2019, "undergraduate",
		  CERT_LEVEL_CODE, "level code 03 does not exist" },
		{ "100021201905000123", "10001", 2019, "undergraduate",
		  CERT_INSTITUTION, "other institution" },
		{ "100011201805000123", "10001", 2019, "undergraduate",
		  CERT_YEAR, "other year" },
		{ "100011201902000123", "10001", 2019, "undergraduate",
		  CERT_LEVEL, "master code for an undergraduate" },
		{ "100011201906000123", "10001", 2019, "master", CERT_LEVEL,
		  "junior-college code for a master" },
		{ "沪教证字(1997)第0456号", "10246", 1997, "undergraduate",
		  CERT_OK, "pre-2002 free text" },
		{ NULL, "10246", 1997, "undergraduate", CERT_OK,
		  "pre-2002 without a number" },
		{ "1234567890123456789012345678901234567890", "10246", 2001,
		  "master", CERT_OK, "pre-2002, 40 characters" },
		{ "12345678901234567890123456789012345678901", "10246", 2001,
		  "master", CERT_TOO_LONG, "pre-2002, 41 characters" },
		{ "一二三四五六七八九十一二三四五六七八九十一", "10246", 1990,
		  "master", CERT_TOO_LONG, "pre-2002, 21 CJK over the bytes" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK(rules_certificate_problem(cases[i].number, cases[i].inst,
		    cases[i].year, cases[i].level) == cases[i].want,
		    "certificate: %s", cases[i].what);
}

/* test_contact - phones, postcodes, institution codes */
static void
test_contact(void)
{
	static const struct { const char *s; int phone, postcode; } cases[] = {
		{ "13800138000", 1, 0 },
		{ "19912345678", 1, 0 },
		{ "12800138000", 0, 0 },
		{ "23800138000", 0, 0 },
		{ "1380013800", 0, 0 },
		{ "138001380001", 0, 0 },
		{ "1380013800a", 0, 0 },
		{ "+8613800138000", 0, 0 },
		{ "100871", 0, 1 },
		{ "10087", 0, 0 },
		{ "10087a", 0, 0 },
		{ "", 0, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		CHECK(rules_phone_valid(cases[i].s) == cases[i].phone,
		    "phone \"%s\" %s", cases[i].s,
		    cases[i].phone ? "valid" : "invalid");
		CHECK(rules_postcode_valid(cases[i].s) == cases[i].postcode,
		    "postcode \"%s\" %s", cases[i].s,
		    cases[i].postcode ? "valid" : "invalid");
	}
	CHECK(rules_institution_code_valid("10001"), "institution 10001");
	CHECK(!rules_institution_code_valid("1000"), "institution 1000");
	CHECK(rules_utf8_length("北京大学") == 4, "UTF-8 length counts "
	    "characters");
}

/* good_dossier - a valid online-report, as in SPEC §3 */
static void
good_dossier(struct dossier *d)
{
	memset(d, 0, sizeof *d);
	strcpy(d->id, "A20261127000123");
	strcpy(d->received, "2026-11-27T21:14:00+08:00");
	strcpy(d->kind, "online-report");
	strcpy(d->applicant.name, "张伟");
	strcpy(d->applicant.id_number, "110108199703150316");
	strcpy(d->applicant.gender, "male");
	strcpy(d->applicant.birth_date, "1997-03-15");
	strcpy(d->applicant.phone, "13800138000");
	d->has_credential = 1;
	strcpy(d->credential.level, "undergraduate");
	strcpy(d->credential.institution_code, "10001");
	strcpy(d->credential.entry_date, "2015-09-01");
	strcpy(d->credential.graduation_date, "2019-07-01");
	strcpy(d->credential.certificate_number, "100011201905000123");
	d->credential.has_certificate_number = 1;
	d->nattachments = 1;
	strcpy(d->attachments[0].kind, "id-card");
	strcpy(d->attachments[0].file, "id.png");
}

/* codes - the reason codes of R, sorted and unique, space separated */
static char *
codes(const struct result *r, char *buf, size_t size)
{
	const char *seen[RESULT_MAX_REASONS];
	int n = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->nreasons; i++) {
		int dup = 0;
		for (int j = 0; j < n; j++)
			dup |= strcmp(seen[j], r->reasons[i].code) == 0;
		if (!dup)
			seen[n++] = r->reasons[i].code;
	}
	for (int i = 0; i < n; i++)             /* insertion sort */
		for (int j = i; j > 0 && strcmp(seen[j - 1], seen[j]) > 0;
		    j--) {
			const char *t = seen[j];
			seen[j] = seen[j - 1];
			seen[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		if (i > 0)
			strncat(buf, " ", size - strlen(buf) - 1);
		strncat(buf, seen[i], size - strlen(buf) - 1);
	}
	return buf;
}

/* mutation functions for test_dossier_rules */
static void m_none(struct dossier *d) { (void)d; }
static void m_gender(struct dossier *d) { strcpy(d->applicant.gender, "female"); }
static void m_birth(struct dossier *d) { strcpy(d->applicant.birth_date, "1997-03-16"); }
static void m_phone(struct dossier *d) { strcpy(d->applicant.phone, "12800138000"); }
static void m_old(struct dossier *d)
{
	strcpy(d->credential.entry_date, "1995-09-01");
	strcpy(d->credential.graduation_date, "1999-07-01");
	d->credential.has_certificate_number = 0;
	d->credential.certificate_number[0] = '\0';
}
static void m_paper_new(struct dossier *d)
{
	strcpy(d->kind, "paper-certification");
	d->has_request = 1;
	d->request.has_accepting = 1;
	strcpy(d->request.accepting_code, "10003");
	d->has_delivery = 1;
	strcpy(d->delivery.phone, "13800138000");
	strcpy(d->delivery.postcode, "100871");
	d->nattachments = 3;
	strcpy(d->attachments[1].kind, "certificate");
	strcpy(d->attachments[2].kind, "photo");
}
static void m_future(struct dossier *d) { strcpy(d->credential.graduation_date, "2027-07-01"); }
static void m_entry(struct dossier *d) { strcpy(d->credential.entry_date, "2019-07-01"); }
static void m_unreal(struct dossier *d) { strcpy(d->applicant.birth_date, "1997-02-30"); }
static void m_received(struct dossier *d) { strcpy(d->received, "2026-11-29T00:00:00+08:00"); }
static void m_received_tz(struct dossier *d) { strcpy(d->received, "2026-11-28T02:30:00"); }
static void m_nocred(struct dossier *d) { d->has_credential = 0; }
static void m_agent(struct dossier *d)
{
	d->has_agent = 1;
	strcpy(d->agent.id_number, "330106199207110428");
	strcpy(d->agent.phone, "13900139000");
}
static void m_extension(struct dossier *d)
{
	strcpy(d->kind, "extension");
	d->has_credential = 0;
	d->has_request = 1;
	strcpy(d->request.report_code, "7KQ2M9X4T1HC8D5R");
}
static void m_extension_ok(struct dossier *d)
{
	m_extension(d);
	strcpy(d->request.validity_days, "60");
}
static void m_check(struct dossier *d)
{
	strcpy(d->kind, "report-check");
	strcpy(d->attachments[0].kind, "verification-report");
}
static void m_check_none(struct dossier *d) { strcpy(d->kind, "report-check"); }
static void m_recon(struct dossier *d)
{
	m_extension_ok(d);
	strcpy(d->reconsideration_of, "A20261020000077");
}
static void m_recon_ok(struct dossier *d) { strcpy(d->reconsideration_of, "A20261020000077"); }
static void m_many(struct dossier *d)
{
	m_phone(d);
	m_gender(d);
	strcpy(d->credential.certificate_number, "100011201805000123");
	d->nattachments = 0;
}

/* test_dossier_rules - whole dossiers: exactly the expected reasons */
static void
test_dossier_rules(void)
{
	static const struct {
		void (*mutate)(struct dossier *);
		const char *want;
		const char *what;
	} cases[] = {
		{ m_none, "", "the SPEC example is valid" },
		{ m_gender, "bad-id-number", "gender against parity" },
		{ m_birth, "bad-id-number", "birth date differs" },
		{ m_unreal, "bad-date", "unreal birth date" },
		{ m_phone, "bad-contact", "phone 128..." },
		{ m_old, "wrong-channel", "online-report for 1999" },
		{ m_paper_new, "wrong-channel", "paper for 2019" },
		{ m_future, "bad-certificate-number bad-date",
		  "graduation in the future (and not the year in the number)" },
		{ m_entry, "bad-date", "entry not before graduation" },
		{ m_received, "bad-date", "received after now" },
		{ m_received_tz, "bad-date", "received without offset is in --tz" },
		{ m_nocred, "missing-material", "online-report without credential" },
		{ m_agent, "missing-material", "agent without power of attorney" },
		{ m_extension, "missing-material", "extension without validity" },
		{ m_extension_ok, "", "extension" },
		{ m_check, "", "report-check" },
		{ m_check_none, "missing-material", "report-check without report" },
		{ m_recon, "reconsideration-not-allowed", "reconsider an extension" },
		{ m_recon_ok, "", "reconsider an online-report" },
		{ m_many, "bad-certificate-number bad-contact bad-id-number "
		  "missing-material", "several faults, all listed" },
	};
	struct dossier *d = malloc(sizeof *d);
	static struct result r;
	char got[512];
	time_t now;

	/* now: 2026-11-28 02:00 at +08:00 */
	time_parse_iso("2026-11-28T02:00:00+08:00", 480, &now);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		good_dossier(d);
		cases[i].mutate(d);
		result_init(&r, d->id);
		rules_check_dossier(d, now, 480, &r);
		CHECK_STR(codes(&r, got, sizeof got), cases[i].want, "rules: %s",
		    cases[i].what);
	}
	/* no personal data in any reason text */
	good_dossier(d);
	m_many(d);
	result_init(&r, d->id);
	rules_check_dossier(d, now, 480, &r);
	int leak = 0;
	for (int i = 0; i < r.nreasons; i++)
		leak |= strstr(r.reasons[i].text, "1101081997") != NULL ||
		    strstr(r.reasons[i].text, "12800138000") != NULL;
	CHECK(!leak, "reason texts carry no id-number or phone");
	free(d);
}

int
main(void)
{
	test_id_numbers();
	test_id_gender_birth();
	test_certificates();
	test_contact();
	test_dossier_rules();
	return unit_done();
}
