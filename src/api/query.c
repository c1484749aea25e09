/* query.c - decoding form-encoded EC2 Query parameters into a bounded list;
 * nothing past this file sees raw request text. */
#include "query.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/limits.h"

void params_init(struct params *p)
{
	p->items = NULL;
	p->count = 0;
}

void params_release(struct params *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		free(p->items[i].name);
		free(p->items[i].value);
	}
	free(p->items);
	params_init(p);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one form-encoded component into a fresh string of at most limit
 * bytes. NUL bytes are refused: no value may hide a terminator. */
static int form_decode(const char *s, size_t len, size_t limit, const char *what, char **ret,
		       struct diag *d)
{
	struct buf b = BUF_INIT(limit);
	size_t i;
	int r = 0;

	for (i = 0; i < len && r == 0; i++) {
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= len) {
				r = diag_set(d, "MalformedQueryString", "Truncated percent escape in %s", what);
				break;
			}
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0) {
				r = diag_set(d, "MalformedQueryString", "Invalid percent escape in %s", what);
				break;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0') {
			r = diag_set(d, "MalformedQueryString", "NUL byte in %s", what);
			break;
		}
		if (buf_putc(&b, c) < 0)
			r = diag_set(d, "InvalidParameterValue", "The %s exceeds %zu bytes", what, limit);
	}
	if (r == 0)
		*ret = buf_detach(&b);
	buf_release(&b);
	return r;
}

static bool name_is_printable(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static int params_add(struct params *p, char *name, char *value, struct diag *d)
{
	struct param *items;

	if (params_get(p, name)) {
		diag_set(d, "InvalidParameter", "The parameter %.128s is given more than once", name);
		goto fail;
	}
	if (p->count >= BH_MAX_PARAMS) {
		diag_set(d, "InvalidParameterValue", "Too many parameters (limit %d)", BH_MAX_PARAMS);
		goto fail;
	}
	items = realloc(p->items, (p->count + 1) * sizeof(*items));
	if (!items)
		goto fail;
	p->items = items;
	p->items[p->count].name = name;
	p->items[p->count].value = value;
	p->count++;
	return 0;
fail:
	free(name);
	free(value);
	return -EINVAL;
}

int params_parse(struct params *p, const char *data, size_t len, struct diag *d)
{
	size_t start = 0;

	while (start < len) {
		const char *pair = data + start;
		const char *amp = memchr(pair, '&', len - start);
		size_t pair_len = amp ? (size_t)(amp - pair) : len - start;
		const char *eq = memchr(pair, '=', pair_len);
		size_t name_len = eq ? (size_t)(eq - pair) : pair_len;
		char *name = NULL, *value = NULL;
		int r;

		start += pair_len + 1;
		if (pair_len == 0)
			continue;
		r = form_decode(pair, name_len, BH_MAX_PARAM_NAME, "parameter name", &name, d);
		if (r < 0)
			return r;
		if (!*name || !name_is_printable(name)) {
			free(name);
			return diag_set(d, "MalformedQueryString", "Invalid parameter name");
		}
		if (eq)
			r = form_decode(eq + 1, pair_len - name_len - 1, BH_MAX_PARAM_VALUE, "parameter value",
					&value, d);
		else
			value = calloc(1, 1);
		if (r < 0 || !value) {
			free(name);
			return r < 0 ? r : -ENOMEM;
		}
		r = params_add(p, name, value, d);
		if (r < 0)
			return r;
	}
	return 0;
}

const char *params_get(const struct params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->count; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return p->items[i].value;
	return NULL;
}

const char *params_getf(const struct params *p, const char *fmt, ...)
{
	char name[BH_MAX_PARAM_NAME + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(name))
		return NULL;
	return params_get(p, name);
}

int params_list_max(const struct params *p, const char *prefix, size_t *ret, struct diag *d)
{
	size_t plen = strlen(prefix), max = 0, i;

	for (i = 0; i < p->count; i++) {
		const char *rest = p->items[i].name;
		size_t n = 0, digits = 0;

		if (strncmp(rest, prefix, plen) != 0)
			continue;
		rest += plen;
		while (rest[digits] >= '0' && rest[digits] <= '9') {
			if (n <= BH_MAX_LIST_ITEMS)
				n = n * 10 + (size_t)(rest[digits] - '0');
			digits++;
		}
		if (rest[digits] != '\0' && rest[digits] != '.')
			continue;  /* another parameter sharing the prefix, e.g. "Filter.Foo" */
		if (digits == 0 || n == 0 || rest[0] == '0' || n > BH_MAX_LIST_ITEMS)
			return diag_set(d, "InvalidParameterValue",
					"Invalid list index in parameter %.128s (1 to %d)", p->items[i].name,
					BH_MAX_LIST_ITEMS);
		if (n > max)
			max = n;
	}
	*ret = max;
	return 0;
}

int params_list_values(const struct params *p, const char *prefix, const char **ret,
		       size_t max_items, size_t *ret_count, struct diag *d)
{
	char dotted[BH_MAX_PARAM_NAME + 2];
	size_t max, i, count = 0;
	int r;

	if (bh_snprintf(dotted, sizeof(dotted), "%s.", prefix) < 0)
		return -E2BIG;
	r = params_list_max(p, dotted, &max, d);
	if (r < 0)
		return r;
	for (i = 1; i <= max; i++) {
		const char *v = params_getf(p, "%s%zu", dotted, i);

		if (!v)
			continue;
		if (count >= max_items)
			return diag_set(d, "InvalidParameterValue", "Too many values for %s (limit %zu)",
					prefix, max_items);
		ret[count++] = v;
	}
	*ret_count = count;
	return 0;
}

int params_bool(const struct params *p, const char *name, bool *ret, struct diag *d)
{
	const char *v = params_get(p, name);

	if (!v)
		return 0;
	if (strcasecmp(v, "true") == 0)
		*ret = true;
	else if (strcasecmp(v, "false") == 0)
		*ret = false;
	else
		return diag_set(d, "InvalidParameterValue", "Value (%.64s) for parameter %s is invalid. Expected a boolean.",
				v, name);
	return 0;
}
