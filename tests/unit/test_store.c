/* test_store.c - the store against a real SQLite file in a temporary
 * directory: schema, accounts and keys, tenancy, revisions, the host key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "model/proto.h"
#include "store/hostkey.h"
#include "store/sqlite_internal.h"
#include "store/store.h"

#define ACCT_A "111111111111"
#define ACCT_B "222222222222"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

struct fixture {
	char dir[64];
	char db[128];
	struct store *s;
};

/* --- helpers --- */

static void path_in(const struct fixture *f, const char *name, char *ret, size_t size)
{
	assert_int_equal(bh_snprintf(ret, size, "%s/%s", f->dir, name), 0);
}

static void make_account(struct store *s, const char *id, const char *name)
{
	struct account a = { .created = 1700000000 };

	assert_int_equal(bh_strlcpy(a.id, id, sizeof a.id), 0);
	assert_int_equal(bh_strlcpy(a.name, name, sizeof a.name), 0);
	assert_int_equal(store_account_create(s, &a), 0);
}

static struct vpc vpc_of(const char *id, const char *cidr)
{
	struct vpc v = { .enable_dns_support = true };

	bh_strlcpy(v.id, id, sizeof v.id);
	bh_strlcpy(v.cidr, cidr, sizeof v.cidr);
	bh_strlcpy(v.instance_tenancy, "default", sizeof v.instance_tenancy);
	return v;
}

static struct subnet subnet_of(const char *id, const char *vpc_id, const char *cidr)
{
	struct subnet sn = { .map_public_ip_on_launch = false };

	bh_strlcpy(sn.id, id, sizeof sn.id);
	bh_strlcpy(sn.vpc_id, vpc_id, sizeof sn.vpc_id);
	bh_strlcpy(sn.cidr, cidr, sizeof sn.cidr);
	bh_strlcpy(sn.availability_zone, "bh-1a", sizeof sn.availability_zone);
	return sn;
}

static struct security_group sg_of(const char *id, const char *vpc_id, const char *name)
{
	struct security_group g = { .is_default = false };

	bh_strlcpy(g.id, id, sizeof g.id);
	bh_strlcpy(g.vpc_id, vpc_id, sizeof g.vpc_id);
	bh_strlcpy(g.name, name, sizeof g.name);
	bh_strlcpy(g.description, "test group", sizeof g.description);
	return g;
}

static struct sg_rule rule_of(const char *id, const char *group_id, int port)
{
	struct sg_rule r = { .proto = 6, .from_port = port, .to_port = port };

	bh_strlcpy(r.id, id, sizeof r.id);
	bh_strlcpy(r.group_id, group_id, sizeof r.group_id);
	bh_strlcpy(r.cidr_ipv4, "0.0.0.0/0", sizeof r.cidr_ipv4);
	return r;
}

static struct tag tag_of(const char *resource_id, const char *key, const char *value)
{
	struct tag t;

	memset(&t, 0, sizeof t);
	bh_strlcpy(t.resource_id, resource_id, sizeof t.resource_id);
	bh_strlcpy(t.key, key, sizeof t.key);
	bh_strlcpy(t.value, value, sizeof t.value);
	return t;
}

static uint64_t revision(struct store *s)
{
	uint64_t rev = 0;

	assert_int_equal(store_revision(s, &rev), 0);
	return rev;
}

/* Account A owns vpc, subnet, group, rule and a tag, all with ids ending in "a". */
static void populate_a(struct store *s)
{
	struct vpc v = vpc_of("vpc-0000000000000000a", "10.0.0.0/16");
	struct subnet sn = subnet_of("subnet-0000000000000000a", v.id, "10.0.1.0/24");
	struct security_group g = sg_of("sg-0000000000000000a", v.id, "web");
	struct sg_rule r = rule_of("sgr-0000000000000000a", g.id, 443);
	struct tag t = tag_of(v.id, "Name", "prod");
	struct store_tx *tx;

	assert_int_equal(store_begin(s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	assert_int_equal(store_subnet_insert(tx, &sn), 0);
	assert_int_equal(store_sg_insert(tx, &g), 0);
	assert_int_equal(store_sg_rule_insert(tx, &r), 0);
	assert_int_equal(store_tag_put(tx, &t), 0);
	assert_int_equal(store_commit(tx), 0);
}

static void *read_file(const char *path, size_t *ret_len)
{
	struct stat st;
	char *data;
	int fd;
	ssize_t n;
	size_t off = 0;

	*ret_len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	data = malloc((size_t)st.st_size + 1);
	assert_non_null(data);
	while (off < (size_t)st.st_size) {
		n = read(fd, data + off, (size_t)st.st_size - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	close(fd);
	*ret_len = off;
	return data;
}

static bool file_contains(const char *path, const void *needle, size_t len)
{
	size_t size;
	void *data = read_file(path, &size);
	bool found;

	if (!data)
		return false;
	found = memmem(data, size, needle, len) != NULL;
	free(data);
	return found;
}

static int raw_int(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int v;

	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(bh_strlcpy(f->dir, "/tmp/bh-store-XXXXXX", sizeof f->dir), 0);
	assert_non_null(mkdtemp(f->dir));
	path_in(f, "store.db", f->db, sizeof f->db);
	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
	make_account(f->s, ACCT_A, "alice");
	make_account(f->s, ACCT_B, "bob");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *de;
	char path[256];
	DIR *d;

	store_close(f->s);
	d = opendir(f->dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		path_in(f, de->d_name, path, sizeof path);
		unlink(path);
	}
	closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* --- schema --- */

static void test_migrations(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	static const char *const tables[] = {
		"schema_migrations", "meta", "accounts", "access_keys", "vpcs",
		"subnets", "security_groups", "sg_rules", "tags",
	};
	char sql[256];
	size_t i;

	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), sqlite_schema_version);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 sqlite_schema_version);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		assert_int_equal(bh_snprintf(sql, sizeof sql,
					     "SELECT count(*) FROM sqlite_master "
					     "WHERE type = 'table' AND name = '%s'", tables[i]), 0);
		assert_int_equal(raw_int(f->db, sql), 1);
	}
	/* owner-only, and SQLite's side files inherit that */
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(bh_snprintf(sql, sizeof sql, "%s-wal", f->db), 0);
	assert_int_equal(stat(sql, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* reopen: nothing re-applied, data still there */
	store_close(f->s);
	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), sqlite_schema_version);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 sqlite_schema_version);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM accounts"), 2);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	sqlite3 *db = NULL;
	char sql[64];

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(bh_snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
				     sqlite_schema_version + 1), 0);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open_sqlite(f->db, &s), -EPROTO);
	assert_null(s);

	/* put it back so teardown has a store to close */
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(bh_snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
				     sqlite_schema_version), 0);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
}

