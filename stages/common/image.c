/*
 * image.c - safe image loading: any PNG (libpng), JPEG (jpeg.c,
 * libjpeg-turbo) or PDF (pdfpage.c, MuPDF; its first pages) to 8-bit
 * gray, the format told by content, never by name.
 *
 * Uploaded scans are hostile input. Every path here ends in 0 or -1 with
 * a sentence for a person; nothing crashes and nothing big is allocated
 * before the header has been checked:
 *
 *  - the file is opened with O_NOFOLLOW and must be a regular file of at
 *    most IMAGE_MAX_BYTES (a link, a FIFO or a device is refused before a
 *    byte is read);
 *  - the signature is sniffed first, so a renamed JPEG says so;
 *  - libpng errors longjmp back here (setjmp in every function that calls
 *    into libpng); our read callback turns a short read into "truncated
 *    PNG data" and the error callback turns libpng's terse messages into
 *    sentences ("CRC error in IDAT");
 *  - width * height is checked against IMAGE_MAX_PIXELS right after IHDR,
 *    before any pixel buffer exists; png_set_user_limits and the chunk
 *    cache / chunk malloc limits stop decompression bombs in ancillary
 *    chunks (zTXt, iCCP) too;
 *  - palette, 1/2/4/16-bit, gray, RGB, alpha and interlaced images are all
 *    reduced to 8-bit gray; alpha is composed onto WHITE (paper), not onto
 *    black as a naive reader (or libpng's simplified API with a zeroed
 *    buffer) would do, which would paint transparent margins black.
 *
 * The reader can stop part way (image_reader_rows): the decode stage
 * reads the top of a page first, where report QR codes sit, and only
 * reads the rest when it found nothing there.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

#include "image.h"
#include "jpeg.h"
#include "pdfpage.h"
#include "text.h"

/* ancillary chunks: at most this many, each at most this big (inflated) */
#define IMAGE_CHUNK_CACHE_MAX 256
#define IMAGE_CHUNK_MALLOC_MAX (4UL * 1024 * 1024)
/* a dimension limit for libpng; the pixel count is checked by us */
#define IMAGE_MAX_DIMENSION 1000000U

struct image_reader {
	FILE *fp;
	enum image_format format;       /* JPEG, PDF: the file is in DATA */
	unsigned char *data;
	size_t len;
	int mapped;             /* DATA is the file mapped, not a copy */
	struct jpeg_header jpeg_header;
	png_structp png;
	png_infop info;
	unsigned width, height;
	unsigned rows_done;
	int channels;           /* after transforms: 1 (gray) or 2 (+alpha) */
	int interlaced;
	unsigned char *row;     /* one row of width * channels bytes */
	/*
	 * Interlaced: the row pointers for png_read_image. They live here,
	 * not on the caller's stack or in a local, because libpng longjmps
	 * out of png_read_image on a corrupt IDAT and a local pointer would
	 * be lost (8 bytes a row: 8 MB for a 50x1,000,000 image, every time).
	 */
	png_bytep *rowptrs;
	unsigned char *gray;    /* the result, width * height */
	char why[256];
};

/* sniff - name the format of a file that is not a PNG, from its magic */
static const char *
sniff(const unsigned char *b, size_t n)
{
	static const struct { const char *magic; size_t len; const char *name; }
	    kinds[] = {
		{ "\xFF\xD8\xFF", 3, "JPEG" },
		{ "GIF8", 4, "GIF" },
		{ "BM", 2, "BMP" },
		{ "%PDF", 4, "PDF" },
		{ "II*\0", 4, "TIFF" },
		{ "MM\0*", 4, "TIFF" },
		{ "PK\3\4", 4, "ZIP" },
		{ "\0\0\0\x0CjP", 6, "JPEG 2000" },
	};

	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (n >= kinds[i].len &&
		    memcmp(b, kinds[i].magic, kinds[i].len) == 0)
			return kinds[i].name;
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return "WebP";
	return NULL;
}

