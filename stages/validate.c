/*
 * NAME
 *	validate - judge each claimed dossier against the schema and the rules
 *
 * SYNOPSIS
 *	validate [--home DIR] [--out DIR] [--now TIME] [--tz OFFSET]
 *	         [--verbose] [--config FILE] < ids
 *
 * DESCRIPTION
 *	validate is the second stage of credpipe (SPEC §3, §8). For each
 *	dossier id on stdin it finds the dossier (HOME/spool, done or
 *	quarantine) and, unless its validate.xml already exists, judges
 *	HOME/spool/<id>/files:
 *
 *	- the folder holds no symbolic link anywhere, dossier.xml is a
 *	  regular file of at most 1 MiB without DOCTYPE, entities or XInclude
 *	  (else unsafe-input), and well-formed (else malformed-xml), in UTF-8
 *	  or any encoding libxml2 converts (GB18030, GBK);
 *	- it follows schemas/dossier.xsd (else schema, with the line and
 *	  libxml2's message, values left out);
 *	- then every business rule, all of them, each fault its own reason:
 *	  bad-id-number, bad-certificate-number, bad-date, bad-contact,
 *	  missing-material, missing-attachment, bad-attachment,
 *	  unsafe-input (attachment names, links, non-regular files),
 *	  wrong-channel, reconsideration-not-allowed (a reconsideration-of on
 *	  an extension or report-check, or of itself).
 *
 *	A dossier claimed incomplete by ingest (--incomplete-after) is
 *	rejected with missing-attachment.
 *
 *	A valid dossier gets validate.xml with outcome "pending" and its
 *	kind. A rejected one gets validate.xml with outcome "rejected" and
 *	every reason, its published result out/results/<id>.xml, and is moved
 *	to HOME/quarantine/<id> with a REASON file listing the reasons.
 *	Either way its id is written to stdout: later stages pass it on, and
 *	typeset makes the notice of a rejected one.
 *
 *	validate.xml is the commit point. A rerun finds it and only passes
 *	the id on, after finishing what a crash may have left undone for a
 *	rejected dossier (publishing the result, the move to quarantine).
 *
 *	Reason texts name the field that is wrong, never its value: no
 *	id-number or phone is written to results, REASON files or stderr.
 *
 * FILES
 *	HOME/spool/<id>/files/dossier.xml   the dossier, and its attachments
 *	HOME/spool/<id>/claim               ingest's record (folder, incomplete)
 *	HOME/spool/<id>/validate.xml        this stage's result
 *	OUT/results/<id>.xml                published result of a rejection
 *	HOME/quarantine/<id>/REASON         why it was rejected
 *	SHARE/schemas/dossier.xsd           the schema (CREDPIPE_SHARE)
 *
 * EXIT STATUS
 *	0 every id was handled, whatever the outcome; 75 a transient failure
 *	(disk full, I/O error): the next run resumes; 64 usage; 78
 *	configuration (e.g. the schema cannot be loaded); 70 internal error.
 *
 * SEE ALSO
 *	credpipe(1), ingest(1), decode(1), SPEC.md §3
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "program.h"
#include "claim.h"
#include "config.h"
#include "dossier.h"
#include "fsutil.h"
#include "image.h"
#include "log.h"
#include "result.h"
#include "rules.h"
#include "sandbox.h"
#include "spool.h"
#include "timeutil.h"
#include "xmlsafe.h"

#define STAGE "validate"
#define MAX_DEPTH 8             /* subfolders searched for links */

/* what one process needs to judge dossiers */
struct validator {
	const struct config *cfg;
	xmlSchemaValidCtxtPtr vctxt;    /* compiled once, used by workers */
	struct sandbox_limits lim;      /* the parsing workers' limits */
};

/*
 * The document is judged in a limited worker (sandbox.c): parsing,
 * schema and rules, the parts that read what the submitter wrote. The
 * stage reads the bytes (a regular file, no link, at most 1 MiB), hands
 * them over, and gets back the reasons, the kind and the attachment list;
 * the checks of the folder and the attachment files stay in the stage,
 * which alone may open the spool. The answer's fields:
 */
