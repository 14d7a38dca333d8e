/*
 * NAME
 *	mkpng - write a plain test page as PNG (libpng)
 *
 * SYNOPSIS
 *	mkpng -o FILE [-w WIDTH] [-h HEIGHT] [--depth 8|16]
 *	      [--color gray|rgb|palette] [--alpha] [--interlace]
 *	      [--text LABEL] [--header-only]
 *
 * DESCRIPTION
 *	Writes a white page with a dark frame and a few gray bars whose
 *	layout depends on LABEL, so different labels give different files
 *	(and different digests). LABEL is also stored in a tEXt chunk
 *	("Title"). The output is deterministic: the same options always give
 *	the same bytes (no time chunk), so tests and samples may pin its
 *	SHA-256. Default 64x64, 8-bit gray, not interlaced; at most
 *	1,000,000 pixels a side and 50 megapixels.
 *
 *	Hostile PNGs for tests are made from its output in the shell
 *	(truncate it with head -c, patch bytes), or with --header-only: the
 *	signature, an IHDR declaring WIDTH x HEIGHT (up to 2^31-1 each, so a
 *	"decompression bomb" header costs nothing) and IEND, no pixels.
 *
 * EXIT STATUS
 *	0 written; 64 usage; 73 the file cannot be written.
 *
 * SEE ALSO
 *	qrpage (tests/tools/qrpage.c), samples/build.sh
 */
#include <getopt.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

struct page {
	const char *out;
	unsigned width, height;
	int depth;              /* 8 or 16 */
	int color;              /* PNG_COLOR_TYPE_GRAY / RGB / PALETTE */
	int alpha;
	int interlace;
	const char *label;
	int header_only;
};

/* crc32_png - the CRC of PNG chunks (ISO 3309), bitwise: tiny inputs */
static unsigned long
crc32_png(const unsigned char *buf, size_t len)
{
	unsigned long crc = 0xffffffffUL;

	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? 0xedb88320UL ^ (crc >> 1) : crc >> 1;
	}
	return crc ^ 0xffffffffUL;
}

/* put32 - big-endian 32-bit value */
static void
put32(unsigned char *out, unsigned long v)
{
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}

/* write_header_only - signature, IHDR of the given size, IEND; 0 or -1 */
static int
write_header_only(const struct page *p)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	                                      0x1a, '\n' };
	unsigned char ihdr[4 + 4 + 13 + 4], iend[12];
	FILE *fp;

	put32(ihdr, 13);
	memcpy(ihdr + 4, "IHDR", 4);
	put32(ihdr + 8, p->width);
	put32(ihdr + 12, p->height);
	ihdr[16] = (unsigned char)p->depth;
	ihdr[17] = 0;           /* gray */
	ihdr[18] = ihdr[19] = 0;
	ihdr[20] = p->interlace ? 1 : 0;
	put32(ihdr + 21, crc32_png(ihdr + 4, 17));
	put32(iend, 0);
	memcpy(iend + 4, "IEND", 4);
	put32(iend + 8, crc32_png(iend + 4, 4));
	if ((fp = fopen(p->out, "wb")) == NULL) {
		perror(p->out);
		return -1;
	}
	fwrite(sig, 1, sizeof sig, fp);
	fwrite(ihdr, 1, sizeof ihdr, fp);
	fwrite(iend, 1, sizeof iend, fp);
	if (ferror(fp) | (fclose(fp) == EOF)) {
		perror(p->out);
		return -1;
	}
	return 0;
}

/* label_hash - a small FNV-1a hash of the label, to vary the page */
static unsigned long
label_hash(const char *s)
{
	unsigned long h = 2166136261UL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619UL;
	return h & 0xffffffffUL;
}

/* shade - the gray level (0..255) of pixel X, Y of the page */
static unsigned
shade(const struct page *p, unsigned x, unsigned y, unsigned long h)
{
	unsigned border = p->width / 32 + 1;
	unsigned bars = 3 + (unsigned)(h % 5), bar;

	if (x < border || y < border || x >= p->width - border ||
	    y >= p->height - border)
		return 32;
	/* horizontal bars: lines of "text" */
	bar = y * (bars * 2 + 1) / p->height;
	if (bar % 2 == 1 && x > p->width / 8 &&
	    x < p->width - p->width / 8 - (unsigned)((h >> (bar % 16)) % 7) *
	    p->width / 20)
		return 96 + (unsigned)((h >> 8) % 64);
	return 250;
}

/* put_sample - store VALUE (0..255) at OUT as an 8- or 16-bit sample */
static unsigned char *
put_sample(unsigned char *out, unsigned value, int depth)
{
	if (depth == 16) {
		*out++ = (unsigned char)value;
		*out++ = (unsigned char)value;
	} else {
		*out++ = (unsigned char)value;
	}
	return out;
}