/* --- accounts and keys --- */

static void test_account_crud(void **state)
{
	struct fixture *f = *state;
	struct account_list l = { 0 };
	struct account a, dup = { .created = 1 };

	bh_strlcpy(dup.id, ACCT_A, sizeof dup.id);
	bh_strlcpy(dup.name, "mallory", sizeof dup.name);
	assert_int_equal(store_account_create(f->s, &dup), -EEXIST);

	assert_int_equal(store_account_get(f->s, ACCT_A, &a), 0);
	assert_string_equal(a.id, ACCT_A);
	assert_string_equal(a.name, "alice");
	assert_int_equal(a.created, 1700000000);
	assert_int_equal(store_account_get(f->s, "999999999999", &a), -ENOENT);

	make_account(f->s, "000000000001", "carol");
	assert_int_equal(store_account_list(f->s, &l), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[0].id, "000000000001");
	assert_string_equal(l.items[1].id, ACCT_A);
	assert_string_equal(l.items[2].id, ACCT_B);
	list_release(&l);

	assert_int_equal(store_account_delete(f->s, "000000000001"), 0);
	assert_int_equal(store_account_delete(f->s, "000000000001"), -ENOENT);
	assert_int_equal(store_account_get(f->s, "000000000001", &a), -ENOENT);
}

static struct access_key key_of(const char *id, const char *account_id)
{
	struct access_key k = { .enabled = true, .created = 1700000001 };

	bh_strlcpy(k.id, id, sizeof k.id);
	bh_strlcpy(k.account_id, account_id, sizeof k.account_id);
	memset(k.sealed_secret, 0x5a, 60);
	k.sealed_len = 60;
	return k;
}

static void test_key_crud(void **state)
{
	struct fixture *f = *state;
	struct access_key k = key_of("AKIAAAAAAAAAAAAAAAAB", ACCT_A), got;
	struct access_key k2 = key_of("AKIAAAAAAAAAAAAAAAAA", ACCT_A);
	struct access_key kb = key_of("AKIABBBBBBBBBBBBBBBB", ACCT_B);
	struct access_key orphan = key_of("AKIAZZZZZZZZZZZZZZZZ", "999999999999");
	struct access_key empty = key_of("AKIAYYYYYYYYYYYYYYYY", ACCT_A);
	struct access_key_list l = { 0 };

	assert_int_equal(store_key_create(f->s, &k), 0);
	assert_int_equal(store_key_create(f->s, &k), -EEXIST);
	assert_int_equal(store_key_create(f->s, &k2), 0);
	assert_int_equal(store_key_create(f->s, &kb), 0);
	assert_int_equal(store_key_create(f->s, &orphan), -ENOENT);
	empty.sealed_len = 0;
	assert_int_equal(store_key_create(f->s, &empty), -EINVAL);

	assert_int_equal(store_key_get(f->s, k.id, &got), 0);
	assert_string_equal(got.account_id, ACCT_A);
	assert_true(got.enabled);
	assert_int_equal(got.created, 1700000001);
	assert_int_equal(got.sealed_len, 60);
	assert_memory_equal(got.sealed_secret, k.sealed_secret, 60);
	assert_int_equal(store_key_get(f->s, "AKIANOPENOPENOPENOPE", &got), -ENOENT);

	assert_int_equal(store_key_set_enabled(f->s, k.id, false), 0);
	assert_int_equal(store_key_get(f->s, k.id, &got), 0);
	assert_false(got.enabled);
	assert_int_equal(store_key_set_enabled(f->s, "AKIANOPENOPENOPENOPE", true), -ENOENT);

	assert_int_equal(store_key_list(f->s, ACCT_A, &l), 0);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.items[0].id, k2.id);  /* sorted by id */
	assert_string_equal(l.items[1].id, k.id);
	list_release(&l);
	assert_int_equal(store_key_list(f->s, NULL, &l), 0);
	assert_int_equal(l.count, 3);
	list_release(&l);

	assert_int_equal(store_key_delete(f->s, k.id), 0);
	assert_int_equal(store_key_delete(f->s, k.id), -ENOENT);
	assert_int_equal(store_key_get(f->s, k.id, &got), -ENOENT);
}

