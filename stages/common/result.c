/*
 * result.c - read and write a dossier's decision (schemas/result.xsd).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "fsutil.h"
#include "log.h"
#include "result.h"
#include "xmlsafe.h"

#define RESULT_NS "urn:credpipe:result:1"

static const char *outcome_names[] = { "pending", "verified",
                                       "not-verified", "rejected" };

/* outcome_name - "pending", "verified", "not-verified", "rejected" */
const char *
outcome_name(enum outcome o)
{
	return outcome_names[o];
}

/* result_init - empty result for ID */
void
result_init(struct result *r, const char *id)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s", id);
	snprintf(r->kind, sizeof r->kind, "unknown");
}

/* result_add_reason - append a reason */
int
result_add_reason(struct result *r, const char *code, const char *field,
    const char *fmt, ...)
{
	struct result_reason *rr;
	va_list ap;

	if (r->nreasons == RESULT_MAX_REASONS)
		return -1;
	rr = &r->reasons[r->nreasons++];
	snprintf(rr->code, sizeof rr->code, "%s", code);
	snprintf(rr->field, sizeof rr->field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(rr->text, sizeof rr->text, fmt, ap);
	va_end(ap);
	return 0;
}

/* result_has_reason - CODE is among the reasons */
int
result_has_reason(const struct result *r, const char *code)
{
	for (int i = 0; i < r->nreasons; i++)
		if (strcmp(r->reasons[i].code, code) == 0)
			return 1;
	return 0;
}

/* attr - write ` name="value"` when VALUE is not empty */
static void
attr(struct commit *c, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	commit_printf(c, " %s=\"", name);
	xml_escape_write(c, value);
	commit_write(c, "\"", 1);
}

/* result_write - commit R as XML to PATH with MODE */
static int
result_write(const struct result *r, const char *path, mode_t mode)
{
	struct commit c;

	if (commit_begin(&c, path, mode) == -1)
		return -1;
	commit_printf(&c, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<result xmlns=\"%s\"", RESULT_NS);
	attr(&c, "id", r->id);
	attr(&c, "folder", r->folder);
	attr(&c, "kind", r->kind[0] ? r->kind : "unknown");
	attr(&c, "outcome", outcome_name(r->outcome));
	attr(&c, "decided", r->decided);
	commit_printf(&c, ">\n");
	if (r->reconsideration_of[0]) {
		commit_printf(&c, "  <reconsideration-of");
		attr(&c, "dossier", r->reconsideration_of);
		attr(&c, "outcome", r->reconsideration_outcome);
		commit_printf(&c, "/>\n");
	}
	for (int i = 0; i < r->nreasons; i++) {
		commit_printf(&c, "  <reason");
		attr(&c, "code", r->reasons[i].code);
		attr(&c, "field", r->reasons[i].field);
		commit_printf(&c, ">");
		xml_escape_write(&c, r->reasons[i].text);
		commit_printf(&c, "</reason>\n");
	}
	if (r->report_code[0] || r->report_number[0] || r->report_file[0]) {
		commit_printf(&c, "  <report");
		attr(&c, "code", r->report_code);
		attr(&c, "number", r->report_number);
		attr(&c, "issued", r->report_issued);
		attr(&c, "expires", r->report_expires);
		attr(&c, "first-issued", r->report_first_issued);
		attr(&c, "previous-expires", r->report_previous_expires);
		attr(&c, "file", r->report_file);
		commit_printf(&c, "/>\n");
	}
	for (int i = 0; i < r->nqrs; i++) {
		commit_printf(&c, "  <qr");
		attr(&c, "attachment", r->qrs[i].attachment);
		attr(&c, "status", r->qrs[i].status);
		attr(&c, "code", r->qrs[i].code);
		commit_printf(&c, "/>\n");
	}
	if (r->ship_waybill[0]) {
		commit_printf(&c, "  <shipment");
		attr(&c, "courier", r->ship_courier);
		attr(&c, "waybill", r->ship_waybill);
		attr(&c, "batch", r->ship_batch);
		commit_printf(&c, "/>\n");
	}
	if (r->notice_file[0]) {
		commit_printf(&c, "  <notice");
		attr(&c, "file", r->notice_file);
		commit_printf(&c, "/>\n");
	}
	if (r->held[0]) {
		commit_printf(&c, "  <held>");
		xml_escape_write(&c, r->held);
		commit_printf(&c, "</held>\n");
	}
	for (int i = 0; i < r->nsuperseded; i++) {
		const struct result_superseded *old = &r->superseded[i];
		char kept[64];

		snprintf(kept, sizeof kept, "superseded/%d/result.xml", old->n);
		commit_printf(&c, "  <superseded n=\"%d\"", old->n);
		attr(&c, "outcome", old->outcome);
		attr(&c, "decided", old->decided);
		attr(&c, "reasons", old->reasons);
		attr(&c, "result", kept);
		attr(&c, "notice", old->notice);
		commit_printf(&c, "/>\n");
	}
	commit_printf(&c, "</result>\n");
	return commit_end(&c);
}

/* result_save - commit R as XML to PATH (private: a spool file) */
int
result_save(const struct result *r, const char *path)
{
	return result_write(r, path, 0600);
}

/* get - attribute into a fixed array */
#define GET(node, name, field) xml_attr(node, name, field, sizeof field)

/* result_load - read PATH written by result_save */
int
result_load(struct result *r, const char *path)
{
	struct xml_error err;
	xmlDocPtr doc;
	xmlNodePtr root, n;
	char buf[64];

	memset(r, 0, sizeof *r);
	switch (xml_parse_file(path, 4 * 1024 * 1024, &doc, &err)) {
	case XML_OK:
		break;
	case XML_IO:
		return -1;
	default:
		log_warnx("%s: unreadable result: %s", path, err.message);
		errno = EINVAL;
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "result") != 0) {
		xmlFreeDoc(doc);
		errno = EINVAL;
		return -1;
	}
	GET(root, "id", r->id);
	GET(root, "folder", r->folder);
	GET(root, "kind", r->kind);
	GET(root, "decided", r->decided);
	GET(root, "outcome", buf);
	for (int i = 0; i < 4; i++)
		if (strcmp(buf, outcome_names[i]) == 0)
			r->outcome = (enum outcome)i;
	for (n = root->children; n != NULL; n = n->next) {
		const char *name = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp(name, "reason") == 0 &&
		    r->nreasons < RESULT_MAX_REASONS) {
			struct result_reason *rr = &r->reasons[r->nreasons++];
			GET(n, "code", rr->code);
			GET(n, "field", rr->field);
			xml_text(n, rr->text, sizeof rr->text);
		} else if (strcmp(name, "report") == 0) {
			GET(n, "code", r->report_code);
			GET(n, "number", r->report_number);
			GET(n, "issued", r->report_issued);
			GET(n, "expires", r->report_expires);
			GET(n, "first-issued", r->report_first_issued);
			GET(n, "previous-expires", r->report_previous_expires);
			GET(n, "file", r->report_file);
		} else if (strcmp(name, "qr") == 0 && r->nqrs < RESULT_MAX_QR) {
			struct result_qr *q = &r->qrs[r->nqrs++];
			GET(n, "attachment", q->attachment);
			GET(n, "status", q->status);
			GET(n, "code", q->code);
		} else if (strcmp(name, "shipment") == 0) {
			GET(n, "courier", r->ship_courier);
			GET(n, "waybill", r->ship_waybill);
			GET(n, "batch", r->ship_batch);
		} else if (strcmp(name, "reconsideration-of") == 0) {
			GET(n, "dossier", r->reconsideration_of);
			GET(n, "outcome", r->reconsideration_outcome);
		} else if (strcmp(name, "notice") == 0) {
			GET(n, "file", r->notice_file);
		} else if (strcmp(name, "held") == 0) {
			xml_text(n, r->held, sizeof r->held);
		} else if (strcmp(name, "superseded") == 0 &&
		    r->nsuperseded < RESULT_MAX_SUPERSEDED) {
			struct result_superseded *old =
			    &r->superseded[r->nsuperseded++];
			GET(n, "n", buf);
			old->n = atoi(buf);
			GET(n, "outcome", old->outcome);
			GET(n, "decided", old->decided);
			GET(n, "reasons", old->reasons);
			GET(n, "notice", old->notice);
		}
	}
	xmlFreeDoc(doc);
	return 0;
}

