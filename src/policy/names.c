/* names.c - the kernel names of a VPC's namespace, links and instances,
 * derived from resource ids so the agent and the compiler agree on them. */
#include "compile.h"

#include <stdbool.h>
#include <string.h>

#include "lib/buf.h"

/* IFNAMSIZ is 16: a 3-letter prefix and 12 digits of the id. */
#define IFNAME_ID_DIGITS 12

static bool is_name_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

/* The part of an id after its prefix ("0a1b…" of "vpc-0a1b…", "public" of
 * "vpc-public"), at most max characters, keeping only [0-9a-z] so that no
 * id, however malformed, can put a quote or a space into nft text or a
 * path. */
static void id_suffix(const char *id, size_t max, char *ret, size_t size)
{
	const char *dash = id ? strchr(id, '-') : NULL;
	const char *p = dash ? dash + 1 : (id ? id : "");
	size_t n = 0;

	for (; *p && n < max && n + 1 < size; p++) {
		if (is_name_char(*p))
			ret[n++] = *p;
	}
	ret[n] = '\0';
}

/* "bh-" + prefix + "-" + suffix: the whole id, sanitised. */
static void netns_name(const char *id, const char *prefix, char ret[64])
{
	char hex[64];

	id_suffix(id, sizeof(hex) - 1, hex, sizeof(hex));
	bh_snprintf(ret, 64, "%s%s-%s", BH_NETNS_PREFIX, prefix, hex);
}

static void ifname(const char *prefix, const char *id, char ret[16])
{
	char hex[IFNAME_ID_DIGITS + 1];

	id_suffix(id, IFNAME_ID_DIGITS, hex, sizeof(hex));
	bh_snprintf(ret, 16, "%s%s", prefix, hex);
}

void vpc_netns_name(const char *vpc_id, char ret[64])
{
	netns_name(vpc_id, "vpc", ret);
}

void instance_netns_name(const char *instance_id, char ret[64])
{
	netns_name(instance_id, "i", ret);
}

void eni_router_ifname(const char *eni_id, char ret[16])
{
	ifname("bhe", eni_id, ret);
}

void igw_router_ifname(const char *vpc_id, char ret[16])
{
	ifname("bhg", vpc_id, ret);
}

void igw_internet_ifname(const char *vpc_id, char ret[16])
{
	ifname("bhx", vpc_id, ret);
}
