/* handlers_sg.c - the security group calls: groups (create, describe,
 * delete) and their rules (authorize, revoke, describe, modify). How rules
 * are spelt in requests and answers lives in sg_permissions.c. */
#include "api/handlers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/describe.h"
#include "api/sg_permissions.h"
#include "api/xml.h"
#include "model/ids.h"
#include "model/proto.h"

#define SG_ARN 160

static const char *const group_filter_names[] = {
	"description", "group-id", "group-name", "owner-id", "vpc-id",
	"ip-permission.cidr", "ip-permission.from-port", "ip-permission.group-id",
	"ip-permission.group-name", "ip-permission.ipv6-cidr", "ip-permission.prefix-list-id",
	"ip-permission.protocol", "ip-permission.to-port", "ip-permission.user-id",
	"egress.ip-permission.cidr", "egress.ip-permission.from-port", "egress.ip-permission.group-id",
	"egress.ip-permission.group-name", "egress.ip-permission.ipv6-cidr",
	"egress.ip-permission.prefix-list-id", "egress.ip-permission.protocol",
	"egress.ip-permission.to-port", "egress.ip-permission.user-id",
	NULL,
};

static const char *const rule_filter_names[] = { "group-id", "security-group-rule-id", NULL };

static int internal_error(struct request *r, const char *what)
{
	return diag_set_status(&r->diag, 500, "InternalError", "An internal error has occurred (%s)", what);
}

static void group_arn(const struct request *r, const char *id, char ret[SG_ARN])
{
	bh_snprintf(ret, SG_ARN, "arn:aws:ec2:%s:%s:security-group/%s", r->cfg->region, r->account_id, id);
}

static int rule_insert(struct request *r, struct sg_rule *rule)
{
	int rc;

	rc = id_generate("sgr", rule->id);
	if (rc < 0)
		return internal_error(r, "id generation");
	rc = store_sg_rule_insert(r->tx, rule);
	if (rc < 0)
		return request_store_error(r, rc);
	request_note_resource(r, rule->id);
	return 0;
}

static int rule_remove(struct request *r, const char *rule_id)
{
	int rc;

	rc = store_tag_delete_resource(r->tx, rule_id);
	if (rc == 0)
		rc = store_sg_rule_delete(r->tx, rule_id);
	return rc < 0 ? request_store_error(r, rc) : 0;
}

int sg_add_default_egress(struct request *r, const char *group_id)
{
	struct sg_rule rule = { .egress = true, .proto = BH_PROTO_ALL, .from_port = -1, .to_port = -1 };

	bh_strlcpy(rule.group_id, group_id, sizeof(rule.group_id));
	bh_strlcpy(rule.cidr_ipv4, "0.0.0.0/0", sizeof(rule.cidr_ipv4));
	return rule_insert(r, &rule);
}

/* Give g an id, store it and its default egress rule. */
static int group_insert(struct request *r, struct security_group *g)
{
	int rc;

	rc = id_generate("sg", g->id);
	if (rc < 0)
		return internal_error(r, "id generation");
	rc = store_sg_insert(r->tx, g);
	if (rc == -EEXIST)
		return diag_set(&r->diag, "InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'",
				g->name, g->vpc_id);
	if (rc < 0)
		return request_store_error(r, rc);
	request_note_resource(r, g->id);
	return sg_add_default_egress(r, g->id);
}

int sg_create_default(struct request *r, const char *vpc_id)
{
	struct security_group g = { .is_default = true };
	struct sg_rule self = { .egress = false, .proto = BH_PROTO_ALL, .from_port = -1, .to_port = -1 };
	int rc;

	bh_strlcpy(g.vpc_id, vpc_id, sizeof(g.vpc_id));
	bh_strlcpy(g.name, "default", sizeof(g.name));
	bh_strlcpy(g.description, "default VPC security group", sizeof(g.description));
	/* public network: the account's own default there (vpc_id "") */
	if (!*vpc_id)
		bh_strlcpy(g.description, "default group of the public network", sizeof(g.description));
	rc = group_insert(r, &g);
	if (rc < 0)
		return rc;
	/* Members of the default group talk to each other freely. */
	bh_strlcpy(self.group_id, g.id, sizeof(self.group_id));
	bh_strlcpy(self.ref_group_id, g.id, sizeof(self.ref_group_id));
	return rule_insert(r, &self);
}

