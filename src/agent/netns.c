/* netns.c - named network namespaces: listing, making and removing them,
 * entering them for a moment, children and commands that run inside. */
#include "agent/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"

int netns_list(const char *prefix, struct strlist *ret)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		r = strlist_add(ret, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0) {
		strlist_release(ret);
		return r;
	}
	strlist_sort_unique(ret);
	return 0;
}

static int ip_netns(const char *verb, const char *name, struct buf *err)
{
	char *argv[] = { "ip", "netns", (char *)verb, (char *)name, NULL };
	int r;

	r = run_command(argv, NULL, err);
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}

int netns_add(const char *name, struct buf *err)
{
	return ip_netns("add", name, err);
}

int netns_del(const char *name, struct buf *err)
{
	int r;

	r = netns_kill(name);
	if (r < 0 && r != -ENOENT)
		return r;
	return ip_netns("del", name, err);
}

static int netns_open(const char *name)
{
	char path[128];
	int fd;

	if (bh_snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name) < 0 || strchr(name, '/'))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_kill(const char *name)
{
	struct stat ns, st;
	struct dirent *e;
	char path[64];
	unsigned killed = 0;
	long pid;
	DIR *d;
	int fd, r = 0;

	fd = netns_open(name);
	if (fd < 0)
		return fd;
	if (fstat(fd, &ns) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (bh_parse_long(e->d_name, 1, INT_MAX, &pid) < 0 || pid == (long)getpid())
			continue;
		if (bh_snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid) < 0 || stat(path, &st) < 0)
			continue;  /* gone meanwhile, or a kernel thread */
		if (st.st_dev == ns.st_dev && st.st_ino == ns.st_ino && kill((pid_t)pid, SIGKILL) == 0)
			killed++;
	}
	closedir(d);
	if (killed)
		log_event(LOG_LEVEL_INFO, "event=netns_processes_killed netns=%s count=%u", name, killed);
	return 0;
}

int netns_enter(const char *name, int *ret_orig)
{
	int fd, orig, r = 0;

	fd = netns_open(name);
	if (fd < 0)
		return fd;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		r = -errno;
		goto out;
	}
	/* a file under /run/netns that is not a namespace (a stale leftover)
	 * answers EINVAL: call it absent */
	if (setns(fd, CLONE_NEWNET) < 0) {
		r = errno == EINVAL ? -ENOENT : -errno;
		close(orig);
		goto out;
	}
	*ret_orig = orig;
out:
	close(fd);
	return r;
}

void netns_leave(int orig)
{
	if (setns(orig, CLONE_NEWNET) < 0)
		abort();
	close(orig);
}

static int sysctl_set_here(const char *path, const char *value)
{
	char full[256], cur[64];
	size_t want = strlen(value);
	ssize_t n;
	int fd, r = 0;

	if (bh_snprintf(full, sizeof(full), "/proc/sys/%s", path) < 0)
		return -EINVAL;
	fd = open(full, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, cur, sizeof(cur) - 1);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	cur[n] = '\0';
	cur[strcspn(cur, "\n")] = '\0';
	if (strcmp(cur, value) == 0)
		goto out;
	if (lseek(fd, 0, SEEK_SET) < 0 || write(fd, value, want) != (ssize_t)want)
		r = -errno;
	else
		r = 1;
out:
	close(fd);
	return r;
}

int netns_sysctl_set(const char *name, const char *path, const char *value)
{
	int orig, r;

	r = netns_enter(name, &orig);
	if (r < 0)
		return r;
	r = sysctl_set_here(path, value);
	netns_leave(orig);
	return r;
}

/* Read fd to its end into out (what passes NETNS_OUTPUT_MAX is dropped). */
static void drain(int fd, struct buf *out)
{
	char chunk[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out)
			buf_append(out, chunk, (size_t)n);
	}
}

static int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int netns_child(const char *name, int (*fn)(void *arg, int out_fd), void *arg, struct buf *out)
{
	int pipefd[2], fd, r;
	pid_t pid;

	fd = netns_open(name);
	if (fd < 0)
		return fd;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fd);
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (setns(fd, CLONE_NEWNET) < 0)
			_exit(125);
		_exit(fn(arg, pipefd[1]) & 0xff);
	}
	close(fd);
	close(pipefd[1]);
	drain(pipefd[0], out);
	close(pipefd[0]);
	return wait_status(pid);
}

/* Feed input to in_fd and collect out_fd at once, so that neither side can
 * block the other on a full pipe. */
static void pump(int in_fd, const char *input, int out_fd, struct buf *out)
{
	size_t len = input ? strlen(input) : 0, done = 0;
	struct pollfd p[2];
	char chunk[4096];
	ssize_t n;

	if (in_fd >= 0 && len == 0) {
		close(in_fd);
		in_fd = -1;
	}
	while (in_fd >= 0 || out_fd >= 0) {
		p[0] = (struct pollfd){ .fd = in_fd, .events = POLLOUT };
		p[1] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (in_fd >= 0 && p[0].revents) {
			n = write(in_fd, input + done, len - done);
			if (n > 0)
				done += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) || done == len) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (out_fd >= 0 && p[1].revents) {
			n = read(out_fd, chunk, sizeof(chunk));
			if (n > 0 && out)
				buf_append(out, chunk, (size_t)n);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				close(out_fd);
				out_fd = -1;
			}
		}
	}
	if (in_fd >= 0)
		close(in_fd);
}

int run_command(char *const argv[], const char *input, struct buf *out)
{
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, r;
	pid_t pid;

	if (pipe2(outp, O_CLOEXEC) < 0)
		return -errno;
	if (input && pipe2(in, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (dup2(input ? in[0] : devnull, STDIN_FILENO) < 0 || dup2(outp[1], STDOUT_FILENO) < 0 ||
		    dup2(outp[1], STDERR_FILENO) < 0)
			_exit(126);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(outp[1]);
	if (input)
		close(in[0]);
	/* a child that dies early must not kill us with SIGPIPE: the agent
	 * ignores it (agent_run), and pump stops writing on EPIPE */
	pump(input ? in[1] : -1, input, outp[0], out);
	close(outp[0]);
	return wait_status(pid);
fail:
	if (outp[0] >= 0) {
		close(outp[0]);
		close(outp[1]);
	}
	if (in[0] >= 0) {
		close(in[0]);
		close(in[1]);
	}
	return r;
}

int netns_exec(const char *name, char *const argv[])
{
	int fd, r;

	fd = netns_open(name);
	if (fd < 0)
		return fd;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	if (r < 0)
		return errno == EINVAL ? -ENOENT : -errno;
	/* Like `ip netns exec`: a private mount namespace whose /sys shows
	 * this network namespace, so tools reading /sys/class/net see its
	 * links. Best effort: the network namespace is what matters. */
	if (unshare(CLONE_NEWNS) == 0 && mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) == 0) {
		if (umount2("/sys", MNT_DETACH) == 0)
			(void)mount(name, "/sys", "sysfs", 0, NULL);
	}
	execvp(argv[0], argv);
	return -errno;
}
