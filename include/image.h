/*
 * image.h - safe PNG loading (libpng) for validation and decoding.
 */
#ifndef CREDPIPE_IMAGE_H
#define CREDPIPE_IMAGE_H

#include <stddef.h>

#define IMAGE_MAX_PIXELS (50UL * 1000 * 1000)
#define IMAGE_MAX_BYTES (20UL * 1024 * 1024)

struct image {
	unsigned width, height;
	unsigned char *gray;            /* width * height, 8-bit, row-major */
};

/*
 * image_probe - read only the PNG signature and header of PATH (no link
 * followed): dimensions into *W, *H. 0 ok; -1 with a sentence for a
 * person in WHY ("not a PNG file (JPEG data)", "truncated header", ...).
 */
int image_probe(const char *path, unsigned *w, unsigned *h, char *why,
    size_t size);
/*
 * image_load_gray - decode PATH to 8-bit gray (palette, 16-bit, alpha on
 * white, interlaced all handled); dimensions checked before allocation.
 * 0 ok; -1 with WHY.
 */
int image_load_gray(const char *path, struct image *img, char *why,
    size_t size);
/* image_free - release the pixels */
void image_free(struct image *img);

#endif