static int group_text_check(struct request *r, const char *param, const char *value)
{
	if (!value || !*value)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter %s", param);
	if (strlen(value) > BH_MAX_NAME)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value for parameter %s is invalid. Length exceeds maximum of %d.", param, BH_MAX_NAME);
	if (!sg_text_is_valid(value))
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value for parameter %s is invalid. Valid values are up to %d characters from a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
				param, BH_MAX_NAME);
	return 0;
}

/* The VPC a new group goes in, and whether name is still free there. EC2
 * documents group names as case-insensitive within a VPC. */
static int group_placement_check(struct request *r, const char *vpc_id, const char *name)
{
	struct sg_list groups = { 0 };
	char echo[SG_ECHO_MAX];
	struct vpc vpc;
	size_t i, in_vpc = 0;
	int rc;

	/* public network: without a VpcId the group is for instances launched
	 * without a subnet, as EC2-Classic's groups were (vpc_id ""). */
	if (!vpc_id || !*vpc_id)
		vpc_id = "";
	sg_echo(vpc_id, echo);
	if (*vpc_id && !id_is_valid(vpc_id, "vpc"))
		return diag_set(&r->diag, "InvalidVpcID.Malformed", "Invalid id: \"%s\" (expecting \"vpc-...\")", echo);
	request_note_resource(r, vpc_id);
	rc = *vpc_id ? store_vpc_get(r->tx, vpc_id, &vpc) : 0;
	if (rc == -ENOENT)
		return diag_set(&r->diag, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", echo);
	if (rc < 0)
		return request_store_error(r, rc);
	rc = store_sg_list(r->tx, &groups);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < groups.count; i++) {
		if (strcmp(groups.items[i].vpc_id, vpc_id) != 0)
			continue;
		in_vpc++;
		if (strcasecmp(groups.items[i].name, name) == 0) {
			rc = diag_set(&r->diag, "InvalidGroup.Duplicate",
				      "The security group '%s' already exists for VPC '%s'", name, vpc_id);
			goto out;
		}
	}
	if (in_vpc >= BH_MAX_GROUPS_PER_VPC)
		rc = diag_set(&r->diag, "SecurityGroupLimitExceeded",
			      "The maximum number of security groups for VPC '%s' has been reached.", vpc_id);
out:
	list_release(&groups);
	return rc;
}

