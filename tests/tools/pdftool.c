/*
 * pdftool - exercise the PDF module from tests and the benchmark.
 *
 *   pdftool [--font F] [--no-subset] chars TEXT OUT.pdf
 *       one A4 page per character of TEXT, the character alone, 120 pt
 *   pdftool [--font F] [--no-subset] text TEXT OUT.pdf
 *       TEXT as one line at 14 pt, and wrapped in a 60 x 40 mm box
 *   pdftool [--font F] qr TEXT OUT.pdf
 *       TEXT's QR code, 0.8 mm a module, on an A4 page
 *   pdftool [--font F] covers TEXT
 *       exit 0 when the font shows every character, else 1 and why
 *   pdftool [--font F] width SIZE TEXT
 *       the width in mm pdf_text_width gives
 *   pdftool [--font F] [--no-subset] bench N
 *       render N online reports (varied names) in memory: prints
 *       "reports N seconds S per_second R cpu_seconds C per_cpu_second
 *       R2 bytes_per_report B" (the CPU rate is what one worker does on
 *       an idle core)
 *   pdftool ink FILE.png
 *       the number of dark pixels (gray < 128): a blank glyph has none
 * Exit: 0 ok, 1 held (the message on stderr), 2 usage, 3 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "pdf.h"
#include "report.h"

/* usage - how to call */
static int
usage(void)
{
	fprintf(stderr, "usage: pdftool [--font F] [--no-subset] "
	    "chars|text|qr|covers|width ARGS\n");
	return 2;
}

/* ink - count the dark pixels of a PNG */
static int
ink(const char *path)
{
	struct image img;
	unsigned long dark = 0, i;
	char why[256];

	if (image_load_gray(path, &img, why, sizeof why) == -1) {
		fprintf(stderr, "pdftool: %s: %s\n", path, why);
		return 3;
	}
	for (i = 0; i < (unsigned long)img.width * img.height; i++)
		if (img.gray[i] < 128)
			dark++;
	printf("%lu\n", dark);
	image_free(&img);
	return 0;
}

