/* intervals.h - the interval arithmetic behind the compiler's nft sets:
 * IPv4 prefixes merged, port ranges split and joined, into disjoint elements. */
#ifndef BH_POLICY_INTERVALS_H
#define BH_POLICY_INTERVALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 prefix in host byte order, host bits zero. */
struct prefix {
	uint32_t addr;
	unsigned len;
};

/* One allowed (address, protocol, port range) box of a group's rules. For
 * ICMP type rules lo/hi carry the type and the code (-1: any code). */
struct box {
	struct prefix pfx;
	int proto;
	int lo, hi;
};

/* A growable array of boxes; zero-initialised it is empty. */
struct box_list {
	struct box *items;
	size_t count, cap;
};

/* Append a copy of b. 0 or -ENOMEM (l unchanged). */
int box_list_push(struct box_list *l, const struct box *b);

/* Free the items and leave l empty, ready for reuse. */
void box_list_release(struct box_list *l);

/* qsort comparator for struct prefix: by address, then shorter first, so
 * a prefix comes before every prefix inside it. */
int prefix_cmp(const void *a, const void *b);

/* Make p[0..n) the fewest prefixes covering the same addresses: drop the
 * ones inside others, join sibling halves. Sorts p in place and returns
 * the new count; p[0..count) is sorted and pairwise disjoint, which is
 * what interval sets need. n may be 0. */
size_t prefixes_aggregate(struct prefix *p, size_t n);

/* Turn port boxes (any overlap) into pairwise disjoint ones covering
 * exactly the same (address, protocol, port) points, appended to ret:
 * nft refuses a concatenated interval element whose first or last point
 * lies in another element. The port axis is cut only within each
 * outermost prefix; equal neighbouring pieces are joined, and prefixes
 * sharing a protocol and a port range are aggregated. Sorts in->items.
 * 0 or -ENOMEM (ret may then hold part of the result; release it). */
int ports_disjoint(struct box_list *in, struct box_list *ret);

/* The aggregated prefixes of in, per protocol when by_proto (sorted by
 * protocol), else as one run with proto BH_PROTO_ALL; appended to ret
 * with lo = hi = 0. Sorts in->items. 0 or -ENOMEM (ret may then hold
 * part of the result; release it). */
int addresses_disjoint(struct box_list *in, bool by_proto, struct box_list *ret);

#endif
