/* sqlite_schema.c - the SQLite schema as an ordered list of migrations and
 * the code that brings a database file up to the newest one. */
#include "store/sqlite_internal.h"

#include <errno.h>
#include <time.h>

#include "lib/buf.h"

/* A migration is applied once, in order, and never edited after release:
 * a change to the schema is a new entry at the end. PRAGMA user_version
 * holds the number of the last one applied; schema_migrations keeps when. */
struct migration {
	const char *sql;  /* version = position in the array + 1 */
};

/*
 * Tenant tables are keyed by (account_id, id): the account is part of
 * every key, so a row can only be found, referenced or clashed with from
 * inside its own account. Foreign keys are composite for the same reason:
 * a subnet can only name a VPC of its own account.
 */
static const struct migration migrations[] = {
	/* 1: the initial schema */
	{ "CREATE TABLE schema_migrations ("
	  "  version INTEGER PRIMARY KEY,"
	  "  applied INTEGER NOT NULL"
	  ") STRICT;"
	  "CREATE TABLE meta ("
	  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
	  "  revision INTEGER NOT NULL"
	  ") STRICT;"
	  "INSERT INTO meta (id, revision) VALUES (1, 0);"
	  "CREATE TABLE accounts ("
	  "  id TEXT PRIMARY KEY CHECK (length(id) > 0),"
	  "  name TEXT NOT NULL,"
	  "  created INTEGER NOT NULL"
	  ") STRICT;"
	  "CREATE TABLE access_keys ("
	  "  id TEXT PRIMARY KEY CHECK (length(id) > 0),"
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),"
	  "  created INTEGER NOT NULL,"
	  "  sealed_secret BLOB NOT NULL"
	  ") STRICT;"
	  "CREATE INDEX access_keys_account ON access_keys (account_id, id);"
	  "CREATE TABLE vpcs ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  cidr TEXT NOT NULL,"
	  "  enable_dns_support INTEGER NOT NULL CHECK (enable_dns_support IN (0, 1)),"
	  "  enable_dns_hostnames INTEGER NOT NULL CHECK (enable_dns_hostnames IN (0, 1)),"
	  "  instance_tenancy TEXT NOT NULL,"
	  "  PRIMARY KEY (account_id, id)"
	  ") STRICT;"
	  "CREATE TABLE subnets ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  vpc_id TEXT NOT NULL,"
	  "  cidr TEXT NOT NULL,"
	  "  availability_zone TEXT NOT NULL,"
	  "  map_public_ip_on_launch INTEGER NOT NULL CHECK (map_public_ip_on_launch IN (0, 1)),"
	  "  used_ips INTEGER NOT NULL,"
	  "  PRIMARY KEY (account_id, id),"
	  "  FOREIGN KEY (account_id, vpc_id) REFERENCES vpcs (account_id, id)"
	  ") STRICT;"
	  "CREATE INDEX subnets_vpc ON subnets (account_id, vpc_id);"
	  "CREATE TABLE security_groups ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  vpc_id TEXT NOT NULL,"
	  "  name TEXT NOT NULL,"
	  "  description TEXT NOT NULL,"
	  "  is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),"
	  "  PRIMARY KEY (account_id, id),"
	  "  UNIQUE (account_id, vpc_id, name),"
	  "  FOREIGN KEY (account_id, vpc_id) REFERENCES vpcs (account_id, id)"
	  ") STRICT;"
	  /* Rules go with their group: DeleteSecurityGroup drops them. The
	   * peer group is not a foreign key; handlers check it exists. */
	  "CREATE TABLE sg_rules ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  group_id TEXT NOT NULL,"
	  "  egress INTEGER NOT NULL CHECK (egress IN (0, 1)),"
	  "  proto INTEGER NOT NULL CHECK (proto BETWEEN -1 AND 255),"
	  "  from_port INTEGER NOT NULL CHECK (from_port BETWEEN -1 AND 65535),"
	  "  to_port INTEGER NOT NULL CHECK (to_port BETWEEN -1 AND 65535),"
	  "  cidr_ipv4 TEXT,"
	  "  cidr_ipv6 TEXT,"
	  "  ref_group_id TEXT,"
	  "  description TEXT NOT NULL,"
	  "  PRIMARY KEY (account_id, id),"
	  "  FOREIGN KEY (account_id, group_id) REFERENCES security_groups (account_id, id)"
	  "    ON DELETE CASCADE"
	  ") STRICT;"
	  "CREATE INDEX sg_rules_group ON sg_rules (account_id, group_id, id);"
	  "CREATE TABLE tags ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  resource_id TEXT NOT NULL CHECK (length(resource_id) > 0),"
	  "  key TEXT NOT NULL CHECK (length(key) > 0),"
	  "  value TEXT NOT NULL,"
	  "  PRIMARY KEY (account_id, resource_id, key)"
	  ") STRICT;" },

	/* 2: compute and networking. Optional references ("" in a struct) are
	 * NULL here, so a foreign key holds only when there is a parent to
	 * name: a group, ENI or instance of the shared public network has no
	 * VPC row. Rebuilding security_groups relies on the runner switching
	 * foreign keys off (see migrate_to). */
	{ "CREATE TABLE security_groups_v2 ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  vpc_id TEXT CHECK (length(vpc_id) > 0),"
	  "  name TEXT NOT NULL,"
	  "  description TEXT NOT NULL,"
	  "  is_default INTEGER NOT NULL CHECK (is_default IN (0, 1)),"
	  "  PRIMARY KEY (account_id, id),"
	  "  FOREIGN KEY (account_id, vpc_id) REFERENCES vpcs (account_id, id)"
	  ") STRICT;"
	  "INSERT INTO security_groups_v2 (account_id, id, vpc_id, name, description, is_default)"
	  "  SELECT account_id, id, nullif(vpc_id, ''), name, description, is_default"
	  "  FROM security_groups;"
	  "DROP TABLE security_groups;"
	  "ALTER TABLE security_groups_v2 RENAME TO security_groups;"
	  /* NULLs are distinct in a UNIQUE index: the public network's groups
	   * clash by name through the expression */
	  "CREATE UNIQUE INDEX security_groups_name"
	  "  ON security_groups (account_id, coalesce(vpc_id, ''), name);"
	  "CREATE INDEX security_groups_vpc ON security_groups (account_id, vpc_id);"
	  /* the parent key of an ENI's (subnet, vpc) pair */
	  "CREATE UNIQUE INDEX subnets_vpc_key ON subnets (account_id, id, vpc_id);"
	  /* No foreign key to subnets or VPCs: a terminated instance stays
	   * listed after its subnet is gone, as in EC2. The parent is checked
	   * when it is written instead (sqlite_compute.c). */
	  "CREATE TABLE instances ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  reservation_id TEXT NOT NULL,"
	  "  image_id TEXT NOT NULL,"
	  "  instance_type TEXT NOT NULL,"
	  "  subnet_id TEXT CHECK (length(subnet_id) > 0),"
	  "  vpc_id TEXT CHECK (length(vpc_id) > 0),"
	  "  availability_zone TEXT NOT NULL,"
	  "  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'stopping', 'stopped',"
	  "    'shutting-down', 'terminated')),"
	  "  eni_id TEXT CHECK (length(eni_id) > 0),"
	  "  launch_time INTEGER NOT NULL,"
	  "  launch_index INTEGER NOT NULL CHECK (launch_index >= 0),"
	  "  client_token TEXT NOT NULL,"
	  "  PRIMARY KEY (account_id, id),"
	  "  CHECK ((subnet_id IS NULL) = (vpc_id IS NULL))"
	  ") STRICT;"
	  "CREATE INDEX instances_id ON instances (id);"  /* the agent's compare-and-set */
	  "CREATE TABLE enis ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  subnet_id TEXT CHECK (length(subnet_id) > 0),"
	  "  vpc_id TEXT CHECK (length(vpc_id) > 0),"
	  "  instance_id TEXT CHECK (length(instance_id) > 0),"
	  "  availability_zone TEXT NOT NULL,"
	  "  mac TEXT NOT NULL,"
	  "  private_ip TEXT NOT NULL,"
	  "  public_ip TEXT CHECK (length(public_ip) > 0),"
	  "  source_dest_check INTEGER NOT NULL CHECK (source_dest_check IN (0, 1)),"
	  "  description TEXT NOT NULL,"
	  "  PRIMARY KEY (account_id, id),"
	  "  CHECK ((subnet_id IS NULL) = (vpc_id IS NULL)),"
	  "  FOREIGN KEY (account_id, subnet_id, vpc_id)"
	  "    REFERENCES subnets (account_id, id, vpc_id)"
	  ") STRICT;"
	  "CREATE UNIQUE INDEX enis_private_ip ON enis (account_id, subnet_id, private_ip);"
	  /* one router carries every tenant's public network and every public
	   * address: a second holder would take the first one's traffic */
	  "CREATE UNIQUE INDEX enis_public_net_ip ON enis (private_ip) WHERE subnet_id IS NULL;"
	  "CREATE UNIQUE INDEX enis_public_ip ON enis (public_ip);"
	  "CREATE INDEX enis_instance ON enis (account_id, instance_id);"
	  /* an ENI's groups, an ordered set; a group in use cannot be deleted */
	  "CREATE TABLE eni_groups ("
	  "  account_id TEXT NOT NULL,"
	  "  eni_id TEXT NOT NULL,"
	  "  position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 4),"
	  "  group_id TEXT NOT NULL,"
	  "  PRIMARY KEY (account_id, eni_id, position),"
	  "  UNIQUE (account_id, eni_id, group_id),"
	  "  FOREIGN KEY (account_id, eni_id) REFERENCES enis (account_id, id) ON DELETE CASCADE,"
	  "  FOREIGN KEY (account_id, group_id) REFERENCES security_groups (account_id, id)"
	  ") STRICT;"
	  "CREATE INDEX eni_groups_group ON eni_groups (account_id, group_id);"
	  /* Linux reserves tables 253-255 (default, main, local) */
	  "CREATE TABLE route_tables ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  vpc_id TEXT NOT NULL,"
	  "  is_main INTEGER NOT NULL CHECK (is_main IN (0, 1)),"
	  "  kernel_table INTEGER NOT NULL"
	  "    CHECK (kernel_table >= 100 AND kernel_table NOT BETWEEN 253 AND 255),"
	  "  PRIMARY KEY (account_id, id),"
	  "  UNIQUE (account_id, vpc_id, kernel_table),"
	  "  FOREIGN KEY (account_id, vpc_id) REFERENCES vpcs (account_id, id)"
	  ") STRICT;"
	  "CREATE UNIQUE INDEX route_tables_main ON route_tables (account_id, vpc_id)"
	  "  WHERE is_main = 1;"
	  "CREATE TABLE routes ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  route_table_id TEXT NOT NULL,"
	  "  destination TEXT NOT NULL CHECK (length(destination) > 0),"
	  "  gateway_id TEXT CHECK (length(gateway_id) > 0),"
	  "  instance_id TEXT CHECK (length(instance_id) > 0),"
	  "  eni_id TEXT CHECK (length(eni_id) > 0),"
	  "  origin TEXT NOT NULL,"
	  "  PRIMARY KEY (account_id, route_table_id, destination),"
	  "  CHECK ((gateway_id IS NOT NULL) + (instance_id IS NOT NULL)"
	  "    + (eni_id IS NOT NULL) = 1),"
	  "  FOREIGN KEY (account_id, route_table_id) REFERENCES route_tables (account_id, id)"
	  "    ON DELETE CASCADE"
	  ") STRICT;"
	  /* A subnet's association goes with the subnet, as in EC2; a table
	   * with associations cannot be deleted. */
	  "CREATE TABLE rtb_associations ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  route_table_id TEXT NOT NULL,"
	  "  subnet_id TEXT CHECK (length(subnet_id) > 0),"
	  "  is_main INTEGER NOT NULL CHECK (is_main IN (0, 1)),"
	  "  PRIMARY KEY (account_id, id),"
	  "  UNIQUE (account_id, subnet_id),"
	  "  CHECK (is_main = (subnet_id IS NULL)),"
	  "  FOREIGN KEY (account_id, route_table_id) REFERENCES route_tables (account_id, id),"
	  "  FOREIGN KEY (account_id, subnet_id) REFERENCES subnets (account_id, id)"
	  "    ON DELETE CASCADE"
	  ") STRICT;"
	  "CREATE INDEX rtb_associations_table ON rtb_associations (account_id, route_table_id);"
	  "CREATE TABLE internet_gateways ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  id TEXT NOT NULL CHECK (length(id) > 0),"
	  "  vpc_id TEXT CHECK (length(vpc_id) > 0),"
	  "  PRIMARY KEY (account_id, id),"
	  "  UNIQUE (account_id, vpc_id),"
	  "  FOREIGN KEY (account_id, vpc_id) REFERENCES vpcs (account_id, id)"
	  ") STRICT;"
	  "CREATE TABLE addresses ("
	  "  account_id TEXT NOT NULL REFERENCES accounts (id),"
	  "  allocation_id TEXT NOT NULL CHECK (length(allocation_id) > 0),"
	  "  public_ip TEXT NOT NULL CHECK (length(public_ip) > 0),"
	  "  association_id TEXT CHECK (length(association_id) > 0),"
	  "  instance_id TEXT CHECK (length(instance_id) > 0),"
	  "  eni_id TEXT CHECK (length(eni_id) > 0),"
	  "  private_ip TEXT CHECK (length(private_ip) > 0),"
	  "  PRIMARY KEY (account_id, allocation_id),"
	  "  UNIQUE (account_id, association_id)"
	  ") STRICT;"
	  /* deliberately not scoped by account: an address has one holder */
	  "CREATE UNIQUE INDEX addresses_public_ip ON addresses (public_ip);"
	  /* what each host's agent has made true; written by the agent only */
	  "CREATE TABLE agent_status ("
	  "  host TEXT PRIMARY KEY CHECK (length(host) > 0),"
	  "  applied_revision INTEGER NOT NULL CHECK (applied_revision >= 0),"
	  "  updated INTEGER NOT NULL"
	  ") STRICT;" },
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