int handle_create_security_group(struct request *r)
{
	const char *name = params_get(&r->params, "GroupName");
	const char *desc = params_get(&r->params, "GroupDescription");
	struct security_group g = { .is_default = false };
	struct tag_list tags = { 0 };
	char arn[SG_ARN];
	int rc;

	rc = group_text_check(r, "GroupName", name);
	if (rc < 0)
		return rc;
	rc = group_text_check(r, "GroupDescription", desc);
	if (rc < 0)
		return rc;
	if (strncasecmp(name, "sg-", 3) == 0)
		return diag_set(&r->diag, "InvalidParameterValue",
				"Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.",
				name);
	/* Every VPC already has its "default" (made with the VPC); EC2 calls
	 * the name reserved rather than taken. */
	if (strcasecmp(name, "default") == 0)
		return diag_set(&r->diag, "InvalidGroup.Reserved", "The security group 'default' is reserved");
	rc = group_placement_check(r, params_get(&r->params, "VpcId"), name);
	if (rc < 0)
		return rc;
	if (params_get(&r->params, "VpcId"))  /* absent: the public network, "" */
		bh_strlcpy(g.vpc_id, params_get(&r->params, "VpcId"), sizeof(g.vpc_id));
	bh_strlcpy(g.name, name, sizeof(g.name));
	bh_strlcpy(g.description, desc, sizeof(g.description));
	rc = group_insert(r, &g);
	if (rc < 0)
		return rc;
	rc = tag_specs_apply(r, "security-group", g.id);
	if (rc < 0)
		return rc;
	rc = store_tag_list(r->tx, g.id, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
	xml_text(r->out, "groupId", g.id);
	xml_tag_set(r->out, &tags, g.id);
	group_arn(r, g.id, arn);
	xml_text(r->out, "securityGroupArn", arn);
out:
	list_release(&tags);
	return rc;
}

/* DescribeSecurityGroups' filters in two halves: those on the group
 * itself (and its tags), and those on its rules. As in EC2, each rule
 * filter is met by any rule of the group, not necessarily the same one. */
struct group_filters {
	struct filters group;
	struct filters rule;
};

static int group_filters_parse(struct request *r, struct group_filters *ret)
{
	size_t i, kept = 0;
	int rc;

	rc = filters_parse(r, group_filter_names, &ret->group);
	if (rc < 0)
		return rc;
	ret->rule.count = 0;
	for (i = 0; i < ret->group.count; i++) {
		const struct filter *f = &ret->group.items[i];

		if (strncmp(f->name, "ip-permission.", 14) == 0 || strncmp(f->name, "egress.ip-permission.", 21) == 0)
			ret->rule.items[ret->rule.count++] = *f;
		else
			ret->group.items[kept++] = *f;
	}
	ret->group.count = kept;
	return 0;
}

static bool group_matches(const struct request *r, const struct group_filters *fl, const struct security_group *g,
			  const struct sg_rule_list *rules, const struct sg_list *groups, const struct tag_list *tags)
{
	struct fieldset fs;
	size_t i;

	fieldset_init(&fs, tags, g->id);
	fieldset_add(&fs, "group-id", g->id);
	fieldset_add(&fs, "group-name", g->name);
	fieldset_add(&fs, "description", g->description);
	fieldset_add(&fs, "vpc-id", g->vpc_id);
	fieldset_add(&fs, "owner-id", r->account_id);
	if (!filters_match(&fl->group, &fs))
		return false;
	for (i = 0; i < fl->rule.count; i++)
		if (!sg_rules_filter_hit(r, &fl->rule.items[i], rules, groups))
			return false;
	return true;
}

static void group_xml(struct request *r, const struct security_group *g, const struct sg_rule_list *rules,
		      const struct tag_list *tags)
{
	char arn[SG_ARN];

	xml_open(r->out, "item");
	xml_text(r->out, "ownerId", r->account_id);
	xml_text(r->out, "groupId", g->id);
	xml_text(r->out, "groupName", g->name);
	xml_text(r->out, "groupDescription", g->description);
	sg_permissions_xml(r, "ipPermissions", rules, false);
	sg_permissions_xml(r, "ipPermissionsEgress", rules, true);
	if (g->vpc_id[0])  /* public network groups have no VPC */
		xml_text(r->out, "vpcId", g->vpc_id);
	xml_tag_set(r->out, tags, g->id);
	group_arn(r, g->id, arn);
	xml_text(r->out, "securityGroupArn", arn);
	xml_close(r->out, "item");
}

/* Every GroupId.N and GroupName.N must name a group of the caller's. */
static int named_groups_check(struct request *r, const struct sg_list *groups, const char *const *ids, size_t nids,
			      const char *const *names, size_t nnames)
{
	char echo[SG_ECHO_MAX];
	size_t i, k;

	for (i = 0; i < nids + nnames; i++) {
		const char *want = i < nids ? ids[i] : names[i - nids];
		bool found = false;

		for (k = 0; k < groups->count && !found; k++)
			found = strcmp(i < nids ? groups->items[k].id : groups->items[k].name, want) == 0;
		if (i < nids)
			request_note_resource(r, want);
		if (!found) {
			sg_echo(want, echo);
			return diag_set(&r->diag, "InvalidGroup.NotFound", "The security group '%s' does not exist",
					echo);
		}
	}
	return 0;
}

int handle_describe_security_groups(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS], *names[BH_MAX_LIST_ITEMS];
	struct group_filters *fl = NULL;
	struct sg_list groups = { 0 };
	struct sg_rule_list rules = { 0 };
	struct tag_list tags = { 0 };
	struct paging pg;
	size_t nids = 0, nnames = 0, i;
	int rc;

	rc = ids_parse(r, "GroupId", "sg", "InvalidGroupId.Malformed", ids, BH_MAX_LIST_ITEMS, &nids);
	if (rc < 0)
		goto out;
	rc = params_list_values(&r->params, "GroupName", names, BH_MAX_LIST_ITEMS, &nnames, &r->diag);
	if (rc < 0)
		goto out;
	fl = calloc(1, sizeof(*fl));
	if (!fl) {
		rc = internal_error(r, "out of memory");
		goto out;
	}
	rc = group_filters_parse(r, fl);
	if (rc < 0)
		goto out;
	rc = paging_parse(r, BH_MIN_RESULTS, BH_MAX_RESULTS, &pg);
	if (rc < 0)
		goto out;
	if ((nids || nnames) && (pg.max_results || pg.after_id[0])) {
		rc = diag_set(&r->diag, "InvalidParameterCombination",
			      "The parameter %s cannot be used with the parameter maxResults",
			      nids ? "groupIds" : "groupNames");
		goto out;
	}
	rc = store_sg_list(r->tx, &groups);
	if (rc == 0)
		rc = store_tag_list(r->tx, NULL, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	rc = named_groups_check(r, &groups, ids, nids, names, nnames);
	if (rc < 0)
		goto out;
	xml_open(r->out, "securityGroupInfo");
	for (i = 0; i < groups.count && !pg.truncated; i++) {
		const struct security_group *g = &groups.items[i];

		if ((nids || nnames) && !ids_contain(ids, nids, g->id) && !ids_contain(names, nnames, g->name))
			continue;
		list_release(&rules);
		rc = store_sg_rule_list(r->tx, g->id, &rules);
		if (rc < 0) {
			rc = request_store_error(r, rc);
			goto out;
		}
		if (!group_matches(r, fl, g, &rules, &groups, &tags) || !paging_take(&pg, g->id))
			continue;
		group_xml(r, g, &rules, &tags);
	}
	xml_close(r->out, "securityGroupInfo");
	paging_write_token(r, &pg);
out:
	free(fl);
	list_release(&groups);
	list_release(&rules);
	list_release(&tags);
	return rc;
}

/* The group a call acts on: GroupId, or (where EC2 allows it) GroupName. */
static int target_resolve(struct request *r, bool name_allowed, struct security_group *ret)
{
	const char *id = params_get(&r->params, "GroupId");
	const char *name = params_get(&r->params, "GroupName");

	if (id && *id)
		return sg_group_get(r, id, ret);
	if (name_allowed && name && *name)
		return sg_group_by_name(r, NULL, name, ret);
	return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter %s",
			name_allowed ? "GroupId or GroupName" : "GroupId");
}

