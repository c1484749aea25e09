/* snapshot_text.c - the `.in` snapshot format of tests/golden/README.md:
 * one object a line, parsed into a struct snapshot for the unit tests. */
#include "snapshot_text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "model/proto.h"

#define FILE_MAX (4 * 1024 * 1024)
#define MAX_TOKENS 16

void snapshot_text_release(struct snapshot_text *t)
{
	snapshot_release(&t->snap);
}

int snapshot_text_read_file(const char *path, char **ret)
{
	struct buf b = BUF_INIT(FILE_MAX);
	char chunk[4096];
	FILE *f = fopen(path, "r");
	size_t n;
	int r = 0;

	if (!f)
		return -errno;
	while (r == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		r = buf_append(&b, chunk, n);
	fclose(f);
	if (r < 0) {
		buf_release(&b);
		return r;
	}
	*ret = buf_detach(&b);
	return 0;
}

/* "key=value" among tokens[from..n): the value, or NULL. */
static const char *opt(char **tok, int n, int from, const char *key)
{
	size_t kl = strlen(key);
	int i;

	for (i = from; i < n; i++) {
		if (strncmp(tok[i], key, kl) == 0 && tok[i][kl] == '=')
			return tok[i] + kl + 1;
	}
	return NULL;
}

static bool copy(char *dst, size_t size, const char *src)
{
	/* "-" stands for the empty string (e.g. no VPC: the public network). */
	return bh_strlcpy(dst, strcmp(src, "-") == 0 ? "" : src, size) == 0;
}

#define COPY(dst, src) do { if (!copy(dst, sizeof(dst), src)) goto bad; } while (0)
#define NEED(k) do { if (n < (k)) goto bad; } while (0)

static int parse_line(struct snapshot_text *g, char **tok, int n)
{
	struct snapshot *s = &g->snap;
	const char *v;
	long num;

	if (strcmp(tok[0], "compile") == 0) {
		NEED(2);
		COPY(g->vpc, tok[1]);
	} else if (strcmp(tok[0], "vpc") == 0) {
		struct vpc *x = list_push(&s->vpcs);

		NEED(3);
		if (!x)
			return -ENOMEM;
		COPY(x->id, tok[1]);
		COPY(x->cidr, tok[2]);
		if (!g->vpc[0])
			COPY(g->vpc, tok[1]);
	} else if (strcmp(tok[0], "subnet") == 0) {
		struct subnet *x = list_push(&s->subnets);

		NEED(4);
		if (!x)
			return -ENOMEM;
		COPY(x->id, tok[1]);
		COPY(x->vpc_id, tok[2]);
		COPY(x->cidr, tok[3]);
	} else if (strcmp(tok[0], "group") == 0) {
		struct security_group *x = list_push(&s->groups);

		NEED(4);
		if (!x)
			return -ENOMEM;
		COPY(x->id, tok[1]);
		COPY(x->vpc_id, tok[2]);
		COPY(x->name, tok[3]);
		x->is_default = n > 4 && strcmp(tok[4], "default") == 0;
	} else if (strcmp(tok[0], "rule") == 0) {
		struct sg_rule *x = list_push(&s->rules);
		struct diag d;

		NEED(7);
		if (!x)
			return -ENOMEM;
		diag_init(&d);
		COPY(x->group_id, tok[1]);
		x->egress = strcmp(tok[2], "out") == 0;
		if (!x->egress && strcmp(tok[2], "in") != 0)
			goto bad;
		if (proto_parse(tok[3], &x->proto, &d) < 0)
			goto bad;
		if (bh_parse_long(tok[4], -1, 65535, &num) < 0)
			goto bad;
		x->from_port = (int)num;
		if (bh_parse_long(tok[5], -1, 65535, &num) < 0)
			goto bad;
		x->to_port = (int)num;
		if (strncmp(tok[6], "sg-", 3) == 0)
			COPY(x->ref_group_id, tok[6]);
		else if (strchr(tok[6], ':'))
			COPY(x->cidr_ipv6, tok[6]);
		else
			COPY(x->cidr_ipv4, tok[6]);
		v = opt(tok, n, 7, "id");
		if (v)
			COPY(x->id, v);
		else if (bh_snprintf(x->id, sizeof(x->id), "sgr-%017zx", s->rules.count) < 0)
			goto bad;
	} else if (strcmp(tok[0], "instance") == 0) {
		struct instance *x = list_push(&s->instances);

		NEED(3);
		if (!x)
			return -ENOMEM;
		COPY(x->id, tok[1]);
		COPY(x->state, tok[2]);
		v = opt(tok, n, 3, "vpc");
		if (v)
			COPY(x->vpc_id, v);
		v = opt(tok, n, 3, "subnet");
		if (v)
			COPY(x->subnet_id, v);
	} else if (strcmp(tok[0], "eni") == 0) {
		struct eni *x = list_push(&s->enis);

		NEED(5);
		if (!x)
			return -ENOMEM;
		COPY(x->id, tok[1]);
		COPY(x->vpc_id, tok[2]);
		COPY(x->private_ip, tok[3]);
		COPY(x->mac, tok[4]);
		x->source_dest_check = true;
		v = opt(tok, n, 5, "instance");
		if (v)
			COPY(x->instance_id, v);
		v = opt(tok, n, 5, "subnet");
		if (v)
			COPY(x->subnet_id, v);
		v = opt(tok, n, 5, "public");
		if (v)
			COPY(x->public_ip, v);
		v = opt(tok, n, 5, "sdc");
		if (v)
			x->source_dest_check = strcmp(v, "off") != 0;
		v = opt(tok, n, 5, "groups");
		while (v && *v) {
			const char *comma = strchr(v, ',');
			size_t len = comma ? (size_t)(comma - v) : strlen(v);

			if (x->group_count == BH_MAX_ENI_GROUPS || len >= BH_MAX_ID)
				goto bad;
			memcpy(x->group_ids[x->group_count], v, len);
			x->group_ids[x->group_count++][len] = '\0';
			v = comma ? comma + 1 : NULL;
		}
	} else if (strcmp(tok[0], "igw") == 0) {
		struct internet_gateway *x = list_push(&s->igws);

		NEED(2);
		if (!x)
			return -ENOMEM;
		COPY(x->id, tok[1]);
		if (n > 2)
			COPY(x->vpc_id, tok[2]);
	} else if (strcmp(tok[0], "address") == 0) {
		struct address *x = list_push(&s->addresses);

		NEED(3);
		if (!x)
			return -ENOMEM;
		COPY(x->allocation_id, tok[1]);
		COPY(x->public_ip, tok[2]);
		v = opt(tok, n, 3, "eni");
		if (v)
			COPY(x->eni_id, v);
		v = opt(tok, n, 3, "instance");
		if (v)
			COPY(x->instance_id, v);
		v = opt(tok, n, 3, "private");
		if (v)
			COPY(x->private_ip, v);
		if (x->eni_id[0] || x->instance_id[0])
			COPY(x->association_id, "eipassoc-00000000000000001");
	} else if (strcmp(tok[0], "rtb") == 0) {
		struct route_table *x = list_push(&s->route_tables);

		NEED(3);
		if (!x)
			return -ENOMEM;
		COPY(x->id, tok[1]);
		COPY(x->vpc_id, tok[2]);
		x->is_main = n > 3 && strcmp(tok[3], "main") == 0;
		x->kernel_table = 100 + (int)s->route_tables.count;
		v = opt(tok, n, 3, "table");
		if (v) {
			if (bh_parse_long(v, 1, 0x7fffffff, &num) < 0)
				goto bad;
			x->kernel_table = (int)num;
		}
	} else if (strcmp(tok[0], "route") == 0) {
		struct route *x = list_push(&s->routes);

		NEED(4);
		if (!x)
			return -ENOMEM;
		COPY(x->route_table_id, tok[1]);
		COPY(x->destination, tok[2]);
		if (strncmp(tok[3], "i-", 2) == 0)
			COPY(x->instance_id, tok[3]);
		else if (strncmp(tok[3], "eni-", 4) == 0)
			COPY(x->eni_id, tok[3]);
		else
			COPY(x->gateway_id, tok[3]);
		COPY(x->origin, strcmp(tok[3], "local") == 0 ? "CreateRouteTable" : "CreateRoute");
	} else if (strcmp(tok[0], "assoc") == 0) {
		struct rtb_association *x = list_push(&s->associations);

		NEED(3);
		if (!x)
			return -ENOMEM;
		COPY(x->route_table_id, tok[1]);
		x->is_main = strcmp(tok[2], "main") == 0;
		if (!x->is_main)
			COPY(x->subnet_id, tok[2]);
		if (bh_snprintf(x->id, sizeof(x->id), "rtbassoc-%017zx", s->associations.count) < 0)
			goto bad;
	} else {
		goto bad;
	}
	return 0;
bad:
	return -EINVAL;
}

/* Instances learn their primary ENI, VPC and subnet from the ENI lines. */
void snapshot_text_link(struct snapshot_text *t)
{
	struct snapshot *s = &t->snap;
	size_t i, j;

	for (i = 0; i < s->enis.count; i++) {
		const struct eni *e = &s->enis.items[i];

		for (j = 0; j < s->instances.count; j++) {
			struct instance *in = &s->instances.items[j];

			if (strcmp(in->id, e->instance_id) != 0)
				continue;
			if (!in->eni_id[0])
				bh_strlcpy(in->eni_id, e->id, sizeof(in->eni_id));
			if (!in->vpc_id[0] && strcmp(e->vpc_id, BH_PUBLIC_NET_ID) != 0)
				bh_strlcpy(in->vpc_id, e->vpc_id, sizeof(in->vpc_id));
			if (!in->subnet_id[0])
				bh_strlcpy(in->subnet_id, e->subnet_id, sizeof(in->subnet_id));
		}
	}
}

int snapshot_text_parse(struct snapshot_text *g, const char *text, const char *where, char *err, size_t errsize)
{
	char *copy = strdup(text), *line, *next;
	int r = 0, lineno = 0;

	if (!copy)
		return -ENOMEM;
	for (line = copy; line && r == 0; line = next) {
		char *tok[MAX_TOKENS], *save = NULL, *hash, *t;
		int n = 0;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (t = strtok_r(line, " \t\r", &save); t && n < MAX_TOKENS; t = strtok_r(NULL, " \t\r", &save))
			tok[n++] = t;
		if (n == 0)
			continue;
		r = parse_line(g, tok, n);
		if (r < 0)
			bh_snprintf(err, errsize, "%s:%d: cannot read this line (see tests/golden/README.md)", where,
				    lineno);
	}
	free(copy);
	return r;
}

int snapshot_text_load(const char *path, struct snapshot_text *t, char *err, size_t errsize)
{
	char *text = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	r = snapshot_text_read_file(path, &text);
	if (r < 0) {
		bh_snprintf(err, errsize, "%s: %s", path, strerror(-r));
		return r;
	}
	r = snapshot_text_parse(t, text, path, err, errsize);
	free(text);
	if (r == 0)
		snapshot_text_link(t);
	else
		snapshot_text_release(t);
	return r;
}
