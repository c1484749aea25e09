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

/* One allowed (address, protocol, port range) box of a group's rules.
 * lo..hi is what the compiler's key reads for the protocol: a TCP/UDP
 * destination port range, an ICMP type << 8 | code range, the whole range
 * for other protocols. */
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

/* Whether inner lies inside outer (or is it). */
bool prefix_contains(const struct prefix *outer, const struct prefix *inner);

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

/* Ready boxes of one protocol each (in) to share an interval set with
 * all-protocol prefixes (all: disjoint and sorted, as addresses_disjoint
 * makes them) without overlapping them. A box inside one of all is left
 * out (that prefix allows it already); the others are appended to
 * ret_kept, and for each prefix of all inside such a box, a box of that
 * prefix, the box's protocol and the whole port range lo..hi (a join) to
 * ret_joins. Cut with the protocol's boxes, a join carries the protocol
 * for its prefix, so that prefix's all-protocol elements leave the
 * protocol out. ret_joins comes out sorted by prefix, then protocol, one
 * join per pair. 0 or -ENOMEM (release both lists). */
int boxes_around_all(const struct box_list *in, const struct box_list *all, int lo, int hi,
		     struct box_list *ret_kept, struct box_list *ret_joins);

#endif
