/*
 * submit.h - the run as Slurm jobs (credpipe submit, SPEC §1).
 *
 * On the submitting host: ingest, then a setup job (registry migration,
 * the night's ids cut into shards), an array job whose task i runs
 * validate | decode | check | typeset over shard i, an afterok final job
 * (manifest once, the status list, the run record) and an afternotok job
 * (the run record naming the failed shards). The run's files live in
 * HOME/submit/<run-id>/, on the file system every node mounts.
 */
#ifndef CREDPIPE_SUBMIT_H
#define CREDPIPE_SUBMIT_H

#include "config.h"

struct submit_request {
	int shards;             /* 0: about SUBMIT_SHARD_DOSSIERS each */
	int max_running;        /* 0: as many at once as Slurm allows */
	int wait;               /* return when the final job has ended */
};

/*
 * Dossiers a shard holds when --shards is not given: a few minutes of
 * work for a task of 2 CPUs. The chain costs about 50 ms of CPU a
 * dossier (bench/cluster.sh, README "Scale-out"): 5,000 dossiers are
 * ~4 minutes on 2 idle CPUs, so that Slurm's ~0.06-0.5 s a task is lost
 * in the noise, and a requeued task repeats minutes, not hours.
 */
#define SUBMIT_SHARD_DOSSIERS 5000
/* Slurm's default MaxArraySize is 1001: indices 0..1000 */
#define SUBMIT_MAX_SHARDS 1000

/*
 * submit_run - ingest and submit the jobs; STAGE_ARGS (NULL-ended) are
 * the options every stage of the run gets. Prints the job ids. With
 * RQ->wait, returns the status `run` would have had; else 0 once the
 * jobs are queued. 75 when another run holds HOME or the scheduler is
 * unreachable, 78 without Slurm's commands.
 */
int submit_run(const struct config *cfg, char *const *stage_args,
    const struct submit_request *rq);

/*
 * submit_job - one job of a submitted run, as Slurm starts it: STEP is
 * setup, shard (SLURM_ARRAY_TASK_ID names the shard), final or failed.
 */
int submit_job(const struct config *cfg, const char *step,
    const char *run_id, char *const *stage_args);

/* submit_status - the last submitted run: its jobs and each shard's state */
void submit_status(const struct config *cfg);

#endif
