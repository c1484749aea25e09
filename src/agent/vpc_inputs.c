/* vpc_inputs.c - which snapshot rows each VPC's compile can read, digested
 * per VPC with sorted indexes (ids to VPCs), in time O(rows log rows). */
#include "agent/vpc_inputs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define VPC_NONE SIZE_MAX

/* One id and the VPC its row belongs to; order keeps equal ids in
 * snapshot order, so equal snapshots lay out equal bytes. */
struct keyed {
	const char *key;
	size_t vpc;
	size_t order;
};

struct key_index {
	struct keyed *items;
	size_t count;
};

struct builder {
	const struct snapshot *s;
	struct vpc_inputs *out;
	struct key_index vpcs;         /* VPC id -> its place in out */
	struct key_index groups;       /* group id -> VPC */
	struct key_index tables;       /* route table id -> VPC */
	struct key_index enis;         /* ENI id -> VPC */
	struct key_index eni_owners;   /* instance id -> the VPC of each of its ENIs */
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return (x->order > y->order) - (x->order < y->order);
}

static int index_init(struct key_index *ix, size_t n)
{
	ix->count = 0;
	ix->items = calloc(n + 1, sizeof(*ix->items));
	return ix->items ? 0 : -ENOMEM;
}

static void index_add(struct key_index *ix, const char *key, size_t vpc)
{
	ix->items[ix->count] = (struct keyed){ key, vpc, ix->count };
	ix->count++;
}

static void index_sort(struct key_index *ix)
{
	qsort(ix->items, ix->count, sizeof(*ix->items), cmp_keyed);
}