/* bench - render N online reports in memory, timed */
static int
bench(const struct pdf_font *font, int subset, int n)
{
	static const char *const names[] = { "张伟", "李娜", "王芳", "刘洋",
	    "陈静", "杨帆", "赵敏", "黄磊", "周杰", "吴昊" };
	static const char *const majors[] = { "计算机科学与技术", "土木工程",
	    "会计学", "临床医学", "汉语言文学", "电子信息工程" };
	struct report_fields f;
	struct timespec t0, t1, c0, c1;
	struct pdf_doc *doc;
	unsigned char *buf;
	size_t len, total = 0;
	double secs, cpu;
	int i;

	memset(&f, 0, sizeof f);
	snprintf(f.gender, sizeof f.gender, "male");
	snprintf(f.birth_date, sizeof f.birth_date, "1997-03-15");
	report_mask_id("110108199703150316", f.id_masked, sizeof f.id_masked);
	snprintf(f.institution, sizeof f.institution, "北京大学");
	snprintf(f.institution_code, sizeof f.institution_code, "10001");
	snprintf(f.level, sizeof f.level, "undergraduate");
	snprintf(f.study_form, sizeof f.study_form, "full-time");
	snprintf(f.entry_date, sizeof f.entry_date, "2015-09-01");
	snprintf(f.graduation_date, sizeof f.graduation_date, "2019-07-01");
	snprintf(f.certificate_number, sizeof f.certificate_number,
	    "100011201905000123");
	snprintf(f.issued, sizeof f.issued, "2026-11-28");
	snprintf(f.expires, sizeof f.expires, "2027-02-26");
	snprintf(f.verify_url, sizeof f.verify_url,
	    "https://verify.example.edu.cn/v");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (i = 0; i < n; i++) {
		snprintf(f.dossier_id, sizeof f.dossier_id, "A2026%010d", i);
		snprintf(f.holder_name, sizeof f.holder_name, "%s",
		    names[i % 10]);
		snprintf(f.major, sizeof f.major, "%s", majors[i % 6]);
		snprintf(f.code, sizeof f.code, "7KQ2M9X4T1HC%04d", i % 10000);
		snprintf(f.payload, sizeof f.payload, "https://verify.example."
		    "edu.cn/v?c=%s&e=20270226&n=100011201905000123&h=%%E5%%BC"
		    "%%A0%%E4%%BC%%9F&k=0a1b2c3d&s=%086dxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", f.code,
		    i);
		doc = pdf_doc_new(font, NULL);
		pdf_doc_set_subset(doc, subset);
		report_online_draw(doc, &f);
		if (pdf_doc_render(doc, &buf, &len) != PDF_OK) {
			fprintf(stderr, "pdftool: %s\n", pdf_doc_error(doc));
			pdf_doc_free(doc);
			return 3;
		}
		total += len;
		free(buf);
		pdf_doc_free(doc);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cpu = (double)(c1.tv_sec - c0.tv_sec) +
	    (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	printf("reports %d seconds %.3f per_second %.1f cpu_seconds %.3f "
	    "per_cpu_second %.1f bytes_per_report %zu\n", n, secs, n / secs,
	    cpu, n / cpu, total / (size_t)n);
	return 0;
}

/* finish - save DOC to PATH; the exit status */
static int
finish(struct pdf_doc *doc, const char *path)
{
	enum pdf_status st = pdf_doc_save(doc, path, 0644);

	if (st != PDF_OK)
		fprintf(stderr, "pdftool: %s\n", pdf_doc_error(doc));
	pdf_doc_free(doc);
	return st == PDF_OK ? 0 : st == PDF_HELD ? 1 : 3;
}

int
main(int argc, char **argv)
{
	const char *font_path = NULL, *cmd, *p;
	struct pdf_info info = { .title = "pdftool", .created = 1 };
	struct pdf_font *font;
	struct pdf_doc *doc;
	struct pdf_page *page;
	char why[512], one[8];
	int subset = 1, rc;
	size_t n;

	while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--font") == 0 && argc > 2) {
			font_path = argv[2];
			argv += 2;
			argc -= 2;
		} else if (strcmp(argv[1], "--no-subset") == 0) {
			subset = 0;
			argv++;
			argc--;
		} else
			return usage();
	}
	if (argc < 3)
		return usage();
	cmd = argv[1];
	if (strcmp(cmd, "ink") == 0)
		return ink(argv[2]);
	if ((font = pdf_font_open(font_path, why, sizeof why)) == NULL) {
		fprintf(stderr, "pdftool: %s\n", why);
		return 3;
	}
	if (strcmp(cmd, "covers") == 0) {
		rc = pdf_font_covers(font, argv[2], why, sizeof why) ? 0 : 1;
		if (rc)
			fprintf(stderr, "pdftool: %s\n", why);
		pdf_font_close(font);
		return rc;
	}
	if (strcmp(cmd, "bench") == 0) {
		rc = bench(font, subset, atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
		pdf_font_close(font);
		return rc;
	}
	if (strcmp(cmd, "width") == 0 && argc == 4) {
		printf("%.3f\n", pdf_text_width(font, atof(argv[2]), argv[3]));
		pdf_font_close(font);
		return 0;
	}
	if (argc != 4)
		return usage();
	doc = pdf_doc_new(font, &info);
	pdf_doc_set_subset(doc, subset);
	if (strcmp(cmd, "chars") == 0) {
		for (p = argv[2]; *p; p += n) {
			n = 1;
			while ((p[n] & 0xC0) == 0x80)
				n++;
			snprintf(one, sizeof one, "%.*s", (int)n, p);
			page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
			pdf_text(page, 40, 120, 120, PDF_LEFT, one);
		}
	} else if (strcmp(cmd, "text") == 0) {
		page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
		pdf_text(page, 20, 30, 14, PDF_LEFT, argv[2]);
		pdf_rect(page, 20, 50, 60, 40, 0.5);
		pdf_text_box(page, 20, 50, 60, 40, 14, PDF_LEFT, argv[2]);
	} else if (strcmp(cmd, "qr") == 0) {
		page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
		pdf_qr(page, 20, 20, 0.8, argv[2]);
	} else {
		pdf_doc_free(doc);
		pdf_font_close(font);
		return usage();
	}
	rc = finish(doc, argv[3]);
	pdf_font_close(font);
	return rc;
}
