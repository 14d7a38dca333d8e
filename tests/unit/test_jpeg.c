/*
 * test_jpeg.c - the JPEG module: every color layout to gray, EXIF
 * orientation 1..8 applied, DCT scaling, and broken or hostile files
 * (truncated, cut header, bad EXIF offsets, too many pixels) answered
 * with a sentence. The JPEGs are written here with libjpeg.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>

#include "image.h"
#include "jpeg.h"
#include "unit.h"

#define W 64
#define H 32

static char tmpdir[] = "/tmp/credpipe-jpeg.XXXXXX";

/* shown - the page as a person sees it: dark top-left quarter, white */
static unsigned char
shown(unsigned x, unsigned y)
{
	return x < W / 2 && y < H / 2 ? 0 : 255;
}

/*
 * stored - the pixel a camera stores at (X, Y) of its SW-wide raster so
 * that showing it with ORIENTATION gives shown(): each orientation's
 * inverse, written out.
 */
static unsigned char
stored(int orientation, unsigned x, unsigned y)
{
	switch (orientation) {
	case 2: return shown(W - 1 - x, y);
	case 3: return shown(W - 1 - x, H - 1 - y);
	case 4: return shown(x, H - 1 - y);
	case 5: return shown(y, x);
	case 6: return shown(W - 1 - y, x);     /* row 0 is the right side */
	case 7: return shown(W - 1 - y, H - 1 - x);
	case 8: return shown(y, H - 1 - x);     /* row 0 is the left side */
	default: return shown(x, y);
	}
}

/* struct spec - how to write one test JPEG */
struct spec {
	int orientation;        /* 0: no EXIF */
	int components;         /* 1, 3 or 4 */
	int adobe;              /* 4 components: Adobe-inverted */
	int progressive;
};

/* encode - a JPEG of the shown page per S into *OUT (malloc'd), its size */
static unsigned long
encode(const struct spec *s, unsigned char **out)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	int swap = s->orientation >= 5;
	unsigned sw = swap ? H : W, sh = swap ? W : H;
	unsigned char row[W * 4];
	unsigned long size = 0;

	*out = NULL;
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, out, &size);
	c.image_width = sw;
	c.image_height = sh;
	c.input_components = s->components;
	c.in_color_space = s->components == 1 ? JCS_GRAYSCALE :
	    s->components == 3 ? JCS_RGB : JCS_CMYK;
	jpeg_set_defaults(&c);
	c.write_Adobe_marker = s->components == 4 && s->adobe;
	jpeg_set_quality(&c, 95, TRUE);
	if (s->progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	if (s->orientation > 0) {
		unsigned char exif[] = { 'E', 'x', 'i', 'f', 0, 0,
		    'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0,
		    0x12, 0x01, 3, 0, 1, 0, 0, 0,
		    (unsigned char)s->orientation, 0, 0, 0, 0, 0, 0, 0 };

		jpeg_write_marker(&c, JPEG_APP0 + 1, exif, sizeof exif);
	}
	while (c.next_scanline < sh) {
		JSAMPROW r = row;

		for (unsigned x = 0; x < sw; x++) {
			unsigned char g = stored(s->orientation, x,
			    c.next_scanline);

			if (s->components == 1) {
				row[x] = g;
			} else if (s->components == 3) {
				memset(row + 3 * x, g, 3);
			} else if (s->adobe) {
				memset(row + 4 * x, 255, 3);    /* no ink */
				row[4 * x + 3] = g;
			} else {
				memset(row + 4 * x, 0, 3);      /* ink */
				row[4 * x + 3] = (unsigned char)(255 - g);
			}
		}
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return size;
}

/* upright - IMG (W×H) shows a dark top-left quarter and white elsewhere */
static int
upright(const struct image *img)
{
	static const unsigned probe[][2] = {
		{ W / 4, H / 4 }, { 3 * W / 4, H / 4 },
		{ W / 4, 3 * H / 4 }, { 3 * W / 4, 3 * H / 4 },
	};

	if (img->width != W || img->height != H)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		unsigned x = probe[i][0], y = probe[i][1];
		int g = img->gray[(size_t)W * y + x];

		if (shown(x, y) == 0 ? g > 64 : g < 192)
			return 0;
	}
	return 1;
}

/* decode_buf - probe and decode N bytes at D at 1/DENOM; 0 or -1 + WHY */
static int
decode_buf(const unsigned char *d, size_t n, unsigned denom,
    struct image *img, char *why, size_t size)
{
	struct jpeg_header hd;

	if (jpeg_probe(d, n, &hd, why, size) == -1)
		return -1;
	return jpeg_decode_gray(d, n, &hd, denom, img, why, size);
}

