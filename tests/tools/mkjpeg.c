/*
 * NAME
 *	mkjpeg - write a PNG page as a JPEG the way cameras and scanners do
 *
 * SYNOPSIS
 *	mkjpeg -i PNG -o FILE [--quality Q] [--progressive]
 *	       [--color gray|ycc|cmyk|ycck] [--exif ORIENTATION]
 *
 * DESCRIPTION
 *	Reads PNG (any PNG credpipe reads, through image.c) and writes it as
 *	a JPEG with libjpeg: baseline unless --progressive; --color gray
 *	(one component), ycc (the default: three, as a phone writes), cmyk
 *	or ycck (four, Adobe-inverted, as a prepress scanner writes).
 *	--exif N (1..8) adds an APP1 Exif segment with Orientation N and
 *	stores the pixels turned the other way, as a phone held sideways
 *	does: a reader that applies the tag sees the page upright again,
 *	one that ignores it sees it turned or mirrored. Test JPEGs are made
 *	with this tool, never committed.
 *
 * EXIT STATUS
 *	0 written; 64 usage; 65 the PNG cannot be read; 73 the file cannot
 *	be written.
 *
 * SEE ALSO
 *	mkpng, qrpage (tests/tools/)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jpeglib.h>

#include "image.h"

/* usage - the synopsis on stderr, exit 64 */
static void
usage(void)
{
	fprintf(stderr, "usage: mkjpeg -i PNG -o FILE [--quality Q] "
	    "[--progressive] [--color gray|ycc|cmyk|ycck] "
	    "[--exif 1..8]\n");
	exit(EX_USAGE);
}

/*
 * store_as - the pixels a camera stores so that showing them with
 * ORIENTATION gives SRC: the inverse transform (6 and 8 swap, the other
 * ones are their own inverse).
 */
static unsigned char *
store_as(const struct image *src, int orientation, unsigned *w, unsigned *h)
{
	int inverse = orientation == 6 ? 8 : orientation == 8 ? 6 :
	    orientation;
	unsigned sw = src->width, sh = src->height;
	int swap = inverse >= 5;
	unsigned dw = swap ? sh : sw, dh = swap ? sw : sh;
	unsigned char *dst = malloc((size_t)sw * sh);

	if (dst == NULL)
		return NULL;
	for (unsigned y = 0; y < dh; y++)
		for (unsigned x = 0; x < dw; x++) {
			unsigned sx, sy;

			switch (inverse) {
			case 2: sx = sw - 1 - x; sy = y; break;
			case 3: sx = sw - 1 - x; sy = sh - 1 - y; break;
			case 4: sx = x; sy = sh - 1 - y; break;
			case 5: sx = y; sy = x; break;
			case 6: sx = y; sy = sh - 1 - x; break;
			case 7: sx = sw - 1 - y; sy = sh - 1 - x; break;
			case 8: sx = sw - 1 - y; sy = x; break;
			default: sx = x; sy = y; break;
			}
			dst[(size_t)dw * y + x] = src->gray[(size_t)sw * sy +
			    sx];
		}
	*w = dw;
	*h = dh;
	return dst;
}

/* exif_segment - "Exif\0\0" and a big-endian TIFF IFD0 with Orientation */
static size_t
exif_segment(unsigned char *b, int orientation)
{
	static const unsigned char head[] = {
		'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8,    /* TIFF header, IFD0 at 8 */
		0, 1,                           /* one entry */
		0x01, 0x12, 0, 3, 0, 0, 0, 1,   /* Orientation, SHORT, 1 */
	};
	size_t n = sizeof head;

	memcpy(b, head, n);
	b[n++] = 0;
	b[n++] = (unsigned char)orientation;
	b[n++] = 0;
	b[n++] = 0;
	memset(b + n, 0, 4);                    /* no next IFD */
	return n + 4;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "quality", required_argument, NULL, 'q' },
		{ "progressive", no_argument, NULL, 'p' },
		{ "color", required_argument, NULL, 'c' },
		{ "exif", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = NULL, *out = NULL, *color = "ycc";
	int quality = 85, progressive = 0, orientation = 0, ch, comps;
	struct jpeg_compress_struct cinfo;
	struct jpeg_error_mgr jerr;
	struct image img;
	unsigned char *pix, *row, exif[64];
	unsigned w, h;
	char why[256];
	FILE *fp;

	while ((ch = getopt_long(argc, argv, "i:o:", longs, NULL)) != -1) {
		switch (ch) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'q': quality = atoi(optarg); break;
		case 'p': progressive = 1; break;
		case 'c': color = optarg; break;
		case 'e': orientation = atoi(optarg); break;
		default: usage();
		}
	}
	if (in == NULL || out == NULL || quality < 1 || quality > 100 ||
	    orientation < 0 || orientation > 8)
		usage();
	comps = strcmp(color, "gray") == 0 ? 1 : strcmp(color, "ycc") == 0 ?
	    3 : strcmp(color, "cmyk") == 0 || strcmp(color, "ycck") == 0 ?
	    4 : 0;
	if (comps == 0)
		usage();
	if (image_load_gray(in, &img, why, sizeof why) == -1) {
		fprintf(stderr, "mkjpeg: %s: %s\n", in, why);
		return EX_DATAERR;
	}
	if ((pix = store_as(&img, orientation, &w, &h)) == NULL ||
	    (row = malloc((size_t)w * 4)) == NULL) {
		fprintf(stderr, "mkjpeg: out of memory\n");
		return EX_OSERR;
	}
	if ((fp = fopen(out, "wb")) == NULL) {
		perror(out);
		return EX_CANTCREAT;
	}
	cinfo.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&cinfo);
	jpeg_stdio_dest(&cinfo, fp);
	cinfo.image_width = w;
	cinfo.image_height = h;
	cinfo.input_components = comps;
	cinfo.in_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 3 ?
	    JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&cinfo);
	if (strcmp(color, "cmyk") == 0)
		jpeg_set_colorspace(&cinfo, JCS_CMYK);
	jpeg_set_quality(&cinfo, quality, TRUE);
	if (progressive)
		jpeg_simple_progression(&cinfo);
	jpeg_start_compress(&cinfo, TRUE);
	if (orientation > 0)
		jpeg_write_marker(&cinfo, JPEG_APP0 + 1, exif,
		    (unsigned)exif_segment(exif, orientation));
	while (cinfo.next_scanline < h) {
		const unsigned char *g = pix + (size_t)w * cinfo.next_scanline;
		JSAMPROW r = row;

		for (unsigned x = 0; x < w; x++) {
			if (comps == 1) {
				row[x] = g[x];
			} else if (comps == 3) {
				memset(row + 3 * x, g[x], 3);
			} else {
				/* Adobe-inverted: 255 is no ink */
				memset(row + 4 * x, g[x], 3);
				row[4 * x + 3] = 255;
			}
		}
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	if (fclose(fp) == EOF) {
		perror(out);
		return EX_CANTCREAT;
	}
	free(row);
	free(pix);
	image_free(&img);
	return 0;
}
