/* agent.c - `bulkhead agent`: runs the host agent in the foreground, one
 * pass of it (--once), or removes everything it made (--cleanup). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cmd/cmd.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "store/store.h"

static const char agent_usage[] =
	"usage: bulkhead agent --state-dir DIR [--once] [--host NAME]\n"
	"       bulkhead agent --cleanup\n"
	"\n"
	"Make the kernel (namespaces, veths, routes, nftables) match the desired\n"
	"state in DIR's store, and report back. Runs as root, in the foreground,\n"
	"until SIGTERM or SIGINT; stopping removes nothing.\n"
	"\n"
	"  --state-dir DIR   the directory 'bulkhead serve' uses\n"
	"  --once            one pass (converged and reported), then exit: 0 when in place\n"
	"  --host NAME       the name applied revisions are reported under (default: hostname)\n"
	"  --cleanup         remove every bh- namespace and bh* link, then exit\n"
	"  --debug           log every pass, not only the ones that change something\n";

int cmd_agent(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "once", no_argument, NULL, 'o' },
		{ "cleanup", no_argument, NULL, 'c' },
		{ "host", required_argument, NULL, 'H' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct agent_options ao = { 0 };
	struct store *store = NULL;
	const char *state_dir = NULL;
	char host[64];
	bool cleanup = false;
	int opt, r;

	optind = 0;  /* 0, not 1: glibc then re-reads the ordering flags of this optstring */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': state_dir = optarg; break;
		case 'o': ao.once = true; break;
		case 'c': cleanup = true; break;
		case 'H': ao.host = optarg; break;
		case 'D': log_set_level(LOG_LEVEL_DEBUG); break;
		case 'h': fputs(agent_usage, stdout); return 0;
		default: return usage_error("agent", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("agent", "unexpected argument '%s'", argv[optind]);
	if (!state_dir && !cleanup)
		return usage_error("agent", "--state-dir is required");
	if (ao.host && (!*ao.host || strlen(ao.host) >= sizeof(host)))
		return usage_error("agent", "--host must be 1 to %zu characters", sizeof(host) - 1);
	if (geteuid() != 0) {
		fprintf(stderr, "bulkhead agent: must run as root\n");
		return 1;
	}
	if (cleanup)
		return agent_cleanup() < 0 ? 1 : 0;
	if (!ao.host) {
		if (gethostname(host, sizeof(host)) < 0 || !host[0])
			bh_strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		ao.host = host;
	}
	r = state_dir_prepare(state_dir);
	if (r == 0)
		r = state_open_store(state_dir, &store);
	if (r < 0) {
		fprintf(stderr, "bulkhead agent: cannot open state in %s: %s\n", state_dir, strerror(-r));
		return 1;
	}
	r = agent_run(store, &ao);
	store_close(store);
	return r < 0 ? 1 : 0;
}
