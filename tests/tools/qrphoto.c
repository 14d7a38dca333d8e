/*
 * NAME
 *	qrphoto - a synthetic phone photograph of a printed QR code, as JPEG
 *
 * SYNOPSIS
 *	qrphoto -o FILE --class CLASS [--text TEXT] [--seed N]
 *	    [--width W] [--height H] [--size PX] [--quality Q] [-i PNG]
 *
 * DESCRIPTION
 *	A test and benchmark tool (bench/photo.sh, tests/formats). It prints
 *	TEXT as a QR code (libqrencode, level M, 4-module quiet zone) on a
 *	sheet of paper with lines of text around it, lays the sheet on a
 *	cluttered table and photographs it: a pinhole camera looking at the
 *	sheet from a tilt, then what a phone adds, and writes a colour JPEG
 *	(W x H, default 1600 x 1200). With -i PNG the sheet is that page
 *	(a report credpipe issued, say) instead of a code of TEXT.
 *
 *	--class says what goes wrong (the classes of bench/photo.sh):
 *	  tilt     the plain phone photo: any rotation, up to 25 degrees of
 *	           tilt, a code 250-450 pixels across
 *	  persp    strong perspective: 45-62 degrees of tilt
 *	  mirror   the code seen mirrored (a front camera, a photo through
 *	           the back of a transparent sheet)
 *	  curve    barrel distortion of a wide lens and a curled sheet
 *	  small    a code 65-180 pixels across in a large scene
 *	  light    a shadow across the sheet and the glare of a lamp
 *	  jpeg     JPEG quality 40-50 on a 150-250 pixel code
 *	  motion   motion blur of 3-9 pixels at any angle
 *	  paper    textured, grainy paper and pale ink
 *	  v1low    a version-1 code 45-90 pixels across, soft, low resolution
 *	  damaged  a finder pattern partly covered, the quiet zone cut to a
 *	           module against a dark edge
 *	Every class also gets a little defocus, sensor noise and a JPEG
 *	quality of 60-80 unless it says otherwise; --size and --quality
 *	override the class's choice. The same options and --seed give the
 *	same bytes. For v1low the text must fit version 1 (14 bytes).
 *
 * EXIT STATUS
 *	0 written; 64 usage; 65 the PNG cannot be read; 70 the text does not
 *	fit; 73 the file cannot be written.
 *
 * SEE ALSO
 *	qrpage, mkjpeg (tests/tools/), bench/photo.sh
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jpeglib.h>
#include <qrencode.h>

#include "image.h"
#include "rng.h"

#define QUIET_MODULES 4

struct photo_options {
	const char *out, *text, *input, *class;
	unsigned long seed;
	int width, height;
	int size;               /* code pixels across; 0 = the class's */
	int quality;            /* 0 = the class's */
};

/*
 * sheet - what is printed, in sheet units (a module of the code, or a
 * pixel of the input page): the code's modules (or the page), the
 * extent of the paper, and what the class does to the print
 */
struct sheet {
	const unsigned char *modules;   /* QR: N x N, bit 0 = dark */
	int n;                          /* modules a side */
	int mirror;
	const struct image *page;       /* -i: the page instead */
	double x0, y0, x1, y1;          /* the paper, sheet units */
	double ink, white;              /* gray levels */
	double texture;                 /* paper grain, 0..1 */
	int quiet;                      /* quiet zone kept, modules */
	int edge;                       /* the side of the dark edge, 0-3 */
	double blot_u, blot_v, blot_r;  /* a patch over a finder (r > 0) */
};

/* camera - where the sheet is seen from, and the lens */
struct camera {
	double h[9];                    /* image -> sheet homography */
	double cx, cy, k1;              /* barrel distortion about centre */
	double curl;                    /* sheet curl, units a unit^2 */
};

/* rng_range - [A, B) */
static double
rng_range(double a, double b)
{
	return a + (b - a) * rng_uniform();
}

