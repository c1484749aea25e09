/* test_store_compute.c - the store's compute and networking resources, the
 * agent's snapshot and reports, and the upgrade from schema version 1,
 * against a real SQLite file in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "model/snapshot.h"
#include "store/sqlite_internal.h"
#include "store/store.h"

#define ACCT_A "111111111111"
#define ACCT_B "222222222222"

#define VPC_A "vpc-0000000000000000a"
#define VPC_A2 "vpc-000000000000000a2"
#define SUBNET_A "subnet-0000000000000000a"
#define SUBNET_A2 "subnet-000000000000000a2"  /* in VPC_A2 */
#define SG_A "sg-0000000000000000a"
#define SG_A2 "sg-000000000000000a2"
#define SG_A3 "sg-000000000000000a3"
#define SG_A_OTHER_VPC "sg-000000000000000a9"  /* in VPC_A2 */
#define SG_A_PUBLIC "sg-000000000000000ap"     /* the public network's */

struct fixture {
	char dir[64];
	char db[128];
	struct store *s;
};

/* --- helpers --- */

static void make_account(struct store *s, const char *id, const char *name)
{
	struct account a = { .created = 1700000000 };

	assert_int_equal(bh_strlcpy(a.id, id, sizeof a.id), 0);
	assert_int_equal(bh_strlcpy(a.name, name, sizeof a.name), 0);
	assert_int_equal(store_account_create(s, &a), 0);
}

static void set(char *field, size_t size, const char *value)
{
	assert_int_equal(bh_strlcpy(field, value, size), 0);
}
#define SET(field, value) set((field), sizeof(field), (value))

static struct vpc vpc_of(const char *id, const char *cidr)
{
	struct vpc v = { .enable_dns_support = true };

	SET(v.id, id);
	SET(v.cidr, cidr);
	SET(v.instance_tenancy, "default");
	return v;
}

static struct subnet subnet_of(const char *id, const char *vpc_id, const char *cidr)
{
	struct subnet sn = { .used_ips = 0 };

	SET(sn.id, id);
	SET(sn.vpc_id, vpc_id);
	SET(sn.cidr, cidr);
	SET(sn.availability_zone, "bh-1a");
	return sn;
}

static struct security_group sg_of(const char *id, const char *vpc_id, const char *name)
{
	struct security_group g = { .is_default = false };

	SET(g.id, id);
	SET(g.vpc_id, vpc_id);
	SET(g.name, name);
	SET(g.description, "test group");
	return g;
}

static struct instance instance_of(const char *id, const char *subnet_id, const char *vpc_id)
{
	struct instance i = { .launch_time = 1700000100, .launch_index = 0 };

	SET(i.id, id);
	SET(i.reservation_id, "r-00000000000000001");
	SET(i.image_id, "ami-00000000000000001");
	SET(i.instance_type, "t3.micro");
	SET(i.subnet_id, subnet_id);
	SET(i.vpc_id, vpc_id);
	SET(i.availability_zone, "bh-1a");
	SET(i.state, BH_STATE_PENDING);
	SET(i.client_token, "token");
	return i;
}

static struct eni eni_of(const char *id, const char *subnet_id, const char *vpc_id,
			 const char *private_ip)
{
	struct eni e = { .source_dest_check = true };

	SET(e.id, id);
	SET(e.subnet_id, subnet_id);
	SET(e.vpc_id, vpc_id);
	SET(e.availability_zone, "bh-1a");
	SET(e.mac, "02:00:00:00:00:01");
	SET(e.private_ip, private_ip);
	SET(e.description, "primary");
	return e;
}

static void eni_add_group(struct eni *e, const char *group_id)
{
	assert_true(e->group_count < BH_MAX_ENI_GROUPS);
	SET(e->group_ids[e->group_count], group_id);
	e->group_count++;
}

static struct route_table rtb_of(const char *id, const char *vpc_id, bool is_main)
{
	struct route_table rt = { .is_main = is_main, .kernel_table = 7 };

	SET(rt.id, id);
	SET(rt.vpc_id, vpc_id);
	return rt;
}

static struct route route_of(const char *table, const char *dest, const char *gateway)
{
	struct route r;

	memset(&r, 0, sizeof r);
	SET(r.route_table_id, table);
	SET(r.destination, dest);
	SET(r.gateway_id, gateway);
	SET(r.origin, "CreateRoute");
	return r;
}

static struct rtb_association assoc_of(const char *id, const char *table, const char *subnet)
{
	struct rtb_association a = { .is_main = subnet[0] == '\0' };

	SET(a.id, id);
	SET(a.route_table_id, table);
	SET(a.subnet_id, subnet);
	return a;
}

static struct internet_gateway igw_of(const char *id, const char *vpc_id)
{
	struct internet_gateway g;

	memset(&g, 0, sizeof g);
	SET(g.id, id);
	SET(g.vpc_id, vpc_id);
	return g;
}

static struct address address_of(const char *allocation_id, const char *public_ip)
{
	struct address a;

	memset(&a, 0, sizeof a);
	SET(a.allocation_id, allocation_id);
	SET(a.public_ip, public_ip);
	return a;
}

/* Field by field: a struct's padding and the bytes past a string's NUL
 * are nobody's business. */
static void assert_instance_equal(const struct instance *a, const struct instance *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->reservation_id, b->reservation_id);
	assert_string_equal(a->image_id, b->image_id);
	assert_string_equal(a->instance_type, b->instance_type);
	assert_string_equal(a->subnet_id, b->subnet_id);
	assert_string_equal(a->vpc_id, b->vpc_id);
	assert_string_equal(a->availability_zone, b->availability_zone);
	assert_string_equal(a->state, b->state);
	assert_string_equal(a->eni_id, b->eni_id);
	assert_int_equal(a->launch_time, b->launch_time);
	assert_int_equal(a->launch_index, b->launch_index);
	assert_string_equal(a->client_token, b->client_token);
}

static void assert_eni_equal(const struct eni *a, const struct eni *b)
{
	size_t i;

	assert_string_equal(a->id, b->id);
	assert_string_equal(a->subnet_id, b->subnet_id);
	assert_string_equal(a->vpc_id, b->vpc_id);
	assert_string_equal(a->instance_id, b->instance_id);
	assert_string_equal(a->availability_zone, b->availability_zone);
	assert_string_equal(a->mac, b->mac);
	assert_string_equal(a->private_ip, b->private_ip);
	assert_string_equal(a->public_ip, b->public_ip);
	assert_int_equal(a->source_dest_check, b->source_dest_check);
	assert_string_equal(a->description, b->description);
	assert_int_equal(a->group_count, b->group_count);
	for (i = 0; i < a->group_count; i++)
		assert_string_equal(a->group_ids[i], b->group_ids[i]);
}

static void assert_rtb_equal(const struct route_table *a, const struct route_table *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->vpc_id, b->vpc_id);
	assert_int_equal(a->is_main, b->is_main);
	assert_int_equal(a->kernel_table, b->kernel_table);
}

static void assert_assoc_equal(const struct rtb_association *a, const struct rtb_association *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->route_table_id, b->route_table_id);
	assert_string_equal(a->subnet_id, b->subnet_id);
	assert_int_equal(a->is_main, b->is_main);
}

static void assert_igw_equal(const struct internet_gateway *a, const struct internet_gateway *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->vpc_id, b->vpc_id);
}

static void assert_address_equal(const struct address *a, const struct address *b)
{
	assert_string_equal(a->allocation_id, b->allocation_id);
	assert_string_equal(a->public_ip, b->public_ip);
	assert_string_equal(a->association_id, b->association_id);
	assert_string_equal(a->instance_id, b->instance_id);
	assert_string_equal(a->eni_id, b->eni_id);
	assert_string_equal(a->private_ip, b->private_ip);
}

static uint64_t revision(struct store *s)
{
	uint64_t rev = 0;

	assert_int_equal(store_revision(s, &rev), 0);
	return rev;
}

