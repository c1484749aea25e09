/* handlers_vpc.c - the VPC family: CreateVpc (with its default security
 * group), DescribeVpcs, DeleteVpc and the VPC's DNS attributes. */
#include "api/handlers.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "api/describe.h"
#include "api/xml.h"
#include "model/cidr.h"
#include "model/ids.h"

/* EC2's bounds on a VPC's primary IPv4 block. */
#define VPC_MIN_PREFIX 16
#define VPC_MAX_PREFIX 28

/* "vpc-cidr-assoc-" plus the VPC id's hex digits. */
#define VPC_ASSOC_ID_LEN 48

static const char *const vpc_filters[] = {
	"vpc-id", "cidr", "cidr-block-association.cidr-block", "cidr-block-association.association-id",
	"cidr-block-association.state", "state", "is-default", "isDefault", "owner-id", "dhcp-options-id",
	"instance-tenancy", NULL,
};

/* The store keeps one IPv4 block per VPC and no association rows; deriving
 * the association id from the VPC id keeps it stable from call to call. */
static void vpc_cidr_assoc_id(const struct vpc *v, char ret[VPC_ASSOC_ID_LEN])
{
	const char *dash = strchr(v->id, '-');

	bh_snprintf(ret, VPC_ASSOC_ID_LEN, "vpc-cidr-assoc-%s", dash ? dash + 1 : v->id);
}

static void vpc_xml(struct request *r, const struct vpc *v, const struct tag_list *tags)
{
	char assoc[VPC_ASSOC_ID_LEN];

	vpc_cidr_assoc_id(v, assoc);
	xml_text(r->out, "vpcId", v->id);
	xml_text(r->out, "ownerId", r->account_id);
	xml_text(r->out, "state", "available");
	xml_text(r->out, "cidrBlock", v->cidr);
	xml_open(r->out, "cidrBlockAssociationSet");
	xml_open(r->out, "item");
	xml_text(r->out, "associationId", assoc);
	xml_text(r->out, "cidrBlock", v->cidr);
	xml_open(r->out, "cidrBlockState");
	xml_text(r->out, "state", "associated");
	xml_close(r->out, "cidrBlockState");
	xml_close(r->out, "item");
	xml_close(r->out, "cidrBlockAssociationSet");
	xml_text(r->out, "dhcpOptionsId", "default");
	xml_tag_set(r->out, tags, v->id);
	xml_text(r->out, "instanceTenancy", v->instance_tenancy);
	xml_bool(r->out, "isDefault", false);
}

static void vpc_fields(struct request *r, const struct vpc *v, const struct tag_list *tags, struct fieldset *fs,
		       char assoc[VPC_ASSOC_ID_LEN])
{
	vpc_cidr_assoc_id(v, assoc);
	fieldset_init(fs, tags, v->id);
	fieldset_add(fs, "vpc-id", v->id);
	fieldset_add(fs, "cidr", v->cidr);
	fieldset_add(fs, "cidr-block-association.cidr-block", v->cidr);
	fieldset_add(fs, "cidr-block-association.association-id", assoc);
	fieldset_add(fs, "cidr-block-association.state", "associated");
	fieldset_add(fs, "state", "available");
	fieldset_add_bool(fs, "is-default", false);
	fieldset_add_bool(fs, "isDefault", false);
	fieldset_add(fs, "owner-id", r->account_id);
	fieldset_add(fs, "dhcp-options-id", "default");
	fieldset_add(fs, "instance-tenancy", v->instance_tenancy);
}

static int vpc_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidVpcID.NotFound", "The vpc ID '%.64s' does not exist", id);
}

