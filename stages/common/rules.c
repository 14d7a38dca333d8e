/*
 * rules.c - the business rules of a dossier (SPEC §3), file-free.
 *
 * The schema (schemas/dossier.xsd) has already checked structure and
 * enumerations; it keeps id-numbers, certificate numbers, phones,
 * postcodes and dates as bounded strings precisely so that these rules
 * can name the specific fault. Every fault found is appended as its own
 * reason: a person fixing a dossier wants the whole list at once.
 *
 * Reason texts name the field, never its value: id-numbers and phones
 * are personal data and results are read by people and programs that
 * must not see them.
 */
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "timeutil.h"

/* The first day of the online channel (SPEC §3): 2002-01-01. */
#define ONLINE_FIRST_YEAR 2002
/* Pre-2002 certificate numbers: free text of at most this many chars. */
#define CERT_FREE_TEXT_MAX 40
/*
 * struct dossier keeps a certificate number in 64 bytes; a copy cut at
 * that bound is at least 60 bytes long, so anything from 60 bytes on is
 * treated as too long rather than judged on a truncated value.
 */
#define CERT_MAX_BYTES 59

static const int id_weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9,
                                    10, 5, 8, 4, 2 };
static const char id_check_chars[11] = { '1', '0', 'X', '9', '8', '7', '6',
                                         '5', '4', '3', '2' };

/* is_digits - the first N characters of S are ASCII digits */
static int
is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* rules_id_check_char - check character of the first 17 digits, or 0 */
char
rules_id_check_char(const char *first17)
{
	int sum = 0;

	if (strlen(first17) < 17 || !is_digits(first17, 17))
		return 0;
	for (int i = 0; i < 17; i++)
		sum += (first17[i] - '0') * id_weights[i];
	return id_check_chars[sum % 11];
}

/* rules_id_birth_date - "YYYY-MM-DD" of a structurally valid ID */
char *
rules_id_birth_date(const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%.4s-%.2s-%.2s", id + 6, id + 10, id + 12);
	return buf;
}

/* rules_id_problem - the first thing wrong with ID, or ID_OK */
enum id_problem
rules_id_problem(const char *id)
{
	char date[16], last;
	int y, m, d;

	if (strlen(id) != 18)
		return ID_LENGTH;
	last = id[17];
	if (!is_digits(id, 17) || !((last >= '0' && last <= '9') ||
	    last == 'X' || last == 'x'))
		return ID_CHARACTERS;
	if (date_parse(rules_id_birth_date(id, date, sizeof date), &y, &m,
	    &d) == -1)
		return ID_BIRTH_DATE;
	if (last == 'x')
		last = 'X';
	if (rules_id_check_char(id) != last)
		return ID_CHECK_CHARACTER;
	return ID_OK;
}

/* rules_id_problem_text - a sentence fragment for a problem */
const char *
rules_id_problem_text(enum id_problem p)
{
	switch (p) {
	case ID_OK:
		return "is valid";
	case ID_LENGTH:
		return "is not 18 characters long";
	case ID_CHARACTERS:
		return "is not 17 digits followed by a digit or X";
	case ID_BIRTH_DATE:
		return "does not contain a real birth date";
	case ID_CHECK_CHARACTER:
		return "has a wrong check character";
	}
	return "is not valid";
}

/* rules_id_gender - "male" (odd sequence) or "female" (even) */
const char *
rules_id_gender(const char *id)
{
	return (id[16] - '0') % 2 == 1 ? "male" : "female";
}

/* rules_level_code_fits - certificate level code CODE2 suits LEVEL */
int
rules_level_code_fits(const char *code2, const char *level)
{
	static const struct { const char *code, *level; } table[] = {
		{ "01", "doctorate" },
		{ "02", "master" },
		{ "04", "undergraduate" },
		{ "05", "undergraduate" },
		{ "06", "junior-college" },
	};

	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (strncmp(code2, table[i].code, 2) == 0 &&
		    strcmp(level, table[i].level) == 0)
			return 1;
	return 0;
}

/* level_code_known - CODE2 is one of the level codes */
static int
level_code_known(const char *code2)
{
	static const char *codes[] = { "01", "02", "04", "05", "06" };

	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
		if (strncmp(code2, codes[i], 2) == 0)
			return 1;
	return 0;
}

