/*
 * lookup.h - what an operator's key names, the same for every program
 * that takes one (`credpipe show`, `records show`): a dossier id, a
 * report's verification code as printed (grouped "7KQ2 M9X4 T1HC 8D5R",
 * any case, dashes allowed) or a paper report number ("P2026000002").
 */
#ifndef CREDPIPE_LOOKUP_H
#define CREDPIPE_LOOKUP_H

#include <stddef.h>

struct config;
struct registry;

struct lookup {
	char dossier_id[48];        /* "" when no dossier of ours */
	char code[20];              /* the report's code, "" when none */
};

/*
 * lookup_normalise - KEY without spaces and dashes, upper-cased, into
 * BUF: the canonical form of a code, number or id as an operator types it
 */
char *lookup_normalise(const char *key, char *buf, size_t size);

/*
 * lookup_key - what KEY names: a dossier in CFG's HOME or the registry's
 * decisions (its report too, when one was issued), or a report by code
 * or number (its dossier too, when credpipe issued it). 1 found, 0 not,
 * -1 registry error.
 */
int lookup_key(const struct config *cfg, struct registry *reg,
    const char *key, struct lookup *out);

#endif