static void test_key_secret_sealed_at_rest(void **state)
{
	struct fixture *f = *state;
	struct access_key k = key_of("AKIASEALEDSEALEDSEAL", ACCT_A), got;
	char hk_path[128], db_wal[160], clear[BH_SECRET_KEY_LEN + 1];
	struct hostkey hk;
	bool seen_id;

	path_in(f, "hostkey", hk_path, sizeof hk_path);
	assert_int_equal(hostkey_load_or_create(hk_path, &hk), 0);
	assert_int_equal(hostkey_seal(&hk, SECRET, k.sealed_secret, sizeof k.sealed_secret,
				      &k.sealed_len), 0);
	assert_int_equal(k.sealed_len, strlen(SECRET) + BH_AEAD_NONCE_LEN + BH_AEAD_TAG_LEN);
	assert_int_equal(store_key_create(f->s, &k), 0);

	assert_int_equal(store_key_get(f->s, k.id, &got), 0);
	assert_int_equal(hostkey_open(&hk, got.sealed_secret, got.sealed_len, clear, sizeof clear),
			 0);
	assert_string_equal(clear, SECRET);

	/* the raw files: the key id is there (so the scan sees the rows), the
	 * clear secret nowhere */
	assert_int_equal(bh_snprintf(db_wal, sizeof db_wal, "%s-wal", f->db), 0);
	seen_id = file_contains(f->db, k.id, strlen(k.id)) ||
		  file_contains(db_wal, k.id, strlen(k.id));
	assert_true(seen_id);
	assert_false(file_contains(f->db, SECRET, strlen(SECRET)));
	assert_false(file_contains(db_wal, SECRET, strlen(SECRET)));
	/* and still not once SQLite has checkpointed everything into the db */
	store_close(f->s);
	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
	assert_false(file_contains(f->db, SECRET, strlen(SECRET)));
	assert_false(file_contains(db_wal, SECRET, strlen(SECRET)));
}

/* --- tenancy --- */

static void test_tenancy_isolation(void **state)
{
	struct fixture *f = *state;
	struct vpc v = vpc_of("vpc-0000000000000000a", "10.9.0.0/16"), gv;
	struct subnet sn = subnet_of("subnet-0000000000000000a", "vpc-0000000000000000a",
				     "10.9.9.0/24"), gsn;
	struct sg_rule rule = rule_of("sgr-0000000000000000a", "sg-0000000000000000a", 22), gr;
	struct security_group gg, bg;
	struct vpc_list vl = { 0 };
	struct subnet_list sl = { 0 };
	struct sg_list gl = { 0 };
	struct sg_rule_list rl = { 0 };
	struct tag_list tl = { 0 };
	struct tag bt = tag_of("vpc-0000000000000000a", "Name", "hijack");
	struct store_tx *tx;

	populate_a(f->s);

	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_string_equal(store_tx_account(tx), ACCT_B);
	/* reads: exactly like ids that do not exist */
	assert_int_equal(store_vpc_get(tx, "vpc-0000000000000000a", &gv), -ENOENT);
	assert_int_equal(store_subnet_get(tx, "subnet-0000000000000000a", &gsn), -ENOENT);
	assert_int_equal(store_sg_get(tx, "sg-0000000000000000a", &gg), -ENOENT);
	assert_int_equal(store_sg_rule_get(tx, "sgr-0000000000000000a", &gr), -ENOENT);
	assert_int_equal(store_vpc_list(tx, &vl), 0);
	assert_int_equal(vl.count, 0);
	assert_int_equal(store_subnet_list(tx, &sl), 0);
	assert_int_equal(sl.count, 0);
	assert_int_equal(store_sg_list(tx, &gl), 0);
	assert_int_equal(gl.count, 0);
	assert_int_equal(store_sg_rule_list(tx, NULL, &rl), 0);
	assert_int_equal(rl.count, 0);
	assert_int_equal(store_sg_rule_list(tx, "sg-0000000000000000a", &rl), 0);
	assert_int_equal(rl.count, 0);
	assert_int_equal(store_tag_list(tx, NULL, &tl), 0);
	assert_int_equal(tl.count, 0);
	assert_int_equal(store_tag_list(tx, "vpc-0000000000000000a", &tl), 0);
	assert_int_equal(tl.count, 0);

	/* writes: updates and deletes find nothing */
	assert_int_equal(store_vpc_update(tx, &v), -ENOENT);
	assert_int_equal(store_subnet_update(tx, &sn), -ENOENT);
	assert_int_equal(store_sg_rule_update(tx, &rule), -ENOENT);
	assert_int_equal(store_sg_rule_delete(tx, "sgr-0000000000000000a"), -ENOENT);
	assert_int_equal(store_sg_delete(tx, "sg-0000000000000000a"), -ENOENT);
	assert_int_equal(store_subnet_delete(tx, "subnet-0000000000000000a"), -ENOENT);
	assert_int_equal(store_vpc_delete(tx, "vpc-0000000000000000a"), -ENOENT);
	assert_int_equal(store_tag_delete(tx, "vpc-0000000000000000a", "Name", NULL), 0);
	assert_int_equal(store_tag_delete_resource(tx, "vpc-0000000000000000a"), 0);

	/* nor can B hang its own things off A's parents */
	sn = subnet_of("subnet-000000000000000b1", "vpc-0000000000000000a", "10.9.8.0/24");
	assert_int_equal(store_subnet_insert(tx, &sn), -ENOENT);
	bg = sg_of("sg-000000000000000b1", "vpc-0000000000000000a", "sneaky");
	assert_int_equal(store_sg_insert(tx, &bg), -ENOENT);
	rule = rule_of("sgr-000000000000000b1", "sg-0000000000000000a", 23);
	assert_int_equal(store_sg_rule_insert(tx, &rule), -ENOENT);

	/* the same id in B's own space is no clash and no oracle */
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	assert_int_equal(store_tag_put(tx, &bt), 0);
	assert_int_equal(store_commit(tx), 0);

	/* A's things are untouched */
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_get(tx, "vpc-0000000000000000a", &gv), 0);
	assert_string_equal(gv.cidr, "10.0.0.0/16");
	assert_int_equal(store_subnet_get(tx, "subnet-0000000000000000a", &gsn), 0);
	assert_int_equal(store_sg_get(tx, "sg-0000000000000000a", &gg), 0);
	assert_int_equal(store_sg_rule_get(tx, "sgr-0000000000000000a", &gr), 0);
	assert_int_equal(gr.from_port, 443);
	assert_int_equal(store_tag_list(tx, NULL, &tl), 0);
	assert_int_equal(tl.count, 1);
	assert_string_equal(tl.items[0].value, "prod");
	list_release(&tl);
	assert_int_equal(store_vpc_list(tx, &vl), 0);
	assert_int_equal(vl.count, 1);
	list_release(&vl);
	store_rollback(tx);
}

