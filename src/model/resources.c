/* resources.c - the growable arrays that carry lists of resources between
 * the store and the handlers. */
#include "resources.h"

#include <stdlib.h>
#include <string.h>

void *list_push_raw(void **items, size_t *count, size_t *cap, size_t item_size)
{
	char *p;

	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		p = realloc(*items, ncap * item_size);
		if (!p)
			return NULL;
		*items = p;
		*cap = ncap;
	}
	p = (char *)*items + *count * item_size;
	memset(p, 0, item_size);
	(*count)++;
	return p;
}
