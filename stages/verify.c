/*
 * NAME
 *	verify - is this report genuine and still valid? (offline)
 *
 * SYNOPSIS
 *	verify [--home H] [--key FILE]... [--status FILE] [--max-age HOURS]
 *	    [--registry] FILE...
 *
 * DESCRIPTION
 *	For a relying party holding a report (an employer, a university
 *	abroad) or a member of staff. Each FILE is a report as issued (its
 *	PDF), a scan of one (PNG or JPEG), its QR code found as decode(1)
 *	finds it, the format told by the content, or a text file holding
 *	the payload of the QR code (the URL), and an operand that is not a
 *	file but starts with --verify-url and "?" is taken as the payload
 *	itself. verify checks the payload's signature against the trusted
 *	keys, then the report's status: in the signed status list
 *	(--status FILE, default OUT/publish/status.xml of --home), or in the
 *	registry (--registry: HOME/records.db or --records). It prints one
 *	verdict a report, for a person:
 *
 *	    valid until DATE            genuine and within its validity
 *	    valid until DATE (extended) an extension moved its expiry
 *	    valid, no expiry            a paper certification report
 *	    revoked on DATE for: REASON revoked by the office
 *	    expired on DATE             past its validity
 *	    not ours                    no credpipe report QR code found
 *	    forged                      the signature does not hold
 *
 *	followed by what the QR code signs (code, holder, certificate
 *	number) to compare with the paper.
 *
 *	Trusted keys: each --key FILE (64 hex digits, as HOME/keys/trusted/
 *	<id>.pub), and with --home every HOME/keys/trusted/<id>.pub. A status list
 *	must be signed by one of them; the keys it lists are then trusted
 *	too (key rotation). Without any HOME, --key and --status are enough.
 *
 *	A status list is refused, and nothing is judged, when it is older
 *	than --max-age hours (default 48: runs are nightly), published in
 *	the future, malformed, signed by a key not trusted, or altered
 *	(its signature does not match its content); the reason is printed.
 *
 * FILES
 *	HOME/keys/trusted/<id>.pub, OUT/publish/status.xml, HOME/records.db
 *
 * EXIT STATUS
 *	0 every report is valid; 1 some report is genuine but revoked,
 *	expired or (with --registry) unknown; 2 some report is forged; 3
 *	some file holds no report of ours; the highest of these when files
 *	differ. 65 some file cannot be read, whatever the others say; 64 usage;
 *	78 no trusted key, or the status list is missing, stale or refused;
 *	75 the registry is busy; 70 internal error.
 *
 * SEE ALSO
 *	records(1), decode(1), credpipe(1)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "program.h"
#include "config.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "payload.h"
#include "qrscan.h"
#include "registry.h"
#include "report.h"
#include "status.h"
#include "timeutil.h"
#include "xmlsafe.h"

enum { OPT_KEY = 300, OPT_STATUS, OPT_MAX_AGE, OPT_REGISTRY };

#define PAYLOAD_TEXT_MAX 4096
#define FUTURE_SLACK 300        /* seconds a clock may be ahead */

/* the verdicts, in the order of their exit statuses */
enum verdict {
	VERDICT_VALID = 0,
	VERDICT_NOT_VALID = 1,  /* genuine: revoked, expired, unknown */
	VERDICT_FORGED = 2,
	VERDICT_NOT_OURS = 3,
};

struct options {
	const char *keys[TRUSTED_MAX];
	int nkeys;
	const char *status;
	long max_age_hours;
	int registry;
	int bad;
};