/* rng_gauss - standard normal (Box-Muller) */
static double
rng_gauss(void)
{
	double u = rng_uniform(), v = rng_uniform();

	if (u < 1e-12)
		u = 1e-12;
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* lattice - a fixed pseudo-random value in [0, 1) for cell (X, Y) */
static double
lattice(int x, int y, unsigned salt)
{
	uint32_t h = (uint32_t)x * 374761393u + (uint32_t)y * 668265263u +
	    salt * 2246822519u;

	h = (h ^ (h >> 13)) * 1274126177u;
	h ^= h >> 16;
	return (h & 0xffffff) / 16777216.0;
}

/* value_noise - smooth noise in [0, 1) at (X, Y), cells 1 unit wide */
static double
value_noise(double x, double y, unsigned salt)
{
	int ix = (int)floor(x), iy = (int)floor(y);
	double fx = x - ix, fy = y - iy;
	double a = lattice(ix, iy, salt), b = lattice(ix + 1, iy, salt);
	double c = lattice(ix, iy + 1, salt), d = lattice(ix + 1, iy + 1, salt);

	fx = fx * fx * (3 - 2 * fx);
	fy = fy * fy * (3 - 2 * fy);
	return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
}

/* invert3 - the inverse of the 3x3 matrix M into OUT; -1 if singular */
static int
invert3(const double m[9], double out[9])
{
	double det = m[0] * (m[4] * m[8] - m[5] * m[7]) -
	    m[1] * (m[3] * m[8] - m[5] * m[6]) +
	    m[2] * (m[3] * m[7] - m[4] * m[6]);

	if (fabs(det) < 1e-12)
		return -1;
	out[0] = (m[4] * m[8] - m[5] * m[7]) / det;
	out[1] = (m[2] * m[7] - m[1] * m[8]) / det;
	out[2] = (m[1] * m[5] - m[2] * m[4]) / det;
	out[3] = (m[5] * m[6] - m[3] * m[8]) / det;
	out[4] = (m[0] * m[8] - m[2] * m[6]) / det;
	out[5] = (m[2] * m[3] - m[0] * m[5]) / det;
	out[6] = (m[3] * m[7] - m[4] * m[6]) / det;
	out[7] = (m[1] * m[6] - m[0] * m[7]) / det;
	out[8] = (m[0] * m[4] - m[1] * m[3]) / det;
	return 0;
}

/*
 * place_camera - the homography from image pixels to sheet units of a
 * pinhole camera (focal length 1.2 W) that sees the sheet's centre
 * (CU, CV) at image point (PX, PY), SPAN units there covering SIZE
 * pixels, the sheet turned by ROLL in its plane and tilted by TILT
 * about an axis at angle AXIS (radians)
 */
static int
place_camera(struct camera *cam, int w, double cu, double cv, double px,
    double py, double span, double size, double roll, double tilt,
    double axis)
{
	double f = 1.2 * w, z = f * span / size;
	double ca = cos(axis), sa = sin(axis), ct = cos(tilt), st = sin(tilt);
	double cr = cos(roll), sr = sin(roll);
	/* R = Rz(axis) Rx(tilt) Rz(-axis) Rz(roll): columns r1, r2 */
	double a[9] = { ca, -sa, 0, sa, ca, 0, 0, 0, 1 };
	double b[9] = { 1, 0, 0, 0, ct, -st, 0, st, ct };
	double c[9] = { ca * cr + sa * sr, -ca * sr + sa * cr, 0,
	    -sa * cr + ca * sr, sa * sr + ca * cr, 0, 0, 0, 1 };
	double ab[9], r[9], hm[9];

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			ab[i * 3 + j] = 0;
			for (int k = 0; k < 3; k++)
				ab[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
		}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			r[i * 3 + j] = 0;
			for (int k = 0; k < 3; k++)
				r[i * 3 + j] += ab[i * 3 + k] * c[k * 3 + j];
		}
	/*
	 * a sheet point (u, v): X = r1 (u - cu) + r2 (v - cv) + (tx, ty, z);
	 * the image point f X/Z + (px, py) - (w/2, h/2) is centred on (px, py)
	 * when tx = ty = 0 and the image centre is moved there
	 */
	for (int i = 0; i < 2; i++) {
		double o = i == 0 ? px : py;

		hm[i * 3 + 0] = f * r[i * 3 + 0] + o * r[6];
		hm[i * 3 + 1] = f * r[i * 3 + 1] + o * r[7];
		hm[i * 3 + 2] = -hm[i * 3 + 0] * cu - hm[i * 3 + 1] * cv +
		    o * z;
	}
	hm[6] = r[6];
	hm[7] = r[7];
	hm[8] = -r[6] * cu - r[7] * cv + z;
	return invert3(hm, cam->h);
}

/*
 * table - the scene outside the sheet at image point (X, Y): a wood-like
 * table top with a few objects on it
 */
