/* test_cidr.c - what cidr_parse accepts and refuses, how prefixes print,
 * and which pairs contain or overlap each other. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "model/cidr.h"

static struct cidr parse_ok(const char *s, int family)
{
	struct cidr c;
	struct diag d;

	diag_init(&d);
	if (cidr_parse(s, family, "cidrBlock", &c, &d) != 0)
		fail_msg("expected '%s' to parse, got: %s", s, d.message);
	assert_null(d.code);
	return c;
}

static void assert_rejected_as(const char *s, int family, const char *what)
{
	struct cidr c;
	struct diag d;
	char quoted[BH_CIDR_STR + 16];

	diag_init(&d);
	if (cidr_parse(s, family, what, &c, &d) != -EINVAL)
		fail_msg("expected '%s' to be refused", s ? s : "(null)");
	assert_non_null(d.code);
	assert_string_equal(d.code, "InvalidParameterValue");
	assert_int_equal(d.http_status, 400);
	assert_non_null(strstr(d.message, what));
	assert_non_null(strstr(d.message, "is not a valid CIDR block"));
	if (s && strlen(s) < BH_CIDR_STR) {
		bh_snprintf(quoted, sizeof(quoted), "(%s)", s);
		assert_non_null(strstr(d.message, quoted));
	}
}

static void assert_rejected(const char *s, int family)
{
	assert_rejected_as(s, family, "cidrBlock");
}

static void assert_format(const char *in, const char *want)
{
	struct cidr c = parse_ok(in, AF_UNSPEC);
	char out[BH_CIDR_STR];

	cidr_format(&c, out);
	assert_string_equal(out, want);
}

static void test_ipv4_good(void **state)
{
	struct cidr c;

	(void)state;
	c = parse_ok("10.0.0.0/16", AF_INET);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 16);
	assert_int_equal(c.addr[0], 10);
	assert_int_equal(c.addr[1], 0);

	c = parse_ok("0.0.0.0/0", AF_UNSPEC);
	assert_int_equal(c.prefix, 0);
	c = parse_ok("255.255.255.255/32", AF_INET);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(c.addr[3], 255);
	c = parse_ok("192.168.1.128/25", AF_INET);
	assert_int_equal(c.addr[3], 128);
	c = parse_ok("172.16.0.0/12", AF_UNSPEC);
	assert_int_equal(c.addr[1], 16);
	/* unused bytes are zero so structs compare with memcmp */
	for (int i = 4; i < 16; i++)
		assert_int_equal(c.addr[i], 0);
}

static void test_ipv4_bad(void **state)
{
	(void)state;
	assert_rejected("10.0.0.0", AF_INET);           /* bare address */
	assert_rejected("10.0.0.0/", AF_INET);
	assert_rejected("10.0.0.0/33", AF_INET);
	assert_rejected("10.0.0.0/-1", AF_INET);
	assert_rejected("10.0.0.0/+8", AF_INET);
	assert_rejected("10.0.0.0/08", AF_INET);        /* leading zero in prefix */
	assert_rejected("10.0.0.0/8/8", AF_INET);
	assert_rejected("10.0.0.0/ 8", AF_INET);
	assert_rejected("10.0.0.0/1000", AF_INET);
	assert_rejected("010.0.0.0/8", AF_INET);        /* leading zero octet */
	assert_rejected("10.00.0.0/16", AF_INET);
	assert_rejected("256.0.0.0/8", AF_INET);
	assert_rejected("10.0.0/24", AF_INET);
	assert_rejected("10.0.0.0.0/24", AF_INET);
	assert_rejected("10..0.0/24", AF_INET);
	assert_rejected(".10.0.0/24", AF_INET);
	assert_rejected("10.0.0./24", AF_INET);
	assert_rejected(" 10.0.0.0/8", AF_INET);
	assert_rejected("10.0.0.0/8 ", AF_INET);
	assert_rejected("+10.0.0.0/8", AF_INET);
	assert_rejected("-10.0.0.0/8", AF_INET);
	assert_rejected("0x0a.0.0.0/8", AF_INET);
	assert_rejected("a.b.c.d/8", AF_INET);
	assert_rejected("/8", AF_INET);
	assert_rejected("", AF_INET);
	assert_rejected(NULL, AF_INET);
	assert_rejected("10.0.0.0/abc", AF_INET);
}

static void test_host_bits(void **state)
{
	struct cidr c;
	struct diag d;

	(void)state;
	assert_rejected("10.0.0.1/16", AF_INET);
	assert_rejected("10.0.0.1/31", AF_INET);
	assert_rejected("10.0.0.128/24", AF_INET);
	assert_rejected("128.0.0.0/0", AF_INET);
	assert_rejected("2001:db8::1/64", AF_INET6);
	assert_rejected("::1/127", AF_INET6);
	assert_rejected("2001:db8:8000::/32", AF_INET6);
	parse_ok("10.0.0.1/32", AF_INET);
	parse_ok("2001:db8::1/128", AF_INET6);

	/* the exact EC2 wording, naming the parameter */
	diag_init(&d);
	assert_int_equal(cidr_parse("10.0.0.1/16", AF_INET, "cidrBlock", &c, &d), -EINVAL);
	assert_string_equal(d.message, "Value (10.0.0.1/16) for parameter cidrBlock is invalid. "
				       "This is not a valid CIDR block.");
}