static void test_sg_name_unique_per_account_and_vpc(void **state)
{
	struct fixture *f = *state;
	struct vpc va = vpc_of("vpc-0000000000000000a", "10.0.0.0/16");
	struct vpc va2 = vpc_of("vpc-000000000000000a2", "10.1.0.0/16");
	/* B's VPC even carries A's id: only the account keeps them apart */
	struct vpc vb = vpc_of("vpc-0000000000000000a", "10.0.0.0/16");
	struct security_group g;
	struct store_tx *tx;

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &va), 0);
	assert_int_equal(store_vpc_insert(tx, &va), -EEXIST);
	assert_int_equal(store_vpc_insert(tx, &va2), 0);
	g = sg_of("sg-0000000000000000a", va.id, "default");
	assert_int_equal(store_sg_insert(tx, &g), 0);
	assert_int_equal(store_sg_insert(tx, &g), -EEXIST);  /* same id */
	g = sg_of("sg-000000000000000a1", va.id, "default");
	assert_int_equal(store_sg_insert(tx, &g), -EEXIST);  /* same name, same vpc */
	g = sg_of("sg-000000000000000a2", va2.id, "default");
	assert_int_equal(store_sg_insert(tx, &g), 0);  /* same name, other vpc */
	assert_int_equal(store_commit(tx), 0);

	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &vb), 0);
	g = sg_of("sg-0000000000000000b", vb.id, "default");
	assert_int_equal(store_sg_insert(tx, &g), 0);  /* same name, other account */
	assert_int_equal(store_commit(tx), 0);
}

static void test_account_guard(void **state)
{
	struct fixture *f = *state;
	struct store_tx *tx;
	sqlite3_stmt *st = NULL;

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(sqlite_tx_prepare(tx, "SELECT id FROM vpcs", &st), -EINVAL);
	assert_null(st);
	/* the text alone is not enough: the statement must bind :account */
	assert_int_equal(sqlite_tx_prepare(tx, "SELECT id FROM vpcs WHERE account_id = :account_id",
					   &st), -EINVAL);
	assert_int_equal(sqlite_tx_prepare(tx, "SELECT id FROM vpcs -- :account", &st), -EINVAL);
	/* nothing unscoped may ride behind a scoped statement */
	assert_int_equal(sqlite_tx_prepare(tx, "SELECT id FROM vpcs WHERE account_id = :account; "
					       "DELETE FROM vpcs", &st), -EINVAL);
	assert_null(st);
	assert_int_equal(sqlite_tx_prepare(tx, "SELECT id FROM vpcs WHERE account_id = :account",
					   &st), 0);
	assert_non_null(st);
	sqlite3_finalize(st);
	store_rollback(tx);
}

static void test_unterminated_field_refused(void **state)
{
	struct fixture *f = *state;
	struct vpc v = vpc_of("vpc-0000000000000000a", "10.0.0.0/16");
	struct store_tx *tx;

	memset(v.instance_tenancy, 'x', sizeof v.instance_tenancy);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &v), -EINVAL);
	store_rollback(tx);
	assert_int_equal(store_begin(f->s, "999999999999", &tx), -ENOENT);
	assert_int_equal(store_begin(f->s, "1111111111111111111111", &tx), -ENOENT);
}

/* --- revisions and transactions --- */