/* test_layouts - gray, YCbCr, CMYK both ways, progressive, orientations */
static void
test_layouts(void)
{
	static const struct { const char *name; struct spec s; } cases[] = {
		{ "baseline YCbCr", { 0, 3, 0, 0 } },
		{ "progressive YCbCr", { 0, 3, 0, 1 } },
		{ "grayscale", { 0, 1, 0, 0 } },
		{ "Adobe CMYK (inverted)", { 0, 4, 1, 0 } },
		{ "plain CMYK (not inverted)", { 0, 4, 0, 0 } },
		{ "EXIF orientation 1", { 1, 3, 0, 0 } },
		{ "EXIF orientation 2 (mirrored)", { 2, 3, 0, 0 } },
		{ "EXIF orientation 3 (180)", { 3, 3, 0, 0 } },
		{ "EXIF orientation 4 (flipped)", { 4, 3, 0, 0 } },
		{ "EXIF orientation 5 (transposed)", { 5, 3, 0, 0 } },
		{ "EXIF orientation 6 (90)", { 6, 3, 0, 0 } },
		{ "EXIF orientation 7 (transverse)", { 7, 1, 0, 1 } },
		{ "EXIF orientation 8 (270)", { 8, 4, 1, 0 } },
	};
	char why[256];

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		unsigned char *d;
		unsigned long n = encode(&cases[i].s, &d);
		struct image img;
		int rc = decode_buf(d, n, 1, &img, why, sizeof why);

		CHECK(rc == 0 && upright(&img), "%s: upright %ux%u gray",
		    cases[i].name, W, H);
		if (rc == -1)
			printf("#   %s\n", why);
		else
			image_free(&img);
		free(d);
	}
}

/* test_scaled - DCT scaling gives 1/2, 1/4, 1/8 of the oriented size */
static void
test_scaled(void)
{
	struct spec s = { 6, 3, 0, 0 };
	unsigned char *d;
	unsigned long n = encode(&s, &d);
	char why[256];

	for (unsigned denom = 2; denom <= 8; denom *= 2) {
		struct image img;
		int rc = decode_buf(d, n, denom, &img, why, sizeof why);

		CHECK(rc == 0 && img.width == W / denom &&
		    img.height == H / denom, "1/%u scale: %ux%u", denom,
		    W / denom, H / denom);
		if (rc == 0)
			image_free(&img);
	}
	free(d);
}

/*
 * test_rows - the row-by-row decode: the rows read before it is closed
 * half-way are those of the whole decode, in the stored orientation, and
 * take turns the whole raster upright; closing half-way frees it all
 * (the sanitizer build's leak check)
 */
static void
test_rows(void)
{
	struct spec s = { 6, 3, 0, 0 };
	unsigned char *d;
	unsigned long n = encode(&s, &d);
	struct jpeg_rows *jr;
	struct image whole, img;
	char why[256];
	unsigned w, h;
	int rc, same;

	CHECK(decode_buf(d, n, 1, &whole, why, sizeof why) == 0,
	    "rows: the whole decode");
	rc = jpeg_rows_open(d, n, 1, &jr, &w, &h, why, sizeof why);
	CHECK(rc == 0 && w == H && h == W, "rows: open, %ux%u as stored", H,
	    W);
	if (rc == 0) {
		unsigned char *stored_ok;
		unsigned ow, oh;

		CHECK(jpeg_rows_read(jr, h / 2, why, sizeof why) == 0,
		    "rows: the top half read");
		CHECK(jpeg_rows_take(jr, 6, &img, why, sizeof why) == -1,
		    "rows: no upright raster before the last row");
		/* the stored top half, turned, is the right half shown */
		stored_ok = jpeg_orient(jpeg_rows_gray(jr), w, h / 2, 6, &ow,
		    &oh);
		same = stored_ok != NULL && ow == W / 2 && oh == H;
		for (unsigned y = 0; same && y < oh; y++)
			same = memcmp(stored_ok + (size_t)ow * y, whole.gray +
			    (size_t)W * y + W / 2, ow) == 0;
		CHECK(same, "rows: the top stored half is the whole decode's "
		    "right half");
		free(stored_ok);
		jpeg_rows_close(jr);
	}
	rc = jpeg_rows_open(d, n, 1, &jr, &w, &h, why, sizeof why);
	if (rc == 0) {
		rc = jpeg_rows_read(jr, h, why, sizeof why);
		CHECK(rc == 0 && jpeg_rows_take(jr, 6, &img, why,
		    sizeof why) == 0 && upright(&img) &&
		    memcmp(img.gray, whole.gray, (size_t)W * H) == 0,
		    "rows: every row read, taken upright as the whole decode");
		if (rc == 0)
			image_free(&img);
		jpeg_rows_close(jr);
	}
	image_free(&whole);
	free(d);
}

/*
 * test_orient_box - a box of a stored raster lands, for each
 * orientation, where jpeg_orient puts its pixels
 */