/* Account A: VPC_A with SUBNET_A and groups SG_A..SG_A3; VPC_A2 with
 * SUBNET_A2 and SG_A_OTHER_VPC; SG_A_PUBLIC in the public network. */
static void populate_network_a(struct store *s)
{
	struct vpc v = vpc_of(VPC_A, "10.0.0.0/16"), v2 = vpc_of(VPC_A2, "10.1.0.0/16");
	struct subnet sn = subnet_of(SUBNET_A, VPC_A, "10.0.1.0/24");
	struct subnet sn2 = subnet_of(SUBNET_A2, VPC_A2, "10.1.1.0/24");
	struct security_group groups[] = {
		sg_of(SG_A, VPC_A, "default"),
		sg_of(SG_A2, VPC_A, "web"),
		sg_of(SG_A3, VPC_A, "db"),
		sg_of(SG_A_OTHER_VPC, VPC_A2, "default"),
		sg_of(SG_A_PUBLIC, "", "default"),
	};
	struct store_tx *tx;
	size_t i;

	assert_int_equal(store_begin(s, ACCT_A, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &v), 0);
	assert_int_equal(store_vpc_insert(tx, &v2), 0);
	assert_int_equal(store_subnet_insert(tx, &sn), 0);
	assert_int_equal(store_subnet_insert(tx, &sn2), 0);
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		assert_int_equal(store_sg_insert(tx, &groups[i]), 0);
	assert_int_equal(store_commit(tx), 0);
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

static void make_dir(struct fixture *f)
{
	assert_int_equal(bh_strlcpy(f->dir, "/tmp/bh-store-compute-XXXXXX", sizeof f->dir), 0);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(bh_snprintf(f->db, sizeof f->db, "%s/store.db", f->dir), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	make_dir(f);
	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
	make_account(f->s, ACCT_A, "alice");
	make_account(f->s, ACCT_B, "bob");
	*state = f;
	return 0;
}

/* The migration test opens the store itself. */
static int setup_empty_dir(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	make_dir(f);
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
		assert_int_equal(bh_snprintf(path, sizeof path, "%s/%s", f->dir, de->d_name), 0);
		unlink(path);
	}
	closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* --- security groups of the public network --- */

static void test_public_network_groups(void **state)
{
	struct fixture *f = *state;
	struct security_group g = sg_of(SG_A_PUBLIC, "", "default"), got;
	struct sg_list gl = { 0 };
	struct store_tx *tx;

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_sg_insert(tx, &g), 0);
	assert_int_equal(store_sg_get(tx, SG_A_PUBLIC, &got), 0);
	assert_string_equal(got.vpc_id, "");
	assert_string_equal(got.name, "default");
	/* the name is unique in the public network too, though vpc_id is NULL */
	g = sg_of("sg-000000000000000a1", "", "default");
	assert_int_equal(store_sg_insert(tx, &g), -EEXIST);
	g = sg_of("sg-000000000000000a1", "", "web");
	assert_int_equal(store_sg_insert(tx, &g), 0);
	/* a VPC the account does not have is still refused */
	g = sg_of("sg-000000000000000a4", VPC_A, "web");
	assert_int_equal(store_sg_insert(tx, &g), -ENOENT);
	assert_int_equal(store_sg_list(tx, &gl), 0);
	assert_int_equal(gl.count, 2);
	assert_string_equal(gl.items[0].id, "sg-000000000000000a1");
	list_release(&gl);
	assert_int_equal(store_commit(tx), 0);

	/* another account's public network names are its own */
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	g = sg_of("sg-0000000000000000b", "", "default");
	assert_int_equal(store_sg_insert(tx, &g), 0);
	assert_int_equal(store_sg_get(tx, SG_A_PUBLIC, &got), -ENOENT);
	assert_int_equal(store_commit(tx), 0);
}

/* --- instances --- */

static void test_instance_crud(void **state)
{
	struct fixture *f = *state;
	struct instance i1 = instance_of("i-00000000000000002", SUBNET_A, VPC_A);
	struct instance i2 = instance_of("i-00000000000000001", "", "");
	struct instance bad, got;
	struct instance_list il = { 0 };
	struct store_tx *tx;

	populate_network_a(f->s);
	SET(i1.eni_id, "eni-00000000000000001");
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_instance_insert(tx, &i1), 0);
	assert_int_equal(store_instance_insert(tx, &i1), -EEXIST);
	assert_int_equal(store_instance_insert(tx, &i2), 0);  /* the public network */

	/* parents: a subnet of the account, in the named VPC */
	bad = instance_of("i-00000000000000003", "subnet-00000000000000099", VPC_A);
	assert_int_equal(store_instance_insert(tx, &bad), -ENOENT);
	bad = instance_of("i-00000000000000003", SUBNET_A, VPC_A2);
	assert_int_equal(store_instance_insert(tx, &bad), -ENOENT);
	bad = instance_of("i-00000000000000003", "", VPC_A);
	assert_int_equal(store_instance_insert(tx, &bad), -EINVAL);
	bad = instance_of("i-00000000000000003", SUBNET_A, VPC_A);
	SET(bad.state, "exploded");
	assert_int_equal(store_instance_insert(tx, &bad), -EINVAL);

	assert_int_equal(store_instance_get(tx, i1.id, &got), 0);
	assert_instance_equal(&got, &i1);
	assert_int_equal(store_instance_get(tx, i2.id, &got), 0);
	assert_string_equal(got.subnet_id, "");
	assert_string_equal(got.vpc_id, "");
	assert_string_equal(got.eni_id, "");
	assert_int_equal(store_instance_list(tx, &il), 0);
	assert_int_equal(il.count, 2);
	assert_string_equal(il.items[0].id, i2.id);  /* sorted by id */
	assert_string_equal(il.items[1].id, i1.id);
	list_release(&il);

	SET(i1.state, BH_STATE_STOPPING);
	i1.launch_index = 3;
	assert_int_equal(store_instance_update(tx, &i1), 0);
	assert_int_equal(store_instance_get(tx, i1.id, &got), 0);
	assert_string_equal(got.state, BH_STATE_STOPPING);
	assert_int_equal(got.launch_index, 3);
	bad = instance_of("i-00000000000000099", "", "");
	assert_int_equal(store_instance_update(tx, &bad), -ENOENT);
	assert_int_equal(store_instance_delete(tx, bad.id), -ENOENT);
	/* moving it to a subnet of another VPC is refused like a missing one */
	bad = i1;
	SET(bad.subnet_id, SUBNET_A2);
	assert_int_equal(store_instance_update(tx, &bad), -ENOENT);

	/* a terminated instance outlives its subnet, as in EC2 */
	SET(i1.state, BH_STATE_TERMINATED);
	assert_int_equal(store_instance_update(tx, &i1), 0);
	assert_int_equal(store_subnet_delete(tx, SUBNET_A), 0);
	i1.launch_time++;
	assert_int_equal(store_instance_update(tx, &i1), 0);
	assert_int_equal(store_instance_get(tx, i1.id, &got), 0);
	assert_string_equal(got.subnet_id, SUBNET_A);

	assert_int_equal(store_instance_delete(tx, i1.id), 0);
	assert_int_equal(store_instance_get(tx, i1.id, &got), -ENOENT);
	assert_int_equal(store_commit(tx), 0);
}

/* --- network interfaces --- */

