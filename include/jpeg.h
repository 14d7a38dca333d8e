/*
 * jpeg.h - JPEG attachments (libjpeg-turbo) to 8-bit gray, from memory.
 */
#ifndef CREDPIPE_JPEG_H
#define CREDPIPE_JPEG_H

#include <stddef.h>

struct image;

/* what the marker walk learns without decoding a pixel */
struct jpeg_header {
	unsigned width, height;         /* as stored (before orientation) */
	int components;
	int orientation;                /* EXIF 1..8; 1 without a tag */
};

/*
 * jpeg_probe - walk the markers of the N bytes at DATA: frame size,
 * EXIF orientation, and that the scan data ends with an EOI marker.
 * Nothing is decoded, nothing big allocated. 0, or -1 with a sentence
 * in WHY ("truncated JPEG data (no end-of-image marker)", ...).
 */
int jpeg_probe(const unsigned char *data, size_t n, struct jpeg_header *hd,
    char *why, size_t size);
/*
 * jpeg_decode_gray - decode DATA to gray at 1/DENOM of its size (DCT
 * scaling: DENOM 1, 2, 4 or 8), CMYK/YCCK reduced to gray, the EXIF
 * orientation of HD applied: IMG is upright as a person sees the photo.
 * The caller has checked HD's pixel count. 0, or -1 with WHY.
 */
int jpeg_decode_gray(const unsigned char *data, size_t n,
    const struct jpeg_header *hd, unsigned denom, struct image *img,
    char *why, size_t size);

/*
 * The row-by-row decode, in the stored orientation (EXIF not applied):
 * open reads the header and allocates the whole gray raster at 1/DENOM
 * (W×H as stored), read decodes further rows, take hands the raster over
 * upright once every row is read, close ends the decode wherever it is:
 * the rows not read are never entropy-decoded. After an error only close
 * is of use.
 */
struct jpeg_rows;
/* jpeg_rows_open - 0, or -1 with a sentence in WHY */
int jpeg_rows_open(const unsigned char *data, size_t n, unsigned denom,
    struct jpeg_rows **jr, unsigned *w, unsigned *h, char *why,
    size_t size);
/* jpeg_rows_read - decode the stored rows up to UPTO; 0 or -1 with WHY */
int jpeg_rows_read(struct jpeg_rows *jr, unsigned upto, char *why,
    size_t size);
/* jpeg_rows_gray - the stored raster (W bytes a row), the rows read so far */
const unsigned char *jpeg_rows_gray(const struct jpeg_rows *jr);
/*
 * jpeg_rows_take - the raster, every row read, as EXIF ORIENTATION shows
 * it, into IMG (the decode keeps no pixels). 0, or -1 with WHY.
 */
int jpeg_rows_take(struct jpeg_rows *jr, int orientation, struct image *img,
    char *why, size_t size);
/* jpeg_rows_close - end the decode (NULL: nothing) */
void jpeg_rows_close(struct jpeg_rows *jr);

/*
 * jpeg_orient - the W×H pixels of SRC as EXIF ORIENTATION (1..8) shows
 * them, in a new buffer of *OW×*OH; NULL: out of memory
 */
unsigned char *jpeg_orient(const unsigned char *src, unsigned w, unsigned h,
    int orientation, unsigned *ow, unsigned *oh);
/*
 * jpeg_orient_box - BOX (x0, y0, x1, y1; x1 and y1 excluded) of a W×H
 * stored raster, rewritten as the box it covers once ORIENTATION is applied
 */
void jpeg_orient_box(int orientation, unsigned w, unsigned h, int box[4]);

#endif
