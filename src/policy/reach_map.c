/* reach_map.c - the reference evaluator's one data structure beyond arrays:
 * an open-addressing multimap from 64-bit keys (hashed ids, VPC+address) to indexes. */
#include "policy/reach_internal.h"

#include <errno.h>
#include <stdlib.h>

int rx_map_init(struct rx_map *m, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n + 16) {
		if (cap > SIZE_MAX / 4 / sizeof(*m->slots))
			return -ENOMEM;
		cap *= 2;
	}
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots)
		return -ENOMEM;
	m->cap = cap;
	return 0;
}

void rx_map_release(struct rx_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = 0;
}

/* splitmix64's finaliser: neighbouring addresses land far apart. */
static size_t slot_of(const struct rx_map *m, uint64_t key)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
	return (size_t)key & (m->cap - 1);
}

void rx_map_put(struct rx_map *m, uint64_t key, uint32_t val)
{
	size_t i = slot_of(m, key);

	while (m->slots[i].used)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (struct rx_slot){ .key = key, .val = val, .used = true };
}

bool rx_map_next(const struct rx_map *m, uint64_t key, size_t *pos, uint32_t *ret_val)
{
	size_t i;

	if (!m->cap)
		return false;
	i = *pos == RX_MAP_START ? slot_of(m, key) : (*pos + 1) & (m->cap - 1);
	for (; m->slots[i].used; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key) {
			*pos = i;
			*ret_val = m->slots[i].val;
			return true;
		}
	}
	return false;
}

/* FNV-1a: ids are short and already random. */
uint64_t rx_hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}