/* write_page - the whole PNG; 0 or -1 */
static int
write_page(const struct page *p)
{
	png_structp png;
	png_infop info;
	png_color palette[256];
	png_byte trans[256];
	png_text text;
	unsigned char *volatile row = NULL;
	unsigned long h = label_hash(p->label);
	volatile int color = p->color, channels;
	int passes;
	FILE *fp;

	channels = color == PNG_COLOR_TYPE_RGB ? 3 : 1;
	if (p->alpha && color != PNG_COLOR_TYPE_PALETTE) {
		color |= PNG_COLOR_MASK_ALPHA;
		channels++;
	}

	if ((fp = fopen(p->out, "wb")) == NULL) {
		perror(p->out);
		return -1;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (png == NULL || info == NULL || setjmp(png_jmpbuf(png))) {
		fprintf(stderr, "mkpng: %s: libpng failed\n", p->out);
		png_destroy_write_struct(&png, &info);
		free(row);
		fclose(fp);
		return -1;
	}
	png_init_io(png, fp);
	png_set_IHDR(png, info, p->width, p->height, p->depth, color,
	    p->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (color == PNG_COLOR_TYPE_PALETTE) {
		for (int i = 0; i < 256; i++) {
			palette[i].red = palette[i].green =
			    palette[i].blue = (png_byte)i;
			trans[i] = (png_byte)(i < 64 ? 128 : 255);
		}
		png_set_PLTE(png, info, palette, 256);
		if (p->alpha)
			png_set_tRNS(png, info, trans, 256, NULL);
	}
	memset(&text, 0, sizeof text);
	text.compression = PNG_TEXT_COMPRESSION_NONE;
	text.key = (char *)"Title";
	text.text = (char *)p->label;
	png_set_text(png, info, &text, 1);
	png_write_info(png, info);

	row = malloc((size_t)p->width * (size_t)channels * 2);
	if (row == NULL)
		png_error(png, "out of memory");
	passes = p->interlace ? png_set_interlace_handling(png) : 1;
	for (int pass = 0; pass < passes; pass++) {
		for (unsigned y = 0; y < p->height; y++) {
			unsigned char *o = row;

			for (unsigned x = 0; x < p->width; x++) {
				unsigned v = shade(p, x, y, h);

				if (channels >= 3) {
					o = put_sample(o, v, p->depth);
					o = put_sample(o, v > 200 ? v : v / 2,
					    p->depth);
					o = put_sample(o, v, p->depth);
				} else {
					o = put_sample(o, v, p->depth);
				}
				if (channels == 2 || channels == 4)
					o = put_sample(o, x % 2 ? 255 : 200,
					    p->depth);
			}
			png_write_row(png, row);
		}
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(fp) == EOF) {
		perror(p->out);
		return -1;
	}
	return 0;
}

/* usage - the synopsis */
static int
usage(void)
{
	fprintf(stderr, "usage: mkpng -o FILE [-w W] [-h H] [--depth 8|16] "
	    "[--color gray|rgb|palette] [--alpha] [--interlace] "
	    "[--text LABEL] [--header-only]\n");
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "depth", required_argument, NULL, 'd' },
		{ "color", required_argument, NULL, 'c' },
		{ "alpha", no_argument, NULL, 'a' },
		{ "interlace", no_argument, NULL, 'i' },
		{ "text", required_argument, NULL, 't' },
		{ "header-only", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct page p = { .width = 64, .height = 64, .depth = 8,
	                  .color = PNG_COLOR_TYPE_GRAY, .label = "page" };
	int ch;

	while ((ch = getopt_long(argc, argv, "o:w:h:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			p.out = optarg;
			break;
		case 'w':
			p.width = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			p.height = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			p.depth = atoi(optarg);
			break;
		case 'c':
			if (strcmp(optarg, "gray") == 0)
				p.color = PNG_COLOR_TYPE_GRAY;
			else if (strcmp(optarg, "rgb") == 0)
				p.color = PNG_COLOR_TYPE_RGB;
			else if (strcmp(optarg, "palette") == 0)
				p.color = PNG_COLOR_TYPE_PALETTE;
			else
				return usage();
			break;
		case 'a':
			p.alpha = 1;
			break;
		case 'i':
			p.interlace = 1;
			break;
		case 't':
			p.label = optarg;
			break;
		case 'O':
			p.header_only = 1;
			break;
		case 'H':
			usage();
			return 0;
		default:
			return usage();
		}
	}
	if (p.header_only && p.out != NULL && optind == argc)
		return write_header_only(&p) == 0 ? 0 : EX_CANTCREAT;
	if (p.out == NULL || optind != argc || p.width < 8 || p.height < 8 ||
	    p.width > 1000000 || p.height > 1000000 ||
	    (unsigned long long)p.width * p.height > 50000000ULL ||
	    (p.depth != 8 && p.depth != 16) ||
	    (p.depth == 16 && p.color == PNG_COLOR_TYPE_PALETTE))
		return usage();
	return write_page(&p) == 0 ? 0 : EX_CANTCREAT;
}
