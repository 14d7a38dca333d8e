/*
 * NAME
 *	finderbomb - a small PNG that keeps a QR decoder busy for a long time
 *
 * SYNOPSIS
 *	finderbomb [--size N] [--module M] [--gap G] -o FILE
 *
 * DESCRIPTION
 *	Writes an N x N 8-bit gray PNG (default 7071, just under 50
 *	megapixels: a legal page) tiled with QR finder patterns (7 x 7
 *	modules of M pixels, default 2, G modules of white between them,
 *	default 1).
 *	zbar's QR finder pairs every finder pattern it sees with every other
 *	one, so the work grows much faster than the pixel count, while the
 *	file, a repetition deflate loves, stays near 120 KB. It is the
 *	input a limited decoding worker must end within its time limit.
 *
 * EXIT STATUS
 *	0 written; 64 usage; 73 the file could not be written.
 *
 * SEE ALSO
 *	decode(1), tests/decode/test_workers.sh
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <png.h>

/* finder_dark - whether module (MX, MY) of a 7x7 finder pattern is dark */
static int
finder_dark(int mx, int my)
{
	int ring = mx < my ? mx : my;
	int far = (mx > my ? mx : my);

	ring = ring < 6 - far ? ring : 6 - far;
	return ring != 1;       /* dark ring, light ring, dark 3x3 core */
}

/* on_error - libpng failed: nothing sensible is left to do */
static void
on_error(png_structp png, png_const_charp msg)
{
	fprintf(stderr, "finderbomb: %s\n", msg);
	exit(EX_CANTCREAT);
}

/* usage - the synopsis; EX_USAGE */
static int
usage(void)
{
	fprintf(stderr, "usage: finderbomb [--size N] [--module M] [--gap G] -o FILE\n");
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "module", required_argument, NULL, 'm' },
		{ "gap", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 } };
	const char *out = NULL;
	long size = 7071, module = 2, gap = 1;
	png_structp png;
	png_infop info;
	unsigned char *row;
	FILE *fp;
	int c;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 's')
			size = strtol(optarg, NULL, 10);
		else if (c == 'm')
			module = strtol(optarg, NULL, 10);
		else if (c == 'g')
			gap = strtol(optarg, NULL, 10);
		else
			return usage();
	}
	if (out == NULL || optind != argc || size < 64 || size > 7071 ||
	    module < 1 || module > 16 || gap < 1 || gap > 64)
		return usage();
	if ((fp = fopen(out, "wb")) == NULL) {
		perror(out);
		return EX_CANTCREAT;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_error,
	    NULL);
	info = png ? png_create_info_struct(png) : NULL;
	row = malloc((size_t)size);
	if (png == NULL || info == NULL || row == NULL) {
		fprintf(stderr, "finderbomb: %s: cannot write\n", out);
		fclose(fp);
		return EX_CANTCREAT;
	}
	png_init_io(png, fp);
	png_set_compression_level(png, 9);
	png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8,
	    PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (long y = 0; y < size; y++) {
		long period = gap * module + 7 * module;
		long my = (y % period) / module;

		for (long x = 0; x < size; x++) {
			long mx = (x % period) / module;

			row[x] = mx < 7 && my < 7 && finder_dark((int)mx,
			    (int)my) ? 0 : 255;
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(fp) == EOF) {
		perror(out);
		return EX_CANTCREAT;
	}
	return 0;
}