static double
table(double x, double y, unsigned salt)
{
	double grain = value_noise(x / 90.0, y / 9.0, salt) * 40 +
	    value_noise(x / 17.0, y / 3.0, salt + 1) * 18;
	double obj = value_noise(x / 260.0, y / 260.0, salt + 2);

	if (obj > 0.72)
		return 40 + value_noise(x / 30.0, y / 30.0, salt + 3) * 50;
	return 95 + grain;
}

/* module_dark - the code's module under sheet point (U, V): 1, 0, or -1 */
static int
module_dark(const struct sheet *s, double u, double v)
{
	int mu = (int)floor(u), mv = (int)floor(v);

	if (mu < 0 || mv < 0 || mu >= s->n || mv >= s->n)
		return -1;
	if (s->mirror)
		mu = s->n - 1 - mu;
	return s->modules[(size_t)mv * s->n + mu] & 1;
}

/*
 * print_text - word-like gray strokes around the code: lines 2.6 units
 * apart, words of 2-9 units
 */
static int
print_text(double u, double v, unsigned salt)
{
	int line = (int)floor(v / 2.6);
	double in_line = v - line * 2.6, pos;
	int word;

	if (in_line > 1.2 || lattice(0, line, salt) < 0.12)
		return 0;
	pos = u + lattice(1, line, salt) * 7;
	word = (int)floor(pos / 6.0);
	return pos - word * 6.0 < 1.6 + lattice(word, line, salt + 1) * 3.8;
}

/* sheet_value - the gray of the sheet at (U, V), or -1 off the paper */
static double
sheet_value(const struct sheet *s, double u, double v, unsigned salt)
{
	double grain, value;
	int dark;

	if (u < s->x0 || v < s->y0 || u >= s->x1 || v >= s->y1)
		return -1;
	grain = s->texture > 0 ?
	    (value_noise(u * 9, v * 9, salt + 7) - 0.5) * 0.6 +
	    (value_noise(u * 1.3, v * 1.3, salt + 8) - 0.5) * 0.4 : 0;
	if (s->page != NULL) {
		int x = (int)u, y = (int)v;

		value = s->page->gray[(size_t)y * s->page->width + x];
		value = s->ink + (value / 255.0) * (s->white - s->ink);
		return value * (1 + s->texture * grain);
	}
	if (s->blot_r > 0 && hypot(u - s->blot_u, v - s->blot_v) < s->blot_r)
		return 0.85 * s->white * (1 + s->texture * grain);
	dark = module_dark(s, u, v);
	if (dark < 0) {
		/* the quiet zone; beyond it text, or a dark edge (damaged) */
		double q = s->quiet;

		if (u >= -q && v >= -q && u < s->n + q && v < s->n + q)
			dark = 0;
		else if (s->quiet < QUIET_MODULES)
			dark = s->edge == 0 ? u < -q && u > -q - 6 :
			    s->edge == 1 ? v < -q && v > -q - 6 :
			    s->edge == 2 ? u >= s->n + q && u < s->n + q + 6 :
			    v >= s->n + q && v < s->n + q + 6;
		else
			dark = print_text(u, v, salt) ? 2 : 0;
	}
	value = dark == 1 ? s->ink : dark == 2 ?
	    s->ink + 0.45 * (s->white - s->ink) : s->white;
	return value * (1 + s->texture * grain);
}

/*
 * sample - the scene at image point (X, Y) through the lens: barrel
 * distortion moves the point away from the centre, the homography
 * carries it onto the sheet, the curl bends the sheet's rows
 */
static double
sample(const struct camera *cam, const struct sheet *s, double x, double y,
    unsigned salt)
{
	double dx = x - cam->cx, dy = y - cam->cy;
	double r2 = (dx * dx + dy * dy) / (cam->cx * cam->cx), k, den, u, v;
	double value;

	k = 1 + cam->k1 * r2;
	x = cam->cx + dx * k;
	y = cam->cy + dy * k;
	den = cam->h[6] * x + cam->h[7] * y + cam->h[8];
	u = (cam->h[0] * x + cam->h[1] * y + cam->h[2]) / den;
	v = (cam->h[3] * x + cam->h[4] * y + cam->h[5]) / den;
	if (cam->curl != 0) {
		double mid = (s->x0 + s->x1) / 2;

		v += cam->curl * (u - mid) * (u - mid);
	}
	value = den > 0 ? sheet_value(s, u, v, salt) : -1;
	return value < 0 ? table(x, y, salt) : value;
}