/* rules_utf8_length - number of characters of a UTF-8 string */
size_t
rules_utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* rules_certificate_problem - judge a certificate number */
enum cert_problem
rules_certificate_problem(const char *number, const char *institution_code,
    int graduation_year, const char *level)
{
	size_t len = number ? strlen(number) : 0;
	int year;

	if (graduation_year < ONLINE_FIRST_YEAR) {
		if (len > CERT_MAX_BYTES ||
		    rules_utf8_length(number ? number : "") > CERT_FREE_TEXT_MAX)
			return CERT_TOO_LONG;
		return CERT_OK;
	}
	if (len == 0)
		return CERT_MISSING;
	/* 18 digits; 17 (a 5-digit sequence) only for 2002 */
	if (!is_digits(number, len) || !(len == 18 ||
	    (len == 17 && graduation_year == ONLINE_FIRST_YEAR)))
		return CERT_FORMAT;
	if (strchr("1567", number[5]) == NULL)
		return CERT_SCHOOL_TYPE;
	if (!level_code_known(number + 10))
		return CERT_LEVEL_CODE;
	if (strncmp(number, institution_code, 5) != 0 ||
	    strlen(institution_code) != 5)
		return CERT_INSTITUTION;
	year = (number[6] - '0') * 1000 + (number[7] - '0') * 100 +
	    (number[8] - '0') * 10 + (number[9] - '0');
	if (year != graduation_year)
		return CERT_YEAR;
	if (len == 17 && year != ONLINE_FIRST_YEAR)
		return CERT_FORMAT;
	if (!rules_level_code_fits(number + 10, level))
		return CERT_LEVEL;
	return CERT_OK;
}

/* rules_certificate_problem_text - a sentence fragment for a problem */
const char *
rules_certificate_problem_text(enum cert_problem p)
{
	switch (p) {
	case CERT_OK:
		return "is valid";
	case CERT_MISSING:
		return "is missing; credentials of 2002 and later have one";
	case CERT_FORMAT:
		return "is not 18 digits (17 are accepted only for 2002)";
	case CERT_SCHOOL_TYPE:
		return "has a school type digit other than 1, 5, 6 or 7";
	case CERT_LEVEL_CODE:
		return "has an unknown level code";
	case CERT_INSTITUTION:
		return "does not begin with the institution code";
	case CERT_YEAR:
		return "does not contain the graduation year";
	case CERT_LEVEL:
		return "has a level code that does not fit the level";
	case CERT_TOO_LONG:
		return "is longer than 40 characters";
	}
	return "is not valid";
}

/* rules_phone_valid - mainland mobile 1[3-9][0-9]{9} */
int
rules_phone_valid(const char *phone)
{
	return strlen(phone) == 11 && phone[0] == '1' && phone[1] >= '3' &&
	    phone[1] <= '9' && is_digits(phone, 11);
}

/* rules_postcode_valid - 6 digits */
int
rules_postcode_valid(const char *postcode)
{
	return strlen(postcode) == 6 && is_digits(postcode, 6);
}

/* rules_institution_code_valid - 5 digits */
int
rules_institution_code_valid(const char *code)
{
	return strlen(code) == 5 && is_digits(code, 5);
}

/* check_person_id - id-number of the applicant or agent (ROLE) */
static int
check_person_id(const struct person *p, const char *role, struct result *r)
{
	enum id_problem problem = rules_id_problem(p->id_number);
	char field[48], born[16];
	int y, m, d, n = 0;

	snprintf(field, sizeof field, "%s/id-number", role);
	if (problem != ID_OK) {
		result_add_reason(r, "bad-id-number", field,
		    "The %s's id-number %s.", role,
		    rules_id_problem_text(problem));
		return 1;
	}
	if (p->birth_date[0] != '\0' &&
	    date_parse(p->birth_date, &y, &m, &d) == 0 &&
	    strcmp(rules_id_birth_date(p->id_number, born, sizeof born),
	    p->birth_date) != 0) {
		result_add_reason(r, "bad-id-number", field,
		    "The birth date in the %s's id-number differs from "
		    "the birth-date given.", role);
		n++;
	}
	if ((strcmp(p->gender, "male") == 0 ||
	    strcmp(p->gender, "female") == 0) &&
	    strcmp(rules_id_gender(p->id_number), p->gender) != 0) {
		result_add_reason(r, "bad-id-number", field,
		    "The sequence number in the %s's id-number does not fit "
		    "the gender given (odd is male, even is female).", role);
		n++;
	}
	return n;
}

/*
 * check_past_date - S (FIELD) is a real date not after TODAY; its day
 * number into *DAYS (-1 when it is not a real date).
 */
