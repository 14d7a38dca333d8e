/*
 * sandbox.h - parsers of untrusted content in limited worker processes.
 *
 * The model is OpenSSH's and OpenSMTPD's privilege separation: the code
 * that reads what a submitter wrote (XML, PNG, QR) runs in a process of
 * its own with an address-space limit, a CPU limit, no core file, a
 * wall-clock watchdog and, when the pipeline runs as root, an
 * unprivileged user. It gets the content as an open file descriptor and
 * answers with a small message over a pipe that the stage parses with
 * bounds on every field. A worker that crashes, runs out of memory or of
 * time is a specific result for that one item, never a stalled or
 * crashed stage.
 */
#ifndef CREDPIPE_SANDBOX_H
#define CREDPIPE_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* the largest answer a worker may send; more is a broken worker */
#define SANDBOX_REPLY_MAX (512UL * 1024)

struct sandbox_limits {
	int enabled;                    /* 0: run in the stage (measurements) */
	unsigned long memory_mb;        /* address space beyond the start */
	unsigned time_s;                /* wall clock, and CPU */
	char user[64];                  /* run as this user when root */
	uid_t uid;                      /* resolved by sandbox_limits_init */
	gid_t gid;
};

/* how a worker ended */
enum sandbox_end {
	SANDBOX_DONE = 0,               /* it answered */
	SANDBOX_TIMEOUT,                /* wall clock or CPU limit */
	SANDBOX_MEMORY,                 /* it needed more than memory_mb */
	SANDBOX_CRASHED                 /* signal, bad exit or bad answer */
};

/* an answer being written (worker) or read (stage) */
struct sandbox_msg {
	unsigned char *buf;
	size_t len, size;
	size_t pos;                     /* reading position */
	int overflow;                   /* a put did not fit */
};

/*
 * sandbox_fn - the work of one item in the worker: read the content from
 * FD, put the answer into OUT. Return SANDBOX_DONE, or SANDBOX_MEMORY
 * when an allocation failed (the stage then says "needs more than N MB").
 */
typedef enum sandbox_end (*sandbox_fn)(void *arg, int fd,
    struct sandbox_msg *out);

/*
 * sandbox_limits_init - the limits from CFG (WORKER_MEMORY, WORKER_TIME,
 * WORKER_USER, WORKERS); when running as root the user must exist and
 * must not be root. 0, or -1 after saying why (a configuration error).
 */
int sandbox_limits_init(struct sandbox_limits *lim, const struct config *cfg);

/*
 * sandbox_run - FN(ARG, FD, reply) in a worker process under LIM; the
 * answer in REPLY (buffer owned by REPLY: sandbox_msg_free). FD may be -1.
 * With lim->enabled 0, FN runs in this process, without limits.
 */
enum sandbox_end sandbox_run(const struct sandbox_limits *lim, int fd,
    sandbox_fn fn, void *arg, struct sandbox_msg *reply);

/* sandbox_msg_free - release the buffer */
void sandbox_msg_free(struct sandbox_msg *m);

/*
 * Writing: each field is a tag byte, a 4-byte length and the bytes. A
 * put that would exceed SANDBOX_REPLY_MAX sets overflow (then the whole
 * answer is refused by the stage).
 */
void sandbox_put(struct sandbox_msg *m, int tag, const void *data,
    size_t len);
void sandbox_put_str(struct sandbox_msg *m, int tag, const char *s);
void sandbox_put_int(struct sandbox_msg *m, int tag, long long v);

/*
 * Reading: the next field; 1, 0 at the end, -1 for a malformed answer.
 * sandbox_peek: the tag of the next field, 0 at the end (tags are not 0).
 * The helpers check the tag and copy with bounds; -1 when they do not
 * match (then the answer is treated as a crashed worker's).
 */
int sandbox_get(struct sandbox_msg *m, int *tag, const unsigned char **data,
    size_t *len);
int sandbox_peek(const struct sandbox_msg *m);
int sandbox_get_str(struct sandbox_msg *m, int tag, char *buf, size_t size);
int sandbox_get_int(struct sandbox_msg *m, int tag, long long lo,
    long long hi, long long *v);

/*
 * sandbox_describe - the sentence for a limit: "took longer than N s",
 * "needs more than N MB", "crashed"; into BUF.
 */
char *sandbox_describe(const struct sandbox_limits *lim, enum sandbox_end e,
    char *buf, size_t size);

#endif