/* blur_box - a box blur of radius R along rows and columns, in place */
static void
blur_box(float *px, int w, int h, int r)
{
	float *line = malloc(sizeof *line * (size_t)(w > h ? w : h));

	if (line == NULL || r < 1) {
		free(line);
		return;
	}
	for (int y = 0; y < h; y++) {
		float *row = px + (size_t)y * w;

		for (int x = 0; x < w; x++) {
			float sum = 0;
			int k = 0;

			for (int d = -r; d <= r; d++)
				if (x + d >= 0 && x + d < w)
					sum += row[x + d], k++;
			line[x] = sum / k;
		}
		memcpy(row, line, sizeof *line * (size_t)w);
	}
	for (int x = 0; x < w; x++) {
		for (int y = 0; y < h; y++) {
			float sum = 0;
			int k = 0;

			for (int d = -r; d <= r; d++)
				if (y + d >= 0 && y + d < h)
					sum += px[(size_t)(y + d) * w + x], k++;
			line[y] = sum / k;
		}
		for (int y = 0; y < h; y++)
			px[(size_t)y * w + x] = line[y];
	}
	free(line);
}

/* blur_motion - the average along a line of LEN pixels at ANGLE */
static float *
blur_motion(const float *px, int w, int h, double len, double angle)
{
	float *out = malloc(sizeof *out * (size_t)w * h);
	int steps = (int)ceil(len) + 1;
	double ux = cos(angle), uy = sin(angle);

	if (out == NULL)
		return NULL;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double sum = 0;

			for (int i = 0; i < steps; i++) {
				double t = (i / (double)(steps - 1) - 0.5) * len;
				int sx = (int)lround(x + t * ux);
				int sy = (int)lround(y + t * uy);

				sx = sx < 0 ? 0 : sx >= w ? w - 1 : sx;
				sy = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
				sum += px[(size_t)sy * w + sx];
			}
			out[(size_t)y * w + x] = (float)(sum / steps);
		}
	return out;
}

/* write_jpeg - PX (gray levels, warm paper tint) as a colour JPEG */
static int
write_jpeg(const char *path, const float *px, int w, int h, int quality)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *row = malloc((size_t)w * 3);
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || row == NULL) {
		if (fp != NULL)
			fclose(fp);
		free(row);
		return -1;
	}
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_stdio_dest(&c, fp);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	jpeg_start_compress(&c, TRUE);
	for (int y = 0; y < h; y++) {
		JSAMPROW rp = row;

		for (int x = 0; x < w; x++) {
			double g = px[(size_t)y * w + x];

			row[3 * x] = (unsigned char)(g * 1.04 > 255 ? 255 :
			    g * 1.04);
			row[3 * x + 1] = (unsigned char)g;
			row[3 * x + 2] = (unsigned char)(g * 0.9);
		}
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	return fclose(fp) == 0 ? 0 : -1;
}

/* usage - the synopsis on stderr, exit 64 */
static void
usage(void)
{
	fprintf(stderr, "usage: qrphoto -o FILE --class CLASS [--text TEXT] "
	    "[--seed N] [--width W] [--height H] [--size PX] [--quality Q] "
	    "[-i PNG]\n");
	exit(EX_USAGE);
}