static void test_revision(void **state)
{
	struct fixture *f = *state;
	struct vpc v = vpc_of("vpc-0000000000000000a", "10.0.0.0/16");
	struct vpc_list l = { 0 };
	struct store_tx *tx;
	uint64_t rev = revision(f->s);

	assert_true(rev >= 2);  /* the two accounts of the fixture */

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);  /* read only */
	assert_int_equal(store_vpc_list(tx, &l), 0);
	assert_int_equal(store_commit(tx), 0);
	assert_int_equal(revision(f->s), rev);

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);  /* writes nothing */
	assert_int_equal(store_vpc_delete(tx, "vpc-0000000000000000z"), -ENOENT);
	assert_int_equal(store_tag_delete(tx, "vpc-0000000000000000z", "k", NULL), 0);
	assert_int_equal(store_commit(tx), 0);
	assert_int_equal(revision(f->s), rev);

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);  /* rolled back */
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	store_rollback(tx);
	assert_int_equal(revision(f->s), rev);

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);  /* writes */
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	v.enable_dns_hostnames = true;
	assert_int_equal(store_vpc_update(tx, &v), 0);
	assert_int_equal(store_commit(tx), 0);
	assert_int_equal(revision(f->s), rev + 1);  /* one per transaction */

	make_account(f->s, "333333333333", "carol");
	assert_int_equal(revision(f->s), rev + 2);
	assert_int_equal(store_account_delete(f->s, "333333333333"), 0);
	assert_int_equal(revision(f->s), rev + 3);
	assert_int_equal(store_account_delete(f->s, "333333333333"), -ENOENT);
	assert_int_equal(revision(f->s), rev + 3);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until a whole wait of ms passes without a sign: the events of
 * earlier writes are all consumed. */
static void wait_quiet(struct store *s, int ms)
{
	int i;

	for (i = 0; i < 100 && store_wait_change(s, ms) == 1; i++)
		;
	assert_int_equal(store_wait_change(s, ms), 0);
}

/* The agent's wake-up: a commit by another connection ends the wait long
 * before its timeout; silence, or a write to another file of the state
 * directory (the audit log), lets it run out. */
static void test_wait_change(void **state)
{
	struct fixture *f = *state;
	struct store *writer = NULL;
	char other[256];
	long long t0;
	int fd;

	assert_int_equal(store_wait_change(f->s, -1), -EINVAL);
	assert_int_equal(store_open_sqlite(f->db, &writer), 0);
	wait_quiet(f->s, 20);
	t0 = mono_ms();
	assert_int_equal(store_wait_change(f->s, 50), 0);
	assert_true(mono_ms() - t0 >= 45);

	make_account(writer, "333333333333", "carol");
	t0 = mono_ms();
	assert_int_equal(store_wait_change(f->s, 10000), 1);
	assert_true(mono_ms() - t0 < 5000);
	wait_quiet(f->s, 20);

	path_in(f, "audit.log", other, sizeof other);
	fd = open(other, O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{}\n", 3), 3);
	close(fd);
	assert_int_equal(store_wait_change(f->s, 50), 0);

	/* the sign comes after the revision moved or shortly before: the
	 * reader sees the new revision within the agent's recheck window */
	make_account(writer, "444444444444", "dave");
	assert_int_equal(store_wait_change(f->s, 10000), 1);
	t0 = mono_ms();
	while (revision(f->s) != revision(writer) && mono_ms() - t0 < 1000)
		(void)store_wait_change(f->s, 2);
	assert_int_equal(revision(f->s), revision(writer));
	store_close(writer);
}

static void test_rollback_leaves_no_trace(void **state)
{
	struct fixture *f = *state;
	struct vpc v = vpc_of("vpc-0000000000000000a", "10.0.0.0/16"), got;
	struct security_group g = sg_of("sg-0000000000000000a", v.id, "web");
	struct tag t = tag_of(v.id, "Name", "x");
	struct vpc_list vl = { 0 };
	struct tag_list tl = { 0 };
	struct store_tx *tx;

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	assert_int_equal(store_sg_insert(tx, &g), 0);
	assert_int_equal(store_tag_put(tx, &t), 0);
	assert_int_equal(store_vpc_get(tx, v.id, &got), 0);  /* visible inside */
	store_rollback(tx);

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_get(tx, v.id, &got), -ENOENT);
	assert_int_equal(store_vpc_list(tx, &vl), 0);
	assert_int_equal(vl.count, 0);
	assert_int_equal(store_tag_list(tx, NULL, &tl), 0);
	assert_int_equal(tl.count, 0);
	/* the group name is free again */
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	assert_int_equal(store_sg_insert(tx, &g), 0);
	assert_int_equal(store_commit(tx), 0);
}

/* SQLite undoes a whole transaction by itself after some I/O errors; the
 * store must then refuse to go on rather than run statements that would
 * each commit on their own. Simulated with a ROLLBACK behind its back. */