enum { TAG_STATUS = 'S', TAG_KIND = 'K', TAG_CODE = 'C', TAG_FIELD = 'F',
       TAG_TEXT = 'T', TAG_ATT_KIND = 'a', TAG_ATT_FILE = 'f',
       TAG_ATT_SHA = 's', TAG_PROBE_WHY = 'w' };

/* what a worker is given: the bytes of dossier.xml */
struct judge_task {
	struct validator *v;
	const char *xml;
	size_t len;
};

/* how far the worker got */
enum doc_status { DOC_REJECTED = 0, DOC_JUDGED = 1, DOC_FAILED = 2 };

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: validate [options] < ids\n"
	    "Judge each dossier id on stdin against schemas/dossier.xsd and\n"
	    "the validation rules; write validate.xml, reject (result,\n"
	    "quarantine) what fails; every id goes on to stdout.\n"
	    "See credpipe-validate(1).\n\n%s", config_common_help());
}

/* shown_name - NAME if it is a tame file name, else a placeholder */
static const char *
shown_name(const char *name)
{
	return attachment_name_valid(name) ? name : "(a file with an unusual "
	    "name)";
}

/*
 * find_links - add unsafe-input for every symbolic link under DIR (and
 * non-regular, non-directory entries such as FIFOs). Nothing is opened
 * but directories, and those only through O_NOFOLLOW.
 */
static void
find_links(const char *dir, int depth, struct result *r)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		if (errno != ENOENT)
			result_add_reason(r, "unsafe-input", "files",
			    "A folder of the dossier cannot be read.");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		fs_path(path, sizeof path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == -1)
			continue;
		if (S_ISLNK(st.st_mode)) {
			result_add_reason(r, "unsafe-input", "files",
			    "%s is a symbolic link; links are not accepted.",
			    shown_name(de->d_name));
		} else if (S_ISDIR(st.st_mode)) {
			if (depth < MAX_DEPTH)
				find_links(path, depth + 1, r);
			else
				result_add_reason(r, "unsafe-input", "files",
				    "The folder is nested too deeply.");
		} else if (!S_ISREG(st.st_mode)) {
			result_add_reason(r, "unsafe-input", "files",
			    "%s is not a regular file.",
			    shown_name(de->d_name));
		}
	}
	closedir(d);
}

/* is_kept - a quoted piece of a libxml2 message that holds no value */
static int
is_kept(const char *s, size_t len)
{
	size_t i;

	if (len > 0 && s[0] == '{')
		return 1;       /* a qualified element name */
	/* a plain number of up to 4 digits: a length, a bound */
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (len > 0 && len <= 4 && i == len)
		return 1;
	/*
	 * a lower-case word: a name of the schema (attribute, facet, kind)
	 * or an enumeration value; id-numbers, phones, e-mail addresses and
	 * names of people never look like this
	 */
	if (len == 0 || len > 32 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' ||
		    s[i] == ':' || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'Z' && i > 0 && s[i - 1] != '-')))
			return 0;
	return 1;
}

/*
 * redact_schema_message - a schema message without the values it quotes:
 * libxml2 writes "The value '<value>' has a length ..." and "'<value>' is
 * not a valid value", and the value may be an id-number or a phone.
 * Names of the schema are kept (elements without their namespace);
 * every other quoted piece becomes '…'.
 */
static void
redact_schema_message(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = in; *p != '\0' && o + 8 < size; ) {
		const char *q, *close;

		if (strncmp(p, "{" DOSSIER_NS "}", strlen(DOSSIER_NS) + 2) == 0) {
			p += strlen(DOSSIER_NS) + 2;
			continue;
		}
		if (*p != '\'') {
			out[o++] = *p++;
			continue;
		}
		q = p + 1;
		close = strchr(q, '\'');
		if (close == NULL) {
			out[o++] = *p++;
			continue;
		}
		if (is_kept(q, (size_t)(close - q))) {
			if (*q == '{' && strchr(q, '}') != NULL &&
			    strchr(q, '}') < close)
				q = strchr(q, '}') + 1;
			out[o++] = '\'';
			while (q < close && o + 8 < size)
				out[o++] = *q++;
			out[o++] = '\'';
		} else {
			memcpy(out + o, "'…'", strlen("'…'"));
			o += strlen("'…'");
		}
		p = close + 1;
	}
	out[o] = '\0';
}

