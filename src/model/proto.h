/* proto.h - the IpProtocol / FromPort / ToPort triple of a security group
 * rule, validated and normalised as EC2 does. Pure. */
#ifndef BH_PROTO_H
#define BH_PROTO_H

#include "lib/diag.h"

#define BH_PROTO_ALL (-1)
#define BH_PROTO_ICMP 1
#define BH_PROTO_TCP 6
#define BH_PROTO_UDP 17
#define BH_PROTO_ICMPV6 58

struct port_spec {
	int proto;  /* BH_PROTO_ALL or 0..255 */
	int from;   /* tcp/udp: first port; icmp: type or -1; otherwise -1 */
	int to;     /* tcp/udp: last port; icmp: code or -1; otherwise -1 */
};

/* Parse an IpProtocol value: "tcp", "udp", "icmp", "icmpv6" (any case),
 * "-1" for all, or a number 0..255 (6, 17, 1, 58 become their names). */
int proto_parse(const char *s, int *ret, struct diag *d);

/* Validate and normalise ports for proto. from_s/to_s are the raw
 * FromPort/ToPort strings, NULL when absent. tcp/udp need both, 0..65535,
 * from <= to; icmp/icmpv6 take type (-1..255) and code (-1..255); other
 * protocols ignore ports and store -1. */
int port_spec_parse(int proto, const char *from_s, const char *to_s, struct port_spec *ret,
		    struct diag *d);

/* EC2's spelling of a protocol in answers: "tcp", "udp", "icmp", "icmpv6",
 * "-1", or the decimal number. ret must hold 8 bytes. */
void proto_format(int proto, char ret[8]);

#endif
