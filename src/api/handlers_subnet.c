/* handlers_subnet.c - the subnet family: CreateSubnet (placement in the VPC's
 * block and a zone), DescribeSubnets, DeleteSubnet, ModifySubnetAttribute. */
#include "api/handlers.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "api/api.h"
#include "api/describe.h"
#include "api/xml.h"
#include "model/cidr.h"
#include "model/ids.h"

/* EC2's bounds on a subnet's IPv4 block. */
#define SUBNET_MIN_PREFIX 16
#define SUBNET_MAX_PREFIX 28

/* EC2 keeps the network, router, DNS, future and broadcast addresses. */
#define SUBNET_RESERVED_IPS 5

#define ZONE_ID_LEN BH_AZ_NAME
#define SUBNET_ARN_LEN 128

static const char *const subnet_filters[] = {
	"subnet-id", "vpc-id", "cidr-block", "cidr", "cidrBlock", "availability-zone", "availabilityZone",
	"availability-zone-id", "available-ip-address-count", "availableIpAddressCount", "default-for-az",
	"defaultForAz", "map-public-ip-on-launch", "state", "owner-id", "subnet-arn", NULL,
};

/* Must agree with DescribeAvailabilityZones (handlers_region.c): zone "a"
 * is "<region>-az1". */
static void zone_id(const struct api_config *cfg, size_t i, char ret[ZONE_ID_LEN])
{
	bh_snprintf(ret, ZONE_ID_LEN, "%s-az%zu", cfg->region, i + 1);
}

/* The zone id of a stored zone name; "" if the region was renamed since. */
static void zone_id_of(const struct api_config *cfg, const char *zone_name, char ret[ZONE_ID_LEN])
{
	size_t i;

	ret[0] = '\0';
	for (i = 0; i < BH_ZONE_COUNT; i++) {
		char name[BH_AZ_NAME];

		api_zone_name(cfg, i, name);
		if (strcmp(name, zone_name) == 0)
			zone_id(cfg, i, ret);
	}
}

static long long subnet_available_ips(const struct subnet *sn)
{
	struct diag scratch;
	struct cidr c;
	long long n;

	/* A local diag: stored data failing to parse must not become the
	 * request's error message. */
	diag_init(&scratch);
	if (cidr_parse(sn->cidr, AF_INET, "cidrBlock", &c, &scratch) < 0)
		return 0;
	n = (long long)cidr_ipv4_size(&c) - SUBNET_RESERVED_IPS - sn->used_ips;
	return n < 0 ? 0 : n;
}

static void subnet_arn(const struct request *r, const struct subnet *sn, char ret[SUBNET_ARN_LEN])
{
	bh_snprintf(ret, SUBNET_ARN_LEN, "arn:aws:ec2:%s:%s:subnet/%s", r->cfg->region, r->account_id, sn->id);
}

static void subnet_xml(struct request *r, const struct subnet *sn, const struct tag_list *tags)
{
	char arn[SUBNET_ARN_LEN], zid[ZONE_ID_LEN];

	subnet_arn(r, sn, arn);
	zone_id_of(r->cfg, sn->availability_zone, zid);
	xml_text(r->out, "subnetId", sn->id);
	xml_text(r->out, "subnetArn", arn);
	xml_text(r->out, "state", "available");
	xml_text(r->out, "vpcId", sn->vpc_id);
	xml_text(r->out, "cidrBlock", sn->cidr);
	xml_open(r->out, "ipv6CidrBlockAssociationSet");
	xml_close(r->out, "ipv6CidrBlockAssociationSet");
	xml_long(r->out, "availableIpAddressCount", subnet_available_ips(sn));
	xml_text(r->out, "availabilityZone", sn->availability_zone);
	xml_text(r->out, "availabilityZoneId", zid);
	xml_bool(r->out, "defaultForAz", false);
	xml_bool(r->out, "mapPublicIpOnLaunch", sn->map_public_ip_on_launch);
	xml_bool(r->out, "mapCustomerOwnedIpOnLaunch", false);
	xml_bool(r->out, "assignIpv6AddressOnCreation", false);
	xml_bool(r->out, "enableDns64", false);
	xml_bool(r->out, "ipv6Native", false);
	xml_text(r->out, "ownerId", r->account_id);
	xml_tag_set(r->out, tags, sn->id);
}

static void subnet_fields(struct request *r, const struct subnet *sn, const struct tag_list *tags,
			  struct fieldset *fs, char arn[SUBNET_ARN_LEN], char zid[ZONE_ID_LEN])
{
	long long avail = subnet_available_ips(sn);