static void test_ipv6(void **state)
{
	struct cidr c;

	(void)state;
	c = parse_ok("2001:db8::/32", AF_INET6);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(c.addr[0], 0x20);
	assert_int_equal(c.addr[1], 0x01);
	assert_int_equal(c.addr[2], 0x0d);
	assert_int_equal(c.addr[3], 0xb8);
	parse_ok("::/0", AF_UNSPEC);
	parse_ok("::1/128", AF_INET6);
	parse_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", AF_INET6);
	parse_ok("2001:0DB8:0000::/48", AF_INET6);     /* any inet_pton form */
	parse_ok("::ffff:10.0.0.0/120", AF_INET6);

	assert_rejected("2001:db8::/129", AF_INET6);
	assert_rejected("2001:db8::", AF_INET6);
	assert_rejected("2001:db8:::/32", AF_INET6);
	assert_rejected("2001:db8::g/128", AF_INET6);
	assert_rejected("1:2:3:4:5:6:7:8:9/128", AF_INET6);
	assert_rejected("fe80::1%eth0/128", AF_INET6);
	assert_rejected("2001:db8::/032", AF_INET6);
	assert_rejected(":/0", AF_INET6);
}

static void test_family(void **state)
{
	(void)state;
	assert_rejected_as("10.0.0.0/16", AF_INET6, "ipv6CidrBlock");
	assert_rejected_as("2001:db8::/32", AF_INET, "cidrBlock");
	assert_rejected_as("10.0.0.0/16", 12345, "cidrBlock");
	assert_int_equal(parse_ok("10.0.0.0/16", AF_UNSPEC).family, AF_INET);
	assert_int_equal(parse_ok("2001:db8::/32", AF_UNSPEC).family, AF_INET6);
}

static void test_what_named(void **state)
{
	(void)state;
	assert_rejected_as("nonsense", AF_UNSPEC, "DestinationCidrBlock");
	assert_rejected_as("1.2.3.4/5", AF_UNSPEC, "CidrIp");
}

static void test_length_bound(void **state)
{
	char s[256];
	struct cidr c;
	struct diag d;

	(void)state;
	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	assert_rejected(s, AF_UNSPEC);

	/* 63 characters is the most accepted; this valid form is longer */
	bh_strlcpy(s, "0000:0000:0000:0000:0000:0000:0000:0000/0000000000000000000000000", sizeof(s));
	assert_true(strlen(s) >= BH_CIDR_STR);
	diag_init(&d);
	assert_int_equal(cidr_parse(s, AF_UNSPEC, "cidrBlock", &c, &d), -EINVAL);
	/* the message echoes a bounded part of the input only */
	assert_true(strlen(d.message) < sizeof(d.message) - 1);

	bh_strlcpy(s, "0000:0000:0000:0000:0000:0000:0000:0000/0", sizeof(s));
	parse_ok(s, AF_INET6);
}

