/*
 * rules.h - the business rules of a dossier (SPEC §3), as pure functions.
 *
 * Nothing here touches a file: the validate stage adds the checks that
 * need the folder (links, attachments, digests, PNG headers). Each
 * rules_check_* function appends its findings to a struct result as
 * reasons with a sentence for a person that never contains the personal
 * data itself (it names the field, not the id-number or phone).
 */
#ifndef CREDPIPE_RULES_H
#define CREDPIPE_RULES_H

#include <stddef.h>
#include <time.h>

#include "dossier.h"
#include "result.h"

/* What is wrong with a resident ID number (GB 11643-1999). */
enum id_problem {
	ID_OK = 0,
	ID_LENGTH,          /* not 18 characters */
	ID_CHARACTERS,      /* not 17 digits + digit/X/x */
	ID_BIRTH_DATE,      /* the 8 birth-date digits are not a real date */
	ID_CHECK_CHARACTER, /* ISO 7064 MOD 11-2 check character wrong */
};

/* What is wrong with a 2002+ certificate number. */
enum cert_problem {
	CERT_OK = 0,
	CERT_MISSING,       /* a 2002+ credential without a number */
	CERT_FORMAT,        /* not 18 digits (17 only for 2002) */
	CERT_SCHOOL_TYPE,   /* 6th digit not 1, 5, 6 or 7 */
	CERT_LEVEL_CODE,    /* level code not 01 02 04 05 06 */
	CERT_INSTITUTION,   /* institution code differs from the dossier's */
	CERT_YEAR,          /* year differs from the graduation year */
	CERT_LEVEL,         /* level code does not fit the dossier's level */
	CERT_TOO_LONG,      /* pre-2002 free text over 40 characters */
};

/* rules_id_check_char - check character of the first 17 digits, or 0 */
char rules_id_check_char(const char *first17);
/* rules_id_problem - the first thing wrong with ID, or ID_OK */
enum id_problem rules_id_problem(const char *id);
/* rules_id_problem_text - a sentence fragment for a problem */
const char *rules_id_problem_text(enum id_problem p);
/* rules_id_birth_date - "YYYY-MM-DD" of a structurally valid ID */
char *rules_id_birth_date(const char *id, char *buf, size_t size);
/* rules_id_gender - "male" (odd sequence) or "female" (even) */
const char *rules_id_gender(const char *id);

/* rules_level_code_fits - certificate level code CODE2 suits LEVEL */
int rules_level_code_fits(const char *code2, const char *level);
/*
 * rules_certificate_problem - judge certificate number NUMBER (NULL or
 * "" when absent) of a credential of INSTITUTION_CODE, LEVEL, graduated
 * in GRADUATION_YEAR. Pre-2002: free text of at most 40 characters.
 */
enum cert_problem rules_certificate_problem(const char *number,
    const char *institution_code, int graduation_year, const char *level);
/* rules_certificate_problem_text - a sentence fragment for a problem */
const char *rules_certificate_problem_text(enum cert_problem p);

/* rules_phone_valid - mainland mobile 1[3-9][0-9]{9} */
int rules_phone_valid(const char *phone);
/* rules_postcode_valid - 6 digits */
int rules_postcode_valid(const char *postcode);
/* rules_institution_code_valid - 5 digits */
int rules_institution_code_valid(const char *code);
/* rules_utf8_length - number of characters of a UTF-8 string */
size_t rules_utf8_length(const char *s);

/*
 * rules_check_dossier - every rule of SPEC §3 that needs only the dossier
 * (id numbers, certificate number, dates, contact, required blocks and
 * attachment kinds, channel), judged at NOW in time zone TZ (minutes east
 * of UTC); findings appended to R. Returns the number of reasons added.
 */
int rules_check_dossier(const struct dossier *d, time_t now, int tz,
    struct result *r);

#endif
