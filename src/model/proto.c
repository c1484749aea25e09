/* proto.c - IpProtocol names and numbers, and the FromPort/ToPort rules EC2
 * applies to each protocol of a security group rule. */
#include "proto.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"

/* How much of an untrusted value an error message echoes back. */
#define PROTO_ECHO_MAX 64

#define PORT_MAX 65535
#define ICMP_FIELD_MAX 255

static const struct {
	const char *name;
	int number;
} proto_names[] = {
	{ "tcp", BH_PROTO_TCP },
	{ "udp", BH_PROTO_UDP },
	{ "icmp", BH_PROTO_ICMP },
	{ "icmpv6", BH_PROTO_ICMPV6 },
};

/* Digits only, no leading zero: bh_parse_long alone would take "-0" and "007". */
static bool is_plain_decimal(const char *s)
{
	size_t i;

	if (!s[0] || (s[0] == '0' && s[1]))
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

int proto_parse(const char *s, int *ret, struct diag *d)
{
	long v;
	size_t i;

	if (!s || !*s)
		goto bad;
	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (strcasecmp(s, proto_names[i].name) == 0) {
			*ret = proto_names[i].number;
			return 0;
		}
	}
	if (strcmp(s, "-1") == 0) {
		*ret = BH_PROTO_ALL;
		return 0;
	}
	if (is_plain_decimal(s) && bh_parse_long(s, 0, 255, &v) == 0) {
		*ret = (int)v;
		return 0;
	}
bad:
	return diag_set(d, "InvalidParameterValue",
			"Invalid value '%.*s' for IP protocol. Unknown protocol.", PROTO_ECHO_MAX,
			s ? s : "");
}

/* One port or ICMP field: present and an integer in [min, max]. */
static int parse_field(const char *s, long min, long max, const char *name, long *ret,
		       struct diag *d)
{
	if (bh_parse_long(s, min, max, ret) < 0)
		return diag_set(d, "InvalidParameterValue",
				"Invalid value '%.*s' for %s. Must be an integer between %ld and %ld.",
				PROTO_ECHO_MAX, s, name, min, max);
	return 0;
}

static int parse_tcp_udp(const char *from_s, const char *to_s, struct port_spec *spec,
			 struct diag *d)
{
	long from, to;
	int r;

	if (!from_s || !to_s)
		return diag_set(d, "InvalidParameterValue",
				"Invalid value 'Must specify both from and to ports with TCP/UDP.'");
	r = parse_field(from_s, 0, PORT_MAX, "fromPort", &from, d);
	if (r < 0)
		return r;
	r = parse_field(to_s, 0, PORT_MAX, "toPort", &to, d);
	if (r < 0)
		return r;
	if (from > to)
		return diag_set(d, "InvalidParameterValue",
				"Invalid value for portRange. fromPort (%ld) must not be greater than toPort (%ld).",
				from, to);
	spec->from = (int)from;
	spec->to = (int)to;
	return 0;
}

/* ICMP reuses FromPort as the type and ToPort as the code; -1 means any. */
static int parse_icmp(const char *type_s, const char *code_s, struct port_spec *spec,
		      struct diag *d)
{
	long type = -1, code = -1;
	int r;

	if (type_s) {
		r = parse_field(type_s, -1, ICMP_FIELD_MAX, "ICMP type", &type, d);
		if (r < 0)
			return r;
	}
	if (code_s) {
		r = parse_field(code_s, -1, ICMP_FIELD_MAX, "ICMP code", &code, d);
		if (r < 0)
			return r;
	}
	/* "any type, code 3" names nothing: codes only mean something per type. */
	if (type == -1 && code != -1)
		return diag_set(d, "InvalidParameterValue",
				"Invalid value for ICMP code (%ld). The ICMP code must be -1 when the ICMP type is -1.",
				code);
	spec->from = (int)type;
	spec->to = (int)code;
	return 0;
}

int port_spec_parse(int proto, const char *from_s, const char *to_s, struct port_spec *ret,
		    struct diag *d)
{
	struct port_spec spec = { .proto = proto, .from = -1, .to = -1 };
	int r = 0;

	if (proto < BH_PROTO_ALL || proto > 255)
		return diag_set(d, "InvalidParameterValue",
				"Invalid value '%d' for IP protocol. Unknown protocol.", proto);
	switch (proto) {
	case BH_PROTO_TCP:
	case BH_PROTO_UDP:
		r = parse_tcp_udp(from_s, to_s, &spec, d);
		break;
	case BH_PROTO_ICMP:
	case BH_PROTO_ICMPV6:
		r = parse_icmp(from_s, to_s, &spec, d);
		break;
	default:
		/* All protocols, or one without ports: EC2 drops what was sent. */
		break;
	}
	if (r == 0)
		*ret = spec;
	return r;
}

void proto_format(int proto, char ret[8])
{
	size_t i;

	if (proto == BH_PROTO_ALL) {
		bh_strlcpy(ret, "-1", 8);
		return;
	}
	for (i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (proto_names[i].number == proto) {
			bh_strlcpy(ret, proto_names[i].name, 8);
			return;
		}
	}
	/* Only 0..255 reach here from proto_parse; anything wider truncates safely. */
	bh_snprintf(ret, 8, "%d", proto);
}