/* A network interface still using the group keeps it (instances). */
static int sg_check_enis(struct request *r, const struct security_group *g)
{
	struct eni_list enis = { 0 };
	size_t i, k;
	int rc;

	rc = store_eni_list(r->tx, &enis);
	if (rc < 0)
		return request_store_error(r, rc);
	for (i = 0; i < enis.count && rc == 0; i++)
		for (k = 0; k < enis.items[i].group_count && rc == 0; k++)
			if (strcmp(enis.items[i].group_ids[k], g->id) == 0)
				rc = diag_set(&r->diag, "DependencyViolation", "resource %s has a dependent object", g->id);
	list_release(&enis);
	return rc;
}

int handle_delete_security_group(struct request *r)
{
	struct sg_rule_list rules = { 0 };
	struct security_group g;
	size_t i;
	int rc;

	rc = target_resolve(r, true, &g);
	if (rc < 0)
		return rc;
	if (g.is_default)
		return diag_set(&r->diag, "CannotDelete",
				"the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.id);
	rc = sg_check_enis(r, &g);
	if (rc < 0)
		return rc;
	rc = store_sg_rule_list(r->tx, NULL, &rules);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	/* A rule of another group pointing here would dangle; its own
	 * self-references go with it. */
	for (i = 0; i < rules.count; i++) {
		if (strcmp(rules.items[i].ref_group_id, g.id) == 0 && strcmp(rules.items[i].group_id, g.id) != 0) {
			rc = diag_set(&r->diag, "DependencyViolation", "resource %s has a dependent object", g.id);
			goto out;
		}
	}
	for (i = 0; i < rules.count; i++) {
		if (strcmp(rules.items[i].group_id, g.id) != 0)
			continue;
		rc = rule_remove(r, rules.items[i].id);
		if (rc < 0)
			goto out;
	}
	rc = store_tag_delete_resource(r->tx, g.id);
	if (rc == 0)
		rc = store_sg_delete(r->tx, g.id);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
	xml_text(r->out, "groupId", g.id);
out:
	list_release(&rules);
	return rc;
}

static int authorize(struct request *r, bool egress)
{
	struct sg_rule_list added = { 0 };
	struct tag_list tags = { 0 };
	struct security_group g;
	size_t i;
	int rc;

	rc = target_resolve(r, !egress, &g);
	if (rc < 0)
		goto out;
	rc = sg_permissions_parse(r, &g, egress, &added);
	if (rc < 0)
		goto out;
	if (added.count == 0) {
		rc = diag_set(&r->diag, "MissingParameter", "The request must contain the parameter IpPermissions");
		goto out;
	}
	rc = sg_rules_check_new(r, g.id, &added, egress);
	for (i = 0; rc == 0 && i < added.count; i++) {
		rc = rule_insert(r, &added.items[i]);
		if (rc == 0)
			rc = tag_specs_apply(r, "security-group-rule", added.items[i].id);
	}
	if (rc < 0)
		goto out;
	/* the new rules' own tags (each call appends), not the account's */
	for (i = 0; rc == 0 && i < added.count; i++)
		rc = store_tag_list(r->tx, added.items[i].id, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	xml_bool(r->out, "return", true);
	xml_open(r->out, "securityGroupRuleSet");
	for (i = 0; i < added.count; i++)
		sg_rule_xml(r, &added.items[i], &tags);
	xml_close(r->out, "securityGroupRuleSet");
out:
	list_release(&added);
	list_release(&tags);
	return rc;
}

int handle_authorize_security_group_ingress(struct request *r)
{
	return authorize(r, false);
}

int handle_authorize_security_group_egress(struct request *r)
{
	return authorize(r, true);
}

static int rule_id_not_found(struct request *r, const char *id)
{
	return diag_set(&r->diag, "InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist",
			id);
}

/* Append to doomed, once each, the rules of the group that the request
 * names, by id or by permission, looking each up in the store. All must
 * exist: a miss fails the whole call, where EC2 would revoke the rest and
 * list the misses. */
static int doomed_add(struct sg_rule_list *doomed, const struct sg_rule *rule)
{
	struct sg_rule *slot;
	size_t k;

	for (k = 0; k < doomed->count; k++)
		if (strcmp(doomed->items[k].id, rule->id) == 0)
			return 0;
	slot = list_push(doomed);
	if (!slot)
		return -ENOMEM;
	*slot = *rule;
	return 0;
}

static int rule_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sg_rule *)a)->id, ((const struct sg_rule *)b)->id);
}

