/*
 * NAME
 *	jpegfloor - decode JPEG files at full size and nothing else
 *
 * SYNOPSIS
 *	jpegfloor [--gray] FILE...
 *
 * DESCRIPTION
 *	A benchmark tool: decodes each FILE at its full size with
 *	libjpeg-turbo, from memory, as djpeg does (its colour space, RGB
 *	for a phone's YCbCr), or with --gray the luminance only (the
 *	cheapest full-size decode there is: no colour conversion, no chroma
 *	IDCT), and throws the pixels away. Its run time is the floor that
 *	decode's DCT-scaled first look at a large photograph has to go
 *	under (bench/photo.sh).
 *
 * EXIT STATUS
 *	0 all decoded; 65 some file could not be read or decoded.
 *
 * SEE ALSO
 *	pngfloor, qrphoto (tests/tools/), bench/photo.sh
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jpeglib.h>

struct failure {
	struct jpeg_error_mgr pub;
	jmp_buf back;
};

/* on_error - libjpeg's fatal error: back to the caller, never exit() */
static void
on_error(j_common_ptr cinfo)
{
	longjmp(((struct failure *)cinfo->err)->back, 1);
}

/* slurp - the whole of PATH into *DATA; its length, or 0 */
static size_t
slurp(const char *path, unsigned char **data)
{
	FILE *fp = fopen(path, "rb");
	long n;

	*data = NULL;
	if (fp == NULL || fseek(fp, 0, SEEK_END) == -1 || (n = ftell(fp)) <= 0 ||
	    fseek(fp, 0, SEEK_SET) == -1 || (*data = malloc((size_t)n)) == NULL ||
	    fread(*data, 1, (size_t)n, fp) != (size_t)n) {
		if (fp != NULL)
			fclose(fp);
		free(*data);
		*data = NULL;
		return 0;
	}
	fclose(fp);
	return (size_t)n;
}

/* decode_full - DATA decoded at full size; 0 or -1 */
static int
decode_full(const unsigned char *data, size_t n, int gray)
{
	struct jpeg_decompress_struct cinfo;
	struct failure f;
	unsigned char *volatile row = NULL;

	cinfo.err = jpeg_std_error(&f.pub);
	f.pub.error_exit = on_error;
	if (setjmp(f.back)) {
		jpeg_destroy_decompress(&cinfo);
		free(row);
		return -1;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, data, (unsigned long)n);
	(void)jpeg_read_header(&cinfo, TRUE);
	if (gray)
		cinfo.out_color_space = JCS_GRAYSCALE;
	(void)jpeg_start_decompress(&cinfo);
	row = malloc((size_t)cinfo.output_width * cinfo.output_components);
	if (row == NULL) {
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW r = row;

		if (jpeg_read_scanlines(&cinfo, &r, 1) != 1)
			break;
	}
	(void)jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	free(row);
	return 0;
}

/* main - every file, in order */
int
main(int argc, char **argv)
{
	int status = 0, gray = 0, i = 1;

	if (argc > 1 && strcmp(argv[1], "--gray") == 0)
		gray = 1, i++;
	for (; i < argc; i++) {
		unsigned char *data;
		size_t n = slurp(argv[i], &data);

		if (n == 0 || decode_full(data, n, gray) == -1) {
			fprintf(stderr, "jpegfloor: %s: cannot decode\n",
			    argv[i]);
			status = EX_DATAERR;
		}
		free(data);
	}
	return status;
}
