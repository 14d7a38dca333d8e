/*
 * spool.h - where a dossier lies is its state (README, "States").
 *
 *   HOME/inbox/<any name>/        dropped by operators (SPEC §2)
 *   HOME/spool/.claim-<n>/        ingest's claim in progress (recovered)
 *   HOME/spool/<id>/files/        credpipe's copy of the claimed folder
 *   HOME/spool/<id>/claim         ingest's record (folder name, time)
 *   HOME/spool/<id>/<stage>.xml   each stage's result, through commit_*()
 *   HOME/done/<id>/               finished dossiers (same layout)
 *   HOME/quarantine/<name>/       unusable ones, with a REASON file
 *   HOME/out/                     results, PDFs, courier batches (0750)
 *
 * A stage whose result file exists skips its work: that file is the commit
 * point of the stage. Every move between these directories is one rename
 * within HOME (same file system), fsynced.
 */
#ifndef CREDPIPE_SPOOL_H
#define CREDPIPE_SPOOL_H

#include <stddef.h>
#include "config.h"

#define ID_MAX 40

enum spool_place { SPOOL_NONE = 0, SPOOL_ACTIVE, SPOOL_DONE,
                   SPOOL_QUARANTINE };

/* id_valid - [A-Z][0-9A-Z]{5,39} */
int id_valid(const char *id);
/* attachment_name_valid - [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
int attachment_name_valid(const char *name);

/* spool_init - create HOME's directories (private; out/ group-readable) */
int spool_init(const struct config *cfg);
/* spool_locate - find dossier ID; its directory into DIR (swept of dead
 * writers' temp files) */
enum spool_place spool_locate(const struct config *cfg, const char *id,
    char *dir, size_t size);
/* spool_state_path - DIR/STAGE.xml (or DIR/claim for stage "claim") */
char *spool_state_path(const char *dir, const char *stage, char *buf,
    size_t size);
/* spool_has_state - that stage's result file exists in DIR */
int spool_has_state(const char *dir, const char *stage);
/* spool_files_path - DIR/files/NAME (NAME may be NULL: the folder) */
char *spool_files_path(const char *dir, const char *name, char *buf,
    size_t size);
/*
 * spool_finish - move HOME/spool/ID to HOME/done/ID (TO = SPOOL_DONE) or
 * to HOME/quarantine/ID with REASON (TO = SPOOL_QUARANTINE); the REASON
 * file is committed inside the dossier before the rename, the rename is
 * the commit point. Moving a dossier already there is a no-op.
 */
int spool_finish(const struct config *cfg, const char *id,
    enum spool_place to, const char *reason);
/*
 * quarantine_dir - move directory SRC (anywhere in HOME or the inbox's
 * file system) to HOME/quarantine/<BASE>[~n], first committing REASON into
 * it; the chosen name into NAME_OUT. Used for folders that never became a
 * spool dossier (duplicates). 0 or -1/errno.
 */
int quarantine_dir(const struct config *cfg, const char *src,
    const char *base, const char *reason, char *name_out, size_t size);
/*
 * spool_sweep - remove the temp files that writers killed mid-commit left
 * in HOME/spool, each HOME/spool/<id>/, HOME/keys and OUT/{results,
 * reports,notices,runs}; a live writer's are kept. (spool_locate sweeps
 * the one dossier directory it finds, wherever it lies.) Called at the start of a run, so a
 * dossier never carries a partial file on into done/ and out/ never shows
 * one. Returns the number removed.
 */
int spool_sweep(const struct config *cfg);
/* spool_list - ids of HOME/spool/<id> (unfinished), sorted; free each */
int spool_list(const struct config *cfg, char ***ids, size_t *n);
/*
 * spool_list_notice_pending - ids of rejected dossiers in HOME/quarantine
 * whose typeset (their notice) has not finished: a run killed between
 * validate's quarantine and typeset's commit resumes them too. One stat
 * per quarantined dossier and run.
 */
int spool_list_notice_pending(const struct config *cfg, char ***ids,
    size_t *n);

/* stage_read_id - read the next id line from stdin; 1, 0 at EOF */
int stage_read_id(char *id, size_t size);
/* stage_emit - write ID and a newline to stdout, flushed */
void stage_emit(const char *id);

#endif
