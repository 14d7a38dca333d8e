/*
 * report.h - the documents credpipe issues (SPEC §6): the online
 * verification report, the paper certification report, the notice
 * (rejected / not verified) and the report-check verification result.
 *
 * Layouts draw onto a struct pdf_doc (pdf.h), A4, Chinese with English
 * subtitles. The *_draw functions add pages to an existing document (the
 * manifest stage puts a batch's paper reports into one reports.pdf);
 * report_write makes a single document and commits it.
 */
#ifndef CREDPIPE_REPORT_H
#define CREDPIPE_REPORT_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "pdf.h"

struct config;
struct dossier;
struct registry;
struct reg_credential;
struct reg_report;
struct signing_key;
struct result;

#define REPORT_MAX_ENTRIES 32
#define REPORT_MAX_REASONS 32

/* everything an online or paper report shows */
struct report_fields {
	char dossier_id[48];
	char holder_name[256];
	char holder_name_latin[256];    /* "" when none */
	char gender[16];                /* male | female */
	char birth_date[16];
	char id_masked[32];             /* 110105********002X */
	char institution[256];
	char institution_code[16];
	char major[256];
	char level[32];                 /* undergraduate, ... */
	char study_form[32];            /* "" when unknown */
	char entry_date[16];
	char graduation_date[16];
	char certificate_number[64];
	char code[20];                  /* 16 characters, ungrouped */
	char number[20];                /* paper: P2026000001 */
	char issued[16];                /* YYYY-MM-DD */
	char expires[16];               /* online; "" for paper */
	char first_issued[16];          /* extended: the first issue date */
	char previous_expires[16];      /* extended: the expiry it replaces;
	                                 * "" when the report is not extended */
	char accepting[256];            /* paper: accepting institution */
	char purpose[256];
	char verify_url[1024];          /* the base URL, for "how to verify" */
	char payload[2048];             /* the signed URL in the QR code */
};

/* one scanned report in a report-check verification result */
struct check_entry {
	char attachment[72];
	char status[16];                /* valid | expired | revoked | ... */
	char code[20];
	char certificate_number[64];
	char holder_name[256];
	char institution[256];
	char level[32];
	char graduation_date[16];
	char kind[16];                  /* online | paper */
	char issued[16];
	char expires[16];
};

struct check_fields {
	char dossier_id[48];
	char holder_name[256];          /* the applicant of the dossier */
	char decided[16];               /* YYYY-MM-DD */
	struct check_entry entries[REPORT_MAX_ENTRIES];
	int nentries;
};

struct notice_reason {
	char code[40];
	char field[48];
	char text[512];                 /* the result's sentence: not shown */
};

struct notice_fields {
	char dossier_id[48];
	char kind[32];                  /* dossier kind or "unknown" */
	char outcome[16];               /* rejected | not-verified */
	char holder_name[256];          /* "" when the dossier was unreadable */
	char decided[16];               /* YYYY-MM-DD */
	char received[48];
	struct notice_reason reasons[REPORT_MAX_REASONS];
	int nreasons;
};

/* report_mask_id - "110105********002X": first 6, 8 stars, last 4 */
char *report_mask_id(const char *id, char *buf, size_t size);
/* report_group_code - "7KQ2 M9X4 T1HC 8D5R" */
char *report_group_code(const char *code, char *buf, size_t size);
/* what a notice says of one reason code (SPEC §3), in both languages */
struct notice_text {
	const char *code;
	const char *title_zh, *title_en;
	const char *text_zh, *text_en;  /* what is wrong, what to do */
};

/* notice_text_find - the notice texts of reason CODE, or NULL */
const struct notice_text *notice_text_find(const char *code);
/* reason_title_zh / reason_title_en - the titles of reason CODE */
const char *reason_title_zh(const char *code);
const char *reason_title_en(const char *code);
/* report_level_zh / report_study_form_zh / report_gender_zh - labels */
const char *report_level_zh(const char *level);
const char *report_study_form_zh(const char *form);
const char *report_gender_zh(const char *gender);

/*
 * report_fields_fill - fields of dossier D's credential CRED and report
 * REP (either may come from the registry), the QR payload signed with KEY
 * for VERIFY_URL. 0, or -1 when the payload does not fit.
 */
int report_fields_fill(struct report_fields *f, const struct dossier *d,
    const struct reg_credential *cred, const struct reg_report *rep,
    const struct signing_key *key, const char *verify_url);
/*
 * report_paper_fields - everything for the paper report of dossier ID
 * (in DIR) from the dossier and the registry (its issued paper report):
 * what the manifest stage needs to draw it again. 0, or -1 with WHY.
 */
int report_paper_fields(struct registry *reg, const struct signing_key *key,
    const char *verify_url, const char *id, const char *dir,
    struct report_fields *f, char *why, size_t size);

/* report_online_draw - the online verification report (one A4 page) */
void report_online_draw(struct pdf_doc *doc, const struct report_fields *f);
/* report_paper_draw - the paper certification report (one A4 page) */
void report_paper_draw(struct pdf_doc *doc, const struct report_fields *f);
/* report_check_draw - the report-check verification result */
void report_check_draw(struct pdf_doc *doc, const struct check_fields *f);
/* report_notice_draw - the notice of a rejected / not verified dossier */
void report_notice_draw(struct pdf_doc *doc, const struct notice_fields *f);

enum report_doc { REPORT_ONLINE, REPORT_PAPER, REPORT_CHECK, REPORT_NOTICE };

/*
 * report_printable - lay the document out without rendering it: 1 when
 * every character can be shown, else 0 with the message in WHY (the
 * caller holds the dossier before it issues anything)
 */
int report_printable(const struct pdf_font *font, enum report_doc what,
    const void *fields, char *why, size_t size);
/*
 * report_render - as report_write, but the PDF bytes into a malloc'd *BUF
 * of *LEN bytes (the caller frees and commits them)
 */
enum pdf_status report_render(const struct pdf_font *font,
    enum report_doc what, const void *fields, time_t created,
    unsigned char **buf, size_t *len, char *why, size_t size);
/*
 * report_write - one document of kind WHAT (FIELDS points to the matching
 * struct) with FONT, committed to PATH with MODE; CREATED for the file's
 * dates (SOURCE_DATE_EPOCH wins). PDF_OK, PDF_HELD (a character cannot be
 * shown: the message in WHY) or PDF_ERROR (errno, message in WHY).
 */
enum pdf_status report_write(const struct pdf_font *font,
    enum report_doc what, const void *fields, const char *path, mode_t mode,
    time_t created, char *why, size_t size);

#endif