static int revoke_select(struct request *r, const struct security_group *g, bool egress,
			 struct sg_rule_list *doomed)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	struct sg_rule_list wanted = { 0 }, same = { 0 };
	struct sg_rule rule;
	size_t nids = 0, i;
	int rc;

	rc = ids_parse(r, "SecurityGroupRuleId", "sgr", "InvalidSecurityGroupRuleId.Malformed", ids, BH_MAX_LIST_ITEMS,
		       &nids);
	if (rc < 0)
		goto out;
	rc = sg_permissions_parse(r, g, egress, &wanted);
	if (rc < 0)
		goto out;
	if (nids && wanted.count) {
		rc = diag_set(&r->diag, "InvalidParameterCombination",
			      "SecurityGroupRuleIds cannot be used together with IpPermissions");
		goto out;
	}
	if (!nids && !wanted.count) {
		rc = diag_set(&r->diag, "MissingParameter",
			      "The request must contain the parameter IpPermissions or SecurityGroupRuleId");
		goto out;
	}
	for (i = 0; i < nids + wanted.count; i++) {
		bool found;

		if (i < nids) {
			rc = store_sg_rule_get(r->tx, ids[i], &rule);
			found = rc == 0 && strcmp(rule.group_id, g->id) == 0 && rule.egress == egress;
			request_note_resource(r, ids[i]);
		} else {
			/* the first of the group's same rules, as in id order */
			rc = store_sg_rule_find_same(r->tx, &wanted.items[i - nids], &same);
			found = rc == 0 && same.count > 0;
			if (found)
				rule = same.items[0];
			list_release(&same);
		}
		if (rc < 0 && rc != -ENOENT) {
			rc = request_store_error(r, rc);
			goto out;
		}
		if (!found) {
			rc = i < nids ? rule_id_not_found(r, ids[i])
				      : diag_set(&r->diag, "InvalidPermission.NotFound",
						 "The specified rule does not exist in this security group.");
			goto out;
		}
		rc = doomed_add(doomed, &rule);
		if (rc < 0) {
			rc = internal_error(r, "out of memory");
			goto out;
		}
	}
	/* answered in the group's order, as a listing of it would be */
	qsort(doomed->items, doomed->count, sizeof(*doomed->items), rule_id_cmp);
