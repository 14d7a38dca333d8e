/*
 * jpeg.c - JPEG attachments to 8-bit gray with libjpeg-turbo.
 *
 * Applicants photograph their documents: the JPEG arrives as a phone
 * wrote it (baseline or progressive, often 12 megapixels, rotated by an
 * EXIF tag rather than in its pixels), or from an office scanner (gray,
 * sometimes CMYK). Like image.c for PNG, every path ends in 0 or -1 with
 * a sentence, and nothing big is allocated before the size is known:
 *
 *  - jpeg_probe walks the markers itself, bounds-checked, before libjpeg
 *    sees a byte: the frame size (SOFn), the EXIF orientation (APP1, one
 *    SHORT in IFD0) and whether the scan data reaches an EOI marker. The
 *    entropy-coded data cannot contain 0xFF 0xD9 (0xFF is stuffed), so an
 *    EOI after the first SOS is the end of the image; an EOI inside an
 *    EXIF thumbnail comes before it and does not count;
 *  - libjpeg's error_exit would call exit(): ours formats the message and
 *    longjmps back to the jpeg_rows_* call that was in libjpeg; the
 *    decode is then only good for jpeg_rows_close, which frees it all;
 *    "premature end of data" is only a warning to libjpeg (it paints the
 *    rest gray), to us it is a truncated file;
 *  - a progressive file can hold any number of scans, each a pass over
 *    the whole coefficient buffer: more than JPEG_MAX_SCANS is refused,
 *    and libjpeg's own memory is capped at JPEG_MAX_MEMORY;
 *  - Adobe CMYK is stored inverted, YCCK comes out of libjpeg as such
 *    CMYK: both become gray as the ink would look on white paper;
 *  - jpeg_rows decodes row by row in the stored orientation and may be
 *    closed half-way: Huffman decoding of every coefficient is most of
 *    the cost of a large photograph even DCT-scaled, and the rows below
 *    a code already read need not be decoded at all (qrscan.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "image.h"
#include "jpeg.h"
#include "text.h"

/* a phone writes 10 or fewer scans; libjpeg's own progressive set is 10 */
#define JPEG_MAX_SCANS 256
/* 50 MP progressive YCbCr 4:4:4 needs 300 MB of coefficients */
#define JPEG_MAX_MEMORY (384L * 1024 * 1024)

struct jpeg_failure {
	struct jpeg_error_mgr pub;
	jmp_buf back;
	char why[JMSG_LENGTH_MAX + 64];
};

/* be16 - big-endian 16-bit value */
static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/*
 * exif_orientation - the Orientation tag (0x0112) of IFD0 in the TIFF
 * structure of an APP1 Exif segment (N bytes after "Exif\0\0"); 1 when
 * absent or malformed. Every offset is checked against N: the segment
 * is as hostile as the rest of the file.
 */
static int
exif_orientation(const unsigned char *t, size_t n)
{
	int little;
	size_t ifd, count;

	if (n < 8)
		return 1;
	if (memcmp(t, "II*\0", 4) == 0)
		little = 1;
	else if (memcmp(t, "MM\0*", 4) == 0)
		little = 0;
	else
		return 1;
#define U16(p) (little ? (unsigned)(p)[0] | (unsigned)(p)[1] << 8 : \
	    (unsigned)(p)[0] << 8 | (unsigned)(p)[1])
#define U32(p) (little ? (uint32_t)U16(p) | (uint32_t)U16((p) + 2) << 16 : \
	    (uint32_t)U16(p) << 16 | (uint32_t)U16((p) + 2))
	ifd = U32(t + 4);
	if (ifd > n - 2)
		return 1;
	count = U16(t + ifd);
	for (size_t i = 0; i < count; i++) {
		size_t e = ifd + 2 + 12 * i;
		unsigned v;

		if (e > n - 12)
			break;
		if (U16(t + e) != 0x0112)
			continue;
		/* SHORT, count 1: the value sits in the first two bytes */
		if (U16(t + e + 2) != 3 || U32(t + e + 4) != 1)
			return 1;
		v = U16(t + e + 8);
		return v >= 1 && v <= 8 ? (int)v : 1;
	}
