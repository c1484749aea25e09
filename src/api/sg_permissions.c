/* sg_permissions.c - security group rules as the API spells them: request
 * forms parsed into sg_rules (every peer group checked here, once), rule
 * identity for duplicates and filters, and the XML shapes of rules. */
#include "api/sg_permissions.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "api/api.h"
#include "api/describe.h"
#include "api/xml.h"
#include "model/cidr.h"
#include "model/ids.h"
#include "model/proto.h"

#define SG_ECHO_BYTES 64
#define SG_PARAM_NAME 96

static const char rule_description_error[] =
	"Invalid rule description. Valid descriptions are strings less than 256 characters from the "
	"following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*";

void sg_echo(const char *s, char ret[SG_ECHO_MAX])
{
	size_t i;

	for (i = 0; s && s[i] && i < SG_ECHO_BYTES; i++)
		ret[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	ret[i] = '\0';
}

bool sg_text_is_valid(const char *s)
{
	static const char punct[] = " ._-:/()#,@[]+=&;{}!$*";

	for (; *s; s++) {
		bool alnum = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9');

		if (!alnum && !strchr(punct, *s))
			return false;
	}
	return true;
}

/* Is any parameter named prefix...? Tells a hole in a list from an entry
 * that lacks its required member. */
static bool params_have_prefix(const struct params *p, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < p->count; i++)
		if (strncmp(p->items[i].name, prefix, n) == 0)
			return true;
	return false;
}

static int group_not_found(struct request *r, const char *what)
{
	char echo[SG_ECHO_MAX];

	sg_echo(what, echo);
	return diag_set(&r->diag, "InvalidGroup.NotFound", "The security group '%s' does not exist", echo);
}

int sg_group_get(struct request *r, const char *id, struct security_group *ret)
{
	char echo[SG_ECHO_MAX];
	int rc;

	if (!id_is_valid(id, "sg")) {
		sg_echo(id, echo);
		return diag_set(&r->diag, "InvalidGroupId.Malformed", "Invalid id: \"%s\" (expecting \"sg-...\")",
				echo);
	}
	request_note_resource(r, id);
	rc = store_sg_get(r->tx, id, ret);
	if (rc == -ENOENT)
		return group_not_found(r, id);
	if (rc < 0)
		return request_store_error(r, rc);
	return 0;
}

int sg_group_by_name(struct request *r, const char *vpc_id, const char *name, struct security_group *ret)
{
	struct sg_list groups = { 0 };
	char echo[SG_ECHO_MAX];
	size_t i, found = 0;
	int rc;

	rc = store_sg_list(r->tx, &groups);
	if (rc < 0) {
		rc = request_store_error(r, rc);
		goto out;
	}
	for (i = 0; i < groups.count; i++) {
		if (strcmp(groups.items[i].name, name) != 0)
			continue;
		if (vpc_id && strcmp(groups.items[i].vpc_id, vpc_id) != 0)
			continue;
		*ret = groups.items[i];
		found++;
	}
	sg_echo(name, echo);
	/* public network: its groups have vpc_id "" and no VPC to name */
	if (found == 0 && vpc_id && !*vpc_id)
		rc = diag_set(&r->diag, "InvalidGroup.NotFound",
			      "The security group '%s' does not exist in the public network", echo);
	else if (found == 0 && vpc_id)
		rc = diag_set(&r->diag, "InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'",
			      echo, vpc_id);
	else if (found == 0)
		rc = group_not_found(r, name);
	else if (found > 1)
		rc = diag_set(&r->diag, "VPCIdNotSpecified",
			      "No default VPC for this user: the security group name '%s' exists in several VPCs; use GroupId",
			      echo);
	else
		request_note_resource(r, ret->id);
out:
	list_release(&groups);
	return rc;
}