out:
	list_release(&wanted);
	return rc;
}

static int revoke(struct request *r, bool egress)
{
	struct sg_rule_list doomed = { 0 };
	struct security_group g;
	size_t k;
	int rc;

	rc = target_resolve(r, !egress, &g);
	if (rc < 0)
		return rc;
	rc = revoke_select(r, &g, egress, &doomed);
	for (k = 0; rc == 0 && k < doomed.count; k++)
		rc = rule_remove(r, doomed.items[k].id);
	if (rc < 0)
		goto out;
	xml_bool(r->out, "return", true);
	xml_open(r->out, "revokedSecurityGroupRuleSet");
	for (k = 0; k < doomed.count; k++)
		sg_rule_revoked_xml(r, &doomed.items[k]);
	xml_close(r->out, "revokedSecurityGroupRuleSet");
out:
	list_release(&doomed);
	return rc;
}

int handle_revoke_security_group_ingress(struct request *r)
{
	return revoke(r, false);
}

int handle_revoke_security_group_egress(struct request *r)
{
	return revoke(r, true);
}

int handle_describe_security_group_rules(struct request *r)
{
	const char *ids[BH_MAX_LIST_ITEMS];
	struct filters *fl = NULL;
	struct sg_rule_list rules = { 0 };
	struct tag_list tags = { 0 };
	struct paging pg;
	size_t nids = 0, i, k;
	int rc;

	rc = ids_parse(r, "SecurityGroupRuleId", "sgr", "InvalidSecurityGroupRuleId.Malformed", ids, BH_MAX_LIST_ITEMS,
		       &nids);
	if (rc < 0)
		goto out;
	fl = calloc(1, sizeof(*fl));
	if (!fl) {
		rc = internal_error(r, "out of memory");
		goto out;
	}
	rc = filters_parse(r, rule_filter_names, fl);
	if (rc == 0)
		rc = paging_parse(r, BH_MIN_RESULTS, BH_MAX_RESULTS, &pg);
	if (rc < 0)
		goto out;
	rc = store_sg_rule_list(r->tx, NULL, &rules);
	if (rc == 0)
		rc = store_tag_list(r->tx, NULL, &tags);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < nids; i++) {
		bool found = false;

		request_note_resource(r, ids[i]);
		for (k = 0; k < rules.count && !found; k++)
			found = strcmp(rules.items[k].id, ids[i]) == 0;
		if (!found) {
			rc = rule_id_not_found(r, ids[i]);
			goto out;
		}
	}
	xml_open(r->out, "securityGroupRuleSet");
	for (i = 0; i < rules.count && !pg.truncated; i++) {
		const struct sg_rule *rule = &rules.items[i];
		struct fieldset fs;

		if (nids && !ids_contain(ids, nids, rule->id))
			continue;
		fieldset_init(&fs, &tags, rule->id);
		fieldset_add(&fs, "group-id", rule->group_id);
		fieldset_add(&fs, "security-group-rule-id", rule->id);
		if (!filters_match(fl, &fs) || !paging_take(&pg, rule->id))
			continue;
		sg_rule_xml(r, rule, &tags);
	}
	xml_close(r->out, "securityGroupRuleSet");
	paging_write_token(r, &pg);
