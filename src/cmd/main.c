/* main.c - the bulkhead binary: picks the subcommand and owns the
 * conventions every subcommand shares (help, usage errors, state dir). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "lib/buf.h"
#include "store/hostkey.h"
#include "store/store.h"

static const char main_usage[] =
	"usage: bulkhead COMMAND [OPTIONS]\n"
	"\n"
	"commands:\n"
	"  serve   run the EC2-compatible API\n"
	"  admin   manage accounts and access keys\n"
	"  agent   make the kernel match the desired state (root)\n"
	"  exec    run a command inside an instance (root)\n"
	"  reach   can A reach B, and who can reach an instance (from the store)\n"
	"\n"
	"Run 'bulkhead COMMAND --help' for a command's options.\n";

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bulkhead %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'bulkhead %s --help')\n", cmd);
	return EXIT_USAGE;
}

int state_dir_prepare(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int state_open_store(const char *dir, struct store **ret)
{
	char path[4096];

	if (bh_snprintf(path, sizeof(path), "%s/bulkhead.db", dir) < 0)
		return -ENAMETOOLONG;
	return store_open_sqlite(path, ret);
}

int state_open_hostkey(const char *dir, struct hostkey *ret)
{
	char path[4096];

	if (bh_snprintf(path, sizeof(path), "%s/host.key", dir) < 0)
		return -ENAMETOOLONG;
	return hostkey_load_or_create(path, ret);
}

int main(int argc, char **argv)
{
	opterr = 0;  /* usage_error prints the one line a bad option gets */
	if (argc < 2) {
		fputs(main_usage, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(main_usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("bulkhead 0.1.0");
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "admin") == 0)
		return cmd_admin(argc - 1, argv + 1);
	if (strcmp(argv[1], "agent") == 0)
		return cmd_agent(argc - 1, argv + 1);
	if (strcmp(argv[1], "exec") == 0)
		return cmd_exec(argc - 1, argv + 1);
	if (strcmp(argv[1], "reach") == 0)
		return cmd_reach(argc - 1, argv + 1);
	fprintf(stderr, "bulkhead: unknown command '%s' (see 'bulkhead --help')\n", argv[1]);
	return EXIT_USAGE;
}
