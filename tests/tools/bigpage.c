/*
 * NAME
 *	bigpage - a page scaled up to the largest legal size, for measurements
 *
 * SYNOPSIS
 *	bigpage -i IN.png -o OUT.png -w W -h H [--noise N] [--seed S]
 *
 * DESCRIPTION
 *	Loads IN.png as gray (the image module, as decode does), scales it to
 *	W x H pixels (nearest neighbour) and adds uniform noise of +-N gray
 *	levels (default 2, a deterministic generator seeded with S), then
 *	writes an 8-bit gray PNG. With a qrpage page at 600 dpi as IN and
 *	5946 x 8409 (50.0 megapixels, A4's shape) it is the largest page SPEC
 *	allows, to measure what decoding it costs (README, "Limits of the
 *	workers").
 *
 * EXIT STATUS
 *	0 written; 64 usage; 65 IN is not a usable PNG; 73 OUT not written.
 *
 * SEE ALSO
 *	qrpage, decode(1)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include <png.h>

#include "image.h"

/* on_error - libpng failed: nothing sensible is left to do */
static void
on_error(png_structp png, png_const_charp msg)
{
	fprintf(stderr, "bigpage: %s\n", msg);
	exit(EX_CANTCREAT);
}

/* usage - the synopsis; EX_USAGE */
static int
usage(void)
{
	fprintf(stderr, "usage: bigpage -i IN.png -o OUT.png -w W -h H "
	    "[--noise N] [--seed S]\n");
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "noise", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	const char *in = NULL, *out = NULL;
	long w = 0, h = 0, noise = 2;
	unsigned long state = 1;
	struct image img;
	png_structp png;
	png_infop info;
	unsigned char *row;
	char why[256];
	FILE *fp;
	int c;

	while ((c = getopt_long(argc, argv, "i:o:w:h:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'w': w = strtol(optarg, NULL, 10); break;
		case 'h': h = strtol(optarg, NULL, 10); break;
		case 'n': noise = strtol(optarg, NULL, 10); break;
		case 's': state = strtoul(optarg, NULL, 10) | 1; break;
		default: return usage();
		}
	}
	if (in == NULL || out == NULL || optind != argc || w < 8 || h < 8 ||
	    w > 20000 || h > 20000 || noise < 0 || noise > 64)
		return usage();
	if (image_load_gray(in, &img, why, sizeof why) == -1) {
		fprintf(stderr, "bigpage: %s: %s\n", in, why);
		return EX_DATAERR;
	}
	if ((fp = fopen(out, "wb")) == NULL) {
		perror(out);
		return EX_CANTCREAT;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_error,
	    NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (png == NULL || info == NULL || (row = malloc((size_t)w)) == NULL) {
		fprintf(stderr, "bigpage: out of memory\n");
		return EX_CANTCREAT;
	}
	png_init_io(png, fp);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
	    PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (long y = 0; y < h; y++) {
		const unsigned char *src = img.gray +
		    (size_t)(y * img.height / h) * img.width;

		for (long x = 0; x < w; x++) {
			long v = src[x * img.width / w];

			state = state * 6364136223846793005UL + 1442695040888963407UL;
			v += noise ? (long)(state >> 33) % (2 * noise + 1) -
			    noise : 0;
			row[x] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	image_free(&img);
	if (fclose(fp) == EOF) {
		perror(out);
		return EX_CANTCREAT;
	}
	return 0;
}
