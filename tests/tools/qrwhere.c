/*
 * NAME
 *	qrwhere - where decode finds each code of an image, and at what cost
 *
 * SYNOPSIS
 *	qrwhere FILE...
 *
 * DESCRIPTION
 *	A test tool: scans each FILE as decode --no-gate --image does
 *	(qrscan_file, in this process, no worker) and prints one line a
 *	file:
 *
 *	    FILE STATUS scale=S rows=R X,Y,W,H ...
 *
 *	S the DCT scale of a large JPEG's first look (0: full size), R the
 *	percent of that look's rows decoded, then each code's box in the
 *	pixels of the image as shown (EXIF orientation applied), as
 *	decode.xml records it. The payloads are not printed: decode
 *	--image does that.
 *
 * EXIT STATUS
 *	0 every file scanned (whether a code was found or not); 65 some
 *	file could not be read; 70 out of memory.
 *
 * SEE ALSO
 *	qrphoto, mkjpeg (tests/tools/), tests/decode/test_photo.sh
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "qrscan.h"
#include "scanresult.h"

int
main(int argc, char **argv)
{
	struct qrscan_options opt = { NULL, 0, 0, 0 };
	struct qrscan *qs;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: qrwhere FILE...\n");
		return EX_USAGE;
	}
	if ((qs = qrscan_new()) == NULL)
		return EX_SOFTWARE;
	for (int i = 1; i < argc; i++) {
		struct scan_attachment sa;
		const struct qrscan_stats *st;

		memset(&sa, 0, sizeof sa);
		if (qrscan_file(qs, argv[i], &opt, &sa) == -1)
			rc = EX_DATAERR;
		st = qrscan_last(qs);
		printf("%s %s scale=%d rows=%d", argv[i], sa.status,
		    st->scale, st->rows);
		for (int k = 0; k < sa.ncodes; k++) {
			printf(" %d,%d,%d,%d", sa.codes[k].x, sa.codes[k].y,
			    sa.codes[k].w, sa.codes[k].h);
			free(sa.codes[k].data);
		}
		printf("\n");
	}
	qrscan_free(qs);
	return rc;
}
