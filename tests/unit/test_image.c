/*
 * test_image.c - the image module (every PNG layout to gray, alpha on
 * white, broken files; pixel buffers in huge pages, a JPEG read through
 * a mapping), scan_escape, and decode.xml's round trip.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "image.h"
#include "qrscan.h"
#include "scanresult.h"
#include "unit.h"

static char tmpdir[] = "/tmp/credpipe-image.XXXXXX";

/* write_png - a 4x2 PNG of the given layout; ROWS are its raw rows */
static void
write_png(const char *path, int depth, int color, int interlace,
    png_colorp palette, int npalette, png_bytep trans, int ntrans,
    png_bytep rows[2])
{
	FILE *fp = fopen(path, "wb");
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    NULL, NULL);
	png_infop info = png_create_info_struct(png);

	if (setjmp(png_jmpbuf(png)))
		abort();
	png_init_io(png, fp);
	png_set_IHDR(png, info, 4, 2, depth, color, interlace,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (palette != NULL)
		png_set_PLTE(png, info, palette, npalette);
	if (trans != NULL)
		png_set_tRNS(png, info, trans, ntrans, NULL);
	png_write_info(png, info);
	png_write_image(png, rows);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	fclose(fp);
}

/* load - image_load_gray of NAME in tmpdir; the pixels or NULL */
static unsigned char *
load(const char *name, struct image *img, char *why, size_t size)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	if (image_load_gray(path, img, why, size) == -1)
		return NULL;
	return img->gray;
}

/* test_layouts - 16-bit, palette+alpha, RGBA, interlaced, 1-bit */
static void
test_layouts(void)
{
	char path[256], why[256];
	struct image img;
	unsigned char *g;

	/* 16-bit gray: the high byte */
	{
		png_byte r0[8] = { 0x00, 0x00, 0x80, 0x00, 0xff, 0xff, 0x12, 0x34 };
		png_byte r1[8] = { 0 };
		png_bytep rows[2] = { r0, r1 };

		snprintf(path, sizeof path, "%s/gray16.png", tmpdir);
		write_png(path, 16, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		    NULL, 0, NULL, 0, rows);
		g = load("gray16.png", &img, why, sizeof why);
		CHECK(g != NULL && img.width == 4 && img.height == 2,
		    "16-bit gray loads");
		CHECK(g && g[0] == 0 && g[1] == 0x80 && g[2] == 0xff &&
		    g[3] == 0x12, "16-bit gray keeps the high byte");
		image_free(&img);
	}
	/* palette with alpha (tRNS): transparent black is white paper */
	{
		png_color pal[2] = { { 0, 0, 0 }, { 255, 255, 255 } };
		png_byte alpha[2] = { 0, 255 };
		png_byte r0[4] = { 0, 1, 0, 1 }, r1[4] = { 1, 1, 1, 1 };
		png_bytep rows[2] = { r0, r1 };

		snprintf(path, sizeof path, "%s/palette.png", tmpdir);
		write_png(path, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
		    pal, 2, alpha, 2, rows);
		g = load("palette.png", &img, why, sizeof why);
		CHECK(g != NULL, "palette+alpha loads");
		CHECK(g && g[0] == 255 && g[1] == 255,
		    "transparent pixels are composed on white, not black");
		image_free(&img);
	}
	/* RGBA, 16 bits a channel: half-transparent black is mid gray */
	{
		png_byte r0[32] = { 0 }, r1[32] = { 0 };
		png_bytep rows[2] = { r0, r1 };

		r0[6] = 0xff, r0[7] = 0xff;             /* opaque black */
		r0[14] = 0x80;                          /* half alpha black */
		snprintf(path, sizeof path, "%s/rgba16.png", tmpdir);
		write_png(path, 16, PNG_COLOR_TYPE_RGB_ALPHA,
		    PNG_INTERLACE_NONE, NULL, 0, NULL, 0, rows);
		g = load("rgba16.png", &img, why, sizeof why);
		CHECK(g != NULL, "16-bit RGBA loads");
		CHECK(g && g[0] == 0 && g[1] > 120 && g[1] < 135 &&
		    g[2] == 255, "RGBA: opaque black, half gray, clear white");
		image_free(&img);
	}
	/* interlaced and 1-bit */
	{
		png_byte r0[4] = { 10, 20, 30, 40 }, r1[4] = { 50, 60, 70, 80 };
		png_bytep rows[2] = { r0, r1 };
		png_byte b0[1] = { 0xa0 }, b1[1] = { 0x50 };
		png_bytep brows[2] = { b0, b1 };

		snprintf(path, sizeof path, "%s/adam7.png", tmpdir);
		write_png(path, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7,
		    NULL, 0, NULL, 0, rows);
		g = load("adam7.png", &img, why, sizeof why);
		CHECK(g && g[0] == 10 && g[3] == 40 && g[4] == 50 &&
		    g[7] == 80, "interlaced gray loads row-major");
		image_free(&img);
		snprintf(path, sizeof path, "%s/bits.png", tmpdir);
		write_png(path, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		    NULL, 0, NULL, 0, brows);
		g = load("bits.png", &img, why, sizeof why);
		CHECK(g && g[0] == 255 && g[1] == 0 && g[2] == 255 &&
		    g[4] == 0 && g[5] == 255, "1-bit gray expands to 0/255");
		image_free(&img);
	}
}

