/*
 * NAME
 *	intruder - a submitter attacking the pipeline through kept descriptors
 *
 * SYNOPSIS
 *	intruder race FOLDER VICTIM SECONDS
 *	intruder rewrite FILE
 *
 * DESCRIPTION
 *	A test tool, run as an unprivileged user against a pipeline run as
 *	root.
 *
 *	race: keeps a directory descriptor on FOLDER (an inbox folder of its
 *	own, holding the subfolder "sub") and makes a symbolic link
 *	"lnk" -> VICTIM beside it. It watches "sub" with inotify and prints
 *	"ready". Each time the pipeline opens "sub" (IN_OPEN) it swaps "sub"
 *	and "lnk" (renameat2 RENAME_EXCHANGE through the kept descriptor, so
 *	it works wherever the pipeline renamed the folder), and back 2 ms
 *	later; after SECONDS seconds it prints "swapped N".
 *	A pipeline that reaches the entries of "sub" by path (sub/a.txt)
 *	after opening it then works on VICTIM's files of the same names.
 *
 *	rewrite: opens FILE for writing, prints "ready", waits for a line on
 *	stdin, then truncates the file through that descriptor and writes
 *	"REWRITTEN" into it: whoever still reads that inode sees the change.
 *
 * EXIT STATUS
 *	0 done; 64 usage; 71 a system call failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* now_seconds - a monotonic clock in seconds */
static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* exchange - swap the names "sub" and "lnk" in folder FD */
static int
exchange(int fd)
{
	return renameat2(fd, "sub", fd, "lnk", RENAME_EXCHANGE);
}

/* race - see the manual above */
static int
race(const char *folder, const char *victim, double seconds)
{
	char proc[64], events[4096];
	unsigned long swaps = 0;
	int fd, sub, in;

	if ((fd = open(folder, O_RDONLY | O_DIRECTORY)) == -1 ||
	    (sub = openat(fd, "sub", O_RDONLY | O_DIRECTORY)) == -1) {
		perror(folder);
		return EX_OSERR;
	}
	if (symlinkat(victim, fd, "lnk") == -1) {
		perror("lnk");
		return EX_OSERR;
	}
	/* the watch follows the inode, wherever it is renamed to */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", sub);
	if ((in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) == -1 ||
	    inotify_add_watch(in, proc, IN_OPEN) == -1) {
		perror("inotify");
		return EX_OSERR;
	}
	printf("ready\n");
	fflush(stdout);
	for (double end = now_seconds() + seconds; now_seconds() < end;) {
		struct pollfd pfd = { .fd = in, .events = POLLIN };

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		while (read(in, events, sizeof events) > 0)
			;
		/*
		 * The pipeline just opened "sub" and is about to reach its
		 * entries: now "sub" names the victim. A walk by path goes
		 * there; one by descriptor stays in the folder it opened.
		 * Back 2 ms later, so that the pipeline's next walk (after a
		 * few fsyncs) finds a folder again and opens it again.
		 */
		if (exchange(fd) == 0) {
			swaps++;
			usleep(2 * 1000);
			exchange(fd);
		}
		while (read(in, events, sizeof events) > 0)
			;
	}
	printf("swapped %lu\n", swaps);
	return 0;
}

/* rewrite - see the manual above */
static int
rewrite(const char *file)
{
	static const char text[] = "REWRITTEN\n";
	char line[64];
	int fd;

	if ((fd = open(file, O_WRONLY)) == -1) {
		perror(file);
		return EX_OSERR;
	}
	printf("ready\n");
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, text, sizeof text - 1, 0) != (ssize_t)sizeof text - 1) {
		perror(file);
		return EX_OSERR;
	}
	printf("rewritten\n");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "race") == 0)
		return race(argv[2], argv[3], atof(argv[4]));
	if (argc == 3 && strcmp(argv[1], "rewrite") == 0)
		return rewrite(argv[2]);
	fprintf(stderr, "usage: intruder race FOLDER VICTIM SECONDS\n"
	    "       intruder rewrite FILE\n");
	return EX_USAGE;
}