static void test_eni_groups(void **state)
{
	struct fixture *f = *state;
	struct eni e1 = eni_of("eni-00000000000000001", SUBNET_A, VPC_A, "10.0.1.10");
	struct eni e2 = eni_of("eni-00000000000000002", SUBNET_A, VPC_A, "10.0.1.11");
	struct eni pub = eni_of("eni-00000000000000003", "", "", "198.51.100.10");
	struct eni bad, got;
	struct eni_list el = { 0 };
	struct store_tx *tx;

	populate_network_a(f->s);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	/* an order that is not the sorted one */
	eni_add_group(&e1, SG_A3);
	eni_add_group(&e1, SG_A);
	eni_add_group(&e1, SG_A2);
	assert_int_equal(store_eni_insert(tx, &e1), 0);
	assert_int_equal(store_eni_insert(tx, &e1), -EEXIST);
	assert_int_equal(store_eni_insert(tx, &e2), 0);  /* no groups at all */
	eni_add_group(&pub, SG_A_PUBLIC);
	SET(pub.public_ip, "198.51.100.10");
	assert_int_equal(store_eni_insert(tx, &pub), 0);

	assert_int_equal(store_eni_get(tx, e1.id, &got), 0);
	assert_eni_equal(&got, &e1);
	assert_int_equal(store_eni_get(tx, pub.id, &got), 0);
	assert_eni_equal(&got, &pub);

	/* update: reorder and shrink */
	e1.group_count = 0;
	memset(e1.group_ids, 0, sizeof e1.group_ids);
	eni_add_group(&e1, SG_A2);
	eni_add_group(&e1, SG_A3);
	SET(e1.instance_id, "i-00000000000000001");
	e1.source_dest_check = false;
	assert_int_equal(store_eni_update(tx, &e1), 0);
	assert_int_equal(store_eni_get(tx, e1.id, &got), 0);
	assert_eni_equal(&got, &e1);

	assert_int_equal(store_eni_list(tx, &el), 0);
	assert_int_equal(el.count, 3);
	assert_eni_equal(&el.items[0], &e1);
	assert_eni_equal(&el.items[1], &e2);
	assert_eni_equal(&el.items[2], &pub);
	list_release(&el);

	/* the list is a set of at most five groups of the ENI's own network */
	bad = eni_of("eni-00000000000000009", SUBNET_A, VPC_A, "10.0.1.99");
	eni_add_group(&bad, SG_A);
	eni_add_group(&bad, SG_A);
	assert_int_equal(store_eni_insert(tx, &bad), -EINVAL);
	bad.group_count = BH_MAX_ENI_GROUPS + 1;
	assert_int_equal(store_eni_insert(tx, &bad), -EINVAL);
	bad.group_count = 1;
	SET(bad.group_ids[0], SG_A_OTHER_VPC);
	assert_int_equal(store_eni_insert(tx, &bad), -ENOENT);
	SET(bad.group_ids[0], SG_A_PUBLIC);
	assert_int_equal(store_eni_insert(tx, &bad), -ENOENT);
	SET(bad.group_ids[0], "sg-00000000000000099");
	assert_int_equal(store_eni_insert(tx, &bad), -ENOENT);
	/* all or nothing: the refused ENI left no row behind */
	assert_int_equal(store_eni_get(tx, bad.id, &got), -ENOENT);
	e2.group_count = 1;
	SET(e2.group_ids[0], SG_A_OTHER_VPC);
	assert_int_equal(store_eni_update(tx, &e2), -ENOENT);
	assert_int_equal(store_eni_get(tx, e2.id, &got), 0);
	assert_int_equal(got.group_count, 0);

	/* parents: the subnet, of that VPC */
	bad = eni_of("eni-00000000000000009", "subnet-00000000000000099", VPC_A, "10.0.1.99");
	assert_int_equal(store_eni_insert(tx, &bad), -ENOENT);
	bad = eni_of("eni-00000000000000009", SUBNET_A, VPC_A2, "10.0.1.99");
	assert_int_equal(store_eni_insert(tx, &bad), -ENOENT);
	bad = eni_of("eni-00000000000000009", SUBNET_A, "", "10.0.1.99");
	assert_int_equal(store_eni_insert(tx, &bad), -EINVAL);
	/* one private address per subnet */
	bad = eni_of("eni-00000000000000009", SUBNET_A, VPC_A, "10.0.1.10");
	assert_int_equal(store_eni_insert(tx, &bad), -EEXIST);

	/* dependents: a group in use, a subnet with interfaces */
	assert_int_equal(store_sg_delete(tx, SG_A2), -ENOTEMPTY);
	assert_int_equal(store_sg_delete(tx, SG_A), 0);  /* no longer used by e1 */
	assert_int_equal(store_subnet_delete(tx, SUBNET_A), -ENOTEMPTY);

	assert_int_equal(store_eni_delete(tx, e1.id), 0);
	assert_int_equal(store_eni_delete(tx, e1.id), -ENOENT);
	assert_int_equal(store_eni_update(tx, &e1), -ENOENT);
	assert_int_equal(store_eni_get(tx, e1.id, &got), -ENOENT);
	assert_int_equal(store_sg_delete(tx, SG_A2), 0);  /* its group rows went with it */
	assert_int_equal(store_eni_delete(tx, e2.id), 0);
	assert_int_equal(store_subnet_delete(tx, SUBNET_A), 0);
	assert_int_equal(store_commit(tx), 0);
}

/* --- route tables, routes, associations --- */

static void test_kernel_table_assignment(void **state)
{
	struct fixture *f = *state;
	struct route_table rt, got;
	struct route_table_list l = { 0 };
	char id[BH_MAX_ID];
	struct store_tx *tx;
	int n;

	populate_network_a(f->s);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	for (n = 0; n < 3; n++) {
		assert_int_equal(bh_snprintf(id, sizeof id, "rtb-0000000000000000%d", n), 0);
		rt = rtb_of(id, VPC_A, n == 0);
		assert_int_equal(store_route_table_insert(tx, &rt), 0);
		assert_int_equal(rt.kernel_table, 100 + n);  /* the caller's 7 is ignored */
	}
	assert_int_equal(store_route_table_insert(tx, &rt), -EEXIST);
	/* one main table per VPC */
	rt = rtb_of("rtb-00000000000000009", VPC_A, true);
	assert_int_equal(store_route_table_insert(tx, &rt), -EEXIST);
	/* numbering is per VPC */
	rt = rtb_of("rtb-000000000000000a2", VPC_A2, true);
	assert_int_equal(store_route_table_insert(tx, &rt), 0);
	assert_int_equal(rt.kernel_table, 100);
	rt = rtb_of("rtb-00000000000000009", "vpc-00000000000000099", false);
	assert_int_equal(store_route_table_insert(tx, &rt), -ENOENT);
	rt.kernel_table = 7;

	/* a freed number is the first reused */
	assert_int_equal(store_route_table_delete(tx, "rtb-00000000000000001"), 0);
	assert_int_equal(store_route_table_delete(tx, "rtb-00000000000000001"), -ENOENT);
	rt = rtb_of("rtb-00000000000000011", VPC_A, false);
	assert_int_equal(store_route_table_insert(tx, &rt), 0);
	assert_int_equal(rt.kernel_table, 101);
	assert_int_equal(store_route_table_get(tx, rt.id, &got), 0);
	assert_rtb_equal(&got, &rt);

	/* past 252 the next is 256: Linux's default, main and local are not ours */
	for (n = 103; n <= 252; n++) {
		assert_int_equal(bh_snprintf(id, sizeof id, "rtb-1000000000000%04d", n), 0);
		rt = rtb_of(id, VPC_A, false);
		assert_int_equal(store_route_table_insert(tx, &rt), 0);
		assert_int_equal(rt.kernel_table, n);
	}
	rt = rtb_of("rtb-20000000000000000", VPC_A, false);
	assert_int_equal(store_route_table_insert(tx, &rt), 0);
	assert_int_equal(rt.kernel_table, 256);

	assert_int_equal(store_route_table_list(tx, &l), 0);
	assert_int_equal(l.count, 3 + 1 + 150 + 1);
	for (n = 1; n < (int)l.count; n++)
		assert_true(strcmp(l.items[n - 1].id, l.items[n].id) < 0);
	list_release(&l);
	assert_int_equal(store_commit(tx), 0);
}