static void test_aborted_transaction_refused(void **state)
{
	struct fixture *f = *state;
	struct vpc v = vpc_of("vpc-0000000000000000a", "10.0.0.0/16");
	struct vpc v2 = vpc_of("vpc-0000000000000000e", "10.0.0.0/16"), got;
	struct store_tx *tx;
	uint64_t rev = revision(f->s);

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	assert_int_equal(sqlite3_exec(sqlite_store_of(f->s)->db, "ROLLBACK", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(store_vpc_insert(tx, &v2), -EIO);
	assert_int_equal(store_commit(tx), -EIO);
	assert_int_equal(revision(f->s), rev);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_get(tx, v.id, &got), -ENOENT);
	assert_int_equal(store_vpc_get(tx, v2.id, &got), -ENOENT);
	store_rollback(tx);
}

static void test_account_delete_cascades(void **state)
{
	struct fixture *f = *state;
	struct access_key k = key_of("AKIAAAAAAAAAAAAAAAAA", ACCT_A), got;
	struct vpc_list vl = { 0 };
	struct subnet_list sl = { 0 };
	struct sg_list gl = { 0 };
	struct sg_rule_list rl = { 0 };
	struct tag_list tl = { 0 };
	struct store_tx *tx;
	struct vpc vb = vpc_of("vpc-0000000000000000b", "10.0.0.0/16");

	populate_a(f->s);
	assert_int_equal(store_key_create(f->s, &k), 0);
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &vb), 0);
	assert_int_equal(store_commit(tx), 0);

	assert_int_equal(store_account_delete(f->s, ACCT_A), 0);
	assert_int_equal(store_key_get(f->s, k.id, &got), -ENOENT);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), -ENOENT);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM tags WHERE account_id = '"
				 ACCT_A "'"), 0);

	/* a new account under the same id starts empty */
	make_account(f->s, ACCT_A, "alice again");
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_list(tx, &vl), 0);
	assert_int_equal(store_subnet_list(tx, &sl), 0);
	assert_int_equal(store_sg_list(tx, &gl), 0);
	assert_int_equal(store_sg_rule_list(tx, NULL, &rl), 0);
	assert_int_equal(store_tag_list(tx, NULL, &tl), 0);
	assert_int_equal(vl.count + sl.count + gl.count + rl.count + tl.count, 0);
	store_rollback(tx);

	/* B is untouched */
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_vpc_list(tx, &vl), 0);
	assert_int_equal(vl.count, 1);
	list_release(&vl);
	store_rollback(tx);
}

/* --- resource semantics --- */

static void test_resources_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct vpc v1 = vpc_of("vpc-0000000000000000c", "10.0.0.0/16");
	struct vpc v2 = vpc_of("vpc-00000000000000001", "10.1.0.0/16");
	struct subnet sn = subnet_of("subnet-00000000000000001", v1.id, "10.0.1.0/24"), gsn;
	struct security_group g1 = sg_of("sg-00000000000000001", v1.id, "a");
	struct security_group g2 = sg_of("sg-00000000000000002", v1.id, "b");
	struct sg_rule r1 = rule_of("sgr-00000000000000001", g1.id, 80);
	struct sg_rule r2 = rule_of("sgr-00000000000000002", g2.id, 0), gr;
	struct sg_rule r3 = rule_of("sgr-00000000000000003", g1.id, 22);
	struct vpc_list vl = { 0 };
	struct sg_rule_list rl = { 0 };
	struct store_tx *tx;

	r2.proto = BH_PROTO_ALL;
	r2.from_port = r2.to_port = -1;
	r2.egress = true;
	r2.cidr_ipv4[0] = '\0';
	bh_strlcpy(r2.ref_group_id, g1.id, sizeof r2.ref_group_id);
	sn.map_public_ip_on_launch = true;
	sn.used_ips = 3;

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &v1), 0);
	assert_int_equal(store_vpc_insert(tx, &v2), 0);
	assert_int_equal(store_vpc_list(tx, &vl), 0);
	assert_int_equal(vl.count, 2);
	assert_string_equal(vl.items[0].id, v2.id);  /* sorted by id */
	assert_true(vl.items[0].enable_dns_support);
	assert_false(vl.items[0].enable_dns_hostnames);
	assert_string_equal(vl.items[0].instance_tenancy, "default");
	list_release(&vl);

	assert_int_equal(store_subnet_insert(tx, &sn), 0);
	assert_int_equal(store_subnet_get(tx, sn.id, &gsn), 0);
	assert_true(gsn.map_public_ip_on_launch);
	assert_int_equal(gsn.used_ips, 3);
	assert_string_equal(gsn.availability_zone, "bh-1a");
	assert_int_equal(store_vpc_delete(tx, v1.id), -ENOTEMPTY);  /* has a subnet */
	sn.used_ips = 4;
	assert_int_equal(store_subnet_update(tx, &sn), 0);
	assert_int_equal(store_subnet_get(tx, sn.id, &gsn), 0);
	assert_int_equal(gsn.used_ips, 4);
	assert_int_equal(store_subnet_delete(tx, sn.id), 0);

	assert_int_equal(store_sg_insert(tx, &g1), 0);
	assert_int_equal(store_sg_insert(tx, &g2), 0);
	assert_int_equal(store_sg_rule_insert(tx, &r3), 0);
	assert_int_equal(store_sg_rule_insert(tx, &r1), 0);
	assert_int_equal(store_sg_rule_insert(tx, &r2), 0);
	assert_int_equal(store_sg_rule_insert(tx, &r2), -EEXIST);
	assert_int_equal(store_sg_rule_get(tx, r2.id, &gr), 0);
	assert_int_equal(gr.proto, BH_PROTO_ALL);
	assert_int_equal(gr.from_port, -1);
	assert_true(gr.egress);
	assert_string_equal(gr.cidr_ipv4, "");
	assert_string_equal(gr.ref_group_id, g1.id);
	r2.proto = 300;
	assert_int_equal(store_sg_rule_update(tx, &r2), -EINVAL);  /* the schema's CHECK */

	assert_int_equal(store_sg_rule_list(tx, g1.id, &rl), 0);
	assert_int_equal(rl.count, 2);
	assert_string_equal(rl.items[0].id, r1.id);
	assert_string_equal(rl.items[1].id, r3.id);
	list_release(&rl);
	bh_strlcpy(r1.description, "http", sizeof r1.description);
	assert_int_equal(store_sg_rule_update(tx, &r1), 0);
	assert_int_equal(store_sg_rule_get(tx, r1.id, &gr), 0);
	assert_string_equal(gr.description, "http");

	/* deleting a group takes its rules */
	assert_int_equal(store_sg_delete(tx, g1.id), 0);
	assert_int_equal(store_sg_rule_get(tx, r1.id, &gr), -ENOENT);
	assert_int_equal(store_sg_rule_list(tx, NULL, &rl), 0);
	assert_int_equal(rl.count, 1);
	assert_string_equal(rl.items[0].id, r2.id);
	list_release(&rl);
	assert_int_equal(store_vpc_delete(tx, v1.id), -ENOTEMPTY);  /* g2 is left */
	assert_int_equal(store_sg_delete(tx, g2.id), 0);
	assert_int_equal(store_vpc_delete(tx, v1.id), 0);
	assert_int_equal(store_commit(tx), 0);
}

