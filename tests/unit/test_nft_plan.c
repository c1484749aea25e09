/* test_nft_plan.c - nft plans: string lists, table building, rendering,
 * the transaction between two plans (and the full re-declare), and
 * reading object names back from `nft list table`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "policy/nft_plan.h"

#define OUT_LIMIT (1024 * 1024)

static void test_strlist(void **state)
{
	struct strlist l = { 0 };

	(void)state;
	assert_int_equal(strlist_add(&l, "b"), 0);
	assert_int_equal(strlist_addf(&l, "%s-%d", "a", 1), 0);
	assert_int_equal(strlist_add(&l, "b"), 0);
	assert_int_equal(strlist_add(&l, "a"), 0);
	strlist_sort_unique(&l);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.items[0], "a");
	assert_string_equal(l.items[1], "a-1");
	assert_string_equal(l.items[2], "b");
	assert_true(strlist_contains(&l, "a-1"));
	assert_false(strlist_contains(&l, "c"));
	assert_false(strlist_contains(NULL, "c"));
	strlist_release(&l);
	assert_int_equal(l.count, 0);
	strlist_sort_unique(&l);  /* empty is fine */
}

/* A small filter table: two sets, a verdict map, a base and a regular chain. */
static void build(struct nft_table *t, bool with_extra)
{
	struct nft_set *s;
	struct nft_chain *c;

	nft_table_init(t, "inet", "bulkhead");
	c = nft_table_chain(t, "nic_1_in", "");
	assert_non_null(c);
	assert_int_equal(strlist_add(&c->rules, "jump g_1_in"), 0);
	assert_int_equal(strlist_add(&c->rules, "drop"), 0);
	c = nft_table_chain(t, "forward", "type filter hook forward priority filter; policy drop;");
	assert_int_equal(strlist_add(&c->rules, "iifname vmap @egress_by_if"), 0);
	s = nft_table_set(t, "g_1_in_x", false, "ipv4_addr", "interval");
	assert_int_equal(strlist_add(&s->elements, "10.0.0.0/8"), 0);
	assert_int_equal(strlist_add(&s->elements, "192.168.0.1"), 0);
	s = nft_table_set(t, "egress_by_if", true, "ifname : verdict", "");
	assert_int_equal(strlist_add(&s->elements, "\"bhe1\" : jump nic_1_in"), 0);
	nft_table_set(t, "empty", false, "ipv4_addr", "");
	c = nft_table_chain(t, "g_1_in", "");
	assert_int_equal(strlist_add(&c->rules, "ip saddr @g_1_in_x accept"), 0);
	if (with_extra) {
		c = nft_table_chain(t, "extra", "");
		assert_int_equal(strlist_add(&c->rules, "ip saddr @old accept"), 0);
		s = nft_table_set(t, "old", false, "ipv4_addr", "");
		assert_int_equal(strlist_add(&s->elements, "1.2.3.4"), 0);
	}
	nft_table_finish(t);
}

static void test_builders_find_and_sort(void **state)
{
	struct nft_table t;
	struct nft_set *s;

	(void)state;
	build(&t, false);
	/* finding by name ignores the spec arguments */
	s = nft_table_set(&t, "g_1_in_x", true, "whatever", "");
	assert_non_null(s);
	assert_false(s->is_map);
	assert_string_equal(s->type, "ipv4_addr");
	assert_string_equal(t.sets[0].name, "egress_by_if");
	assert_string_equal(t.sets[1].name, "empty");
	assert_string_equal(t.chains[0].name, "forward");
	assert_string_equal(t.chains[2].name, "nic_1_in");
	/* names that do not fit are refused, not truncated */
	assert_null(nft_table_chain(&t, "a-name-longer-than-sixty-four-bytes-a-name-longer-than-sixty-four-bytes", ""));
	nft_table_release(&t);
}

