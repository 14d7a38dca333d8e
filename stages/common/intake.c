/*
 * intake.c - copying a claimed inbox folder into the spool (intake.h).
 *
 * Why a copy and not the submitter's files: the inbox is written by
 * people credpipe does not trust, and an inode stays theirs whatever
 * directory it is renamed into. A descriptor they kept on a file lets
 * them rewrite it after validate judged it; a descriptor kept on a
 * folder lets them swap a subfolder for a link while the pipeline walks
 * it; a hard link makes a file outside the inbox look like theirs. So the
 * claim reads each file once, through descriptors only, and every byte
 * the later stages see lies in a file credpipe created.
 *
 * Why fstat after open and not lstat before: only the open descriptor is
 * the file we read. An lstat by name describes whatever had that name a
 * moment ago. O_NOFOLLOW refuses a link at the last step, O_NONBLOCK
 * keeps a FIFO swapped in after the fstatat from blocking the open, and
 * the fstat of the descriptor then decides: a regular file with exactly
 * one name and a size within its limit, else nothing is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dossier.h"
#include "fsutil.h"
#include "image.h"
#include "intake.h"
#include "log.h"
#include "spool.h"
#include "xmlsafe.h"

#define DOSSIER_NS "urn:credpipe:dossier:1"
#define MAX_NAMED 64            /* attachments one dossier may name */
#define COPY_BLOCK 65536
#define MIB (1024ULL * 1024)

/* one walk of intake_copy */
struct intake_walk {
	const struct intake_limits *lim;
	struct claim *c;
	char named[MAX_NAMED][65];      /* attachment names in dossier.xml */
	int nnamed;
	unsigned long long other_bytes; /* files the dossier does not name */
	unsigned long entries;
	int too_many, too_big, too_deep;
	int to[FS_MAX_DEPTH + 1];       /* the copy's directory per level */
	char *block;                    /* COPY_BLOCK bytes */
	int failed;                     /* writing the copy failed: errno */
};

/*
 * shown - PATH fit for a result and a REASON: letters, digits and ._-/
 * kept, any other byte as '?', at most 64 bytes (the folder's names are
 * the submitter's, and results are XML read by people).
 */
static const char *
shown(const char *path, char *buf, size_t size)
{
	size_t out = 0;

	for (const unsigned char *p = (const unsigned char *)path;
	    *p != '\0' && out + 1 < size && out < 64; p++) {
		int tame = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-' || *p == '/';
		buf[out++] = tame ? (char)*p : '?';
	}
	buf[out] = '\0';
	return buf;
}

/* kind_of - "a FIFO", "a device", ... for MODE */
static const char *
kind_of(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISDIR(mode))
		return "a folder";
	return "not a regular file";
}

/* all_zero - LEN bytes of BUF are zero */
static int
all_zero(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0)
			return 0;
	return 1;
}

