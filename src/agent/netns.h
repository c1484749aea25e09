/* netns.h - named network namespaces as `ip netns` makes them (a bind mount
 * under /run/netns), running code and commands inside them, and the one
 * helper that runs a command with input and collects its output. */
#ifndef BH_AGENT_NETNS_H
#define BH_AGENT_NETNS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "policy/nft_plan.h"

#define NETNS_RUN_DIR "/run/netns"
#define NETNS_OUTPUT_MAX (64 * 1024)  /* bytes kept of a command's or child's output */

/* The names in /run/netns that start with prefix, sorted. A missing
 * /run/netns is an empty list. 0 or -errno. */
int netns_list(const char *prefix, struct strlist *ret);

/* Make (`ip netns add`) or remove (`ip netns del`) a named namespace.
 * 0, or -EIO with the command's output in err (may be NULL). Removing one
 * first kills what runs inside (netns_kill). */
int netns_add(const char *name, struct buf *err);
int netns_del(const char *name, struct buf *err);

/* SIGKILL every process (but the caller) whose network namespace is name's
 * - what `bulkhead exec` started in an instance that stops or goes away:
 * the namespace would live on, unnamed, as long as they do. Logs how many.
 * 0 or -errno. */
int netns_kill(const char *name);

/* Switch the calling thread into namespace name; *ret_orig receives a
 * handle on the namespace it was in, for netns_leave, which goes back (and
 * aborts the process if it cannot: carrying on in the wrong namespace is
 * worse than stopping). 0, -ENOENT or -errno. */
int netns_enter(const char *name, int *ret_orig);
void netns_leave(int orig);

/* Read /proc/sys/<path> inside namespace name and write value when it
 * differs. 1 when written, 0 when it already held value, -ENOENT (no such
 * namespace or key) or -errno. */
int netns_sysctl_set(const char *name, const char *path, const char *value);

/* Run fn in a forked child that has entered namespace name; what fn
 * writes to out_fd is collected into out (up to NETNS_OUTPUT_MAX bytes).
 * Returns fn's result as the child's exit status (0..255), or -errno. */
int netns_child(const char *name, int (*fn)(void *arg, int out_fd), void *arg, struct buf *out);

/* Run argv (looked up in PATH) with input on its stdin (NULL: none) and
 * its stdout and stderr collected into out (NULL: discarded). Returns the
 * exit status (0..255, 128+N for a signal) or -errno. */
int run_command(char *const argv[], const char *input, struct buf *out);

/* Enter namespace name for good, as `ip netns exec` does (a private mount
 * namespace with the namespace's own /sys), and exec argv. Returns only on
 * failure: -errno. */
int netns_exec(const char *name, char *const argv[]);

#endif
