/*
 * result.h - the decision of a dossier (schemas/result.xsd, SPEC §7).
 *
 * The same structure is each stage's result file in the spool
 * (outcome "pending" while the dossier goes on) and the published
 * out/results/<id>.xml. Stages load the previous stage's result, add
 * their part, and commit it as their own.
 */
#ifndef CREDPIPE_RESULT_H
#define CREDPIPE_RESULT_H

#include <stddef.h>
#include <time.h>
#include "config.h"

#define RESULT_MAX_REASONS 32
#define RESULT_MAX_QR 32
#define RESULT_MAX_SUPERSEDED 8

enum outcome { OUTCOME_PENDING = 0, OUTCOME_VERIFIED, OUTCOME_NOT_VERIFIED,
               OUTCOME_REJECTED };

struct result_reason {
	char code[40];          /* SPEC §3 reason code */
	char field[48];         /* record-mismatch: the field; else "" */
	char text[512];         /* a sentence for a person (no personal data) */
};

struct result_qr {
	char attachment[72];
	char status[16];        /* valid|unreadable|foreign|unknown|... */
	char code[20];          /* verification code, if a payload */
};

/* an earlier decision `credpipe requeue` set aside (schemas/result.xsd) */
struct result_superseded {
	int n;                  /* kept in <dossier>/superseded/<n>/ */
	char outcome[16];
	char decided[40];
	char reasons[256];      /* its reason codes, space-separated */
	char notice[128];       /* its notice, relative to OUT; "" none */
};

struct result {
	char id[48];
	char folder[1024];      /* original folder name, when id was made up */
	char kind[32];          /* dossier kind, or "unknown" */
	enum outcome outcome;
	char decided[40];       /* ISO 8601 time of the decision */
	struct result_reason reasons[RESULT_MAX_REASONS];
	int nreasons;
	struct result_qr qrs[RESULT_MAX_QR];
	int nqrs;
	/* report, when issued */
	char report_code[20];
	char report_number[20];
	char report_issued[12];
	char report_expires[12];
	char report_file[128];
	char report_first_issued[12];   /* extension: the report's first issue */
	char report_previous_expires[12]; /* extension: the expiry it moved */
	/* shipment, paper reports */
	char ship_courier[8];
	char ship_waybill[24];
	char ship_batch[40];
	/* reconsideration: the decision this dossier asks to replace */
	char reconsideration_of[48];
	char reconsideration_outcome[16];
	/* notice, rejected / not verified */
	char notice_file[128];
	/* held for an operator (SPEC §6): the message, else "" */
	char held[512];
	/* the decisions this one replaces, oldest first */
	struct result_superseded superseded[RESULT_MAX_SUPERSEDED];
	int nsuperseded;
};

/* outcome_name - "pending", "verified", "not-verified", "rejected" */
const char *outcome_name(enum outcome o);
/* result_init - empty result for ID */
void result_init(struct result *r, const char *id);
/* result_add_reason - append a reason (printf-style text); 0 or -1 full */
int result_add_reason(struct result *r, const char *code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* result_has_reason - CODE is among the reasons */
int result_has_reason(const struct result *r, const char *code);
/* result_save - commit R as XML to PATH */
int result_save(const struct result *r, const char *path);
/* result_load - read PATH written by result_save; 0, -1/errno */
int result_load(struct result *r, const char *path);
/* result_publish - commit R as OUT/results/<id>.xml */
int result_publish(const struct config *cfg, const struct result *r);
/*
 * result_note_superseded - the decisions kept in DIR/superseded/<n>/
 * (set aside by requeue; a hold set aside by release is not a decision)
 * into R's <superseded> list, so that the new decision names what it
 * replaces and where the old result and notice are kept. 0, or -1 when
 * one cannot be read.
 */
int result_note_superseded(struct result *r, const struct config *cfg,
    const char *dir);
/* result_published_path - OUT/results/<id>.xml */
char *result_published_path(const struct config *cfg, const char *id,
    char *buf, size_t size);

#endif
