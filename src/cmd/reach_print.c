/* reach_print.c - `bulkhead reach` output: the verdict and its path as text
 * or as JSON, escaped and bounded (names in the store are tenant-chosen). */
#include "cmd/reach_print.h"

#include <stdio.h>
#include <string.h>

#include "model/proto.h"

/* --- JSON --- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong three- and four-byte forms, surrogates, past U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) || (s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

int json_put_str(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int r = buf_putc(out, '"');

	while (r == 0 && *p) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			r = buf_putc(out, '\\');
			if (r == 0)
				r = buf_putc(out, (char)*p);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			r = buf_printf(out, "\\u%04x", *p);
			p++;
		} else if (*p < 0x80) {
			r = buf_putc(out, (char)*p++);
		} else if ((n = utf8_len(p)) > 0) {
			r = buf_append(out, p, n);
			p += n;
		} else {
			r = buf_puts(out, "\\ufffd");
			p++;
		}
	}
	return r == 0 ? buf_putc(out, '"') : r;
}

/* "key":"value", or "key":null for "" */
static int json_field(struct buf *out, const char *key, const char *value, bool comma)
{
	int r = buf_printf(out, "%s\"%s\":", comma ? "," : "", key);

	if (r == 0)
		r = value[0] ? json_put_str(out, value) : buf_puts(out, "null");
	return r;
}

static void proto_name(int proto, char ret[8])
{
	if (proto == BH_PROTO_ALL)
		bh_strlcpy(ret, "all", 8);
	else
		proto_format(proto, ret);
}

static int json_flow(struct buf *out, const struct reach_flow *f)
{
	char proto[8];
	int r;

	proto_name(f->proto, proto);
	r = buf_printf(out, ",\"proto\":\"%s\"", proto);
	if (r == 0 && (f->proto == BH_PROTO_TCP || f->proto == BH_PROTO_UDP))
		r = buf_printf(out, ",\"port\":%d", f->port);
	if (r == 0 && f->proto == BH_PROTO_ICMP)
		r = buf_printf(out, ",\"icmp_type\":%d,\"icmp_code\":%d", f->icmp_type, f->icmp_code);
	return r;
}

static int json_end(struct buf *out, const char *key, const struct reach_end *e, bool dst)
{
	int r = buf_printf(out, ",\"%s\":{", key);

	if (r == 0)
		r = json_field(out, "instance", e->instance, false);
	if (r == 0)
		r = json_field(out, "vpc", e->vpc, true);
	if (r == 0)
		r = json_field(out, "address", e->address, true);
	if (r == 0 && dst)
		r = buf_printf(out, ",\"external\":%s", e->external ? "true" : "false");
	return r == 0 ? buf_putc(out, '}') : r;
}

static int json_step(struct buf *out, const struct reach_step *st)
{
	static const struct {
		const char *key;
		size_t offset;
	} optional[] = {
		{ "route_table", offsetof(struct reach_step, route_table) },
		{ "destination", offsetof(struct reach_step, destination) },
		{ "target", offsetof(struct reach_step, target) },
		{ "group_id", offsetof(struct reach_step, group_id) },
		{ "group_name", offsetof(struct reach_step, group_name) },
		{ "rule_id", offsetof(struct reach_step, rule_id) },
	};
	int r = buf_printf(out, "{\"step\":\"%s\",\"ok\":%s", reach_step_name(st->kind), st->ok ? "true" : "false");
	size_t i;

	if (r == 0)
		r = json_field(out, "detail", st->detail, true);
	for (i = 0; r == 0 && i < sizeof(optional) / sizeof(optional[0]); i++) {
		const char *v = (const char *)st + optional[i].offset;

		if (v[0])
			r = json_field(out, optional[i].key, v, true);
	}
	return r == 0 ? buf_putc(out, '}') : r;
}

int reach_print_json(struct buf *out, const struct reach_query *q, const struct reach_result *res, long line)
{
	size_t i;
	int r = buf_putc(out, '{');

	if (r == 0 && line > 0)
		r = buf_printf(out, "\"line\":%ld,", line);
	if (r == 0)
		r = json_field(out, "from", q->from, false);
	if (r == 0)
		r = json_field(out, "to", q->to, true);
	if (r == 0)
		r = json_flow(out, &q->flow);
	if (r == 0)
		r = buf_printf(out, ",\"verdict\":\"%s\"", res->allow ? "allow" : "deny");
	if (r == 0)
		r = json_field(out, "reason", res->reason, true);
	if (r == 0)
		r = json_end(out, "src", &res->src, false);
	if (r == 0)
		r = json_end(out, "dst", &res->dst, true);
	if (r == 0)
		r = buf_puts(out, ",\"path\":[");
	for (i = 0; r == 0 && i < res->step_count; i++) {
		if (i)
			r = buf_putc(out, ',');
		if (r == 0)
			r = json_step(out, &res->steps[i]);
	}
	return r == 0 ? buf_puts(out, "]}\n") : r;
}

