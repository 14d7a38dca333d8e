/*
 * dossier.h - a dossier's content (SPEC §3), read from dossier.xml.
 *
 * dossier_load() only extracts; validation (schema + rules) is the
 * validate stage's job and later stages rely on it having passed. Every
 * field is a NUL-terminated UTF-8 string, "" when absent; has_* flags tell
 * an absent block from an empty one.
 */
#ifndef CREDPIPE_DOSSIER_H
#define CREDPIPE_DOSSIER_H

#include <stddef.h>
#include <libxml/tree.h>

#define DOSSIER_NS "urn:credpipe:dossier:1"

/* dossier_element - NODE is an element in the dossier namespace */
int dossier_element(xmlNodePtr node);
#define DOSSIER_MAX_ATTACHMENTS 32

struct person {
	char name[256];
	char name_latin[256];
	char id_number[32];
	char gender[16];
	char birth_date[16];
	char phone[32];
	char email[256];
};

struct attachment {
	char kind[32];
	char file[72];
	char sha256[72];        /* "" when not given */
};

struct dossier {
	char id[48];
	char received[48];
	char kind[32];
	char purpose[256];
	char reconsideration_of[48];
	struct person applicant;
	int has_agent;
	struct person agent;
	int has_credential;
	struct {
		char level[32];
		char institution_code[16];
		char institution[256];
		char major[256];
		char study_form[32];
		char entry_date[16];
		char graduation_date[16];
		char certificate_number[64];
		int has_certificate_number;
	} credential;
	int has_request;
	struct {
		char validity_days[16];     /* as written; "" if absent */
		char report_code[64];
		char accepting_code[16];
		char accepting_name[256];
		int has_accepting;
	} request;
	int has_delivery;
	struct {
		char courier[8];
		char recipient[256];
		char phone[32];
		char province[128];
		char city[128];
		char district[128];
		char address[1024];
		char postcode[16];
	} delivery;
	struct attachment attachments[DOSSIER_MAX_ATTACHMENTS];
	int nattachments;
};

/* the kinds of dossier (SPEC §3); DOSSIER_UNKNOWN when unreadable */
enum dossier_kind {
	DOSSIER_UNKNOWN = 0,
	DOSSIER_ONLINE_REPORT,
	DOSSIER_PAPER_CERTIFICATION,
	DOSSIER_EXTENSION,
	DOSSIER_REPORT_CHECK,
};

/* dossier_kind_of - the kind named NAME ("online-report", ...) */
enum dossier_kind dossier_kind_of(const char *name);
/* dossier_kind_name - "online-report", ..., "unknown" */
const char *dossier_kind_name(enum dossier_kind kind);
/* dossier_kind_zh / dossier_kind_en - what a notice calls the kind */
const char *dossier_kind_zh(enum dossier_kind kind);
const char *dossier_kind_en(enum dossier_kind kind);

/* dossier_from_doc - extract a parsed dossier.xml; 0, or -1 if not one */
int dossier_from_doc(xmlDocPtr doc, struct dossier *d);
/*
 * dossier_load - parse DIR/files/dossier.xml securely and extract it;
 * 0 or -1 (the validate stage has already vetted it).
 */
int dossier_load(const char *dossier_dir, struct dossier *d);

#endif