const int sqlite_schema_version = MIGRATION_COUNT;

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite_errno(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_FK_MISSING_PARENT);
}

/* Read a PRAGMA that answers one integer. */
static int read_pragma_int(sqlite3 *db, const char *sql, int *ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	r = sqlite_step_row(st);
	if (r > 0) {
		*ret = sqlite3_column_int(st, 0);
		r = 0;
	} else if (r == 0) {
		r = -EIO;
	}
	sqlite3_finalize(st);
	return r;
}

/* 0 when no row breaks a foreign key, -EPROTO otherwise: a migration that
 * would leave orphans is rolled back whole. */
static int check_foreign_keys(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	r = sqlite_step_row(st);
	if (r > 0)
		r = -EPROTO;
	sqlite3_finalize(st);
	return r;
}

static int apply(sqlite3 *db, const struct migration *m, int version)
{
	char sql[128];
	int r;

	r = exec(db, m->sql);
	if (r < 0)
		return r;
	/* PRAGMA takes no bound parameters; the number is ours, not input */
	r = bh_snprintf(sql, sizeof sql,
			"INSERT INTO schema_migrations (version, applied) VALUES (%d, %lld);"
			"PRAGMA user_version = %d;",
			version, (long long)time(NULL), version);
	if (r < 0)
		return r;
	return exec(db, sql);
}