#undef U16
#undef U32
	return 1;
}

/*
 * has_eoi - whether the N bytes at D hold an end-of-image marker, looked
 * for from the end: a whole file ends with it (or a few bytes of
 * padding after it), so a complete 12-MP photograph costs a few
 * comparisons where a forward search read all of its entropy-coded
 * megabytes (about 2 ms a photograph); the answer is the same.
 */
static int
has_eoi(const unsigned char *d, size_t n)
{
	for (size_t i = n; i >= 2; i--)
		if (d[i - 2] == 0xFF && d[i - 1] == 0xD9)
			return 1;
	return 0;
}

/* jpeg_probe - markers up to the first scan, then the EOI */
int
jpeg_probe(const unsigned char *d, size_t n, struct jpeg_header *hd,
    char *why, size_t size)
{
	size_t pos = 2;
	int sof = 0, exif = 0;

	memset(hd, 0, sizeof *hd);
	hd->orientation = 1;
	if (n < 2 || d[0] != 0xFF || d[1] != 0xD8) {
		text_say(why, size, "not a JPEG file (no start-of-image marker)");
		return -1;
	}
	for (;;) {
		unsigned m, len;

		if (pos >= n)
			goto truncated;
		if (d[pos] != 0xFF) {
			text_say(why, size, "corrupt JPEG header (no marker at "
			    "byte %zu)", pos);
			return -1;
		}
		while (pos < n && d[pos] == 0xFF)
			pos++;          /* fill bytes */
		if (pos >= n)
			goto truncated;
		m = d[pos++];
		if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7))
			continue;       /* markers without a segment */
		if (m == 0xD9) {
			text_say(why, size, "JPEG file without image data (it ends "
			    "before any scan)");
			return -1;
		}
		if (n - pos < 2)
			goto truncated;
		len = be16(d + pos);
		if (len < 2) {
			text_say(why, size, "corrupt JPEG header (segment length "
			    "%u at byte %zu)", len, pos);
			return -1;
		}
		if (n - pos < len)
			goto truncated;
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 &&
		    m != 0xCC) {
			if (m == 0xC3 || m == 0xC7 || m == 0xCB || m == 0xCF ||
			    m == 0xC5 || m == 0xC6 || m == 0xCD || m == 0xCE) {
				text_say(why, size, "unsupported JPEG process (%s)",
				    (m & 3) == 3 ? "lossless" : "hierarchical");
				return -1;
			}
			if (len < 8) {
				text_say(why, size, "corrupt JPEG frame header");
				return -1;
			}
			hd->height = be16(d + pos + 3);
			hd->width = be16(d + pos + 5);
			hd->components = d[pos + 7];
			if (hd->width == 0 || hd->height == 0) {
				text_say(why, size, "invalid JPEG (image dimensions "
				    "%u×%u)", hd->width, hd->height);
				return -1;
			}
			sof = 1;
		} else if (m == 0xE1 && !exif && len >= 8 &&
		    memcmp(d + pos + 2, "Exif\0\0", 6) == 0) {
			hd->orientation = exif_orientation(d + pos + 8,
			    len - 8);
			exif = 1;
		} else if (m == 0xDA) {
			if (!sof) {
				text_say(why, size, "corrupt JPEG header (scan "
				    "before the frame header)");
				return -1;
			}
			pos += len;
			break;
		}
		pos += len;
	}
	if (pos > n || !has_eoi(d + pos, n - pos)) {
		text_say(why, size, "truncated JPEG data (no end-of-image marker)");
		return -1;
	}
	return 0;
truncated:
	text_say(why, size, "truncated JPEG data (the file ends in its header)");
	return -1;
}

/* on_error - libjpeg's fatal errors: a sentence, then back to setjmp */
static void
on_error(j_common_ptr cinfo)
{
	struct jpeg_failure *f = (struct jpeg_failure *)cinfo->err;
	char msg[JMSG_LENGTH_MAX];

	if (f->why[0] == '\0') {
		(*cinfo->err->format_message)(cinfo, msg);
		text_say(f->why, sizeof f->why, "invalid JPEG (%s)", msg);
	}
	longjmp(f->back, 1);
}

