/* test_conntrack.c - the pure half of conntrack.c: which addresses of a
 * router namespace left their holder in a pass, and which conntrack
 * entries that condemns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "agent/conntrack.h"
#include "lib/buf.h"

static uint32_t ip(const char *text)
{
	uint32_t a = 0;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	return a;
}

static void route(struct ns_state *s, unsigned table, int type, const char *dst, const char *dev)
{
	struct dp_route *r = list_push(&s->routes);

	assert_non_null(r);
	r->table = table;
	r->type = type;
	bh_strlcpy(r->dst, dst, sizeof(r->dst));
	bh_strlcpy(r->dev, dev, sizeof(r->dev));
}

static void host(struct ns_state *s, const char *dst, const char *dev)
{
	route(s, RT_TABLE_MAIN, RTN_UNICAST, dst, dev);
}

static void assert_addrs(const struct ct_forget *f, const char *want)
{
	struct buf got = BUF_INIT(CT_DESCRIBE_MAX);

	ct_forget_describe(f, &got);
	assert_string_equal(buf_str(&got), want);
	buf_release(&got);
}

static void test_routes_gone_or_moved(void **state)
{
	struct ns_state have = { 0 }, want = { 0 };
	struct ct_forget f = { 0 };

	(void)state;
	host(&have, "10.0.1.10/32", "bheaaaaaaaaaaaa");  /* stays */
	host(&have, "10.0.1.11/32", "bhebbbbbbbbbbbb");  /* another vNIC holds it now */
	host(&have, "10.0.1.12/32", "bhecccccccccccc");  /* its instance stopped or went */
	host(&have, "10.0.1.20/32", "bheeeeeeeeeeeee");  /* the kernel lists it twice */
	host(&have, "10.0.1.20/32", "bheeeeeeeeeeeee");
	/* not host routes of vNICs: never an address that left */
	route(&have, RT_TABLE_MAIN, RTN_BLACKHOLE, "10.0.0.0/16", "");
	route(&have, RT_TABLE_MAIN, RTN_UNICAST, "0.0.0.0/0", "bhgpublic");
	route(&have, 100, RTN_UNICAST, "10.9.0.0/32", "bhedddddddddddd");
	route(&have, RT_TABLE_MAIN, RTN_UNICAST, "10.0.2.0/24", "bhedddddddddddd");

	host(&want, "10.0.1.10/32", "bheaaaaaaaaaaaa");
	host(&want, "10.0.1.11/32", "bhedddddddddddd");
	host(&want, "10.0.1.13/32", "bheffffffffffff");  /* new: nothing of it to forget */
	route(&want, RT_TABLE_MAIN, RTN_BLACKHOLE, "10.0.0.0/16", "");

	assert_int_equal(ct_forget_routes(&f, &have, &want), 0);
	ct_forget_finish(&f);
	assert_addrs(&f, "10.0.1.11,10.0.1.12,10.0.1.20");
	assert_false(f.check_bindings);
	assert_true(ct_forget_needed(&f));
	ct_forget_release(&f);

	/* nothing changed: nothing to look for, no dump */
	memset(&f, 0, sizeof(f));
	assert_int_equal(ct_forget_routes(&f, &want, &want), 0);
	ct_forget_finish(&f);
	assert_int_equal(f.addrs.count, 0);
	assert_false(ct_forget_needed(&f));
	assert_addrs(&f, "-");
	ct_forget_release(&f);
	ns_state_release(&have);
	ns_state_release(&want);
}

static void test_bindings_known(void **state)
{
	struct strlist before = { 0 }, after = { 0 };
	struct ct_forget f = { 0 };

	(void)state;
	strlist_add(&before, "198.51.100.7 : 10.0.1.10");   /* kept */
	strlist_add(&before, "198.51.100.8 : 10.0.1.11");   /* moved to 10.0.1.12 */
	strlist_add(&before, "198.51.100.9 : 10.0.1.13");   /* released */
	strlist_add(&after, "198.51.100.7 : 10.0.1.10");
	strlist_add(&after, "198.51.100.8 : 10.0.1.12");
	strlist_add(&after, "198.51.100.10 : 10.0.1.13");   /* a new address for 10.0.1.13 */

	assert_int_equal(ct_forget_bindings(&f, &before, &after), 0);
	ct_forget_finish(&f);
	/* the public addresses only: the private ones stay with their vNICs,
	 * and so do their flows that no NAT binding carried */
	assert_addrs(&f, "198.51.100.8,198.51.100.9");
	assert_false(f.check_bindings);
	ct_forget_release(&f);

	/* the same bindings: nothing */
	memset(&f, 0, sizeof(f));
	assert_int_equal(ct_forget_bindings(&f, &after, &after), 0);
	ct_forget_finish(&f);
	assert_false(ct_forget_needed(&f));
	ct_forget_release(&f);

	/* an element that does not parse */
	memset(&f, 0, sizeof(f));
	strlist_add(&after, "198.51.100.11 -> 10.0.1.14");
	assert_int_equal(ct_forget_bindings(&f, &before, &after), -EINVAL);
	ct_forget_release(&f);
	strlist_release(&before);
	strlist_release(&after);
}

