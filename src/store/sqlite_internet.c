/* sqlite_internet.c - the way out of a VPC in the SQLite backend: internet
 * gateways, and public (Elastic IP) addresses, which are unique across all
 * accounts. */
#include "store/sqlite_internal.h"

#include <errno.h>

#define IGW_COLUMNS "id, vpc_id"
#define ADDRESS_COLUMNS \
	"allocation_id, public_ip, association_id, instance_id, eni_id, private_ip"

static int igw_read(sqlite3_stmt *st, void *item)
{
	struct internet_gateway *g = item;
	int r;

	r = sqlite_col_field(st, 0, g->id, sizeof g->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, g->vpc_id, sizeof g->vpc_id);
	return r;
}

static int igw_bind(sqlite3_stmt *st, const void *item)
{
	const struct internet_gateway *g = item;
	int r;

	r = sqlite_bind_field(st, ":id", g->id, sizeof g->id);
	/* detached is NULL: no VPC to name, and UNIQUE (account, vpc) lets
	 * any number of detached gateways be */
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":vpc_id", g->vpc_id, sizeof g->vpc_id);
	return r;
}

int sqlite_igw_insert(struct store_tx *tx, const struct internet_gateway *g)
{
	return sqlite_tx_put(tx,
			     "INSERT INTO internet_gateways (account_id, " IGW_COLUMNS ") "
			     "VALUES (:account, :id, :vpc_id)",
			     igw_bind, g, false);
}

int sqlite_igw_get(struct store_tx *tx, const char *id, struct internet_gateway *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " IGW_COLUMNS " FROM internet_gateways "
			     "WHERE account_id = :account AND id = :id",
			     id, igw_read, ret);
}

int sqlite_igw_list(struct store_tx *tx, struct igw_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " IGW_COLUMNS " FROM internet_gateways "
			      "WHERE account_id = :account ORDER BY id",
			      NULL, igw_read, ret);
}

int sqlite_igw_load_all(struct sqlite_store *ss, struct igw_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " IGW_COLUMNS " FROM internet_gateways "
				  "ORDER BY id, account_id", igw_read, ret);
}

int sqlite_igw_update(struct store_tx *tx, const struct internet_gateway *g)
{
	/* attaching to a VPC that already has a gateway is -EEXIST */
	return sqlite_tx_put(tx,
			     "UPDATE internet_gateways SET vpc_id = :vpc_id "
			     "WHERE account_id = :account AND id = :id",
			     igw_bind, g, true);
}

int sqlite_igw_delete(struct store_tx *tx, const char *id)
{
	return sqlite_tx_delete(tx,
				"DELETE FROM internet_gateways WHERE account_id = :account "
				"AND id = :id",
				id);
}

/* --- addresses --- */

static int address_read(sqlite3_stmt *st, void *item)
{
	struct address *a = item;
	int r;

	r = sqlite_col_field(st, 0, a->allocation_id, sizeof a->allocation_id);
	if (r == 0)
		r = sqlite_col_field(st, 1, a->public_ip, sizeof a->public_ip);
	if (r == 0)
		r = sqlite_col_field(st, 2, a->association_id, sizeof a->association_id);
	if (r == 0)
		r = sqlite_col_field(st, 3, a->instance_id, sizeof a->instance_id);
	if (r == 0)
		r = sqlite_col_field(st, 4, a->eni_id, sizeof a->eni_id);
	if (r == 0)
		r = sqlite_col_field(st, 5, a->private_ip, sizeof a->private_ip);
	return r;
}

static int address_bind(sqlite3_stmt *st, const void *item)
{
	const struct address *a = item;
	int r;

	r = sqlite_bind_field(st, ":allocation_id", a->allocation_id, sizeof a->allocation_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":public_ip", a->public_ip, sizeof a->public_ip);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":association_id", a->association_id,
					      sizeof a->association_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":instance_id", a->instance_id,
					      sizeof a->instance_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":eni_id", a->eni_id, sizeof a->eni_id);
	if (r == 0)
		r = sqlite_bind_field_or_null(st, ":private_ip", a->private_ip,
					      sizeof a->private_ip);
	return r;
}

int sqlite_address_insert(struct store_tx *tx, const struct address *a)
{
	/* the public_ip index is not scoped by account: an address held by
	 * anyone is -EEXIST (allocation avoids it via public_ips_in_use) */
	return sqlite_tx_put(tx,
			     "INSERT INTO addresses (account_id, " ADDRESS_COLUMNS ") "
			     "VALUES (:account, :allocation_id, :public_ip, :association_id, "
			     ":instance_id, :eni_id, :private_ip)",
			     address_bind, a, false);
}

int sqlite_address_get(struct store_tx *tx, const char *allocation_id, struct address *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " ADDRESS_COLUMNS " FROM addresses "
			     "WHERE account_id = :account AND allocation_id = :id",
			     allocation_id, address_read, ret);
}

int sqlite_address_list(struct store_tx *tx, struct address_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " ADDRESS_COLUMNS " FROM addresses "
			      "WHERE account_id = :account ORDER BY allocation_id",
			      NULL, address_read, ret);
}

int sqlite_address_load_all(struct sqlite_store *ss, struct address_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " ADDRESS_COLUMNS " FROM addresses "
				  "ORDER BY allocation_id, account_id", address_read, ret);
}

int sqlite_address_update(struct store_tx *tx, const struct address *a)
{
	return sqlite_tx_put(tx,
			     "UPDATE addresses SET public_ip = :public_ip, "
			     "association_id = :association_id, instance_id = :instance_id, "
			     "eni_id = :eni_id, private_ip = :private_ip "
			     "WHERE account_id = :account AND allocation_id = :allocation_id",
			     address_bind, a, true);
}

int sqlite_address_delete(struct store_tx *tx, const char *allocation_id)
{
	return sqlite_tx_delete(tx,
				"DELETE FROM addresses WHERE account_id = :account "
				"AND allocation_id = :id",
				allocation_id);
}

static int public_ip_read(sqlite3_stmt *st, void *item)
{
	struct address *a = item;

	return sqlite_col_field(st, 0, a->public_ip, sizeof a->public_ip);
}

int sqlite_public_ips_in_use(struct store_tx *tx, struct address_list *ret)
{
	sqlite3_stmt *st = NULL;
	struct address *a;
	int r;

	/* Every holder's addresses, but only the addresses: the statement
	 * cannot name an owner (sqlite_tx_prepare_shared). An ENI of the
	 * public network holds its private address publicly too. */
	r = sqlite_tx_prepare_shared(tx,
				     "SELECT public_ip FROM addresses "
				     "UNION SELECT public_ip FROM enis WHERE public_ip IS NOT NULL "
				     "UNION SELECT private_ip FROM enis WHERE subnet_id IS NULL "
				     "ORDER BY 1",
				     &st);
	while (r == 0) {
		r = sqlite_step_row(st);
		if (r <= 0)
			break;
		a = list_push(ret);
		r = a ? public_ip_read(st, a) : -ENOMEM;
	}
	sqlite3_finalize(st);
	if (r < 0)
		list_release(ret);
	return r;
}