static void test_routes_and_associations(void **state)
{
	struct fixture *f = *state;
	struct route_table main_rt = rtb_of("rtb-00000000000000001", VPC_A, true);
	struct route_table rt = rtb_of("rtb-00000000000000002", VPC_A, false);
	struct route_table rt2 = rtb_of("rtb-00000000000000003", VPC_A2, true);
	struct route local = route_of(main_rt.id, "10.0.0.0/16", "local");
	struct route out = route_of(rt.id, "0.0.0.0/0", "igw-00000000000000001");
	struct route bad;
	struct route_list rl = { 0 };
	struct rtb_association main_assoc = assoc_of("rtbassoc-00000000000000001", main_rt.id, "");
	struct rtb_association sub = assoc_of("rtbassoc-00000000000000002", rt.id, SUBNET_A);
	struct rtb_association badassoc, got;
	struct rtb_association_list al = { 0 };
	struct store_tx *tx;

	populate_network_a(f->s);
	SET(local.origin, "CreateRouteTable");
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_route_table_insert(tx, &main_rt), 0);
	assert_int_equal(store_route_table_insert(tx, &rt), 0);
	assert_int_equal(store_route_table_insert(tx, &rt2), 0);

	/* routes: keyed by (table, destination) */
	assert_int_equal(store_route_insert(tx, &local), 0);
	assert_int_equal(store_route_insert(tx, &local), -EEXIST);
	assert_int_equal(store_route_insert(tx, &out), 0);
	local = route_of(rt.id, "10.0.0.0/16", "local");
	assert_int_equal(store_route_insert(tx, &local), 0);
	bad = route_of("rtb-00000000000000099", "0.0.0.0/0", "local");
	assert_int_equal(store_route_insert(tx, &bad), -ENOENT);
	bad = route_of(rt.id, "10.9.0.0/16", "igw-00000000000000001");
	SET(bad.eni_id, "eni-00000000000000001");  /* two targets */
	assert_int_equal(store_route_insert(tx, &bad), -EINVAL);
	bad.gateway_id[0] = '\0';
	assert_int_equal(store_route_insert(tx, &bad), 0);
	bad.eni_id[0] = '\0';
	assert_int_equal(store_route_update(tx, &bad), -EINVAL);  /* no target */
	SET(bad.instance_id, "i-00000000000000001");
	assert_int_equal(store_route_update(tx, &bad), 0);
	assert_int_equal(store_route_list(tx, rt.id, &rl), 0);
	assert_int_equal(rl.count, 3);
	assert_string_equal(rl.items[0].destination, "0.0.0.0/0");
	assert_string_equal(rl.items[1].destination, "10.0.0.0/16");
	assert_string_equal(rl.items[2].destination, "10.9.0.0/16");
	assert_string_equal(rl.items[2].instance_id, "i-00000000000000001");
	assert_string_equal(rl.items[2].gateway_id, "");
	assert_string_equal(rl.items[2].eni_id, "");
	list_release(&rl);
	assert_int_equal(store_route_list(tx, NULL, &rl), 0);
	assert_int_equal(rl.count, 4);
	assert_string_equal(rl.items[0].route_table_id, main_rt.id);
	list_release(&rl);
	assert_int_equal(store_route_delete(tx, rt.id, "10.9.0.0/16"), 0);
	assert_int_equal(store_route_delete(tx, rt.id, "10.9.0.0/16"), -ENOENT);
	assert_int_equal(store_route_update(tx, &bad), -ENOENT);

	/* associations: one per subnet, a table of the subnet's VPC */
	assert_int_equal(store_rtb_association_insert(tx, &main_assoc), 0);
	assert_int_equal(store_rtb_association_insert(tx, &sub), 0);
	assert_int_equal(store_rtb_association_insert(tx, &sub), -EEXIST);
	badassoc = assoc_of("rtbassoc-00000000000000009", main_rt.id, SUBNET_A);
	assert_int_equal(store_rtb_association_insert(tx, &badassoc), -EEXIST);
	badassoc = assoc_of("rtbassoc-00000000000000009", rt2.id, SUBNET_A);
	assert_int_equal(store_rtb_association_insert(tx, &badassoc), -ENOENT);
	badassoc = assoc_of("rtbassoc-00000000000000009", rt.id, "subnet-00000000000000099");
	assert_int_equal(store_rtb_association_insert(tx, &badassoc), -ENOENT);
	badassoc = assoc_of("rtbassoc-00000000000000009", "rtb-00000000000000099", "");
	assert_int_equal(store_rtb_association_insert(tx, &badassoc), -ENOENT);
	badassoc = assoc_of("rtbassoc-00000000000000009", rt2.id, SUBNET_A2);
	badassoc.is_main = true;  /* main means no subnet */
	assert_int_equal(store_rtb_association_insert(tx, &badassoc), -EINVAL);

	/* replace: to another table of the VPC, not to one of another VPC */
	SET(sub.route_table_id, main_rt.id);
	assert_int_equal(store_rtb_association_update(tx, &sub), 0);
	assert_int_equal(store_rtb_association_get(tx, sub.id, &got), 0);
	assert_assoc_equal(&got, &sub);
	SET(sub.route_table_id, rt2.id);
	assert_int_equal(store_rtb_association_update(tx, &sub), -ENOENT);
	SET(sub.route_table_id, main_rt.id);
	assert_int_equal(store_rtb_association_list(tx, &al), 0);
	assert_int_equal(al.count, 2);
	assert_assoc_equal(&al.items[0], &main_assoc);
	assert_assoc_equal(&al.items[1], &sub);
	list_release(&al);

	/* a table with associations stays; its routes go with it */
	assert_int_equal(store_route_table_delete(tx, main_rt.id), -ENOTEMPTY);
	assert_int_equal(store_route_table_delete(tx, rt.id), 0);
	assert_int_equal(store_route_list(tx, rt.id, &rl), 0);
	assert_int_equal(rl.count, 0);

	/* a subnet's association goes with the subnet */
	assert_int_equal(store_subnet_delete(tx, SUBNET_A), 0);
	assert_int_equal(store_rtb_association_get(tx, sub.id, &got), -ENOENT);
	assert_int_equal(store_rtb_association_delete(tx, sub.id), -ENOENT);

	/* the VPC goes last: main association, main table, group, then it */
	assert_int_equal(store_vpc_delete(tx, VPC_A), -ENOTEMPTY);
	assert_int_equal(store_rtb_association_delete(tx, main_assoc.id), 0);
	assert_int_equal(store_route_table_delete(tx, main_rt.id), 0);
	assert_int_equal(store_sg_delete(tx, SG_A), 0);
	assert_int_equal(store_sg_delete(tx, SG_A2), 0);
	assert_int_equal(store_vpc_delete(tx, VPC_A), -ENOTEMPTY);
	assert_int_equal(store_sg_delete(tx, SG_A3), 0);
	assert_int_equal(store_vpc_delete(tx, VPC_A), 0);
	assert_int_equal(store_commit(tx), 0);
}

/* --- internet gateways --- */

static void test_igw(void **state)
{
	struct fixture *f = *state;
	struct internet_gateway g1 = igw_of("igw-00000000000000001", "");
	struct internet_gateway g2 = igw_of("igw-00000000000000002", "");
	struct internet_gateway got;
	struct igw_list l = { 0 };
	struct store_tx *tx;

	populate_network_a(f->s);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_igw_insert(tx, &g2), 0);
	assert_int_equal(store_igw_insert(tx, &g1), 0);  /* detached, both */
	assert_int_equal(store_igw_insert(tx, &g1), -EEXIST);
	SET(g1.vpc_id, VPC_A);
	assert_int_equal(store_igw_update(tx, &g1), 0);
	assert_int_equal(store_igw_get(tx, g1.id, &got), 0);
	assert_string_equal(got.vpc_id, VPC_A);
	SET(g2.vpc_id, VPC_A);
	assert_int_equal(store_igw_update(tx, &g2), -EEXIST);  /* one per VPC */
	SET(g2.vpc_id, "vpc-00000000000000099");
	assert_int_equal(store_igw_update(tx, &g2), -ENOENT);
	g2.vpc_id[0] = '\0';
	assert_int_equal(store_igw_list(tx, &l), 0);
	assert_int_equal(l.count, 2);
	assert_igw_equal(&l.items[0], &g1);
	assert_igw_equal(&l.items[1], &g2);
	list_release(&l);

	/* an attached gateway holds its VPC */
	assert_int_equal(store_sg_delete(tx, SG_A_OTHER_VPC), 0);
	assert_int_equal(store_subnet_delete(tx, SUBNET_A2), 0);
	SET(g2.vpc_id, VPC_A2);
	assert_int_equal(store_igw_update(tx, &g2), 0);
	assert_int_equal(store_vpc_delete(tx, VPC_A2), -ENOTEMPTY);
	g2.vpc_id[0] = '\0';
	assert_int_equal(store_igw_update(tx, &g2), 0);
	assert_int_equal(store_vpc_delete(tx, VPC_A2), 0);

	assert_int_equal(store_igw_delete(tx, g1.id), 0);
	assert_int_equal(store_igw_delete(tx, g1.id), -ENOENT);
	assert_int_equal(store_igw_update(tx, &g1), -ENOENT);
	assert_int_equal(store_igw_get(tx, g1.id, &got), -ENOENT);
	assert_int_equal(store_commit(tx), 0);
}

