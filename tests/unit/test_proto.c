/* test_proto.c - IpProtocol names and numbers, and the FromPort/ToPort rules
 * for tcp/udp, icmp/icmpv6 and everything else. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "lib/buf.h"
#include "model/proto.h"

static int parse_proto_ok(const char *s)
{
	struct diag d;
	int p = -999;

	diag_init(&d);
	if (proto_parse(s, &p, &d) != 0)
		fail_msg("expected protocol '%s' to parse: %s", s, d.message);
	assert_null(d.code);
	return p;
}

static void assert_proto_rejected(const char *s)
{
	struct diag d;
	char want[128];
	int p = -999;

	diag_init(&d);
	if (proto_parse(s, &p, &d) != -EINVAL)
		fail_msg("expected protocol '%s' to be refused", s ? s : "(null)");
	assert_int_equal(p, -999);
	assert_string_equal(d.code, "InvalidParameterValue");
	assert_int_equal(d.http_status, 400);
	if (s && strlen(s) < 32) {
		bh_snprintf(want, sizeof(want), "Invalid value '%s' for IP protocol. Unknown protocol.", s);
		assert_string_equal(d.message, want);
	}
}

static struct port_spec ports_ok(int proto, const char *from, const char *to)
{
	struct port_spec ps;
	struct diag d;

	diag_init(&d);
	if (port_spec_parse(proto, from, to, &ps, &d) != 0)
		fail_msg("expected ports %s..%s for %d to pass: %s", from ? from : "(none)",
			 to ? to : "(none)", proto, d.message);
	assert_null(d.code);
	assert_int_equal(ps.proto, proto);
	return ps;
}

/* Refused with InvalidParameterValue; the message must contain `mentions`. */
static void assert_ports_rejected(int proto, const char *from, const char *to, const char *mentions)
{
	struct port_spec ps, before;
	struct diag d;

	memset(&ps, 0x5a, sizeof(ps));
	before = ps;
	diag_init(&d);
	if (port_spec_parse(proto, from, to, &ps, &d) != -EINVAL)
		fail_msg("expected ports %s..%s for %d to be refused", from ? from : "(none)",
			 to ? to : "(none)", proto);
	assert_string_equal(d.code, "InvalidParameterValue");
	if (!strstr(d.message, mentions))
		fail_msg("message '%s' does not mention '%s'", d.message, mentions);
	assert_memory_equal(&ps, &before, sizeof(ps));
}

static void test_proto_names(void **state)
{
	(void)state;
	assert_int_equal(parse_proto_ok("tcp"), BH_PROTO_TCP);
	assert_int_equal(parse_proto_ok("udp"), BH_PROTO_UDP);
	assert_int_equal(parse_proto_ok("icmp"), BH_PROTO_ICMP);
	assert_int_equal(parse_proto_ok("icmpv6"), BH_PROTO_ICMPV6);
	assert_int_equal(parse_proto_ok("TCP"), BH_PROTO_TCP);
	assert_int_equal(parse_proto_ok("Udp"), BH_PROTO_UDP);
	assert_int_equal(parse_proto_ok("ICMPv6"), BH_PROTO_ICMPV6);
	assert_int_equal(parse_proto_ok("-1"), BH_PROTO_ALL);
}

static void test_proto_numbers(void **state)
{
	(void)state;
	assert_int_equal(parse_proto_ok("0"), 0);
	assert_int_equal(parse_proto_ok("6"), BH_PROTO_TCP);
	assert_int_equal(parse_proto_ok("17"), BH_PROTO_UDP);
	assert_int_equal(parse_proto_ok("1"), BH_PROTO_ICMP);
	assert_int_equal(parse_proto_ok("58"), BH_PROTO_ICMPV6);
	assert_int_equal(parse_proto_ok("47"), 47);
	assert_int_equal(parse_proto_ok("255"), 255);
}

