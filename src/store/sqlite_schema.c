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
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

const int sqlite_schema_version = MIGRATION_COUNT;

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite_errno(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_FK_MISSING_PARENT);
}

static int read_user_version(sqlite3 *db, int *ret)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
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

int sqlite_schema_migrate(sqlite3 *db)
{
	int current, i, r;

	/* IMMEDIATE: two processes opening a fresh file at once must not both
	 * run migration 1; the second waits, then finds nothing to do. */
	r = exec(db, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	r = read_user_version(db, &current);
	if (r < 0)
		goto out;
	if (current > MIGRATION_COUNT || current < 0) {
		r = -EPROTO;  /* written by newer code: do not guess at its meaning */
		goto out;
	}
	for (i = current; i < MIGRATION_COUNT; i++) {
		r = apply(db, &migrations[i], i + 1);
		if (r < 0)
			goto out;
	}
	r = exec(db, "COMMIT");
out:
	if (r < 0)
		(void)exec(db, "ROLLBACK");
	return r;
}
