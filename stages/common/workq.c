/*
 * workq.c - the one work queue of the threaded stages (workq.h).
 *
 * A ring of CAPACITY slots. Unordered queues free a slot when it is
 * popped. Ordered queues keep three positions, head <= next <= tail:
 * slots [head, next) are popped and in work or finished and waiting for
 * the ones before them; [next, tail) wait to be popped. A slot is freed
 * only when emitted, so the window bounds both.
 *
 * Emitting: the thread that finishes the head element becomes the
 * emitter (one at a time: `emitting`), copies the run of finished
 * elements at the head out, unlocks, emits them, locks again and looks
 * for more. Others that finish meanwhile only mark their slot; the
 * emitter finds it on its next look. So order holds and the lock is
 * never held across a write to a pipe.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "workq.h"

struct workq {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned char *slots;
	unsigned char *finished;        /* per slot (ordered queues) */
	unsigned char *batch;           /* the emitter's copy of a run */
	size_t elem, cap;
	size_t head, next, tail;        /* positions, not indices */
	workq_emit_fn emit;
	void *ctx;
	int closed, aborted, emitting;
};

/* workq_new - a queue of CAPACITY elements of ELEM bytes */
struct workq *
workq_new(size_t elem, size_t capacity, workq_emit_fn emit, void *ctx)
{
	struct workq *q = calloc(1, sizeof *q);

	if (q == NULL || capacity == 0 ||
	    (q->slots = calloc(capacity, elem)) == NULL ||
	    (q->finished = calloc(capacity, 1)) == NULL ||
	    (emit != NULL && (q->batch = calloc(capacity, elem)) == NULL))
		fatal("work queue");
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->changed, NULL);
	q->elem = elem;
	q->cap = capacity;
	q->emit = emit;
	q->ctx = ctx;
	return q;
}

/* workq_free - release Q */
void
workq_free(struct workq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->changed);
	free(q->slots);
	free(q->finished);
	free(q->batch);
	free(q);
}

/* slot - the slot of position POS */
static unsigned char *
slot(const struct workq *q, size_t pos)
{
	return q->slots + pos % q->cap * q->elem;
}

/* workq_push - append a copy of ELEM, waiting for room; 0 or -1 */
int
workq_push(struct workq *q, const void *elem)
{
	pthread_mutex_lock(&q->lock);
	while (q->tail - q->head == q->cap && !q->aborted)
		pthread_cond_wait(&q->changed, &q->lock);
	if (q->aborted || q->closed) {
		pthread_mutex_unlock(&q->lock);
		return -1;
	}
	memcpy(slot(q, q->tail), elem, q->elem);
	q->finished[q->tail % q->cap] = 0;
	q->tail++;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* workq_pop - up to MAX elements into OUT, waiting for one */
size_t
workq_pop(struct workq *q, void *out, size_t max, size_t *seq)
{
	size_t k = 0;

	if (q->emit != NULL)
		max = 1;
	pthread_mutex_lock(&q->lock);
	while (q->next == q->tail && !q->closed && !q->aborted)
		pthread_cond_wait(&q->changed, &q->lock);
	for (; k < max && q->next < q->tail && !q->aborted; k++) {
		memcpy((unsigned char *)out + k * q->elem, slot(q, q->next),
		    q->elem);
		if (seq != NULL)
			*seq = q->next;
		q->next++;
		if (q->emit == NULL)
			q->head = q->next;      /* the slot is free at once */
	}
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
	return k;
}

/* workq_finish - SEQ is done; emit the finished run at the head */
void
workq_finish(struct workq *q, size_t seq, const void *elem)
{
	pthread_mutex_lock(&q->lock);
	if (q->aborted || seq < q->head || seq >= q->next) {
		pthread_mutex_unlock(&q->lock);
		return;
	}
	if (elem != NULL)
		memcpy(slot(q, seq), elem, q->elem);
	q->finished[seq % q->cap] = 1;
	while (!q->emitting && !q->aborted && q->head < q->next &&
	    q->finished[q->head % q->cap]) {
		size_t n = 0;

		q->emitting = 1;
		while (q->head + n < q->next &&
		    q->finished[(q->head + n) % q->cap]) {
			memcpy(q->batch + n * q->elem, slot(q, q->head + n),
			    q->elem);
			n++;
		}
		/* freed now: their copies are in batch, emitted in order */
		q->head += n;
		pthread_cond_broadcast(&q->changed);
		pthread_mutex_unlock(&q->lock);
		for (size_t i = 0; i < n; i++)
			q->emit(q->ctx, q->batch + i * q->elem);
		pthread_mutex_lock(&q->lock);
		q->emitting = 0;
	}
	pthread_mutex_unlock(&q->lock);
}

/* workq_close - no more pushes */
void
workq_close(struct workq *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
}

/* workq_abort - stop now */
void
workq_abort(struct workq *q)
{
	pthread_mutex_lock(&q->lock);
	q->aborted = 1;
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock);
}

/* workq_aborted - workq_abort was called */
int
workq_aborted(struct workq *q)
{
	int aborted;

	pthread_mutex_lock(&q->lock);
	aborted = q->aborted;
	pthread_mutex_unlock(&q->lock);
	return aborted;
}