static void test_entries(void **state)
{
	struct strlist before = { 0 }, after = { 0 };
	struct ct_forget f = { 0 };
	uint32_t pub = 0;
	/* from the internet to a's public address, translated to a (10.0.1.10) */
	struct ct_addrs dnat = { ip("203.0.113.1"), ip("198.51.100.7"), ip("10.0.1.10"), ip("203.0.113.1") };
	/* from a out to the internet, translated to its public address */
	struct ct_addrs snat = { ip("10.0.1.10"), ip("203.0.113.1"), ip("203.0.113.1"), ip("198.51.100.7") };
	/* the same two after the move, translated to b (10.0.1.12) */
	struct ct_addrs dnat_b = { ip("203.0.113.1"), ip("198.51.100.7"), ip("10.0.1.12"), ip("203.0.113.1") };
	struct ct_addrs snat_b = { ip("10.0.1.12"), ip("203.0.113.1"), ip("203.0.113.1"), ip("198.51.100.7") };
	/* c (10.0.1.11, public .9) to the moved address: out through the
	 * internet, so translated only on c's side */
	struct ct_addrs hairpin = { ip("10.0.1.11"), ip("198.51.100.7"), ip("198.51.100.7"), ip("198.51.100.9") };
	/* between two instances of the VPC, untranslated */
	struct ct_addrs inside = { ip("10.0.1.10"), ip("10.0.1.11"), ip("10.0.1.11"), ip("10.0.1.10") };

	(void)state;
	strlist_add(&before, "198.51.100.7 : 10.0.1.10");
	strlist_add(&before, "198.51.100.9 : 10.0.1.11");
	strlist_add(&after, "198.51.100.7 : 10.0.1.12");
	strlist_add(&after, "198.51.100.9 : 10.0.1.11");

	/* the bindings before are known: the moved address condemns every
	 * entry that names it, translated or not, and nothing else */
	assert_int_equal(ct_forget_bindings(&f, &before, &after), 0);
	ct_forget_finish(&f);
	assert_addrs(&f, "198.51.100.7");
	assert_true(ct_forget_names(&f, &dnat));
	assert_true(ct_forget_names(&f, &snat));
	assert_true(ct_forget_names(&f, &hairpin));
	assert_false(ct_forget_names(&f, &inside));
	assert_false(ct_forget_stale_binding(&f, &dnat, &pub));
	ct_forget_release(&f);

	/* unknown (after a restart): the entries are judged by the bindings
	 * the plan keeps */
	memset(&f, 0, sizeof(f));
	assert_int_equal(ct_forget_bindings(&f, NULL, &after), 0);
	ct_forget_finish(&f);
	assert_int_equal(f.addrs.count, 0);
	assert_true(f.check_bindings);
	assert_true(ct_forget_needed(&f));
	assert_true(ct_forget_stale_binding(&f, &dnat, &pub));
	assert_true(pub == ip("198.51.100.7"));
	pub = 0;
	assert_true(ct_forget_stale_binding(&f, &snat, &pub));
	assert_true(pub == ip("198.51.100.7"));
	assert_false(ct_forget_stale_binding(&f, &dnat_b, &pub));
	assert_false(ct_forget_stale_binding(&f, &snat_b, &pub));
	assert_false(ct_forget_stale_binding(&f, &hairpin, &pub));  /* c's binding is kept */
	assert_false(ct_forget_stale_binding(&f, &inside, &pub));
	assert_false(ct_forget_names(&f, &dnat));
	ct_forget_release(&f);

	/* no bindings at all (the public network): nothing translated is right */
	memset(&f, 0, sizeof(f));
	assert_int_equal(ct_forget_bindings(&f, NULL, NULL), 0);
	ct_forget_finish(&f);
	assert_true(ct_forget_stale_binding(&f, &dnat_b, &pub));
	assert_false(ct_forget_stale_binding(&f, &inside, &pub));
	ct_forget_release(&f);
	strlist_release(&before);
	strlist_release(&after);
}

/* A log field stays short however many addresses left; the count tells. */
static void test_describe_is_bounded(void **state)
{
	struct ns_state have = { 0 }, want = { 0 };
	struct ct_forget f = { 0 };
	struct buf got = BUF_INIT(CT_DESCRIBE_MAX);
	char dst[BH_CIDR_STR];
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		bh_snprintf(dst, sizeof(dst), "10.0.%d.%d/32", i / 100, 10 + i % 100);
		host(&have, dst, "bheaaaaaaaaaaaa");
	}
	assert_int_equal(ct_forget_routes(&f, &have, &want), 0);
	ct_forget_finish(&f);
	assert_int_equal(f.addrs.count, 200);
	ct_forget_describe(&f, &got);
	assert_false(got.overflow);
	assert_true(got.len < CT_DESCRIBE_MAX);
	assert_non_null(strstr(buf_str(&got), "10.0.0.10,10.0.0.11,"));
	assert_non_null(strstr(buf_str(&got), ",...(200)"));
	buf_release(&got);
	ct_forget_release(&f);
	ns_state_release(&have);
}

static void test_nat_bindings_of_tables(void **state)
{
	struct vpc_nft v;
	struct nft_set *set;
	const struct strlist *b;

	(void)state;
	vpc_nft_init(&v);
	assert_null(ct_nat_bindings(&v));
	assert_non_null(nft_table_set(&v.nat, "private_to_public", true, "ipv4_addr : ipv4_addr", ""));
	set = nft_table_set(&v.nat, CT_NAT_MAP, true, "ipv4_addr : ipv4_addr", "");
	assert_non_null(set);
	assert_int_equal(strlist_add(&set->elements, "198.51.100.7 : 10.0.1.10"), 0);
	b = ct_nat_bindings(&v);
	assert_non_null(b);
	assert_int_equal(b->count, 1);
	assert_string_equal(b->items[0], "198.51.100.7 : 10.0.1.10");
	vpc_nft_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_gone_or_moved),
		cmocka_unit_test(test_bindings_known),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_describe_is_bounded),
		cmocka_unit_test(test_nat_bindings_of_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
