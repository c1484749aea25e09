/* exec.c - placeholder for `bulkhead exec` until the agent lands. */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_exec(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bulkhead exec: not built yet\n");
	return 1;
}
