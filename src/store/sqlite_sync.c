/* sqlite_sync.c - group commit for the SQLite backend: commits run with
 * synchronous=NORMAL, and one WAL sync serves every commit made before it.
 *
 * Why this is as durable as synchronous=FULL (SQLite 3.40, wal.c, pager.c;
 * https://www.sqlite.org/pragma.html#pragma_synchronous, /wal.html):
 *
 *  - In WAL mode the two levels differ in one place only: at the end of a
 *    committing sqlite3WalFrames(), FULL calls xSync on the WAL (and, when
 *    the file system lacks power-safe overwrite, first pads the commit out
 *    to a sector boundary); NORMAL does neither. Everything else syncs with
 *    the checkpoint flags, which are the same at both levels: the WAL header
 *    when the WAL is started or restarted, the WAL before a checkpoint copies
 *    frames back, the database after it (and only then does nBackfill move,
 *    so a WAL is restarted only over frames already safe in the database).
 *  - We do that missing xSync ourselves: fdatasync() of the -wal file (what
 *    SQLite's unix VFS calls on Linux) after COMMIT and before the caller
 *    may answer. A sync covers every byte written to the file before it
 *    began, so one sync made after several COMMITs returned covers them all.
 *  - Padding: we switch to NORMAL only when the database file reports
 *    power-safe overwrite (SQLite's default on unix), the case where FULL
 *    does not pad either. Otherwise the store stays on FULL.
 *  - The inode we sync is SQLite's WAL: it is created when the connection
 *    first reads in WAL mode, before we open it, and only the last
 *    connection to close deletes it (it needs the database's exclusive lock,
 *    and every connection in WAL mode holds a shared one while open).
 *  - Order: WAL frames are checksummed in a chain, so recovery keeps a prefix
 *    of the commits. A synced commit brings every earlier one with it,
 *    whichever process wrote them.
 *
 * A commit becomes visible to other transactions when COMMIT returns, one
 * sync before it is durable. Inside this process no transaction ends before
 * the sync of every commit it could have seen (finish() waits for the
 * newest ticket), so no answer reflects a commit that power loss could take
 * back. A failed sync may have lost dirty pages for good (Linux clears the
 * error once reported), so it is sticky: every later transaction of this
 * connection fails with -EIO until the process reopens the store. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"

/* SQLite's default auto-checkpoint size: a WAL hook of our own replaces
 * the built-in one, so it checkpoints at the same point. */
#define SQLITE_WAL_CHECKPOINT_FRAMES 1000