static void test_ret_untouched_on_error(void **state)
{
	struct cidr c, before;
	struct diag d;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	before = c;
	diag_init(&d);
	assert_int_equal(cidr_parse("10.0.0.1/8", AF_INET, "cidrBlock", &c, &d), -EINVAL);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_format(void **state)
{
	(void)state;
	assert_format("10.0.0.0/16", "10.0.0.0/16");
	assert_format("0.0.0.0/0", "0.0.0.0/0");
	assert_format("255.255.255.255/32", "255.255.255.255/32");
	assert_format("2001:0DB8:0000:0000::/32", "2001:db8::/32");
	assert_format("0:0:0:0:0:0:0:0/0", "::/0");
	assert_format("0:0:0:0:0:0:0:1/128", "::1/128");
	assert_format("2001:db8:0:0:1:0:0:0/80", "2001:db8:0:0:1::/80"); /* longest zero run */
	assert_format("fd00:0:0:0:0:0:0:0/8", "fd00::/8");
}

static void test_round_trip(void **state)
{
	static const char *const inputs[] = {
		"10.0.0.0/8", "192.168.0.0/24", "100.64.0.0/10", "1.2.3.4/32", "0.0.0.0/0",
		"2001:db8::/32", "::/0", "fe80::/10", "2600:1f18:abcd:ef00::/56", "::ffff:0.0.0.0/96",
	};
	char out[BH_CIDR_STR];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct cidr a = parse_ok(inputs[i], AF_UNSPEC), b;

		cidr_format(&a, out);
		b = parse_ok(out, AF_UNSPEC);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

static void test_contains(void **state)
{
	struct cidr vpc = parse_ok("10.0.0.0/16", AF_INET);
	struct cidr sub = parse_ok("10.0.1.0/24", AF_INET);
	struct cidr out = parse_ok("10.1.0.0/24", AF_INET);
	struct cidr all = parse_ok("0.0.0.0/0", AF_INET);
	struct cidr host = parse_ok("10.0.255.255/32", AF_INET);
	struct cidr v6 = parse_ok("::/0", AF_INET6);
	struct cidr v6sub = parse_ok("2001:db8::/64", AF_INET6);
	struct cidr v6net = parse_ok("2001:db8::/56", AF_INET6);

	(void)state;
	assert_true(cidr_contains(&vpc, &sub));
	assert_false(cidr_contains(&sub, &vpc));
	assert_false(cidr_contains(&vpc, &out));
	assert_true(cidr_contains(&vpc, &vpc));
	assert_true(cidr_contains(&all, &vpc));
	assert_true(cidr_contains(&vpc, &host));
	assert_true(cidr_contains(&v6, &v6sub));
	assert_true(cidr_contains(&v6net, &v6sub));
	assert_false(cidr_contains(&v6sub, &v6net));
	/* ::/0 and 0.0.0.0/0 are different worlds */
	assert_false(cidr_contains(&v6, &vpc));
	assert_false(cidr_contains(&all, &v6sub));

	/* a prefix not on a byte boundary */
	struct cidr a = parse_ok("10.0.0.0/13", AF_INET);
	struct cidr in = parse_ok("10.7.0.0/16", AF_INET);
	struct cidr past = parse_ok("10.8.0.0/16", AF_INET);

	assert_true(cidr_contains(&a, &in));
	assert_false(cidr_contains(&a, &past));
}

static void test_overlaps(void **state)
{
	struct cidr a = parse_ok("10.0.0.0/24", AF_INET);
	struct cidr adjacent = parse_ok("10.0.1.0/24", AF_INET);
	struct cidr before = parse_ok("9.255.255.0/24", AF_INET);
	struct cidr nested = parse_ok("10.0.0.128/25", AF_INET);
	struct cidr outer = parse_ok("10.0.0.0/23", AF_INET);
	struct cidr elsewhere = parse_ok("192.168.0.0/16", AF_INET);
	struct cidr all = parse_ok("0.0.0.0/0", AF_INET);
	struct cidr v6a = parse_ok("2001:db8::/64", AF_INET6);
	struct cidr v6b = parse_ok("2001:db8:0:1::/64", AF_INET6);
	struct cidr v6c = parse_ok("2001:db8::/48", AF_INET6);
	struct cidr v6all = parse_ok("::/0", AF_INET6);

	(void)state;
	assert_false(cidr_overlaps(&a, &adjacent));
	assert_false(cidr_overlaps(&adjacent, &a));
	assert_false(cidr_overlaps(&a, &before));
	assert_true(cidr_overlaps(&a, &nested));
	assert_true(cidr_overlaps(&nested, &a));
	assert_true(cidr_overlaps(&a, &outer));
	assert_true(cidr_overlaps(&adjacent, &outer));
	assert_true(cidr_overlaps(&a, &a));
	assert_false(cidr_overlaps(&a, &elsewhere));
	assert_true(cidr_overlaps(&all, &elsewhere));
	assert_false(cidr_overlaps(&v6a, &v6b));
	assert_true(cidr_overlaps(&v6a, &v6c));
	assert_true(cidr_overlaps(&v6b, &v6c));
	assert_false(cidr_overlaps(&all, &v6all));
	assert_false(cidr_overlaps(&v6all, &a));
}

static void test_malformed_struct(void **state)
{
	struct cidr bad = { .family = AF_INET6, .prefix = 200 };
	struct cidr ok = parse_ok("::/0", AF_INET6);
	struct cidr v4bad = { .family = AF_INET, .prefix = 40 };

	(void)state;
	assert_false(cidr_contains(&ok, &bad));
	assert_false(cidr_overlaps(&bad, &bad));
	assert_int_equal(cidr_ipv4_size(&v4bad), 0);
}

static void test_ipv4_size(void **state)
{
	(void)state;
	assert_true(cidr_ipv4_size(&(struct cidr){ 0 }) == 0);
	struct cidr all = parse_ok("0.0.0.0/0", AF_INET);
	struct cidr s16 = parse_ok("10.0.0.0/16", AF_INET);
	struct cidr s28 = parse_ok("10.0.0.0/28", AF_INET);
	struct cidr s32 = parse_ok("10.0.0.0/32", AF_INET);
	struct cidr v6 = parse_ok("2001:db8::/64", AF_INET6);

	assert_true(cidr_ipv4_size(&all) == UINT64_C(4294967296));
	assert_true(cidr_ipv4_size(&s16) == 65536);
	assert_true(cidr_ipv4_size(&s28) == 16);
	assert_true(cidr_ipv4_size(&s32) == 1);
	assert_true(cidr_ipv4_size(&v6) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_good),
		cmocka_unit_test(test_ipv4_bad),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_what_named),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_ret_untouched_on_error),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_malformed_struct),
		cmocka_unit_test(test_ipv4_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
