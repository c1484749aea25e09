/* sqlite_routing.c - route tables (with their kernel table numbers), routes
 * and subnet associations in the SQLite backend: columns, rows, statements. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <string.h>

#define RTB_COLUMNS "id, vpc_id, is_main, kernel_table"
#define ROUTE_COLUMNS "route_table_id, destination, gateway_id, instance_id, eni_id, origin"
#define ASSOC_COLUMNS "id, route_table_id, subnet_id, is_main"

static int rtb_read(sqlite3_stmt *st, void *item)
{
	struct route_table *rt = item;
	int r;

	r = sqlite_col_field(st, 0, rt->id, sizeof rt->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, rt->vpc_id, sizeof rt->vpc_id);
	rt->is_main = sqlite3_column_int(st, 2) != 0;
	rt->kernel_table = sqlite3_column_int(st, 3);
	return r;
}

static int rtb_bind(sqlite3_stmt *st, const void *item)
{
	const struct route_table *rt = item;
	int r;

	r = sqlite_bind_field(st, ":id", rt->id, sizeof rt->id);
	if (r == 0)
		r = sqlite_bind_field(st, ":vpc_id", rt->vpc_id, sizeof rt->vpc_id);
	if (r == 0)
		r = sqlite_bind_int64(st, ":is_main", rt->is_main);
	if (r == 0)
		r = sqlite_bind_int64(st, ":kernel_table", rt->kernel_table);
	return r;
}

/* The smallest kernel table number free in the VPC: 100 and up, skipping
 * Linux's reserved 253-255. The answer is 100, 256, or one past a number
 * in use, so those are the only candidates. Numbers of deleted tables are
 * reused; the agent rewrites a table whole, so a reused one starts over. */
static int next_kernel_table(struct store_tx *tx, const char *vpc_id, int *ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	r = sqlite_tx_prepare(tx,
			      "SELECT min(t) FROM (SELECT 100 AS t UNION ALL SELECT 256 "
			      "UNION ALL SELECT kernel_table + 1 FROM route_tables "
			      "WHERE account_id = :account AND vpc_id = :vpc_id) "
			      "WHERE t NOT BETWEEN 253 AND 255 AND t NOT IN "
			      "(SELECT kernel_table FROM route_tables "
			      "WHERE account_id = :account AND vpc_id = :vpc_id)",
			      &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":vpc_id", vpc_id);
	if (r == 0)
		r = sqlite_step_row(st);
	if (r == 0)
		r = -EIO;  /* min() always answers one row */
	if (r > 0) {
		*ret = sqlite3_column_int(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int sqlite_route_table_insert(struct store_tx *tx, struct route_table *rt)
{
	struct route_table row = *rt;
	int r;

	/* checked before it reaches SQL as text, as the binders would */
	if (strnlen(rt->vpc_id, sizeof rt->vpc_id) == sizeof rt->vpc_id)
		return -EINVAL;
	/* two statements, but the first only reads: the transaction is the
	 * only writer, so the number cannot be taken in between */
	r = next_kernel_table(tx, rt->vpc_id, &row.kernel_table);
	if (r == 0)
		r = sqlite_tx_put(tx,
				  "INSERT INTO route_tables (account_id, " RTB_COLUMNS ") "
				  "VALUES (:account, :id, :vpc_id, :is_main, :kernel_table)",
				  rtb_bind, &row, false);
	if (r == 0)
		rt->kernel_table = row.kernel_table;
	return r;
}

int sqlite_route_table_get(struct store_tx *tx, const char *id, struct route_table *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " RTB_COLUMNS " FROM route_tables "
			     "WHERE account_id = :account AND id = :id",
			     id, rtb_read, ret);
}

int sqlite_route_table_list(struct store_tx *tx, struct route_table_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " RTB_COLUMNS " FROM route_tables "
			      "WHERE account_id = :account ORDER BY id",
			      NULL, rtb_read, ret);
}

int sqlite_route_table_load_all(struct sqlite_store *ss, struct route_table_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " RTB_COLUMNS " FROM route_tables "
				  "ORDER BY id, account_id", rtb_read, ret);
}

int sqlite_route_table_delete(struct store_tx *tx, const char *id)
{
	/* its routes go with it (ON DELETE CASCADE); an association that
	 * still names it, the main one too, makes this -ENOTEMPTY */
	return sqlite_tx_delete(tx,
				"DELETE FROM route_tables WHERE account_id = :account AND id = :id",
				id);
}

/* --- routes --- */

static int route_read(sqlite3_stmt *st, void *item)
{
	struct route *rt = item;
	int r;

	r = sqlite_col_field(st, 0, rt->route_table_id, sizeof rt->route_table_id);
	if (r == 0)
		r = sqlite_col_field(st, 1, rt->destination, sizeof rt->destination);
	if (r == 0)
		r = sqlite_col_field(st, 2, rt->gateway_id, sizeof rt->gateway_id);
	if (r == 0)
		r = sqlite_col_field(st, 3, rt->instance_id, sizeof rt->instance_id);
	if (r == 0)
		r = sqlite_col_field(st, 4, rt->eni_id, sizeof rt->eni_id);
	if (r == 0)
		r = sqlite_col_field(st, 5, rt->origin, sizeof rt->origin);
	return r;
}

static int route_bind(sqlite3_stmt *st, const void *item)
{
	const struct route *rt = item;
	int r;

	r = sqlite_bind_field(st, ":route_table_id", rt->route_table_id,
			      sizeof rt->route_table_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":destination", rt->destination, sizeof rt->destination);
	/* exactly one target is set (a CHECK): the others are NULL */
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":gateway_id", rt->gateway_id,
					      sizeof rt->gateway_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":instance_id", rt->instance_id,
					      sizeof rt->instance_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":eni_id", rt->eni_id, sizeof rt->eni_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":origin", rt->origin, sizeof rt->origin);
	return r;
}

