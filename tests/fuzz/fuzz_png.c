/*
 * fuzz_png.c - libFuzzer harness: a PNG attachment through validate's
 * header check and decode's QR passes.
 *
 * The input is the bytes of an attachment. image_probe judges its header
 * as validate does; then qrscan_file loads it progressively and runs the
 * QR passes as decode does (stopping at our report prefix), behind the
 * finder-pattern gate or not. Images over FUZZ_MAX_PIXELS are probed
 * only: a 50 MP page takes seconds to scan, and the time a huge page may
 * take is the worker limits' business, not a memory-safety question this
 * harness can answer at speed.
 */
#include "image.h"
#include "log.h"
#include "qrscan.h"
#include "scanresult.h"
#include "fuzz.h"

#define FUZZ_MAX_PIXELS (512UL * 512)

static struct qrscan *qs;

/* LLVMFuzzerInitialize - one scanner, the temp file */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_png", LOG_QUIET);
	if ((qs = qrscan_new()) == NULL)
		abort();
	fuzz_temp_init("fuzz_png");
	return 0;
}

/* LLVMFuzzerTestOneInput - probe, then scan one attachment */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scan_attachment sa;
	struct qrscan_options opt = { .stop_prefix = FUZZ_VERIFY_URL "?" };
	const char *path = fuzz_temp_write(data, size);
	unsigned w, h;
	char why[256];

	if (image_probe(path, &w, &h, why, sizeof why) == -1)
		return 0;
	if ((unsigned long)w * h > FUZZ_MAX_PIXELS)
		return 0;
	/*
	 * The finder-pattern gate is content-driven code too: the input's
	 * last byte (in a PNG, the IEND CRC) says whether it runs first, so
	 * both paths are fuzzed and an input always takes the same one. No
	 * time budget: it would make a run depend on the machine's speed.
	 */
	opt.gated = data[size - 1] & 1;
	memset(&sa, 0, sizeof sa);
	snprintf(sa.file, sizeof sa.file, "scan.png");
	qrscan_file(qs, path, &opt, &sa);
	for (int i = 0; i < sa.ncodes; i++)
		free(sa.codes[i].data);
	return 0;
}
