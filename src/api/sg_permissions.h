/* sg_permissions.h - security group rules as the API spells them: the
 * permission forms of Authorize/Revoke/Modify parsed into sg_rules, and the
 * two XML shapes EC2 answers rules in. Used only by handlers_sg.c. */
#ifndef BH_SG_PERMISSIONS_H
#define BH_SG_PERMISSIONS_H

#include <stdbool.h>

#include "api/describe.h"
#include "api/request.h"
#include "model/resources.h"

/* Copy of untrusted text safe to echo in a message: at most 64 bytes,
 * anything outside printable ASCII replaced by '?', so a cut can never
 * leave half a UTF-8 sequence in the XML error document. */
#define SG_ECHO_MAX 72
void sg_echo(const char *s, char ret[SG_ECHO_MAX]);

/* EC2's character set for VPC group names, group descriptions and rule
 * descriptions: a-zA-Z0-9, space and ._-:/()#,@[]+=&;{}!$* */
bool sg_text_is_valid(const char *s);

/* The group named by id (InvalidGroupId.Malformed, InvalidGroup.NotFound). */
int sg_group_get(struct request *r, const char *id, struct security_group *ret);

/* The group named name in vpc_id, or in any of the caller's VPCs when
 * vpc_id is NULL (bulkhead has no default VPC to pin a bare name to).
 * InvalidGroup.NotFound when none; VPCIdNotSpecified when several VPCs
 * have one. */
int sg_group_by_name(struct request *r, const char *vpc_id, const char *name,
		     struct security_group *ret);

/* The referenced (peer) group of a rule of target: by id, else by name in
 * target's VPC. A user id other than the caller's behaves exactly as a
 * group that does not exist. Fills ret with the peer's id. */
int sg_peer_resolve(struct request *r, const struct security_group *target, const char *group_id,
		    const char *group_name, const char *user_id, char ret[BH_MAX_ID]);

/* Parse the request's permissions (IpPermissions.N, or for ingress the
 * legacy flat IpProtocol/FromPort/ToPort/CidrIp/SourceSecurityGroupName)
 * into one rule per (protocol, ports, peer), ids left empty. An empty
 * result is not an error here: callers decide (revoke may use rule ids). */
int sg_permissions_parse(struct request *r, const struct security_group *target, bool egress,
			 struct sg_rule_list *ret);

/* Apply ModifySecurityGroupRules' SecurityGroupRule.<n>.SecurityGroupRule.*
 * to rule in place: fields sent replace the rule's, fields absent keep
 * theirs. The caller checks the result for duplicates. */
int sg_rule_request_apply(struct request *r, const struct security_group *target, size_t n,
			  struct sg_rule *rule);

/* Same direction, protocol, ports and peer: the identity EC2 checks
 * duplicates and revocations against (the description is not part of it). */
bool sg_rule_same(const struct sg_rule *a, const struct sg_rule *b);

/* EC2's text for a rule in InvalidPermission.Duplicate:
 * peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW */
#define SG_RULE_TEXT 192
void sg_rule_text(const struct sg_rule *rule, char ret[SG_RULE_TEXT]);

/* InvalidPermission.Duplicate for rule. */
int sg_rule_duplicate_error(struct request *r, const struct sg_rule *rule);

/* Before adding rules to group_id: none may equal a rule the group has
 * or an earlier one of added (InvalidPermission.Duplicate), and the
 * direction must stay within BH_MAX_RULES_PER_DIR. Asks the store for
 * exactly that, not for the group's rules. */
int sg_rules_check_new(struct request *r, const char *group_id, const struct sg_rule_list *added,
		       bool egress);

/* Does any of a group's rules meet f, one of DescribeSecurityGroups'
 * ip-permission.* / egress.ip-permission.* filters? groups (all of the
 * caller's) give the names of referenced groups. */
bool sg_rules_filter_hit(const struct request *r, const struct filter *f, const struct sg_rule_list *rules,
			 const struct sg_list *groups);

/* One securityGroupRuleSet item (DescribeSecurityGroupRules, Authorize). */
void sg_rule_xml(struct request *r, const struct sg_rule *rule, const struct tag_list *tags);

/* One revokedSecurityGroupRuleSet item. */
void sg_rule_revoked_xml(struct request *r, const struct sg_rule *rule);

/* ipPermissions or ipPermissionsEgress (tag) of one group, from its rules:
 * rules with the same protocol and ports share one item, as in EC2. */
void sg_permissions_xml(struct request *r, const char *tag, const struct sg_rule_list *rules,
			bool egress);

#endif