int sqlite_schema_migrate_to(sqlite3 *db, int target)
{
	int current, enforced = 0, i, r;

	if (target < 0 || target > MIGRATION_COUNT)
		return -EINVAL;
	/* Rebuilding a table (SQLite's way to change a constraint) drops the
	 * old one, and with foreign keys on a drop deletes its rows first and
	 * cascades into the children. So migrations run with them off, are
	 * checked with foreign_key_check before the commit, and the pragma,
	 * which is ignored inside a transaction, is set around it. */
	r = exec(db, "PRAGMA foreign_keys = OFF");
	if (r < 0)
		return r;
	/* IMMEDIATE: two processes opening a fresh file at once must not both
	 * run migration 1; the second waits, then finds nothing to do. */
	r = exec(db, "BEGIN IMMEDIATE");
	if (r < 0)
		goto restore;
	r = read_pragma_int(db, "PRAGMA user_version", &current);
	if (r < 0)
		goto out;
	if (current > MIGRATION_COUNT || current < 0) {
		r = -EPROTO;  /* written by newer code: do not guess at its meaning */
		goto out;
	}
	for (i = current; i < target; i++) {
		r = apply(db, &migrations[i], i + 1);
		if (r < 0)
			goto out;
	}
	if (current < target)
		r = check_foreign_keys(db);
	if (r == 0)
		r = exec(db, "COMMIT");
out:
	if (r < 0)
		(void)exec(db, "ROLLBACK");
restore:
	if (exec(db, "PRAGMA foreign_keys = ON") < 0 ||
	    read_pragma_int(db, "PRAGMA foreign_keys", &enforced) < 0 || enforced != 1)
		r = r < 0 ? r : -EPROTONOSUPPORT;
	return r;
}

int sqlite_schema_check(sqlite3 *db)
{
	int current, r;

	r = read_pragma_int(db, "PRAGMA user_version", &current);
	if (r == 0 && current != MIGRATION_COUNT)
		r = current < MIGRATION_COUNT ? -ESTALE : -EPROTO;
	return r;
}

int sqlite_schema_migrate(sqlite3 *db)
{
	return sqlite_schema_migrate_to(db, MIGRATION_COUNT);
}