/* known_kind - one of the four dossier kinds */
static int
known_kind(const char *kind)
{
	return dossier_kind_of(kind) != DOSSIER_UNKNOWN;
}

/* ends_with_iend - the file ends in an IEND chunk (a complete PNG) */
static int
ends_with_iend(int fd, off_t size)
{
	static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N',
	                                        'D', 0xAE, 0x42, 0x60, 0x82 };
	unsigned char tail[12];

	if (size < 12)
		return 0;
	if (pread(fd, tail, sizeof tail, size - 12) != (ssize_t)sizeof tail)
		return 0;
	return memcmp(tail, iend, sizeof iend) == 0;
}

/* file_sha256 - hex SHA-256 of an open file; 0 or -1/errno */
static int
file_sha256(int fd, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], digest[crypto_hash_sha256_BYTES];
	ssize_t n;
	off_t off = 0;

	crypto_hash_sha256_init(&st);
	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		crypto_hash_sha256_update(&st, buf, (size_t)n);
		off += n;
	}
	if (n == -1)
		return -1;
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, 65, digest, sizeof digest);
	return 0;
}

/* same_hex - equal hex digests, case-insensitive */
static int
same_hex(const char *a, const char *b)
{
	return strlen(a) == strlen(b) && strcasecmp(a, b) == 0;
}

/*
 * probe_worker - the image header of the attachment open on FD, read in a
 * limited worker: a JPEG's markers and a PDF's pages are parsed (MuPDF for
 * PDF), and that is code a submitter's bytes reach. The answer is empty
 * when the image is usable, else the sentence saying why not.
 */
static enum sandbox_end
probe_worker(void *arg, int fd, struct sandbox_msg *out)
{
	char why[256];
	unsigned w, h;
	int copy;

	(void)arg;
	program_crash_point("validate-probe");
	if ((copy = dup(fd)) == -1)
		return SANDBOX_MEMORY;
	if (lseek(copy, 0, SEEK_SET) == -1 ||
	    image_probe_fd(copy, &w, &h, why, sizeof why) == -1)
		sandbox_put_str(out, TAG_PROBE_WHY, why);
	return SANDBOX_DONE;
}

/*
 * probe_limited - probe_worker for FD under LIM; 0 when the image is
 * usable, else -1 with the sentence in WHY (a limit or crash of the worker
 * is such a sentence too: the attachment is then not usable).
 */
static int
probe_limited(const struct sandbox_limits *lim, int fd, char *why,
    size_t size)
{
	struct sandbox_msg reply;
	enum sandbox_end e;
	char how[64];
	int rc = 0;

	why[0] = '\0';
	e = sandbox_run(lim, fd, probe_worker, NULL, &reply);
	if (e == SANDBOX_DONE && sandbox_peek(&reply) != 0) {
		if (sandbox_get_str(&reply, TAG_PROBE_WHY, why, size) == -1)
			e = SANDBOX_CRASHED;
		else
			rc = -1;
	}
	if (e != SANDBOX_DONE) {
		snprintf(why, size, "reading it %s",
		    sandbox_describe(lim, e, how, sizeof how));
		rc = -1;
	}
	sandbox_msg_free(&reply);
	lseek(fd, 0, SEEK_SET);
	return rc;
}

/*
 * check_attachment - one attachment: its name, that it exists and is a
 * regular file (links were reported by find_links), its size, its image
 * header and trailer (PNG or JPEG, or a PDF for a verification report,
 * told by content), its digest. Returns 1 when the file is missing.
 */