/*
 * on_message - libjpeg's warnings: "premature end of data" means the
 * file was cut and is fatal here; other corrupt-data warnings (extra
 * bytes before a marker, common in phone files) are not.
 */
static void
on_message(j_common_ptr cinfo, int level)
{
	struct jpeg_failure *f = (struct jpeg_failure *)cinfo->err;

	if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
		text_say(f->why, sizeof f->why, "truncated JPEG data (the file "
		    "ends inside the image data)");
		longjmp(f->back, 1);
	}
	if (level == -1)
		cinfo->err->num_warnings++;
}

/* on_progress - refuse a progressive file with too many scans */
static void
on_progress(j_common_ptr cinfo)
{
	j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
	struct jpeg_failure *f = (struct jpeg_failure *)cinfo->err;

	if (cinfo->is_decompressor && dinfo->input_scan_number >
	    JPEG_MAX_SCANS) {
		text_say(f->why, sizeof f->why, "JPEG with more than %d scans",
		    JPEG_MAX_SCANS);
		longjmp(f->back, 1);
	}
}

/* cmyk_to_gray - one row of (Adobe-inverted unless NOT_ADOBE) CMYK */
static void
cmyk_to_gray(const unsigned char *in, unsigned char *out, unsigned width,
    int inverted)
{
	for (unsigned x = 0; x < width; x++) {
		unsigned c = in[4 * x], m = in[4 * x + 1], y = in[4 * x + 2],
		    k = in[4 * x + 3];

		if (!inverted) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		/* now 255 is no ink: red = c * k, ... as on white paper */
		out[x] = (unsigned char)(((299 * c + 587 * m + 114 * y) *
		    k + 127500) / 255000);
	}
}

/* jpeg_orient - the pixels of SRC as EXIF ORIENTATION shows them */
unsigned char *
jpeg_orient(const unsigned char *src, unsigned w, unsigned h, int orientation,
    unsigned *ow, unsigned *oh)
{
	int swap = orientation >= 5;
	unsigned dw = swap ? h : w, dh = swap ? w : h;
	unsigned char *dst = malloc((size_t)w * h + 1);

	if (dst == NULL)
		return NULL;
	for (unsigned y = 0; y < dh; y++) {
		unsigned char *row = dst + (size_t)dw * y;

		for (unsigned x = 0; x < dw; x++) {
			unsigned sx, sy;

			switch (orientation) {
			case 2: sx = w - 1 - x; sy = y; break;
			case 3: sx = w - 1 - x; sy = h - 1 - y; break;
			case 4: sx = x; sy = h - 1 - y; break;
			case 5: sx = y; sy = x; break;
			case 6: sx = y; sy = h - 1 - x; break;
			case 7: sx = w - 1 - y; sy = h - 1 - x; break;
			case 8: sx = w - 1 - y; sy = x; break;
			default: sx = x; sy = y; break;
			}
			row[x] = src[(size_t)w * sy + sx];
		}
	}
	*ow = dw;
	*oh = dh;
	return dst;
}

/*
 * upright_point - where the stored pixel (SX, SY) of a W×H raster is
 * shown under ORIENTATION: jpeg_orient's mapping, inverted case by case
 */
static void
upright_point(int orientation, int w, int h, int sx, int sy, int *x, int *y)
{
	switch (orientation) {
	case 2: *x = w - 1 - sx; *y = sy; break;
	case 3: *x = w - 1 - sx; *y = h - 1 - sy; break;
	case 4: *x = sx; *y = h - 1 - sy; break;
	case 5: *x = sy; *y = sx; break;
	case 6: *x = h - 1 - sy; *y = sx; break;
	case 7: *x = h - 1 - sy; *y = w - 1 - sx; break;
	case 8: *x = sy; *y = w - 1 - sx; break;
	default: *x = sx; *y = sy; break;
	}
}

