/*
 * image.h - safe PNG, JPEG and PDF (first pages) loading for validation
 * and decoding.
 */
#ifndef CREDPIPE_IMAGE_H
#define CREDPIPE_IMAGE_H

#include <stddef.h>

#define IMAGE_MAX_PIXELS (50UL * 1000 * 1000)
#define IMAGE_MAX_BYTES (20UL * 1024 * 1024)

/* what a file is, by its first bytes (never by its name) */
enum image_format {
	IMAGE_UNKNOWN,
	IMAGE_PNG,
	IMAGE_JPEG,
	IMAGE_PDF,
};

struct image {
	unsigned width, height;
	unsigned char *gray;            /* width * height, 8-bit, row-major */
};

/*
 * image_probe - read only the header of PATH (no link followed): a PNG's
 * signature and IHDR, a JPEG's markers (and that it reaches its EOI), or
 * a PDF parsed (complete, unencrypted, its first pages' sizes):
 * dimensions, as shown, into *W, *H. 0 ok; -1 with a sentence for a
 * person in WHY ("not a PNG or JPEG file (looks like GIF)", ...).
 */
int image_probe(const char *path, unsigned *w, unsigned *h, char *why,
    size_t size);
/* image_probe_fd - image_probe of the file open on FD; FD is closed */
int image_probe_fd(int fd, unsigned *w, unsigned *h, char *why, size_t size);
/* image_format_fd - the format of the open file FD from its magic bytes */
enum image_format image_format_fd(int fd);
/*
 * image_load_gray - decode PATH to 8-bit gray (PNG: palette, 16-bit, alpha
 * on white, interlaced; JPEG: gray, YCbCr, CMYK/YCCK, EXIF orientation
 * applied); dimensions checked before allocation.
 * 0 ok; -1 with WHY.
 */
int image_load_gray(const char *path, struct image *img, char *why,
    size_t size);
/*
 * image_pixels_alloc - N bytes for pixels (free() releases them); from
 * IMAGE_HUGE_MIN bytes on, in whole 2 MB pages, aligned and advised as
 * transparent huge pages (fewer page faults in a fresh worker); NULL when
 * out of memory
 */
#define IMAGE_HUGE_MIN (2UL * 1024 * 1024)
void *image_pixels_alloc(size_t n);
/*
 * image_scratch - grow the scratch buffer *BUFP (HAVE bytes now) to at
 * least SIZE bytes, for the passes that reuse one buffer page after page;
 * 0, or -1 (out of memory: the old buffer is kept)
 */
int image_scratch(void *bufp, size_t *have, size_t size);
/* image_free - release the pixels */
void image_free(struct image *img);

/*
 * The progressive reader: open checks the header and allocates the gray
 * buffer; rows decodes further rows (a caller can look at the top of a
 * page before the rest is decoded); take hands the buffer over.
 */
struct image_reader;
/* image_reader_open - header checked, buffers ready; 0 or -1 with WHY */
int image_reader_open(const char *path, struct image_reader **r,
    unsigned *w, unsigned *h, char *why, size_t size);
/*
 * image_reader_open_fd - the same from FD, an open regular file at offset
 * 0 (a worker that may not open the spool); FD is closed with the reader
 * or on failure.
 */
int image_reader_open_fd(int fd, struct image_reader **r, unsigned *w,
    unsigned *h, char *why, size_t size);
/* image_reader_rows - decode up to row UPTO; 0 or -1 with WHY */
int image_reader_rows(struct image_reader *r, unsigned upto, char *why,
    size_t size);
/* image_reader_gray - the gray buffer, valid for the rows decoded so far */
const unsigned char *image_reader_gray(const struct image_reader *r);
/* image_reader_take - move the gray buffer into IMG */
void image_reader_take(struct image_reader *r, struct image *img);
/* image_reader_format - what the file is (PNG, JPEG or PDF) */
enum image_format image_reader_format(const struct image_reader *r);
struct jpeg_rows;
/*
 * image_reader_scaled_rows - a JPEG decoded at 1/DENOM of its size (DCT
 * scaling: 2, 4 or 8) row by row in the stored orientation, *W×*H
 * (jpeg.h's jpeg_rows: read, take, close, which may come before the
 * last row); *ORIENTATION the EXIF tag to show it with.
 * 0, or -1 with WHY.
 */
int image_reader_scaled_rows(struct image_reader *r, unsigned denom,
    struct jpeg_rows **jr, unsigned *w, unsigned *h, int *orientation,
    char *why, size_t size);
/* image_reader_close - release the reader */
void image_reader_close(struct image_reader *r);

#endif