int sg_peer_resolve(struct request *r, const struct security_group *target, const char *group_id,
		    const char *group_name, const char *user_id, char ret[BH_MAX_ID])
{
	/* A foreign account's group must look exactly like a missing one: the
	 * same code and text a well-formed unknown id or name would get. */
	bool foreign = user_id && *user_id && strcmp(user_id, r->account_id) != 0;
	struct security_group peer;
	char echo[SG_ECHO_MAX];
	int rc;

	if (group_id && *group_id) {
		if (foreign && id_is_valid(group_id, "sg"))
			return group_not_found(r, group_id);
		rc = sg_group_get(r, group_id, &peer);
	} else if (group_name && *group_name) {
		if (foreign) {
			sg_echo(group_name, echo);
			return diag_set(&r->diag, "InvalidGroup.NotFound",
					"The security group '%s' does not exist in VPC '%s'", echo, target->vpc_id);
		}
		rc = sg_group_by_name(r, target->vpc_id, group_name, &peer);
	} else {
		return diag_set(&r->diag, "MissingParameter",
				"A referenced security group must be named by GroupId or GroupName");
	}
	if (rc < 0)
		return rc;
	/* No VPC peering in bulkhead, so a peer lives in the target's VPC. */
	if (strcmp(peer.vpc_id, target->vpc_id) != 0)
		return diag_set(&r->diag, "InvalidParameter",
				"You have specified two resources that belong to different networks.");
	bh_strlcpy(ret, peer.id, BH_MAX_ID);
	return 0;
}

static struct sg_rule *rule_push(struct request *r, struct sg_rule_list *l, const struct sg_rule *base)
{
	struct sg_rule *rule = list_push(l);

	if (!rule) {
		diag_set_status(&r->diag, 500, "InternalError", "Out of memory");
		return NULL;
	}
	*rule = *base;
	return rule;
}

static int rule_set_description(struct request *r, struct sg_rule *rule, const char *desc)
{
	if (!desc)
		desc = "";
	if (strlen(desc) > BH_MAX_NAME || !sg_text_is_valid(desc))
		return diag_set(&r->diag, "InvalidParameterValue", "%s", rule_description_error);
	bh_strlcpy(rule->description, desc, sizeof(rule->description));
	return 0;
}

/* The canonical spelling is stored, so "same rule" is a string compare. */
static int rule_set_cidr(struct request *r, struct sg_rule *rule, int family, const char *text,
			 const char *param)
{
	struct cidr c;
	int rc;

	rc = cidr_parse(text, family, param, &c, &r->diag);
	if (rc < 0)
		return rc;
	cidr_format(&c, family == AF_INET ? rule->cidr_ipv4 : rule->cidr_ipv6);
	return 0;
}

static int rule_set_ports(struct request *r, struct sg_rule *rule, const char *proto_s, const char *from_s,
			  const char *to_s)
{
	struct port_spec ps;
	int proto, rc;

	rc = proto_parse(proto_s, &proto, &r->diag);
	if (rc < 0)
		return rc;
	rc = port_spec_parse(proto, from_s, to_s, &ps, &r->diag);
	if (rc < 0)
		return rc;
	rule->proto = ps.proto;
	rule->from_port = ps.from;
	rule->to_port = ps.to;
	return 0;
}

/* IpRanges.M (family AF_INET) or Ipv6Ranges.M (AF_INET6) of one permission. */
static int ranges_parse(struct request *r, const struct sg_rule *base, const char *perm, int family,
			struct sg_rule_list *ret)
{
	const char *list = family == AF_INET ? "IpRanges" : "Ipv6Ranges";
	const char *member = family == AF_INET ? "CidrIp" : "CidrIpv6";
	char prefix[SG_PARAM_NAME], param[SG_PARAM_NAME];
	size_t max, m;
	int rc;

