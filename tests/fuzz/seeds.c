/*
 * seeds.c - write the generated seeds of the fuzz harnesses.
 *
 * SYNOPSIS
 *	seeds OUTDIR
 *
 * Writes OUTDIR/payload/<n> (report payloads signed by the harness key,
 * so fuzz_payload starts from ones that verify) and OUTDIR/png/qr-<n>.png
 * (small QR codes of those payloads, so fuzz_png starts from images whose
 * passes find a code), and the same codes as OUTDIR/png/qr-<n>.jpg
 * (colour or gray, baseline or progressive). Nothing binary is kept in the repository: the
 * build makes these, beside the seeds taken from samples/ and tests/.
 */
#include <errno.h>
#include <sys/stat.h>

#include <stdio.h>

#include <jpeglib.h>
#include <png.h>
#include <qrencode.h>

#include "fuzz.h"

/* The module size and quiet zone of the QR seeds, in pixels / modules. */
#define SEED_MODULE 3
#define SEED_QUIET 4

static const struct {
	const char *code, *expiry, *certno, *holder;
} payloads[] = {
	{ "7KQ2M9X4T1HC8D5R", "20261230", "100011202105001234", "张伟" },
	{ "7KQ2M9X4T1HC8D5R", "0", "", "李" },
	{ "3J8W2R6P0V5N1M4T", "20270101", "A-12 3/4", "Zhang Wei" },
	{ "9XH4B2Q7K5D1C8M6", "0", "000", "O'Brien & Søn" },
};

/* write_file - PATH holds exactly LEN bytes of DATA */
static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp)) {
		perror(path);
		exit(1);
	}
}

/* qr_raster - TEXT as a gray QR code, *SIDE pixels square (malloc'd) */
static unsigned char *
qr_raster(const char *text, unsigned *side)
{
	QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	unsigned char *px;

	if (qr == NULL) {
		perror("qrencode");
		exit(1);
	}
	*side = ((unsigned)qr->width + 2 * SEED_QUIET) * SEED_MODULE;
	if ((px = malloc((size_t)*side * *side)) == NULL) {
		perror("malloc");
		exit(1);
	}
	for (unsigned y = 0; y < *side; y++) {
		int my = (int)(y / SEED_MODULE) - SEED_QUIET;

		for (unsigned x = 0; x < *side; x++) {
			int mx = (int)(x / SEED_MODULE) - SEED_QUIET;
			int dark = mx >= 0 && my >= 0 && mx < qr->width &&
			    my < qr->width &&
			    (qr->data[my * qr->width + mx] & 1);

			px[(size_t)y * *side + x] = dark ? 0 : 255;
		}
	}
	QRcode_free(qr);
	return px;
}

/* write_qr_png - TEXT as a gray QR code PNG at PATH */
static void
write_qr_png(const char *path, const char *text)
{
	png_structp png;
	png_infop info;
	unsigned side;
	unsigned char *px = qr_raster(text, &side);
	FILE *fp;

	if ((fp = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
	    NULL);
	info = png_create_info_struct(png);
	if (png == NULL || info == NULL || setjmp(png_jmpbuf(png))) {
		fprintf(stderr, "%s: libpng failed\n", path);
		exit(1);
	}
	png_init_io(png, fp);
	png_set_IHDR(png, info, side, side, 8, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < side; y++)
		png_write_row(png, px + (size_t)y * side);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	if (fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	free(px);
}

/*
 * write_qr_jpeg - TEXT as a QR code JPEG at PATH (quality 75): colour
 * (YCbCr, as a phone writes) or gray, baseline or PROGRESSIVE, so that
 * fuzz_png starts from JPEGs whose passes find a code too
 */
static void
write_qr_jpeg(const char *path, const char *text, int color,
    int progressive)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned side;
	unsigned char *px = qr_raster(text, &side);
	unsigned char *row = malloc((size_t)side * 3);
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || row == NULL) {
		perror(path);
		exit(1);
	}
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, fp);
	c.image_width = side;
	c.image_height = side;
	c.input_components = color ? 3 : 1;
	c.in_color_space = color ? JCS_RGB : JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 75, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	for (unsigned y = 0; y < side; y++) {
		JSAMPROW r = row;

		for (unsigned x = 0; x < side; x++) {
			unsigned char v = px[(size_t)y * side + x];

			if (color)
				row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = v;
			else
				row[x] = v;
		}
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	if (fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	free(row);
	free(px);
}

/* make_dir - mkdir PATH unless it exists */
static void
make_dir(const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct signing_key key;
	struct trusted_keys keys;
	char dir[4096], path[4200], url[2048];

	if (argc != 2) {
		fprintf(stderr, "usage: seeds OUTDIR\n");
		return 64;
	}
	fuzz_key(&key, &keys);
	make_dir(argv[1]);
	snprintf(dir, sizeof dir, "%s/payload", argv[1]);
	make_dir(dir);
	snprintf(dir, sizeof dir, "%s/png", argv[1]);
	make_dir(dir);
	for (size_t i = 0; i < sizeof payloads / sizeof *payloads; i++) {
		if (payload_build(&key, FUZZ_VERIFY_URL, payloads[i].code,
		    payloads[i].expiry, payloads[i].certno,
		    payloads[i].holder, url, sizeof url) == -1) {
			fprintf(stderr, "payload %zu does not fit\n", i);
			return 1;
		}
		snprintf(path, sizeof path, "%s/payload/signed-%zu", argv[1], i);
		write_file(path, url, strlen(url));
		snprintf(path, sizeof path, "%s/png/qr-%zu.png", argv[1], i);
		write_qr_png(path, url);
		snprintf(path, sizeof path, "%s/png/qr-%zu.jpg", argv[1], i);
		write_qr_jpeg(path, url, (i & 1) == 0, (i & 2) != 0);
	}
	return 0;
}
