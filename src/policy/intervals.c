/* intervals.c - the interval arithmetic that keeps the compiler's sets
 * legal: prefixes merged, port ranges cut and joined, elements disjoint. */
#include "intervals.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/proto.h"

static uint32_t prefix_mask(unsigned len)
{
	return len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	return outer->len <= inner->len && (inner->addr & prefix_mask(outer->len)) == outer->addr;
}

int prefix_cmp(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

/* One pass over the sorted prefixes; the kept ones are a stack, as joining
 * the top two may let the new top join the one below it. */
size_t prefixes_aggregate(struct prefix *p, size_t n)
{
	size_t i, top = 0;

	if (n == 0)
		return 0;
	qsort(p, n, sizeof(*p), prefix_cmp);
	for (i = 0; i < n; i++) {
		/* Sorted by address then length, a prefix inside an earlier
		 * one is inside the last one kept (kept ones are disjoint). */
		if (top > 0 && prefix_contains(&p[top - 1], &p[i]))
			continue;
		p[top++] = p[i];
		while (top >= 2) {
			struct prefix *a = &p[top - 2], *b = &p[top - 1];
			uint32_t bit;

			if (a->len != b->len || a->len == 0)
				break;
			bit = (uint32_t)1 << (32 - a->len);
			if ((a->addr & bit) || (a->addr ^ b->addr) != bit)
				break;
			a->len--;
			top--;
		}
	}
	return top;
}

int box_list_push(struct box_list *l, const struct box *b)
{
	if (l->count == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct box *p = realloc(l->items, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->items = p;
		l->cap = ncap;
	}
	l->items[l->count++] = *b;
	return 0;
}

void box_list_release(struct box_list *l)
{
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

static int cmp_box_addr(const void *a, const void *b)
{
	const struct box *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return prefix_cmp(&x->pfx, &y->pfx);
}

static int cmp_box_ports(const void *a, const void *b)
{
	const struct box *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return prefix_cmp(&x->pfx, &y->pfx);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static bool prefixes_equal(const struct prefix *a, size_t an, const struct prefix *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an * sizeof(*a)) == 0);
}

static int emit_ports(struct box_list *out, int proto, const struct prefix *p, size_t n, int lo, int hi)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		struct box b = { .pfx = p[i], .proto = proto, .lo = lo, .hi = hi };

		r = box_list_push(out, &b);
	}
	return r;
}

/* The boxes b[0..n) of one protocol all lie inside b[0]'s prefix. Cut the
 * port axis at every range boundary; on each piece the covering prefixes,
 * aggregated; equal neighbours joined. The results are pairwise disjoint:
 * pieces do not share ports, and one piece's prefixes do not nest. */
static int split_cluster(const struct box *b, size_t n, struct box_list *out)
{
	struct prefix *cur = NULL, *prev = NULL, *tmp;
	size_t i, k, npts = 0, curn, prevn = 0;
	int *pts = NULL, prev_lo = 0, prev_hi = -2, r = 0;

	if (n == 1)
		return box_list_push(out, &b[0]);
	pts = calloc(2 * n, sizeof(*pts));
	cur = calloc(n, sizeof(*cur));
	prev = calloc(n, sizeof(*prev));
	if (!pts || !cur || !prev) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		pts[npts++] = b[i].lo;
		pts[npts++] = b[i].hi + 1;
	}
	qsort(pts, npts, sizeof(*pts), cmp_int);
	for (k = 0; k + 1 < npts && r == 0; k++) {
		int lo = pts[k], hi = pts[k + 1] - 1;

		if (pts[k + 1] == pts[k])
			continue;
		curn = 0;
		for (i = 0; i < n; i++) {
			if (b[i].lo <= lo && hi <= b[i].hi)
				cur[curn++] = b[i].pfx;
		}
		curn = prefixes_aggregate(cur, curn);
		if (prev_hi + 1 == lo && prefixes_equal(prev, prevn, cur, curn)) {
			prev_hi = hi;
			continue;
		}
		r = emit_ports(out, b[0].proto, prev, prevn, prev_lo, prev_hi);
		tmp = prev;
		prev = cur;
		cur = tmp;
		prevn = curn;
		prev_lo = lo;
		prev_hi = hi;
	}
	if (r == 0)
		r = emit_ports(out, b[0].proto, prev, prevn, prev_lo, prev_hi);
out:
	free(pts);
	free(cur);
	free(prev);
	return r;
}

/* Boxes under different maximal prefixes never meet, so the port axis is
 * cut per maximal prefix only (a cluster: a head and the boxes inside it);
 * then prefixes that share a protocol and a port range are aggregated once
 * more. */