/* test_broken - probe and load give a reason, never crash */
static void
test_broken(void)
{
	static const struct { const char *name, *bytes; size_t len;
	    const char *why; } cases[] = {
		{ "empty.png", "", 0, "empty file (0 bytes)" },
		{ "jpeg.png", "\xff\xd8\xff\xe0\0\x10JFIF", 10,
		  "truncated JPEG data (the file ends in its header)" },
		{ "gif.png", "GIF89a\1\0\1\0", 10,
		  "not a PNG, JPEG or PDF file (looks like GIF)" },
		{ "text.png", "hello, world\n", 13,
		  "not a PNG, JPEG or PDF file (no signature of any)" },
		{ "sig.png", "\x89PNG\r\n\x1a\n", 8, "truncated PNG data" },
		{ "short.png", "\x89PNG", 4, "truncated PNG data (4 bytes)" },
	};
	char path[256], why[256];
	unsigned w, h;
	struct image img;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		FILE *fp;

		snprintf(path, sizeof path, "%s/%s", tmpdir, cases[i].name);
		fp = fopen(path, "wb");
		fwrite(cases[i].bytes, 1, cases[i].len, fp);
		fclose(fp);
		why[0] = '\0';
		CHECK(image_probe(path, &w, &h, why, sizeof why) == -1,
		    "probe refuses %s", cases[i].name);
		CHECK_STR(why, cases[i].why, "probe of %s says why",
		    cases[i].name);
		CHECK(image_load_gray(path, &img, why, sizeof why) == -1 &&
		    img.gray == NULL, "load refuses %s", cases[i].name);
	}
	snprintf(path, sizeof path, "%s/fifo.png", tmpdir);
	mkfifo(path, 0600);
	CHECK(image_probe(path, &w, &h, why, sizeof why) == -1, "a FIFO");
	CHECK_STR(why, "not a regular file", "a FIFO is not a regular file");
	snprintf(path, sizeof path, "%s", tmpdir);
	CHECK(image_probe(path, &w, &h, why, sizeof why) == -1 &&
	    strcmp(why, "not a regular file") == 0, "a directory");
	snprintf(path, sizeof path, "%s/missing.png", tmpdir);
	CHECK(image_probe(path, &w, &h, why, sizeof why) == -1 &&
	    strstr(why, "No such file") != NULL, "a missing file");
	snprintf(path, sizeof path, "%s/gray16.png", tmpdir);
	CHECK(image_probe(path, &w, &h, why, sizeof why) == 0 && w == 4 &&
	    h == 2, "probe reads the dimensions");
}

