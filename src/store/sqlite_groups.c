/* sqlite_groups.c - security groups and their rules in the SQLite backend:
 * columns, row mapping, and the tenant statements that touch them. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SG_COLUMNS "id, vpc_id, name, description, is_default"
#define RULE_COLUMNS \
	"id, group_id, egress, proto, from_port, to_port, cidr_ipv4, cidr_ipv6, " \
	"ref_group_id, description"

static int sg_read(sqlite3_stmt *st, void *item)
{
	struct security_group *g = item;
	int r;

	r = sqlite_col_field(st, 0, g->id, sizeof g->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, g->vpc_id, sizeof g->vpc_id);
	if (r == 0)
		r = sqlite_col_field(st, 2, g->name, sizeof g->name);
	if (r == 0)
		r = sqlite_col_field(st, 3, g->description, sizeof g->description);
	g->is_default = sqlite3_column_int(st, 4) != 0;
	return r;
}

static int sg_bind(sqlite3_stmt *st, const void *item)
{
	const struct security_group *g = item;
	int r;

	r = sqlite_bind_field(st, ":id", g->id, sizeof g->id);
	if (r == 0)
		/* "" (the shared public network) is NULL: no VPC row to name */
		r = sqlite_bind_field_or_null(st, ":vpc_id", g->vpc_id, sizeof g->vpc_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":name", g->name, sizeof g->name);
	if (r == 0)
		r = sqlite_bind_field(st, ":description", g->description, sizeof g->description);
	if (r == 0)
		r = sqlite_bind_int64(st, ":is_default", g->is_default);
	return r;
}

int sqlite_sg_insert(struct store_tx *tx, const struct security_group *g)
{
	/* unique (account_id, vpc_id or "", name): a clash is -EEXIST, and
	 * only within the account, so it reveals nothing about other tenants */
	return sqlite_tx_put(tx,
			     "INSERT INTO security_groups (account_id, " SG_COLUMNS ") "
			     "VALUES (:account, :id, :vpc_id, :name, :description, :is_default)",
			     sg_bind, g, false);
}

int sqlite_sg_get(struct store_tx *tx, const char *id, struct security_group *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " SG_COLUMNS " FROM security_groups "
			     "WHERE account_id = :account AND id = :id",
			     id, sg_read, ret);
}

int sqlite_sg_list(struct store_tx *tx, struct sg_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " SG_COLUMNS " FROM security_groups "
			      "WHERE account_id = :account ORDER BY id",
			      NULL, sg_read, ret);
}

int sqlite_sg_load_all(struct sqlite_store *ss, struct sg_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " SG_COLUMNS " FROM security_groups "
				  "ORDER BY id, account_id", sg_read, ret);
}

int sqlite_sg_delete(struct store_tx *tx, const char *id)
{
	/* the group's own rules go with it (ON DELETE CASCADE); an ENI that
	 * still names it makes this -ENOTEMPTY */
	return sqlite_tx_delete(tx,
				"DELETE FROM security_groups WHERE account_id = :account AND id = :id",
				id);
}

static int rule_read(sqlite3_stmt *st, void *item)
{
	struct sg_rule *rule = item;
	int r;

	r = sqlite_col_field(st, 0, rule->id, sizeof rule->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, rule->group_id, sizeof rule->group_id);
	rule->egress = sqlite3_column_int(st, 2) != 0;
	rule->proto = sqlite3_column_int(st, 3);
	rule->from_port = sqlite3_column_int(st, 4);
	rule->to_port = sqlite3_column_int(st, 5);
	if (r == 0)
		r = sqlite_col_field(st, 6, rule->cidr_ipv4, sizeof rule->cidr_ipv4);
	if (r == 0)
		r = sqlite_col_field(st, 7, rule->cidr_ipv6, sizeof rule->cidr_ipv6);
	if (r == 0)
		r = sqlite_col_field(st, 8, rule->ref_group_id, sizeof rule->ref_group_id);
	if (r == 0)
		r = sqlite_col_field(st, 9, rule->description, sizeof rule->description);
	return r;
}

/* What makes two rules of a group the same rule: all but id and description. */
static int rule_bind_shape(sqlite3_stmt *st, const struct sg_rule *rule)
{
	int r;

	r = sqlite_bind_field(st, ":group_id", rule->group_id, sizeof rule->group_id);
	if (r == 0)
		r = sqlite_bind_int64(st, ":egress", rule->egress);
	if (r == 0)
		r = sqlite_bind_int64(st, ":proto", rule->proto);
	if (r == 0)
		r = sqlite_bind_int64(st, ":from_port", rule->from_port);
	if (r == 0)
		r = sqlite_bind_int64(st, ":to_port", rule->to_port);
	/* the two peers a rule does not use are NULL, not "" */
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":cidr_ipv4", rule->cidr_ipv4,
					      sizeof rule->cidr_ipv4);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":cidr_ipv6", rule->cidr_ipv6,
					      sizeof rule->cidr_ipv6);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":ref_group_id", rule->ref_group_id,
					      sizeof rule->ref_group_id);
	return r;
}

static int rule_bind(sqlite3_stmt *st, const void *item)
{
	const struct sg_rule *rule = item;
	int r;

	r = sqlite_bind_field(st, ":id", rule->id, sizeof rule->id);
	if (r == 0)
		r = rule_bind_shape(st, rule);
	if (r == 0)
		r = sqlite_bind_field(st, ":description", rule->description,
				      sizeof rule->description);
	return r;
}

