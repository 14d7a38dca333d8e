/*
 * seeds.c - write the generated seeds of the fuzz harnesses.
 *
 * SYNOPSIS
 *	seeds OUTDIR
 *
 * Writes OUTDIR/payload/<n> (report payloads signed by the harness key,
 * so fuzz_payload starts from ones that verify) and OUTDIR/png/qr-<n>.png
 * (small QR codes of those payloads, so fuzz_png starts from images whose
 * passes find a code). Nothing binary is kept in the repository: the
 * build makes these, beside the seeds taken from samples/ and tests/.
 */
#include <errno.h>
#include <sys/stat.h>

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

/* write_qr_png - TEXT as a gray QR code PNG at PATH */
static void
write_qr_png(const char *path, const char *text)
{
	QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	png_structp png;
	png_infop info;
	unsigned side, y, x;
	unsigned char *row;
	FILE *fp;

	if (qr == NULL) {
		perror("qrencode");
		exit(1);
	}
	side = ((unsigned)qr->width + 2 * SEED_QUIET) * SEED_MODULE;
	if ((row = malloc(side)) == NULL || (fp = fopen(path, "wb")) == NULL) {
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
	for (y = 0; y < side; y++) {
		int my = (int)(y / SEED_MODULE) - SEED_QUIET;

		for (x = 0; x < side; x++) {
			int mx = (int)(x / SEED_MODULE) - SEED_QUIET;
			int dark = mx >= 0 && my >= 0 && mx < qr->width &&
			    my < qr->width &&
			    (qr->data[my * qr->width + mx] & 1);

			row[x] = dark ? 0 : 255;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	if (fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
	free(row);
	QRcode_free(qr);
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
	}
	return 0;
}