/* test_escape - printable UTF-8 kept, the rest \xHH, backslash doubled */
static void
test_escape(void)
{
	static const struct { const char *in; size_t len; const char *out; }
	    cases[] = {
		{ "abc", 3, "abc" },
		{ "a\\b", 3, "a\\\\b" },
		{ "\xe5\xbc\xa0\xe4\xbc\x9f", 6, "\xe5\xbc\xa0\xe4\xbc\x9f" },
		{ "\xe5\xbc", 2, "\\xE5\\xBC" },
		{ "a\0b\n", 4, "a\\x00b\\x0A" },
		{ "\xc0\xaf", 2, "\\xC0\\xAF" },            /* overlong */
		{ "\xed\xa0\x80", 3, "\\xED\\xA0\\x80" },   /* surrogate */
		{ "\xc2\x85", 2, "\\xC2\\x85" },            /* C1 control */
		{ "\x7f", 1, "\\x7F" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		size_t n = scan_escape((const unsigned char *)cases[i].in,
		    cases[i].len, out, sizeof out);

		CHECK_STR(out, cases[i].out, "escape case %zu", i);
		CHECK(n == strlen(cases[i].out), "escape length %zu", i);
	}
	CHECK(scan_escape((const unsigned char *)"abcdef", 6, out, 4) == 6 &&
	    strcmp(out, "abc") == 0, "escape truncates like snprintf");
}

/* test_scanresult - save and load keep every byte and field */
static void
test_scanresult(void)
{
	struct scan_result *sr = calloc(1, sizeof *sr);
	struct scan_result *back = calloc(1, sizeof *back);
	char path[256];
	static const unsigned char bytes[] = { 'h', 0, 0xff, '<', '&', '\n' };

	snprintf(path, sizeof path, "%s/decode.xml", tmpdir);
	sr->nattachments = 2;
	snprintf(sr->attachments[0].file, 72, "report.png");
	snprintf(sr->attachments[0].kind, 32, "verification-report");
	snprintf(sr->attachments[0].status, 16, "ok");
	sr->attachments[0].ncodes = 1;
	sr->attachments[0].codes[0].data = malloc(sizeof bytes);
	memcpy(sr->attachments[0].codes[0].data, bytes, sizeof bytes);
	sr->attachments[0].codes[0].len = sizeof bytes;
	sr->attachments[0].codes[0].x = 10;
	sr->attachments[0].codes[0].h = 99;
	snprintf(sr->attachments[0].codes[0].pass, 32, "top");
	snprintf(sr->attachments[1].file, 72, "bad.png");
	snprintf(sr->attachments[1].status, 16, "error");
	snprintf(sr->attachments[1].message, 256, "CRC error in IDAT <&>");
	CHECK(scan_result_save(sr, path) == 0, "decode.xml saved");
	CHECK(scan_result_load(back, path) == 0, "decode.xml loaded");
	CHECK(back->nattachments == 2 && back->attachments[0].ncodes == 1,
	    "attachments and codes come back");
	CHECK(back->attachments[0].codes[0].len == sizeof bytes &&
	    memcmp(back->attachments[0].codes[0].data, bytes,
	    sizeof bytes) == 0, "payload bytes exact (NUL, 0xff, <, &)");
	CHECK(back->attachments[0].codes[0].x == 10 &&
	    back->attachments[0].codes[0].h == 99, "bounding box");
	CHECK_STR(back->attachments[0].codes[0].pass, "top", "pass");
	CHECK_STR(back->attachments[0].kind, "verification-report", "kind");
	CHECK_STR(back->attachments[1].status, "error", "error status");
	CHECK_STR(back->attachments[1].message, "CRC error in IDAT <&>",
	    "error message");
	scan_result_free(back);
	snprintf(path, sizeof path, "%s/missing.xml", tmpdir);
	CHECK(scan_result_load(back, path) == -1 && errno == ENOENT,
	    "a missing decode.xml is ENOENT");
	scan_result_free(sr);
	scan_result_free(back);
	free(sr);
	free(back);
}

/*
 * thp_eligible - 1 when the mapping holding P may be backed by huge pages
 * (its "THPeligible" in /proc/self/smaps), 0 when not, -1 when unknown
 */
static int
thp_eligible(const void *p)
{
	FILE *fp = fopen("/proc/self/smaps", "r");
	char line[512];
	uintptr_t a = (uintptr_t)p, lo, hi;
	int in = 0, got = -1, v;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (sscanf(line, "%jx-%jx ", (uintmax_t *)&lo,
		    (uintmax_t *)&hi) == 2 && strchr(line, '-') <
		    strchr(line, ' '))
			in = lo <= a && a < hi;
		else if (in && sscanf(line, "THPeligible: %d", &v) == 1)
			got = v;
	}
	fclose(fp);
	return got;
}

/* thp_mode - the kernel's transparent huge page mode, or "" */
static const char *
thp_mode(char *buf, size_t size)
{
	FILE *fp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128], *a, *b;

	buf[0] = '\0';
	if (fp == NULL)
		return buf;
	if (fgets(line, sizeof line, fp) != NULL &&
	    (a = strchr(line, '[')) != NULL && (b = strchr(a, ']')) != NULL) {
		*b = '\0';
		snprintf(buf, size, "%s", a + 1);
	}
	fclose(fp);
	return buf;
}