/*
 * result_note_superseded - R's <superseded> list from DIR/superseded/:
 * each aside folder holding a published result that was a decision.
 * The numbering is requeue's: n = 1, 2, ... with no gaps.
 */
int
result_note_superseded(struct result *r, const struct config *cfg,
    const char *dir)
{
	struct result *old;
	char path[4096], notice[4096], id[sizeof r->id];
	int rc = 0;

	if ((old = malloc(sizeof *old)) == NULL)
		return -1;
	r->nsuperseded = 0;
	memcpy(id, r->id, sizeof id);
	for (int n = 1; r->nsuperseded < RESULT_MAX_SUPERSEDED; n++) {
		struct result_superseded *s;
		size_t len = 0;

		fs_path(path, sizeof path, "%s/superseded/%d", dir, n);
		if (!fs_is_dir(path))
			break;
		fs_path(path, sizeof path, "%s/superseded/%d/result.xml", dir,
		    n);
		if (!fs_exists(path))
			continue;
		if (result_load(old, path) == -1) {
			rc = -1;
			continue;
		}
		if (old->held[0] != '\0' || old->outcome == OUTCOME_PENDING)
			continue;       /* a hold released, not a decision */
		s = &r->superseded[r->nsuperseded++];
		memset(s, 0, sizeof *s);
		s->n = n;
		snprintf(s->outcome, sizeof s->outcome, "%s",
		    outcome_name(old->outcome));
		snprintf(s->decided, sizeof s->decided, "%s", old->decided);
		for (int i = 0; i < old->nreasons; i++)
			len += (size_t)snprintf(s->reasons + len, len <
			    sizeof s->reasons ? sizeof s->reasons - len : 0,
			    "%s%s", i ? " " : "", old->reasons[i].code);
		if (len >= sizeof s->reasons)
			s->reasons[sizeof s->reasons - 1] = '\0';
		/* requeue renamed the notice notices/<id>.superseded-<n>.pdf */
		snprintf(s->notice, sizeof s->notice, "notices/%.48s."
		    "superseded-%d.pdf", id, n);
		if (!fs_exists(fs_path(notice, sizeof notice, "%s/%s",
		    cfg->out, s->notice)))
			s->notice[0] = '\0';
	}
	free(old);
	return rc;
}

/* result_published_path - OUT/results/<id>.xml */
char *
result_published_path(const struct config *cfg, const char *id, char *buf,
    size_t size)
{
	return fs_path(buf, size, "%s/results/%s.xml", cfg->out, id);
}

/* result_publish - commit R as OUT/results/<id>.xml */
int
result_publish(const struct config *cfg, const struct result *r)
{
	char path[4096];

	/* out/ is group-readable for the mailroom (SPEC §8) */
	return result_write(r, result_published_path(cfg, r->id, path,
	    sizeof path), 0640);
}
