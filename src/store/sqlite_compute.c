/* sqlite_compute.c - instances and network interfaces (with their ordered
 * group lists) in the SQLite backend: columns, row mapping, statements. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INSTANCE_COLUMNS                                                              \
	"id, reservation_id, image_id, instance_type, subnet_id, vpc_id, "           \
	"availability_zone, state, eni_id, launch_time, launch_index, client_token"

/* An instance has no foreign key to its subnet (it outlives it once
 * terminated), so a write that names one checks it here: a subnet of that
 * VPC in this account, or nothing (the shared public network, where the
 * CHECK makes vpc_id NULL too). */
#define INSTANCE_PARENT_OK                                                            \
	"(:subnet_id IS NULL OR EXISTS (SELECT 1 FROM subnets WHERE "                \
	"account_id = :account AND id = :subnet_id AND vpc_id = :vpc_id))"

static int instance_read(sqlite3_stmt *st, void *item)
{
	struct instance *i = item;
	int r;

	r = sqlite_col_field(st, 0, i->id, sizeof i->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, i->reservation_id, sizeof i->reservation_id);
	if (r == 0)
		r = sqlite_col_field(st, 2, i->image_id, sizeof i->image_id);
	if (r == 0)
		r = sqlite_col_field(st, 3, i->instance_type, sizeof i->instance_type);
	if (r == 0)
		r = sqlite_col_field(st, 4, i->subnet_id, sizeof i->subnet_id);
	if (r == 0)
		r = sqlite_col_field(st, 5, i->vpc_id, sizeof i->vpc_id);
	if (r == 0)
		r = sqlite_col_field(st, 6, i->availability_zone, sizeof i->availability_zone);
	if (r == 0)
		r = sqlite_col_field(st, 7, i->state, sizeof i->state);
	if (r == 0)
		r = sqlite_col_field(st, 8, i->eni_id, sizeof i->eni_id);
	i->launch_time = sqlite3_column_int64(st, 9);
	i->launch_index = sqlite3_column_int(st, 10);
	if (r == 0)
		r = sqlite_col_field(st, 11, i->client_token, sizeof i->client_token);
	return r;
}

static int instance_bind(sqlite3_stmt *st, const void *item)
{
	const struct instance *i = item;
	int r;

	r = sqlite_bind_field(st, ":id", i->id, sizeof i->id);
	if (r == 0)
		r = sqlite_bind_field(st, ":reservation_id", i->reservation_id,
				      sizeof i->reservation_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":image_id", i->image_id, sizeof i->image_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":instance_type", i->instance_type,
				      sizeof i->instance_type);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":subnet_id", i->subnet_id, sizeof i->subnet_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":vpc_id", i->vpc_id, sizeof i->vpc_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":az", i->availability_zone,
				      sizeof i->availability_zone);
	if (r == 0)
		r = sqlite_bind_field(st, ":state", i->state, sizeof i->state);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":eni_id", i->eni_id, sizeof i->eni_id);
	if (r == 0)
		r = sqlite_bind_int64(st, ":launch_time", i->launch_time);
	if (r == 0)
		r = sqlite_bind_int64(st, ":launch_index", i->launch_index);
	if (r == 0)
		r = sqlite_bind_field(st, ":client_token", i->client_token,
				      sizeof i->client_token);
	return r;
}

int sqlite_instance_insert(struct store_tx *tx, const struct instance *i)
{
	/* an INSERT ... SELECT that inserts nothing when the parent check
	 * fails: "must change a row" turns that into -ENOENT, while a
	 * duplicate id still fails the primary key (-EEXIST) */
	return sqlite_tx_put(tx,
			     "INSERT INTO instances (account_id, " INSTANCE_COLUMNS ") "
			     "SELECT :account, :id, :reservation_id, :image_id, :instance_type, "
			     ":subnet_id, :vpc_id, :az, :state, :eni_id, :launch_time, "
			     ":launch_index, :client_token WHERE " INSTANCE_PARENT_OK,
			     instance_bind, i, true);
}

