/*
 * workq.h - the one work queue of the threaded stages (decode, check,
 * typeset): a bounded blocking queue of fixed-size elements, and, for a
 * stage that must pass ids on in input order (decode), an in-order emit
 * window.
 *
 * Elements are copied in and out. push blocks while the queue is full,
 * pop while it is empty and open; close ends the input (poppers drain
 * what is left, then get 0); abort ends everything at once (pushes fail,
 * pops get 0, nothing more is emitted: the stage stops for a next run).
 *
 * Ordered queues (an EMIT function given): every element pushed gets a
 * sequence number, and a popped element holds its slot until the worker
 * hands it back with workq_finish; finished elements at the head are
 * passed to EMIT in push order, by one thread at a time and WITHOUT the
 * queue's lock held, so that a slow reader of the stage's stdout stalls
 * the emitting thread only, never the workers' pops and finishes. The
 * window (CAPACITY) bounds the elements between push and emit.
 */
#ifndef CREDPIPE_WORKQ_H
#define CREDPIPE_WORKQ_H

#include <stddef.h>

struct workq;

/* workq_emit_fn - pass a finished element on (ordered queues) */
typedef void (*workq_emit_fn)(void *ctx, void *elem);

/*
 * workq_new - a queue of CAPACITY elements of ELEM bytes; with EMIT an
 * ordered one (see above). Never NULL (out of memory is fatal).
 */
struct workq *workq_new(size_t elem, size_t capacity, workq_emit_fn emit,
    void *ctx);
/* workq_free - release Q (no thread may use it any more) */
void workq_free(struct workq *q);

/* workq_push - append a copy of ELEM, waiting for room; 0, -1 aborted */
int workq_push(struct workq *q, const void *elem);
/*
 * workq_pop - up to MAX elements into OUT (ordered queues: MAX is 1, and
 * *SEQ is the element's number for workq_finish; SEQ may be NULL for an
 * unordered queue), waiting for one. The number taken, 0 when the queue
 * is closed and empty, or aborted.
 */
size_t workq_pop(struct workq *q, void *out, size_t max, size_t *seq);
/*
 * workq_finish - an ordered queue's element SEQ is done; ELEM (may be
 * NULL) replaces its copy in the window. Every finished element at the
 * head is emitted in order, maybe by this call.
 */
void workq_finish(struct workq *q, size_t seq, const void *elem);
/* workq_close - no more pushes: poppers drain and stop */
void workq_close(struct workq *q);
/* workq_abort - stop now: nothing more is popped or emitted */
void workq_abort(struct workq *q);
/* workq_aborted - workq_abort was called */
int workq_aborted(struct workq *q);

#endif
