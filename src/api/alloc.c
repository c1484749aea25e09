/* alloc.c - address picking for new network interfaces: IPv4 ranges and
 * sorted sets of addresses in use, lowest-free allocation, random MACs. */
#include "api/alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "lib/crypto.h"

int ipv4_parse(const char *s, uint32_t *ret)
{
	struct in_addr a;

	/* inet_pton takes exactly four decimal parts, no leading zeros beyond
	 * one digit, nothing after: what EC2 accepts for an address. */
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ret = ntohl(a.s_addr);
	return 0;
}

void ipv4_format(uint32_t addr, char ret[BH_IPV4_STR])
{
	bh_snprintf(ret, BH_IPV4_STR, "%u.%u.%u.%u", (unsigned)(addr >> 24) & 0xff, (unsigned)(addr >> 16) & 0xff,
		    (unsigned)(addr >> 8) & 0xff, (unsigned)addr & 0xff);
}

int ipv4_range_of(const struct cidr *c, unsigned skip_low, unsigned skip_high, struct ipv4_range *ret)
{
	uint64_t size, first;

	if (c->family != AF_INET || c->prefix > 32)
		return -EINVAL;
	size = cidr_ipv4_size(c);
	if (size <= (uint64_t)skip_low + skip_high)
		return -EINVAL;
	first = ((uint64_t)c->addr[0] << 24) | ((uint64_t)c->addr[1] << 16) | ((uint64_t)c->addr[2] << 8) | c->addr[3];
	ret->first = (uint32_t)(first + skip_low);
	ret->last = (uint32_t)(first + size - 1 - skip_high);
	return 0;
}

int ipv4_range_parse(const char *cidr_text, unsigned skip_low, unsigned skip_high, struct ipv4_range *ret)
{
	struct diag scratch;
	struct cidr c;

	/* A local diag: a stored prefix that fails to parse is an internal
	 * error, not the request's. */
	diag_init(&scratch);
	if (cidr_parse(cidr_text, AF_INET, "cidr", &c, &scratch) < 0)
		return -EINVAL;
	return ipv4_range_of(&c, skip_low, skip_high, ret);
}

/* Index of the first element not below addr. */
static size_t lower_bound(const struct ipv4_set *set, uint32_t addr)
{
	size_t lo = 0, hi = set->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->items[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool ipv4_set_has(const struct ipv4_set *set, uint32_t addr)
{
	size_t i = lower_bound(set, addr);

	return i < set->count && set->items[i] == addr;
}

int ipv4_set_add(struct ipv4_set *set, uint32_t addr)
{
	size_t i = lower_bound(set, addr);

	if (i < set->count && set->items[i] == addr)
		return 0;
	if (!list_push(set))
		return -ENOMEM;
	memmove(&set->items[i + 1], &set->items[i], (set->count - 1 - i) * sizeof(set->items[0]));
	set->items[i] = addr;
	return 0;
}

int ipv4_set_add_text(struct ipv4_set *set, const char *s)
{
	uint32_t addr;

	if (!s || !*s || ipv4_parse(s, &addr) < 0)
		return 0;
	return ipv4_set_add(set, addr);
}

size_t ipv4_free_count(const struct ipv4_range *range, const struct ipv4_set *used)
{
	size_t total = (size_t)range->last - range->first + 1, taken = 0, i;

	for (i = lower_bound(used, range->first); i < used->count && used->items[i] <= range->last; i++)
		taken++;
	return total - taken;
}

int ipv4_alloc_lowest(const struct ipv4_range *range, struct ipv4_set *used, uint32_t *ret)
{
	uint64_t addr = range->first;
	size_t i = lower_bound(used, range->first);

	/* Walk the range and the sorted set together: the first gap wins. */
	while (addr <= range->last && i < used->count && used->items[i] == addr) {
		addr++;
		i++;
	}
	if (addr > range->last)
		return -ENOSPC;
	*ret = (uint32_t)addr;
	return ipv4_set_add(used, *ret);
}

int mac_generate(char ret[BH_MAC_STR])
{
	uint8_t raw[5];
	int rc;

	rc = bh_random(raw, sizeof(raw));
	if (rc < 0)
		return rc;
	/* 0x02: the locally administered bit set, the multicast bit clear. */
	return bh_snprintf(ret, BH_MAC_STR, "02:%02x:%02x:%02x:%02x:%02x", raw[0], raw[1], raw[2], raw[3], raw[4]);
}