int vpc_param_get(struct request *r, struct vpc *ret)
{
	const char *id;
	int rc;

	rc = id_param_parse(r, "VpcId", "vpc", "InvalidVpcID.Malformed", &id);
	if (rc < 0)
		return rc;
	rc = store_vpc_get(r->tx, id, ret);
	if (rc == -ENOENT)
		return vpc_not_found(r, id);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

int handle_create_vpc(struct request *r)
{
	const char *cidr_text = params_get(&r->params, "CidrBlock");
	const char *tenancy = params_get(&r->params, "InstanceTenancy");
	struct vpc_list vpcs = { 0 };
	struct tag_list tags = { 0 };
	struct vpc v = { 0 };
	bool ipv6 = false;
	struct cidr c;
	int rc;

	if (!cidr_text || !*cidr_text) {
		rc = diag_set(&r->diag, "MissingParameter", "The request must contain the parameter CidrBlock");
		goto out;
	}
	rc = cidr_parse(cidr_text, AF_INET, "cidrBlock", &c, &r->diag);
	if (rc < 0)
		goto out;
	if (c.prefix < VPC_MIN_PREFIX || c.prefix > VPC_MAX_PREFIX) {
		rc = diag_set(&r->diag, "InvalidVpc.Range", "The CIDR '%.64s' is invalid.", cidr_text);
		goto out;
	}
	/* Dedicated hardware is a promise this control plane cannot keep. */
	if (tenancy && strcmp(tenancy, "default") != 0) {
		rc = diag_set(&r->diag, "InvalidParameterValue",
			      "Value (%.32s) for parameter instanceTenancy is invalid. Only 'default' is supported.",
			      tenancy);
		goto out;
	}
	/* Checked so a typo is still an error, then ignored: VPCs are IPv4-only
	 * and the answer's missing IPv6 association says so. */
	rc = params_bool(&r->params, "AmazonProvidedIpv6CidrBlock", &ipv6, &r->diag);
	if (rc < 0)
		goto out;

	rc = store_vpc_list(r->tx, &vpcs);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	if (vpcs.count >= BH_MAX_VPCS_PER_ACCOUNT) {
		rc = diag_set(&r->diag, "VpcLimitExceeded", "The maximum number of VPCs has been reached.");
		goto out;
	}

	rc = id_generate("vpc", v.id);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	cidr_format(&c, v.cidr);
	v.enable_dns_support = true;
	v.enable_dns_hostnames = false;
	bh_strlcpy(v.instance_tenancy, "default", sizeof(v.instance_tenancy));
	rc = store_vpc_insert(r->tx, &v);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	request_note_resource(r, v.id);
	rc = tag_specs_apply(r, "vpc", v.id);
	if (rc < 0)
		goto out;
	rc = sg_create_default(r, v.id);
	if (rc < 0)
		goto out;
	rc = rtb_create_main(r, v.id);
	if (rc < 0)
		goto out;

	rc = store_tag_list(r->tx, v.id, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_open(r->out, "vpc");
	vpc_xml(r, &v, &tags);
	xml_close(r->out, "vpc");
out:
	list_release(&vpcs);
	list_release(&tags);
	return rc;
}

int handle_describe_vpcs(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	struct vpc_list vpcs = { 0 };
	struct tag_list tags = { 0 };
	size_t nids = 0, i;
	const char *missing;
	struct paging pg;
	struct filters fl;
	int rc;

	rc = describe_ids_parse(r, "VpcId", "vpc", "InvalidVpcID.Malformed", ids, &nids);
	if (rc < 0)
		goto out;
	rc = filters_parse(r, vpc_filters, &fl);
	if (rc < 0)
		goto out;
	rc = paging_parse(r, BH_MIN_RESULTS, BH_MAX_RESULTS, &pg);
	if (rc < 0)
		goto out;
	rc = describe_ids_unpaged(r, nids, params_get(&r->params, "MaxResults") != NULL, "vpcIds");
	if (rc < 0)
		goto out;

	rc = store_vpc_list(r->tx, &vpcs);
	if (rc == 0)
		rc = store_tag_list(r->tx, NULL, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	missing = ids_first_missing(ids, nids, vpcs.items, vpcs.count, sizeof(*vpcs.items), offsetof(struct vpc, id));
	if (missing) {
		rc = vpc_not_found(r, missing);
		goto out;
	}

	xml_open(r->out, "vpcSet");
	for (i = 0; i < vpcs.count; i++) {
		const struct vpc *v = &vpcs.items[i];
		char assoc[VPC_ASSOC_ID_LEN];
		struct fieldset fs;

		if (nids && !ids_contain(ids, nids, v->id))
			continue;
		vpc_fields(r, v, &tags, &fs, assoc);
		if (!filters_match(&fl, &fs))
			continue;
		if (!paging_take(&pg, v->id))
			continue;
		xml_open(r->out, "item");
		vpc_xml(r, v, &tags);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "vpcSet");
	paging_write_token(r, &pg);
out:
	list_release(&vpcs);
	list_release(&tags);
	return rc;
}

/* Is group_id one of the groups of vpc_id? */
static bool vpc_owns_group(const struct sg_list *groups, const char *vpc_id, const char *group_id)
{
	size_t i;

	for (i = 0; i < groups->count; i++)
		if (strcmp(groups->items[i].id, group_id) == 0)
			return strcmp(groups->items[i].vpc_id, vpc_id) == 0;
	return false;
}

/* Anything in the VPC but its default group keeps it alive, and so does a
 * rule elsewhere naming the default group as its peer: deleting the group
 * under it would leave the rule pointing at nothing. */
static int vpc_check_dependencies(struct request *r, const struct vpc *v, const struct sg_list *groups)
{
	struct subnet_list subnets = { 0 };
	struct sg_rule_list rules = { 0 };
	struct igw_list igws = { 0 };
	bool busy = false;
	size_t i;
	int rc;

	rc = store_subnet_list(r->tx, &subnets);
	if (rc == 0)
		rc = store_sg_rule_list(r->tx, NULL, &rules);
	if (rc == 0)
		rc = store_igw_list(r->tx, &igws);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < subnets.count && !busy; i++)
		busy = strcmp(subnets.items[i].vpc_id, v->id) == 0;
	/* An attached internet gateway must be detached first, as in EC2. */
	for (i = 0; i < igws.count && !busy; i++)
		busy = strcmp(igws.items[i].vpc_id, v->id) == 0;
	for (i = 0; i < groups->count && !busy; i++)
		busy = strcmp(groups->items[i].vpc_id, v->id) == 0 && !groups->items[i].is_default;
	for (i = 0; i < rules.count && !busy; i++) {
		const struct sg_rule *rule = &rules.items[i];

		busy = rule->ref_group_id[0] && vpc_owns_group(groups, v->id, rule->ref_group_id) &&
		       !vpc_owns_group(groups, v->id, rule->group_id);
	}
	if (busy)
		rc = diag_set(&r->diag, "DependencyViolation",
			      "The vpc '%s' has dependencies and cannot be deleted.", v->id);
out:
	list_release(&subnets);
	list_release(&rules);
	list_release(&igws);
	return rc;
}

/* Drop a group the VPC owns with its rules and every tag on either. */
static int vpc_drop_group(struct request *r, const struct security_group *g)
{
	struct sg_rule_list rules = { 0 };
	size_t i;
	int rc;

	rc = store_sg_rule_list(r->tx, g->id, &rules);
	for (i = 0; rc == 0 && i < rules.count; i++) {
		rc = store_tag_delete_resource(r->tx, rules.items[i].id);
		if (rc == 0)
			rc = store_sg_rule_delete(r->tx, rules.items[i].id);
	}
	if (rc == 0)
		rc = store_tag_delete_resource(r->tx, g->id);
	if (rc == 0)
		rc = store_sg_delete(r->tx, g->id);
	if (rc < 0)
		rc = request_store_error(r, rc);
	list_release(&rules);
	return rc;
}

int handle_delete_vpc(struct request *r)
{
	struct sg_list groups = { 0 };
	struct vpc v;
	size_t i;
	int rc;

	rc = vpc_param_get(r, &v);
	if (rc < 0)
		goto out;
	rc = store_sg_list(r->tx, &groups);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	rc = vpc_check_dependencies(r, &v, &groups);
	if (rc < 0)
		goto out;
	/* Refuses while the VPC has route tables other than its main one. */
	rc = rtb_drop_main(r, v.id);
	if (rc < 0)
		goto out;
	for (i = 0; i < groups.count; i++) {
		if (strcmp(groups.items[i].vpc_id, v.id) != 0)
			continue;
		rc = vpc_drop_group(r, &groups.items[i]);
		if (rc < 0)
			goto out;
	}
	rc = store_tag_delete_resource(r->tx, v.id);
	if (rc == 0)
		rc = store_vpc_delete(r->tx, v.id);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
out:
	list_release(&groups);
	return rc;
}

/* Set the one DNS attribute named in the call on v. */
static int vpc_set_dns_attribute(struct request *r, struct vpc *v, bool support)
{
	const char *name = support ? "EnableDnsSupport.Value" : "EnableDnsHostnames.Value";
	bool value = false;
	int rc;

	rc = params_bool(&r->params, name, &value, &r->diag);
	if (rc < 0)
		return rc;
	if (support) {
		v->enable_dns_support = value;
		return 0;
	}
	/* Hostnames resolve through the VPC's DNS server: without it they
	 * would be names nobody can look up. */
	if (value && !v->enable_dns_support)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Cannot enable DNS hostnames for the vpc '%s': DNS support is disabled", v->id);
	v->enable_dns_hostnames = value;
	return 0;
}

int handle_modify_vpc_attribute(struct request *r)
{
	const char *support = params_get(&r->params, "EnableDnsSupport.Value");
	const char *hostnames = params_get(&r->params, "EnableDnsHostnames.Value");
	const char *nau = params_get(&r->params, "EnableNetworkAddressUsageMetrics.Value");
	int named = (support != NULL) + (hostnames != NULL) + (nau != NULL);
	bool value = false;
	struct vpc v;
	int rc;

	rc = vpc_param_get(r, &v);
	if (rc < 0)
		return rc;
	if (named != 1)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"Exactly one of EnableDnsSupport, EnableDnsHostnames and EnableNetworkAddressUsageMetrics must be specified");
	if (nau) {
		/* Address usage metrics are not collected: off is the only state
		 * there is, so turning them off is accepted and changes nothing. */
		rc = params_bool(&r->params, "EnableNetworkAddressUsageMetrics.Value", &value, &r->diag);
		if (rc < 0)
			return rc;
		if (value)
			return diag_set(&r->diag, "InvalidParameterValue",
					"enableNetworkAddressUsageMetrics is not supported by this endpoint");
	} else {
		rc = vpc_set_dns_attribute(r, &v, support != NULL);
		if (rc < 0)
			return rc;
		rc = store_vpc_update(r->tx, &v);
		if (rc < 0)
			return request_store_error(r, rc);
	}
	xml_bool(r->out, "return", true);
	return 0;
}

int handle_describe_vpc_attribute(struct request *r)
{
	const char *attr = params_get(&r->params, "Attribute");
	struct vpc v;
	bool value;
	int rc;

	rc = vpc_param_get(r, &v);
	if (rc < 0)
		return rc;
	if (!attr || !*attr)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter Attribute");
	if (strcmp(attr, "enableDnsSupport") == 0)
		value = v.enable_dns_support;
	else if (strcmp(attr, "enableDnsHostnames") == 0)
		value = v.enable_dns_hostnames;
	else if (strcmp(attr, "enableNetworkAddressUsageMetrics") == 0)
		value = false;
	else
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%.64s) for parameter attribute is invalid. Unknown attribute.", attr);
	xml_text(r->out, "vpcId", v.id);
	xml_open(r->out, attr);
	xml_bool(r->out, "value", value);
	xml_close(r->out, attr);
	return 0;
}