static int
check_past_date(const char *s, const char *field, long today, long *days,
    struct result *r)
{
	*days = -1;
	if (date_parse_days(s, days) == -1) {
		*days = -1;
		result_add_reason(r, "bad-date", field,
		    "The date %s is not a real date in the form YYYY-MM-DD.",
		    field);
		return 1;
	}
	if (*days > today) {
		result_add_reason(r, "bad-date", field,
		    "The date %s lies in the future.", field);
		return 1;
	}
	return 0;
}

/* uses_credential - the kind reads the <credential> block */
static int
uses_credential(enum dossier_kind kind)
{
	return kind == DOSSIER_ONLINE_REPORT ||
	    kind == DOSSIER_PAPER_CERTIFICATION ||
	    kind == DOSSIER_REPORT_CHECK;
}

/* check_credential - certificate number, dates and channel */
static int
check_credential(const struct dossier *d, long today, struct result *r)
{
	long entry, graduation, first_online;
	enum cert_problem problem;
	int n = 0, y, m, day;

	n += check_past_date(d->credential.entry_date, "credential/entry-date",
	    today, &entry, r);
	n += check_past_date(d->credential.graduation_date,
	    "credential/graduation-date", today, &graduation, r);
	if (entry >= 0 && graduation >= 0 && entry >= graduation) {
		result_add_reason(r, "bad-date", "credential/entry-date",
		    "The entry date is not before the graduation date.");
		n++;
	}
	if (date_parse(d->credential.graduation_date, &y, &m, &day) == -1)
		return n;       /* year unknown: no number or channel rule */

	problem = rules_certificate_problem(
	    d->credential.has_certificate_number ?
	    d->credential.certificate_number : "",
	    d->credential.institution_code, y, d->credential.level);
	if (problem != CERT_OK) {
		result_add_reason(r, "bad-certificate-number",
		    "credential/certificate-number",
		    "The certificate number %s.",
		    rules_certificate_problem_text(problem));
		n++;
	}

	first_online = date_days(ONLINE_FIRST_YEAR, 1, 1);
	if (dossier_kind_of(d->kind) == DOSSIER_ONLINE_REPORT &&
	    graduation >= 0 &&
	    graduation < first_online) {
		result_add_reason(r, "wrong-channel",
		    "credential/graduation-date",
		    "Credentials graduated before 2002-01-01 are certified "
		    "on paper (paper-certification), not by an online report.");
		n++;
	}
	if (dossier_kind_of(d->kind) == DOSSIER_PAPER_CERTIFICATION &&
	    graduation >= 0 &&
	    graduation >= first_online) {
		result_add_reason(r, "wrong-channel",
		    "credential/graduation-date",
		    "Credentials graduated on or after 2002-01-01 are "
		    "certified by an online report, not on paper.");
		n++;
	}
	return n;
}

/* check_dates - birth dates and the received time */
static int
check_dates(const struct dossier *d, time_t now, int tz, long today,
    struct result *r)
{
	time_t received;
	long days;
	int n = 0;

	n += check_past_date(d->applicant.birth_date, "applicant/birth-date",
	    today, &days, r);
	if (d->has_agent && d->agent.birth_date[0] != '\0')
		n += check_past_date(d->agent.birth_date, "agent/birth-date",
		    today, &days, r);
	if (time_parse_iso(d->received, tz, &received) == -1) {
		result_add_reason(r, "bad-date", "received",
		    "The received time is not a real ISO 8601 time.");
		n++;
	} else if (received > now) {
		result_add_reason(r, "bad-date", "received",
		    "The received time lies in the future.");
		n++;
	}
	return n;
}

/* check_contact - phones and the delivery postcode */
static int
check_contact(const struct dossier *d, struct result *r)
{
	int n = 0;

	if (!rules_phone_valid(d->applicant.phone)) {
		result_add_reason(r, "bad-contact", "applicant/phone",
		    "The applicant's phone is not a mainland mobile number "
		    "(11 digits, 13x to 19x).");
		n++;
	}
	if (d->has_agent && !rules_phone_valid(d->agent.phone)) {
		result_add_reason(r, "bad-contact", "agent/phone",
		    "The agent's phone is not a mainland mobile number "
		    "(11 digits, 13x to 19x).");
		n++;
	}
	if (dossier_kind_of(d->kind) == DOSSIER_PAPER_CERTIFICATION &&
	    d->has_delivery) {
		if (!rules_phone_valid(d->delivery.phone)) {
			result_add_reason(r, "bad-contact", "delivery/phone",
			    "The delivery phone is not a mainland mobile "
			    "number (11 digits, 13x to 19x).");
			n++;
		}
		if (!rules_postcode_valid(d->delivery.postcode)) {
			result_add_reason(r, "bad-contact", "delivery/postcode",
			    "The delivery postcode is not 6 digits.");
			n++;
		}
	}
	return n;
}

