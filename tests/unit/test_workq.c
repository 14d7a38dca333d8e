/*
 * test_workq.c - the one work queue: order of the emit window, emitting
 * without the lock held, batches, close and abort.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "workq.h"
#include "unit.h"

#define ITEMS 2000

struct ordered {
	struct workq *q;
	pthread_mutex_t lock;
	int emitted[ITEMS];
	int nemitted;
	int out_of_order;
	int finished;                   /* workers' finishes so far */
	int finished_while_emitting;    /* seen during the slow emit */
};

/* pause_a_little - a few microseconds, varying: workers finish out of order */
static void
pause_a_little(unsigned *seed)
{
	struct timespec ts = { 0, (long)(rand_r(seed) % 50) * 1000 };

	nanosleep(&ts, NULL);
}

/* emit_ordered - record the order; the first emit is slow (a stalled pipe) */
static void
emit_ordered(void *ctx, void *elem)
{
	struct ordered *o = ctx;
	int v = *(int *)elem;

	if (v == 0) {
		/* while this emit stalls, the workers must go on */
		for (int i = 0; i < 200; i++) {
			pthread_mutex_lock(&o->lock);
			o->finished_while_emitting = o->finished;
			pthread_mutex_unlock(&o->lock);
			if (o->finished_while_emitting >= 8)
				break;
			usleep(10000);
		}
	}
	pthread_mutex_lock(&o->lock);
	if (v != o->nemitted)
		o->out_of_order++;
	if (v >= 0 && v < ITEMS)
		o->emitted[v]++;
	o->nemitted++;
	pthread_mutex_unlock(&o->lock);
}

/* ordered_worker - pop, work a little, finish */
static void *
ordered_worker(void *arg)
{
	struct ordered *o = arg;
	unsigned seed = (unsigned)(size_t)pthread_self();
	size_t seq;
	int v;

	while (workq_pop(o->q, &v, 1, &seq) == 1) {
		pause_a_little(&seed);
		pthread_mutex_lock(&o->lock);
		o->finished++;
		pthread_mutex_unlock(&o->lock);
		workq_finish(o->q, seq, &v);
	}
	return NULL;
}

/* test_ordered - ITEMS through 4 workers come out in input order, once */
static void
test_ordered(void)
{
	static struct ordered o;
	pthread_t t[4];
	int once = 1, refused = 0;

	pthread_mutex_init(&o.lock, NULL);
	o.q = workq_new(sizeof(int), 16, emit_ordered, &o);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, ordered_worker, &o);
	for (int i = 0; i < ITEMS; i++)
		refused += workq_push(o.q, &i) != 0;
	workq_close(o.q);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < ITEMS; i++)
		if (o.emitted[i] != 1)
			once = 0;
	CHECK(refused == 0, "ordered: every push taken");
	CHECK(o.nemitted == ITEMS && once, "ordered: every item emitted once "
	    "(%d)", o.nemitted);
	CHECK(o.out_of_order == 0, "ordered: in push order (%d out of order)",
	    o.out_of_order);
	CHECK(o.finished_while_emitting >= 8, "ordered: workers go on while "
	    "an emit stalls (%d finished meanwhile)",
	    o.finished_while_emitting);
	workq_free(o.q);
	pthread_mutex_destroy(&o.lock);
}

/* test_unordered - batches, close, abort */
static void
test_unordered(void)
{
	struct workq *q = workq_new(sizeof(int), 64, NULL, NULL);
	int out[16], total = 0, sum = 0;
	size_t n;

	for (int i = 0; i < 40; i++)
		workq_push(q, &i);
	workq_close(q);
	CHECK(workq_push(q, &total) == -1, "unordered: push after close fails");
	while ((n = workq_pop(q, out, 16, NULL)) > 0) {
		CHECK(n <= 16, "unordered: a batch is at most MAX (%zu)", n);
		for (size_t i = 0; i < n; i++)
			sum += out[i];
		total += (int)n;
	}
	CHECK(total == 40 && sum == 40 * 39 / 2, "unordered: every element "
	    "popped once after close (%d)", total);
	workq_free(q);

	q = workq_new(sizeof(int), 4, NULL, NULL);
	for (int i = 0; i < 3; i++)
		workq_push(q, &i);
	workq_abort(q);
	CHECK(workq_aborted(q), "abort: seen");
	CHECK(workq_pop(q, out, 1, NULL) == 0, "abort: nothing more popped");
	CHECK(workq_push(q, &total) == -1, "abort: push fails");
	workq_free(q);
}

/* test_abort_ordered - after abort nothing more is emitted */
static void
test_abort_ordered(void)
{
	static struct ordered o;
	size_t seq0, seq1;
	int v;

	pthread_mutex_init(&o.lock, NULL);
	o.finished_while_emitting = 8;  /* no stall for item 0 here */
	o.finished = 8;
	o.q = workq_new(sizeof(int), 4, emit_ordered, &o);
	for (int i = 0; i < 2; i++)
		workq_push(o.q, &i);
	workq_pop(o.q, &v, 1, &seq0);
	workq_pop(o.q, &v, 1, &seq1);
	workq_finish(o.q, seq1, NULL);
	CHECK(o.nemitted == 0, "ordered: item 1 waits for item 0");
	workq_abort(o.q);
	workq_finish(o.q, seq0, NULL);
	CHECK(o.nemitted == 0, "ordered: nothing is emitted after abort");
	workq_free(o.q);
	pthread_mutex_destroy(&o.lock);
}

int
main(void)
{
	test_ordered();
	test_unordered();
	test_abort_ordered();
	return unit_done();
}
