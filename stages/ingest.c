/*
 * NAME
 *	ingest - claim complete dossier folders from the inbox into the spool
 *
 * SYNOPSIS
 *	ingest [--home DIR] [--inbox DIR] [--now TIME] [--settle SECONDS]
 *	       [--incomplete-after HOURS] [--tz OFFSET] [--verbose] ...
 *
 * DESCRIPTION
 *	ingest is the first stage of credpipe (SPEC §2, §8). It first
 *	recovers what a crashed ingest left (HOME/spool/.claim-* directories:
 *	each is finished or undone, so no dossier is lost or duplicated),
 *	then writes the id of every unfinished dossier in HOME/spool to
 *	stdout, so that a rerun after kill -9 picks them up again. Then it
 *	scans the inbox, in byte order of name, and claims each folder that
 *	is complete: dossier.xml and every attachment it names are present,
 *	and either a READY file exists or no file in the folder changed
 *	within --settle seconds of --now (an mtime after --now counts as just
 *	changed; the folder's own mtime does not count). A folder still
 *	incomplete --incomplete-after hours after its newest file's mtime is
 *	claimed anyway and marked incomplete (validate rejects it).
 *
 *	Names starting with '.' are never claimed (pipeline.sh drop stages
 *	folders under such names). Entries that are not directories (plain
 *	files, symbolic links, even links to folders) are never claimed,
 *	never followed and never removed: ingest warns about them on every
 *	run and `credpipe status` lists them, so that an operator moves them.
 *
 *	The dossier's id is the root's id attribute when it is a valid id,
 *	else the folder's name when that is one, else "X", --now as
 *	YYYYMMDDHHMMSS in --tz and a 4-digit sequence, unique in HOME. A
 *	folder whose id is already in HOME (spool, done, quarantine or a
 *	published result) is quarantined as a duplicate, the first dossier
 *	untouched, and its id is not written.
 *
 *	Claiming copies (after Postfix's pickup): credpipe never keeps a
 *	submitter's inode, which a kept descriptor could still change. Each
 *	regular file is read through a descriptor opened O_NOFOLLOW relative
 *	to its folder's descriptor, checked with fstat (regular, one link,
 *	within its limit) and copied into a new 0600 file (intake.c); links,
 *	special files, hard links, folders deeper than FS_MAX_DEPTH and files
 *	over the limits (FOLDER_MAX_MB for those the dossier does not name)
 *	are refused, each with a sentence in the claim record, and validate
 *	rejects the dossier with them. The original then leaves the inbox:
 *	removed by descriptor, or, when something was refused or removing is
 *	refused, kept whole in INBOX/.quarantine/<id> (never in HOME).
 *
 *	Why it is crash safe: the claim directory
 *	HOME/spool/.claim-<id>-<pid>-<n>/ and its "claim" record are
 *	committed before anything moves; the folder is renamed within the
 *	inbox to its stash inbox/.claiming-<same unique> (hidden, atomic, on
 *	the inbox's own file system in both layouts), copied to .claim-.../copy
 *	with every file and directory fsynced, the record committed again with
 *	the refusals, the copy renamed to "files" (the commit point), the
 *	stash removed or kept, and the claim directory renamed to
 *	HOME/spool/<id> (RENAME_NOREPLACE). Recovery at start reads the state
 *	from what exists: no "files" means nothing was committed (a partial
 *	copy is dropped, the stash renamed back into the inbox); "files" means
 *	the claim holds (a stash left is removed, or kept if the record names
 *	refusals, and the claim finished).
 *
 * FILES
 *	HOME/inbox/            where operators drop folders (--inbox)
 *	HOME/spool/<id>/files  the claimed folder; HOME/spool/<id>/claim
 *	HOME/spool/.claim-*    claims in progress (recovered at start)
 *	HOME/spool/.ingest.lock  one ingest per HOME at a time
 *	HOME/quarantine/<id>.duplicate  duplicates, with a REASON file
 *	INBOX/.quarantine/<id>  originals of claims that refused something
 *
 * EXIT STATUS
 *	0 done (folders still waiting are not an error); 75 another ingest
 *	runs, or a transient failure (disk full); 64 usage; 78 configuration;
 *	70 internal error.
 *
 * SEE ALSO
 *	credpipe(1), validate(1), SPEC.md §2 and §8
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dossier.h"
#include "program.h"
#include "claim.h"
#include "config.h"
#include "fsutil.h"
#include "intake.h"
#include "log.h"
#include "spool.h"
#include "timeutil.h"
#include "xmlsafe.h"

#define DOSSIER_NS "urn:credpipe:dossier:1"
#define CLAIM_PREFIX ".claim-"
#define STASH_PREFIX ".claiming-"
#define INBOX_QUARANTINE ".quarantine"
#define MAX_DEPTH 8             /* subfolders looked into for mtimes */

