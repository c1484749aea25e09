/* agent.c - placeholder for `bulkhead agent` until the agent lands. */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_agent(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bulkhead agent: not built yet\n");
	return 1;
}