int sqlite_instance_get(struct store_tx *tx, const char *id, struct instance *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " INSTANCE_COLUMNS " FROM instances "
			     "WHERE account_id = :account AND id = :id",
			     id, instance_read, ret);
}

int sqlite_instance_list(struct store_tx *tx, struct instance_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " INSTANCE_COLUMNS " FROM instances "
			      "WHERE account_id = :account ORDER BY id",
			      NULL, instance_read, ret);
}

int sqlite_instance_load_all(struct sqlite_store *ss, struct instance_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " INSTANCE_COLUMNS " FROM instances "
				  "ORDER BY id, account_id", instance_read, ret);
}

int sqlite_instance_update(struct store_tx *tx, const struct instance *i)
{
	/* an unchanged subnet is not checked again: it may be gone by now */
	return sqlite_tx_put(tx,
			     "UPDATE instances SET reservation_id = :reservation_id, "
			     "image_id = :image_id, instance_type = :instance_type, "
			     "subnet_id = :subnet_id, vpc_id = :vpc_id, availability_zone = :az, "
			     "state = :state, eni_id = :eni_id, launch_time = :launch_time, "
			     "launch_index = :launch_index, client_token = :client_token "
			     "WHERE account_id = :account AND id = :id AND "
			     "((subnet_id IS :subnet_id AND vpc_id IS :vpc_id) OR "
			     INSTANCE_PARENT_OK ")",
			     instance_bind, i, true);
}

int sqlite_instance_delete(struct store_tx *tx, const char *id)
{
	return sqlite_tx_delete(tx,
				"DELETE FROM instances WHERE account_id = :account AND id = :id", id);
}

/* --- network interfaces --- */

#define ENI_COLUMNS                                                                   \
	"id, subnet_id, vpc_id, instance_id, availability_zone, mac, private_ip, "   \
	"public_ip, source_dest_check, description"

/* One row per (ENI, group), or one with a NULL group for an ENI without
 * any: a single statement reads ENIs with their ordered group lists. The
 * caller adds the filter and "ORDER BY e.id, e.account_id, g.position". */
#define ENI_SELECT                                                                    \
	"SELECT e.account_id, e.id, e.subnet_id, e.vpc_id, e.instance_id, "          \
	"e.availability_zone, e.mac, e.private_ip, e.public_ip, e.source_dest_check, " \
	"e.description, g.group_id "                                                  \
	"FROM enis e LEFT JOIN eni_groups g "                                         \
	"ON g.account_id = e.account_id AND g.eni_id = e.id "
#define ENI_ORDER " ORDER BY e.id, e.account_id, g.position"

static int eni_read(sqlite3_stmt *st, struct eni *e)
{
	int r;

	r = sqlite_col_field(st, 1, e->id, sizeof e->id);
	if (r == 0)
		r = sqlite_col_field(st, 2, e->subnet_id, sizeof e->subnet_id);
	if (r == 0)
		r = sqlite_col_field(st, 3, e->vpc_id, sizeof e->vpc_id);
	if (r == 0)
		r = sqlite_col_field(st, 4, e->instance_id, sizeof e->instance_id);
	if (r == 0)
		r = sqlite_col_field(st, 5, e->availability_zone, sizeof e->availability_zone);
	if (r == 0)
		r = sqlite_col_field(st, 6, e->mac, sizeof e->mac);
	if (r == 0)
		r = sqlite_col_field(st, 7, e->private_ip, sizeof e->private_ip);
	if (r == 0)
		r = sqlite_col_field(st, 8, e->public_ip, sizeof e->public_ip);
	e->source_dest_check = sqlite3_column_int(st, 9) != 0;
	if (r == 0)
		r = sqlite_col_field(st, 10, e->description, sizeof e->description);
	return r;
}

/* Step st to its end, folding its rows (ENI_SELECT, ENI_ORDER) into l. On
 * error l is released. */
