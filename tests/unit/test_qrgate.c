/*
 * test_qrgate.c - the finder-pattern gate on pages qrpage draws (the
 * tool of bench/night.sh and bench/decode.sh, run into a temporary
 * folder; no image is kept): diplomas and ID cards, whose round seals
 * looked like three finder patterns to it, give no triple, and codes
 * rotated, blurred, inverted, with 2-pixel modules, degraded every way
 * at once or at 300 dpi still give theirs, in the right place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "qrgate.h"
#include "unit.h"

#define URL "https://verify.example.edu.cn/v?c=7KQ2M9X4T1HC8D5R&e=20270226"

static char tmpdir[] = "/tmp/credpipe-qrgate.XXXXXX";
static char qrpage[4096];

/*
 * draw - run qrpage -o TMPDIR/NAME with OPT (NULL-terminated, at most
 * 24); 0 when it wrote the page
 */
static int
draw(const char *name, const char *const *opt)
{
	char out[4200];
	const char *argv[28];
	int n = 0, status;
	pid_t pid;

	snprintf(out, sizeof out, "%s/%s", tmpdir, name);
	argv[n++] = qrpage;
	argv[n++] = "-o";
	argv[n++] = out;
	for (int i = 0; opt[i] != NULL && n < 27; i++)
		argv[n++] = opt[i];
	argv[n] = NULL;
	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execv(qrpage, (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* gate - the gate's result on TMPDIR/NAME into RES, size into *W, *H */
static int
gate(struct qrgate *g, const char *name, struct qrgate_result *res,
    unsigned *w, unsigned *h)
{
	char path[4200], why[256];
	struct image img;
	int rc;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	if (image_load_gray(path, &img, why, sizeof why) == -1) {
		printf("# %s: %s\n", path, why);
		return -1;
	}
	rc = qrgate_scan(g, img.gray, img.width, img.height, img.width, 1,
	    res);
	*w = img.width;
	*h = img.height;
	image_free(&img);
	unlink(path);
	return rc;
}

int
main(void)
{
	/* pages without a code: seals, guilloche, glyphs, photographs */
	static const struct { const char *name, *kind, *dpi, *seed; } none[] = {
		{ "diploma-200-1.png", "diploma", "200", "1" },
		{ "diploma-200-2.png", "diploma", "200", "2" },
		{ "diploma-300-1.png", "diploma", "300", "1" },
		{ "idcard-200-2.png", "idcard", "200", "2" },
		{ "idcard-200-6.png", "idcard", "200", "6" },
	};
	/*
	 * codes: POS is where qrpage puts it (tl, tr, bl, br, center), the
	 * rest as the classes of bench/decode.sh
	 */
	static const struct {
		const char *name, *pos;
		const char *opt[20];
	} code[] = {
		{ "rotate.png", "tl", { "--pos", "tl", "--rotate", "9" } },
		{ "rotate45.png", "tr", { "--pos", "tr", "--rotate", "45" } },
		{ "blur.png", "bl", { "--pos", "bl", "--blur", "2" } },
		{ "invert.png", "tr", { "--pos", "tr", "--invert", "--noise",
		    "5" } },
		{ "small.png", "tl", { "--pos", "tl", "--module", "2",
		    "--noise", "3" } },
		{ "mixed.png", "tl", { "--pos", "tl", "--rotate", "7", "--blur",
		    "1", "--noise", "12", "--light", "--contrast", "0.6" } },
		{ "dpi300.png", "br", { "--pos", "br", "--dpi", "300",
		    "--rotate", "4" } },
		{ "idcard-code.png", "br", { "--pos", "br", "--kind", "idcard",
		    "--paper", "--noise", "6" } },
	};
	const char *build = getenv("CREDPIPE_BUILD");
	struct qrgate *g = qrgate_new();
	struct qrgate_result res;
	unsigned w, h;

	snprintf(qrpage, sizeof qrpage, "%s/tools/qrpage",
	    build != NULL ? build : "build/std");
	CHECK(g != NULL && mkdtemp(tmpdir) != NULL &&
	    access(qrpage, X_OK) == 0, "a gate, a folder and %s", qrpage);

	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		const char *opt[] = { "--kind", none[i].kind, "--paper",
		    "--dpi", none[i].dpi, "--seed", none[i].seed, "--noise",
		    "6", NULL };
		int drawn = draw(none[i].name, opt) == 0;

		CHECK(drawn && gate(g, none[i].name, &res, &w, &h) == 0 &&
		    res.ntriples == 0 && res.nboxes == 0,
		    "no code (%s): no triple (%d candidates, %d triples)",
		    none[i].name, drawn ? res.ncandidates : -1,
		    drawn ? res.ntriples : -1);
	}

	for (size_t i = 0; i < sizeof code / sizeof code[0]; i++) {
		const char *opt[24] = { "--text", URL, "--seed", "11" };
		const char *pos = code[i].pos;
		int drawn, in = 0;

		/* the rest of the array is NULL: it ends the list */
		for (int k = 0; code[i].opt[k] != NULL; k++)
			opt[4 + k] = code[i].opt[k];
		drawn = draw(code[i].name, opt) == 0;
		if (drawn && gate(g, code[i].name, &res, &w, &h) == 0)
			/* a box in the code's part of the page */
			for (int b = 0; b < res.nboxes; b++) {
				const struct qrgate_box *bx = &res.box[b];
				int cx = (bx->x0 + bx->x1) / 2;
				int cy = (bx->y0 + bx->y1) / 2;
				int left = cx < (int)w / 2, top = cy < (int)h / 2;

				if (strcmp(pos, "center") == 0 ||
				    (left == (pos[1] == 'l') &&
				    top == (pos[0] == 't')))
					in = 1;
			}
		else
			res.ntriples = -1;
		CHECK(drawn && res.ntriples >= 1 && in,
		    "a code (%s): its triple, boxed at %s (%d triples, %d "
		    "boxes)", code[i].name, pos, res.ntriples, res.nboxes);
	}

	rmdir(tmpdir);
	qrgate_free(g);
	return unit_done();
}
