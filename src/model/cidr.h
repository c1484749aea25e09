/* cidr.h - IPv4 and IPv6 prefixes: parsing with located errors, formatting,
 * containment and overlap. Pure: no I/O. */
#ifndef BH_CIDR_H
#define BH_CIDR_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/diag.h"

#define BH_CIDR_STR 64  /* room for the longest IPv6 prefix text */

struct cidr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network byte order; IPv4 uses the first 4 bytes */
	unsigned prefix;   /* 0..32 or 0..128 */
};

/* Parse "a.b.c.d/n" or an IPv6 "x::y/n". family is AF_INET, AF_INET6 or
 * AF_UNSPEC (either). Host bits must be zero. On error fills d with
 * InvalidParameterValue naming `what` (the parameter) and returns -EINVAL. */
int cidr_parse(const char *s, int family, const char *what, struct cidr *ret, struct diag *d);

/* Canonical text: "10.0.0.0/16", "2001:db8::/32". */
void cidr_format(const struct cidr *c, char ret[BH_CIDR_STR]);

/* Is inner entirely inside outer (same family)? */
bool cidr_contains(const struct cidr *outer, const struct cidr *inner);

/* Do the two prefixes share any address (same family)? */
bool cidr_overlaps(const struct cidr *a, const struct cidr *b);

/* Number of addresses in an IPv4 prefix (2^(32-prefix)); 0 for IPv6. */
uint64_t cidr_ipv4_size(const struct cidr *c);

#endif