static void test_tags(void **state)
{
	struct fixture *f = *state;
	struct tag t1 = tag_of("vpc-00000000000000002", "Name", "web");
	struct tag t2 = tag_of("vpc-00000000000000001", "env", "prod");
	struct tag t3 = tag_of("vpc-00000000000000001", "Name", "db");
	struct tag_list l = { 0 };
	struct store_tx *tx;

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_tag_put(tx, &t1), 0);
	assert_int_equal(store_tag_put(tx, &t2), 0);
	assert_int_equal(store_tag_put(tx, &t3), 0);
	bh_strlcpy(t1.value, "www", sizeof t1.value);
	assert_int_equal(store_tag_put(tx, &t1), 0);  /* replaces */

	assert_int_equal(store_tag_list(tx, NULL, &l), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[0].resource_id, "vpc-00000000000000001");
	assert_string_equal(l.items[0].key, "Name");
	assert_string_equal(l.items[1].key, "env");
	assert_string_equal(l.items[2].resource_id, "vpc-00000000000000002");
	assert_string_equal(l.items[2].value, "www");
	list_release(&l);

	assert_int_equal(store_tag_delete(tx, t2.resource_id, "env", "staging"), 0);  /* no match */
	assert_int_equal(store_tag_list(tx, t2.resource_id, &l), 0);
	assert_int_equal(l.count, 2);
	list_release(&l);
	assert_int_equal(store_tag_delete(tx, t2.resource_id, "env", "prod"), 0);
	assert_int_equal(store_tag_delete(tx, t2.resource_id, "Name", NULL), 0);
	assert_int_equal(store_tag_list(tx, t2.resource_id, &l), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(store_tag_delete_resource(tx, t1.resource_id), 0);
	assert_int_equal(store_tag_list(tx, NULL, &l), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(store_commit(tx), 0);
}

/* --- concurrency and durability --- */

/* Syncs of the WAL, numbered as they start; the highest number of a
 * finished one. A commit hook notes, in the committing thread, how many
 * had started before its commit. */
static atomic_int syncs_started, syncs_done;
static _Thread_local int syncs_before_my_commit;

static int counting_fdatasync(int fd)
{
	int idx = atomic_fetch_add(&syncs_started, 1) + 1, done;
	struct timespec pause = { .tv_nsec = 1000000 };  /* a slow disk: writers pile up */

	nanosleep(&pause, NULL);
	if (fdatasync(fd) < 0)
		return -errno;
	done = atomic_load(&syncs_done);
	while (done < idx && !atomic_compare_exchange_weak(&syncs_done, &done, idx))
		;
	return 0;
}

static int note_commit(void *arg)
{
	(void)arg;
	syncs_before_my_commit = atomic_load(&syncs_started);
	return 0;
}

struct writer {
	struct store *s;
	int index;
	int failures;
	bool check_synced;  /* each commit must return after a WAL sync that began after it */
};

#define WRITERS 4
#define WRITES_EACH 25

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct store_tx *tx;
	char id[BH_MAX_ID];
	struct vpc v;
	int i;

	for (i = 0; i < WRITES_EACH; i++) {
		bh_snprintf(id, sizeof id, "vpc-%08d%09d", w->index, i);
		v = vpc_of(id, "10.0.0.0/16");
		if (store_begin(w->s, ACCT_A, &tx) < 0) {
			w->failures++;
			continue;
		}
		if (store_vpc_insert(tx, &v) < 0)
			w->failures++;
		if (store_commit(tx) < 0)
			w->failures++;
		else if (w->check_synced && atomic_load(&syncs_done) <= syncs_before_my_commit)
			w->failures++;
	}
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	struct vpc_list l = { 0 };
	struct store_tx *tx, *again = NULL;
	uint64_t rev = revision(f->s);
	uint64_t dummy;
	int i;

	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .s = f->s, .index = i };
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(revision(f->s), rev + WRITERS * WRITES_EACH);

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_list(tx, &l), 0);
	assert_int_equal(l.count, WRITERS * WRITES_EACH);
	list_release(&l);
	/* a nested call on the same thread fails instead of hanging */
	assert_int_equal(store_begin(f->s, ACCT_B, &again), -EDEADLK);
	assert_int_equal(store_revision(f->s, &dummy), -EDEADLK);
	store_rollback(tx);
}

