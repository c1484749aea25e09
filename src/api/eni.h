/* eni.h - what the instance and network-interface handlers share about an
 * ENI: its security groups checked against its network, the addresses and
 * MAC a new one gets, the subnet's count of addresses in use, and its XML
 * in EC2's two shapes (inside an instance, and on its own). */
#ifndef BH_API_ENI_H
#define BH_API_ENI_H

#include <stdbool.h>

#include "api/alloc.h"
#include "api/request.h"
#include "model/resources.h"

/* How the shared public network is named in messages. */
#define ENI_PUBLIC_NET_NAME "the public network"

/* The network an interface lives in, as messages name it: the subnet id,
 * or ENI_PUBLIC_NET_NAME. */
const char *eni_network_name(const char *subnet_id);

/* Resolve the groups a request names, by id (ids) and by name (names),
 * into ret->group_ids / group_count. Every one must be a group of the
 * caller's (InvalidGroupId.Malformed, InvalidGroup.NotFound) in the
 * network vpc_id ("" for the public network; else InvalidParameter);
 * duplicates count once; more than BH_MAX_ENI_GROUPS is
 * SecurityGroupsPerInterfaceLimitExceeded. subnet_id only words messages.
 * groups holds all of the caller's groups. */
int eni_groups_resolve(struct request *r, const char *vpc_id, const char *subnet_id, const struct sg_list *groups,
		       const char *const *ids, size_t nids, const char *const *names, size_t nnames,
		       struct eni *ret);

/* Replace e's groups with those named by param.1, param.2 ...
 * (MissingParameter when none), resolved as above in e's network. */
int eni_groups_replace(struct request *r, const char *param, struct eni *e);

/* Set the subnet's used_ips to the number of the caller's ENIs in it, so
 * DescribeSubnets' AvailableIpAddressCount follows every launch and
 * termination ("" is the public network: nothing to count). */
int eni_subnet_recount(struct request *r, const char *subnet_id);

/* The addresses and MACs one launch hands out, picked together so they
 * never collide with each other or with what is in use. */
struct eni_addresses {
	bool public_net;                 /* the shared public network: the private address is public */
	bool want_public;                /* in a VPC: a public address from BH_ELASTIC_IP_POOL too */
	struct ipv4_range private_cidr;  /* the whole subnet (for "not in the subnet") */
	struct ipv4_range private_range; /* the addresses an instance may get */
	struct ipv4_set private_used;
	struct ipv4_range public_range;
	struct ipv4_set public_used;     /* every account's public addresses */
	struct eni_list macs;            /* the caller's ENIs and the ones planned, for MAC clashes */
};

/* Load what is in use for a launch into subnet sn (NULL: the public
 * network). Release with eni_addresses_release. */
int eni_addresses_load(struct request *r, const struct subnet *sn, bool want_public, struct eni_addresses *ret);
void eni_addresses_release(struct eni_addresses *a);

/* How many interfaces could still get addresses. */
size_t eni_addresses_free(const struct eni_addresses *a);

/* Give e its private address (wanted, checked: InvalidParameterValue when
 * malformed, outside the subnet or reserved, InvalidIPAddress.InUse when
 * taken; else the lowest free one), its public address if any, and a MAC
 * unique in the account. InsufficientFreeAddressesInSubnet /
 * InsufficientAddressCapacity when a range is exhausted. */
int eni_addresses_take(struct request *r, struct eni_addresses *a, const char *wanted, struct eni *e);

/* What an ENI's XML needs besides its row: all of the caller's groups
 * (for names), Elastic IPs (association ids) and tags. */
struct eni_view {
	const struct sg_list *groups;
	const struct address_list *addresses;
	const struct tag_list *tags;
};

/* The public address of e as EC2 shows it (an associated Elastic IP, else
 * its own public_ip), and the Elastic IP row if there is one. */
const char *eni_public_ip(const struct eni *e, const struct eni_view *v, const struct address **ret_eip);

/* <groupSet> of e, with each group's name. */
void eni_group_set_xml(struct request *r, const struct eni *e, const struct sg_list *groups);

enum eni_shape {
	ENI_SHAPE_INSTANCE,  /* InstanceNetworkInterface: inside DescribeInstances / RunInstances */
	ENI_SHAPE_FULL,      /* NetworkInterface: DescribeNetworkInterfaces */
};

/* The fields of one ENI item (the caller writes <item>). inst is the
 * instance it is attached to, or NULL. */
void eni_xml(struct request *r, const struct eni *e, const struct instance *inst, const struct eni_view *v,
	     enum eni_shape shape);

/* "ip-10-0-1-5.<region>.compute.internal", "" for an empty address. */
#define ENI_DNS_NAME 96
void eni_private_dns_name(const struct request *r, const char *ip, char ret[ENI_DNS_NAME]);

/* EC2's timestamps: "2024-05-01T12:00:00.000Z". */
#define API_TIME_ISO 32
void api_time_iso8601(long long unix_seconds, char ret[API_TIME_ISO]);

#endif