int reach_print_line_error(struct buf *out, long line, const char *error)
{
	int r = buf_printf(out, "{\"line\":%ld,\"error\":", line);

	if (r == 0)
		r = json_put_str(out, error);
	return r == 0 ? buf_puts(out, "}\n") : r;
}

int reach_print_who_json(struct buf *out, const struct reach_query *q, const struct reach_source_list *l,
			 const char *reason)
{
	size_t i;
	int r = buf_putc(out, '{');

	if (r == 0)
		r = json_field(out, "instance", q->to, false);
	if (r == 0)
		r = json_flow(out, &q->flow);
	if (r == 0 && !l->count)
		r = json_field(out, "reason", reason, true);
	if (r == 0)
		r = buf_puts(out, ",\"sources\":[");
	for (i = 0; r == 0 && i < l->count; i++) {
		const struct reach_source *s = &l->items[i];
		bool inst = s->kind == REACH_SOURCE_INSTANCE;

		r = buf_printf(out, "%s{\"kind\":\"%s\"", i ? "," : "", inst ? "instance" : "cidr");
		if (r == 0)
			r = json_field(out, "instance", inst ? s->instance : "", true);
		if (r == 0)
			r = json_field(out, "address", inst ? s->address : "", true);
		if (r == 0)
			r = json_field(out, "cidr", inst ? "" : s->cidr, true);
		if (r == 0)
			r = json_field(out, "group_id", s->group_id, true);
		if (r == 0)
			r = json_field(out, "group_name", s->group_name, true);
		if (r == 0)
			r = json_field(out, "rule_id", s->rule_id, true);
		if (r == 0)
			r = buf_putc(out, '}');
	}
	return r == 0 ? buf_puts(out, "]}\n") : r;
}

/* --- text --- */

/* Tenant-chosen text on one line: control characters become '?'. */
static int text_put(struct buf *out, const char *s)
{
	int r = 0;

	for (; r == 0 && *s; s++)
		r = buf_putc(out, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	return r;
}

int reach_print_text(struct buf *out, const struct reach_query *q, const struct reach_result *res)
{
	char flow[64];
	size_t i;
	int r;

	reach_format_flow(&q->flow, flow, sizeof(flow));
	r = buf_printf(out, "%s %s -> %s %s: ", res->allow ? "ALLOW" : "DENY", q->from, q->to, flow);
	if (r == 0)
		r = text_put(out, res->reason);
	for (i = 0; r == 0 && i < res->step_count; i++) {
		const struct reach_step *st = &res->steps[i];

		r = buf_printf(out, "\n  %-4s %-12s ", st->ok ? "ok" : "FAIL", reach_step_name(st->kind));
		if (r == 0)
			r = text_put(out, st->detail);
	}
	return r == 0 ? buf_putc(out, '\n') : r;
}

int reach_print_who_text(struct buf *out, const struct reach_query *q, const struct reach_source_list *l,
			 const char *reason)
{
	char flow[64];
	size_t i;
	int r;

	reach_format_flow(&q->flow, flow, sizeof(flow));
	r = buf_printf(out, "%s %s: ", q->to, flow);
	if (r == 0 && !l->count) {
		r = buf_puts(out, "nobody: ");
		if (r == 0)
			r = text_put(out, reason);
		return r == 0 ? buf_putc(out, '\n') : r;
	}
	if (r == 0)
		r = buf_printf(out, "%zu source%s", l->count, l->count == 1 ? "" : "s");
	for (i = 0; r == 0 && i < l->count; i++) {
		const struct reach_source *s = &l->items[i];

		if (s->kind == REACH_SOURCE_INSTANCE)
			r = buf_printf(out, "\n  instance %s (as %s)", s->instance, s->address);
		else
			r = buf_printf(out, "\n  cidr     %s", s->cidr);
		if (r == 0)
			r = buf_printf(out, "  by %s of %s (", s->rule_id, s->group_id);
		if (r == 0)
			r = text_put(out, s->group_name);
		if (r == 0)
			r = buf_putc(out, ')');
	}
	return r == 0 ? buf_putc(out, '\n') : r;
}