/* image_format_fd - PNG signature, JPEG start of image, or %PDF- */
enum image_format
image_format_fd(int fd)
{
	unsigned char b[8];
	ssize_t n = pread(fd, b, sizeof b, 0);

	if (n == 8 && png_sig_cmp(b, 0, 8) == 0)
		return IMAGE_PNG;
	if (n >= 3 && memcmp(b, "\xFF\xD8\xFF", 3) == 0)
		return IMAGE_JPEG;
	if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return IMAGE_PDF;
	return IMAGE_UNKNOWN;
}

/* on_error - libpng error callback: a sentence, then back to setjmp */
static void
on_error(png_structp png, png_const_charp msg)
{
	struct image_reader *r = png_get_error_ptr(png);
	const char *colon;

	if (r->why[0] != '\0')
		;       /* our read callback already said it better */
	else if (strstr(msg, "CRC error") != NULL &&
	    (colon = strchr(msg, ':')) != NULL)
		text_say(r->why, sizeof r->why, "CRC error in %.*s",
		    (int)(colon - msg), msg);
	else if (strstr(msg, "exceeds user limit") != NULL ||
	    strstr(msg, "Invalid image width") != NULL ||
	    strstr(msg, "Invalid image height") != NULL)
		text_say(r->why, sizeof r->why, "image dimensions out of range (%s)",
		    msg);
	else if (strncmp(msg, "IDAT:", 5) == 0 ||
	    strstr(msg, "image data") != NULL)
		text_say(r->why, sizeof r->why, "corrupt image data (%s)", msg);
	else
		text_say(r->why, sizeof r->why, "invalid PNG (%s)", msg);
	png_longjmp(png, 1);
}

/* on_warning - libpng warnings (bad ancillary chunks) are not our business */
static void
on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* The chunks the reader skips unread (5 bytes each: name and NUL). */
static const png_byte ignored_chunks[] =
    "tEXt\0zTXt\0iTXt\0iCCP\0sPLT\0eXIf\0pCAL\0sCAL\0hIST";

/* on_read - read callback: a short read is truncation, not "Read Error" */
static void
on_read(png_structp png, png_bytep data, size_t len)
{
	struct image_reader *r = png_get_io_ptr(png);

	if (fread(data, 1, len, r->fp) != len) {
		if (ferror(r->fp))
			text_say(r->why, sizeof r->why, "read error: %s",
			    strerror(errno));
		else
			text_say(r->why, sizeof r->why, "truncated PNG data");
		png_error(png, "read");
	}
}

/*
 * open_checked - open PATH without following a link, require a regular
 * file of 1..IMAGE_MAX_BYTES bytes, and tell the format from the content:
 * a PNG signature (its 8 bytes are consumed), a JPEG start of image or
 * "%PDF-" (the file rewound), into *FORMAT. NULL with WHY.
 */
