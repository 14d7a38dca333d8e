/*
 * issuerate - paper report numbers handed out per second by one client
 * of a registry (bench/registry_pg.sh runs two at once).
 *
 *   issuerate RECORDS setup N          N credentials C<i> (i < N)
 *   issuerate RECORDS issue FIRST N GROUP
 *                                      paper reports for credentials
 *                                      FIRST..FIRST+N-1 (dossiers D<i>),
 *                                      GROUP to a transaction as typeset
 *                                      groups them; prints "N SECONDS"
 *
 * Exit status: 0, or the registry's sysexits status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry.h"

/* credential_of - the test credential number I */
static struct reg_credential
credential_of(long i)
{
	struct reg_credential c;

	memset(&c, 0, sizeof c);
	snprintf(c.certificate_number, sizeof c.certificate_number, "C%09ld",
	    i);
	snprintf(c.status, sizeof c.status, "valid");
	snprintf(c.source, sizeof c.source, "archive");
	snprintf(c.holder_name, sizeof c.holder_name, "持有人");
	snprintf(c.holder_id, sizeof c.holder_id, "9%017ld", i);
	snprintf(c.institution_code, sizeof c.institution_code, "10001");
	snprintf(c.level, sizeof c.level, "undergraduate");
	snprintf(c.major, sizeof c.major, "物理学");
	snprintf(c.entry_date, sizeof c.entry_date, "1988-09-01");
	snprintf(c.graduation_date, sizeof c.graduation_date, "1992-07-01");
	return c;
}

/* setup - N credentials in one transaction */
static int
setup(struct registry *reg, long n)
{
	struct reg_credential c, old;

	if (registry_begin(reg) == -1)
		return -1;
	for (long i = 0; i < n; i++) {
		c = credential_of(i);
		if (registry_put_credential(reg, &c, &old) == -1) {
			registry_rollback(reg);
			return -1;
		}
	}
	return registry_commit(reg);
}

/* issue - paper reports for FIRST..FIRST+N-1, GROUP per transaction */
static int
issue(struct registry *reg, long first, long n, long group)
{
	struct reg_report r;
	struct timespec t0, t1;
	char id[32], certno[32];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = first; i < first + n; i += group) {
		if (group > 1 && registry_begin(reg) == -1)
			return -1;
		for (long k = i; k < i + group && k < first + n; k++) {
			snprintf(id, sizeof id, "D%09ld", k);
			snprintf(certno, sizeof certno, "C%09ld", k);
			if (registry_issue_paper(reg, id, certno, "2026-11-28",
			    &r) == -1) {
				registry_rollback(reg);
				return -1;
			}
		}
		if (group > 1 && registry_commit(reg) == -1)
			return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld %.3f\n", n, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

int
main(int argc, char **argv)
{
	struct registry *reg;
	int status, rc;

	if (argc < 3 || (strcmp(argv[2], "setup") == 0 && argc != 4) ||
	    (strcmp(argv[2], "issue") == 0 && argc != 6)) {
		fprintf(stderr, "usage: issuerate RECORDS setup N | "
		    "issuerate RECORDS issue FIRST N GROUP\n");
		return 64;
	}
	if ((reg = registry_open(argv[1], &status)) == NULL)
		return status;
	if (strcmp(argv[2], "setup") == 0)
		rc = setup(reg, atol(argv[3]));
	else
		rc = issue(reg, atol(argv[3]), atol(argv[4]),
		    atol(argv[5]) < 1 ? 1 : atol(argv[5]));
	status = rc == -1 ? registry_status(reg) : 0;
	registry_close(reg);
	return status;
}
