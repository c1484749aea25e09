/* sqlite_watch.c - store_wait_change for SQLite: a write by another
 * connection shows as inotify events on the database or its WAL file. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"

/* The directory is watched, not the files: the WAL file is made and
 * removed as connections come and go. Other files there (the audit log)
 * raise events too; they are read and ignored. */
static int watch_open(struct sqlite_store *ss)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(ss->path, '/');
	int fd;

	if (!slash)
		bh_strlcpy(dir, ".", sizeof(dir));
	else if (slash == ss->path)
		bh_strlcpy(dir, "/", sizeof(dir));
	else if ((size_t)(slash - ss->path) < sizeof(dir))
		bh_strlcpy(dir, ss->path, (size_t)(slash - ss->path) + 1);
	else
		return -ENAMETOOLONG;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

void sqlite_watch_close(struct sqlite_store *ss)
{
	if (ss->watch_fd >= 0)
		close(ss->watch_fd);
	ss->watch_fd = -1;
}

/* Is name the database ("bulkhead.db") or its WAL ("bulkhead.db-wal")? */
static bool is_db_file(const struct sqlite_store *ss, const char *name)
{
	const char *slash = strrchr(ss->path, '/');
	const char *base = slash ? slash + 1 : ss->path;
	size_t n = strlen(base);

	return strncmp(name, base, n) == 0 && (name[n] == '\0' || strcmp(name + n, "-wal") == 0);
}

/* Read every queued event: 1 if one was about the database, 0 if none,
 * -errno. */
static int drain(struct sqlite_store *ss)
{
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int found = 0;

	for (;;) {
		ssize_t len = read(ss->watch_fd, events, sizeof(events));
		ssize_t off = 0;

		if (len < 0)
			return errno == EAGAIN ? found : -errno;
		while (off + (ssize_t)sizeof(struct inotify_event) <= len) {
			const struct inotify_event *ev = (const void *)(events + off);

			if ((ev->mask & IN_Q_OVERFLOW) || (ev->len && is_db_file(ss, ev->name)))
				found = 1;
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sqlite_wait_change(struct store *s, int timeout_ms)
{
	struct sqlite_store *ss = sqlite_store_of(s);
	long long deadline = now_ms() + timeout_ms;
	int r;

	if (!ss->watch_tried) {
		ss->watch_tried = true;
		r = watch_open(ss);
		ss->watch_fd = r >= 0 ? r : -1;
	}
	if (ss->watch_fd < 0) {
		struct timespec ts = { .tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000L };

		return nanosleep(&ts, NULL) < 0 && errno != EINTR ? -errno : 0;
	}
	for (;;) {
		struct pollfd pfd = { .fd = ss->watch_fd, .events = POLLIN };
		long long left = deadline - now_ms();

		r = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (r < 0)
			return errno == EINTR ? 0 : -errno;
		if (r == 0)
			return 0;
		r = drain(ss);
		if (r != 0)
			return r;
		if (left <= 0)
			return 0;
	}
}