static void test_proto_garbage(void **state)
{
	char long_s[300];
	struct diag d;
	int p;

	(void)state;
	assert_proto_rejected("all");     /* EC2 refuses it; "-1" is the spelling */
	assert_proto_rejected("ALL");
	assert_proto_rejected("xyz");
	assert_proto_rejected("256");
	assert_proto_rejected("-2");
	assert_proto_rejected("-0");
	assert_proto_rejected("+6");
	assert_proto_rejected("06");
	assert_proto_rejected(" 6");
	assert_proto_rejected("6 ");
	assert_proto_rejected("tcp ");
	assert_proto_rejected("tcpx");
	assert_proto_rejected("icmp6");
	assert_proto_rejected("6.0");
	assert_proto_rejected("0x6");
	assert_proto_rejected("99999999999999999999999");
	assert_proto_rejected("");
	assert_proto_rejected(NULL);

	/* a long value is echoed only in part */
	memset(long_s, 'z', sizeof(long_s) - 1);
	long_s[sizeof(long_s) - 1] = '\0';
	diag_init(&d);
	assert_int_equal(proto_parse(long_s, &p, &d), -EINVAL);
	assert_true(strlen(d.message) < 200);
}

static void test_proto_format(void **state)
{
	char out[8];

	(void)state;
	proto_format(BH_PROTO_TCP, out);
	assert_string_equal(out, "tcp");
	proto_format(BH_PROTO_UDP, out);
	assert_string_equal(out, "udp");
	proto_format(BH_PROTO_ICMP, out);
	assert_string_equal(out, "icmp");
	proto_format(BH_PROTO_ICMPV6, out);
	assert_string_equal(out, "icmpv6");
	proto_format(BH_PROTO_ALL, out);
	assert_string_equal(out, "-1");
	proto_format(47, out);
	assert_string_equal(out, "47");
	proto_format(0, out);
	assert_string_equal(out, "0");
	proto_format(255, out);
	assert_string_equal(out, "255");
	/* a number that names a protocol prints as the name */
	proto_format(parse_proto_ok("6"), out);
	assert_string_equal(out, "tcp");
	/* out-of-range values stay inside the 8 bytes */
	proto_format(-2147483647 - 1, out);
	assert_int_equal(strlen(out), 7);
}

static void test_tcp_udp_ports(void **state)
{
	struct port_spec ps;

	(void)state;
	ps = ports_ok(BH_PROTO_TCP, "22", "22");
	assert_int_equal(ps.from, 22);
	assert_int_equal(ps.to, 22);
	ps = ports_ok(BH_PROTO_TCP, "0", "65535");
	assert_int_equal(ps.from, 0);
	assert_int_equal(ps.to, 65535);
	ps = ports_ok(BH_PROTO_UDP, "1024", "2048");
	assert_int_equal(ps.from, 1024);
	assert_int_equal(ps.to, 2048);
	ps = ports_ok(BH_PROTO_UDP, "65535", "65535");
	assert_int_equal(ps.from, 65535);
}

static void test_tcp_udp_bad(void **state)
{
	(void)state;
	assert_ports_rejected(BH_PROTO_TCP, NULL, NULL, "Must specify both from and to ports");
	assert_ports_rejected(BH_PROTO_TCP, "22", NULL, "Must specify both from and to ports");
	assert_ports_rejected(BH_PROTO_UDP, NULL, "22", "TCP/UDP");
	assert_ports_rejected(BH_PROTO_TCP, "0", "65536", "'65536' for toPort");
	assert_ports_rejected(BH_PROTO_TCP, "65536", "65536", "'65536' for fromPort");
	/* -1/-1 means all ports only for protocol -1, never for tcp */
	assert_ports_rejected(BH_PROTO_TCP, "-1", "-1", "'-1' for fromPort");
	assert_ports_rejected(BH_PROTO_UDP, "0", "-1", "'-1' for toPort");
	assert_ports_rejected(BH_PROTO_TCP, "80", "79", "portRange");
	assert_ports_rejected(BH_PROTO_TCP, "65535", "0", "portRange");
	assert_ports_rejected(BH_PROTO_TCP, "", "80", "fromPort");
	assert_ports_rejected(BH_PROTO_TCP, "80", "", "toPort");
	assert_ports_rejected(BH_PROTO_TCP, "http", "80", "'http' for fromPort");
	assert_ports_rejected(BH_PROTO_TCP, "8O", "80", "fromPort");
	assert_ports_rejected(BH_PROTO_TCP, " 80", "80", "fromPort");
	assert_ports_rejected(BH_PROTO_TCP, "+80", "80", "fromPort");
	assert_ports_rejected(BH_PROTO_TCP, "80.0", "80", "fromPort");
	assert_ports_rejected(BH_PROTO_TCP, "80", "99999999999999999999999", "toPort");
}

