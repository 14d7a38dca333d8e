/*
 * NAME
 *	pngfloor - decode PNG files into memory and nothing else
 *
 * SYNOPSIS
 *	pngfloor FILE...
 *
 * DESCRIPTION
 *	A benchmark tool: loads each FILE to 8-bit gray with the image module
 *	(libpng, as decode does) and throws the pixels away. Its run time is
 *	the floor under any QR decoder that has to read the same PNGs.
 *
 * EXIT STATUS
 *	0 all loaded; 65 some file could not be loaded.
 *
 * SEE ALSO
 *	decode(1), bench/decode.sh
 */
#include <stdio.h>
#include <sysexits.h>

#include "image.h"

int
main(int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		struct image img;
		char why[256];

		if (image_load_gray(argv[i], &img, why, sizeof why) == -1) {
			fprintf(stderr, "pngfloor: %s: %s\n", argv[i], why);
			status = EX_DATAERR;
			continue;
		}
		image_free(&img);
	}
	return status;
}
