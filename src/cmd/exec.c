/* exec.c - `bulkhead exec`: run a command inside a running instance's
 * network namespace (root only), for tests, the demo and operators. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/netns.h"
#include "cmd/cmd.h"
#include "model/snapshot.h"
#include "policy/compile.h"
#include "store/store.h"

static const char exec_usage[] =
	"usage: bulkhead exec --state-dir DIR INSTANCE-ID -- COMMAND [ARG...]\n"
	"\n"
	"Run COMMAND inside the instance's network namespace (root only). The\n"
	"instance must be running. Exits with COMMAND's status.\n";

/* 0 when id names a running instance; 1 after saying why not. */
static int check_instance(const char *state_dir, const char *id)
{
	struct snapshot snap = { 0 };
	struct store *store = NULL;
	const struct instance *inst;
	int r;

	r = state_open_store(state_dir, &store);
	if (r == 0)
		r = store_snapshot_load(store, &snap);
	if (r < 0) {
		fprintf(stderr, "bulkhead exec: cannot read the state in %s: %s\n", state_dir, strerror(-r));
		r = 1;
		goto out;
	}
	inst = snapshot_instance(&snap, id);
	if (!inst) {
		fprintf(stderr, "bulkhead exec: no instance %s\n", id);
		r = 1;
	} else if (strcmp(inst->state, BH_STATE_RUNNING) != 0) {
		fprintf(stderr, "bulkhead exec: instance %s is %s, not running\n", id, inst->state);
		r = 1;
	}
out:
	snapshot_release(&snap);
	if (store)
		store_close(store);
	return r;
}

int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *state_dir = NULL, *id;
	char netns[64];
	int opt, r;

	optind = 0;  /* 0, not 1: glibc then re-reads the ordering flags of this optstring */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': state_dir = optarg; break;
		case 'h': fputs(exec_usage, stdout); return 0;
		default: return usage_error("exec", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (!state_dir)
		return usage_error("exec", "--state-dir is required");
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return usage_error("exec", "missing INSTANCE-ID");
	id = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return usage_error("exec", "missing COMMAND");
	if (strncmp(id, "i-", 2) != 0 || strlen(id) >= BH_MAX_ID || strchr(id, '/'))
		return usage_error("exec", "'%s' is not an instance id", id);
	if (geteuid() != 0) {
		fprintf(stderr, "bulkhead exec: must run as root\n");
		return 1;
	}
	if (check_instance(state_dir, id) != 0)
		return 1;
	instance_netns_name(id, netns);
	r = netns_exec(netns, argv + optind);
	if (r == -ENOENT && access(NETNS_RUN_DIR, F_OK) == 0) {
		/* the namespace or the command: say which */
		char path[128];

		bh_snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", netns);
		if (access(path, F_OK) < 0) {
			fprintf(stderr, "bulkhead exec: instance %s has no namespace %s\n", id, netns);
			return 1;
		}
	}
	fprintf(stderr, "bulkhead exec: %s: %s\n", argv[optind], strerror(-r));
	return r == -ENOENT ? 127 : 126;
}