struct verifier {
	const struct config *cfg;
	struct trusted_keys trusted;
	struct status_list list;
	int have_list;
	struct registry *reg;
	struct qrscan *qs;
	long today;
};

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: verify [--home H] [--key FILE]... [--status FILE] "
	    "[--max-age HOURS]\n"
	    "              [--registry] FILE...\n"
	    "Is this report genuine and still valid? FILE: a report's PDF, "
	    "a PNG or JPEG\nscan of one, or its QR payload as text. Exit 0 "
	    "valid, 1 revoked or expired,\n2 forged, 3 not ours. See "
	    "verify(1).\n\n"
	    "  --key FILE          trust this public key (64 hex digits)\n"
	    "  --status FILE       the signed status list (default "
	    "OUT/publish/status.xml)\n"
	    "  --max-age HOURS     refuse an older status list (48)\n"
	    "  --registry          check the registry instead of a status "
	    "list\n\n%s", config_common_help());
}

/* on_option - verify's own options */
static int
on_option(int opt, const char *arg, void *ctx)
{
	struct options *o = ctx;
	char *end;

	switch (opt) {
	case OPT_KEY:
		if (o->nkeys == TRUSTED_MAX)
			return -1;
		o->keys[o->nkeys++] = arg;
		return 0;
	case OPT_STATUS:
		o->status = arg;
		return 0;
	case OPT_MAX_AGE:
		errno = 0;
		o->max_age_hours = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' ||
		    o->max_age_hours < 1 || o->max_age_hours > 24 * 3660)
			return -1;
		return 0;
	case OPT_REGISTRY:
		o->registry = 1;
		return 0;
	}
	return -1;
}

/* trust_listed_keys - the keys a verified status list vouches for */
static void
trust_listed_keys(struct verifier *v)
{
	for (int i = 0; i < v->list.nkeys; i++) {
		int known = 0;

		for (int j = 0; j < v->trusted.n; j++)
			if (strcmp(v->trusted.key_id[j],
			    v->list.keys[i].key_id) == 0)
				known = 1;
		if (known || v->trusted.n == TRUSTED_MAX)
			continue;
		memcpy(v->trusted.public_key[v->trusted.n],
		    v->list.keys[i].public_key, 32);
		/* both KEY_ID_LEN + 1 bytes, NUL-terminated by status_load */
		memcpy(v->trusted.key_id[v->trusted.n],
		    v->list.keys[i].key_id, sizeof v->trusted.key_id[0]);
		v->trusted.n++;
	}
}

/*
 * load_status - the status list to judge by, checked and fresh; 0, or
 * the exit status after saying why it is refused
 */
static int
load_status(struct verifier *v, const char *path, long max_age_hours)
{
	char why[512];
	int rc;

	rc = status_load(path, &v->trusted, &v->list, why, sizeof why);
	if (rc == -1) {
		log_warn("status list %s", path);
		return EX_CONFIG;
	}
	if (rc == 1) {
		log_warnx("status list %s: refused: %s", path, why);
		return EX_CONFIG;
	}
	v->have_list = 1;
	if (v->list.published_at > v->cfg->now + FUTURE_SLACK) {
		log_warnx("status list %s: refused: published %s, in the "
		    "future (is the clock right?)", path, v->list.published);
		return EX_CONFIG;
	}
	if (v->cfg->now - v->list.published_at > max_age_hours * 3600) {
		log_warnx("status list %s: refused: stale: published %s, more "
		    "than %ld hours ago; get the latest one", path,
		    v->list.published, max_age_hours);
		return EX_CONFIG;
	}
	trust_listed_keys(v);
	return 0;
}

/* print_signed - what the QR code signs, to compare with the paper */
static void
print_signed(const struct payload *p)
{
	char code[32];

	report_group_code(p->code, code, sizeof code);
	printf("  code: %s\n  holder: %s\n", code, p->holder_name);
	if (p->certificate_number[0] != '\0')
		printf("  certificate number: %s\n", p->certificate_number);
}

/* expiry_days - "YYYYMMDD" as a day number; -1 if malformed */
static long
expiry_days(const char *e, char *iso, size_t size)
{
	long days;
	char buf[16];

	if (strlen(e) != 8)
		return -1;
	snprintf(buf, sizeof buf, "%.4s-%.2s-%.2s", e, e + 4, e + 6);
	if (date_parse_days(buf, &days) == -1)
		return -1;
	snprintf(iso, size, "%s", buf);
	return days;
}

