/*
 * fuzz_payload.c - libFuzzer harness: the QR payload parser (payload.c).
 *
 * The input is a QR code's bytes as zbar hands them to check: parsed
 * strictly and, when well-formed, verified against the harness key. A
 * payload that verifies must also survive a rebuild: payload_build of its
 * decoded fields gives back the same bytes (SPEC §6: one canonical form),
 * so a parser that accepts two spellings of one payload is a finding.
 */
#include "fuzz.h"

static struct signing_key key;
static struct trusted_keys keys;

/* LLVMFuzzerInitialize - the harness key */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_key(&key, &keys);
	return 0;
}

/* LLVMFuzzerTestOneInput - check one payload */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct payload p;
	char again[4096];

	memset(&p, 0, sizeof p);
	if (payload_check(&keys, FUZZ_VERIFY_URL, data, size, &p) !=
	    PAYLOAD_VALID)
		return 0;
	if (payload_build(&key, FUZZ_VERIFY_URL, p.code, p.expiry,
	    p.certificate_number, p.holder_name, again, sizeof again) == -1) {
		fprintf(stderr, "ERROR: a valid payload does not rebuild\n");
		abort();
	}
	if (strlen(again) != size || memcmp(again, data, size) != 0) {
		fprintf(stderr, "ERROR: a valid payload is not canonical: "
		    "%.*s\nits canonical form: %s\n", (int)size,
		    (const char *)data, again);
		abort();
	}
	return 0;
}