int sqlite_sg_rule_insert(struct store_tx *tx, const struct sg_rule *r)
{
	/* the composite foreign key makes a rule for another account's group
	 * -ENOENT, like a group that does not exist */
	return sqlite_tx_put(tx,
			     "INSERT INTO sg_rules (account_id, " RULE_COLUMNS ") "
			     "VALUES (:account, :id, :group_id, :egress, :proto, :from_port, "
			     ":to_port, :cidr_ipv4, :cidr_ipv6, :ref_group_id, :description)",
			     rule_bind, r, false);
}

int sqlite_sg_rule_get(struct store_tx *tx, const char *id, struct sg_rule *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " RULE_COLUMNS " FROM sg_rules "
			     "WHERE account_id = :account AND id = :id",
			     id, rule_read, ret);
}

int sqlite_sg_rule_list(struct store_tx *tx, const char *group_id, struct sg_rule_list *ret)
{
	/* two statements, not "(:filter IS NULL OR group_id = :filter)": with
	 * the OR the planner walks every rule of the account for one group's,
	 * with the group named it seeks sg_rules_group (already in id order) */
	if (!group_id)
		return SQLITE_TX_LIST(tx,
				      "SELECT " RULE_COLUMNS " FROM sg_rules "
				      "WHERE account_id = :account ORDER BY id",
				      NULL, rule_read, ret);
	return SQLITE_TX_LIST(tx,
			      "SELECT " RULE_COLUMNS " FROM sg_rules "
			      "WHERE account_id = :account AND group_id = :filter ORDER BY id",
			      group_id, rule_read, ret);
}

int sqlite_sg_rule_find_same(struct store_tx *tx, const struct sg_rule *like,
			     struct sg_rule_list *ret)
{
	sqlite3_stmt *st = NULL;
	struct sg_rule *rule;
	int r;

	/* seeks sg_rules_group and compares inside SQLite: only a match is
	 * copied out, where listing the group would copy every rule */
	r = sqlite_tx_stmt(tx,
			   "SELECT " RULE_COLUMNS " FROM sg_rules "
			   "WHERE account_id = :account AND group_id = :group_id "
			   "AND egress = :egress AND proto = :proto AND from_port = :from_port "
			   "AND to_port = :to_port AND cidr_ipv4 IS :cidr_ipv4 "
			   "AND cidr_ipv6 IS :cidr_ipv6 AND ref_group_id IS :ref_group_id "
			   "ORDER BY id",
			   &st);
	if (r == 0)
		r = rule_bind_shape(st, like);
	while (r == 0) {
		r = sqlite_step_row(st);
		if (r <= 0)
			break;
		rule = list_push(ret);
		r = rule ? rule_read(st, rule) : -ENOMEM;
	}
	sqlite_tx_put_stmt(tx, st);
	if (r < 0)
		list_release(ret);
	return r;
}

int sqlite_sg_rule_count(struct store_tx *tx, const char *group_id, int egress, size_t *ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* both directions is a count of sg_rules_group alone; one direction
	 * reads each row's egress as well */
	r = sqlite_tx_stmt(tx,
			   egress < 0 ? "SELECT count(*) FROM sg_rules "
					"WHERE account_id = :account AND group_id = :group_id"
				      : "SELECT count(*) FROM sg_rules WHERE account_id = :account "
					"AND group_id = :group_id AND egress = :egress",
			   &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":group_id", group_id);
	if (r == 0 && egress >= 0)
		r = sqlite_bind_int64(st, ":egress", egress);
	if (r == 0)
		r = sqlite_step_row(st);
	if (r == 0)
		r = -EIO;  /* count(*) always answers a row */
	if (r > 0) {
		*ret = (size_t)sqlite3_column_int64(st, 0);
		r = 0;
	}
	sqlite_tx_put_stmt(tx, st);
	return r;
}

int sqlite_sg_rule_update(struct store_tx *tx, const struct sg_rule *r)
{
	return sqlite_tx_put(tx,
			     "UPDATE sg_rules SET group_id = :group_id, egress = :egress, "
			     "proto = :proto, from_port = :from_port, to_port = :to_port, "
			     "cidr_ipv4 = :cidr_ipv4, cidr_ipv6 = :cidr_ipv6, "
			     "ref_group_id = :ref_group_id, description = :description "
			     "WHERE account_id = :account AND id = :id",
			     rule_bind, r, true);
}

int sqlite_sg_rule_delete(struct store_tx *tx, const char *id)
{
	return sqlite_tx_delete(tx, "DELETE FROM sg_rules WHERE account_id = :account AND id = :id",
				id);
}

static int cmp_rule_id(const void *a, const void *b)
{
	return strcmp(((const struct sg_rule *)a)->id, ((const struct sg_rule *)b)->id);
}

/* Sorted here rather than by SQLite, whose sorter copies every column of
 * every row: at 10,000 rules that was half of the agent's snapshot load. */
int sqlite_sg_rule_load_all(struct sqlite_store *ss, struct sg_rule_list *ret)
{
	size_t i;
	int r;

	r = SQLITE_DB_LIST(ss, "SELECT " RULE_COLUMNS " FROM sg_rules", rule_read, ret);
	if (r < 0)
		return r;
	if (ret->count > 1)  /* no rows: items is NULL, which qsort must not get */
		qsort(ret->items, ret->count, sizeof(*ret->items), cmp_rule_id);
	for (i = 1; i < ret->count; i++) {
		if (strcmp(ret->items[i - 1].id, ret->items[i].id) == 0) {
			/* one id in two accounts: their order is the account's */
			list_release(ret);
			return SQLITE_DB_LIST(ss, "SELECT " RULE_COLUMNS " FROM sg_rules ORDER BY id, account_id",
					      rule_read, ret);
		}
	}
	return 0;
}