static void
test_orient_box(void)
{
	enum { SW = 12, SH = 7 };
	unsigned char src[SW * SH];

	memset(src, 0, sizeof src);
	for (int y = 1; y < 4; y++)
		for (int x = 2; x < 7; x++)
			src[SW * y + x] = 255;
	for (int o = 1; o <= 8; o++) {
		int box[4] = { 2, 1, 7, 4 }, seen[4] = { 99, 99, -1, -1 };
		unsigned ow, oh;
		unsigned char *up = jpeg_orient(src, SW, SH, o, &ow, &oh);

		jpeg_orient_box(o, SW, SH, box);
		for (unsigned y = 0; up != NULL && y < oh; y++)
			for (unsigned x = 0; x < ow; x++)
				if (up[ow * y + x] == 255) {
					seen[0] = (int)x < seen[0] ? (int)x : seen[0];
					seen[1] = (int)y < seen[1] ? (int)y : seen[1];
					seen[2] = (int)x + 1 > seen[2] ? (int)x + 1 :
					    seen[2];
					seen[3] = (int)y + 1 > seen[3] ? (int)y + 1 :
					    seen[3];
				}
		CHECK(up != NULL && memcmp(box, seen, sizeof box) == 0,
		    "orientation %d: the box is where its pixels are shown "
		    "(%d,%d-%d,%d)", o, seen[0], seen[1], seen[2], seen[3]);
		free(up);
	}
}

/* test_broken - truncated, cut headers, hostile EXIF, too many pixels */
static void
test_broken(void)
{
	struct spec s = { 6, 3, 0, 0 };
	unsigned char *d, *copy;
	unsigned long n = encode(&s, &d);
	struct image img;
	char why[256], path[300];
	unsigned w, h;
	size_t sof = 0, app1 = 0;
	FILE *fp;

	for (size_t i = 2; i + 1 < n; i++) {
		if (d[i] == 0xFF && d[i + 1] == 0xC0 && sof == 0)
			sof = i;
		if (d[i] == 0xFF && d[i + 1] == 0xE1 && app1 == 0)
			app1 = i;
	}
	CHECK(decode_buf(d, n - 20, 1, &img, why, sizeof why) == -1 &&
	    strstr(why, "truncated JPEG data") != NULL,
	    "cut in the image data: truncated (%s)", why);
	CHECK(decode_buf(d, sof + 5, 1, &img, why, sizeof why) == -1 &&
	    strstr(why, "truncated JPEG data") != NULL,
	    "cut in the frame header: truncated (%s)", why);
	CHECK(decode_buf(d, 2, 1, &img, why, sizeof why) == -1 &&
	    strstr(why, "truncated JPEG data") != NULL,
	    "only a start of image: truncated (%s)", why);

	/* the EOI removed, the data otherwise whole: libjpeg alone warns */
	{
		struct jpeg_header hd;

		CHECK(jpeg_probe(d, n - 2, &hd, why, sizeof why) == -1 &&
		    strcmp(why, "truncated JPEG data (no end-of-image "
		    "marker)") == 0, "no EOI: %s", why);
		CHECK(jpeg_decode_gray(d, n - 2, &hd, 1, &img, why,
		    sizeof why) == -1 && strstr(why, "truncated") != NULL,
		    "no EOI, decoded anyway: %s", why);
	}

	/* EXIF whose IFD offset and entry count point past the segment */
	copy = malloc(n);
	memcpy(copy, d, n);
	CHECK(app1 > 0, "the test JPEG has an APP1 segment");
	copy[app1 + 4 + 6 + 4] = 0xF0;           /* IFD0 offset 0xF0..: far */
	{
		struct jpeg_header hd;

		CHECK(jpeg_probe(copy, n, &hd, why, sizeof why) == 0 &&
		    hd.orientation == 1, "EXIF offset past its segment: "
		    "orientation ignored, file read");
		memcpy(copy, d, n);
		copy[app1 + 4 + 6 + 8] = 0xFF;   /* 65535 entries */
		copy[app1 + 4 + 6 + 9] = 0xFF;
		CHECK(jpeg_probe(copy, n, &hd, why, sizeof why) == 0,
		    "EXIF entry count past its segment: no overread");
	}

	/* a frame header declaring 10000 x 6000 */
	memcpy(copy, d, n);
	copy[sof + 5] = 6000 >> 8;
	copy[sof + 6] = 6000 & 255;
	copy[sof + 7] = 10000 >> 8;
	copy[sof + 8] = 10000 & 255;
	snprintf(path, sizeof path, "%s/huge.png", tmpdir);
	fp = fopen(path, "wb");
	fwrite(copy, 1, n, fp);
	fclose(fp);
	CHECK(image_probe(path, &w, &h, why, sizeof why) == -1 &&
	    strstr(why, "more than 50 megapixels") != NULL,
	    "60 MP declared: refused before decoding (%s)", why);

	/* a JPEG named .png is read as the JPEG it is */
	snprintf(path, sizeof path, "%s/photo.png", tmpdir);
	fp = fopen(path, "wb");
	fwrite(d, 1, n, fp);
	fclose(fp);
	CHECK(image_probe(path, &w, &h, why, sizeof why) == 0 && w == W &&
	    h == H, "a JPEG named .png: probed as JPEG, %ux%u as shown", W,
	    H);
	CHECK(image_load_gray(path, &img, why, sizeof why) == 0 &&
	    upright(&img), "a JPEG named .png: loaded upright");
	image_free(&img);
	free(copy);
	free(d);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	test_layouts();
	test_scaled();
	test_rows();
	test_orient_box();
	test_broken();
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return 1;
	return unit_done();
}