static void test_render(void **state)
{
	struct nft_table t;
	struct buf out = BUF_INIT(OUT_LIMIT);

	(void)state;
	build(&t, false);
	assert_int_equal(nft_table_render(&t, &out), 0);
	assert_string_equal(buf_str(&out),
			    "table inet bulkhead {\n"
			    "\tmap egress_by_if {\n"
			    "\t\ttype ifname : verdict\n"
			    "\t\telements = { \"bhe1\" : jump nic_1_in }\n"
			    "\t}\n"
			    "\tset empty {\n"
			    "\t\ttype ipv4_addr\n"
			    "\t}\n"
			    "\tset g_1_in_x {\n"
			    "\t\ttype ipv4_addr\n"
			    "\t\tflags interval\n"
			    "\t\telements = { 10.0.0.0/8,\n"
			    "\t\t\t     192.168.0.1 }\n"
			    "\t}\n"
			    "\tchain forward {\n"
			    "\t\ttype filter hook forward priority filter; policy drop;\n"
			    "\t\tiifname vmap @egress_by_if\n"
			    "\t}\n"
			    "\tchain g_1_in {\n"
			    "\t\tip saddr @g_1_in_x accept\n"
			    "\t}\n"
			    "\tchain nic_1_in {\n"
			    "\t\tjump g_1_in\n"
			    "\t\tdrop\n"
			    "\t}\n"
			    "}\n");
	buf_release(&out);
	nft_table_release(&t);
}

static void test_sync_equal_writes_nothing(void **state)
{
	struct nft_table a, b;
	struct buf out = BUF_INIT(OUT_LIMIT);

	(void)state;
	build(&a, true);
	build(&b, true);
	assert_int_equal(nft_table_sync(&a, &b, NULL, &out), 0);
	assert_int_equal(out.len, 0);
	nft_table_release(&a);
	nft_table_release(&b);
	buf_release(&out);
}

/* Position of needle in haystack, failing when absent. */
static size_t at(const char *haystack, const char *needle)
{
	const char *p = strstr(haystack, needle);

	if (!p) {
		print_error("missing from the transaction: %s--- transaction:\n", needle);
		print_error("%s", haystack);
		fail();
	}
	return (size_t)(p - haystack);
}

static void test_sync_changes_in_order(void **state)
{
	struct nft_table have, want;
	struct buf out = BUF_INIT(OUT_LIMIT);
	struct nft_set *s;
	struct nft_chain *c;
	const char *tx;

	(void)state;
	build(&have, true);
	build(&want, false);
	/* a widened element replaces a narrow one; a new set and a new chain
	 * used by a rewritten chain; a map entry jumping to the new chain */
	s = nft_table_set(&want, "g_1_in_x", false, "", "");
	strlist_release(&s->elements);
	assert_int_equal(strlist_add(&s->elements, "0.0.0.0/0"), 0);
	s = nft_table_set(&want, "g_2_in_x", false, "ipv4_addr", "interval");
	assert_int_equal(strlist_add(&s->elements, "10.9.0.0/16"), 0);
	c = nft_table_chain(&want, "g_2_in", "");
	assert_int_equal(strlist_add(&c->rules, "ip saddr @g_2_in_x accept"), 0);
	c = nft_table_chain(&want, "nic_1_in", "");
	strlist_release(&c->rules);
	assert_int_equal(strlist_add(&c->rules, "jump g_1_in"), 0);
	assert_int_equal(strlist_add(&c->rules, "jump g_2_in"), 0);
	assert_int_equal(strlist_add(&c->rules, "drop"), 0);
	s = nft_table_set(&want, "egress_by_if", true, "", "");
	assert_int_equal(strlist_add(&s->elements, "\"bhe2\" : jump g_2_in"), 0);
	nft_table_finish(&want);

	assert_int_equal(nft_table_sync(&want, &have, NULL, &out), 0);
	tx = buf_str(&out);
	assert_int_equal(at(tx, "add table inet bulkhead\n"), 0);
	/* declarations before use */
	assert_true(at(tx, "add set inet bulkhead g_2_in_x { type ipv4_addr; flags interval; }\n") <
		    at(tx, "add element inet bulkhead g_2_in_x { 10.9.0.0/16 }\n"));
	assert_true(at(tx, "add chain inet bulkhead g_2_in\n") <
		    at(tx, "add element inet bulkhead egress_by_if { \"bhe2\" : jump g_2_in }\n"));
	/* deletions before additions in one set */
	assert_true(at(tx, "delete element inet bulkhead g_1_in_x { 10.0.0.0/8, 192.168.0.1 }\n") <
		    at(tx, "add element inet bulkhead g_1_in_x { 0.0.0.0/0 }\n"));
	/* a changed chain is flushed and refilled after the elements */
	assert_true(at(tx, "add element inet bulkhead g_2_in_x") < at(tx, "flush chain inet bulkhead nic_1_in\n"));
	assert_true(at(tx, "flush chain inet bulkhead nic_1_in\n") <
		    at(tx, "add rule inet bulkhead nic_1_in jump g_2_in\n"));
	/* a new chain gets its rules without a flush */
	assert_null(strstr(tx, "flush chain inet bulkhead g_2_in\n"));
	at(tx, "add rule inet bulkhead g_2_in ip saddr @g_2_in_x accept\n");
	/* removals last: empty the chain, drop the set, then the chain */
	assert_true(at(tx, "add rule inet bulkhead nic_1_in drop\n") < at(tx, "flush chain inet bulkhead extra\n"));
	assert_true(at(tx, "flush chain inet bulkhead extra\n") < at(tx, "delete set inet bulkhead old\n"));
	assert_true(at(tx, "delete set inet bulkhead old\n") < at(tx, "delete chain inet bulkhead extra\n"));
	/* untouched objects are not mentioned */
	assert_null(strstr(tx, "forward"));
	assert_null(strstr(tx, "empty"));
	nft_table_release(&have);
	nft_table_release(&want);
	buf_release(&out);
}