/* what examining one inbox folder found */
struct folder {
	char name[1024];        /* the entry's name in the inbox */
	char shown[1024];       /* NAME made safe for one log line */
	char id[ID_MAX + 1];    /* "" until decided */
	char id_source[16];
	int has_dossier;        /* dossier.xml exists (any type) */
	int parsed;             /* dossier.xml parsed: attachments known */
	int missing;            /* named attachments not present */
	char first_missing[72];
	int ready;              /* READY exists */
	time_t newest;          /* newest mtime of anything inside */
	int has_files;
};

/* ids met in this scan, so that the first folder of an id wins */
struct seen {
	char id[ID_MAX + 1];
	int waiting;            /* its folder is not claimed yet */
};

struct ingest {
	const struct config *cfg;
	char spool[4096];
	int inbox_fd;           /* the inbox, opened once */
	int quarantine_fd;      /* INBOX/.quarantine once checked, else -1 */
	struct intake_limits lim;
	unsigned long claims;   /* sequence of claim directories */
	int next_generated;     /* sequence of X ids, 1..9999 */
	struct seen *seen;
	size_t nseen, capseen;
	int claimed;            /* counts, for --verbose */
	int waiting;
};

/* show_name - NAME with control bytes and '\' escaped, for one log line */
static char *
show_name(const char *name, char *buf, size_t size)
{
	size_t out = 0;

	for (const unsigned char *p = (const unsigned char *)name;
	    *p && out + 5 < size; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			out += (size_t)snprintf(buf + out, size - out, "\\x%02X",
			    *p);
		else
			buf[out++] = (char)*p;
	}
	buf[out] = '\0';
	return buf;
}

/* id_place - where ID already lies in HOME ("spool", ...), or NULL */
static const char *
id_place(const struct config *cfg, const char *id)
{
	static const char *places[] = { "spool", "done", "quarantine" };
	char path[4096];

	for (size_t i = 0; i < sizeof places / sizeof *places; i++)
		if (fs_exists(fs_path(path, sizeof path, "%s/%s/%s", cfg->home,
		    places[i], id)))
			return places[i];
	if (fs_exists(fs_path(path, sizeof path, "%s/results/%s.xml",
	    cfg->out, id)))
		return "out/results";
	return NULL;
}

/* claim_paths - the claim directory and the inbox stash name of U */
static void
claim_paths(const struct ingest *in, const char *unique, char *dir,
    size_t dsize, char *stash, size_t ssize)
{
	fs_path(dir, dsize, "%s/%s%s", in->spool, CLAIM_PREFIX, unique);
	fs_path(stash, ssize, "%s%s", STASH_PREFIX, unique);
}

/*
 * finish_claim - move the complete claim directory DIR to HOME/spool/ID,
 * or, when ID is already in HOME, to quarantine as a duplicate. Returns 1
 * when it became a spool dossier, 0 when quarantined, -1 on failure.
 */
static int
finish_claim(struct ingest *in, const char *dir, const char *id,
    const struct claim *c)
{
	char dest[4096], reason[4096], shown[1024], name[512], first[1024];
	const char *place;
	struct claim old;

	fs_path(dest, sizeof dest, "%s/%s", in->spool, id);
	place = id_place(in->cfg, id);
	if (place == NULL) {
		if (fs_rename_noreplace(dir, dest) == 0)
			return 1;
		if (errno != EEXIST && errno != ENOTEMPTY)
			return -1;
		place = "spool";
	}
	/* the first dossier of this id stays; this folder goes aside */
	show_name(c->folder, shown, sizeof shown);
	first[0] = '\0';
	char where[4096];
	fs_path(where, sizeof where, "%s/%s/%s", in->cfg->home,
	    strcmp(place, "out/results") == 0 ? "done" : place, id);
	if (claim_load(where, &old) == 0)
		snprintf(first, sizeof first, " (first folder \"%s\")",
		    show_name(old.folder, name, sizeof name));
	snprintf(reason, sizeof reason,
	    "duplicate: dossier id %s is already in %s%s; this folder "
	    "\"%s\" was set aside, the first dossier is untouched and this "
	    "one gets no result.\n", id, place, first, shown);
	snprintf(name, sizeof name, "%s.duplicate", id);
	if (quarantine_dir(in->cfg, dir, name, reason, name, sizeof name) ==
	    -1)
		return -1;
	log_warnx("%s: duplicate: folder \"%s\" quarantined as %s", id, shown,
	    name);
	return 0;
}

