/*
 * qrzxing.cc - the second QR decoder: zxing-cpp 1.4 behind a C interface
 * (qrzxing.h). The only C++ of credpipe: it catches every exception,
 * so that a C caller sees a count or -1, and hands the bytes back in
 * malloc'd memory.
 */
#include <cstdlib>
#include <cstring>
#include <new>

#include <ZXing/ReadBarcode.h>

#include "qrzxing.h"

/* qrzxing_read - zxing-cpp on GRAY, QR codes only, its bytes unchanged */
extern "C" int
qrzxing_read(const unsigned char *gray, unsigned w, unsigned h,
    struct qrzxing_code *out, int max)
{
	int n = 0;

	try {
		ZXing::DecodeHints hints;

		/*
		 * tryHarder and tryRotate are what ZXingReader does; its
		 * downscaled looks find big codes in big photographs
		 */
		hints.setFormats(ZXing::BarcodeFormat::QRCode);
		hints.setTryHarder(true);
		hints.setTryRotate(true);
		hints.setTryDownscale(true);
		ZXing::ImageView view(gray, (int)w, (int)h,
		    ZXing::ImageFormat::Lum);
		ZXing::Results results = ZXing::ReadBarcodes(view, hints);

		for (const ZXing::Result &r : results) {
			const ZXing::ByteArray &b = r.bytes();
			const ZXing::Position &p = r.position();
			struct qrzxing_code *c;

			if (!r.isValid() || n == max)
				continue;
			c = &out[n];
			if ((c->data = (unsigned char *)malloc(b.size() + 1)) ==
			    NULL)
				break;
			if (!b.empty())
				memcpy(c->data, b.data(), b.size());
			c->data[b.size()] = '\0';
			c->len = b.size();
			c->x0 = c->x1 = p[0].x;
			c->y0 = c->y1 = p[0].y;
			for (int i = 1; i < 4; i++) {
				c->x0 = p[i].x < c->x0 ? p[i].x : c->x0;
				c->x1 = p[i].x > c->x1 ? p[i].x : c->x1;
				c->y0 = p[i].y < c->y0 ? p[i].y : c->y0;
				c->y1 = p[i].y > c->y1 ? p[i].y : c->y1;
			}
			n++;
		}
	} catch (...) {
		for (int i = 0; i < n; i++)
			free(out[i].data);
		return -1;
	}
	return n;
}
