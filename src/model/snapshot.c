/* snapshot.c - releasing a snapshot and finding things in it by id: pure
 * functions over the lists the store filled. */
#include "snapshot.h"

#include <stddef.h>
#include <string.h>

void snapshot_release(struct snapshot *s)
{
	if (!s)
		return;
	list_release(&s->vpcs);
	list_release(&s->subnets);
	list_release(&s->groups);
	list_release(&s->rules);
	list_release(&s->instances);
	list_release(&s->enis);
	list_release(&s->route_tables);
	list_release(&s->routes);
	list_release(&s->associations);
	list_release(&s->igws);
	list_release(&s->addresses);
	s->revision = 0;
}

/* The first of count items (each size bytes) whose id field, at offset,
 * equals key; NULL if none. "" and NULL find nothing, since "" means "no
 * such thing" in every id field. */
static const void *find_by(const void *items, size_t count, size_t size, size_t offset,
			   const char *key)
{
	const char *item = items;
	size_t i;

	if (!key || !key[0])
		return NULL;
	for (i = 0; i < count; i++, item += size)
		if (strcmp(item + offset, key) == 0)
			return item;
	return NULL;
}

#define FIND_BY(l, type, field, key) \
	((const type *)find_by((l).items, (l).count, sizeof(type), offsetof(type, field), (key)))

const struct vpc *snapshot_vpc(const struct snapshot *s, const char *id)
{
	return FIND_BY(s->vpcs, struct vpc, id, id);
}

const struct subnet *snapshot_subnet(const struct snapshot *s, const char *id)
{
	return FIND_BY(s->subnets, struct subnet, id, id);
}

const struct security_group *snapshot_group(const struct snapshot *s, const char *id)
{
	return FIND_BY(s->groups, struct security_group, id, id);
}

const struct instance *snapshot_instance(const struct snapshot *s, const char *id)
{
	return FIND_BY(s->instances, struct instance, id, id);
}

const struct eni *snapshot_eni(const struct snapshot *s, const char *id)
{
	return FIND_BY(s->enis, struct eni, id, id);
}

const struct internet_gateway *snapshot_vpc_igw(const struct snapshot *s, const char *vpc_id)
{
	return FIND_BY(s->igws, struct internet_gateway, vpc_id, vpc_id);
}

static const struct route_table *route_table_by_id(const struct snapshot *s, const char *id)
{
	return FIND_BY(s->route_tables, struct route_table, id, id);
}

const struct route_table *snapshot_subnet_route_table(const struct snapshot *s,
						      const char *subnet_id)
{
	const struct subnet *sn = snapshot_subnet(s, subnet_id);
	const struct route_table *rt;
	size_t i;

	if (!sn)
		return NULL;
	for (i = 0; i < s->associations.count; i++)
		if (strcmp(s->associations.items[i].subnet_id, subnet_id) == 0)
			return route_table_by_id(s, s->associations.items[i].route_table_id);
	/* The main association says which table is main now (it can be
	 * replaced); a table's own is_main flag is the fallback. */
	for (i = 0; i < s->associations.count; i++) {
		if (!s->associations.items[i].is_main)
			continue;
		rt = route_table_by_id(s, s->associations.items[i].route_table_id);
		if (rt && strcmp(rt->vpc_id, sn->vpc_id) == 0)
			return rt;
	}
	for (i = 0; i < s->route_tables.count; i++)
		if (s->route_tables.items[i].is_main &&
		    strcmp(s->route_tables.items[i].vpc_id, sn->vpc_id) == 0)
			return &s->route_tables.items[i];
	return NULL;
}