static int eni_rows_read(sqlite3_stmt *st, struct eni_list *l)
{
	char account[BH_ACCOUNT_ID_SIZE] = "", row_account[BH_ACCOUNT_ID_SIZE];
	char row_id[BH_MAX_ID];
	struct eni *e;
	int r;

	for (;;) {
		r = sqlite_step_row(st);
		if (r <= 0)
			break;
		r = sqlite_col_field(st, 0, row_account, sizeof row_account);
		if (r == 0)
			r = sqlite_col_field(st, 1, row_id, sizeof row_id);
		if (r < 0)
			break;
		e = l->count > 0 ? &l->items[l->count - 1] : NULL;
		/* ids are only unique within an account: the snapshot holds all */
		if (!e || strcmp(e->id, row_id) != 0 || strcmp(account, row_account) != 0) {
			e = list_push(l);
			if (!e) {
				r = -ENOMEM;
				break;
			}
			memcpy(account, row_account, sizeof account);
			r = eni_read(st, e);
			if (r < 0)
				break;
		}
		if (sqlite3_column_type(st, 11) == SQLITE_NULL)
			continue;  /* the LEFT JOIN's row for an ENI with no group */
		if (e->group_count >= BH_MAX_ENI_GROUPS) {
			r = -EIO;  /* the schema allows no more: a damaged database */
			break;
		}
		r = sqlite_col_field(st, 11, e->group_ids[e->group_count],
				     sizeof e->group_ids[0]);
		if (r < 0)
			break;
		e->group_count++;
	}
	if (r < 0)
		list_release(l);
	return r;
}

static int eni_bind(sqlite3_stmt *st, const void *item)
{
	const struct eni *e = item;
	int r;

	r = sqlite_bind_field(st, ":id", e->id, sizeof e->id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":subnet_id", e->subnet_id, sizeof e->subnet_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":vpc_id", e->vpc_id, sizeof e->vpc_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":instance_id", e->instance_id,
					      sizeof e->instance_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":az", e->availability_zone,
				      sizeof e->availability_zone);
	if (r == 0)
		r = sqlite_bind_field(st, ":mac", e->mac, sizeof e->mac);
	if (r == 0)
		r = sqlite_bind_field(st, ":private_ip", e->private_ip, sizeof e->private_ip);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":public_ip", e->public_ip, sizeof e->public_ip);
	if (r == 0)
		r = sqlite_bind_int64(st, ":source_dest_check", e->source_dest_check);
	if (r == 0)
		r = sqlite_bind_field(st, ":description", e->description, sizeof e->description);
	return r;
}

/* A group list is a set of at most BH_MAX_ENI_GROUPS ids: -EINVAL for more,
 * for an empty or unterminated id, or for an id given twice. */
static int eni_groups_valid(const struct eni *e)
{
	size_t i, j;

	if (e->group_count > BH_MAX_ENI_GROUPS)
		return -EINVAL;
	for (i = 0; i < e->group_count; i++) {
		if (strnlen(e->group_ids[i], sizeof e->group_ids[i]) == sizeof e->group_ids[i] ||
		    e->group_ids[i][0] == '\0')
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (strcmp(e->group_ids[i], e->group_ids[j]) == 0)
				return -EINVAL;
	}
	return 0;
}

/* Write e's groups in order (the old ones already gone). A group must be
 * the account's and in the ENI's network (same VPC, or both in the public
 * network); otherwise nothing is selected to insert: -ENOENT. */
static int eni_groups_write(struct store_tx *tx, const struct eni *e)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int changes = 0, r;

	if (e->group_count == 0)
		return 0;
	r = sqlite_tx_prepare(tx,
			      "INSERT INTO eni_groups (account_id, eni_id, position, group_id) "
			      "SELECT :account, e.id, :position, g.id FROM enis e "
			      "JOIN security_groups g ON g.account_id = e.account_id "
			      "AND g.vpc_id IS e.vpc_id "
			      "WHERE e.account_id = :account AND e.id = :eni_id AND g.id = :group_id",
			      &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":eni_id", e->id);
	for (i = 0; r == 0 && i < e->group_count; i++) {
		sqlite3_reset(st);
		r = sqlite_bind_int64(st, ":position", (long long)i);
		if (r == 0)
			r = sqlite_bind_str(st, ":group_id", e->group_ids[i]);
		if (r == 0)
			r = sqlite_tx_write(tx, st, SQLITE_FK_MISSING_PARENT, &changes);
		if (r == 0 && changes == 0)
			r = -ENOENT;
	}
	sqlite3_finalize(st);
	return r;
}