/* --- addresses --- */

static void test_addresses(void **state)
{
	struct fixture *f = *state;
	struct address a1 = address_of("eipalloc-00000000000000001", "203.0.113.200");
	struct address a2 = address_of("eipalloc-00000000000000002", "203.0.113.130");
	struct address got;
	struct address_list l = { 0 };
	struct eni e = eni_of("eni-00000000000000001", SUBNET_A, VPC_A, "10.0.1.10");
	struct eni pub = eni_of("eni-00000000000000002", "", "", "198.51.100.20");
	struct eni eb;
	struct store_tx *tx;

	populate_network_a(f->s);
	SET(e.public_ip, "203.0.113.200");  /* a1, associated */
	SET(pub.public_ip, "198.51.100.20");
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_address_insert(tx, &a1), 0);
	assert_int_equal(store_address_insert(tx, &a1), -EEXIST);
	assert_int_equal(store_address_insert(tx, &a2), 0);
	got = address_of("eipalloc-00000000000000003", a2.public_ip);
	assert_int_equal(store_address_insert(tx, &got), -EEXIST);
	assert_int_equal(store_eni_insert(tx, &e), 0);
	assert_int_equal(store_eni_insert(tx, &pub), 0);
	SET(a1.association_id, "eipassoc-00000000000000001");
	SET(a1.eni_id, e.id);
	SET(a1.instance_id, "i-00000000000000001");
	SET(a1.private_ip, e.private_ip);
	assert_int_equal(store_address_update(tx, &a1), 0);
	assert_int_equal(store_address_get(tx, a1.allocation_id, &got), 0);
	assert_address_equal(&got, &a1);
	assert_int_equal(store_address_list(tx, &l), 0);
	assert_int_equal(l.count, 2);
	assert_address_equal(&l.items[0], &a1);
	assert_address_equal(&l.items[1], &a2);
	list_release(&l);
	assert_int_equal(store_commit(tx), 0);

	/* B: A's addresses are A's, and nobody's to take */
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_address_get(tx, a1.allocation_id, &got), -ENOENT);
	assert_int_equal(store_address_update(tx, &a1), -ENOENT);
	assert_int_equal(store_address_delete(tx, a1.allocation_id), -ENOENT);
	assert_int_equal(store_address_list(tx, &l), 0);
	assert_int_equal(l.count, 0);
	got = address_of("eipalloc-0000000000000000b", a2.public_ip);
	assert_int_equal(store_address_insert(tx, &got), -EEXIST);
	eb = eni_of("eni-0000000000000000b", "", "", "198.51.100.20");
	assert_int_equal(store_eni_insert(tx, &eb), -EEXIST);  /* a public-network address */
	eb = eni_of("eni-0000000000000000b", "", "", "198.51.100.21");
	SET(eb.public_ip, "203.0.113.200");
	assert_int_equal(store_eni_insert(tx, &eb), -EEXIST);  /* A's EIP */

	/* every address in use, sorted, once each, and whose is not said */
	assert_int_equal(store_public_ips_in_use(tx, &l), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[0].public_ip, "198.51.100.20");
	assert_string_equal(l.items[1].public_ip, "203.0.113.130");
	assert_string_equal(l.items[2].public_ip, "203.0.113.200");
	assert_string_equal(l.items[2].allocation_id, "");
	assert_string_equal(l.items[2].eni_id, "");
	list_release(&l);
	got = address_of("eipalloc-0000000000000000b", "203.0.113.131");
	assert_int_equal(store_address_insert(tx, &got), 0);
	assert_int_equal(store_commit(tx), 0);

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_address_delete(tx, a2.allocation_id), 0);
	assert_int_equal(store_address_delete(tx, a2.allocation_id), -ENOENT);
	assert_int_equal(store_public_ips_in_use(tx, &l), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[1].public_ip, "203.0.113.131");
	list_release(&l);
	assert_int_equal(store_commit(tx), 0);
}

static void test_shared_prepare_guard(void **state)
{
	struct fixture *f = *state;
	struct store_tx *tx;
	sqlite3_stmt *st = NULL;

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(sqlite_tx_prepare_shared(tx, "SELECT account_id FROM addresses", &st),
			 -EINVAL);
	assert_int_equal(sqlite_tx_prepare_shared(tx, "SELECT public_ip FROM addresses "
						      "WHERE account_id = :account", &st), -EINVAL);
	assert_int_equal(sqlite_tx_prepare_shared(tx, "DELETE FROM addresses", &st), -EINVAL);
	assert_null(st);
	assert_int_equal(sqlite_tx_prepare_shared(tx, "SELECT public_ip FROM addresses", &st), 0);
	sqlite3_finalize(st);
	store_rollback(tx);
}

/* --- tenancy --- */