/* judge_expiry - valid until DATE, or expired on DATE */
static enum verdict
judge_expiry(struct verifier *v, const char *expires, int extended)
{
	long days;

	if (expires[0] == '\0') {
		printf("valid, no expiry (paper certification report)\n");
		return VERDICT_VALID;
	}
	if (date_parse_days(expires, &days) == -1) {
		printf("not valid: its expiry %s cannot be read\n", expires);
		return VERDICT_NOT_VALID;
	}
	if (days < v->today) {
		printf("expired on %s%s\n", expires, extended ?
		    " (after an extension)" : "");
		return VERDICT_NOT_VALID;
	}
	printf("valid until %s%s\n", expires, extended ? " (extended)" : "");
	return VERDICT_VALID;
}

/* judge_by_list - a genuine payload P against the status list */
static enum verdict
judge_by_list(struct verifier *v, const struct payload *p)
{
	const struct status_revoked *r = status_find_revoked(&v->list,
	    p->code);
	const struct status_extended *x;
	char signed_expiry[16];

	if (r != NULL) {
		printf("revoked");
		if (r->on[0] != '\0')
			printf(" on %s", r->on);
		if (r->reason[0] != '\0')
			printf(" for: %s", r->reason);
		printf("\n");
		return VERDICT_NOT_VALID;
	}
	if ((x = status_find_extended(&v->list, p->code)) != NULL)
		return judge_expiry(v, x->expires, 1);
	if (strcmp(p->expiry, "0") == 0)
		return judge_expiry(v, "", 0);
	if (expiry_days(p->expiry, signed_expiry, sizeof signed_expiry) < 0) {
		printf("not valid: its expiry cannot be read\n");
		return VERDICT_NOT_VALID;
	}
	return judge_expiry(v, signed_expiry, 0);
}

/* judge_by_registry - a genuine payload P against the registry */
static enum verdict
judge_by_registry(struct verifier *v, const struct payload *p, int *failed)
{
	struct reg_report_row r;
	char signed_expiry[16] = "";
	int rc = registry_find_report_row(v->reg, p->code, &r);

	if (rc < 0) {
		*failed = registry_status(v->reg);
		printf("not checked: the registry cannot be read\n");
		return VERDICT_NOT_VALID;
	}
	if (rc == 0) {
		printf("not valid: signed by this office, but not in the "
		    "registry\n");
		return VERDICT_NOT_VALID;
	}
	if (strcmp(r.report.status, "revoked") == 0) {
		printf("revoked");
		if (r.revoked_on[0] != '\0')
			printf(" on %s", r.revoked_on);
		if (r.revoked_reason[0] != '\0')
			printf(" for: %s", r.revoked_reason);
		printf("\n");
		return VERDICT_NOT_VALID;
	}
	if (strcmp(p->expiry, "0") != 0)
		expiry_days(p->expiry, signed_expiry, sizeof signed_expiry);
	return judge_expiry(v, r.report.expires,
	    strcmp(signed_expiry, r.report.expires) != 0 &&
	    r.report.expires[0] != '\0');
}

/* judge_payload - one payload TEXT: signature, then status */
static enum verdict
judge_payload(struct verifier *v, const unsigned char *text, size_t len,
    int *failed)
{
	struct payload p;
	enum payload_status ps;
	enum verdict vd;
	int known = 0;

	ps = payload_check(&v->trusted, v->cfg->verify_url, text, len, &p);
	if (ps == PAYLOAD_FOREIGN) {
		printf("not ours: the QR code is not a report of this office "
		    "(it does not start with %s?)\n", v->cfg->verify_url);
		return VERDICT_NOT_OURS;
	}
	if (ps == PAYLOAD_BAD_SIGNATURE) {
		for (int i = 0; i < v->trusted.n; i++)
			if (strcmp(v->trusted.key_id[i], p.key_id) == 0)
				known = 1;
		if (p.key_id[0] != '\0' && !known && p.code[0] != '\0')
			printf("forged: signed with key %s, which is not one "
			    "of this office's keys\n", p.key_id);
		else
			printf("forged: the signature does not match what the "
			    "QR code says (altered, or not signed by this "
			    "office)\n");
		return VERDICT_FORGED;
	}
	vd = v->reg != NULL ? judge_by_registry(v, &p, failed) :
	    judge_by_list(v, &p);
	print_signed(&p);
	return vd;
}