int sqlite_route_insert(struct store_tx *tx, const struct route *r)
{
	return sqlite_tx_put(tx,
			     "INSERT INTO routes (account_id, " ROUTE_COLUMNS ") "
			     "VALUES (:account, :route_table_id, :destination, :gateway_id, "
			     ":instance_id, :eni_id, :origin)",
			     route_bind, r, false);
}

int sqlite_route_update(struct store_tx *tx, const struct route *r)
{
	return sqlite_tx_put(tx,
			     "UPDATE routes SET gateway_id = :gateway_id, instance_id = :instance_id, "
			     "eni_id = :eni_id, origin = :origin "
			     "WHERE account_id = :account AND route_table_id = :route_table_id "
			     "AND destination = :destination",
			     route_bind, r, true);
}

int sqlite_route_delete(struct store_tx *tx, const char *route_table_id, const char *destination)
{
	sqlite3_stmt *st = NULL;
	int changes = 0, r;

	r = sqlite_tx_prepare(tx,
			      "DELETE FROM routes WHERE account_id = :account "
			      "AND route_table_id = :route_table_id AND destination = :destination",
			      &st);
	if (r == 0)
		r = sqlite_bind_str(st, ":route_table_id", route_table_id);
	if (r == 0)
		r = sqlite_bind_str(st, ":destination", destination);
	if (r == 0)
		r = sqlite_tx_write(tx, st, SQLITE_FK_HAS_CHILDREN, &changes);
	if (r == 0 && changes == 0)
		r = -ENOENT;
	sqlite3_finalize(st);
	return r;
}

int sqlite_route_list(struct store_tx *tx, const char *route_table_id, struct route_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " ROUTE_COLUMNS " FROM routes WHERE account_id = :account "
			      "AND (:filter IS NULL OR route_table_id = :filter) "
			      "ORDER BY route_table_id, destination",
			      route_table_id, route_read, ret);
}

int sqlite_route_load_all(struct sqlite_store *ss, struct route_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " ROUTE_COLUMNS " FROM routes "
				  "ORDER BY route_table_id, destination, account_id",
			      route_read, ret);
}

/* --- associations --- */

/* A subnet may only be associated with a table of its own VPC, both the
 * account's: otherwise the write selects or matches nothing (-ENOENT).
 * The main association (no subnet) relies on the table's foreign key. */
#define ASSOC_PARENT_OK                                                               \
	"(:subnet_id IS NULL OR EXISTS (SELECT 1 FROM subnets s JOIN route_tables t "  \
	"ON t.account_id = s.account_id AND t.vpc_id = s.vpc_id "                     \
	"WHERE s.account_id = :account AND s.id = :subnet_id "                        \
	"AND t.id = :route_table_id))"

static int assoc_read(sqlite3_stmt *st, void *item)
{
	struct rtb_association *a = item;
	int r;

	r = sqlite_col_field(st, 0, a->id, sizeof a->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, a->route_table_id, sizeof a->route_table_id);
	if (r == 0)
		r = sqlite_col_field(st, 2, a->subnet_id, sizeof a->subnet_id);
	a->is_main = sqlite3_column_int(st, 3) != 0;
	return r;
}

static int assoc_bind(sqlite3_stmt *st, const void *item)
{
	const struct rtb_association *a = item;
	int r;

	r = sqlite_bind_field(st, ":id", a->id, sizeof a->id);
	if (r == 0)
		r = sqlite_bind_field(st, ":route_table_id", a->route_table_id,
				      sizeof a->route_table_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":subnet_id", a->subnet_id, sizeof a->subnet_id);
	if (r == 0)
		r = sqlite_bind_int64(st, ":is_main", a->is_main);
	return r;
}

int sqlite_rtb_association_insert(struct store_tx *tx, const struct rtb_association *a)
{
	/* "must change a row": a failed parent check inserts nothing, which
	 * is -ENOENT; a second association of a subnet is -EEXIST */
	return sqlite_tx_put(tx,
			     "INSERT INTO rtb_associations (account_id, " ASSOC_COLUMNS ") "
			     "SELECT :account, :id, :route_table_id, :subnet_id, :is_main "
			     "WHERE " ASSOC_PARENT_OK,
			     assoc_bind, a, true);
}

int sqlite_rtb_association_get(struct store_tx *tx, const char *id, struct rtb_association *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " ASSOC_COLUMNS " FROM rtb_associations "
			     "WHERE account_id = :account AND id = :id",
			     id, assoc_read, ret);
}

int sqlite_rtb_association_update(struct store_tx *tx, const struct rtb_association *a)
{
	return sqlite_tx_put(tx,
			     "UPDATE rtb_associations SET route_table_id = :route_table_id, "
			     "subnet_id = :subnet_id, is_main = :is_main "
			     "WHERE account_id = :account AND id = :id AND " ASSOC_PARENT_OK,
			     assoc_bind, a, true);
}

int sqlite_rtb_association_delete(struct store_tx *tx, const char *id)
{
	return sqlite_tx_delete(tx,
				"DELETE FROM rtb_associations WHERE account_id = :account "
				"AND id = :id",
				id);
}

int sqlite_rtb_association_list(struct store_tx *tx, struct rtb_association_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " ASSOC_COLUMNS " FROM rtb_associations "
			      "WHERE account_id = :account ORDER BY id",
			      NULL, assoc_read, ret);
}

int sqlite_rtb_association_load_all(struct sqlite_store *ss, struct rtb_association_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " ASSOC_COLUMNS " FROM rtb_associations "
				  "ORDER BY id, account_id", assoc_read, ret);
}