static void test_sync_map_delete_by_key(void **state)
{
	struct nft_table have, want;
	struct buf out = BUF_INIT(OUT_LIMIT);
	struct nft_set *s;

	(void)state;
	build(&have, false);
	build(&want, false);
	s = nft_table_set(&want, "egress_by_if", true, "", "");
	strlist_release(&s->elements);
	assert_int_equal(strlist_add(&s->elements, "\"bhe1\" : jump g_1_in"), 0);
	assert_int_equal(nft_table_sync(&want, &have, NULL, &out), 0);
	assert_string_equal(buf_str(&out), "add table inet bulkhead\n"
					   "delete element inet bulkhead egress_by_if { \"bhe1\" }\n"
					   "add element inet bulkhead egress_by_if { \"bhe1\" : jump g_1_in }\n");
	nft_table_release(&have);
	nft_table_release(&want);
	buf_release(&out);
}

static void test_sync_full_redeclare(void **state)
{
	struct nft_table want;
	struct nft_names existing = { 0 };
	struct buf out = BUF_INIT(OUT_LIMIT);
	const char *tx;

	(void)state;
	build(&want, false);
	assert_int_equal(strlist_add(&existing.sets, "stale_set"), 0);
	assert_int_equal(strlist_add(&existing.sets, "g_1_in_x"), 0);
	assert_int_equal(strlist_add(&existing.chains, "stale_chain"), 0);
	assert_int_equal(strlist_add(&existing.chains, "forward"), 0);
	assert_int_equal(nft_table_sync(&want, NULL, &existing, &out), 0);
	tx = buf_str(&out);
	assert_int_equal(at(tx, "add table inet bulkhead\n"), 0);
	assert_null(strstr(tx, "flush table"));
	assert_null(strstr(tx, "delete table"));
	/* every object declared, flushed and refilled */
	assert_true(at(tx, "add map inet bulkhead egress_by_if { type ifname : verdict; }\n") <
		    at(tx, "add chain inet bulkhead nic_1_in\n"));
	assert_true(at(tx, "add chain inet bulkhead nic_1_in\n") < at(tx, "flush map inet bulkhead egress_by_if\n"));
	assert_true(at(tx, "flush map inet bulkhead egress_by_if\n") <
		    at(tx, "add element inet bulkhead egress_by_if { \"bhe1\" : jump nic_1_in }\n"));
	at(tx, "add set inet bulkhead empty { type ipv4_addr; }\n");
	at(tx, "flush set inet bulkhead empty\n");
	assert_null(strstr(tx, "add element inet bulkhead empty"));
	at(tx, "add chain inet bulkhead forward { type filter hook forward priority filter; policy drop; }\n");
	assert_true(at(tx, "flush chain inet bulkhead forward\n") <
		    at(tx, "add rule inet bulkhead forward iifname vmap @egress_by_if\n"));
	/* what the kernel has and the plan lacks goes */
	assert_true(at(tx, "flush chain inet bulkhead stale_chain\n") < at(tx, "delete set inet bulkhead stale_set\n"));
	assert_true(at(tx, "delete set inet bulkhead stale_set\n") < at(tx, "delete chain inet bulkhead stale_chain\n"));
	assert_null(strstr(tx, "delete set inet bulkhead g_1_in_x"));
	assert_null(strstr(tx, "delete chain inet bulkhead forward"));
	nft_names_release(&existing);
	nft_table_release(&want);
	buf_release(&out);
}

