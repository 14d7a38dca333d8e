/*
 * pdfpage.h - the first pages of a PDF attachment rendered to gray
 * (MuPDF), so that a verification report uploaded as the PDF itself has
 * its QR code read like a scan's.
 */
#ifndef CREDPIPE_PDFPAGE_H
#define CREDPIPE_PDFPAGE_H

#include <stddef.h>

struct image;

#define PDFPAGE_MAX_PAGES 2     /* a report's code is on its first page */
#define PDFPAGE_DPI 150         /* as the 150-dpi scans decode reads */
#define PDFPAGE_MAX_POINTS 2000 /* a page side (A4 is 842): ~70 cm */

/*
 * pdfpage_probe - the N bytes at DATA are a complete, unencrypted PDF
 * with at least one page of a sane size; *W × *H the size of what
 * pdfpage_render gives. 0, or -1 with a sentence in WHY.
 */
int pdfpage_probe(const unsigned char *data, size_t n, unsigned *w,
    unsigned *h, char *why, size_t size);
/*
 * pdfpage_render - the first PDFPAGE_MAX_PAGES pages at PDFPAGE_DPI,
 * gray, one below the other in IMG. 0, or -1 with WHY.
 */
int pdfpage_render(const unsigned char *data, size_t n, struct image *img,
    char *why, size_t size);

#endif