static void test_compute_tenancy(void **state)
{
	struct fixture *f = *state;
	struct instance i = instance_of("i-0000000000000000a", SUBNET_A, VPC_A), gi;
	struct eni e = eni_of("eni-0000000000000000a", SUBNET_A, VPC_A, "10.0.1.10"), ge;
	struct route_table rt = rtb_of("rtb-0000000000000000a", VPC_A, true), grt;
	struct route r = route_of(rt.id, "10.0.0.0/16", "local");
	struct rtb_association a = assoc_of("rtbassoc-0000000000000000a", rt.id, SUBNET_A), ga;
	struct internet_gateway g = igw_of("igw-0000000000000000a", VPC_A), gg;
	struct instance_list il = { 0 };
	struct eni_list el = { 0 };
	struct route_table_list tl = { 0 };
	struct route_list rl = { 0 };
	struct rtb_association_list al = { 0 };
	struct igw_list gl = { 0 };
	struct store_tx *tx;

	populate_network_a(f->s);
	eni_add_group(&e, SG_A);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_instance_insert(tx, &i), 0);
	assert_int_equal(store_eni_insert(tx, &e), 0);
	assert_int_equal(store_route_table_insert(tx, &rt), 0);
	assert_int_equal(store_route_insert(tx, &r), 0);
	assert_int_equal(store_rtb_association_insert(tx, &a), 0);
	assert_int_equal(store_igw_insert(tx, &g), 0);
	assert_int_equal(store_commit(tx), 0);

	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	/* reads: like ids that do not exist */
	assert_int_equal(store_instance_get(tx, i.id, &gi), -ENOENT);
	assert_int_equal(store_eni_get(tx, e.id, &ge), -ENOENT);
	assert_int_equal(store_route_table_get(tx, rt.id, &grt), -ENOENT);
	assert_int_equal(store_rtb_association_get(tx, a.id, &ga), -ENOENT);
	assert_int_equal(store_igw_get(tx, g.id, &gg), -ENOENT);
	assert_int_equal(store_instance_list(tx, &il), 0);
	assert_int_equal(store_eni_list(tx, &el), 0);
	assert_int_equal(store_route_table_list(tx, &tl), 0);
	assert_int_equal(store_route_list(tx, NULL, &rl), 0);
	assert_int_equal(store_route_list(tx, rt.id, &rl), 0);
	assert_int_equal(store_rtb_association_list(tx, &al), 0);
	assert_int_equal(store_igw_list(tx, &gl), 0);
	assert_int_equal(il.count + el.count + tl.count + rl.count + al.count + gl.count, 0);

	/* writes: find nothing */
	assert_int_equal(store_instance_update(tx, &i), -ENOENT);
	assert_int_equal(store_eni_update(tx, &e), -ENOENT);
	assert_int_equal(store_route_update(tx, &r), -ENOENT);
	assert_int_equal(store_rtb_association_update(tx, &a), -ENOENT);
	assert_int_equal(store_igw_update(tx, &g), -ENOENT);
	assert_int_equal(store_route_delete(tx, rt.id, r.destination), -ENOENT);
	assert_int_equal(store_rtb_association_delete(tx, a.id), -ENOENT);
	assert_int_equal(store_instance_delete(tx, i.id), -ENOENT);
	assert_int_equal(store_eni_delete(tx, e.id), -ENOENT);
	assert_int_equal(store_route_table_delete(tx, rt.id), -ENOENT);
	assert_int_equal(store_igw_delete(tx, g.id), -ENOENT);

	/* nor hang anything off A's parents */
	i = instance_of("i-0000000000000000b", SUBNET_A, VPC_A);
	assert_int_equal(store_instance_insert(tx, &i), -ENOENT);
	e = eni_of("eni-0000000000000000b", SUBNET_A, VPC_A, "10.0.1.11");
	assert_int_equal(store_eni_insert(tx, &e), -ENOENT);
	e = eni_of("eni-0000000000000000b", "", "", "198.51.100.30");
	eni_add_group(&e, SG_A_PUBLIC);  /* A's public-network group */
	assert_int_equal(store_eni_insert(tx, &e), -ENOENT);
	rt = rtb_of("rtb-0000000000000000b", VPC_A, false);
	assert_int_equal(store_route_table_insert(tx, &rt), -ENOENT);
	r = route_of("rtb-0000000000000000a", "0.0.0.0/0", "local");
	assert_int_equal(store_route_insert(tx, &r), -ENOENT);
	a = assoc_of("rtbassoc-0000000000000000b", "rtb-0000000000000000a", "");
	assert_int_equal(store_rtb_association_insert(tx, &a), -ENOENT);
	g = igw_of("igw-0000000000000000b", VPC_A);
	assert_int_equal(store_igw_insert(tx, &g), -ENOENT);
	store_rollback(tx);

	/* A's things are untouched, and account deletion takes them all */
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_instance_get(tx, "i-0000000000000000a", &gi), 0);
	assert_int_equal(store_eni_get(tx, "eni-0000000000000000a", &ge), 0);
	assert_int_equal(ge.group_count, 1);
	store_rollback(tx);
	assert_int_equal(store_account_delete(f->s, ACCT_A), 0);
	assert_int_equal(raw_int(f->db, "SELECT (SELECT count(*) FROM instances) + "
				 "(SELECT count(*) FROM enis) + (SELECT count(*) FROM eni_groups) + "
				 "(SELECT count(*) FROM route_tables) + (SELECT count(*) FROM routes) + "
				 "(SELECT count(*) FROM rtb_associations) + "
				 "(SELECT count(*) FROM internet_gateways)"), 0);
}

/* --- the snapshot --- */

/* The snapshot's rules come in id order, whatever order they were made
 * in (the agent sorts them itself: SQLite's sorter costs more), and a
 * store with none loads too (no rows, no list to sort). */
static void test_snapshot_rules_in_id_order(void **state)
{
	static const char *const ids[] = { "sgr-0000000000000000c", "sgr-0000000000000000a",
					   "sgr-0000000000000000d", "sgr-0000000000000000b" };
	struct fixture *f = *state;
	struct snapshot snap;
	struct store_tx *tx;
	size_t i;

	assert_int_equal(store_snapshot_load(f->s, &snap), 0);
	assert_int_equal(snap.rules.count, 0);
	snapshot_release(&snap);
	populate_network_a(f->s);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct sg_rule rule = { .proto = 6, .from_port = 22 + (int)i, .to_port = 22 + (int)i };

		SET(rule.id, ids[i]);
		SET(rule.group_id, SG_A);
		SET(rule.cidr_ipv4, "0.0.0.0/0");
		assert_int_equal(store_sg_rule_insert(tx, &rule), 0);
	}
	assert_int_equal(store_commit(tx), 0);
	assert_int_equal(store_snapshot_load(f->s, &snap), 0);
	assert_true(snap.rules.count >= 4);
	for (i = 1; i < snap.rules.count; i++)
		assert_true(strcmp(snap.rules.items[i - 1].id, snap.rules.items[i].id) < 0);
	snapshot_release(&snap);
}