	subnet_arn(r, sn, arn);
	zone_id_of(r->cfg, sn->availability_zone, zid);
	fieldset_init(fs, tags, sn->id);
	fieldset_add(fs, "subnet-id", sn->id);
	fieldset_add(fs, "vpc-id", sn->vpc_id);
	fieldset_add(fs, "cidr-block", sn->cidr);
	fieldset_add(fs, "cidr", sn->cidr);
	fieldset_add(fs, "cidrBlock", sn->cidr);
	fieldset_add(fs, "availability-zone", sn->availability_zone);
	fieldset_add(fs, "availabilityZone", sn->availability_zone);
	fieldset_add(fs, "availability-zone-id", zid);
	fieldset_add_long(fs, "available-ip-address-count", avail);
	fieldset_add_long(fs, "availableIpAddressCount", avail);
	fieldset_add_bool(fs, "default-for-az", false);
	fieldset_add_bool(fs, "defaultForAz", false);
	fieldset_add_bool(fs, "map-public-ip-on-launch", sn->map_public_ip_on_launch);
	fieldset_add(fs, "state", "available");
	fieldset_add(fs, "owner-id", r->account_id);
	fieldset_add(fs, "subnet-arn", arn);
}

static int subnet_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidSubnetID.NotFound", "The subnet ID '%.64s' does not exist", id);
}

int subnet_param_get(struct request *r, struct subnet *ret)
{
	const char *id;
	int rc;

	rc = id_param_parse(r, "SubnetId", "subnet", "InvalidSubnetID.Malformed", &id);
	if (rc < 0)
		return rc;
	rc = store_subnet_get(r->tx, id, ret);
	if (rc == -ENOENT)
		return subnet_not_found(r, id);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

static int zone_invalid(struct request *r, const char *param, const char *value)
{
	char a[BH_AZ_NAME], b[BH_AZ_NAME];

	/* The message lists the zones, as EC2's does; it is written for two. */
	_Static_assert(BH_ZONE_COUNT == 2, "the zone list below names two zones");
	api_zone_name(r->cfg, 0, a);
	api_zone_name(r->cfg, 1, b);
	return diag_set(&r->diag, "InvalidParameterValue",
			"Value (%.64s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s, %s.",
			value, param, a, b);
}

/* Pick the zone from AvailabilityZone / AvailabilityZoneId (zone "a" when
 * neither is given); both may be given if they name the same zone. */
static int subnet_zone_pick(struct request *r, char ret[BH_AZ_NAME])
{
	const char *name = params_get(&r->params, "AvailabilityZone");
	const char *id = params_get(&r->params, "AvailabilityZoneId");
	size_t i, zone, by_name = BH_ZONE_COUNT, by_id = BH_ZONE_COUNT;

	for (i = 0; i < BH_ZONE_COUNT; i++) {
		char zname[BH_AZ_NAME], zid[ZONE_ID_LEN];

		api_zone_name(r->cfg, i, zname);
		zone_id(r->cfg, i, zid);
		if (name && strcmp(name, zname) == 0)
			by_name = i;
		if (id && strcmp(id, zid) == 0)
			by_id = i;
	}
	if (name && by_name == BH_ZONE_COUNT)
		return zone_invalid(r, "availabilityZone", name);
	if (id && by_id == BH_ZONE_COUNT)
		return zone_invalid(r, "availabilityZoneId", id);
	if (name && id && by_name != by_id)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"The availability zone '%.64s' does not have the id '%.64s'", name, id);
	zone = 0;
	if (name)
		zone = by_name;
	else if (id)
		zone = by_id;
	api_zone_name(r->cfg, zone, ret);
	return 0;
}

/* The subnet's block must lie inside the VPC's and overlap no sibling. */
static int subnet_check_placement(struct request *r, const struct vpc *v, const struct cidr *c,
				  const char *cidr_text, const struct subnet_list *all)
{
	struct diag scratch;
	struct cidr vc;
	size_t i, siblings = 0;

	diag_init(&scratch);
	if (cidr_parse(v->cidr, AF_INET, "cidrBlock", &vc, &scratch) < 0)
		return request_store_error(r, -EINVAL);
	if (c->prefix < SUBNET_MIN_PREFIX || c->prefix > SUBNET_MAX_PREFIX || !cidr_contains(&vc, c))
		return diag_set(&r->diag, "InvalidSubnet.Range", "The CIDR '%.64s' is invalid.", cidr_text);
	for (i = 0; i < all->count; i++) {
		const struct subnet *sn = &all->items[i];
		struct cidr sc;

		if (strcmp(sn->vpc_id, v->id) != 0)
			continue;
		siblings++;
		if (cidr_parse(sn->cidr, AF_INET, "cidrBlock", &sc, &scratch) < 0)
			return request_store_error(r, -EINVAL);
		if (cidr_overlaps(&sc, c))
			return diag_set(&r->diag, "InvalidSubnet.Conflict",
					"The CIDR '%.64s' conflicts with another subnet", cidr_text);
	}
	if (siblings >= BH_MAX_SUBNETS_PER_VPC)
		return diag_set(&r->diag, "SubnetLimitExceeded",
				"The maximum number of subnets for the vpc '%s' has been reached.", v->id);
	return 0;
}