/* jpeg_orient_box - a box of the stored raster in shown pixels */
void
jpeg_orient_box(int orientation, unsigned w, unsigned h, int box[4])
{
	int ax, ay, bx, by;

	upright_point(orientation, (int)w, (int)h, box[0], box[1], &ax, &ay);
	upright_point(orientation, (int)w, (int)h, box[2] - 1, box[3] - 1,
	    &bx, &by);
	box[0] = ax < bx ? ax : bx;
	box[1] = ay < by ? ay : by;
	box[2] = (ax > bx ? ax : bx) + 1;
	box[3] = (ay > by ? ay : by) + 1;
}

/*
 * struct jpeg_rows - one decode in progress. Everything lives here, on
 * the heap, so that after libjpeg longjmps back into a jpeg_rows_*
 * function nothing it needs is a local changed since setjmp (those are
 * indeterminate after the jump).
 */
struct jpeg_rows {
	struct jpeg_decompress_struct cinfo;
	struct jpeg_failure fail;
	struct jpeg_progress_mgr progress;
	int created;            /* cinfo holds libjpeg's state */
	int failed;             /* an error left it unusable */
	int finished;           /* jpeg_finish_decompress done */
	int cmyk, inverted;
	unsigned width, height; /* as stored, scaled */
	unsigned denom;         /* 1, 2, 4 or 8 */
	unsigned done;          /* rows decoded */
	unsigned upto;          /* rows the current read goes to */
	unsigned char *gray;    /* width × height */
	unsigned char *row;     /* one CMYK row */
};

/* jpeg_rows_open - header read, buffers ready, no row decoded */
int
jpeg_rows_open(const unsigned char *data, size_t n, unsigned denom,
    struct jpeg_rows **out, unsigned *w, unsigned *h, char *why,
    size_t size)
{
	struct jpeg_rows *jr;
	struct jpeg_decompress_struct *cinfo;

	*out = NULL;
	if ((jr = calloc(1, sizeof *jr)) == NULL) {
		text_say(why, size, "out of memory");
		return -1;
	}
	jr->denom = denom == 2 || denom == 4 || denom == 8 ? denom : 1;
	cinfo = &jr->cinfo;
	cinfo->err = jpeg_std_error(&jr->fail.pub);
	jr->fail.pub.error_exit = on_error;
	jr->fail.pub.emit_message = on_message;
	if (setjmp(jr->fail.back)) {
		text_say(why, size, "%s", jr->fail.why);
		jpeg_rows_close(jr);
		return -1;
	}
	jpeg_create_decompress(cinfo);
	jr->created = 1;
	cinfo->mem->max_memory_to_use = JPEG_MAX_MEMORY;
	jr->progress.progress_monitor = on_progress;
	cinfo->progress = &jr->progress;
	jpeg_mem_src(cinfo, data, (unsigned long)n);
	(void)jpeg_read_header(cinfo, TRUE);
	if ((unsigned long long)cinfo->image_width * cinfo->image_height >
	    IMAGE_MAX_PIXELS) {
		text_say(jr->fail.why, sizeof jr->fail.why, "declares %u×%u "
		    "pixels, more than %lu megapixels", cinfo->image_width,
		    cinfo->image_height, IMAGE_MAX_PIXELS / 1000000);
		longjmp(jr->fail.back, 1);
	}
	jr->cmyk = cinfo->jpeg_color_space == JCS_CMYK ||
	    cinfo->jpeg_color_space == JCS_YCCK;
	jr->inverted = cinfo->saw_Adobe_marker;
	cinfo->out_color_space = jr->cmyk ? JCS_CMYK : JCS_GRAYSCALE;
	cinfo->scale_num = 1;
	cinfo->scale_denom = jr->denom;
	cinfo->dct_method = JDCT_ISLOW;
	(void)jpeg_start_decompress(cinfo);
	jr->width = cinfo->output_width;
	jr->height = cinfo->output_height;
	jr->gray = malloc((size_t)jr->width * jr->height);
	if (jr->cmyk)
		jr->row = malloc((size_t)jr->width * 4);
	if (jr->gray == NULL || (jr->cmyk && jr->row == NULL)) {
		text_say(jr->fail.why, sizeof jr->fail.why, "out of memory "
		    "for %u×%u pixels", jr->width, jr->height);
		longjmp(jr->fail.back, 1);
	}
	*out = jr;
	*w = jr->width;
	*h = jr->height;
	return 0;
}

