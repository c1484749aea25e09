/* cidr.c - strict parsing of IPv4/IPv6 prefixes as EC2 accepts them,
 * canonical formatting, and the containment/overlap tests built on them. */
#include "cidr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"

/* One spelling per prefix: EC2 refuses "010.0.0.0/8" and "+1", so do we. */
static int parse_decimal(const char *s, size_t len, unsigned max, unsigned *ret)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 3)
		return -EINVAL;
	if (len > 1 && s[0] == '0')
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* inet_pton(AF_INET) would do, but its leniency differs between libcs;
 * four explicit octets keep the rule in one place. */
static int parse_ipv4(const char *s, uint8_t ret[4])
{
	const char *p = s;
	unsigned v;
	int i;

	for (i = 0; i < 4; i++) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if ((i < 3) != (dot != NULL))
			return -EINVAL;
		if (parse_decimal(p, len, 255, &v) < 0)
			return -EINVAL;
		ret[i] = (uint8_t)v;
		p += len + 1;
	}
	return 0;
}

static bool host_bits_zero(const uint8_t *addr, unsigned bytes, unsigned prefix)
{
	unsigned i;

	for (i = prefix / 8; i < bytes; i++) {
		uint8_t mask = 0xff;

		if (i == prefix / 8)
			mask = (uint8_t)(0xff >> (prefix % 8));
		if (addr[i] & mask)
			return false;
	}
	return true;
}

/* Do a and b agree on their first `bits` bits? */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Structs built by hand (not by cidr_parse) must not make us read past addr. */
static bool cidr_well_formed(const struct cidr *c)
{
	return (c->family == AF_INET && c->prefix <= 32) ||
	       (c->family == AF_INET6 && c->prefix <= 128);
}

static int cidr_invalid(struct diag *d, const char *s, const char *what)
{
	/* s is untrusted: echo at most a CIDR's worth of it. */
	return diag_set(d, "InvalidParameterValue",
			"Value (%.*s) for parameter %s is invalid. This is not a valid CIDR block.",
			BH_CIDR_STR, s ? s : "", what ? what : "cidrBlock");
}

int cidr_parse(const char *s, int family, const char *what, struct cidr *ret, struct diag *d)
{
	char addr_text[BH_CIDR_STR];
	struct cidr c;
	const char *slash;
	size_t len, addr_len;
	unsigned max_prefix;
	int r = -EINVAL;

	memset(&c, 0, sizeof(c));
	if (!s || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6))
		goto out;
	len = strnlen(s, BH_CIDR_STR);
	if (len >= BH_CIDR_STR)
		goto out;
	slash = strchr(s, '/');
	if (!slash)
		goto out;
	addr_len = (size_t)(slash - s);
	memcpy(addr_text, s, addr_len);
	addr_text[addr_len] = '\0';

	if (strchr(addr_text, ':')) {
		c.family = AF_INET6;
		max_prefix = 128;
		if (inet_pton(AF_INET6, addr_text, c.addr) != 1)
			goto out;
	} else {
		c.family = AF_INET;
		max_prefix = 32;
		if (parse_ipv4(addr_text, c.addr) < 0)
			goto out;
	}
	if (family != AF_UNSPEC && family != c.family)
		goto out;
	if (parse_decimal(slash + 1, strlen(slash + 1), max_prefix, &c.prefix) < 0)
		goto out;
	if (!host_bits_zero(c.addr, max_prefix / 8, c.prefix))
		goto out;
	*ret = c;
	r = 0;
out:
	if (r < 0)
		cidr_invalid(d, s, what);
	return r;
}

void cidr_format(const struct cidr *c, char ret[BH_CIDR_STR])
{
	char addr[INET6_ADDRSTRLEN];

	ret[0] = '\0';
	if (c->family == AF_INET) {
		bh_snprintf(ret, BH_CIDR_STR, "%u.%u.%u.%u/%u", c->addr[0], c->addr[1], c->addr[2],
			    c->addr[3], c->prefix);
	} else if (c->family == AF_INET6) {
		if (!inet_ntop(AF_INET6, c->addr, addr, sizeof(addr)))
			return;
		bh_snprintf(ret, BH_CIDR_STR, "%s/%u", addr, c->prefix);
	}
}

bool cidr_contains(const struct cidr *outer, const struct cidr *inner)
{
	if (!cidr_well_formed(outer) || !cidr_well_formed(inner))
		return false;
	if (outer->family != inner->family || outer->prefix > inner->prefix)
		return false;
	return prefix_equal(outer->addr, inner->addr, outer->prefix);
}

bool cidr_overlaps(const struct cidr *a, const struct cidr *b)
{
	/* Two prefixes overlap exactly when the shorter one contains the longer. */
	if (!cidr_well_formed(a) || !cidr_well_formed(b) || a->family != b->family)
		return false;
	return prefix_equal(a->addr, b->addr, a->prefix < b->prefix ? a->prefix : b->prefix);
}

uint64_t cidr_ipv4_size(const struct cidr *c)
{
	if (c->family != AF_INET || !cidr_well_formed(c))
		return 0;
	return (uint64_t)1 << (32 - c->prefix);
}
