/*
 * rng.h - the test generators' random numbers: xorshift64*, so that a
 * seed gives the same pages and photographs on every machine and every
 * libc (rand(3) would not). Each tool seeds rng_state itself.
 */
#ifndef CREDPIPE_TOOLS_RNG_H
#define CREDPIPE_TOOLS_RNG_H

#include <stdint.h>

static uint64_t rng_state;

/* rng_next - xorshift64*: deterministic for a seed on every machine */
static inline uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* rng_uniform - [0, 1) */
static inline double
rng_uniform(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

#endif