static void test_commit_survives_sigkill(void **state)
{
	struct fixture *f = *state;
	struct vpc v = vpc_of("vpc-0000000000000000d", "10.0.0.0/16"), got;
	struct store_tx *tx;
	struct store *s;
	int pipefd[2], status;
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child opens its own connection, commits, reports, waits */
		close(pipefd[0]);
		if (store_open_sqlite(f->db, &s) < 0 || store_begin(s, ACCT_A, &tx) < 0 ||
		    store_vpc_insert(tx, &v) < 0 || store_commit(tx) < 0)
			_exit(1);
		if (write(pipefd[1], "k", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_int_equal(c, 'k');
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	close(pipefd[0]);

	store_close(f->s);
	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_get(tx, v.id, &got), 0);
	store_rollback(tx);
}

/* --- group commit (sqlite_sync.c) --- */

static void test_group_commit_syncs_before_returning(void **state)
{
	struct fixture *f = *state;
	struct sqlite_store *ss = sqlite_store_of(f->s);
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	int (*real_fdatasync)(int fd) = sqlite_wal_fdatasync;
	int i;

	assert_true(ss->sync.grouped);  /* this file system has power-safe overwrite */
	atomic_store(&syncs_started, 0);
	atomic_store(&syncs_done, 0);
	sqlite_wal_fdatasync = counting_fdatasync;
	sqlite3_commit_hook(ss->db, note_commit, NULL);
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .s = f->s, .index = i, .check_synced = true };
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	sqlite3_commit_hook(ss->db, NULL, NULL);
	sqlite_wal_fdatasync = real_fdatasync;
	for (i = 0; i < WRITERS; i++)
		assert_int_equal(w[i].failures, 0);
	/* a sync always covers at least one commit not yet covered */
	assert_true(atomic_load(&syncs_started) >= 1);
	assert_true(atomic_load(&syncs_started) <= WRITERS * WRITES_EACH);
	print_message("%d commits, %d WAL syncs\n", WRITERS * WRITES_EACH, atomic_load(&syncs_started));
}

static int failing_fdatasync(int fd)
{
	(void)fd;
	return -EIO;
}

static void test_failed_wal_sync_is_sticky(void **state)
{
	struct fixture *f = *state;
	struct vpc v = vpc_of("vpc-0000000000000000e", "10.0.0.0/16"), got;
	int (*real_fdatasync)(int fd) = sqlite_wal_fdatasync;
	struct store_tx *tx;

	sqlite_wal_fdatasync = failing_fdatasync;
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	assert_int_equal(store_commit(tx), -EIO);
	sqlite_wal_fdatasync = real_fdatasync;
	/* the disk may have dropped those pages: nothing commits after it,
	 * reads included, until the store is opened again */
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_commit(tx), -EIO);
	store_close(f->s);
	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	/* the page cache kept it here; after a real power loss it may be gone */
	assert_int_equal(store_vpc_get(tx, v.id, &got), 0);
	assert_int_equal(store_commit(tx), 0);
}

/* --- host key --- */

static void test_hostkey(void **state)
{
	struct fixture *f = *state;
	struct hostkey hk, again, other;
	char path[128], path2[128], clear[64];
	uint8_t sealed[BH_SEALED_SECRET_MAX];
	size_t sealed_len = 0;
	struct stat st;
	int fd;

	path_in(f, "hostkey", path, sizeof path);
	assert_int_equal(hostkey_load_or_create(path, &hk), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, BH_AEAD_KEY_LEN);
	assert_int_equal(hostkey_load_or_create(path, &again), 0);
	assert_memory_equal(hk.key, again.key, sizeof hk.key);

	assert_int_equal(hostkey_seal(&hk, SECRET, sealed, sizeof sealed, &sealed_len), 0);
	assert_null(memmem(sealed, sealed_len, SECRET, strlen(SECRET)));
	assert_int_equal(hostkey_open(&hk, sealed, sealed_len, clear, sizeof clear), 0);
	assert_string_equal(clear, SECRET);
	assert_int_equal(hostkey_open(&hk, sealed, sealed_len, clear, 10), -E2BIG);

	sealed[BH_AEAD_NONCE_LEN + 3] ^= 1;
	assert_int_equal(hostkey_open(&hk, sealed, sealed_len, clear, sizeof clear), -EBADMSG);
	assert_string_equal(clear, "");
	sealed[BH_AEAD_NONCE_LEN + 3] ^= 1;
	sealed[sealed_len - 1] ^= 0x80;  /* the tag */
	assert_int_equal(hostkey_open(&hk, sealed, sealed_len, clear, sizeof clear), -EBADMSG);
	sealed[sealed_len - 1] ^= 0x80;
	assert_int_equal(hostkey_open(&hk, sealed, 5, clear, sizeof clear), -EBADMSG);

	path_in(f, "hostkey2", path2, sizeof path2);
	assert_int_equal(hostkey_load_or_create(path2, &other), 0);
	assert_memory_not_equal(hk.key, other.key, sizeof hk.key);
	assert_int_equal(hostkey_open(&other, sealed, sealed_len, clear, sizeof clear), -EBADMSG);

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(hostkey_load_or_create(path, &again), -EPERM);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(hostkey_load_or_create(path, &again), -EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(truncate(path, BH_AEAD_KEY_LEN - 1), 0);
	assert_int_equal(hostkey_load_or_create(path, &again), -EINVAL);

	path_in(f, "hostkey3", path2, sizeof path2);
	fd = open(path2, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789012345678901234567890123", 34), 34);
	close(fd);
	assert_int_equal(hostkey_load_or_create(path2, &again), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_crud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_crud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_secret_sealed_at_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenancy_isolation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_name_unique_per_account_and_vpc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_account_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unterminated_field_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_no_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aborted_transaction_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_delete_cascades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resources_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_survives_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_commit_syncs_before_returning, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failed_wal_sync_is_sticky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostkey, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