/* The first entry whose key is not below key. */
static size_t index_lower(const struct key_index *ix, const char *key)
{
	size_t lo = 0, hi = ix->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->items[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The public network's objects carry its id or none, as the compiler's
 * in_vpc() reads them. */
static size_t vpc_of(const struct builder *b, const char *vpc_id)
{
	size_t i;

	if (!vpc_id[0] || strcmp(vpc_id, BH_PUBLIC_NET_ID) == 0)
		return b->s->vpcs.count;
	i = index_lower(&b->vpcs, vpc_id);
	return i < b->vpcs.count && strcmp(b->vpcs.items[i].key, vpc_id) == 0 ? b->vpcs.items[i].vpc : VPC_NONE;
}

static uint64_t mix(uint64_t h, uint64_t w, uint64_t k, unsigned shift)
{
	h = (h ^ w) * k;
	return h ^ (h >> shift);
}

/* Two multiply-xorshift lanes, eight bytes a step: hashing the rows
 * costs about what copying them did. */
static void digest_update(struct vpc_digest *d, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t a = d->h[0], b = d->h[1], w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		a = mix(a, w, 0x9e3779b97f4a7c15ULL, 29);
		b = mix(b, w, 0xc2b2ae3d27d4eb4fULL, 31);
	}
	w = (uint64_t)len << 56;
	memcpy(&w, p, len);
	a = mix(a, w, 0x9e3779b97f4a7c15ULL, 29);
	b = mix(b, w, 0xc2b2ae3d27d4eb4fULL, 31);
	d->h[0] = a;
	d->h[1] = b;
}

bool vpc_digest_equal(const struct vpc_digest *a, const struct vpc_digest *b)
{
	return a->h[0] == b->h[0] && a->h[1] == b->h[1];
}

static void add_row(struct builder *b, size_t vpc, char tag, const void *row, size_t size)
{
	struct vpc_digest *d;

	if (vpc == VPC_NONE)
		return;
	d = &b->out->items[vpc];
	digest_update(d, &tag, 1);
	digest_update(d, row, size);
}

/* The row goes to the VPC of every entry of ix under key. */
static void add_row_by(struct builder *b, const struct key_index *ix, const char *key, char tag, const void *row,
		       size_t size)
{
	size_t i;

	if (!key[0])
		return;
	for (i = index_lower(ix, key); i < ix->count && strcmp(ix->items[i].key, key) == 0; i++)
		add_row(b, ix->items[i].vpc, tag, row, size);
}

static int build_indexes(struct builder *b)
{
	const struct snapshot *s = b->s;
	size_t i;

	if (index_init(&b->vpcs, s->vpcs.count) < 0 || index_init(&b->groups, s->groups.count) < 0 ||
	    index_init(&b->tables, s->route_tables.count) < 0 || index_init(&b->enis, s->enis.count) < 0 ||
	    index_init(&b->eni_owners, s->enis.count) < 0)
		return -ENOMEM;
	for (i = 0; i < s->vpcs.count; i++)
		index_add(&b->vpcs, s->vpcs.items[i].id, i);
	index_sort(&b->vpcs);
	for (i = 0; i < s->groups.count; i++)
		index_add(&b->groups, s->groups.items[i].id, vpc_of(b, s->groups.items[i].vpc_id));
	for (i = 0; i < s->route_tables.count; i++)
		index_add(&b->tables, s->route_tables.items[i].id, vpc_of(b, s->route_tables.items[i].vpc_id));
	for (i = 0; i < s->enis.count; i++) {
		const struct eni *e = &s->enis.items[i];

		index_add(&b->enis, e->id, vpc_of(b, e->vpc_id));
		index_add(&b->eni_owners, e->instance_id, vpc_of(b, e->vpc_id));
	}
	index_sort(&b->groups);
	index_sort(&b->tables);
	index_sort(&b->enis);
	index_sort(&b->eni_owners);
	return 0;
}

static void add_rows(struct builder *b)
{
	const struct snapshot *s = b->s;
	size_t i;

	for (i = 0; i < s->vpcs.count; i++)
		add_row(b, i, 'v', &s->vpcs.items[i], sizeof(s->vpcs.items[i]));
	for (i = 0; i < s->subnets.count; i++)
		add_row(b, vpc_of(b, s->subnets.items[i].vpc_id), 's', &s->subnets.items[i],
			sizeof(s->subnets.items[i]));
	for (i = 0; i < s->groups.count; i++)
		add_row(b, vpc_of(b, s->groups.items[i].vpc_id), 'g', &s->groups.items[i],
			sizeof(s->groups.items[i]));
	for (i = 0; i < s->rules.count; i++)
		add_row_by(b, &b->groups, s->rules.items[i].group_id, 'r', &s->rules.items[i],
			   sizeof(s->rules.items[i]));
	for (i = 0; i < s->instances.count; i++) {
		const struct instance *inst = &s->instances.items[i];

		add_row(b, vpc_of(b, inst->vpc_id), 'n', inst, sizeof(*inst));
		add_row_by(b, &b->eni_owners, inst->id, 'n', inst, sizeof(*inst));
	}
	for (i = 0; i < s->enis.count; i++)
		add_row(b, vpc_of(b, s->enis.items[i].vpc_id), 'e', &s->enis.items[i], sizeof(s->enis.items[i]));
	for (i = 0; i < s->route_tables.count; i++)
		add_row(b, vpc_of(b, s->route_tables.items[i].vpc_id), 't', &s->route_tables.items[i],
			sizeof(s->route_tables.items[i]));
	for (i = 0; i < s->routes.count; i++)
		add_row_by(b, &b->tables, s->routes.items[i].route_table_id, 'o', &s->routes.items[i],
			   sizeof(s->routes.items[i]));
	for (i = 0; i < s->associations.count; i++)
		add_row_by(b, &b->tables, s->associations.items[i].route_table_id, 'a', &s->associations.items[i],
			   sizeof(s->associations.items[i]));
	/* a detached gateway ("" VPC) is nobody's, not the public network's */
	for (i = 0; i < s->igws.count; i++)
		if (s->igws.items[i].vpc_id[0])
			add_row(b, vpc_of(b, s->igws.items[i].vpc_id), 'i', &s->igws.items[i],
				sizeof(s->igws.items[i]));
	for (i = 0; i < s->addresses.count; i++) {
		const struct address *a = &s->addresses.items[i];

		add_row_by(b, &b->enis, a->eni_id, 'd', a, sizeof(*a));
		add_row_by(b, &b->eni_owners, a->instance_id, 'd', a, sizeof(*a));
	}
}

void vpc_inputs_release(struct vpc_inputs *v)
{
	free(v->items);
	v->items = NULL;
	v->count = 0;
}

const struct vpc_digest *vpc_inputs_find(struct vpc_inputs *v, const struct snapshot *s, const char *vpc_id)
{
	size_t i;

	if (v->count != s->vpcs.count + 1)
		return NULL;
	if (strcmp(vpc_id, BH_PUBLIC_NET_ID) == 0)
		return &v->items[s->vpcs.count];
	for (i = 0; i < s->vpcs.count; i++)
		if (strcmp(s->vpcs.items[i].id, vpc_id) == 0)
			return &v->items[i];
	return NULL;
}

int vpc_inputs_build(const struct snapshot *s, struct vpc_inputs *ret)
{
	struct builder b = { .s = s, .out = ret };
	size_t i;
	int r;

	ret->count = s->vpcs.count + 1;
	ret->items = calloc(ret->count, sizeof(*ret->items));
	if (!ret->items) {
		ret->count = 0;
		return -ENOMEM;
	}
	for (i = 0; i < ret->count; i++)
		ret->items[i] = (struct vpc_digest){ { 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL } };
	r = build_indexes(&b);
	if (r == 0)
		add_rows(&b);
	free(b.vpcs.items);
	free(b.groups.items);
	free(b.tables.items);
	free(b.enis.items);
	free(b.eni_owners.items);
	if (r < 0)
		vpc_inputs_release(ret);
	return r;
}