/* judge_image - the report QR code of a scan at PATH */
static enum verdict
judge_image(struct verifier *v, const char *path, int *failed)
{
	struct scan_attachment sa;
	struct qrscan_options opt;
	char prefix[1100];
	enum verdict vd = VERDICT_NOT_OURS;
	int i, found = -1;

	snprintf(prefix, sizeof prefix, "%s?", v->cfg->verify_url);
	memset(&opt, 0, sizeof opt);
	opt.stop_prefix = prefix;
	memset(&sa, 0, sizeof sa);
	if (qrscan_file(v->qs, path, &opt, &sa) == -1) {
		printf("not read: %s\n", sa.message[0] ? sa.message :
		    "not a readable image");
		*failed = EX_DATAERR;
		vd = VERDICT_VALID;     /* the failure is in *FAILED */
		goto out;
	}
	for (i = 0; i < sa.ncodes && found < 0; i++)
		if (sa.codes[i].len > strlen(prefix) &&
		    memcmp(sa.codes[i].data, prefix, strlen(prefix)) == 0)
			found = i;
	if (sa.ncodes == 0) {
		printf("not ours: no QR code could be read (scan the whole "
		    "page at 150 dpi or more)\n");
	} else if (found < 0) {
		vd = judge_payload(v, sa.codes[0].data, sa.codes[0].len,
		    failed);
	} else {
		vd = judge_payload(v, sa.codes[found].data,
		    sa.codes[found].len, failed);
	}
out:
	for (i = 0; i < sa.ncodes; i++)
		free(sa.codes[i].data);
	return vd;
}

/* looks_like_payload - an operand that is the payload itself */
static int
looks_like_payload(const struct config *cfg, const char *arg)
{
	size_t n = strlen(cfg->verify_url);

	return strncmp(arg, cfg->verify_url, n) == 0 && arg[n] == '?';
}

/* file_magic - the first bytes of PATH into MAGIC; how many, or -1 */
static ssize_t
file_magic(const char *path, unsigned char *magic, size_t size)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, magic, size);
	close(fd);
	return n;
}

/* judge_file - one operand; its verdict (a read failure in *FAILED) */
static enum verdict
judge_file(struct verifier *v, const char *arg, int *failed)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G' };
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff };
	enum verdict vd = VERDICT_VALID;
	unsigned char magic[8];
	struct stat st;
	ssize_t n;
	char *buf;
	size_t len;

	if (stat(arg, &st) == -1 && looks_like_payload(v->cfg, arg)) {
		printf("QR payload: ");
		return judge_payload(v, (const unsigned char *)arg,
		    strlen(arg), failed);
	}
	printf("%s: ", arg);
	if ((n = file_magic(arg, magic, sizeof magic)) == -1) {
		printf("not read: %s\n", strerror(errno));
		*failed = EX_DATAERR;
		return vd;
	}
	/*
	 * The formats decode reads, told apart by their first bytes as the
	 * image module does: the issued PDF itself, a PNG or JPEG scan. They
	 * go through the same image module and its limits (pixels, bytes,
	 * PDF pages) as decode; a text file is the payload.
	 */
	if ((n >= 4 && memcmp(magic, png, 4) == 0) ||
	    (n >= 3 && memcmp(magic, jpeg, 3) == 0) ||
	    (n >= 5 && memcmp(magic, "%PDF-", 5) == 0))
		return judge_image(v, arg, failed);
	if (fs_read_file(arg, PAYLOAD_TEXT_MAX, &buf, &len) == -1) {
		printf("not read: %s\n", errno == EFBIG ? "neither a PDF, "
		    "PNG or JPEG report nor the text of a QR payload" :
		    strerror(errno));
		*failed = EX_DATAERR;
		return vd;
	}
	/* payload text: one line, its line end not part of it */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' '))
		len--;
	vd = judge_payload(v, (unsigned char *)buf, len, failed);
	free(buf);
	return vd;
}