static void test_icmp(void **state)
{
	struct port_spec ps;

	(void)state;
	ps = ports_ok(BH_PROTO_ICMP, NULL, NULL);
	assert_int_equal(ps.from, -1);
	assert_int_equal(ps.to, -1);
	ps = ports_ok(BH_PROTO_ICMP, "-1", "-1");
	assert_int_equal(ps.from, -1);
	assert_int_equal(ps.to, -1);
	ps = ports_ok(BH_PROTO_ICMP, "8", "0");            /* echo request */
	assert_int_equal(ps.from, 8);
	assert_int_equal(ps.to, 0);
	ps = ports_ok(BH_PROTO_ICMP, "3", "-1");           /* all codes of one type */
	assert_int_equal(ps.from, 3);
	assert_int_equal(ps.to, -1);
	ps = ports_ok(BH_PROTO_ICMP, "3", NULL);
	assert_int_equal(ps.from, 3);
	assert_int_equal(ps.to, -1);
	ps = ports_ok(BH_PROTO_ICMPV6, "128", "0");
	assert_int_equal(ps.from, 128);
	assert_int_equal(ps.to, 0);
	ps = ports_ok(BH_PROTO_ICMPV6, "255", "255");
	assert_int_equal(ps.from, 255);
	assert_int_equal(ps.to, 255);
}

static void test_icmp_bad(void **state)
{
	(void)state;
	assert_ports_rejected(BH_PROTO_ICMP, "-1", "0", "ICMP code");
	assert_ports_rejected(BH_PROTO_ICMP, NULL, "3", "ICMP code");
	assert_ports_rejected(BH_PROTO_ICMP, "256", "0", "'256' for ICMP type");
	assert_ports_rejected(BH_PROTO_ICMP, "3", "256", "'256' for ICMP code");
	assert_ports_rejected(BH_PROTO_ICMP, "-2", "-1", "ICMP type");
	assert_ports_rejected(BH_PROTO_ICMPV6, "8", "-2", "ICMP code");
	assert_ports_rejected(BH_PROTO_ICMPV6, "echo", "0", "ICMP type");
	assert_ports_rejected(BH_PROTO_ICMP, "", "", "ICMP type");
}

static void test_other_protocols_drop_ports(void **state)
{
	struct port_spec ps;

	(void)state;
	ps = ports_ok(BH_PROTO_ALL, NULL, NULL);
	assert_int_equal(ps.from, -1);
	assert_int_equal(ps.to, -1);
	ps = ports_ok(BH_PROTO_ALL, "22", "80");
	assert_int_equal(ps.from, -1);
	assert_int_equal(ps.to, -1);
	ps = ports_ok(47, "garbage", "70000");            /* GRE: ignored, not checked */
	assert_int_equal(ps.proto, 47);
	assert_int_equal(ps.from, -1);
	assert_int_equal(ps.to, -1);
	ps = ports_ok(0, NULL, "5");
	assert_int_equal(ps.from, -1);
	assert_int_equal(ps.to, -1);
	ps = ports_ok(255, "1", "2");
	assert_int_equal(ps.from, -1);

	assert_ports_rejected(256, NULL, NULL, "IP protocol");
	assert_ports_rejected(-2, NULL, NULL, "IP protocol");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_names),
		cmocka_unit_test(test_proto_numbers),
		cmocka_unit_test(test_proto_garbage),
		cmocka_unit_test(test_proto_format),
		cmocka_unit_test(test_tcp_udp_ports),
		cmocka_unit_test(test_tcp_udp_bad),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_icmp_bad),
		cmocka_unit_test(test_other_protocols_drop_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