static int sync_fd(int fd)
{
	int rc;

	do
		rc = fdatasync(fd);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

int (*sqlite_wal_fdatasync)(int fd) = sync_fd;

/* Called by SQLite after every COMMIT of this connection that appended
 * frames to the WAL (never for one that wrote nothing), under our lock.
 * It is what makes a commit wait for its sync: nothing else may install a
 * WAL hook (PRAGMA wal_autocheckpoint would) on this connection. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sqlite_store *ss = arg;

	ss->sync.written = true;
	if (frames >= SQLITE_WAL_CHECKPOINT_FRAMES)
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

static int open_wal(const char *db_path, int *ret_fd)
{
	char wal[PATH_MAX];
	char dir[PATH_MAX];
	const char *slash = strrchr(db_path, '/');
	int fd, dfd, r;

	if (bh_snprintf(wal, sizeof wal, "%s-wal", db_path) < 0)
		return -ENAMETOOLONG;
	fd = open(wal, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* SQLite syncs the directory on the first sync of a WAL it created; a
	 * WAL left by an earlier process gets the same once here. */
	if (!slash)
		r = bh_strlcpy(dir, ".", sizeof dir);
	else if (slash == db_path)
		r = bh_strlcpy(dir, "/", sizeof dir);
	else if ((size_t)(slash - db_path) < sizeof dir) {
		memcpy(dir, db_path, (size_t)(slash - db_path));
		dir[slash - db_path] = '\0';
		r = 0;
	} else {
		r = -ENAMETOOLONG;
	}
	if (r < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		goto out;
	}
	r = fsync(dfd) < 0 ? -errno : 0;
	close(dfd);
	if (r == 0)
		r = sqlite_wal_fdatasync(fd);
out:
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static int pragma_set(sqlite3 *db, const char *sql)
{
	return sqlite_errno(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_FK_MISSING_PARENT);
}

int sqlite_sync_init(struct sqlite_store *ss)
{
	int psow = -1, r;

	ss->sync.fd = -1;
	r = -pthread_mutex_init(&ss->sync.lock, NULL);
	if (r < 0)
		return r;
	r = -pthread_cond_init(&ss->sync.done, NULL);
	if (r < 0) {
		pthread_mutex_destroy(&ss->sync.lock);
		return r;
	}
	ss->sync.ready = true;
	if (sqlite3_file_control(ss->db, "main", SQLITE_FCNTL_POWERSAFE_OVERWRITE, &psow) !=
		    SQLITE_OK ||
	    psow != 1)
		return 0;  /* FULL would pad commits here: keep FULL, no group commit */
	r = open_wal(ss->path, &ss->sync.fd);
	if (r < 0)
		return r;
	/* Every commit so far (the migrations) ran with FULL. From here on a
	 * commit is durable once sqlite_sync_wait() returned. */
	r = pragma_set(ss->db, "PRAGMA synchronous = NORMAL");
	if (r < 0)
		return r;
	sqlite3_wal_hook(ss->db, wal_hook, ss);
	ss->sync.grouped = true;
	return 0;
}

void sqlite_sync_release(struct sqlite_store *ss)
{
	if (!ss->sync.ready)
		return;
	if (ss->sync.fd >= 0)
		close(ss->sync.fd);
	ss->sync.fd = -1;
	pthread_cond_destroy(&ss->sync.done);
	pthread_mutex_destroy(&ss->sync.lock);
	ss->sync.ready = false;
}

int sqlite_sync_check(struct sqlite_store *ss)
{
	int err;

	if (!ss->sync.grouped)
		return 0;
	pthread_mutex_lock(&ss->sync.lock);
	err = ss->sync.err;
	pthread_mutex_unlock(&ss->sync.lock);
	return err;
}

uint64_t sqlite_sync_ticket(struct sqlite_store *ss)
{
	uint64_t ticket;

	if (!ss->sync.grouped)
		return 0;
	pthread_mutex_lock(&ss->sync.lock);
	if (ss->sync.written)
		ss->sync.committed++;
	ss->sync.written = false;
	ticket = ss->sync.committed;
	pthread_mutex_unlock(&ss->sync.lock);
	return ticket;
}

int sqlite_sync_wait(struct sqlite_store *ss, uint64_t ticket)
{
	uint64_t target;
	int r;

	if (!ss->sync.grouped)
		return 0;
	pthread_mutex_lock(&ss->sync.lock);
	while (ss->sync.synced < ticket && ss->sync.err == 0) {
		if (ss->sync.started >= ticket) {
			/* a sync under way covers this commit: its result is ours */
			pthread_cond_wait(&ss->sync.done, &ss->sync.lock);
			continue;
		}
		/* Lead: every commit counted so far has returned from COMMIT,
		 * so its frames are in the file before this sync starts. A sync
		 * already under way began too early for them; waiting for it
		 * and then syncing again would cost one and a half syncs, so
		 * this one starts now (fdatasync waits for the other's pages
		 * too, so whichever ends first covers all it was started for). */
		target = ss->sync.committed;
		ss->sync.started = target;
		pthread_mutex_unlock(&ss->sync.lock);
		r = sqlite_wal_fdatasync(ss->sync.fd);
		pthread_mutex_lock(&ss->sync.lock);
		if (r < 0)
			ss->sync.err = -EIO;
		else if (target > ss->sync.synced)
			ss->sync.synced = target;
		pthread_cond_broadcast(&ss->sync.done);
	}
	r = ss->sync.synced >= ticket ? 0 : ss->sync.err;
	pthread_mutex_unlock(&ss->sync.lock);
	return r;
}
