/* fuzz_cidr.c - libFuzzer harness for cidr_parse: any accepted text must
 * format and re-parse to the same struct, and contain/overlap itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/cidr.h"

static void check_family(const char *s, int family)
{
	struct cidr c, again;
	struct diag d;
	char text[BH_CIDR_STR];

	diag_init(&d);
	if (cidr_parse(s, family, "cidrBlock", &c, &d) != 0) {
		/* a refusal always explains itself */
		if (!d.code || strcmp(d.code, "InvalidParameterValue") != 0)
			abort();
		return;
	}
	if (d.code)
		abort();
	if (family != AF_UNSPEC && c.family != family)
		abort();
	cidr_format(&c, text);
	diag_init(&d);
	if (cidr_parse(text, family, "cidrBlock", &again, &d) != 0)
		abort();
	if (memcmp(&c, &again, sizeof(c)) != 0)
		abort();
	if (!cidr_contains(&c, &c) || !cidr_overlaps(&c, &c))
		abort();
	if (c.family == AF_INET && cidr_ipv4_size(&c) != (uint64_t)1 << (32 - c.prefix))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_family(s, AF_UNSPEC);
	check_family(s, AF_INET);
	check_family(s, AF_INET6);
	free(s);
	return 0;
}
