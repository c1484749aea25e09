/* agent.c - the reconcile loop: watch the store's revision, and on a
 * change (or every few seconds, to repair drift) apply the groups' rules
 * at once, run passes until the kernel matches, then report the revision
 * applied; and the cleanup. */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "agent/early.h"
#include "agent/kstate.h"
#include "agent/netns.h"
#include "agent/nft_apply.h"
#include "agent/pass.h"
#include "lib/log.h"
#include "policy/compile.h"
#include "store/store.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct agent {
	struct agent_memory mem;
	const struct agent_options *opt;
};

/* Passes until one finds nothing to change (so the last one has seen the
 * kernel in place and reported it), then the revision is applied. */
static int converge(struct agent *a, uint64_t *ret_revision)
{
	struct timespec t0, t1;
	uint64_t revision = 0;
	bool changed = true, failed = false, any = false;
	int round, r = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; round < AGENT_MAX_ROUNDS && changed && !stop_requested; round++) {
		changed = failed = false;
		r = agent_pass(&a->mem, &revision, &changed, &failed);
		a->mem.redeclare = false;
		if (r < 0)
			return r;
		any = any || changed;
	}
	*ret_revision = revision;
	if (failed || changed)
		return -EIO;
	r = store_agent_set_applied(a->mem.store, a->opt->host, revision, (long long)time(NULL));
	if (r < 0)
		log_event(LOG_LEVEL_WARN, "event=report_error host=%s error=\"%s\"", a->opt->host, strerror(-r));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_event(any ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG, "event=revision_applied revision=%llu host=%s rounds=%d ms=%ld",
		  (unsigned long long)revision, a->opt->host, round,
		  (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The host-wide lock: an fd to keep open, or -EBUSY (logged with the
 * holder's pid) or -errno. */
static int agent_lock(void)
{
	char pid[32] = "";
	ssize_t n;
	int fd;

	fd = open(AGENT_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		if (e != EWOULDBLOCK)
			return -e;
		log_event(LOG_LEVEL_ERROR, "event=agent_busy lock=%s holder_pid=%s", AGENT_LOCK_PATH, pid);
		return -EBUSY;
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, pid, strlen(pid), 0);
	return fd;
}

int agent_run(struct store *s, const struct agent_options *opt)
{
	struct agent a = { .mem = { .store = s, .noted_revision = UINT64_MAX }, .opt = opt };
	struct sigaction sa = { .sa_handler = on_stop };
	const struct timespec tick = { .tv_sec = 0, .tv_nsec = AGENT_POLL_MS * 1000000L };
	uint64_t seen = 0, rev = 0, applied;
	double last = 0, wait = 0, recheck_until = 0;
	bool started = false, rev_error = false, rev_ok;
	int r = 0, lock, woke;

	lock = agent_lock();
	if (lock < 0)
		return lock;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_event(LOG_LEVEL_INFO, "event=agent_start host=%s once=%d", opt->host, opt->once);
	while (!stop_requested) {
		bool due = !started || now_seconds() - last >= wait, news = false;

		rev_ok = store_revision(s, &rev) == 0;
		if (rev_ok) {
			news = started && rev != seen;
			due = due || news;
			rev_error = false;
		} else if (!rev_error) {
			log_event(LOG_LEVEL_WARN, "event=revision_error");
			rev_error = true;
		}
		if (due) {
			/* a failed pass is retried on the clock, not on every poll */
			/* a pass on the clock alone also re-declares the tables */
			a.mem.redeclare = started && (!rev_ok || rev == seen);
			if (rev_ok)
				seen = rev;
			if (news)
				agent_apply_filters_early(&a.mem);
			applied = 0;
			r = converge(&a, &applied);
			/* a write committed between the revision read above and
			 * the pass's snapshot is applied already: not news */
			if (applied > seen)
				seen = applied;
			started = true;
			last = now_seconds();
			wait = r == 0 ? AGENT_RESYNC_SECONDS : AGENT_RETRY_SECONDS;
			if (opt->once)
				break;
		}
		/* a write wakes the agent before its commit is visible (the
		 * WAL frames are written before the commit is published in
		 * the WAL index), so for a while after one the revision is
		 * read every few milliseconds; the poll is the fallback */
		woke = store_wait_change(s, now_seconds() < recheck_until ? AGENT_RECHECK_MS : AGENT_POLL_MS);
		if (woke > 0)
			recheck_until = now_seconds() + AGENT_RECHECK_WINDOW_MS / 1000.0;
		else if (woke < 0)
			nanosleep(&tick, NULL);
	}
	if (stop_requested)
		log_event(LOG_LEVEL_INFO, "event=agent_stop reason=signal");
	nft_cache_release(&a.mem.nft);
	close(lock);
	return r;
}

/* The links of the caller's namespace named as the agent names links
 * (bhe…, bhg…, bhx…: a veth end that strayed), not anyone's bh-anything. */
static bool agent_link_name(const char *name)
{
	return strncmp(name, "bhe", 3) == 0 || strncmp(name, "bhg", 3) == 0 || strncmp(name, "bhx", 3) == 0;
}

static int root_bh_links(struct strlist *ret)
{
	struct ns_state root = { 0 };
	size_t i;
	int r;

	r = kstate_read(NULL, &root);
	for (i = 0; r == 0 && i < root.links.count; i++)
		if (agent_link_name(root.links.items[i].name))
			r = strlist_add(ret, root.links.items[i].name);
	ns_state_release(&root);
	return r;
}

int agent_cleanup(void)
{
	struct strlist names = { 0 }, links = { 0 };
	struct buf err = BUF_INIT(NETNS_OUTPUT_MAX);
	size_t i;
	int r, failed = 0, lock;

	lock = agent_lock();
	if (lock < 0)
		return lock;
	r = netns_list(BH_NETNS_PREFIX, &names);
	for (i = 0; r == 0 && i < names.count; i++) {
		buf_reset(&err);
		if (netns_del(names.items[i], &err) < 0) {
			char text[1024];

			agent_log_text(buf_str(&err), text, sizeof(text));
			log_event(LOG_LEVEL_ERROR, "event=command_error netns=%s phase=netns_del error=\"%s\"",
				  names.items[i], text);
			failed++;
		} else {
			log_event(LOG_LEVEL_INFO, "event=netns_deleted netns=%s", names.items[i]);
		}
	}
	if (r == 0)
		r = root_bh_links(&links);
	for (i = 0; r == 0 && i < links.count; i++) {
		char *argv[] = { "ip", "link", "del", links.items[i], NULL };

		/* deleting one end of a veth takes the other: failures are
		 * judged by what is left afterwards */
		if (run_command(argv, NULL, NULL) == 0)
			log_event(LOG_LEVEL_INFO, "event=link_deleted link=%s", links.items[i]);
	}
	strlist_release(&links);
	if (r == 0)
		r = root_bh_links(&links);
	for (i = 0; r == 0 && i < links.count; i++) {
		log_event(LOG_LEVEL_ERROR, "event=link_del_error link=%s", links.items[i]);
		failed++;
	}
	if (r < 0)
		log_event(LOG_LEVEL_ERROR, "event=cleanup_error error=\"%s\"", strerror(-r));
	nft_records_clear();
	strlist_release(&names);
	strlist_release(&links);
	buf_release(&err);
	close(lock);
	return r < 0 || failed ? -EIO : 0;
}