static FILE *
open_checked(const char *path, int fd, enum image_format *format, char *why,
    size_t size)
{
	unsigned char sig[12];
	struct stat st;
	const char *kind;
	size_t n;
	FILE *fp;

	if (path != NULL)
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ELOOP)
			text_say(why, size, "is a symbolic link, not a file");
		else
			text_say(why, size, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		text_say(why, size, "cannot stat: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		text_say(why, size, "not a regular file");
		close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		text_say(why, size, "empty file (0 bytes)");
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > IMAGE_MAX_BYTES) {
		text_say(why, size, "file of %lld bytes, more than the %lu MiB "
		    "allowed", (long long)st.st_size, IMAGE_MAX_BYTES >> 20);
		close(fd);
		return NULL;
	}
	if ((fp = fdopen(fd, "rb")) == NULL) {
		text_say(why, size, "cannot open: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	n = fread(sig, 1, sizeof sig, fp);
	*format = IMAGE_PNG;
	if ((n >= 3 && memcmp(sig, "\xFF\xD8\xFF", 3) == 0) ||
	    (n >= 5 && memcmp(sig, "%PDF-", 5) == 0)) {
		*format = sig[0] == 0xFF ? IMAGE_JPEG : IMAGE_PDF;
		rewind(fp);
		return fp;
	}
	if (n < 8 || png_sig_cmp(sig, 0, 8) != 0) {
		if ((kind = sniff(sig, n)) != NULL)
			text_say(why, size, "not a PNG, JPEG or PDF file (looks "
			    "like %s)", kind);
		else if (n < 8 && png_sig_cmp(sig, 0, n) == 0)
			text_say(why, size, "truncated PNG data (%zu bytes)", n);
		else
			text_say(why, size, "not a PNG, JPEG or PDF file (no "
			    "signature of any)");
		fclose(fp);
		return NULL;
	}
	if (fseek(fp, 8, SEEK_SET) == -1) {
		text_say(why, size, "cannot seek: %s", strerror(errno));
		fclose(fp);
		return NULL;
	}
	return fp;
}

/* reader_free - release everything R holds (R itself too) */
static void
reader_free(struct image_reader *r)
{
	if (r == NULL)
		return;
	if (r->png != NULL)
		png_destroy_read_struct(&r->png, r->info ? &r->info : NULL,
		    NULL);
	if (r->fp != NULL)
		fclose(r->fp);
	if (r->mapped)
		munmap(r->data, r->len);
	else
		free(r->data);
	free(r->rowptrs);
	free(r->row);
	free(r->gray);
	free(r);
}

/*
 * crc32_ihdr - CRC of the IHDR chunk type and data, as PNG defines it
 * (bitwise: 17 bytes do not deserve a table, nor a direct zlib link).
 */
static unsigned long
crc32_ihdr(const png_byte *head, const png_byte *data)
{
	unsigned long crc = 0xffffffffUL;
	png_byte bytes[17];

	memcpy(bytes, head + 4, 4);
	memcpy(bytes + 4, data, 13);
	for (size_t i = 0; i < sizeof bytes; i++) {
		crc ^= bytes[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320UL & (0UL - (crc & 1)));
	}
	return crc ^ 0xffffffffUL;
}

/*
 * whole_map - the file of R, of R->len bytes, mapped read-only into
 * R->data; 0, or -1 (then it is read into a copy). A worker is forked
 * for each file: reading a 3 MB JPEG into malloc'd memory was 700 page
 * faults of fresh memory and a copy of the page cache; mapped, the file's
 * pages in the page cache are the buffer, entered into the page table in
 * one go (MAP_POPULATE). The file must not shrink while mapped (a page
 * past its end would be SIGBUS): it does not in the spool, whose files
 * only the stages write, and a worker that died of it would be a
 * "decoding crashed" for that file, not a stalled stage.
 */
static int
whole_map(struct image_reader *r)
{
	struct stat st;
	void *p;

	p = mmap(NULL, r->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
	    fileno(r->fp), 0);
	if (p == MAP_FAILED)
		return -1;
	/* it shrank between fstat and mmap: read it, and fail as readers do */
	if (fstat(fileno(r->fp), &st) == -1 || (size_t)st.st_size < r->len) {
		munmap(p, r->len);
		return -1;
	}
	r->data = p;
	r->mapped = 1;
	return 0;
}

/*
 * whole_start - a JPEG or PDF: the whole file into memory (at most
 * IMAGE_MAX_BYTES, checked by open_checked; mapped when it can be), then
 * its header checked: a JPEG's markers walked, a PDF parsed (pdfpage.c);
 * the pixel count checked; width and height as the page is shown (EXIF
 * orientation 5..8 swaps them). R->why says what failed.
 */
static int
whole_start(struct image_reader *r)
{
	struct stat st;
	struct jpeg_header *hd = &r->jpeg_header;

	if (fstat(fileno(r->fp), &st) == -1) {
		text_say(r->why, sizeof r->why, "cannot stat: %s", strerror(errno));
		return -1;
	}
	r->len = (size_t)st.st_size;
	if (whole_map(r) == -1) {
		if ((r->data = malloc(r->len)) == NULL) {
			text_say(r->why, sizeof r->why, "out of memory");
			return -1;
		}
		if (fread(r->data, 1, r->len, r->fp) != r->len) {
			if (ferror(r->fp))
				text_say(r->why, sizeof r->why, "read error: %s",
				    strerror(errno));
			else
				text_say(r->why, sizeof r->why, "the file shrank "
				    "while being read");
			return -1;
		}
	}
	if (r->format == IMAGE_PDF) {
		if (pdfpage_probe(r->data, r->len, &r->width, &r->height,
		    r->why, sizeof r->why) == -1)
			return -1;
	} else {
		if (jpeg_probe(r->data, r->len, hd, r->why, sizeof r->why) ==
		    -1)
			return -1;
		r->width = hd->orientation >= 5 ? hd->height : hd->width;
		r->height = hd->orientation >= 5 ? hd->width : hd->height;
	}
	if ((unsigned long long)r->width * r->height > IMAGE_MAX_PIXELS) {
		text_say(r->why, sizeof r->why, "declares %u×%u pixels, more "
		    "than %lu megapixels", hd->width, hd->height,
		    IMAGE_MAX_PIXELS / 1000000);
		return -1;
	}
	return 0;
}

/*
 * reader_start - signature, IHDR and the size check; with TRANSFORM also
 * the transforms to 8-bit gray (+alpha). R->why says what failed.
 */
static int
reader_start(struct image_reader *r, const char *path, int fd, int transform)
{
	png_uint_32 w, h;
	int depth, color, interlace;

	if ((r->fp = open_checked(path, fd, &r->format, r->why,
	    sizeof r->why)) == NULL)
		return -1;
	if (r->format != IMAGE_PNG)
		return whole_start(r);
	r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, on_error,
	    on_warning);
	if (r->png == NULL || (r->info = png_create_info_struct(r->png)) ==
	    NULL) {
		text_say(r->why, sizeof r->why, "out of memory");
		return -1;
	}
	if (setjmp(png_jmpbuf(r->png)))
		return -1;
	png_set_read_fn(r->png, r, on_read);
	png_set_sig_bytes(r->png, 8);
	png_set_user_limits(r->png, IMAGE_MAX_DIMENSION, IMAGE_MAX_DIMENSION);
	png_set_chunk_cache_max(r->png, IMAGE_CHUNK_CACHE_MAX);
	png_set_chunk_malloc_max(r->png, IMAGE_CHUNK_MALLOC_MAX);
	/*
	 * libpng 1.6.39 allocates the length a text-like chunk declares
	 * before reading it, and its chunk_malloc_max check is only a
	 * benign error (a warning) on read: a 200-byte file declaring a
	 * 1.7 GB tEXt made decode touch 1.7 GB. None of these chunks
	 * matters for pixels; ignored, they are skipped through a small
	 * buffer and the short file ends as truncated.
	 */
	png_set_keep_unknown_chunks(r->png, PNG_HANDLE_CHUNK_NEVER,
	    ignored_chunks, (int)(sizeof ignored_chunks / 5));
	/* only IHDR when probing: stop libpng from reading further chunks */
	if (!transform) {
		png_byte head[8];
		png_byte ihdr[13], crc[4];

		on_read(r->png, head, 8);
		if (memcmp(head + 4, "IHDR", 4) != 0 ||
		    png_get_uint_32(head) != 13) {
			text_say(r->why, sizeof r->why, "invalid PNG (first chunk "
			    "is not IHDR)");
			return -1;
		}
		on_read(r->png, ihdr, 13);
		on_read(r->png, crc, 4);
		if (png_get_uint_32(crc) != (png_uint_32)crc32_ihdr(head, ihdr)) {
			text_say(r->why, sizeof r->why, "CRC error in IHDR");
			return -1;
		}
		w = png_get_uint_32(ihdr);
		h = png_get_uint_32(ihdr + 4);
		if (w == 0 || h == 0 || w > 0x7fffffffU || h > 0x7fffffffU) {
			text_say(r->why, sizeof r->why, "invalid PNG (image "
			    "dimensions %lu×%lu)", (unsigned long)w,
			    (unsigned long)h);
			return -1;
		}
	} else {
		png_read_info(r->png, r->info);
		png_get_IHDR(r->png, r->info, &w, &h, &depth, &color,
		    &interlace, NULL, NULL);
	}
	r->width = w;
	r->height = h;
	if ((unsigned long long)w * h > IMAGE_MAX_PIXELS) {
		text_say(r->why, sizeof r->why, "declares %lu×%lu pixels, more "
		    "than %lu megapixels", (unsigned long)w, (unsigned long)h,
		    IMAGE_MAX_PIXELS / 1000000);
		return -1;
	}
	if (!transform)
		return 0;

	if (color == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(r->png);
	if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(r->png);
	if (png_get_valid(r->png, r->info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(r->png);
	if (depth == 16)
		png_set_strip_16(r->png);
	if (color & PNG_COLOR_MASK_COLOR || color == PNG_COLOR_TYPE_PALETTE)
		png_set_rgb_to_gray_fixed(r->png, 1, -1, -1);
	r->interlaced = interlace != PNG_INTERLACE_NONE;
	if (r->interlaced)
		(void)png_set_interlace_handling(r->png);
	png_read_update_info(r->png, r->info);
	r->channels = png_get_channels(r->png, r->info);
	if ((r->channels != 1 && r->channels != 2) ||
	    png_get_bit_depth(r->png, r->info) != 8) {
		text_say(r->why, sizeof r->why, "unsupported PNG layout");
		return -1;
	}
	return 0;
}

/* image_probe - signature and IHDR only */
int
image_probe(const char *path, unsigned *w, unsigned *h, char *why,
    size_t size)
{
	struct image_reader *r;
	int rc;

	if ((r = calloc(1, sizeof *r)) == NULL) {
		text_say(why, size, "out of memory");
		return -1;
	}
	rc = reader_start(r, path, -1, 0);
	if (rc == 0) {
		*w = r->width;
		*h = r->height;
	} else {
		text_say(why, size, "%s", r->why);
	}
	reader_free(r);
	return rc;
}

/*
 * image_probe_fd - image_probe of the file open on FD (at offset 0). FD is
 * taken over (closed); a limited worker hands it the descriptor it got.
 */
int
image_probe_fd(int fd, unsigned *w, unsigned *h, char *why, size_t size)
{
	struct image_reader *r;
	int rc;

	if ((r = calloc(1, sizeof *r)) == NULL) {
		close(fd);
		text_say(why, size, "out of memory");
		return -1;
	}
	rc = reader_start(r, NULL, fd, 0);
	if (rc == 0) {
		*w = r->width;
		*h = r->height;
	} else {
		text_say(why, size, "%s", r->why);
	}
	reader_free(r);
	return rc;
}

/*
 * image_pixels_alloc - N bytes for pixels, freed with free(). A page is
 * decoded in a worker that was forked for it, so none of its memory has
 * been touched before: every 4 KB of a 300-dpi A4 page (8.7 MB of gray)
 * is a page fault that the kernel must zero and account, about 2,100 a
 * page, and at exit as many to unmap. A buffer of IMAGE_HUGE_MIN bytes
 * or more (a 200-dpi A4 page is 3.9 MB) is therefore allocated in whole
 * 2 MB pages, aligned, and advised as transparent huge pages (where the
 * kernel's THP mode is "madvise", as on the development machine; with
 * "always" the advice changes nothing, with "never" it is ignored): a
 * handful of faults instead of thousands, and fewer TLB misses in the
 * passes that sweep the image. Rounding up to whole huge pages costs at most 2 MB of
 * memory a buffer (a worker's peak stayed at 15.5-16 MB); leaving the
 * tail in small pages left half of a 200-dpi page's faults. Measured
 * with bench/night.sh's pages (README, "Limits of the workers").
 */
void *
image_pixels_alloc(size_t n)
{
	const size_t huge = 2UL * 1024 * 1024;
	size_t whole;
	void *p;

	if (n < IMAGE_HUGE_MIN)
		return malloc(n);
	if (n > SIZE_MAX - huge)
		return NULL;
	whole = (n + huge - 1) & ~(huge - 1);
	if (posix_memalign(&p, huge, whole) != 0)
		return NULL;
	/* advice only: a kernel without THP leaves the buffer as it is */
	(void)madvise(p, whole, MADV_HUGEPAGE);
	return p;
}

/* image_scratch - grow a reused buffer to SIZE bytes; 0 or -1 */
int
image_scratch(void *bufp, size_t *have, size_t size)
{
	void **buf = bufp, *p;

	if (*have >= size)
		return 0;
	if (size < IMAGE_HUGE_MIN)
		p = realloc(*buf, size);
	else if ((p = image_pixels_alloc(size)) != NULL) {
		if (*have > 0)
			memcpy(p, *buf, *have);
		free(*buf);
	}
	if (p == NULL)
		return -1;
	*buf = p;
	*have = size;
	return 0;
}

/* compose_row - gray (+alpha on white) row into OUT */
static void
compose_row(const unsigned char *in, unsigned char *out, unsigned width,
    int channels)
{
	if (channels == 1) {
		memcpy(out, in, width);
		return;
	}
	for (unsigned x = 0; x < width; x++) {
		unsigned g = in[2 * x], a = in[2 * x + 1];

		out[x] = (unsigned char)((g * a + 255 * (255 - a) + 127) / 255);
	}
}

/* reader_open - image_reader_open of PATH, or of FD when PATH is NULL */
static int
reader_open(const char *path, int fd, struct image_reader **out, unsigned *w,
    unsigned *h, char *why, size_t size)
{
	struct image_reader *r;
	size_t rowbytes;

	*out = NULL;
	if ((r = calloc(1, sizeof *r)) == NULL) {
		text_say(why, size, "out of memory");
		return -1;
	}
	if (reader_start(r, path, fd, 1) == -1) {
		text_say(why, size, "%s", r->why);
		reader_free(r);
		return -1;
	}
	if (r->format != IMAGE_PNG) {
		/* the decoder allocates as it decodes (image_reader_rows) */
		*w = r->width;
		*h = r->height;
		*out = r;
		return 0;
	}
	/* interlaced: every pass revisits every row, so keep them all */
	rowbytes = (size_t)r->width * (size_t)r->channels;
	r->row = malloc(r->interlaced ? rowbytes * r->height : rowbytes);
	r->gray = image_pixels_alloc((size_t)r->width * r->height);
	if (r->row == NULL || r->gray == NULL) {
		text_say(why, size, "out of memory for %u×%u pixels", r->width,
		    r->height);
		reader_free(r);
		return -1;
	}
	*w = r->width;
	*h = r->height;
	*out = r;
	return 0;
}

/* image_reader_open - header checked, buffers ready; 0 or -1 with WHY */
int
image_reader_open(const char *path, struct image_reader **out, unsigned *w,
    unsigned *h, char *why, size_t size)
{
	return reader_open(path, -1, out, w, h, why, size);
}

/* image_reader_open_fd - the same from FD (at offset 0; taken over) */
int
image_reader_open_fd(int fd, struct image_reader **out, unsigned *w,
    unsigned *h, char *why, size_t size)
{
	return reader_open(NULL, fd, out, w, h, why, size);
}

/*
 * image_reader_rows - decode rows until at least UPTO rows (capped at the
 * height) are in the gray buffer; an interlaced image is read whole.
 * 0, or -1 with WHY (the reader is then unusable: close it).
 */
int
image_reader_rows(struct image_reader *r, unsigned upto, char *why,
    size_t size)
{
	if (upto > r->height)
		upto = r->height;
	if (r->rows_done >= upto)
		return 0;
	if (r->format != IMAGE_PNG) {
		struct image img;
		int rc;

		/* whole: EXIF orientation may put any stored row on top */
		if (r->format == IMAGE_PDF)
			rc = pdfpage_render(r->data, r->len, &img, why, size);
		else
			rc = jpeg_decode_gray(r->data, r->len, &r->jpeg_header,
			    1, &img, why, size);
		if (rc == -1)
			return -1;
		if (img.width != r->width || img.height != r->height) {
			text_say(why, size, "invalid %s (decoded %u×%u, header "
			    "says %u×%u)", r->format == IMAGE_PDF ? "PDF" :
			    "JPEG", img.width, img.height, r->width,
			    r->height);
			image_free(&img);
			return -1;
		}
		r->gray = img.gray;
		r->rows_done = r->height;
		return 0;
	}
	if (setjmp(png_jmpbuf(r->png))) {
		text_say(why, size, "%s", r->why);
		return -1;
	}
	if (r->interlaced) {
		size_t rowbytes = (size_t)r->width * (size_t)r->channels;

		if (r->rowptrs == NULL &&
		    (r->rowptrs = malloc(r->height * sizeof *r->rowptrs)) ==
		    NULL) {
			text_say(why, size, "out of memory");
			return -1;
		}
		for (unsigned y = 0; y < r->height; y++)
			r->rowptrs[y] = r->row + rowbytes * y;
		png_read_image(r->png, r->rowptrs);
		free(r->rowptrs);
		r->rowptrs = NULL;
		for (unsigned y = 0; y < r->height; y++)
			compose_row(r->row + rowbytes * y,
			    r->gray + (size_t)r->width * y, r->width,
			    r->channels);
		r->rows_done = r->height;
		return 0;
	}
	while (r->rows_done < upto) {
		unsigned char *dst = r->gray + (size_t)r->width * r->rows_done;

		if (r->channels == 1) {
			png_read_row(r->png, dst, NULL);
		} else {
			png_read_row(r->png, r->row, NULL);
			compose_row(r->row, dst, r->width, r->channels);
		}
		r->rows_done++;
	}
	return 0;
}

/* image_reader_gray - the gray buffer (rows_done rows valid so far) */
const unsigned char *
image_reader_gray(const struct image_reader *r)
{
	return r->gray;
}

/* image_reader_take - move the gray buffer into IMG (reader keeps none) */
void
image_reader_take(struct image_reader *r, struct image *img)
{
	img->width = r->width;
	img->height = r->height;
	img->gray = r->gray;
	r->gray = NULL;
}

/* image_reader_format - what the file is (PNG, JPEG or PDF) */
enum image_format
image_reader_format(const struct image_reader *r)
{
	return r->format;
}

/*
 * image_reader_scaled_rows - a JPEG decoded at 1/DENOM of its size (DCT
 * scaling) row by row, in the stored orientation, to be ended early
 * (jpeg_rows); *ORIENTATION the EXIF tag
 */
int
image_reader_scaled_rows(struct image_reader *r, unsigned denom,
    struct jpeg_rows **jr, unsigned *w, unsigned *h, int *orientation,
    char *why, size_t size)
{
	*jr = NULL;
	if (r->format != IMAGE_JPEG) {
		text_say(why, size, "only a JPEG can be decoded scaled");
		return -1;
	}
	*orientation = r->jpeg_header.orientation;
	return jpeg_rows_open(r->data, r->len, denom, jr, w, h, why, size);
}

/* image_reader_close - release the reader */
void
image_reader_close(struct image_reader *r)
{
	reader_free(r);
}

/* image_load_gray - decode the whole of PATH to 8-bit gray */
int
image_load_gray(const char *path, struct image *img, char *why,
    size_t size)
{
	struct image_reader *r;
	unsigned w, h;

	memset(img, 0, sizeof *img);
	if (image_reader_open(path, &r, &w, &h, why, size) == -1)
		return -1;
	if (image_reader_rows(r, h, why, size) == -1) {
		image_reader_close(r);
		return -1;
	}
	image_reader_take(r, img);
	image_reader_close(r);
	return 0;
}

/* image_free - release the pixels */
void
image_free(struct image *img)
{
	free(img->gray);
	img->gray = NULL;
	img->width = img->height = 0;
}
