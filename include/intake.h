/*
 * intake.h - copying a claimed inbox folder into the spool (copy on claim).
 *
 * After Postfix's pickup: the pipeline never keeps a submitter's inode.
 * Each regular file of the folder is read through a descriptor opened
 * relative to its folder's descriptor (O_NOFOLLOW), checked with fstat
 * (regular, one link, within its size limit) before a byte is read, and
 * written into a new file the pipeline creates (0600, holes kept, fsynced).
 * What cannot be copied safely is not copied: it becomes a refusal in the
 * claim record (claim.h), with a sentence validate publishes.
 */
#ifndef CREDPIPE_INTAKE_H
#define CREDPIPE_INTAKE_H

#include "claim.h"
#include "config.h"

/* the most entries (files and folders) one dossier folder may hold */
#define INTAKE_MAX_ENTRIES 1000
/* default of FOLDER_MAX_MB: files the dossier does not name, together */
#define INTAKE_FOLDER_MAX_MB 64

struct intake_limits {
	unsigned long long xml_max;             /* dossier.xml */
	unsigned long long attachment_max;      /* each file the dossier names */
	unsigned long long folder_max;          /* all other files together */
	unsigned long max_entries;
};

/*
 * intake_limits - the limits of CFG: SPEC §3's for dossier.xml and the
 * attachments, FOLDER_MAX_MB (config key, default INTAKE_FOLDER_MAX_MB)
 * for the rest. 0, or -1 after a warning when FOLDER_MAX_MB is bad.
 */
int intake_limits(const struct config *cfg, struct intake_limits *lim);

/*
 * intake_copy - copy the folder open as FROM into the empty directory TO
 * (credpipe's): dossier.xml first, so that the files it names are known
 * from the copy itself, then the rest of the tree, at most FS_MAX_DEPTH
 * levels. Every file and folder of TO is fsynced. Refusals go into C.
 * Returns 0 (refusals or not), or -1/errno when writing the copy failed
 * (ENOSPC, EIO...): then the caller drops TO.
 */
int intake_copy(int from, int to, const struct intake_limits *lim,
    struct claim *c);

#endif
