/*
 * dossier.c - read a dossier.xml (SPEC §3) into struct dossier.
 *
 * Extraction only: no rule is judged here. The validate stage runs the
 * schema and the business rules on the same document first; later stages
 * call dossier_load() on dossiers validate let through and can rely on
 * the fields being well-formed. Fields that are absent are "" and the
 * has_* flags say whether a block was there at all, so that validate can
 * tell a missing block (missing-material) from an empty one.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "dossier.h"
#include "fsutil.h"
#include "xmlsafe.h"

/*
 * The one table of dossier kinds: the name in dossier.xml and in results,
 * and what documents call it. Indexed by enum dossier_kind.
 */
static const struct {
	const char *name, *zh, *en;
} kinds[] = {
	[DOSSIER_UNKNOWN] = { "unknown", "无法识别", "Unknown" },
	[DOSSIER_ONLINE_REPORT] = { "online-report", "在线验证报告",
	    "Online verification report" },
	[DOSSIER_PAPER_CERTIFICATION] = { "paper-certification",
	    "纸质认证报告", "Paper certification report" },
	[DOSSIER_EXTENSION] = { "extension", "报告延期", "Report extension" },
	[DOSSIER_REPORT_CHECK] = { "report-check", "报告核验",
	    "Report check" },
};

/* dossier_kind_of - the kind named NAME; DOSSIER_UNKNOWN if none */
enum dossier_kind
dossier_kind_of(const char *name)
{
	size_t i;

	for (i = 1; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return (enum dossier_kind)i;
	return DOSSIER_UNKNOWN;
}

/* dossier_kind_name - the kind's name in dossier.xml and results */
const char *
dossier_kind_name(enum dossier_kind kind)
{
	return kinds[kind].name;
}

/* dossier_kind_zh - the kind in Chinese */
const char *
dossier_kind_zh(enum dossier_kind kind)
{
	return kinds[kind].zh;
}

/* dossier_kind_en - the kind in English */
const char *
dossier_kind_en(enum dossier_kind kind)
{
	return kinds[kind].en;
}

/* child_text - text of NODE's child NAME into BUF; 1 if the child exists */
static int
child_text(xmlNodePtr node, const char *name, char *buf, size_t size)
{
	xmlNodePtr c = xml_child(node, name);

	xml_text(c, buf, size);
	return c != NULL;
}

/* read_person - the applicant or agent block */
static void
read_person(xmlNodePtr node, struct person *p)
{
	child_text(node, "name", p->name, sizeof p->name);
	child_text(node, "name-latin", p->name_latin, sizeof p->name_latin);
	child_text(node, "id-number", p->id_number, sizeof p->id_number);
	child_text(node, "gender", p->gender, sizeof p->gender);
	child_text(node, "birth-date", p->birth_date, sizeof p->birth_date);
	child_text(node, "phone", p->phone, sizeof p->phone);
	child_text(node, "email", p->email, sizeof p->email);
}

/* read_credential - the <credential> block */
static void
read_credential(xmlNodePtr node, struct dossier *d)
{
	xmlNodePtr inst = xml_child(node, "institution");

	child_text(node, "level", d->credential.level,
	    sizeof d->credential.level);
	xml_attr(inst, "code", d->credential.institution_code,
	    sizeof d->credential.institution_code);
	xml_text(inst, d->credential.institution,
	    sizeof d->credential.institution);
	child_text(node, "major", d->credential.major,
	    sizeof d->credential.major);
	child_text(node, "study-form", d->credential.study_form,
	    sizeof d->credential.study_form);
	child_text(node, "entry-date", d->credential.entry_date,
	    sizeof d->credential.entry_date);
	child_text(node, "graduation-date", d->credential.graduation_date,
	    sizeof d->credential.graduation_date);
	d->credential.has_certificate_number = child_text(node,
	    "certificate-number", d->credential.certificate_number,
	    sizeof d->credential.certificate_number);
	/* an empty element counts as no number */
	if (d->credential.certificate_number[0] == '\0')
		d->credential.has_certificate_number = 0;
}

/* read_request - the <request> block */
static void
read_request(xmlNodePtr node, struct dossier *d)
{
	xmlNodePtr acc = xml_child(node, "accepting-institution");

	child_text(node, "validity-days", d->request.validity_days,
	    sizeof d->request.validity_days);
	child_text(node, "report-code", d->request.report_code,
	    sizeof d->request.report_code);
	d->request.has_accepting = acc != NULL;
	xml_attr(acc, "code", d->request.accepting_code,
	    sizeof d->request.accepting_code);
	xml_text(acc, d->request.accepting_name,
	    sizeof d->request.accepting_name);
}

/* read_delivery - the <delivery> block */
static void
read_delivery(xmlNodePtr node, struct dossier *d)
{
	xml_attr(node, "courier", d->delivery.courier,
	    sizeof d->delivery.courier);
	child_text(node, "recipient", d->delivery.recipient,
	    sizeof d->delivery.recipient);
	child_text(node, "phone", d->delivery.phone, sizeof d->delivery.phone);
	child_text(node, "province", d->delivery.province,
	    sizeof d->delivery.province);
	child_text(node, "city", d->delivery.city, sizeof d->delivery.city);
	child_text(node, "district", d->delivery.district,
	    sizeof d->delivery.district);
	child_text(node, "address", d->delivery.address,
	    sizeof d->delivery.address);
	child_text(node, "postcode", d->delivery.postcode,
	    sizeof d->delivery.postcode);
}

/* read_attachments - every <attachment> (up to the maximum) */
static void
read_attachments(xmlNodePtr node, struct dossier *d)
{
	for (xmlNodePtr c = node->children; c != NULL; c = c->next) {
		struct attachment *a;

		if (c->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)c->name, "attachment") != 0)
			continue;
		if (d->nattachments >= DOSSIER_MAX_ATTACHMENTS)
			break;
		a = &d->attachments[d->nattachments++];
		xml_attr(c, "kind", a->kind, sizeof a->kind);
		xml_attr(c, "file", a->file, sizeof a->file);
		xml_attr(c, "sha256", a->sha256, sizeof a->sha256);
	}
}