/*
 * jpeg_rows_read - decode the stored rows up to UPTO; the last row read
 * also reads the file to its end marker (jpeg_finish_decompress)
 */
int
jpeg_rows_read(struct jpeg_rows *jr, unsigned upto, char *why, size_t size)
{
	struct jpeg_decompress_struct *cinfo = &jr->cinfo;

	if (jr->failed) {
		text_say(why, size, "%s", jr->fail.why);
		return -1;
	}
	jr->upto = upto < jr->height ? upto : jr->height;
	if (setjmp(jr->fail.back)) {
		jr->failed = 1;
		text_say(why, size, "%s", jr->fail.why);
		return -1;
	}
	while (jr->done < jr->upto) {
		JSAMPROW dst = jr->cmyk ? jr->row : jr->gray +
		    (size_t)jr->width * jr->done;

		if (jpeg_read_scanlines(cinfo, &dst, 1) != 1) {
			text_say(jr->fail.why, sizeof jr->fail.why, "invalid "
			    "JPEG (no row %u of %u)", jr->done, jr->height);
			longjmp(jr->fail.back, 1);
		}
		if (jr->cmyk)
			cmyk_to_gray(jr->row, jr->gray + (size_t)jr->width *
			    jr->done, jr->width, jr->inverted);
		jr->done++;
	}
	if (jr->done == jr->height && !jr->finished) {
		(void)jpeg_finish_decompress(cinfo);
		jr->finished = 1;
	}
	return 0;
}

/* jpeg_rows_gray - the stored raster, valid for the rows read */
const unsigned char *
jpeg_rows_gray(const struct jpeg_rows *jr)
{
	return jr->gray;
}

/* jpeg_rows_take - the whole raster, shown as ORIENTATION says, to IMG */
int
jpeg_rows_take(struct jpeg_rows *jr, int orientation, struct image *img,
    char *why, size_t size)
{
	unsigned char *gray = jr->gray;
	unsigned w = jr->width, h = jr->height;

	memset(img, 0, sizeof *img);
	if (jr->done < jr->height) {
		text_say(why, size, "JPEG not decoded to its last row");
		return -1;
	}
	if (orientation != 1) {
		if ((gray = jpeg_orient(jr->gray, w, h, orientation, &w,
		    &h)) == NULL) {
			text_say(why, size, "out of memory");
			return -1;
		}
		free(jr->gray);
	}
	jr->gray = NULL;
	img->width = w;
	img->height = h;
	img->gray = gray;
	return 0;
}

/*
 * jpeg_rows_close - release the decode, finished or not: the rows below
 * those read are never entropy-decoded
 */
void
jpeg_rows_close(struct jpeg_rows *jr)
{
	if (jr == NULL)
		return;
	if (jr->created)
		jpeg_destroy_decompress(&jr->cinfo);
	free(jr->row);
	free(jr->gray);
	free(jr);
}

/* jpeg_decode_gray - decode every row, reduce to gray, orient */
int
jpeg_decode_gray(const unsigned char *data, size_t n,
    const struct jpeg_header *hd, unsigned denom, struct image *img,
    char *why, size_t size)
{
	struct jpeg_rows *jr;
	unsigned w, h;
	int rc;

	memset(img, 0, sizeof *img);
	if (jpeg_rows_open(data, n, denom, &jr, &w, &h, why, size) == -1)
		return -1;
	rc = jpeg_rows_read(jr, h, why, size);
	if (rc == 0)
		rc = jpeg_rows_take(jr, hd->orientation, img, why, size);
	jpeg_rows_close(jr);
	return rc;
}
