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

#endif