	bh_snprintf(prefix, sizeof(prefix), "%s%s.", perm, list);
	rc = params_list_max(&r->params, prefix, &max, &r->diag);
	if (rc < 0)
		return rc;
	for (m = 1; m <= max; m++) {
		const char *cidr = params_getf(&r->params, "%s%zu.%s", prefix, m, member);
		const char *desc = params_getf(&r->params, "%s%zu.Description", prefix, m);
		struct sg_rule *rule;

		bh_snprintf(param, sizeof(param), "%s%zu.%s", prefix, m, member);
		if (!cidr && !desc)
			continue;
		if (!cidr)
			return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter %s", param);
		rule = rule_push(r, ret, base);
		if (!rule)
			return -ENOMEM;
		rc = rule_set_cidr(r, rule, family, cidr, param);
		if (rc < 0)
			return rc;
		rc = rule_set_description(r, rule, desc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Groups.M is what botocore sends for UserIdGroupPairs; the member name is
 * accepted as well for hand-written clients. */
static int group_pairs_parse(struct request *r, const struct security_group *target, const struct sg_rule *base,
			     const char *perm, const char *list, struct sg_rule_list *ret)
{
	char prefix[SG_PARAM_NAME];
	size_t max, m;
	int rc;

	bh_snprintf(prefix, sizeof(prefix), "%s%s.", perm, list);
	rc = params_list_max(&r->params, prefix, &max, &r->diag);
	if (rc < 0)
		return rc;
	for (m = 1; m <= max; m++) {
		const char *gid = params_getf(&r->params, "%s%zu.GroupId", prefix, m);
		const char *gname = params_getf(&r->params, "%s%zu.GroupName", prefix, m);
		const char *uid = params_getf(&r->params, "%s%zu.UserId", prefix, m);
		const char *desc = params_getf(&r->params, "%s%zu.Description", prefix, m);
		struct sg_rule *rule;

		if (!gid && !gname && !uid && !desc)
			continue;
		rule = rule_push(r, ret, base);
		if (!rule)
			return -ENOMEM;
		rc = sg_peer_resolve(r, target, gid, gname, uid, rule->ref_group_id);
		if (rc < 0)
			return rc;
		rc = rule_set_description(r, rule, desc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int permission_parse(struct request *r, const struct security_group *target, bool egress, size_t i,
			    struct sg_rule_list *ret)
{
	struct sg_rule base = { .egress = egress };
	char perm[SG_PARAM_NAME], sub[SG_PARAM_NAME];
	const char *proto_s, *from_s, *to_s;
	size_t before = ret->count;
	int rc;

	bh_snprintf(perm, sizeof(perm), "IpPermissions.%zu.", i);
	if (!params_have_prefix(&r->params, perm))
		return 0;
	bh_snprintf(sub, sizeof(sub), "%sPrefixListIds.", perm);
	if (params_have_prefix(&r->params, sub))
		return diag_set(&r->diag, "InvalidParameterValue", "Prefix lists are not supported (%sPrefixListIds)",
				perm);
	proto_s = params_getf(&r->params, "%sIpProtocol", perm);
	from_s = params_getf(&r->params, "%sFromPort", perm);
	to_s = params_getf(&r->params, "%sToPort", perm);
	if (!proto_s)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter %sIpProtocol",
				perm);
	bh_strlcpy(base.group_id, target->id, sizeof(base.group_id));
	rc = rule_set_ports(r, &base, proto_s, from_s, to_s);
	if (rc < 0)
		return rc;
	rc = ranges_parse(r, &base, perm, AF_INET, ret);
	if (rc < 0)
		return rc;
	rc = ranges_parse(r, &base, perm, AF_INET6, ret);
	if (rc < 0)
		return rc;
	rc = group_pairs_parse(r, target, &base, perm, "Groups", ret);
	if (rc < 0)
		return rc;
	rc = group_pairs_parse(r, target, &base, perm, "UserIdGroupPairs", ret);
	if (rc < 0)
		return rc;
	/* A permission without a peer would grant nothing and still answer
	 * true; EC2's "MissingParameter" says plainly what was left out. */
	if (ret->count == before)
		return diag_set(&r->diag, "MissingParameter",
				"IpPermissions.%zu must name at least one peer: IpRanges, Ipv6Ranges or Groups (UserIdGroupPairs)",
				i);
	return 0;
}

/* The form EC2 kept from EC2-Classic: one CIDR, or one source group by
 * name. A source group without a protocol grants all of ICMP, TCP and
 * UDP, as EC2 documents. */
static int legacy_parse(struct request *r, const struct security_group *target, struct sg_rule_list *ret)
{
	static const struct {
		const char *proto, *from, *to;
	} group_all[] = { { "icmp", "-1", "-1" }, { "tcp", "0", "65535" }, { "udp", "0", "65535" } };
	const char *proto_s = params_get(&r->params, "IpProtocol");
	const char *from_s = params_get(&r->params, "FromPort");
	const char *to_s = params_get(&r->params, "ToPort");
	const char *cidr = params_get(&r->params, "CidrIp");
	const char *sname = params_get(&r->params, "SourceSecurityGroupName");
	const char *sowner = params_get(&r->params, "SourceSecurityGroupOwnerId");
	struct sg_rule base = { .egress = false };
	struct sg_rule *rule;
	size_t k;
	int rc;

	if (!proto_s && !from_s && !to_s && !cidr && !sname && !sowner)
		return 0;
	bh_strlcpy(base.group_id, target->id, sizeof(base.group_id));
	if (cidr && sname)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"CidrIp and SourceSecurityGroupName cannot be used together");
	if (sname) {
		rc = sg_peer_resolve(r, target, NULL, sname, sowner, base.ref_group_id);
		if (rc < 0)
			return rc;
		for (k = 0; k < sizeof(group_all) / sizeof(group_all[0]); k++) {
			if (proto_s)
				rc = rule_set_ports(r, &base, proto_s, from_s, to_s);
			else
				rc = rule_set_ports(r, &base, group_all[k].proto, group_all[k].from, group_all[k].to);
			if (rc < 0)
				return rc;
			if (!rule_push(r, ret, &base))
				return -ENOMEM;
			if (proto_s)
				break;
		}
		return 0;
	}
	if (!cidr)
		return diag_set(&r->diag, "MissingParameter",
				"The request must name a peer: CidrIp, SourceSecurityGroupName or IpPermissions");
	if (!proto_s)
		return diag_set(&r->diag, "MissingParameter", "The request must contain the parameter IpProtocol");
	rc = rule_set_ports(r, &base, proto_s, from_s, to_s);
	if (rc < 0)
		return rc;
	rule = rule_push(r, ret, &base);
	if (!rule)
		return -ENOMEM;
	return rule_set_cidr(r, rule, AF_INET, cidr, "CidrIp");
}

static bool legacy_present(const struct params *p)
{
	static const char *const names[] = { "IpProtocol", "FromPort", "ToPort", "CidrIp",
					     "SourceSecurityGroupName", "SourceSecurityGroupOwnerId" };
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (params_get(p, names[k]))
			return true;
	return false;
}

int sg_permissions_parse(struct request *r, const struct security_group *target, bool egress,
			 struct sg_rule_list *ret)
{
	bool legacy = legacy_present(&r->params);
	size_t max, i;
	int rc;

	rc = params_list_max(&r->params, "IpPermissions.", &max, &r->diag);
	if (rc < 0)
		return rc;
	if (legacy && egress)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"CidrIp, IpProtocol, FromPort, ToPort and SourceSecurityGroup* are not supported for egress; use IpPermissions");
	if (legacy && max > 0)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"IpPermissions cannot be used with CidrIp, IpProtocol, FromPort, ToPort or SourceSecurityGroupName");
	for (i = 1; i <= max; i++) {
		rc = permission_parse(r, target, egress, i, ret);
		if (rc < 0)
			return rc;
	}
	if (legacy)
		return legacy_parse(r, target, ret);
	return 0;
}

int sg_rule_request_apply(struct request *r, const struct security_group *target, size_t n, struct sg_rule *rule)
{
	char prefix[SG_PARAM_NAME], param[SG_PARAM_NAME];
	const char *proto_s, *from_s, *to_s, *c4, *c6, *ref, *desc;
	int peers, rc;

	bh_snprintf(prefix, sizeof(prefix), "SecurityGroupRule.%zu.SecurityGroupRule.", n);
	if (params_getf(&r->params, "%sPrefixListId", prefix))
		return diag_set(&r->diag, "InvalidParameterValue", "Prefix lists are not supported (%sPrefixListId)",
				prefix);
	proto_s = params_getf(&r->params, "%sIpProtocol", prefix);
	from_s = params_getf(&r->params, "%sFromPort", prefix);
	to_s = params_getf(&r->params, "%sToPort", prefix);
	c4 = params_getf(&r->params, "%sCidrIpv4", prefix);
	c6 = params_getf(&r->params, "%sCidrIpv6", prefix);
	ref = params_getf(&r->params, "%sReferencedGroupId", prefix);
	desc = params_getf(&r->params, "%sDescription", prefix);
	if (proto_s || from_s || to_s) {
		char current[8];

		/* Ports alone are re-read against the rule's protocol. */
		proto_format(rule->proto, current);
		rc = rule_set_ports(r, rule, proto_s ? proto_s : current, from_s, to_s);
		if (rc < 0)
			return rc;
	}
	peers = (c4 != NULL) + (c6 != NULL) + (ref != NULL);
	if (peers > 1)
		return diag_set(&r->diag, "InvalidParameterCombination",
				"Specify only one of CidrIpv4, CidrIpv6 and ReferencedGroupId in %s", prefix);
	if (peers == 1) {
		rule->cidr_ipv4[0] = rule->cidr_ipv6[0] = rule->ref_group_id[0] = '\0';
		if (c4) {
			bh_snprintf(param, sizeof(param), "%sCidrIpv4", prefix);
			rc = rule_set_cidr(r, rule, AF_INET, c4, param);
		} else if (c6) {
			bh_snprintf(param, sizeof(param), "%sCidrIpv6", prefix);
			rc = rule_set_cidr(r, rule, AF_INET6, c6, param);
		} else {
			rc = sg_peer_resolve(r, target, ref, NULL, NULL, rule->ref_group_id);
		}
		if (rc < 0)
			return rc;
	}
	if (desc)
		return rule_set_description(r, rule, desc);
	return 0;
}

bool sg_rule_same(const struct sg_rule *a, const struct sg_rule *b)
{
	return a->egress == b->egress && a->proto == b->proto && a->from_port == b->from_port &&
	       a->to_port == b->to_port && strcmp(a->cidr_ipv4, b->cidr_ipv4) == 0 &&
	       strcmp(a->cidr_ipv6, b->cidr_ipv6) == 0 && strcmp(a->ref_group_id, b->ref_group_id) == 0;
}

static const char *rule_peer(const struct sg_rule *rule)
{
	if (rule->cidr_ipv4[0])
		return rule->cidr_ipv4;
	if (rule->cidr_ipv6[0])
		return rule->cidr_ipv6;
	return rule->ref_group_id;
}

void sg_rule_text(const struct sg_rule *rule, char ret[SG_RULE_TEXT])
{
	const char *peer = rule_peer(rule);

	switch (rule->proto) {
	case BH_PROTO_ALL:
		bh_snprintf(ret, SG_RULE_TEXT, "peer: %s, ALL, ALLOW", peer);
		break;
	case BH_PROTO_TCP:
	case BH_PROTO_UDP:
		bh_snprintf(ret, SG_RULE_TEXT, "peer: %s, %s, from port: %d, to port: %d, ALLOW", peer,
			    rule->proto == BH_PROTO_TCP ? "TCP" : "UDP", rule->from_port, rule->to_port);
		break;
	case BH_PROTO_ICMP:
	case BH_PROTO_ICMPV6:
		bh_snprintf(ret, SG_RULE_TEXT, "peer: %s, %s, type: %d, code: %d, ALLOW", peer,
			    rule->proto == BH_PROTO_ICMP ? "ICMP" : "ICMPV6", rule->from_port, rule->to_port);
		break;
	default:
		bh_snprintf(ret, SG_RULE_TEXT, "peer: %s, %d, ALLOW", peer, rule->proto);
		break;
	}
}

int sg_rule_duplicate_error(struct request *r, const struct sg_rule *rule)
{
	char text[SG_RULE_TEXT];

	sg_rule_text(rule, text);
	return diag_set(&r->diag, "InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", text);
}

/* Refuse a new rule equal to one the group has, or to an earlier one of
 * the same call; then the per-direction limit, counted after the call. */
int sg_rules_check_new(struct request *r, const char *group_id, const struct sg_rule_list *added,
		       bool egress)
{
	struct sg_rule_list same = { 0 };
	size_t i, j, count = 0;
	int rc = 0;

	for (i = 0; i < added->count; i++) {
		const struct sg_rule *rule = &added->items[i];
		bool dup = false;

		rc = store_sg_rule_find_same(r->tx, rule, &same);
		if (rc < 0)
			return request_store_error(r, rc);
		dup = same.count > 0;
		list_release(&same);
		for (j = 0; j < i && !dup; j++)
			dup = sg_rule_same(&added->items[j], rule);
		if (dup)
			return sg_rule_duplicate_error(r, rule);
	}
	/* both directions together are counted from the index alone; only a
	 * group near the limit needs this direction's own count */
	rc = store_sg_rule_count(r->tx, group_id, -1, &count);
	if (rc == 0 && count + added->count > BH_MAX_RULES_PER_DIR)
		rc = store_sg_rule_count(r->tx, group_id, egress ? 1 : 0, &count);
	if (rc < 0)
		return request_store_error(r, rc);
	if (count + added->count > BH_MAX_RULES_PER_DIR)
		return diag_set(&r->diag, "RulesPerSecurityGroupLimitExceeded",
				"The maximum number of rules per security group has been reached.");
	return 0;
}

static const char *group_name_of(const struct sg_list *groups, const char *id)
{
	size_t i;

	for (i = 0; i < groups->count; i++)
		if (strcmp(groups->items[i].id, id) == 0)
			return groups->items[i].name;
	return NULL;
}

static void rule_fieldset(struct fieldset *fs, const struct request *r, const struct sg_rule *rule,
			  const struct sg_list *groups)
{
	/* Indexed by direction: ingress names, then egress names. */
	static const char *const names[2][8] = {
		{ "ip-permission.protocol", "ip-permission.from-port", "ip-permission.to-port", "ip-permission.cidr",
		  "ip-permission.ipv6-cidr", "ip-permission.group-id", "ip-permission.group-name",
		  "ip-permission.user-id" },
		{ "egress.ip-permission.protocol", "egress.ip-permission.from-port", "egress.ip-permission.to-port",
		  "egress.ip-permission.cidr", "egress.ip-permission.ipv6-cidr", "egress.ip-permission.group-id",
		  "egress.ip-permission.group-name", "egress.ip-permission.user-id" },
	};
	const char *const *n = names[rule->egress ? 1 : 0];
	char *proto;

	fieldset_init(fs, NULL, rule->id);
	/* The name goes in the fieldset's own scratch: it must outlive this call. */
	proto = fs->scratch[fs->scratch_used++];
	proto_format(rule->proto, proto);
	fieldset_add(fs, n[0], proto);
	/* EC2 takes "tcp" or "6" alike. */
	if (rule->proto != BH_PROTO_ALL) {
		fieldset_add_long(fs, n[0], rule->proto);
		fieldset_add_long(fs, n[1], rule->from_port);
		fieldset_add_long(fs, n[2], rule->to_port);
	}
	if (rule->cidr_ipv4[0])
		fieldset_add(fs, n[3], rule->cidr_ipv4);
	if (rule->cidr_ipv6[0])
		fieldset_add(fs, n[4], rule->cidr_ipv6);
	if (rule->ref_group_id[0]) {
		fieldset_add(fs, n[5], rule->ref_group_id);
		fieldset_add(fs, n[6], group_name_of(groups, rule->ref_group_id));
		fieldset_add(fs, n[7], r->account_id);
	}
}

static bool filter_hits_fields(const struct filter *f, const struct fieldset *fs)
{
	size_t i, v;

	for (i = 0; i < fs->count; i++) {
		if (strcmp(fs->f[i].name, f->name) != 0)
			continue;
		for (v = 0; v < f->value_count; v++)
			if (wildcard_match(f->values[v], fs->f[i].value))
				return true;
	}
	return false;
}

bool sg_rules_filter_hit(const struct request *r, const struct filter *f, const struct sg_rule_list *rules,
			 const struct sg_list *groups)
{
	struct fieldset fs;
	size_t k;

	for (k = 0; k < rules->count; k++) {
		rule_fieldset(&fs, r, &rules->items[k], groups);
		if (filter_hits_fields(f, &fs))
			return true;
	}
	return false;
}

/* EC2 leaves the ports out of ipPermissions for protocols without them. */
static bool proto_has_ports(int proto)
{
	return proto == BH_PROTO_TCP || proto == BH_PROTO_UDP || proto == BH_PROTO_ICMP ||
	       proto == BH_PROTO_ICMPV6;
}

static void rule_head_xml(struct request *r, const struct sg_rule *rule)
{
	char proto[8];

	xml_text(r->out, "securityGroupRuleId", rule->id);
	xml_text(r->out, "groupId", rule->group_id);
	proto_format(rule->proto, proto);
	xml_bool(r->out, "isEgress", rule->egress);
	xml_text(r->out, "ipProtocol", proto);
	/* Unlike ipPermissions, EC2's rule items carry -1 for "no ports". */
	xml_long(r->out, "fromPort", rule->from_port);
	xml_long(r->out, "toPort", rule->to_port);
}

void sg_rule_xml(struct request *r, const struct sg_rule *rule, const struct tag_list *tags)
{
	char arn[160];

	xml_open(r->out, "item");
	rule_head_xml(r, rule);
	xml_text(r->out, "groupOwnerId", r->account_id);
	if (rule->cidr_ipv4[0]) {
		xml_text(r->out, "cidrIpv4", rule->cidr_ipv4);
	} else if (rule->cidr_ipv6[0]) {
		xml_text(r->out, "cidrIpv6", rule->cidr_ipv6);
	} else {
		xml_open(r->out, "referencedGroupInfo");
		xml_text(r->out, "groupId", rule->ref_group_id);
		xml_text(r->out, "userId", r->account_id);
		xml_close(r->out, "referencedGroupInfo");
	}
	if (rule->description[0])
		xml_text(r->out, "description", rule->description);
	xml_tag_set(r->out, tags, rule->id);
	bh_snprintf(arn, sizeof(arn), "arn:aws:ec2:%s:%s:security-group-rule/%s", r->cfg->region, r->account_id,
		    rule->id);
	xml_text(r->out, "securityGroupRuleArn", arn);
	xml_close(r->out, "item");
}

void sg_rule_revoked_xml(struct request *r, const struct sg_rule *rule)
{
	xml_open(r->out, "item");
	rule_head_xml(r, rule);
	if (rule->cidr_ipv4[0])
		xml_text(r->out, "cidrIpv4", rule->cidr_ipv4);
	else if (rule->cidr_ipv6[0])
		xml_text(r->out, "cidrIpv6", rule->cidr_ipv6);
	else
		xml_text(r->out, "referencedGroupId", rule->ref_group_id);
	if (rule->description[0])
		xml_text(r->out, "description", rule->description);
	xml_close(r->out, "item");
}

static bool same_ports(const struct sg_rule *a, const struct sg_rule *b)
{
	return a->egress == b->egress && a->proto == b->proto && a->from_port == b->from_port &&
	       a->to_port == b->to_port;
}

enum peer_kind { PEER_GROUP, PEER_IPV4, PEER_IPV6 };

/* One peer list (groups, ipRanges or ipv6Ranges) of the item that starts
 * at rule `first`: every later rule with the same protocol and ports. */
static void peers_xml(struct request *r, const struct sg_rule_list *rules, size_t first, enum peer_kind kind)
{
	static const char *const list_tag[] = { "groups", "ipRanges", "ipv6Ranges" };
	size_t k;

	xml_open(r->out, list_tag[kind]);
	for (k = first; k < rules->count; k++) {
		const struct sg_rule *rule = &rules->items[k];
		const char *peer[] = { rule->ref_group_id, rule->cidr_ipv4, rule->cidr_ipv6 };

		if (!same_ports(rule, &rules->items[first]) || !peer[kind][0])
			continue;
		xml_open(r->out, "item");
		if (kind == PEER_GROUP) {
			xml_text(r->out, "userId", r->account_id);
			xml_text(r->out, "groupId", rule->ref_group_id);
		} else {
			xml_text(r->out, kind == PEER_IPV4 ? "cidrIp" : "cidrIpv6", peer[kind]);
		}
		if (rule->description[0])
			xml_text(r->out, "description", rule->description);
		xml_close(r->out, "item");
	}
	xml_close(r->out, list_tag[kind]);
}

void sg_permissions_xml(struct request *r, const char *tag, const struct sg_rule_list *rules, bool egress)
{
	size_t i, j;

	xml_open(r->out, tag);
	for (i = 0; i < rules->count; i++) {
		const struct sg_rule *rule = &rules->items[i];
		bool seen = false;
		char proto[8];

		if (rule->egress != egress)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = same_ports(&rules->items[j], rule);
		if (seen)
			continue;
		xml_open(r->out, "item");
		proto_format(rule->proto, proto);
		xml_text(r->out, "ipProtocol", proto);
		if (proto_has_ports(rule->proto)) {
			xml_long(r->out, "fromPort", rule->from_port);
			xml_long(r->out, "toPort", rule->to_port);
		}
		peers_xml(r, rules, i, PEER_GROUP);
		peers_xml(r, rules, i, PEER_IPV4);
		peers_xml(r, rules, i, PEER_IPV6);
		xml_open(r->out, "prefixListIds");
		xml_close(r->out, "prefixListIds");
		xml_close(r->out, "item");
	}
	xml_close(r->out, tag);
}
