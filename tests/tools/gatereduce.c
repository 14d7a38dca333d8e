/*
 * NAME
 *	gatereduce - the finder-pattern gate on the page and on a reduction
 *
 * SYNOPSIS
 *	gatereduce [--factor 2|4] FILE...
 *
 * DESCRIPTION
 *	A measurement tool for the question whether decode could read a
 *	PNG's rows once: feed a box reduction of the page (FACTOR x FACTOR
 *	averages, default 2) to the gate while libpng decodes, and keep the
 *	full-size page only when a pass needs it. For each FILE it loads the
 *	page (image.c, as decode does), runs qrgate_scan on the page as
 *	decode does today, builds the reduction, and runs qrgate_scan on it
 *	(scale FACTOR), and prints one line:
 *
 *	    FILE page-triples reduced-triples page-ms reduce-ms reduced-ms
 *
 *	(thread CPU milliseconds: the gate on the page, building the
 *	reduction, the gate on the reduction). A page whose code the gate
 *	finds today (page-triples > 0) and the reduction does not
 *	(reduced-triples 0) is a code the reduced gate would lose.
 *
 * EXIT STATUS
 *	0 all loaded; 64 usage; 65 some file could not be loaded; 70 out of
 *	memory.
 *
 * SEE ALSO
 *	qrgate.c, bench/night.sh
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "image.h"
#include "qrgate.h"

/* cpu_ms - this thread's CPU time in milliseconds */
static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* reduce - the FACTOR x FACTOR box averages of IMG into OUT (RW x RH) */
static void
reduce(const struct image *img, unsigned factor, unsigned char *out,
    unsigned rw, unsigned rh)
{
	unsigned *sums = calloc(rw, sizeof *sums);

	if (sums == NULL) {
		fprintf(stderr, "gatereduce: out of memory\n");
		exit(EX_SOFTWARE);
	}
	for (unsigned ry = 0; ry < rh; ry++) {
		if (factor == 2) {
			/* the case that matters, as a row callback would do it */
			const unsigned char *p = img->gray +
			    (size_t)(2 * ry) * img->width;
			const unsigned char *q = p + img->width;
			unsigned char *o = out + (size_t)ry * rw;

			for (unsigned rx = 0; rx < rw; rx++)
				o[rx] = (unsigned char)((p[2 * rx] +
				    p[2 * rx + 1] + q[2 * rx] + q[2 * rx + 1] +
				    2) / 4);
			continue;
		}
		memset(sums, 0, rw * sizeof *sums);
		for (unsigned dy = 0; dy < factor; dy++) {
			const unsigned char *p = img->gray +
			    (size_t)(ry * factor + dy) * img->width;

			for (unsigned rx = 0; rx < rw; rx++)
				for (unsigned dx = 0; dx < factor; dx++)
					sums[rx] += p[rx * factor + dx];
		}
		for (unsigned rx = 0; rx < rw; rx++)
			out[(size_t)ry * rw + rx] = (unsigned char)(sums[rx] /
			    (factor * factor));
	}
	free(sums);
}

int
main(int argc, char **argv)
{
	struct qrgate *gate = qrgate_new();
	unsigned factor = 2;
	int status = 0, a = 1;

	if (gate == NULL)
		return EX_SOFTWARE;
	if (a + 1 < argc && strcmp(argv[a], "--factor") == 0) {
		factor = (unsigned)atoi(argv[a + 1]);
		a += 2;
	}
	if (factor < 2 || factor > 4 || a >= argc) {
		fprintf(stderr, "usage: gatereduce [--factor 2|4] FILE...\n");
		return EX_USAGE;
	}
	for (; a < argc; a++) {
		struct qrgate_result page, small;
		struct image img;
		unsigned char *reduced;
		unsigned rw, rh;
		double t0, t1, t2, t3;
		char why[256];

		if (image_load_gray(argv[a], &img, why, sizeof why) == -1) {
			fprintf(stderr, "gatereduce: %s: %s\n", argv[a], why);
			status = EX_DATAERR;
			continue;
		}
		rw = img.width / factor;
		rh = img.height / factor;
		reduced = malloc((size_t)rw * rh + 1);
		if (reduced == NULL)
			return EX_SOFTWARE;
		t0 = cpu_ms();
		if (qrgate_scan(gate, img.gray, img.width, img.height,
		    img.width, 1, &page) == -1)
			return EX_SOFTWARE;
		t1 = cpu_ms();
		reduce(&img, factor, reduced, rw, rh);
		t2 = cpu_ms();
		if (qrgate_scan(gate, reduced, rw, rh, rw, (int)factor,
		    &small) == -1)
			return EX_SOFTWARE;
		t3 = cpu_ms();
		printf("%s %d %d %.2f %.2f %.2f\n", argv[a], page.ntriples,
		    small.ntriples, t1 - t0, t2 - t1, t3 - t2);
		free(reduced);
		image_free(&img);
	}
	qrgate_free(gate);
	return status;
}