/*
 * test_pixels - image_pixels_alloc: small buffers as malloc's, big ones
 * 2 MB-aligned in a mapping that may get huge pages; image_scratch keeps
 * the contents when it grows past the threshold
 */
static void
test_pixels(void)
{
	size_t big = (size_t)2480 * 3508, have = 0;     /* 300-dpi A4 */
	unsigned char *p, *s = NULL;
	char mode[32];

	p = image_pixels_alloc(1000);
	CHECK(p != NULL, "a small pixel buffer");
	memset(p, 1, 1000);
	free(p);
	p = image_pixels_alloc(big);
	CHECK(p != NULL && (uintptr_t)p % (2UL << 20) == 0,
	    "a page's pixel buffer is aligned to 2 MB");
	memset(p, 1, big);
	thp_mode(mode, sizeof mode);
	if (strcmp(mode, "madvise") == 0 || strcmp(mode, "always") == 0)
		CHECK(thp_eligible(p) == 1, "a page's pixel buffer may get "
		    "huge pages (THP mode %s)", mode);
	else
		printf("ok - # SKIP huge pages: THP mode \"%s\"\n", mode);
	free(p);
	p = image_pixels_alloc((size_t)1654 * 2339);    /* 200-dpi A4 */
	CHECK(p != NULL && (uintptr_t)p % (2UL << 20) == 0,
	    "a 200-dpi page's buffer is in whole huge pages too");
	memset(p, 1, (size_t)1654 * 2339);
	if (strcmp(mode, "madvise") == 0 || strcmp(mode, "always") == 0)
		CHECK(thp_eligible(p) == 1 &&
		    thp_eligible(p + (2UL << 20)) == 1,
		    "its tail past 2 MB may get a huge page as well");
	free(p);
	CHECK(image_scratch(&s, &have, 100) == 0 && have == 100,
	    "a small scratch buffer");
	memset(s, 7, 100);
	CHECK(image_scratch(&s, &have, big) == 0 && have == big &&
	    s[0] == 7 && s[99] == 7 && (uintptr_t)s % (2UL << 20) == 0,
	    "grown to a page: contents kept, aligned to 2 MB");
	memset(s, 1, big);
	CHECK(image_scratch(&s, &have, 50) == 0 && have == big,
	    "a smaller request keeps the buffer");
	free(s);
}

/* mapped - the number of mappings of PATH in this process */
static int
mapped(const char *path)
{
	FILE *fp = fopen("/proc/self/maps", "r");
	char line[4096];
	size_t n = strlen(path);
	int count = 0;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL) {
		size_t len = strcspn(line, "\n");

		if (len >= n && memcmp(line + len - n, path, n) == 0)
			count++;
	}
	fclose(fp);
	return count;
}

/*
 * test_mapped - a JPEG's bytes are the file mapped read-only while its
 * reader is open (not a copy: a worker's fresh memory), unmapped at close,
 * and it decodes the same
 */
static void
test_mapped(void)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	struct image_reader *r;
	struct image img;
	unsigned char row[64], *buf = NULL;
	unsigned long size = 0;
	unsigned w, h;
	char path[300], why[256];
	FILE *fp;

	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &buf, &size);
	c.image_width = 64;
	c.image_height = 16;
	c.input_components = 1;
	c.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < 16) {
		JSAMPROW rp = row;

		memset(row, c.next_scanline < 8 ? 0 : 255, sizeof row);
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	snprintf(path, sizeof path, "%s/mapped.jpg", tmpdir);
	fp = fopen(path, "wb");
	CHECK(fp != NULL && fwrite(buf, 1, size, fp) == size &&
	    fclose(fp) == 0, "a JPEG written");
	free(buf);
	CHECK(image_reader_open(path, &r, &w, &h, why, sizeof why) == 0 &&
	    w == 64 && h == 16, "the JPEG opens");
	CHECK(mapped(path) == 1, "its bytes are the file mapped");
	CHECK(image_reader_rows(r, h, why, sizeof why) == 0,
	    "it decodes from the mapping");
	image_reader_take(r, &img);
	image_reader_close(r);
	CHECK(img.gray != NULL && img.gray[0] < 32 &&
	    img.gray[15 * 64 + 63] > 224, "its pixels are right");
	image_free(&img);
	CHECK(mapped(path) == 0, "unmapped when the reader closes");
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_layouts();
	test_broken();
	test_escape();
	test_scanresult();
	test_pixels();
	test_mapped();
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return unit_done();
}
