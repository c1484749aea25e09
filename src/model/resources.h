/* resources.h - the tenant-visible resources as plain structs, the shape
 * handlers fill from requests and the store saves. Pure data. */
#ifndef BH_RESOURCES_H
#define BH_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "lib/limits.h"
#include "model/cidr.h"

#define BH_AZ_NAME 48  /* region name (BH_REGION_NAME) plus a zone letter, with room */

struct vpc {
	char id[BH_MAX_ID];
	char cidr[BH_CIDR_STR];
	bool enable_dns_support;    /* EC2 default true */
	bool enable_dns_hostnames;  /* EC2 default false for non-default VPCs */
	char instance_tenancy[16];  /* "default" */
};

struct subnet {
	char id[BH_MAX_ID];
	char vpc_id[BH_MAX_ID];
	char cidr[BH_CIDR_STR];
	char availability_zone[BH_AZ_NAME];
	bool map_public_ip_on_launch;
	long used_ips;  /* addresses handed out (instances); 0 for now */
};

struct security_group {
	char id[BH_MAX_ID];
	char vpc_id[BH_MAX_ID];
	char name[BH_MAX_NAME + 1];
	char description[BH_MAX_NAME + 1];
	bool is_default;  /* the VPC's "default" group: cannot be deleted */
};

struct sg_rule {
	char id[BH_MAX_ID];        /* sgr-... */
	char group_id[BH_MAX_ID];
	bool egress;
	int proto;                 /* BH_PROTO_ALL or 0..255 */
	int from_port;             /* see struct port_spec */
	int to_port;
	/* exactly one of the three peers is set */
	char cidr_ipv4[BH_CIDR_STR];
	char cidr_ipv6[BH_CIDR_STR];
	char ref_group_id[BH_MAX_ID];
	char description[BH_MAX_NAME + 1];
};

struct tag {
	char resource_id[BH_MAX_ID];
	char key[BH_MAX_TAG_KEY + 1];
	char value[BH_MAX_TAG_VALUE + 1];
};

/* A growable array of one resource type, as returned by store list calls. */
#define BH_DEFINE_LIST(name, type)                                       \
	struct name {                                                    \
		type *items;                                             \
		size_t count;                                            \
		size_t cap;                                              \
	}

BH_DEFINE_LIST(vpc_list, struct vpc);
BH_DEFINE_LIST(subnet_list, struct subnet);
BH_DEFINE_LIST(sg_list, struct security_group);
BH_DEFINE_LIST(sg_rule_list, struct sg_rule);
BH_DEFINE_LIST(tag_list, struct tag);

/* Append one zeroed item and return it, or NULL when out of memory. The
 * list owns items; free with list_release. */
void *list_push_raw(void **items, size_t *count, size_t *cap, size_t item_size);
#define list_push(l) ((__typeof__((l)->items))list_push_raw((void **)&(l)->items, &(l)->count, &(l)->cap, sizeof(*(l)->items)))
#define list_release(l) do { free((l)->items); (l)->items = NULL; (l)->count = (l)->cap = 0; } while (0)

#endif
