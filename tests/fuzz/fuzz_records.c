/*
 * fuzz_records.c - libFuzzer harness: `records import` of a records file.
 *
 * The input is the bytes of a records file. The harness runs the import
 * stage's own import_file (the records program is compiled in, its main
 * renamed) into an in-memory registry: parse untrusted, validate against
 * records.xsd, import every element in one transaction, roll back on a
 * conflict or a bad record. A registry that took an import is thrown
 * away, so every input starts from the same empty registry.
 */
#include "fuzz.h"

int records_main(int argc, char **argv);
#define main records_main
#include "../../stages/records.c"
#undef main

static xmlSchemaPtr schema;
static xmlSchemaValidCtxtPtr vctxt;
static struct registry *reg;

/* fresh_registry - an empty in-memory registry */
static struct registry *
fresh_registry(void)
{
	struct registry *r;
	int status;

	if ((r = registry_open(":memory:", &status)) == NULL) {
		fprintf(stderr, "cannot open an in-memory registry: %d\n",
		    status);
		abort();
	}
	return r;
}

/* LLVMFuzzerInitialize - schema, lock-down, registry, temp file */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4096];

	log_init("fuzz_records", LOG_QUIET);
	xml_init();
	xml_schema_path("records.xsd", path, sizeof path);
	if ((schema = xml_schema_load(path)) == NULL) {
		fprintf(stderr, "%s: cannot load the records schema\n", path);
		abort();
	}
	xml_lock_down();
	if ((vctxt = xmlSchemaNewValidCtxt(schema)) == NULL)
		abort();
	reg = fresh_registry();
	fuzz_temp_init("fuzz_records");
	return 0;
}

/* LLVMFuzzerTestOneInput - import one records file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc = import_file(reg, vctxt, fuzz_temp_write(data, size));

	if (rc == EX_SOFTWARE)
		abort();
	if (rc == 0) {
		registry_close(reg);
		reg = fresh_registry();
	}
	return 0;
}
