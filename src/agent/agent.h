/* agent.h - the host agent: the one root process that makes the kernel
 * (namespaces, veths, routes, nftables) match the desired state in the
 * store, and reports back what it made true. */
#ifndef BH_AGENT_AGENT_H
#define BH_AGENT_AGENT_H

#include <stdbool.h>

struct store;

struct agent_options {
	const char *host;  /* the name it reports its applied revision under */
	bool once;         /* one pass (converged, reported), then return */
};

#define AGENT_POLL_MS 100        /* the store's revision is read at least this often */
#define AGENT_RECHECK_MS 2       /* this often for a while after a write to the store woke the agent: */
#define AGENT_RECHECK_WINDOW_MS 100 /* the commit is visible only once the writer's COMMIT returned */
#define AGENT_RESYNC_SECONDS 5   /* a full pass at least this often, to repair drift */
#define AGENT_RETRY_SECONDS 1    /* after a pass that failed */
#define AGENT_MAX_ROUNDS 4       /* passes in a row while each still changes something */

/* One agent per host: two would each delete the other's namespaces as
 * extra. agent_run and agent_cleanup hold this lock (flock) while they
 * work, and fail with -EBUSY when another process holds it. */
#define AGENT_LOCK_PATH "/run/bulkhead-agent.lock"

/* Run until SIGTERM or SIGINT (or one pass with opt->once). Stopping
 * removes nothing: the kernel keeps enforcing what was applied. 0 when
 * the last pass converged, -EIO when it did not, or -errno. */
int agent_run(struct store *s, const struct agent_options *opt);

/* Remove every bulkhead namespace (/run/netns/bh-*) and every link of
 * the agent's (bhe…, bhg…, bhx…) left in the caller's namespace. 0 or
 * -EIO when something stayed. */
int agent_cleanup(void);

#endif
