/* sqlite_network.c - VPCs and subnets in the SQLite backend: their columns,
 * how a row maps to a struct, and the tenant statements that touch them. */
#include "store/sqlite_internal.h"

#include <errno.h>

#define VPC_COLUMNS "id, cidr, enable_dns_support, enable_dns_hostnames, instance_tenancy"
#define SUBNET_COLUMNS "id, vpc_id, cidr, availability_zone, map_public_ip_on_launch, used_ips"

static int vpc_read(sqlite3_stmt *st, void *item)
{
	struct vpc *v = item;
	int r;

	r = sqlite_col_field(st, 0, v->id, sizeof v->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, v->cidr, sizeof v->cidr);
	v->enable_dns_support = sqlite3_column_int(st, 2) != 0;
	v->enable_dns_hostnames = sqlite3_column_int(st, 3) != 0;
	if (r == 0)
		r = sqlite_col_field(st, 4, v->instance_tenancy, sizeof v->instance_tenancy);
	return r;
}

static int vpc_bind(sqlite3_stmt *st, const void *item)
{
	const struct vpc *v = item;
	int r;

	r = sqlite_bind_field(st, ":id", v->id, sizeof v->id);
	if (r == 0)
		r = sqlite_bind_field(st, ":cidr", v->cidr, sizeof v->cidr);
	if (r == 0)
		r = sqlite_bind_int64(st, ":dns_support", v->enable_dns_support);
	if (r == 0)
		r = sqlite_bind_int64(st, ":dns_hostnames", v->enable_dns_hostnames);
	if (r == 0)
		r = sqlite_bind_field(st, ":tenancy", v->instance_tenancy,
				      sizeof v->instance_tenancy);
	return r;
}

int sqlite_vpc_insert(struct store_tx *tx, const struct vpc *v)
{
	return sqlite_tx_put(tx,
			     "INSERT INTO vpcs (account_id, " VPC_COLUMNS ") "
			     "VALUES (:account, :id, :cidr, :dns_support, :dns_hostnames, :tenancy)",
			     vpc_bind, v, false);
}

int sqlite_vpc_get(struct store_tx *tx, const char *id, struct vpc *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " VPC_COLUMNS " FROM vpcs "
			     "WHERE account_id = :account AND id = :id",
			     id, vpc_read, ret);
}

int sqlite_vpc_list(struct store_tx *tx, struct vpc_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " VPC_COLUMNS " FROM vpcs "
			      "WHERE account_id = :account ORDER BY id",
			      NULL, vpc_read, ret);
}

int sqlite_vpc_load_all(struct sqlite_store *ss, struct vpc_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " VPC_COLUMNS " FROM vpcs ORDER BY id, account_id",
			      vpc_read, ret);
}

int sqlite_vpc_update(struct store_tx *tx, const struct vpc *v)
{
	return sqlite_tx_put(tx,
			     "UPDATE vpcs SET cidr = :cidr, enable_dns_support = :dns_support, "
			     "enable_dns_hostnames = :dns_hostnames, instance_tenancy = :tenancy "
			     "WHERE account_id = :account AND id = :id",
			     vpc_bind, v, true);
}

int sqlite_vpc_delete(struct store_tx *tx, const char *id)
{
	return sqlite_tx_delete(tx, "DELETE FROM vpcs WHERE account_id = :account AND id = :id",
				id);
}

static int subnet_read(sqlite3_stmt *st, void *item)
{
	struct subnet *sn = item;
	int r;

	r = sqlite_col_field(st, 0, sn->id, sizeof sn->id);
	if (r == 0)
		r = sqlite_col_field(st, 1, sn->vpc_id, sizeof sn->vpc_id);
	if (r == 0)
		r = sqlite_col_field(st, 2, sn->cidr, sizeof sn->cidr);
	if (r == 0)
		r = sqlite_col_field(st, 3, sn->availability_zone, sizeof sn->availability_zone);
	sn->map_public_ip_on_launch = sqlite3_column_int(st, 4) != 0;
	sn->used_ips = (long)sqlite3_column_int64(st, 5);
	return r;
}

static int subnet_bind(sqlite3_stmt *st, const void *item)
{
	const struct subnet *sn = item;
	int r;

	r = sqlite_bind_field(st, ":id", sn->id, sizeof sn->id);
	if (r == 0)
		r = sqlite_bind_field(st, ":vpc_id", sn->vpc_id, sizeof sn->vpc_id);
	if (r == 0)
		r = sqlite_bind_field(st, ":cidr", sn->cidr, sizeof sn->cidr);
	if (r == 0)
		r = sqlite_bind_field(st, ":az", sn->availability_zone,
				      sizeof sn->availability_zone);
	if (r == 0)
		r = sqlite_bind_int64(st, ":map_public_ip", sn->map_public_ip_on_launch);
	if (r == 0)
		r = sqlite_bind_int64(st, ":used_ips", sn->used_ips);
	return r;
}

int sqlite_subnet_insert(struct store_tx *tx, const struct subnet *sn)
{
	return sqlite_tx_put(tx,
			     "INSERT INTO subnets (account_id, " SUBNET_COLUMNS ") "
			     "VALUES (:account, :id, :vpc_id, :cidr, :az, :map_public_ip, :used_ips)",
			     subnet_bind, sn, false);
}

int sqlite_subnet_get(struct store_tx *tx, const char *id, struct subnet *ret)
{
	return sqlite_tx_get(tx,
			     "SELECT " SUBNET_COLUMNS " FROM subnets "
			     "WHERE account_id = :account AND id = :id",
			     id, subnet_read, ret);
}

int sqlite_subnet_list(struct store_tx *tx, struct subnet_list *ret)
{
	return SQLITE_TX_LIST(tx,
			      "SELECT " SUBNET_COLUMNS " FROM subnets "
			      "WHERE account_id = :account ORDER BY id",
			      NULL, subnet_read, ret);
}

int sqlite_subnet_load_all(struct sqlite_store *ss, struct subnet_list *ret)
{
	return SQLITE_DB_LIST(ss, "SELECT " SUBNET_COLUMNS " FROM subnets ORDER BY id, account_id",
			      subnet_read, ret);
}

int sqlite_subnet_update(struct store_tx *tx, const struct subnet *sn)
{
	return sqlite_tx_put(tx,
			     "UPDATE subnets SET vpc_id = :vpc_id, cidr = :cidr, "
			     "availability_zone = :az, map_public_ip_on_launch = :map_public_ip, "
			     "used_ips = :used_ips "
			     "WHERE account_id = :account AND id = :id",
			     subnet_bind, sn, true);
}

int sqlite_subnet_delete(struct store_tx *tx, const char *id)
{
	return sqlite_tx_delete(tx,
				"DELETE FROM subnets WHERE account_id = :account AND id = :id", id);
}
