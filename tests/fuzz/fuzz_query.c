/* fuzz_query.c - arbitrary bytes as a form-encoded request body: the Query
 * parser must refuse or accept without crashing, leaking or overreading,
 * and whatever it accepts must answer lookups and list walks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/query.h"
#include "lib/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *vals[16];
	struct params p;
	struct diag d;
	size_t max, n, i;
	char *copy;

	/* an exact-size heap copy, so ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	params_init(&p);
	diag_init(&d);
	if (params_parse(&p, copy, size, &d) == 0) {
		for (i = 0; i < p.count; i++)
			if (params_get(&p, p.items[i].name) == NULL)
				abort();  /* every decoded name must be found again */
		diag_init(&d);
		(void)params_list_max(&p, "Filter.", &max, &d);
		diag_init(&d);
		(void)params_list_values(&p, "GroupId", vals, 16, &n, &d);
	}
	params_release(&p);
	free(copy);
	return 0;
}