/* write_all - write LEN bytes at the current offset of OUT */
static int
write_all(int out, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(out, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * copy_data - copy the first SIZE bytes of IN into OUT, keeping holes:
 * only the data extents SEEK_DATA/SEEK_HOLE report are read, and blocks
 * of zeros inside them are skipped (a file system without SEEK_DATA has
 * one extent, the whole file). A file that shrank while read ends where
 * it ended; one that grew is copied to SIZE, the size fstat judged.
 * Returns 0, -1 with *READ_FAILED set when reading IN failed, or -1 when
 * writing OUT failed.
 */
static int
copy_data(int in, int out, off_t size, char *block, int *read_failed)
{
	off_t at = 0, end = 0;

	*read_failed = 0;
	while (at < size) {
		off_t data = lseek(in, at, SEEK_DATA);

		if (data == -1 && errno == ENXIO)
			break;          /* only a hole is left */
		if (data == -1) {       /* no SEEK_DATA: all of it is data */
			data = at;
			end = size;
		} else if ((end = lseek(in, data, SEEK_HOLE)) == -1)
			end = size;
		if (end > size)
			end = size;
		if (data >= size)
			break;
		for (at = data; at < end;) {
			size_t want = (size_t)(end - at) < COPY_BLOCK ?
			    (size_t)(end - at) : COPY_BLOCK;
			ssize_t n = pread(in, block, want, at);

			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				*read_failed = 1;
				return -1;
			}
			if (n == 0) {   /* shrank under us */
				size = at;
				break;
			}
			if (!all_zero(block, (size_t)n) &&
			    (lseek(out, at, SEEK_SET) == -1 ||
			    write_all(out, block, (size_t)n) == -1))
				return -1;
			at += n;
		}
	}
	/* the length, holes at the end included */
	return ftruncate(out, size);
}

/* is_named - the dossier names NAME (an entry of the top folder) */
static int
is_named(const struct intake_walk *w, const char *name)
{
	for (int i = 0; i < w->nnamed; i++)
		if (strcmp(w->named[i], name) == 0)
			return 1;
	return 0;
}

/*
 * copy_file - copy regular file NAME of directory FROM (entry E, or NULL
 * for dossier.xml) into directory TO, within MAX bytes. A refusal is
 * recorded and 0 returned; -1 only when writing the copy failed.
 */
static int
copy_file(struct intake_walk *w, int from, const char *name,
    const char *path, int to, unsigned long long max, int named)
{
	char show[72];
	struct stat st;
	int in, out, read_failed, err;

	shown(path, show, sizeof show);
	in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (in == -1) {
		if (errno == ELOOP)
			claim_refuse(w->c, "unsafe-input", show, "%s is a symbolic "
			    "link; links are not accepted.", show);
		else if (errno != ENOENT)
			claim_refuse(w->c, "unsafe-input", show, "%s cannot be "
			    "read (%s).", show, strerror(errno));
		return 0;
	}
	if (fstat(in, &st) == -1) {
		claim_refuse(w->c, "unsafe-input", show, "%s cannot be read "
		    "(%s).", show, strerror(errno));
		close(in);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		claim_refuse(w->c, "unsafe-input", show, "%s is %s, not a "
		    "regular file; only regular files are accepted.", show,
		    kind_of(st.st_mode));
		close(in);
		return 0;
	}
	if (st.st_nlink != 1) {
		claim_refuse(w->c, "unsafe-input", show, "%s has %lu names (hard "
		    "links); a file with a name outside the folder is not "
		    "accepted.", show, (unsigned long)st.st_nlink);
		close(in);
		return 0;
	}
	if ((unsigned long long)st.st_size > max) {
		if (!named) {
			if (!w->too_big++)
				claim_refuse(w->c, "unsafe-input", show, "The files "
				    "the dossier does not name are larger than "
				    "the limit of %llu MiB together (%s is "
				    "%llu bytes); they are not kept.",
				    w->lim->folder_max / MIB, show,
				    (unsigned long long)st.st_size);
		} else if (strcmp(name, "dossier.xml") == 0)
			claim_refuse(w->c, "unsafe-input", "dossier.xml",
			    "dossier.xml is refused: larger than %llu bytes.",
			    max);
		else
			claim_refuse(w->c, "bad-attachment", show, "The "
			    "attachment %s is larger than %llu MiB.", show,
			    max / MIB);
		close(in);
		return 0;
	}
	out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (out == -1 || fchmod(out, 0600) == -1)
		goto fail;
	if (copy_data(in, out, st.st_size, w->block, &read_failed) == -1) {
		if (!read_failed)
			goto fail;
		claim_refuse(w->c, "unsafe-input", show, "%s cannot be read "
		    "(%s).", show, strerror(errno));
		close(out);
		unlinkat(to, name, 0);
		close(in);
		return 0;
	}
	struct timespec times[2] = { st.st_atim, st.st_mtim };
	if (futimens(out, times) == -1 || fsync(out) == -1)
		goto fail;
	if (close(out) == -1) {
		out = -1;
		goto fail;
	}
	close(in);
	if (!named)
		w->other_bytes += (unsigned long long)st.st_size;
	return 0;
fail:
	err = errno;
	if (out != -1)
		close(out);
	close(in);
	errno = err;
	return -1;
}

/* collect_named - every valid //attachment/@file below NODE into W */
static void
collect_named(xmlNodePtr node, struct intake_walk *w)
{
	char file[256];

	for (; node != NULL; node = node->next) {
		if (!dossier_element(node))
			continue;
		if (strcmp((const char *)node->name, "attachment") == 0 &&
		    xml_attr(node, "file", file, sizeof file) &&
		    attachment_name_valid(file) && w->nnamed < MAX_NAMED &&
		    !is_named(w, file))
			snprintf(w->named[w->nnamed++], sizeof w->named[0], "%.64s",
			    file);
		collect_named(node->children, w);
	}
}

/* read_named - the attachments the copied dossier.xml in TO names */
static void
read_named(struct intake_walk *w, int to)
{
	struct xml_error err;
	xmlDocPtr doc;
	char *buf;
	size_t len;

	if (fs_read_at(to, "dossier.xml", w->lim->xml_max, &buf, &len) == -1)
		return;
	if (xml_parse_memory(buf, len, w->lim->xml_max, "dossier.xml", &doc,
	    &err) == XML_OK) {
		collect_named(xmlDocGetRootElement(doc), w);
		xmlFreeDoc(doc);
	}
	free(buf);
}

/* copy_visit - fs_walk visitor: copy or refuse one entry */
static int
copy_visit(const struct fs_entry *e, void *ctx)
{
	struct intake_walk *w = ctx;
	int to = w->to[e->depth - 1], named, fd;
	unsigned long long max;
	char show[72];

	if (e->depth == 1 && strcmp(e->name, "dossier.xml") == 0)
		return FS_WALK_NEXT;    /* copied first */
	if (++w->entries > w->lim->max_entries) {
		if (!w->too_many++)
			claim_refuse(w->c, "unsafe-input", "", "The folder holds "
			    "more than %lu files and folders; the rest are not "
			    "kept.", w->lim->max_entries);
		return FS_WALK_NEXT;
	}
	shown(e->path, show, sizeof show);
	if (S_ISDIR(e->st->st_mode)) {
		if (e->depth >= FS_MAX_DEPTH) {
			if (!w->too_deep++)
				claim_refuse(w->c, "unsafe-input", show, "The "
				    "folder is nested deeper than %d levels "
				    "(at %.32s...); a dossier needs one.",
				    FS_MAX_DEPTH, show);
			return FS_WALK_NEXT;
		}
		fd = fs_open_dir_at(e->dirfd, e->name);
		if (fd == -1) {
			claim_refuse(w->c, "unsafe-input", show, "%s changed while "
			    "the folder was claimed (%s).", show,
			    errno == ELOOP || errno == ENOTDIR ?
			    "a folder became a link or a file" :
			    strerror(errno));
			return FS_WALK_NEXT;
		}
		if (mkdirat(to, e->name, 0700) == -1 ||
		    (w->to[e->depth] = fs_open_dir_at(to, e->name)) == -1) {
			w->failed = errno;
			close(fd);
			errno = w->failed;
			return -1;
		}
		return fd;
	}
	if (!S_ISREG(e->st->st_mode)) {
		claim_refuse(w->c, "unsafe-input", show, "%s is %s; only regular "
		    "files are accepted.", show, kind_of(e->st->st_mode));
		return FS_WALK_NEXT;
	}
	named = e->depth == 1 && is_named(w, e->name);
	if (named)
		max = w->lim->attachment_max;
	else if (w->other_bytes > w->lim->folder_max)
		max = 0;
	else
		max = w->lim->folder_max - w->other_bytes;
	if (!named && (unsigned long long)e->st->st_size > max &&
	    w->too_big) {
		/* one sentence says it; the rest is not opened at all */
		return FS_WALK_NEXT;
	}
	if (copy_file(w, e->dirfd, e->name, e->path, to, max, named) == -1) {
		w->failed = errno;
		return -1;
	}
	return FS_WALK_NEXT;
}

/* copy_leave - fs_walk leave callback: the copied folder is complete */
static int
copy_leave(const struct fs_entry *e, int fd, void *ctx)
{
	struct intake_walk *w = ctx;
	int to = w->to[e->depth];
	struct timespec times[2] = { e->st->st_atim, e->st->st_mtim };

	(void)fd;
	w->to[e->depth] = -1;
	if (futimens(to, times) == -1 || fsync(to) == -1) {
		w->failed = errno;
		close(to);
		errno = w->failed;
		return -1;
	}
	close(to);
	return 0;
}

/* intake_copy - copy the folder FROM into TO (see intake.h) */
int
intake_copy(int from, int to, const struct intake_limits *lim,
    struct claim *c)
{
	struct intake_walk *w;
	struct stat st;
	int rc, err = 0;

	if ((w = calloc(1, sizeof *w)) == NULL ||
	    (w->block = malloc(COPY_BLOCK)) == NULL) {
		free(w);
		return -1;
	}
	w->lim = lim;
	w->c = c;
	for (int i = 0; i <= FS_MAX_DEPTH; i++)
		w->to[i] = -1;
	w->to[0] = to;
	rc = 0;
	/* dossier.xml first: what it names is read from our own copy */
	if (fstatat(from, "dossier.xml", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISREG(st.st_mode)) {
			rc = copy_file(w, from, "dossier.xml", "dossier.xml", to,
			    lim->xml_max, 1);
			if (rc == 0)
				read_named(w, to);
			else
				w->failed = errno ? errno : EIO;
		} else
			claim_refuse(c, "unsafe-input", "dossier.xml",
			    "dossier.xml is %s, not a regular file.",
			    kind_of(st.st_mode));
	}
	if (rc == 0)
		rc = fs_walk(from, copy_visit, copy_leave, w);
	if (rc == -1 && !w->failed)
		err = errno;            /* reading the inbox stopped the walk */
	/*
	 * A walk stopped midway leaves copy directories open. When only
	 * reading stopped it, what was copied stays (with a refusal), so
	 * those directories are fsynced like the others.
	 */
	for (int i = FS_MAX_DEPTH; i >= 1; i--) {
		if (w->to[i] == -1)
			continue;
		if (!w->failed && fsync(w->to[i]) == -1)
			w->failed = errno;
		close(w->to[i]);
	}
	if (w->failed) {
		rc = -1;
		err = w->failed;
	} else if (rc == -1) {
		/* reading the inbox failed (not writing): a refusal */
		claim_refuse(c, "unsafe-input", "", "The folder cannot be read "
		    "to its end (%s).", strerror(err));
		rc = 0;
	}
	if (rc == 0 && fsync(to) == -1) {
		rc = -1;
		err = errno;
	}
	free(w->block);
	free(w);
	if (rc == -1)
		errno = err;
	return rc;
}

/* intake_limits - the limits of CFG (see intake.h) */
int
intake_limits(const struct config *cfg, struct intake_limits *lim)
{
	const char *v = config_get(cfg, "FOLDER_MAX_MB");
	unsigned long long mb = INTAKE_FOLDER_MAX_MB;
	char *end;

	lim->xml_max = XML_MAX_BYTES;
	lim->attachment_max = IMAGE_MAX_BYTES;
	lim->max_entries = INTAKE_MAX_ENTRIES;
	if (v != NULL) {
		errno = 0;
		mb = strtoull(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || v[0] == '-' ||
		    mb > 1024 * 1024) {
			log_warnx("FOLDER_MAX_MB: bad value \"%.32s\": expected "
			    "MiB, 0..1048576", v);
			return -1;
		}
	}
	lim->folder_max = mb * MIB;
	return 0;
}