/* setup - keys, then the status list or the registry; 0 or exit status */
static int
setup(struct verifier *v, const struct options *o, int home_given)
{
	char path[4096];
	int rc, status;

	for (int i = 0; i < o->nkeys; i++)
		if (keys_add_public(o->keys[i], &v->trusted) == -1) {
			log_warn("--key %s: not a public key (64 hex digits)",
			    o->keys[i]);
			return EX_CONFIG;
		}
	if (home_given && keys_load_trusted(v->cfg->home, &v->trusted) == -1)
		return EX_CONFIG;
	if (v->trusted.n == 0) {
		log_warnx("no trusted key: give --key FILE, or --home H with "
		    "keys/trusted/");
		return EX_CONFIG;
	}
	v->today = time_day(v->cfg->now, v->cfg->tz);
	if (o->registry) {
		v->reg = registry_open(v->cfg->records, &status);
		if (v->reg == NULL) {
			log_warnx("%s: cannot open the registry",
			    v->cfg->records);
			return status;
		}
		return 0;
	}
	if (o->status != NULL) {
		snprintf(path, sizeof path, "%s", o->status);
	} else if (home_given) {
		fs_path(path, sizeof path, "%s/publish/status.xml",
		    v->cfg->out);
	} else {
		log_warnx("no status list: give --status FILE (or --home H, "
		    "or --registry)");
		return EX_CONFIG;
	}
	rc = load_status(v, path, o->max_age_hours);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option extra[] = {
		{ "key", required_argument, NULL, OPT_KEY },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "registry", no_argument, NULL, OPT_REGISTRY },
		{ NULL, 0, NULL, 0 },
	};
	struct options o;
	struct verifier v;
	struct config cfg;
	int status, argi, rc, worst = 0, failed = 0, home_given;

	memset(&o, 0, sizeof o);
	o.max_age_hours = 48;
	/* a relying party abroad has no HOME: --key and --status suffice;
	 * a HOME that is named must be one (setup) */
	program_home_optional();
	argi = program_start(&cfg, argc, argv, extra, on_option, &o, usage,
	    PROGRAM_ANY_OPERANDS, &status);
	if (argi == -1)
		return status;
	if (argi == argc) {
		usage(stderr);
		config_free(&cfg);
		return EX_USAGE;
	}
	if (sodium_init() < 0)
		fatalx(EX_SOFTWARE, "libsodium cannot be initialised");
	memset(&v, 0, sizeof v);
	v.cfg = &cfg;
	xml_init();
	home_given = config_get(&cfg, "HOME") != NULL;
	rc = home_given ? home_require(&cfg) : 0;
	if (rc == 0)
		rc = setup(&v, &o, home_given);
	if (rc == 0 && (v.qs = qrscan_new()) == NULL)
		rc = EX_OSERR;
	for (int i = argi; rc == 0 && i < argc; i++) {
		enum verdict vd = judge_file(&v, argv[i], &failed);

		if ((int)vd > worst)
			worst = (int)vd;
	}
	if (v.qs != NULL)
		qrscan_free(v.qs);
	if (v.reg != NULL)
		registry_close(v.reg);
	if (v.have_list)
		status_free(&v.list);
	xml_cleanup();
	config_free(&cfg);
	if (rc != 0)
		return rc;
	/* a file not read at all needs a person before any verdict */
	return failed != 0 ? failed : worst;
}