/* dossier_from_doc - extract a parsed dossier.xml; 0, or -1 if not one */
int
dossier_from_doc(xmlDocPtr doc, struct dossier *d)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlNodePtr n;

	memset(d, 0, sizeof *d);
	if (root == NULL || strcmp((const char *)root->name, "dossier") != 0 ||
	    root->ns == NULL ||
	    strcmp((const char *)root->ns->href, DOSSIER_NS) != 0)
		return -1;
	xml_attr(root, "id", d->id, sizeof d->id);
	xml_attr(root, "received", d->received, sizeof d->received);
	child_text(root, "kind", d->kind, sizeof d->kind);
	child_text(root, "purpose", d->purpose, sizeof d->purpose);
	child_text(root, "reconsideration-of", d->reconsideration_of,
	    sizeof d->reconsideration_of);
	if ((n = xml_child(root, "applicant")) != NULL)
		read_person(n, &d->applicant);
	if ((n = xml_child(root, "agent")) != NULL) {
		d->has_agent = 1;
		read_person(n, &d->agent);
	}
	if ((n = xml_child(root, "credential")) != NULL) {
		d->has_credential = 1;
		read_credential(n, d);
	}
	if ((n = xml_child(root, "request")) != NULL) {
		d->has_request = 1;
		read_request(n, d);
	}
	if ((n = xml_child(root, "delivery")) != NULL) {
		d->has_delivery = 1;
		read_delivery(n, d);
	}
	if ((n = xml_child(root, "attachments")) != NULL)
		read_attachments(n, d);
	return 0;
}

/* dossier_load - parse DIR/files/dossier.xml securely and extract it */
int
dossier_load(const char *dossier_dir, struct dossier *d)
{
	char path[4096];
	struct xml_error err;
	xmlDocPtr doc;
	int rc;

	fs_path(path, sizeof path, "%s/files/dossier.xml", dossier_dir);
	if (xml_parse_file(path, XML_MAX_BYTES, &doc, &err) != XML_OK)
		return -1;
	rc = dossier_from_doc(doc, d);
	xmlFreeDoc(doc);
	return rc;
}

/* dossier_element - NODE is an element in the dossier namespace */
int
dossier_element(xmlNodePtr node)
{
	return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
	    node->ns->href != NULL &&
	    strcmp((const char *)node->ns->href, DOSSIER_NS) == 0;
}
