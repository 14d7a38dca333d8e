/*
 * qrzxing.h - the second QR decoder: zxing-cpp behind a C interface.
 *
 * zbar and zxing-cpp fail on different photographs: zxing-cpp's
 * detector follows a strongly tilted code's finder patterns and reads
 * small, low-resolution codes zbar misses; zbar reads damaged finders
 * and mirrored codes zxing-cpp 1.4 does not. qrscan.c runs it as one
 * pass of its cascade (bench/photo.sh measures what it adds).
 */
#ifndef CREDPIPE_QRZXING_H
#define CREDPIPE_QRZXING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* one code zxing-cpp read: its bytes (malloc'd) and its bounding box */
struct qrzxing_code {
	unsigned char *data;
	size_t len;
	int x0, y0, x1, y1;
};

/*
 * qrzxing_read - the QR codes of the gray raster GRAY (W x H, rows W
 * bytes apart), at most MAX of them into OUT; the caller frees each
 * code's data. The number read, or -1 when zxing-cpp failed (out of
 * memory: no C++ exception ever leaves this function).
 */
int qrzxing_read(const unsigned char *gray, unsigned w, unsigned h,
    struct qrzxing_code *out, int max);

#ifdef __cplusplus
}
#endif

#endif