/* put_back - rename the stash STASH back into the inbox as FOLDER[~n] */
static int
put_back(struct ingest *in, const char *stash, const char *folder)
{
	char dest[1100], shown[1024];
	int usable = folder[0] != '\0' && folder[0] != '.' &&
	    strchr(folder, '/') == NULL;

	if (!usable)
		folder = "recovered";
	for (int n = 1; n < 10000; n++) {
		if (n == 1 && usable)
			fs_path(dest, sizeof dest, "%s", folder);
		else
			fs_path(dest, sizeof dest, "%s~%d", folder, n);
		if (fs_rename_noreplace_at(in->inbox_fd, stash, in->inbox_fd,
		    dest) == 0) {
			log_info("inbox: \"%s\": put back after an unfinished "
			    "claim", show_name(folder, shown, sizeof shown));
			return 0;
		}
		if (errno != EEXIST && errno != ENOTEMPTY)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/*
 * inbox_quarantine - INBOX/.quarantine, created 0700 on first use, and
 * used only while it is credpipe's: a directory (not a link) owned by
 * this user and closed to others. Anyone may write into the inbox, so a
 * ".quarantine" made by somebody else is never used; -1 then.
 */
static int
inbox_quarantine(struct ingest *in)
{
	struct stat st;
	int fd;

	if (in->quarantine_fd != -1)
		return in->quarantine_fd;
	if (mkdirat(in->inbox_fd, INBOX_QUARANTINE, 0700) == 0)
		fsync(in->inbox_fd);
	else if (errno != EEXIST)
		return -1;
	if ((fd = fs_open_dir_at(in->inbox_fd, INBOX_QUARANTINE)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	in->quarantine_fd = fd;
	return fd;
}

/*
 * keep_original - move the stash STASH (a name in the inbox) whole into
 * INBOX/.quarantine/<ID>[~n] for the operator: nothing of it is read,
 * changed or lost, and it never enters HOME (its files may be hard links
 * to files elsewhere, or nested beyond any walk). When that directory is
 * not usable, the stash stays where it is, hidden, and a warning says so.
 */
static void
keep_original(struct ingest *in, const char *stash, const char *id)
{
	char name[ID_MAX + 16];
	int q = inbox_quarantine(in);

	for (int n = 1; q != -1 && n < 10000; n++) {
		if (n == 1)
			snprintf(name, sizeof name, "%s", id);
		else
			snprintf(name, sizeof name, "%s~%d", id, n);
		if (fs_rename_noreplace_at(in->inbox_fd, stash, q, name) == 0) {
			log_info("%s: the inbox folder is kept as %s/%s", id,
			    INBOX_QUARANTINE, name);
			return;
		}
		if (errno != EEXIST && errno != ENOTEMPTY)
			break;
	}
	log_warn("%s: the inbox folder stays in the inbox as %s", id, stash);
}

/*
 * dispose_original - after the commit point, the claimed folder leaves
 * the inbox. When everything was copied it is removed, by descriptor;
 * when something was refused (it is not all in the copy), or removing it
 * is refused (a folder credpipe may not change, one nested too deeply),
 * it is kept whole (keep_original). Missing: done before a crash.
 */
static void
dispose_original(struct ingest *in, const char *stash, const char *id,
    int refused)
{
	struct stat st;

	if (fstatat(in->inbox_fd, stash, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno != ENOENT)
			fatal("%s: inbox/%s", id, stash);
		return;
	}
	if (!refused) {
		if (fs_remove_tree_at(in->inbox_fd, stash) == 0) {
			if (fsync(in->inbox_fd) == -1)
				fatal("%s: fsync of the inbox", id);
			return;
		}
		log_warn("%s: removing the claimed folder from the inbox", id);
	}
	keep_original(in, stash, id);
}

/*
 * recover_claim - finish or undo the claim directory of UNIQUE (see the
 * manual above for the states). Returns 1 when a spool dossier resulted,
 * 0 otherwise, -1 on failure.
 */
static int
recover_claim(struct ingest *in, const char *unique)
{
	char dir[4096], stash[256], path[4096], id[ID_MAX + 1];
	struct claim c;
	struct stat st;
	size_t idlen = strcspn(unique, "-");
	int have_record;

	claim_paths(in, unique, dir, sizeof dir, stash, sizeof stash);
	fs_sweep_temp(dir);
	if (idlen > ID_MAX)
		idlen = ID_MAX;
	memcpy(id, unique, idlen);
	id[idlen] = '\0';
	have_record = claim_load(dir, &c) == 0;
	if (!have_record)
		memset(&c, 0, sizeof c);
	if (!fs_exists(fs_path(path, sizeof path, "%s/files", dir))) {
		/* nothing committed: drop our copy, put the folder back */
		if (fs_remove_tree(fs_path(path, sizeof path, "%s/copy", dir))
		    == -1)
			return -1;
		if (fstatat(in->inbox_fd, stash, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    put_back(in, stash, c.folder) == -1)
			return -1;
		if (fs_remove_tree(dir) == -1 || fs_fsync_dir(in->spool) == -1)
			return -1;
		return 0;
	}
	/*
	 * The claim holds: the original goes. Without a record nobody knows
	 * what was refused, so the original is then kept, not removed.
	 */
	dispose_original(in, stash, id, !have_record || c.nrefused > 0);
	if (!have_record || !id_valid(id)) {
		/* cannot happen by the order of commits; keep it anyway */
		return quarantine_dir(in->cfg, dir, "unfinished-claim",
		    "an unfinished claim without its record was found at "
		    "start; its files are kept here.\n", NULL, 0) == -1 ?
		    -1 : 0;
	}
	return finish_claim(in, dir, id, &c);
}

/* recover_all - recover every claim directory left in HOME/spool */
static void
recover_all(struct ingest *in)
{
	size_t plen = strlen(CLAIM_PREFIX), n;
	char **names;

	if (fs_list(in->spool, NULL, NULL, &names, &n) == -1)
		fatal("%s", in->spool);
	for (size_t i = 0; i < n; i++) {
		if (strncmp(names[i], CLAIM_PREFIX, plen) != 0)
			continue;
		if (recover_claim(in, names[i] + plen) == -1)
			fatal("recovering %s", names[i]);
		log_info("%s: recovered an unfinished claim", names[i] + plen);
	}
	fs_list_free(names, n);
}

/* mtime_visit - fs_walk visitor of examine: the newest mtime below */
static int
mtime_visit(const struct fs_entry *e, void *ctx)
{
	struct folder *f = ctx;

	if (!f->has_files || e->st->st_mtime > f->newest)
		f->newest = e->st->st_mtime;
	f->has_files = 1;
	if (S_ISDIR(e->st->st_mode) && e->depth < MAX_DEPTH) {
		int fd = fs_open_dir_at(e->dirfd, e->name);
		return fd == -1 ? FS_WALK_NEXT : fd;
	}
	return FS_WALK_NEXT;
}

/* check_attachments - count //attachment/@file names absent from DIR */
static void
check_attachments(xmlNodePtr node, int dir, struct folder *f)
{
	struct stat st;
	char file[256];

	for (; node != NULL; node = node->next) {
		if (!dossier_element(node))
			continue;
		if (strcmp((const char *)node->name, "attachment") == 0 &&
		    xml_attr(node, "file", file, sizeof file) &&
		    attachment_name_valid(file) &&
		    fstatat(dir, file, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (f->missing++ == 0)
				snprintf(f->first_missing,
				    sizeof f->first_missing, "%.64s", file);
		}
		check_attachments(node->children, dir, f);
	}
}

/*
 * examine - what inbox folder NAME holds: dossier.xml, its attachments,
 * READY, the newest mtime; read by descriptor, links never followed. 0,
 * or -1 when it cannot be read now (left alone).
 */
static int
examine(const struct ingest *in, const char *name, struct folder *f)
{
	struct xml_error err;
	struct stat st;
	xmlDocPtr doc;
	size_t len;
	char *buf;
	int fd;

	if ((fd = fs_open_dir_at(in->inbox_fd, name)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	f->newest = st.st_mtime;        /* only if the folder is empty */
	fs_walk(fd, mtime_visit, NULL, f);      /* unreadable parts: skipped */
	f->ready = fstatat(fd, "READY", &st, AT_SYMLINK_NOFOLLOW) == 0;
	f->has_dossier = fstatat(fd, "dossier.xml", &st,
	    AT_SYMLINK_NOFOLLOW) == 0;
	/*
	 * Only a plain, singly linked dossier.xml is read here, for its id
	 * and the files it names; anything else is claimed as it is, and the
	 * claim's copy refuses it with a reason.
	 */
	if (!f->has_dossier || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return 0;
	}
	if (fs_read_at(fd, "dossier.xml", XML_MAX_BYTES, &buf, &len) == -1) {
		int gone = errno == ENOENT, unsafe = errno == ELOOP ||
		    errno == EINVAL || errno == EFBIG;

		close(fd);
		if (gone)
			f->has_dossier = 0;
		if (gone || unsafe)
			return 0;
		log_warn("inbox: \"%s\": dossier.xml", f->shown);
		return -1;
	}
	if (xml_parse_memory(buf, len, XML_MAX_BYTES, "dossier.xml", &doc,
	    &err) != XML_OK) {
		/* unparsable: it names no attachments; validate rejects it */
		free(buf);
		close(fd);
		return 0;
	}
	free(buf);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (root != NULL && dossier_element(root) &&
	    strcmp((const char *)root->name, "dossier") == 0) {
		char id[256];
		if (xml_attr(root, "id", id, sizeof id) && id_valid(id)) {
			snprintf(f->id, sizeof f->id, "%.40s", id);
			snprintf(f->id_source, sizeof f->id_source, "dossier");
		}
		f->parsed = 1;
		check_attachments(root->children, fd, f);
	}
	xmlFreeDoc(doc);
	close(fd);
	return 0;
}

/* generate_id - "X" + now as YYYYMMDDHHMMSS in --tz + a free 4-digit n */
static int
generate_id(struct ingest *in, char *id, size_t size)
{
	time_t local = in->cfg->now + (time_t)in->cfg->tz * 60;
	char stamp[32];
	struct tm tm;

	gmtime_r(&local, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	for (; in->next_generated <= 9999; in->next_generated++) {
		snprintf(id, size, "X%.14s%04d", stamp,
		    in->next_generated % 10000);
		/* claim directories are all recovered before the scan */
		if (id_place(in->cfg, id) != NULL)
			continue;
		in->next_generated++;
		return 0;
	}
	errno = EAGAIN;
	return -1;
}

/* seen_find - the scan's entry for ID, or NULL */
static struct seen *
seen_find(struct ingest *in, const char *id)
{
	for (size_t i = 0; i < in->nseen; i++)
		if (strcmp(in->seen[i].id, id) == 0)
			return &in->seen[i];
	return NULL;
}

/* seen_add - remember ID met in this scan */
static void
seen_add(struct ingest *in, const char *id, int waiting)
{
	if (seen_find(in, id) != NULL)
		return;
	if (in->nseen == in->capseen) {
		in->capseen = in->capseen ? in->capseen * 2 : 64;
		struct seen *grown = realloc(in->seen,
		    in->capseen * sizeof *grown);
		if (grown == NULL)
			fatal("seen_add");
		in->seen = grown;
	}
	snprintf(in->seen[in->nseen].id, sizeof in->seen[in->nseen].id, "%s",
	    id);
	in->seen[in->nseen++].waiting = waiting;
}

/*
 * claim_folder - copy inbox folder F into HOME/spool/<id> (or aside as a
 * duplicate), crash-safely; the manual above says how. 1 spool dossier,
 * 0 quarantined, -1 failure (the folder is then back in the inbox).
 */
static int
claim_folder(struct ingest *in, const struct folder *f, int incomplete)
{
	char unique[128], dir[4096], stash[256];
	int claim_fd = -1, from = -1, to = -1, err;
	struct claim c;

	memset(&c, 0, sizeof c);
	snprintf(c.folder, sizeof c.folder, "%s", f->name);
	time_format_iso(in->cfg->now, in->cfg->tz, c.claimed, sizeof c.claimed);
	snprintf(c.id_source, sizeof c.id_source, "%s", f->id_source);
	c.incomplete = incomplete;

	snprintf(unique, sizeof unique, "%s-%ld-%lu", f->id, (long)getpid(),
	    ++in->claims);
	claim_paths(in, unique, dir, sizeof dir, stash, sizeof stash);

	/* 1. the record first: recovery then knows the folder's name */
	if (mkdir(dir, 0700) == -1 || fs_fsync_dir(in->spool) == -1)
		return -1;
	if (claim_save(dir, &c) == -1)
		goto undo;
	/*
	 * 2. The folder leaves its name for the stash, a hidden name of
	 * this claim in the inbox (one rename on the inbox's own file
	 * system, whatever HOME's is): a new folder of the same name is not
	 * this one, and recovery finds the stash by the claim's name.
	 */
	if (fs_rename_noreplace_at(in->inbox_fd, f->name, in->inbox_fd,
	    stash) == -1)
		goto undo;
	/*
	 * 3. The copy, read through one descriptor of the stash (opened
	 * without following a link) and written into files credpipe
	 * creates; what is refused is recorded, and the record committed
	 * again before the commit point.
	 */
	if ((from = fs_open_dir_at(in->inbox_fd, stash)) == -1 ||
	    (claim_fd = fs_open_dir_at(AT_FDCWD, dir)) == -1 ||
	    mkdirat(claim_fd, "copy", 0700) == -1 ||
	    (to = fs_open_dir_at(claim_fd, "copy")) == -1 ||
	    intake_copy(from, to, &in->lim, &c) == -1)
		goto undo;
	close(from);
	close(to);
	from = to = -1;
	if (c.nrefused > 0 && claim_save(dir, &c) == -1)
		goto undo;
	/* 4. the commit point: the complete copy becomes "files" */
	if (renameat(claim_fd, "copy", claim_fd, "files") == -1 ||
	    fsync(claim_fd) == -1)
		goto undo;
	close(claim_fd);
	claim_fd = -1;
	/* 5. the original leaves the inbox: removed, or kept whole */
	dispose_original(in, stash, f->id, c.nrefused > 0);
	/* 6. the claim directory becomes the dossier */
	return finish_claim(in, dir, f->id, &c);
undo:
	err = errno;
	if (from != -1)
		close(from);
	if (to != -1)
		close(to);
	if (claim_fd != -1)
		close(claim_fd);
	if (recover_claim(in, unique) == -1)
		fatal("%s: undoing a failed claim", f->id);
	errno = err;
	return -1;
}

/* what the rules of SPEC §2 say about one inbox entry now */
enum verdict {
	V_HIDDEN,               /* '.' name: never claimed */
	V_NOT_FOLDER,           /* a file or a link: never claimed */
	V_UNREADABLE,           /* could not be examined now */
	V_SETTLING,             /* complete, changed within --settle */
	V_INCOMPLETE,           /* files missing, not yet overdue */
	V_CLAIM,                /* complete and ready */
	V_CLAIM_INCOMPLETE,     /* incomplete past --incomplete-after */
};

static const char *verdict_names[] = { "hidden", "not-a-folder",
	"unreadable", "settling", "incomplete", "complete", "overdue" };

/*
 * judge - apply the inbox rules to entry NAME: fills F, and WHY with a
 * sentence for --verbose and status.
 */
static enum verdict
judge(const struct ingest *in, const char *name, struct folder *f,
    char *why, size_t size)
{
	const struct config *cfg = in->cfg;
	struct stat st;

	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, "%s", name);
	show_name(name, f->shown, sizeof f->shown);
	why[0] = '\0';
	if (strcmp(name, INBOX_QUARANTINE) == 0) {
		snprintf(why, size, "originals of claims that refused "
		    "something, kept for the operator: never claimed");
		return V_HIDDEN;
	}
	if (name[0] == '.') {
		snprintf(why, size, "hidden name (staging): never claimed");
		return V_HIDDEN;
	}
	if (fstatat(in->inbox_fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(why, size, "%s", strerror(errno));
		return V_UNREADABLE;
	}
	f->newest = st.st_mtime;
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, size, "%s, not a folder: never claimed, left "
		    "alone (move it away)",
		    S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
		return V_NOT_FOLDER;
	}
	if (examine(in, name, f) == -1) {
		snprintf(why, size, "cannot be read now");
		return V_UNREADABLE;
	}
	if (f->has_dossier && f->missing == 0) {
		if (f->ready) {
			snprintf(why, size, "complete, READY");
			return V_CLAIM;
		}
		if (f->newest <= cfg->now - cfg->settle) {
			snprintf(why, size, "complete, settled");
			return V_CLAIM;
		}
		snprintf(why, size, "complete, waiting to settle");
		return V_SETTLING;
	}
	if (!f->has_dossier)
		snprintf(why, size, "incomplete: no dossier.xml");
	else
		snprintf(why, size, "incomplete: %d attachment(s) missing "
		    "(%s)", f->missing, f->first_missing);
	if (f->newest > cfg->now - cfg->incomplete_after)
		return V_INCOMPLETE;
	return V_CLAIM_INCOMPLETE;
}

/* choose_id - the dossier's id, else the folder's name, else made up */
static void
choose_id(struct ingest *in, struct folder *f)
{
	if (f->id[0] == '\0' && id_valid(f->name)) {
		snprintf(f->id, sizeof f->id, "%.40s", f->name);
		snprintf(f->id_source, sizeof f->id_source, "folder");
	}
	if (f->id[0] == '\0') {
		if (generate_id(in, f->id, sizeof f->id) == -1)
			fatalx(EX_TEMPFAIL, "no free generated id left for "
			    "this second; rerun later");
		snprintf(f->id_source, sizeof f->id_source, "generated");
	}
}

/* consider - decide about one inbox entry NAME and claim it if due */
static void
consider(struct ingest *in, const char *name)
{
	struct folder f;
	char why[512];
	enum verdict v = judge(in, name, &f, why, sizeof why);

	switch (v) {
	case V_HIDDEN:
		return;
	case V_NOT_FOLDER:
		log_warnx("inbox: \"%s\": %s", f.shown, why);
		return;
	case V_UNREADABLE:
		log_warnx("inbox: \"%s\": %s; left in the inbox", f.shown, why);
		return;
	case V_SETTLING:
	case V_INCOMPLETE:
		/* the first folder of an id wins, even while it waits */
		if (f.id[0] != '\0')
			seen_add(in, f.id, 1);
		in->waiting++;
		log_info("inbox: \"%s\": %s", f.shown, why);
		return;
	case V_CLAIM:
	case V_CLAIM_INCOMPLETE:
		break;
	}
	choose_id(in, &f);
	struct seen *s = seen_find(in, f.id);
	if (s != NULL && s->waiting) {
		in->waiting++;
		log_info("inbox: \"%s\": %s waits: an earlier folder with this "
		    "id is still waiting", f.shown, f.id);
		return;
	}
	log_set_dossier(f.id);      /* scan_inbox clears it */
	int rc = claim_folder(in, &f, v == V_CLAIM_INCOMPLETE);
	if (rc == -1) {
		/*
		 * The machine's state (a full or read-only HOME) stops the
		 * stage: 75, the next run claims it. A folder the pipeline
		 * may not read (EACCES) is its submitter's to fix, and must
		 * not stop every other folder: it waits in the inbox.
		 */
		if (errno_is_transient(errno) && errno != EACCES)
			fatal("inbox: \"%s\": cannot claim it into %s", f.shown,
			    in->spool);
		log_warn("inbox: \"%s\": claim failed, left in the inbox",
		    f.shown);
		return;
	}
	seen_add(in, f.id, 0);
	if (rc == 1) {
		in->claimed++;
		log_info("%s: claimed folder \"%s\" (%s)", f.id, f.shown,
		    why);
		stage_emit(f.id);
	}
}

/* scan_inbox - consider every entry of the inbox in byte order */
static void
scan_inbox(struct ingest *in)
{
	char **names;
	size_t n;

	if (fs_list(in->cfg->inbox, NULL, NULL, &names, &n) == -1)
		fatal("%s", in->cfg->inbox);
	for (size_t i = 0; i < n; i++) {
		consider(in, names[i]);
		log_set_dossier(NULL);
	}
	fs_list_free(names, n);
}

/*
 * list_inbox - for `credpipe status`: one record per inbox entry,
 * "STATE<TAB>NEWEST-MTIME<TAB>WHY<TAB>NAME<NUL>", claiming nothing.
 */
static void
list_inbox(struct ingest *in)
{
	char **names, why[512];
	struct folder f;
	size_t n;

	if (fs_list(in->cfg->inbox, NULL, NULL, &names, &n) == -1) {
		if (errno == ENOENT)
			return;
		fatal("%s", in->cfg->inbox);
	}
	if ((in->inbox_fd = open(in->cfg->inbox, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fatal("%s", in->cfg->inbox);
	for (size_t i = 0; i < n; i++) {
		enum verdict v = judge(in, names[i], &f, why, sizeof why);
		printf("%s\t%lld\t%s\t%s%c", verdict_names[v],
		    (long long)f.newest, why, names[i], '\0');
	}
	fs_list_free(names, n);
	if (fflush(stdout) == EOF)
		fatal_stdout();
}

/*
 * print_config - for pipeline.sh: the resolved options as KEY=value
 * records separated by NUL, so that the script applies exactly the
 * precedence and checks of config_parse.
 */
static void
print_config(const struct config *cfg)
{
	char iso[48], stamp[32];
	time_t local = cfg->now + (time_t)cfg->tz * 60;
	struct tm tm;

	gmtime_r(&local, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	time_format_iso(cfg->now, cfg->tz, iso, sizeof iso);
	printf("HOME=%s%cINBOX=%s%cOUT=%s%cRECORDS=%s%c", cfg->home, '\0',
	    cfg->inbox, '\0', cfg->out, '\0', cfg->records, '\0');
	printf("NOW=%s%cNOW_EPOCH=%lld%cNOW_STAMP=%s%cNOW_GIVEN=%d%c", iso,
	    '\0', (long long)cfg->now, '\0', stamp, '\0', cfg->now_given,
	    '\0');
	printf("SETTLE=%ld%cINCOMPLETE_AFTER=%ld%cJOBS=%d%cVERBOSITY=%d%c",
	    cfg->settle, '\0', cfg->incomplete_after, '\0', cfg->jobs, '\0',
	    cfg->verbosity, '\0');
	printf("WORKERS=%d%cWORKER_TIME=%u%cWORKER_MEMORY=%lu%cWORKER_USER=%s%c",
	    cfg->workers, '\0', cfg->worker_time, '\0', cfg->worker_memory_mb,
	    '\0', cfg->worker_user, '\0');
	if (fflush(stdout) == EOF)
		fatal_stdout();
}

/* resume - emit the id of every unfinished dossier in the spool */
static void
resume(struct ingest *in)
{
	char **ids;
	size_t n;

	if (spool_list(in->cfg, &ids, &n) == -1)
		fatal("%s", in->spool);
	for (size_t i = 0; i < n; i++) {
		stage_emit(ids[i]);
		free(ids[i]);
	}
	if (n > 0)
		log_info("resumed %zu unfinished dossier(s)", n);
	free(ids);
	/* rejected ones in quarantine still owed their notice */
	if (spool_list_notice_pending(in->cfg, &ids, &n) == -1)
		fatal("%s/quarantine", in->cfg->home);
	for (size_t i = 0; i < n; i++) {
		stage_emit(ids[i]);
		free(ids[i]);
	}
	if (n > 0)
		log_info("resumed %zu rejected dossier(s) owed a notice", n);
	free(ids);
}

/* lock_ingest - one ingest per HOME; exits 75 when another holds it */
static int
lock_ingest(const struct ingest *in)
{
	char path[4096];
	int fd;

	fd = open(fs_path(path, sizeof path, "%s/.ingest.lock", in->spool),
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		fatal("%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			fatalx(EX_TEMPFAIL, "another ingest is running on %s",
			    in->cfg->home);
		fatal("%s", path);
	}
	return fd;
}

/* run_ingest - recover, resume, then claim what the inbox holds */
static void
run_ingest(struct ingest *in)
{
	if (spool_init(in->cfg) == -1)
		fatal("%s", in->cfg->home);
	lock_ingest(in);
	/* the configured inbox itself is the operator's: may be a link */
	if ((in->inbox_fd = open(in->cfg->inbox, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fatal("%s", in->cfg->inbox);
	if (intake_limits(in->cfg, &in->lim) == -1)
		exit(EX_CONFIG);
	recover_all(in);
	if (spool_sweep(in->cfg) > 0)
		log_info("removed temp files of a run killed mid-write");
	resume(in);
	scan_inbox(in);
	log_info("claimed %d folder(s), %d waiting", in->claimed,
	    in->waiting);
}

/* usage - the brief manual */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: ingest [options]\n"
	    "Claim complete dossier folders from the inbox into HOME/spool\n"
	    "and write their ids (first those of unfinished dossiers) to\n"
	    "stdout, one per line. See credpipe-ingest(1).\n\n"
	    "  --list           list inbox entries and their state, claim "
	    "nothing\n"
	    "  --print-config   print the resolved options (for "
	    "pipeline.sh)\n\nOptions:\n%s",
	    config_common_help());
}

enum { OPT_LIST = 256, OPT_PRINT_CONFIG };

static const struct option ingest_options[] = {
	{ "list",         no_argument, NULL, OPT_LIST },
	{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
	{ NULL, 0, NULL, 0 },
};

/* set_mode - remember --list or --print-config */
static int
set_mode(int opt, const char *arg, void *ctx)
{
	*(int *)ctx = opt;
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct ingest in;
	int status, argi, mode = 0;

	argi = program_start(&cfg, argc, argv, ingest_options, set_mode, &mode,
	    usage, 0, &status);
	if (argi == -1)
		return status;
	memset(&in, 0, sizeof in);
	in.cfg = &cfg;
	in.next_generated = 1;
	in.inbox_fd = -1;
	in.quarantine_fd = -1;
	fs_path(in.spool, sizeof in.spool, "%s/spool", cfg.home);
	xml_init();
	xml_lock_down();
	if (mode == OPT_PRINT_CONFIG)
		print_config(&cfg);
	else if (mode == OPT_LIST)
		list_inbox(&in);
	else
		run_ingest(&in);
	free(in.seen);
	if (in.inbox_fd != -1)
		close(in.inbox_fd);
	if (in.quarantine_fd != -1)
		close(in.quarantine_fd);
	config_free(&cfg);
	xml_cleanup();
	return 0;
}
