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


/* --- compute and networking (the agent's inputs) --- */

#define BH_IPV4_STR 16
#define BH_MAC_STR 18
#define BH_MAX_ENI_GROUPS 5  /* security groups per network interface, as EC2 */

/* EC2 instance states. The API writes the transitional ones (pending,
 * stopping, shutting-down); the agent writes the settled ones once the
 * kernel matches (running, stopped, terminated). */
#define BH_STATE_PENDING "pending"
#define BH_STATE_RUNNING "running"
#define BH_STATE_STOPPING "stopping"
#define BH_STATE_STOPPED "stopped"
#define BH_STATE_SHUTTING_DOWN "shutting-down"
#define BH_STATE_TERMINATED "terminated"

struct instance {
	char id[BH_MAX_ID];              /* i-... */
	char reservation_id[BH_MAX_ID];  /* r-... */
	char image_id[BH_MAX_ID];        /* ami-... (the built-in bulkhead-netns image) */
	char instance_type[32];
	char subnet_id[BH_MAX_ID];       /* "" in the shared public network */
	char vpc_id[BH_MAX_ID];          /* "" in the shared public network */
	char availability_zone[BH_AZ_NAME];
	char state[16];                  /* BH_STATE_* */
	char eni_id[BH_MAX_ID];          /* primary network interface */
	long long launch_time;           /* unix seconds */
	int launch_index;                /* amiLaunchIndex within its reservation */
	char client_token[65];
};

struct eni {
	char id[BH_MAX_ID];              /* eni-... */
	char subnet_id[BH_MAX_ID];       /* "" in the shared public network */
	char vpc_id[BH_MAX_ID];
	char instance_id[BH_MAX_ID];     /* "" when detached */
	char availability_zone[BH_AZ_NAME];
	char mac[BH_MAC_STR];            /* 02:xx:xx:xx:xx:xx, locally administered */
	char private_ip[BH_IPV4_STR];
	char public_ip[BH_IPV4_STR];     /* "" unless MapPublicIpOnLaunch, an EIP or the public network */
	bool source_dest_check;          /* EC2 default true */
	char description[BH_MAX_NAME + 1];
	char group_ids[BH_MAX_ENI_GROUPS][BH_MAX_ID];
	size_t group_count;
};

struct route_table {
	char id[BH_MAX_ID];              /* rtb-... */
	char vpc_id[BH_MAX_ID];
	/* Main when created; the main association (rtb_association.is_main) is
	 * authoritative, since ReplaceRouteTableAssociation moves it and the
	 * store never rewrites this flag. */
	bool is_main;
	int kernel_table;                /* Linux routing table number, unique per VPC (>= 100) */
};

/* A route's target: exactly one of gateway_id ("local" or igw-...),
 * instance_id or eni_id. */
struct route {
	char route_table_id[BH_MAX_ID];
	char destination[BH_CIDR_STR];
	char gateway_id[BH_MAX_ID];
	char instance_id[BH_MAX_ID];
	char eni_id[BH_MAX_ID];
	char origin[24];                 /* CreateRouteTable (local) or CreateRoute */
};

struct rtb_association {
	char id[BH_MAX_ID];              /* rtbassoc-... */
	char route_table_id[BH_MAX_ID];
	char subnet_id[BH_MAX_ID];       /* "" for the main association */
	bool is_main;
};

struct internet_gateway {
	char id[BH_MAX_ID];              /* igw-... */
	char vpc_id[BH_MAX_ID];          /* "" when detached */
};

struct address {
	char allocation_id[BH_MAX_ID];   /* eipalloc-... */
	char public_ip[BH_IPV4_STR];
	char association_id[BH_MAX_ID];  /* eipassoc-..., "" when not associated */
	char instance_id[BH_MAX_ID];
	char eni_id[BH_MAX_ID];
	char private_ip[BH_IPV4_STR];
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
BH_DEFINE_LIST(instance_list, struct instance);
BH_DEFINE_LIST(eni_list, struct eni);
BH_DEFINE_LIST(route_table_list, struct route_table);
BH_DEFINE_LIST(route_list, struct route);
BH_DEFINE_LIST(rtb_association_list, struct rtb_association);
BH_DEFINE_LIST(igw_list, struct internet_gateway);
BH_DEFINE_LIST(address_list, struct address);

/* Append one zeroed item and return it, or NULL when out of memory. The
 * list owns items; free with list_release. */
void *list_push_raw(void **items, size_t *count, size_t *cap, size_t item_size);
#define list_push(l) ((__typeof__((l)->items))list_push_raw((void **)&(l)->items, &(l)->count, &(l)->cap, sizeof(*(l)->items)))
#define list_release(l) do { free((l)->items); (l)->items = NULL; (l)->count = (l)->cap = 0; } while (0)

#endif