int ports_disjoint(struct box_list *in, struct box_list *ret)
{
	struct box_list pieces = { 0 };
	size_t i, j;
	int r = 0;

	if (in->count)
		qsort(in->items, in->count, sizeof(*in->items), cmp_box_addr);
	for (i = 0; i < in->count && r == 0; i = j) {
		const struct box *head = &in->items[i];

		for (j = i + 1; j < in->count; j++) {
			if (in->items[j].proto != head->proto || !prefix_contains(&head->pfx, &in->items[j].pfx))
				break;
		}
		r = split_cluster(head, j - i, &pieces);
	}
	if (pieces.count)
		qsort(pieces.items, pieces.count, sizeof(*pieces.items), cmp_box_ports);
	for (i = 0; i < pieces.count && r == 0; i = j) {
		struct box *run = &pieces.items[i];
		struct prefix *p;
		size_t n, k;

		for (j = i + 1; j < pieces.count; j++) {
			if (pieces.items[j].proto != run->proto || pieces.items[j].lo != run->lo ||
			    pieces.items[j].hi != run->hi)
				break;
		}
		p = calloc(j - i, sizeof(*p));
		if (!p) {
			r = -ENOMEM;
			break;
		}
		for (k = 0; k < j - i; k++)
			p[k] = run[k].pfx;
		n = prefixes_aggregate(p, j - i);
		r = emit_ports(ret, run->proto, p, n, run->lo, run->hi);
		free(p);
	}
	box_list_release(&pieces);
	return r;
}

int addresses_disjoint(struct box_list *in, bool by_proto, struct box_list *ret)
{
	size_t i, j, k, n;
	int r = 0;

	if (in->count)
		qsort(in->items, in->count, sizeof(*in->items), cmp_box_addr);
	for (i = 0; i < in->count && r == 0; i = j) {
		struct prefix *p;

		for (j = i + 1; j < in->count; j++) {
			if (by_proto && in->items[j].proto != in->items[i].proto)
				break;
		}
		p = calloc(j - i, sizeof(*p));
		if (!p)
			return -ENOMEM;
		for (k = 0; k < j - i; k++)
			p[k] = in->items[i + k].pfx;
		n = prefixes_aggregate(p, j - i);
		r = emit_ports(ret, by_proto ? in->items[i].proto : BH_PROTO_ALL, p, n, 0, 0);
		free(p);
	}
	return r;
}

static int cmp_box_prefix_proto(const void *a, const void *b)
{
	const struct box *x = a, *y = b;
	int r = prefix_cmp(&x->pfx, &y->pfx);

	if (r)
		return r;
	return (x->proto > y->proto) - (x->proto < y->proto);
}

/* One past the last of all (sorted, disjoint) that starts at or before
 * addr: the only one that can hold a prefix starting there. */
static size_t all_before(const struct box_list *all, uint32_t addr)
{
	size_t lo = 0, hi = all->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (all->items[mid].pfx.addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;  /* 0: none */
}

int boxes_around_all(const struct box_list *in, const struct box_list *all, int lo, int hi,
		     struct box_list *ret_kept, struct box_list *ret_joins)
{
	size_t i, k, n;
	int r = 0;

	for (i = 0; i < in->count && r == 0; i++) {
		const struct box *b = &in->items[i];
		uint32_t last = b->pfx.addr | ~prefix_mask(b->pfx.len);

		k = all_before(all, b->pfx.addr);
		if (k > 0 && prefix_contains(&all->items[k - 1].pfx, &b->pfx))
			continue;
		r = box_list_push(ret_kept, b);
		/* all are disjoint and none holds b: the ones that meet b lie
		 * inside it, from its first address on */
		for (k = k > 0 && all->items[k - 1].pfx.addr == b->pfx.addr ? k - 1 : k;
		     k < all->count && all->items[k].pfx.addr <= last && r == 0; k++) {
			struct box j = { .pfx = all->items[k].pfx, .proto = b->proto, .lo = lo, .hi = hi };

			if (prefix_contains(&b->pfx, &j.pfx))
				r = box_list_push(ret_joins, &j);
		}
	}
	if (r < 0 || ret_joins->count == 0)
		return r;
	qsort(ret_joins->items, ret_joins->count, sizeof(*ret_joins->items), cmp_box_prefix_proto);
	for (i = 1, n = 1; i < ret_joins->count; i++) {
		if (cmp_box_prefix_proto(&ret_joins->items[i], &ret_joins->items[n - 1]) != 0)
			ret_joins->items[n++] = ret_joins->items[i];
	}
	ret_joins->count = n;
	return 0;
}