static void test_sync_refuses_set_type_change(void **state)
{
	struct nft_table have, want;
	struct buf out = BUF_INIT(OUT_LIMIT);

	(void)state;
	build(&have, false);
	nft_table_init(&want, "inet", "bulkhead");
	nft_table_set(&want, "g_1_in_x", false, "ipv4_addr . inet_proto", "interval");
	nft_table_finish(&want);
	assert_int_equal(nft_table_sync(&want, &have, NULL, &out), -EINVAL);
	nft_table_release(&want);
	/* another table is refused too */
	nft_table_init(&want, "ip", "bulkhead_nat");
	assert_int_equal(nft_table_sync(&want, &have, NULL, &out), -EINVAL);
	nft_table_release(&want);
	nft_table_release(&have);
	buf_release(&out);
}

static void test_sync_policy_change_redeclares_base_chain(void **state)
{
	struct nft_table have, want;
	struct buf out = BUF_INIT(OUT_LIMIT);
	struct nft_chain *c;

	(void)state;
	build(&have, false);
	build(&want, false);
	c = nft_table_chain(&want, "forward", "");
	bh_strlcpy(c->hook, "type filter hook forward priority filter; policy accept;", sizeof(c->hook));
	assert_int_equal(nft_table_sync(&want, &have, NULL, &out), 0);
	assert_string_equal(buf_str(&out),
			    "add table inet bulkhead\n"
			    "add chain inet bulkhead forward { type filter hook forward priority filter; policy accept; }\n");
	nft_table_release(&have);
	nft_table_release(&want);
	buf_release(&out);
}

static void test_names_parse(void **state)
{
	static const char listing[] =
		"table inet bulkhead { # handle 4\n"
		"\tset g_1_in_p { # handle 3\n"
		"\t\ttype ipv4_addr . inet_proto . inet_service\n"
		"\t\tflags interval\n"
		"\t\telements = { 10.0.0.0/8 . tcp . 80,\n"
		"\t\t\t     10.1.0.5 . udp . 53 }\n"
		"\t}\n"
		"\n"
		"\tmap egress_by_if {\n"
		"\t\ttype ifname : verdict\n"
		"\t\telements = { \"set x {\" : jump nic_1_out }\n"
		"\t}\n"
		"\n"
		"\tset \"quoted\" {\n"
		"\t\ttype ipv4_addr\n"
		"\t}\n"
		"\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy drop;\n"
		"\t\tip saddr { 10.0.0.0/8, 10.1.0.0/16 } accept\n"
		"\t}\n"
		"\n"
		"\tchain nic_1_out {\n"
		"\t\tjump g_1_out\n"
		"\t}\n"
		"}\n";
	struct nft_names n;

	(void)state;
	assert_int_equal(nft_names_parse(listing, &n), 0);
	assert_int_equal(n.sets.count, 3);
	assert_string_equal(n.sets.items[0], "egress_by_if");
	assert_string_equal(n.sets.items[1], "g_1_in_p");
	assert_string_equal(n.sets.items[2], "quoted");
	assert_int_equal(n.chains.count, 2);
	assert_string_equal(n.chains.items[0], "forward");
	assert_string_equal(n.chains.items[1], "nic_1_out");
	nft_names_release(&n);
	assert_int_equal(nft_names_parse("", &n), 0);
	assert_int_equal(n.sets.count + n.chains.count, 0);
	nft_names_release(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strlist),
		cmocka_unit_test(test_builders_find_and_sort),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_sync_equal_writes_nothing),
		cmocka_unit_test(test_sync_changes_in_order),
		cmocka_unit_test(test_sync_map_delete_by_key),
		cmocka_unit_test(test_sync_full_redeclare),
		cmocka_unit_test(test_sync_refuses_set_type_change),
		cmocka_unit_test(test_sync_policy_change_redeclares_base_chain),
		cmocka_unit_test(test_names_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