/* count_attachments - attachments of KIND */
static int
count_attachments(const struct dossier *d, const char *kind)
{
	int n = 0;

	for (int i = 0; i < d->nattachments; i++)
		if (strcmp(d->attachments[i].kind, kind) == 0)
			n++;
	return n;
}

/* need_attachment - a missing-material reason unless KIND is attached */
static int
need_attachment(const struct dossier *d, const char *kind,
    struct result *r)
{
	if (count_attachments(d, kind) > 0)
		return 0;
	result_add_reason(r, "missing-material", "attachments",
	    "This %s dossier%s needs an attachment of kind %s.", d->kind,
	    strcmp(kind, "power-of-attorney") == 0 ||
	    strcmp(kind, "agent-id-card") == 0 ? " filed by an agent" : "",
	    kind);
	return 1;
}

/* need_block - a missing-material reason unless PRESENT */
static int
need_block(const struct dossier *d, int present, const char *block,
    struct result *r)
{
	if (present)
		return 0;
	result_add_reason(r, "missing-material", block,
	    "This %s dossier needs the block %s.", d->kind, block);
	return 1;
}

/* check_material - the blocks and attachments each kind needs */
static int
check_material(const struct dossier *d, struct result *r)
{
	int n = 0;

	switch (dossier_kind_of(d->kind)) {
	case DOSSIER_ONLINE_REPORT:
		/* <request> may be left out: validity-days defaults to 30 */
		n += need_block(d, d->has_credential, "credential", r);
		n += need_attachment(d, "id-card", r);
		break;
	case DOSSIER_PAPER_CERTIFICATION:
		n += need_block(d, d->has_credential, "credential", r);
		n += need_block(d, d->has_request && d->request.has_accepting,
		    "request/accepting-institution", r);
		n += need_block(d, d->has_delivery, "delivery", r);
		n += need_attachment(d, "id-card", r);
		n += need_attachment(d, "certificate", r);
		n += need_attachment(d, "photo", r);
		break;
	case DOSSIER_EXTENSION:
		n += need_block(d, d->has_request &&
		    d->request.report_code[0] != '\0', "request/report-code", r);
		n += need_block(d, d->has_request &&
		    d->request.validity_days[0] != '\0',
		    "request/validity-days", r);
		break;
	case DOSSIER_REPORT_CHECK:
		n += need_attachment(d, "verification-report", r);
		break;
	case DOSSIER_UNKNOWN:
		break;
	}
	if (d->has_agent) {
		n += need_attachment(d, "power-of-attorney", r);
		n += need_attachment(d, "agent-id-card", r);
	}
	return n;
}

/*
 * check_reconsideration - <reconsideration-of> is only for the two kinds
 * that make a decision about a credential (SPEC §3). On an extension or a
 * report-check it is refused rather than silently ignored: the applicant
 * believes a decision is being reconsidered, and it would not be.
 */
static int
check_reconsideration(const struct dossier *d, struct result *r)
{
	if (d->reconsideration_of[0] == '\0')
		return 0;
	if (dossier_kind_of(d->kind) != DOSSIER_ONLINE_REPORT &&
	    dossier_kind_of(d->kind) != DOSSIER_PAPER_CERTIFICATION) {
		result_add_reason(r, "reconsideration-not-allowed",
		    "reconsideration-of",
		    "Only online-report and paper-certification dossiers can "
		    "ask for a reconsideration; this one is of kind %s.",
		    d->kind);
		return 1;
	}
	if (strcmp(d->reconsideration_of, d->id) == 0) {
		result_add_reason(r, "reconsideration-not-allowed",
		    "reconsideration-of",
		    "A dossier cannot ask for its own reconsideration.");
		return 1;
	}
	return 0;
}

/* rules_check_dossier - every rule that needs only the dossier */
int
rules_check_dossier(const struct dossier *d, time_t now, int tz,
    struct result *r)
{
	long today = time_day(now, tz);
	int n = 0;

	n += check_person_id(&d->applicant, "applicant", r);
	if (d->has_agent)
		n += check_person_id(&d->agent, "agent", r);
	n += check_dates(d, now, tz, today, r);
	if (d->has_credential && uses_credential(dossier_kind_of(d->kind)))
		n += check_credential(d, today, r);
	n += check_contact(d, r);
	n += check_material(d, r);
	n += check_reconsideration(d, r);
	return n;
}