static int
check_attachment(const struct sandbox_limits *lim, const char *files,
    int index, const struct attachment *a, struct result *r)
{
	char path[4096], why[256], hex[65];
	struct stat st;
	int fd;

	if (!attachment_name_valid(a->file)) {
		result_add_reason(r, "unsafe-input", "attachments",
		    "The file name of attachment %d (%s) is not allowed: "
		    "letters, digits, '.', '_' and '-' only, at most 64, "
		    "not starting with '.', '_' or '-'.", index + 1, a->kind);
		return 0;
	}
	fs_path(path, sizeof path, "%s/%s", files, a->file);
	if (lstat(path, &st) == -1) {
		if (errno != ENOENT)
			fatal("%s", path);
		result_add_reason(r, "missing-attachment", "attachments",
		    "The %s attachment %s is not in the folder.", a->kind,
		    a->file);
		return 1;
	}
	if (S_ISLNK(st.st_mode))
		return 0;       /* reported as unsafe-input by find_links */
	if (!S_ISREG(st.st_mode)) {
		result_add_reason(r, "unsafe-input", "attachments",
		    "The %s attachment %s is not a regular file.", a->kind,
		    a->file);
		return 0;
	}
	if ((unsigned long long)st.st_size > IMAGE_MAX_BYTES) {
		result_add_reason(r, "bad-attachment", "attachments",
		    "The %s attachment %s is larger than %lu MiB.", a->kind,
		    a->file, IMAGE_MAX_BYTES / (1024 * 1024));
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		fatal("%s", path);
	if (probe_limited(lim, fd, why, sizeof why) == -1) {
		result_add_reason(r, "bad-attachment", "attachments",
		    "The %s attachment %s is not a usable image: %s.",
		    a->kind, a->file, why);
		close(fd);
		return 0;
	}
	if (image_format_fd(fd) == IMAGE_PDF &&
	    strcmp(a->kind, "verification-report") != 0)
		result_add_reason(r, "bad-attachment", "attachments",
		    "The %s attachment %s is a PDF: only a verification "
		    "report may be a PDF; other attachments are PNG or JPEG "
		    "images.", a->kind, a->file);
	if (image_format_fd(fd) == IMAGE_PNG &&
	    !ends_with_iend(fd, st.st_size))
		result_add_reason(r, "bad-attachment", "attachments",
		    "The %s attachment %s is a truncated PNG image (it does "
		    "not end with IEND).", a->kind, a->file);
	if (a->sha256[0] != '\0') {
		if (file_sha256(fd, hex) == -1)
			fatal("%s", path);
		if (!same_hex(hex, a->sha256))
			result_add_reason(r, "bad-attachment", "attachments",
			    "The %s attachment %s does not have the SHA-256 "
			    "digest the dossier gives.", a->kind, a->file);
	}
	close(fd);
	return 0;
}

/*
 * judge_document - schema and rules of a parsed dossier into R, the
 * dossier into D; 1 when the attachments are to be checked next.
 */
static int
judge_document(struct validator *v, xmlDocPtr doc, struct dossier *d,
    struct result *r)
{
	struct xml_error err;
	char message[512];

	if (dossier_from_doc(doc, d) == 0 && known_kind(d->kind))
		snprintf(r->kind, sizeof r->kind, "%s", d->kind);
	if (xml_validate(v->vctxt, doc, &err) != XML_OK) {
		redact_schema_message(err.message, message, sizeof message);
		if (err.line > 0)
			result_add_reason(r, "schema", NULL, "dossier.xml does "
			    "not follow the dossier schema: line %d: %s",
			    err.line, message);
		else
			result_add_reason(r, "schema", NULL, "dossier.xml does "
			    "not follow the dossier schema: %s", message);
		return 0;
	}
	rules_check_dossier(d, v->cfg->now, v->cfg->tz, r);
	return 1;
}

/*
 * judge_xml - parse the bytes of dossier.xml and judge the document: the
 * reasons into R, the dossier into D; a doc_status.
 */
static enum doc_status
judge_xml(struct validator *v, const char *xml, size_t len,
    struct dossier *d, struct result *r)
{
	struct xml_error err;
	xmlDocPtr doc;
	int judged;

	switch (xml_parse_memory(xml, len, XML_MAX_BYTES, "dossier.xml", &doc,
	    &err)) {
	case XML_OK:
		judged = judge_document(v, doc, d, r);
		xmlFreeDoc(doc);
		return judged ? DOC_JUDGED : DOC_REJECTED;
	case XML_MALFORMED:
		if (err.line > 0)
			result_add_reason(r, "malformed-xml", NULL,
			    "dossier.xml is not well-formed XML: line %d: %s",
			    err.line, err.message);
		else
			result_add_reason(r, "malformed-xml", NULL,
			    "dossier.xml is not well-formed XML: %s",
			    err.message);
		return DOC_REJECTED;
	case XML_UNSAFE:
		result_add_reason(r, "unsafe-input", "dossier.xml",
		    "dossier.xml is refused: %s.", err.message);
		return DOC_REJECTED;
	case XML_INVALID:
	case XML_IO:
		break;
	}
	return DOC_FAILED;
}

/* judge_worker - in the worker: judge_xml, the findings into OUT */
static enum sandbox_end
judge_worker(void *arg, int fd, struct sandbox_msg *out)
{
	struct judge_task *t = arg;
	struct dossier *d;
	enum doc_status st;
	static struct result r;

	program_crash_point("validate-worker");
	if ((d = calloc(1, sizeof *d)) == NULL)
		return SANDBOX_MEMORY;
	result_init(&r, "");
	st = judge_xml(t->v, t->xml, t->len, d, &r);
	sandbox_put_int(out, TAG_STATUS, st);
	sandbox_put_str(out, TAG_KIND, r.kind);
	for (int i = 0; i < r.nreasons; i++) {
		sandbox_put_str(out, TAG_CODE, r.reasons[i].code);
		sandbox_put_str(out, TAG_FIELD, r.reasons[i].field);
		sandbox_put_str(out, TAG_TEXT, r.reasons[i].text);
	}
	for (int i = 0; st == DOC_JUDGED && i < d->nattachments; i++) {
		sandbox_put_str(out, TAG_ATT_KIND, d->attachments[i].kind);
		sandbox_put_str(out, TAG_ATT_FILE, d->attachments[i].file);
		sandbox_put_str(out, TAG_ATT_SHA, d->attachments[i].sha256);
	}
	free(d);
	return SANDBOX_DONE;
}

/*
 * read_findings - a worker's answer M: its reasons appended to R, its
 * kind into R (unless R has one: "unknown" is the default), the
 * attachments into D; the doc_status, or -1 for a malformed answer.
 */
static int
read_findings(struct sandbox_msg *m, struct dossier *d, struct result *r)
{
	char kind[sizeof r->kind];
	long long st;
	int tag;

	if (sandbox_get_int(m, TAG_STATUS, DOC_REJECTED, DOC_FAILED, &st) ==
	    -1 || sandbox_get_str(m, TAG_KIND, kind, sizeof kind) == -1)
		return -1;
	if (strcmp(kind, "unknown") != 0 && known_kind(kind))
		snprintf(r->kind, sizeof r->kind, "%s", kind);
	d->nattachments = 0;
	while ((tag = sandbox_peek(m)) != 0) {
		struct result_reason rr;
		struct attachment *a;

		if (tag == TAG_CODE) {
			if (sandbox_get_str(m, TAG_CODE, rr.code,
			    sizeof rr.code) == -1 || sandbox_get_str(m,
			    TAG_FIELD, rr.field, sizeof rr.field) == -1 ||
			    sandbox_get_str(m, TAG_TEXT, rr.text,
			    sizeof rr.text) == -1)
				return -1;
			result_add_reason(r, rr.code, rr.field[0] ? rr.field :
			    NULL, "%s", rr.text);
			continue;
		}
		if (d->nattachments == DOSSIER_MAX_ATTACHMENTS)
			return -1;
		a = &d->attachments[d->nattachments++];
		if (sandbox_get_str(m, TAG_ATT_KIND, a->kind, sizeof a->kind) ==
		    -1 || sandbox_get_str(m, TAG_ATT_FILE, a->file,
		    sizeof a->file) == -1 || sandbox_get_str(m, TAG_ATT_SHA,
		    a->sha256, sizeof a->sha256) == -1)
			return -1;
	}
	return (int)st;
}

/*
 * judge_limited - judge the bytes of dossier.xml in a limited worker and
 * then the attachments named by it; reasons into R. A worker that ends at
 * a limit or crashes makes the dossier unsafe-input, with the limit named.
 */
static void
judge_limited(struct validator *v, const char *xml, size_t len,
    const char *files, const struct claim *claim, struct result *r)
{
	struct judge_task task = { v, xml, len };
	struct sandbox_msg reply;
	struct dossier *d;
	enum sandbox_end e;
	char how[64];
	int st = -1, missing = 0;

	if ((d = calloc(1, sizeof *d)) == NULL)
		fatal("validate");
	e = sandbox_run(&v->lim, -1, judge_worker, &task, &reply);
	if (e == SANDBOX_DONE && (st = read_findings(&reply, d, r)) == -1)
		e = SANDBOX_CRASHED;
	sandbox_msg_free(&reply);
	if (e != SANDBOX_DONE) {
		result_add_reason(r, "unsafe-input", "dossier.xml",
		    "dossier.xml is refused: reading it %s.",
		    sandbox_describe(&v->lim, e, how, sizeof how));
	} else if (st == DOC_FAILED) {
		fatalx(EX_SOFTWARE, "%s: dossier.xml could not be parsed",
		    r->id);
	} else if (st == DOC_JUDGED) {
		for (int i = 0; i < d->nattachments; i++)
			if (!claim_refused(claim, d->attachments[i].file))
				missing += check_attachment(&v->lim, files, i,
				    &d->attachments[i], r);
		if (claim->incomplete && missing == 0)
			result_add_reason(r, "missing-attachment",
			    "attachments", "The folder was still incomplete "
			    "when it was claimed.");
	}
	free(d);
}

/* judge - every check of one dossier in DIR; reasons into R */
static void
judge(struct validator *v, const char *dir, const struct claim *claim,
    struct result *r)
{
	char files[4096], path[4096], *xml;
	struct stat st;
	size_t len;

	spool_files_path(dir, NULL, files, sizeof files);
	spool_files_path(dir, "dossier.xml", path, sizeof path);
	find_links(files, 0, r);
	/* what ingest refused to copy (claim.h), each with its sentence */
	for (int i = 0; i < claim->nrefused; i++)
		result_add_reason(r, claim->refused[i].code, "files", "%s",
		    claim->refused[i].text);
	if (lstat(path, &st) == -1) {
		if (errno != ENOENT)
			fatal("%s", path);
		if (!claim_refused(claim, "dossier.xml"))
			result_add_reason(r, "missing-attachment",
			    "dossier.xml", "The folder has no dossier.xml.");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		if (!S_ISLNK(st.st_mode))
			result_add_reason(r, "unsafe-input", "dossier.xml",
			    "dossier.xml is not a regular file.");
		return;
	}
	/* the refusals of xml_parse_file, in its words */
	if (fs_read_file(path, XML_MAX_BYTES, &xml, &len) == -1) {
		if (errno == ELOOP)
			result_add_reason(r, "unsafe-input", "dossier.xml",
			    "dossier.xml is refused: is a symbolic link.");
		else if (errno == EINVAL)
			result_add_reason(r, "unsafe-input", "dossier.xml",
			    "dossier.xml is refused: is not a regular file.");
		else if (errno == EFBIG)
			result_add_reason(r, "unsafe-input", "dossier.xml",
			    "dossier.xml is refused: larger than %d bytes.",
			    XML_MAX_BYTES);
		else
			fatal("%s", path);
		return;
	}
	judge_limited(v, xml, len, files, claim, r);
	free(xml);
}

/* reason_text - the REASON file: one line per reason */
static char *
reason_text(const struct result *r, char *buf, size_t size)
{
	size_t o;

	o = (size_t)snprintf(buf, size, "rejected by validate:\n");
	for (int i = 0; i < r->nreasons && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s: %s\n",
		    r->reasons[i].code, r->reasons[i].text);
	return buf;
}

/*
 * finish_rejected - publish R and move the dossier to quarantine. Both
 * steps may be repeated: a rerun after a crash between them completes
 * what validate.xml (the commit point) already decided.
 */
static void
finish_rejected(struct validator *v, const struct result *r)
{
	char path[4096];
	static char reason[RESULT_MAX_REASONS * 600];

	result_published_path(v->cfg, r->id, path, sizeof path);
	if (!fs_exists(path) && result_publish(v->cfg, r) == -1)
		fatal("%s: %s: publishing the result", r->id, path);
	if (spool_finish(v->cfg, r->id, SPOOL_QUARANTINE,
	    reason_text(r, reason, sizeof reason)) == -1)
		fatal("%s: moving %s/spool/%s to %s/quarantine", r->id,
		    v->cfg->home, r->id, v->cfg->home);
}

/* validate_one - judge dossier ID (unless done before) and pass it on */
static void
validate_one(struct validator *v, const char *id)
{
	char dir[4096], path[4096];
	enum spool_place place;
	struct claim claim;
	static struct result r;

	place = spool_locate(v->cfg, id, dir, sizeof dir);
	if (place == SPOOL_NONE) {
		log_warnx("%s: not found in the spool", id);
		stage_emit(id);
		return;
	}
	spool_state_path(dir, STAGE, path, sizeof path);
	if (fs_exists(path)) {
		if (place == SPOOL_ACTIVE && result_load(&r, path) == 0 &&
		    r.outcome == OUTCOME_REJECTED)
			finish_rejected(v, &r);
		stage_emit(id);
		return;
	}
	if (place != SPOOL_ACTIVE) {
		log_info("%s: already finished, not validated", id);
		stage_emit(id);
		return;
	}

	result_init(&r, id);
	snprintf(r.kind, sizeof r.kind, "unknown");
	if (claim_load(dir, &claim) == -1) {
		if (errno != ENOENT)
			log_warn("%s: claim record", id);
		memset(&claim, 0, sizeof claim);
	}
	if (claim.folder[0] != '\0' && strcmp(claim.id_source, "dossier") != 0)
		snprintf(r.folder, sizeof r.folder, "%s", claim.folder);

	judge(v, dir, &claim, &r);

	time_format_iso(v->cfg->now, v->cfg->tz, r.decided, sizeof r.decided);
	r.outcome = r.nreasons > 0 ? OUTCOME_REJECTED : OUTCOME_PENDING;
	if (result_save(&r, path) == -1)
		fatal("%s: %s", id, path);
	if (r.outcome == OUTCOME_REJECTED) {
		log_info("%s: rejected (%d reasons)", id, r.nreasons);
		finish_rejected(v, &r);
	} else {
		log_info("%s: valid %s", id, r.kind);
	}
	stage_emit(id);
}

/* load_schema - compile dossier.xsd once, then lock the parser down */
static xmlSchemaPtr
load_schema(void)
{
	char path[4096];
	xmlSchemaPtr schema;

	xml_schema_path("dossier.xsd", path, sizeof path);
	if ((schema = xml_schema_load(path)) == NULL)
		fatalx(EX_CONFIG, "%s: cannot load the dossier schema", path);
	xml_lock_down();
	return schema;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct validator v;
	xmlSchemaPtr schema;
	char id[256];
	int status, argi;

	argi = program_start(&cfg, argc, argv, NULL, NULL, NULL, usage, 0,
	    &status);
	if (argi == -1)
		return status;
	if (sodium_init() < 0)
		fatalx(EX_SOFTWARE, "libsodium cannot be initialised");
	xml_init();
	schema = load_schema();
	if (spool_init(&cfg) == -1)
		fatal("%s", cfg.home);
	v.cfg = &cfg;
	if (sandbox_limits_init(&v.lim, &cfg) == -1)
		return EX_CONFIG;
	if ((v.vctxt = xmlSchemaNewValidCtxt(schema)) == NULL)
		fatalx(EX_SOFTWARE, "no schema validation context");

	while (stage_read_id(id, sizeof id)) {
		log_set_dossier(id_valid(id) ? id : NULL);
		validate_one(&v, id);
		log_set_dossier(NULL);
	}

	xmlSchemaFreeValidCtxt(v.vctxt);
	xmlSchemaFree(schema);
	config_free(&cfg);
	xml_cleanup();
	return 0;
}
