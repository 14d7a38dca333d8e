/*
 * lookup.c - an operator's key to the dossier and report it names; see
 * lookup.h. One function, so that `credpipe show` and `records show`
 * accept the same keys in the same forms.
 */
#include <stdio.h>
#include <string.h>

#include "lookup.h"
#include "registry.h"
#include "spool.h"

/* lookup_normalise - KEY without spaces and dashes, upper-cased */
char *
lookup_normalise(const char *key, char *buf, size_t size)
{
	size_t n = 0;

	for (const char *p = key; *p != '\0' && n + 1 < size; p++)
		if (*p != ' ' && *p != '-')
			buf[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	buf[n] = '\0';
	return buf;
}

/* report_of_dossier - the code of the report issued for dossier ID */
static int
report_of_dossier(struct registry *reg, const char *id, struct lookup *out)
{
	struct reg_report rep;
	int rc = registry_find_dossier_report(reg, id, &rep);

	if (rc == 1)
		snprintf(out->code, sizeof out->code, "%s", rep.code);
	return rc == -1 ? -1 : 1;
}

/*
 * lookup_key - a dossier id first (a dossier in HOME, or one the
 * registry has a decision for): a code that happened to be a valid id
 * names a dossier only when that dossier exists. Then a report by code
 * or number.
 */
int
lookup_key(const struct config *cfg, struct registry *reg, const char *key,
    struct lookup *out)
{
	char k[64], dir[4096], outcome[32];
	struct reg_report rep;
	int rc;

	memset(out, 0, sizeof *out);
	lookup_normalise(key, k, sizeof k);
	if (k[0] == '\0')
		return 0;
	if (id_valid(k) && (spool_locate(cfg, k, dir, sizeof dir) !=
	    SPOOL_NONE || registry_find_decision(reg, k, outcome,
	    sizeof outcome) == 1)) {
		/* id_valid: at most 40 characters */
		snprintf(out->dossier_id, sizeof out->dossier_id, "%.40s", k);
		return report_of_dossier(reg, k, out);
	}
	if ((rc = registry_dossier_of_report(reg, k, out->dossier_id,
	    sizeof out->dossier_id)) == 1)
		return report_of_dossier(reg, out->dossier_id, out);
	if (rc == -1)
		return -1;
	out->dossier_id[0] = '\0';
	/* a report imported from elsewhere: no dossier of ours */
	rc = registry_find_report(reg, k, &rep);
	if (rc == 0)
		rc = registry_find_report_number(reg, k, &rep);
	if (rc == 1)
		snprintf(out->code, sizeof out->code, "%s", rep.code);
	return rc;
}