static void test_snapshot_load(void **state)
{
	struct fixture *f = *state;
	struct vpc vb = vpc_of("vpc-0000000000000000b", "10.0.0.0/16");
	struct subnet sb = subnet_of("subnet-0000000000000000b", vb.id, "10.0.1.0/24");
	struct subnet sb2 = subnet_of("subnet-000000000000000b2", vb.id, "10.0.2.0/24");
	struct security_group gb = sg_of("sg-0000000000000000b", vb.id, "default");
	struct sg_rule rule = { .proto = 6, .from_port = 22, .to_port = 22 };
	struct instance ia = instance_of("i-0000000000000000a", SUBNET_A, VPC_A);
	struct instance ib = instance_of("i-0000000000000000b", sb.id, vb.id);
	struct eni ea = eni_of("eni-0000000000000000a", SUBNET_A, VPC_A, "10.0.1.10");
	struct eni eb = eni_of("eni-0000000000000000b", sb.id, vb.id, "10.0.1.10");
	struct route_table rta = rtb_of("rtb-0000000000000000a", VPC_A, true);
	struct route_table rtb_main = rtb_of("rtb-0000000000000000b", vb.id, true);
	struct route_table rtb_sub = rtb_of("rtb-000000000000000b2", vb.id, false);
	struct route_table rtb_new_main = rtb_of("rtb-000000000000000b3", vb.id, false);
	struct route r = route_of(rtb_sub.id, "0.0.0.0/0", "igw-0000000000000000b");
	struct rtb_association asb = assoc_of("rtbassoc-0000000000000000b", rtb_sub.id, sb2.id);
	struct rtb_association amain = assoc_of("rtbassoc-000000000000000b2", rtb_main.id, "");
	struct internet_gateway igwb = igw_of("igw-0000000000000000b", vb.id);
	struct address addr = address_of("eipalloc-0000000000000000a", "203.0.113.140");
	struct snapshot snap;
	struct store_tx *tx;
	uint64_t rev;

	populate_network_a(f->s);
	SET(rule.id, "sgr-0000000000000000b");
	SET(rule.group_id, gb.id);
	SET(rule.cidr_ipv4, "0.0.0.0/0");
	eni_add_group(&ea, SG_A2);
	eni_add_group(&ea, SG_A);
	eni_add_group(&eb, gb.id);
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_instance_insert(tx, &ia), 0);
	assert_int_equal(store_eni_insert(tx, &ea), 0);
	assert_int_equal(store_route_table_insert(tx, &rta), 0);
	assert_int_equal(store_address_insert(tx, &addr), 0);
	assert_int_equal(store_commit(tx), 0);
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_vpc_insert(tx, &vb), 0);
	assert_int_equal(store_subnet_insert(tx, &sb), 0);
	assert_int_equal(store_subnet_insert(tx, &sb2), 0);
	assert_int_equal(store_sg_insert(tx, &gb), 0);
	assert_int_equal(store_sg_rule_insert(tx, &rule), 0);
	assert_int_equal(store_instance_insert(tx, &ib), 0);
	assert_int_equal(store_eni_insert(tx, &eb), 0);
	assert_int_equal(store_route_table_insert(tx, &rtb_main), 0);
	assert_int_equal(store_route_table_insert(tx, &rtb_sub), 0);
	assert_int_equal(store_route_table_insert(tx, &rtb_new_main), 0);
	assert_int_equal(store_route_insert(tx, &r), 0);
	assert_int_equal(store_rtb_association_insert(tx, &asb), 0);
	assert_int_equal(store_igw_insert(tx, &igwb), 0);
	assert_int_equal(store_commit(tx), 0);
	rev = revision(f->s);

	memset(&snap, 0xa5, sizeof snap);  /* load does not read what was there */
	assert_int_equal(store_snapshot_load(f->s, &snap), 0);
	assert_int_equal(snap.revision, rev);
	assert_int_equal(snap.vpcs.count, 3);
	assert_int_equal(snap.subnets.count, 4);
	assert_int_equal(snap.groups.count, 6);
	assert_int_equal(snap.rules.count, 1);
	assert_int_equal(snap.instances.count, 2);
	assert_int_equal(snap.enis.count, 2);
	assert_int_equal(snap.route_tables.count, 4);
	assert_int_equal(snap.routes.count, 1);
	assert_int_equal(snap.associations.count, 1);
	assert_int_equal(snap.igws.count, 1);
	assert_int_equal(snap.addresses.count, 1);
	/* sorted by id across accounts, rows whole, groups in their order */
	assert_string_equal(snap.vpcs.items[0].id, VPC_A);
	assert_string_equal(snap.vpcs.items[1].id, vb.id);
	assert_string_equal(snap.vpcs.items[2].id, VPC_A2);
	assert_instance_equal(&snap.instances.items[0], &ia);
	assert_instance_equal(&snap.instances.items[1], &ib);
	assert_eni_equal(&snap.enis.items[0], &ea);
	assert_eni_equal(&snap.enis.items[1], &eb);
	assert_string_equal(snap.rules.items[0].id, rule.id);
	assert_string_equal(snap.rules.items[0].group_id, gb.id);
	assert_int_equal(snap.rules.items[0].from_port, 22);
	assert_string_equal(snap.rules.items[0].cidr_ipv4, "0.0.0.0/0");
	assert_address_equal(&snap.addresses.items[0], &addr);

	/* lookups */
	assert_ptr_equal(snapshot_vpc(&snap, vb.id), &snap.vpcs.items[1]);
	assert_null(snapshot_vpc(&snap, "vpc-00000000000000099"));
	assert_null(snapshot_vpc(&snap, ""));
	assert_string_equal(snapshot_subnet(&snap, sb2.id)->cidr, "10.0.2.0/24");
	assert_string_equal(snapshot_group(&snap, SG_A_PUBLIC)->vpc_id, "");
	assert_string_equal(snapshot_instance(&snap, ib.id)->subnet_id, sb.id);
	assert_int_equal(snapshot_eni(&snap, ea.id)->group_count, 2);
	assert_null(snapshot_eni(&snap, "eni-00000000000000099"));
	assert_string_equal(snapshot_vpc_igw(&snap, vb.id)->id, igwb.id);
	assert_null(snapshot_vpc_igw(&snap, VPC_A));
	assert_null(snapshot_vpc_igw(&snap, ""));
	/* explicit association, else the main table (its flag: no main association yet) */
	assert_string_equal(snapshot_subnet_route_table(&snap, sb2.id)->id, rtb_sub.id);
	assert_string_equal(snapshot_subnet_route_table(&snap, sb.id)->id, rtb_main.id);
	assert_string_equal(snapshot_subnet_route_table(&snap, SUBNET_A)->id, rta.id);
	assert_null(snapshot_subnet_route_table(&snap, SUBNET_A2));  /* VPC_A2 has none */
	assert_null(snapshot_subnet_route_table(&snap, ""));
	snapshot_release(&snap);
	assert_int_equal(snap.vpcs.count + snap.enis.count + snap.revision, 0);
	assert_null(snap.enis.items);

	/* the main association, replaced, decides the main table */
	SET(amain.route_table_id, rtb_new_main.id);
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_rtb_association_insert(tx, &amain), 0);
	assert_int_equal(store_commit(tx), 0);
	assert_int_equal(store_snapshot_load(f->s, &snap), 0);
	assert_int_equal(snap.revision, rev + 1);
	assert_string_equal(snapshot_subnet_route_table(&snap, sb.id)->id, rtb_new_main.id);
	assert_string_equal(snapshot_subnet_route_table(&snap, sb2.id)->id, rtb_sub.id);
	snapshot_release(&snap);
	snapshot_release(&snap);  /* twice is harmless */

	/* inside an open transaction it is refused, not a hang */
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_snapshot_load(f->s, &snap), -EDEADLK);
	store_rollback(tx);
}

/* A snapshot of the size the agent expects (1000 instances, 10,000 rules)
 * loads whole; its speed is a benchmark's business, not this test's. */
static void test_snapshot_at_scale(void **state)
{
	struct fixture *f = *state;
	struct snapshot snap;
	struct store_tx *tx;
	struct instance in;
	struct sg_rule rule = { .proto = 6 };
	struct eni e;
	char id[BH_MAX_ID], ip[BH_IPV4_STR];
	int n;

	populate_network_a(f->s);
	SET(rule.group_id, SG_A);
	SET(rule.cidr_ipv4, "10.0.0.0/8");
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	for (n = 0; n < 1000; n++) {
		assert_int_equal(bh_snprintf(id, sizeof id, "i-%017d", n), 0);
		in = instance_of(id, SUBNET_A, VPC_A);
		assert_int_equal(bh_snprintf(id, sizeof id, "eni-%017d", n), 0);
		SET(in.eni_id, id);
		assert_int_equal(store_instance_insert(tx, &in), 0);
		assert_int_equal(bh_snprintf(ip, sizeof ip, "10.0.%d.%d", n / 250, n % 250 + 4), 0);
		e = eni_of(id, SUBNET_A, VPC_A, ip);
		eni_add_group(&e, SG_A);
		eni_add_group(&e, SG_A2);
		assert_int_equal(store_eni_insert(tx, &e), 0);
	}
	for (n = 0; n < 10000; n++) {
		assert_int_equal(bh_snprintf(rule.id, sizeof rule.id, "sgr-%017d", n), 0);
		rule.from_port = rule.to_port = n % 65536;
		assert_int_equal(store_sg_rule_insert(tx, &rule), 0);
	}
	assert_int_equal(store_commit(tx), 0);

	assert_int_equal(store_snapshot_load(f->s, &snap), 0);
	assert_int_equal(snap.instances.count, 1000);
	assert_int_equal(snap.enis.count, 1000);
	assert_int_equal(snap.rules.count, 10000);
	for (n = 0; n < 1000; n++) {
		assert_int_equal(snap.enis.items[n].group_count, 2);
		assert_string_equal(snap.enis.items[n].group_ids[1], SG_A2);
	}
	snapshot_release(&snap);
}

/* --- the agent's reports --- */

static void test_agent_instance_state(void **state)
{
	struct fixture *f = *state;
	struct instance ia = instance_of("i-0000000000000000a", "", "");
	struct instance ib = instance_of("i-0000000000000000b", "", ""), got;
	struct store_tx *tx;
	uint64_t rev;

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_instance_insert(tx, &ia), 0);
	assert_int_equal(store_commit(tx), 0);
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_instance_insert(tx, &ib), 0);
	assert_int_equal(store_commit(tx), 0);
	rev = revision(f->s);

	/* any account's instance: the agent is not a tenant */
	assert_int_equal(store_agent_set_instance_state(f->s, ia.id, BH_STATE_PENDING,
							BH_STATE_RUNNING), 0);
	assert_int_equal(store_agent_set_instance_state(f->s, ib.id, BH_STATE_PENDING,
							BH_STATE_RUNNING), 0);
	/* compare-and-set: no longer pending */
	assert_int_equal(store_agent_set_instance_state(f->s, ia.id, BH_STATE_PENDING,
							BH_STATE_RUNNING), -ESTALE);
	assert_int_equal(store_agent_set_instance_state(f->s, "i-00000000000000099",
							BH_STATE_PENDING, BH_STATE_RUNNING),
			 -ENOENT);
	assert_int_equal(store_agent_set_instance_state(f->s, ia.id, BH_STATE_RUNNING, "gone"),
			 -EINVAL);
	assert_int_equal(store_agent_set_instance_state(f->s, ia.id, NULL, BH_STATE_RUNNING),
			 -EINVAL);
	/* a request moved it on (stop) before the agent settled the old one */
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	SET(ia.state, BH_STATE_STOPPING);
	assert_int_equal(store_instance_update(tx, &ia), 0);
	assert_int_equal(store_commit(tx), 0);
	rev = revision(f->s);
	assert_int_equal(store_agent_set_instance_state(f->s, ia.id, BH_STATE_PENDING,
							BH_STATE_RUNNING), -ESTALE);
	assert_int_equal(store_agent_set_instance_state(f->s, ia.id, BH_STATE_STOPPING,
							BH_STATE_STOPPED), 0);
	assert_int_equal(revision(f->s), rev);  /* reports do not bump it */

	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_instance_get(tx, ia.id, &got), 0);
	assert_string_equal(got.state, BH_STATE_STOPPED);
	store_rollback(tx);
	assert_int_equal(store_begin(f->s, ACCT_B, &tx), 0);
	assert_int_equal(store_instance_get(tx, ib.id, &got), 0);
	assert_string_equal(got.state, BH_STATE_RUNNING);
	store_rollback(tx);
}