int handle_create_subnet(struct request *r)
{
	const char *vpc_id = params_get(&r->params, "VpcId");
	const char *cidr_text = params_get(&r->params, "CidrBlock");
	struct subnet_list all = { 0 };
	struct tag_list tags = { 0 };
	struct subnet sn = { 0 };
	struct vpc v;
	struct cidr c;
	int rc;

	if (!vpc_id || !*vpc_id) {
		rc = diag_set(&r->diag, "MissingParameter", "The request must contain the parameter VpcId");
		goto out;
	}
	request_note_resource(r, vpc_id);
	if (!cidr_text || !*cidr_text) {
		rc = diag_set(&r->diag, "MissingParameter", "The request must contain the parameter CidrBlock");
		goto out;
	}
	if (!id_is_valid(vpc_id, "vpc")) {
		rc = diag_set(&r->diag, "InvalidVpcID.Malformed", "Invalid id: \"%.64s\"", vpc_id);
		goto out;
	}
	rc = cidr_parse(cidr_text, AF_INET, "cidrBlock", &c, &r->diag);
	if (rc < 0)
		goto out;
	rc = subnet_zone_pick(r, sn.availability_zone);
	if (rc < 0)
		goto out;
	rc = store_vpc_get(r->tx, vpc_id, &v);
	if (rc == -ENOENT) {
		rc = diag_set(&r->diag, "InvalidVpcID.NotFound", "The vpc ID '%.64s' does not exist", vpc_id);
		goto out;
	}
	if (rc == 0)
		rc = store_subnet_list(r->tx, &all);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	rc = subnet_check_placement(r, &v, &c, cidr_text, &all);
	if (rc < 0)
		goto out;

	rc = id_generate("subnet", sn.id);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	bh_strlcpy(sn.vpc_id, v.id, sizeof(sn.vpc_id));
	cidr_format(&c, sn.cidr);
	sn.map_public_ip_on_launch = false;
	sn.used_ips = 0;
	rc = store_subnet_insert(r->tx, &sn);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	request_note_resource(r, sn.id);
	rc = tag_specs_apply(r, "subnet", sn.id);
	if (rc < 0)
		goto out;
	rc = store_tag_list(r->tx, sn.id, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_open(r->out, "subnet");
	subnet_xml(r, &sn, &tags);
	xml_close(r->out, "subnet");
out:
	list_release(&all);
	list_release(&tags);
	return rc;
}

int handle_describe_subnets(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	struct subnet_list all = { 0 };
	struct tag_list tags = { 0 };
	size_t nids = 0, i;
	const char *missing;
	struct paging pg;
	struct filters fl;
	int rc;

	rc = describe_ids_parse(r, "SubnetId", "subnet", "InvalidSubnetID.Malformed", ids, &nids);
	if (rc < 0)
		goto out;
	rc = filters_parse(r, subnet_filters, &fl);
	if (rc < 0)
		goto out;
	rc = paging_parse(r, BH_MIN_RESULTS, BH_MAX_RESULTS, &pg);
	if (rc < 0)
		goto out;
	rc = describe_ids_unpaged(r, nids, params_get(&r->params, "MaxResults") != NULL, "subnetIds");
	if (rc < 0)
		goto out;

	rc = store_subnet_list(r->tx, &all);
	if (rc == 0)
		rc = store_tag_list(r->tx, NULL, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	missing = ids_first_missing(ids, nids, all.items, all.count, sizeof(*all.items), offsetof(struct subnet, id));
	if (missing) {
		rc = subnet_not_found(r, missing);
		goto out;
	}

	xml_open(r->out, "subnetSet");
	for (i = 0; i < all.count; i++) {
		const struct subnet *sn = &all.items[i];
		char arn[SUBNET_ARN_LEN], zid[ZONE_ID_LEN];
		struct fieldset fs;

		if (nids && !ids_contain(ids, nids, sn->id))
			continue;
		subnet_fields(r, sn, &tags, &fs, arn, zid);
		if (!filters_match(&fl, &fs))
			continue;
		if (!paging_take(&pg, sn->id))
			continue;
		xml_open(r->out, "item");
		subnet_xml(r, sn, &tags);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "subnetSet");
	paging_write_token(r, &pg);
out:
	list_release(&all);
	list_release(&tags);
	return rc;
}

/* Any network interface in the subnet (an instance's) keeps it, whatever
 * used_ips says. Terminated instances have none and keep nothing. */
static int subnet_check_enis(struct request *r, const struct subnet *sn)
{
	struct eni_list enis = { 0 };
	size_t i;
	int rc;

	rc = store_eni_list(r->tx, &enis);
	if (rc < 0)
		return request_store_error(r, rc);
	for (i = 0; i < enis.count && rc == 0; i++)
		if (strcmp(enis.items[i].subnet_id, sn->id) == 0)
			rc = diag_set(&r->diag, "DependencyViolation",
				      "The subnet '%s' has dependencies and cannot be deleted.", sn->id);
	list_release(&enis);
	return rc;
}

int handle_delete_subnet(struct request *r)
{
	struct subnet sn;
	int rc;

	rc = subnet_param_get(r, &sn);
	if (rc < 0)
		return rc;
	/* Addresses in use belong to instances that would lose their network. */
	if (sn.used_ips > 0)
		return diag_set(&r->diag, "DependencyViolation",
				"The subnet '%s' has dependencies and cannot be deleted.", sn.id);
	rc = subnet_check_enis(r, &sn);
	if (rc < 0)
		return rc;
	/* Its explicit route-table association goes with it, as in EC2. */
	rc = rtb_subnet_disassociate(r, sn.id);
	if (rc < 0)
		return rc;
	rc = store_tag_delete_resource(r->tx, sn.id);
	if (rc == 0)
		rc = store_subnet_delete(r->tx, sn.id);
	if (rc < 0)
		return request_store_error(r, rc);
	xml_bool(r->out, "return", true);
	return 0;
}

/* Boolean subnet attributes this endpoint has no feature behind: each is
 * always false, so setting it false is accepted as a no-op (clients such as
 * Terraform send them explicitly) and setting it true is InvalidParameterValue. */
static const char *const subnet_fixed_false_attrs[] = {
	"AssignIpv6AddressOnCreation", "MapCustomerOwnedIpOnLaunch", "EnableDns64",
	"EnableResourceNameDnsARecordOnLaunch", "EnableResourceNameDnsAAAARecordOnLaunch", NULL,
};

int handle_modify_subnet_attribute(struct request *r)
{
	const char *map_public = params_get(&r->params, "MapPublicIpOnLaunch.Value");
	const char *hostname_type = params_get(&r->params, "PrivateDnsHostnameTypeOnLaunch");
	const char *const *a;
	struct subnet sn;
	size_t named = 0;
	bool value = false;
	int rc;

	rc = subnet_param_get(r, &sn);
	if (rc < 0)
		return rc;
	named += map_public != NULL;
	named += hostname_type != NULL;
	for (a = subnet_fixed_false_attrs; *a; a++)
		named += params_getf(&r->params, "%s.Value", *a) != NULL;
	if (named != 1)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"Exactly one subnet attribute must be specified");

	for (a = subnet_fixed_false_attrs; *a; a++) {
		char name[64];

		bh_snprintf(name, sizeof(name), "%s.Value", *a);
		rc = params_bool(&r->params, name, &value, &r->diag);
		if (rc < 0)
			return rc;
		if (value)
			return diag_set(&r->diag, "InvalidParameterValue", "The attribute %s is not supported by this endpoint",
					*a);
	}
	/* Instances are named by IP; "ip-name" is therefore the only type. */
	if (hostname_type && strcmp(hostname_type, "ip-name") != 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.64s) for parameter PrivateDnsHostnameTypeOnLaunch is invalid. Only 'ip-name' is supported.",
				hostname_type);
	if (map_public) {
		rc = params_bool(&r->params, "MapPublicIpOnLaunch.Value", &sn.map_public_ip_on_launch, &r->diag);
		if (rc < 0)
			return rc;
		rc = store_subnet_update(r->tx, &sn);
		if (rc < 0)
			return request_store_error(r, rc);
	}
	xml_bool(r->out, "return", true);
	return 0;
}
