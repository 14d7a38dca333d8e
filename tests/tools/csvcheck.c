/*
 * csvcheck - read a manifest.csv with the strict RFC 4180 reader and
 * print each record as one line: fields separated by " | ", the guard of
 * free-text columns removed, CR and LF shown as \r and \n. Exit 0, or 65
 * with the line of the first error.
 *
 *   csvcheck FILE
 */
#include <stdio.h>
#include <stdlib.h>

#include "courier.h"
#include "fsutil.h"
#include "log.h"

/* print_record - one record on one line */
static int
print_record(char **f, int n, void *ctx)
{
	static const int free_text[COURIER_CSV_COLUMNS] = {
		0, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0 };

	for (int c = 0; c < n; c++) {
		const char *s = free_text[c] ? courier_csv_unguard(f[c]) : f[c];
		if (c > 0)
			fputs(" | ", stdout);
		for (; *s != '\0'; s++) {
			if (*s == '\r')
				fputs("\\r", stdout);
			else if (*s == '\n')
				fputs("\\n", stdout);
			else
				putchar(*s);
		}
	}
	putchar('\n');
	return 0;
}

int
main(int argc, char **argv)
{
	char *buf;
	size_t len;
	int line;

	log_init("csvcheck", LOG_NORMAL);
	if (argc != 2) {
		fprintf(stderr, "usage: csvcheck FILE\n");
		return EX_USAGE;
	}
	if (fs_read_file(argv[1], 64 << 20, &buf, &len) == -1)
		fatal("%s", argv[1]);
	if (courier_csv_parse(buf, len, print_record, NULL, &line) == -1) {
		fprintf(stderr, "csvcheck: %s: line %d: not strict RFC 4180\n",
		    argv[1], line);
		return EX_DATAERR;
	}
	free(buf);
	return 0;
}
