/* alloc.h - picking what a new network interface gets: the lowest free
 * IPv4 address of a range given the addresses in use, and a random
 * locally administered MAC. Pure except for the random source. */
#ifndef BH_API_ALLOC_H
#define BH_API_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/cidr.h"
#include "model/resources.h"

/* An inclusive range of IPv4 addresses, host byte order. */
struct ipv4_range {
	uint32_t first;
	uint32_t last;
};

/* Addresses in use, host byte order; sorted by ipv4_set_add. */
BH_DEFINE_LIST(ipv4_set, uint32_t);

/* Strict dotted quad ("10.0.1.5"): 0 or -EINVAL. */
int ipv4_parse(const char *s, uint32_t *ret);
void ipv4_format(uint32_t addr, char ret[BH_IPV4_STR]);

/* The addresses of an IPv4 prefix without its first skip_low and last
 * skip_high ones. -EINVAL for IPv6 or when nothing is left. */
int ipv4_range_of(const struct cidr *c, unsigned skip_low, unsigned skip_high, struct ipv4_range *ret);

/* The same from a prefix's text (stored data, or a constant). */
int ipv4_range_parse(const char *cidr_text, unsigned skip_low, unsigned skip_high, struct ipv4_range *ret);

static inline bool ipv4_range_has(const struct ipv4_range *range, uint32_t addr)
{
	return addr >= range->first && addr <= range->last;
}

/* Add addr (a no-op if present), keeping the set sorted. 0 or -ENOMEM. */
int ipv4_set_add(struct ipv4_set *set, uint32_t addr);

/* Add the text address s if it parses; stored data that does not is
 * skipped (it cannot collide with an address this code hands out). */
int ipv4_set_add_text(struct ipv4_set *set, const char *s);

bool ipv4_set_has(const struct ipv4_set *set, uint32_t addr);

/* How many addresses of range are not in used. */
size_t ipv4_free_count(const struct ipv4_range *range, const struct ipv4_set *used);

/* The lowest address of range not in used, added to used. -ENOSPC when
 * none is left, -ENOMEM. */
int ipv4_alloc_lowest(const struct ipv4_range *range, struct ipv4_set *used, uint32_t *ret);

/* A random unicast, locally administered MAC: "02:xx:xx:xx:xx:xx" (the
 * first octet fixed, so it never looks like a vendor's). 0 or -errno. */
int mac_generate(char ret[BH_MAC_STR]);

#endif