/* parse - the command line into O */
static void
parse(int argc, char **argv, struct photo_options *o)
{
	static const struct option longs[] = {
		{ "text", required_argument, NULL, 't' },
		{ "class", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "width", required_argument, NULL, 'W' },
		{ "height", required_argument, NULL, 'H' },
		{ "size", required_argument, NULL, 'z' },
		{ "quality", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof *o);
	o->width = 1600;
	o->height = 1200;
	while ((ch = getopt_long(argc, argv, "o:i:", longs, NULL)) != -1) {
		switch (ch) {
		case 'o': o->out = optarg; break;
		case 'i': o->input = optarg; break;
		case 't': o->text = optarg; break;
		case 'c': o->class = optarg; break;
		case 's': o->seed = strtoul(optarg, NULL, 10); break;
		case 'W': o->width = atoi(optarg); break;
		case 'H': o->height = atoi(optarg); break;
		case 'z': o->size = atoi(optarg); break;
		case 'q': o->quality = atoi(optarg); break;
		default: usage();
		}
	}
	if (o->out == NULL || o->class == NULL || optind != argc ||
	    (o->text == NULL) == (o->input == NULL) || o->width < 64 ||
	    o->height < 64 || o->width > 8000 || o->height > 6000 ||
	    o->quality < 0 || o->quality > 100)
		usage();
}

/* class_is - the class is NAME */
static int
class_is(const struct photo_options *o, const char *name)
{
	return strcmp(o->class, name) == 0;
}

/* main - draw, photograph, write */
int
main(int argc, char **argv)
{
	static const char *classes[] = { "tilt", "persp", "mirror", "curve",
	    "small", "light", "jpeg", "motion", "paper", "v1low", "damaged" };
	struct photo_options o;
	struct sheet s;
	struct camera cam;
	struct image page;
	QRcode *qr = NULL;
	double size, tilt, span, roll, glare_x, glare_y, glare_r, glare;
	double shadow_a, shadow_edge, shadow_depth, noise = 3, motion = 0;
	float *px, *blurred;
	int w, h, defocus = 1, quality, known = 0;
	unsigned salt;
	char why[256];

	parse(argc, argv, &o);
	for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
		known |= class_is(&o, classes[i]);
	if (!known)
		usage();
	rng_state = 0x9E3779B97F4A7C15ULL ^ (o.seed * 0x2545F4914F6CDD1DULL);
	if (rng_state == 0)
		rng_state = 1;
	salt = (unsigned)rng_next();
	w = o.width;
	h = o.height;
	memset(&s, 0, sizeof s);
	memset(&cam, 0, sizeof cam);
	s.quiet = QUIET_MODULES;
	s.ink = rng_range(25, 55);
	s.white = rng_range(195, 235);
	s.texture = rng_range(0, 0.04);
	if (o.input != NULL) {
		if (image_load_gray(o.input, &page, why, sizeof why) == -1) {
			fprintf(stderr, "qrphoto: %s: %s\n", o.input, why);
			return EX_DATAERR;
		}
		s.page = &page;
		s.x0 = s.y0 = 0;
		s.x1 = page.width;
		s.y1 = page.height;
		span = page.width > page.height ? page.width : page.height;
	} else {
		int v1 = class_is(&o, "v1low");

		qr = QRcode_encodeData((int)strlen(o.text),
		    (const unsigned char *)o.text, v1 ? 1 : 0, QR_ECLEVEL_M);
		if (qr == NULL || (v1 && qr->version != 1)) {
			fprintf(stderr, "qrphoto: the text does not fit%s\n",
			    v1 ? " version 1" : "");
			return EX_SOFTWARE;
		}
		s.modules = qr->data;
		s.n = qr->width;
		span = s.n + 2 * QUIET_MODULES;
		/* a sheet a little larger than the code and its text */
		s.x0 = -QUIET_MODULES - rng_range(4, 30);
		s.y0 = -QUIET_MODULES - rng_range(4, 30);
		s.x1 = s.n + QUIET_MODULES + rng_range(4, 30);
		s.y1 = s.n + QUIET_MODULES + rng_range(4, 30);
	}
	size = rng_range(250, 450);
	tilt = rng_range(0, 25);
	roll = rng_range(0, 360);
	quality = (int)rng_range(60, 81);
	glare = 0;
	shadow_depth = 0;
	if (class_is(&o, "persp"))
		tilt = rng_range(45, 62), size = rng_range(300, 500);
	else if (class_is(&o, "mirror"))
		s.mirror = 1;
	else if (class_is(&o, "curve")) {
		cam.k1 = -rng_range(0.03, 0.08);
		cam.curl = rng_range(0.0004, 0.0015) * (rng_uniform() < 0.5 ? -1 :
		    1) * 41.0 / (s.n > 0 ? s.n : 41);
		size = rng_range(400, 650);
	} else if (class_is(&o, "small"))
		size = rng_range(65, 180), tilt = rng_range(0, 20);
	else if (class_is(&o, "light")) {
		shadow_depth = rng_range(0.45, 0.7);
		glare = rng_range(120, 220);
	} else if (class_is(&o, "jpeg"))
		quality = (int)rng_range(40, 51), size = rng_range(150, 250),
		    noise = 5;
	else if (class_is(&o, "motion"))
		motion = rng_range(3, 9.5), defocus = 0;
	else if (class_is(&o, "paper")) {
		s.texture = rng_range(0.25, 0.45);
		s.ink = rng_range(70, 110);
		noise = 5;
	} else if (class_is(&o, "v1low")) {
		w = o.width = o.width == 1600 ? 640 : o.width;
		h = o.height = o.height == 1200 ? 480 : o.height;
		size = rng_range(45, 90), tilt = rng_range(0, 20);
		defocus = 1;
	} else if (class_is(&o, "damaged")) {
		int corner = (int)(rng_uniform() * 3);

		s.quiet = 1;
		s.edge = (int)(rng_uniform() * 4);
		s.blot_u = corner == 1 ? s.n - 3.5 : 3.5;
		s.blot_v = corner == 2 ? s.n - 3.5 : 3.5;
		s.blot_u += rng_range(-2.5, 2.5);
		s.blot_v += rng_range(-2.5, 2.5);
		s.blot_r = rng_range(1.0, 1.8);
	}
	if (o.size > 0)
		size = o.size;
	if (o.quality > 0)
		quality = o.quality;
	if (o.input != NULL) {
		/* a page is photographed upright, filling most of the frame */
		size = rng_range(0.8, 0.95) * (w > h ? w : h);
		roll = rng_range(-8, 8);
	}
	if (place_camera(&cam, w, (s.x0 + s.x1) / 2 * (o.input != NULL) +
	    (s.n / 2.0) * (o.input == NULL), (s.y0 + s.y1) / 2 *
	    (o.input != NULL) + (s.n / 2.0) * (o.input == NULL),
	    w / 2.0 + rng_range(-0.25, 0.25) * w * (o.input == NULL),
	    h / 2.0 + rng_range(-0.25, 0.25) * h * (o.input == NULL),
	    span, size, roll * M_PI / 180, tilt * M_PI / 180,
	    rng_range(0, 2 * M_PI)) == -1) {
		fprintf(stderr, "qrphoto: the camera cannot see the sheet\n");
		return EX_SOFTWARE;
	}
	cam.cx = w / 2.0;
	cam.cy = h / 2.0;
	if ((px = malloc(sizeof *px * (size_t)w * h)) == NULL) {
		fprintf(stderr, "qrphoto: out of memory\n");
		return EX_SOFTWARE;
	}
	/* the light: a shadow's soft edge across the sheet, a lamp's glare */
	shadow_a = rng_range(0, 2 * M_PI);
	shadow_edge = rng_range(-0.2, 0.2) * w;
	glare_x = rng_range(0.3, 0.7) * w;
	glare_y = rng_range(0.3, 0.7) * h;
	glare_r = rng_range(0.06, 0.14) * w;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double sum = 0, light, d;

			/* 2x2 samples a pixel: the sensor's area */
			for (int k = 0; k < 4; k++)
				sum += sample(&cam, &s, x + 0.25 + 0.5 * (k & 1),
				    y + 0.25 + 0.5 * (k >> 1), salt);
			sum /= 4;
			d = (x - w / 2.0) * cos(shadow_a) +
			    (y - h / 2.0) * sin(shadow_a) - shadow_edge;
			light = 1 - shadow_depth / (1 + exp(-d / (0.03 * w)));
			/* vignetting of a phone lens */
			light *= 1 - 0.15 * (((x - w / 2.0) * (x - w / 2.0) +
			    (y - h / 2.0) * (y - h / 2.0)) / (w * w / 4.0));
			sum = sum * light + glare *
			    exp(-((x - glare_x) * (x - glare_x) +
			    (y - glare_y) * (y - glare_y)) /
			    (2 * glare_r * glare_r));
			px[(size_t)y * w + x] = (float)sum;
		}
	if (motion > 0) {
		if ((blurred = blur_motion(px, w, h, motion,
		    rng_range(0, M_PI))) == NULL) {
			fprintf(stderr, "qrphoto: out of memory\n");
			return EX_SOFTWARE;
		}
		free(px);
		px = blurred;
	}
	if (defocus)
		blur_box(px, w, h, 1);
	for (size_t i = 0; i < (size_t)w * h; i++) {
		double g = px[i] + noise * rng_gauss();

		px[i] = (float)(g < 0 ? 0 : g > 255 ? 255 : g);
	}
	if (write_jpeg(o.out, px, w, h, quality) == -1) {
		fprintf(stderr, "qrphoto: %s: cannot write\n", o.out);
		return EX_CANTCREAT;
	}
	free(px);
	if (qr != NULL)
		QRcode_free(qr);
	if (o.input != NULL)
		image_free(&page);
	return 0;
}