int sqlite_eni_insert(struct store_tx *tx, const struct eni *e)
{
	int r = eni_groups_valid(e);

	if (r < 0)
		return r;
	r = sqlite_tx_call_begin(tx);
	if (r < 0)
		return r;
	/* the composite foreign key (account, subnet, vpc) makes a subnet of
	 * another account, or of another VPC, -ENOENT */
	r = sqlite_tx_put(tx,
			  "INSERT INTO enis (account_id, " ENI_COLUMNS ") "
			  "VALUES (:account, :id, :subnet_id, :vpc_id, :instance_id, :az, "
			  ":mac, :private_ip, :public_ip, :source_dest_check, :description)",
			  eni_bind, e, false);
	if (r == 0)
		r = eni_groups_write(tx, e);
	return sqlite_tx_call_end(tx, r);
}

int sqlite_eni_get(struct store_tx *tx, const char *id, struct eni *ret)
{
	struct eni_list l = { 0 };
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_tx_prepare(tx, ENI_SELECT "WHERE e.account_id = :account AND e.id = :id"
				  ENI_ORDER, &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", id);
	if (r == 0)
		r = eni_rows_read(st, &l);
	if (r == 0 && l.count == 0)
		r = -ENOENT;
	if (r == 0)
		*ret = l.items[0];
	sqlite3_finalize(st);
	list_release(&l);
	return r;
}

int sqlite_eni_list(struct store_tx *tx, struct eni_list *ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_tx_prepare(tx, ENI_SELECT "WHERE e.account_id = :account" ENI_ORDER, &st);
	if (r == 0)
		r = eni_rows_read(st, ret);
	else
		list_release(ret);
	sqlite3_finalize(st);
	return r;
}

int sqlite_eni_load_all(struct sqlite_store *ss, struct eni_list *ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_db_prepare(ss, ENI_SELECT ENI_ORDER, &st);
	if (r == 0)
		r = eni_rows_read(st, ret);
	else
		list_release(ret);
	sqlite3_finalize(st);
	return r;
}

int sqlite_eni_update(struct store_tx *tx, const struct eni *e)
{
	sqlite3_stmt *st = NULL;
	int r = eni_groups_valid(e);

	if (r < 0)
		return r;
	r = sqlite_tx_call_begin(tx);
	if (r < 0)
		return r;
	r = sqlite_tx_put(tx,
			  "UPDATE enis SET subnet_id = :subnet_id, vpc_id = :vpc_id, "
			  "instance_id = :instance_id, availability_zone = :az, mac = :mac, "
			  "private_ip = :private_ip, public_ip = :public_ip, "
			  "source_dest_check = :source_dest_check, description = :description "
			  "WHERE account_id = :account AND id = :id",
			  eni_bind, e, true);
	if (r == 0)
		r = sqlite_tx_prepare(tx,
				      "DELETE FROM eni_groups WHERE account_id = :account "
				      "AND eni_id = :id",
				      &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":id", e->id);
	if (r == 0)
		r = sqlite_tx_write(tx, st, SQLITE_FK_MISSING_PARENT, NULL);
	sqlite3_finalize(st);
	if (r == 0)
		r = eni_groups_write(tx, e);
	return sqlite_tx_call_end(tx, r);
}

int sqlite_eni_delete(struct store_tx *tx, const char *id)
{
	/* its group list goes with it (ON DELETE CASCADE) */
	return sqlite_tx_delete(tx, "DELETE FROM enis WHERE account_id = :account AND id = :id",
				id);
}