static void test_agent_status(void **state)
{
	struct fixture *f = *state;
	struct agent_status_list l = { 0 };
	char long_host[80];
	uint64_t rev = revision(f->s);

	assert_int_equal(store_agent_status_list(f->s, &l), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(store_agent_set_applied(f->s, "host-b", 5, 1700000000), 0);
	assert_int_equal(store_agent_set_applied(f->s, "host-a", 3, 1700000001), 0);
	assert_int_equal(store_agent_set_applied(f->s, "host-b", 7, 1700000002), 0);
	memset(long_host, 'h', sizeof long_host);
	long_host[sizeof long_host - 1] = '\0';
	assert_int_equal(store_agent_set_applied(f->s, long_host, 1, 1), -EINVAL);
	assert_int_equal(store_agent_set_applied(f->s, "", 1, 1), -EINVAL);
	assert_int_equal(store_agent_set_applied(f->s, "host-c", UINT64_MAX, 1), -EINVAL);
	assert_int_equal(store_agent_status_list(f->s, &l), 0);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.items[0].host, "host-a");
	assert_int_equal(l.items[0].applied_revision, 3);
	assert_int_equal(l.items[0].updated, 1700000001);
	assert_string_equal(l.items[1].host, "host-b");
	assert_int_equal(l.items[1].applied_revision, 7);
	assert_int_equal(l.items[1].updated, 1700000002);
	list_release(&l);
	assert_int_equal(revision(f->s), rev);
}

/* --- the upgrade from schema version 1 --- */

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
}

static void test_migration_from_v1(void **state)
{
	struct fixture *f = *state;
	struct security_group g, got;
	struct sg_rule_list rl = { 0 };
	struct sg_list gl = { 0 };
	struct tag_list tl = { 0 };
	struct eni e;
	struct store_tx *tx;
	sqlite3 *db = NULL;

	/* a database as version 1 left it, with rows in every table */
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	exec_ok(db, "PRAGMA foreign_keys = ON");
	assert_int_equal(sqlite_schema_migrate_to(db, 1), 0);
	exec_ok(db, "INSERT INTO accounts VALUES ('" ACCT_A "', 'alice', 1)");
	exec_ok(db, "INSERT INTO access_keys VALUES ('AKIAAAAAAAAAAAAAAAAA', '" ACCT_A "', 1, 1, x'00')");
	exec_ok(db, "INSERT INTO vpcs VALUES ('" ACCT_A "', '" VPC_A "', '10.0.0.0/16', 1, 0, 'default')");
	exec_ok(db, "INSERT INTO subnets VALUES ('" ACCT_A "', '" SUBNET_A "', '" VPC_A "', "
		    "'10.0.1.0/24', 'bh-1a', 0, 0)");
	exec_ok(db, "INSERT INTO security_groups VALUES ('" ACCT_A "', '" SG_A "', '" VPC_A "', "
		    "'default', 'default group', 1)");
	exec_ok(db, "INSERT INTO security_groups VALUES ('" ACCT_A "', '" SG_A2 "', '" VPC_A "', "
		    "'web', 'web servers', 0)");
	exec_ok(db, "INSERT INTO sg_rules VALUES ('" ACCT_A "', 'sgr-00000000000000001', '" SG_A2 "', "
		    "0, 6, 443, 443, '0.0.0.0/0', NULL, NULL, 'https')");
	exec_ok(db, "INSERT INTO sg_rules VALUES ('" ACCT_A "', 'sgr-00000000000000002', '" SG_A "', "
		    "0, -1, -1, -1, NULL, NULL, '" SG_A "', '')");
	exec_ok(db, "INSERT INTO tags VALUES ('" ACCT_A "', '" VPC_A "', 'Name', 'prod')");
	exec_ok(db, "UPDATE meta SET revision = 41");
	sqlite3_close(db);
	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), 1);

	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
	assert_int_equal(raw_int(f->db, "PRAGMA user_version"), sqlite_schema_version);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 sqlite_schema_version);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(revision(f->s), 41);

	/* every row survived the rebuild of security_groups, rules included */
	assert_int_equal(store_begin(f->s, ACCT_A, &tx), 0);
	assert_int_equal(store_sg_list(tx, &gl), 0);
	assert_int_equal(gl.count, 2);
	assert_string_equal(gl.items[0].id, SG_A);
	assert_string_equal(gl.items[0].vpc_id, VPC_A);
	assert_true(gl.items[0].is_default);
	assert_string_equal(gl.items[1].description, "web servers");
	list_release(&gl);
	assert_int_equal(store_sg_rule_list(tx, NULL, &rl), 0);
	assert_int_equal(rl.count, 2);
	assert_string_equal(rl.items[0].group_id, SG_A2);
	assert_string_equal(rl.items[1].ref_group_id, SG_A);
	list_release(&rl);
	assert_int_equal(store_tag_list(tx, NULL, &tl), 0);
	assert_int_equal(tl.count, 1);
	list_release(&tl);

	/* the old constraints still hold on the new table ... */
	g = sg_of("sg-00000000000000009", VPC_A, "web");
	assert_int_equal(store_sg_insert(tx, &g), -EEXIST);
	g = sg_of("sg-00000000000000009", "vpc-00000000000000099", "web");
	assert_int_equal(store_sg_insert(tx, &g), -ENOENT);
	assert_int_equal(store_vpc_delete(tx, VPC_A), -ENOTEMPTY);
	/* ... its rules still cascade with it, and the new tables work */
	g = sg_of("sg-00000000000000009", "", "web");
	assert_int_equal(store_sg_insert(tx, &g), 0);
	assert_int_equal(store_sg_get(tx, g.id, &got), 0);
	e = eni_of("eni-00000000000000001", SUBNET_A, VPC_A, "10.0.1.10");
	eni_add_group(&e, SG_A2);
	assert_int_equal(store_eni_insert(tx, &e), 0);
	assert_int_equal(store_sg_delete(tx, SG_A2), -ENOTEMPTY);
	assert_int_equal(store_eni_delete(tx, e.id), 0);
	assert_int_equal(store_sg_delete(tx, SG_A2), 0);
	assert_int_equal(store_sg_rule_list(tx, NULL, &rl), 0);
	assert_int_equal(rl.count, 1);
	list_release(&rl);
	assert_int_equal(store_commit(tx), 0);

	/* reopening applies nothing again */
	store_close(f->s);
	assert_int_equal(store_open_sqlite(f->db, &f->s), 0);
	assert_int_equal(raw_int(f->db, "SELECT count(*) FROM schema_migrations"),
			 sqlite_schema_version);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_public_network_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance_crud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eni_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_table_assignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes_and_associations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_igw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_prepare_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compute_tenancy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_rules_in_id_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_at_scale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_instance_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v1, setup_empty_dir, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