out:
	free(fl);
	list_release(&rules);
	list_release(&tags);
	return rc;
}

/* Change one rule of g as SecurityGroupRule.n asks, refusing a result
 * that duplicates another rule of the group. */
static int modify_one(struct request *r, const struct security_group *g, size_t n, const char *rule_id)
{
	struct sg_rule_list same = { 0 };
	struct sg_rule rule;
	size_t k;
	int rc;

	request_note_resource(r, rule_id);
	rc = store_sg_rule_get(r->tx, rule_id, &rule);
	if (rc == -ENOENT || (rc == 0 && strcmp(rule.group_id, g->id) != 0))
		return rule_id_not_found(r, rule_id);
	if (rc < 0)
		return request_store_error(r, rc);
	rc = sg_rule_request_apply(r, g, n, &rule);
	if (rc < 0)
		return rc;
	/* the group's rules the modified one would now equal, itself aside */
	rc = store_sg_rule_find_same(r->tx, &rule, &same);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (k = 0; k < same.count; k++) {
		if (strcmp(same.items[k].id, rule.id) != 0) {
			rc = sg_rule_duplicate_error(r, &rule);
			goto out;
		}
	}
	rc = store_sg_rule_update(r->tx, &rule);
	if (rc < 0)
		rc = request_store_error(r, rc);
out:
	list_release(&same);
	return rc;
}

int handle_modify_security_group_rules(struct request *r)
{
	struct security_group g;
	size_t max, n, done = 0;
	int rc;

	rc = target_resolve(r, false, &g);
	if (rc < 0)
		return rc;
	rc = params_list_max(&r->params, "SecurityGroupRule.", &max, &r->diag);
	if (rc < 0)
		return rc;
	for (n = 1; n <= max; n++) {
		const char *id = params_getf(&r->params, "SecurityGroupRule.%zu.SecurityGroupRuleId", n);
		char echo[SG_ECHO_MAX];

		if (!id)
			return diag_set(&r->diag, "MissingParameter",
					"The request must contain the parameter SecurityGroupRule.%zu.SecurityGroupRuleId", n);
		if (!id_is_valid(id, "sgr")) {
			sg_echo(id, echo);
			return diag_set(&r->diag, "InvalidSecurityGroupRuleId.Malformed", "Invalid id: \"%s\"", echo);
		}
		rc = modify_one(r, &g, n, id);
		if (rc < 0)
			return rc;
		done++;
	}
	if (done == 0)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter SecurityGroupRule");
	xml_bool(r->out, "return", true);
	return 0;
}
