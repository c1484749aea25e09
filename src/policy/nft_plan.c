/* nft_plan.c - nftables plans as plain data: building them, rendering one
 * whole for golden files, and the one transaction between two of them. */
#include "nft_plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* One element, rule or command line; the longest are ICMP rules listing a
 * peer group's members in an anonymous set. */
#define NFT_LINE_MAX (1024 * 1024)

/* --- string lists --- */

void strlist_release(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

/* Take ownership of s (heap) and append it. */
static int strlist_take(struct strlist *l, char *s)
{
	if (l->count == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		char **p = realloc(l->items, ncap * sizeof(*p));

		if (!p) {
			free(s);
			return -ENOMEM;
		}
		l->items = p;
		l->cap = ncap;
	}
	l->items[l->count++] = s;
	return 0;
}

int strlist_add(struct strlist *l, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	return strlist_take(l, copy);
}

int strlist_addf(struct strlist *l, const char *fmt, ...)
{
	struct buf b = BUF_INIT(NFT_LINE_MAX);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r < 0) {
		buf_release(&b);
		return r;
	}
	return strlist_take(l, buf_detach(&b));
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort_unique(struct strlist *l)
{
	size_t i, out = 0;

	if (l->count == 0)
		return;
	qsort(l->items, l->count, sizeof(*l->items), cmp_str_ptr);
	for (i = 0; i < l->count; i++) {
		if (out > 0 && strcmp(l->items[out - 1], l->items[i]) == 0) {
			free(l->items[i]);
			continue;
		}
		l->items[out++] = l->items[i];
	}
	l->count = out;
}

bool strlist_contains(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; l && i < l->count; i++) {
		if (strcmp(l->items[i], s) == 0)
			return true;
	}
	return false;
}

/* --- tables --- */

void nft_table_init(struct nft_table *t, const char *family, const char *name)
{
	memset(t, 0, sizeof(*t));
	bh_strlcpy(t->family, family, sizeof(t->family));
	bh_strlcpy(t->name, name, sizeof(t->name));
}

void nft_table_release(struct nft_table *t)
{
	size_t i;

	for (i = 0; i < t->set_count; i++)
		strlist_release(&t->sets[i].elements);
	for (i = 0; i < t->chain_count; i++)
		strlist_release(&t->chains[i].rules);
	free(t->sets);
	free(t->chains);
	t->sets = NULL;
	t->chains = NULL;
	t->set_count = t->set_cap = t->chain_count = t->chain_cap = 0;
}

/* Grow an array of structs by one zeroed slot; NULL when out of memory. */
static void *array_push(void **items, size_t *count, size_t *cap, size_t size)
{
	char *p;

	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		p = realloc(*items, ncap * size);
		if (!p)
			return NULL;
		*items = p;
		*cap = ncap;
	}
	p = (char *)*items + *count * size;
	memset(p, 0, size);
	(*count)++;
	return p;
}

struct nft_set *nft_table_set(struct nft_table *t, const char *name, bool is_map, const char *type,
			      const char *flags)
{
	struct nft_set *s;
	size_t i;

	for (i = 0; i < t->set_count; i++) {
		if (strcmp(t->sets[i].name, name) == 0)
			return &t->sets[i];
	}
	if (strlen(name) >= BH_NFT_NAME || strlen(type) >= BH_NFT_SPEC || strlen(flags) >= 32)
		return NULL;
	s = array_push((void **)&t->sets, &t->set_count, &t->set_cap, sizeof(*s));
	if (!s)
		return NULL;
	bh_strlcpy(s->name, name, sizeof(s->name));
	s->is_map = is_map;
	bh_strlcpy(s->type, type, sizeof(s->type));
	bh_strlcpy(s->flags, flags, sizeof(s->flags));
	return s;
}

struct nft_chain *nft_table_chain(struct nft_table *t, const char *name, const char *hook)
{
	struct nft_chain *c;
	size_t i;

	for (i = 0; i < t->chain_count; i++) {
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	}
	if (strlen(name) >= BH_NFT_NAME || strlen(hook) >= BH_NFT_SPEC)
		return NULL;
	c = array_push((void **)&t->chains, &t->chain_count, &t->chain_cap, sizeof(*c));
	if (!c)
		return NULL;
	bh_strlcpy(c->name, name, sizeof(c->name));
	bh_strlcpy(c->hook, hook, sizeof(c->hook));
	return c;
}

static int cmp_set(const void *a, const void *b)
{
	return strcmp(((const struct nft_set *)a)->name, ((const struct nft_set *)b)->name);
}

static int cmp_chain(const void *a, const void *b)
{
	return strcmp(((const struct nft_chain *)a)->name, ((const struct nft_chain *)b)->name);
}

void nft_table_finish(struct nft_table *t)
{
	size_t i;

	if (t->set_count)
		qsort(t->sets, t->set_count, sizeof(*t->sets), cmp_set);
	if (t->chain_count)
		qsort(t->chains, t->chain_count, sizeof(*t->chains), cmp_chain);
	for (i = 0; i < t->set_count; i++)
		strlist_sort_unique(&t->sets[i].elements);
}

/* --- sorted views: render and sync take const tables that callers may
 * not have finished, and need lookups by name --- */

static int cmp_set_ptr(const void *a, const void *b)
{
	return strcmp((*(const struct nft_set *const *)a)->name, (*(const struct nft_set *const *)b)->name);
}

static int cmp_chain_ptr(const void *a, const void *b)
{
	return strcmp((*(const struct nft_chain *const *)a)->name,
		      (*(const struct nft_chain *const *)b)->name);
}

struct table_view {
	const struct nft_set **sets;
	size_t set_count;
	const struct nft_chain **chains;
	size_t chain_count;
};

static void table_view_release(struct table_view *v)
{
	free(v->sets);
	free(v->chains);
	memset(v, 0, sizeof(*v));
}

/* t NULL gives an empty view. */
static int table_view_init(struct table_view *v, const struct nft_table *t)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	if (!t)
		return 0;
	v->sets = calloc(t->set_count + 1, sizeof(*v->sets));
	v->chains = calloc(t->chain_count + 1, sizeof(*v->chains));
	if (!v->sets || !v->chains) {
		table_view_release(v);
		return -ENOMEM;
	}
	for (i = 0; i < t->set_count; i++)
		v->sets[i] = &t->sets[i];
	for (i = 0; i < t->chain_count; i++)
		v->chains[i] = &t->chains[i];
	v->set_count = t->set_count;
	v->chain_count = t->chain_count;
	if (v->set_count)
		qsort(v->sets, v->set_count, sizeof(*v->sets), cmp_set_ptr);
	if (v->chain_count)
		qsort(v->chains, v->chain_count, sizeof(*v->chains), cmp_chain_ptr);
	return 0;
}

static const struct nft_set *view_set(const struct table_view *v, const char *name)
{
	size_t lo = 0, hi = v->set_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v->sets[mid]->name, name);

		if (c == 0)
			return v->sets[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct nft_chain *view_chain(const struct table_view *v, const char *name)
{
	size_t lo = 0, hi = v->chain_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v->chains[mid]->name, name);

		if (c == 0)
			return v->chains[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* --- rendering --- */

/* "elements = { a,\n<indent>b }": one element a line, as `nft list` does,
 * so that golden diffs show one changed element as one changed line. */
static int render_elements(struct buf *out, const struct strlist *elements)
{
	size_t i;
	int r = 0;

	if (elements->count == 0)
		return 0;
	r = buf_puts(out, "\t\telements = { ");
	for (i = 0; i < elements->count && r == 0; i++) {
		if (i > 0)
			r = buf_puts(out, ",\n\t\t\t     ");
		if (r == 0)
			r = buf_puts(out, elements->items[i]);
	}
	if (r == 0)
		r = buf_puts(out, " }\n");
	return r;
}

int nft_table_render(const struct nft_table *t, struct buf *out)
{
	struct table_view v;
	size_t i, j;
	int r;

	r = table_view_init(&v, t);
	if (r < 0)
		return r;
	r = buf_printf(out, "table %s %s {\n", t->family, t->name);
	for (i = 0; i < v.set_count && r == 0; i++) {
		const struct nft_set *s = v.sets[i];

		r = buf_printf(out, "\t%s %s {\n\t\ttype %s\n", s->is_map ? "map" : "set", s->name, s->type);
		if (r == 0 && s->flags[0])
			r = buf_printf(out, "\t\tflags %s\n", s->flags);
		if (r == 0)
			r = render_elements(out, &s->elements);
		if (r == 0)
			r = buf_puts(out, "\t}\n");
	}
	for (i = 0; i < v.chain_count && r == 0; i++) {
		const struct nft_chain *c = v.chains[i];

		r = buf_printf(out, "\tchain %s {\n", c->name);
		if (r == 0 && c->hook[0])
			r = buf_printf(out, "\t\t%s\n", c->hook);
		for (j = 0; j < c->rules.count && r == 0; j++)
			r = buf_printf(out, "\t\t%s\n", c->rules.items[j]);
		if (r == 0)
			r = buf_puts(out, "\t}\n");
	}
	if (r == 0)
		r = buf_puts(out, "}\n");
	table_view_release(&v);
	return r;
}

/* --- the transaction --- */

static int emit_set_decl(struct buf *out, const struct nft_table *t, const struct nft_set *s)
{
	int r = buf_printf(out, "add %s %s %s %s { type %s;", s->is_map ? "map" : "set", t->family,
			   t->name, s->name, s->type);

	if (r == 0 && s->flags[0])
		r = buf_printf(out, " flags %s;", s->flags);
	if (r == 0)
		r = buf_puts(out, " }\n");
	return r;
}

static int emit_chain_decl(struct buf *out, const struct nft_table *t, const struct nft_chain *c)
{
	if (c->hook[0])
		return buf_printf(out, "add chain %s %s %s { %s }\n", t->family, t->name, c->name, c->hook);
	return buf_printf(out, "add chain %s %s %s\n", t->family, t->name, c->name);
}

/* A map element is deleted by its key alone: "k : v" -> "k". */
static size_t element_key_len(const struct nft_set *s, const char *e)
{
	const char *colon = s->is_map ? strstr(e, " : ") : NULL;

	return colon ? (size_t)(colon - e) : strlen(e);
}

/* One `add element` or `delete element` command for elems[0..n). */
static int emit_elements(struct buf *out, const char *verb, const struct nft_table *t,
			 const struct nft_set *s, const char *const *elems, size_t n)
{
	size_t i;
	int r;

	if (n == 0)
		return 0;
	r = buf_printf(out, "%s element %s %s %s { ", verb, t->family, t->name, s->name);
	for (i = 0; i < n && r == 0; i++) {
		size_t len = strcmp(verb, "delete") == 0 ? element_key_len(s, elems[i]) : strlen(elems[i]);

		if (i > 0)
			r = buf_puts(out, ", ");
		if (r == 0)
			r = buf_append(out, elems[i], len);
	}
	if (r == 0)
		r = buf_puts(out, " }\n");
	return r;
}

/* A sorted, unique copy of a set's element pointers (the plan may not be
 * finished; the difference needs order). */
static int sorted_elements(const struct nft_set *s, const char ***ret, size_t *ret_count)
{
	const char **e = calloc(s->elements.count + 1, sizeof(*e));
	size_t i, n = 0;

	if (!e)
		return -ENOMEM;
	for (i = 0; i < s->elements.count; i++)
		e[i] = s->elements.items[i];
	if (s->elements.count)
		qsort(e, s->elements.count, sizeof(*e), cmp_str_ptr);
	for (i = 0; i < s->elements.count; i++) {
		if (n == 0 || strcmp(e[n - 1], e[i]) != 0)
			e[n++] = e[i];
	}
	*ret = e;
	*ret_count = n;
	return 0;
}

/* Elements of `want` that `have` lacks are added, the others deleted;
 * deletions go first so a widened interval never meets the one it replaces. */
static int emit_element_diff(struct buf *out, const struct nft_table *t, const struct nft_set *want,
			     const struct nft_set *have)
{
	const char **w = NULL, **h = NULL, **add = NULL, **del = NULL;
	size_t wn = 0, hn = 0, an = 0, dn = 0, i = 0, j = 0;
	int r;

	r = sorted_elements(want, &w, &wn);
	if (r == 0)
		r = sorted_elements(have, &h, &hn);
	if (r < 0)
		goto out;
	add = calloc(wn + 1, sizeof(*add));
	del = calloc(hn + 1, sizeof(*del));
	if (!add || !del) {
		r = -ENOMEM;
		goto out;
	}
	while (i < wn || j < hn) {
		int c = i == wn ? 1 : j == hn ? -1 : strcmp(w[i], h[j]);

		if (c < 0)
			add[an++] = w[i++];
		else if (c > 0)
			del[dn++] = h[j++];
		else
			i++, j++;
	}
	r = emit_elements(out, "delete", t, have, del, dn);
	if (r == 0)
		r = emit_elements(out, "add", t, want, add, an);
out:
	free(w);
	free(h);
	free(add);
	free(del);
	return r;
}

static bool rules_equal(const struct nft_chain *a, const struct nft_chain *b)
{
	size_t i;

	if (a->rules.count != b->rules.count)
		return false;
	for (i = 0; i < a->rules.count; i++) {
		if (strcmp(a->rules.items[i], b->rules.items[i]) != 0)
			return false;
	}
	return true;
}

static int emit_rules(struct buf *out, const struct nft_table *t, const struct nft_chain *c)
{
	size_t i;
	int r = 0;

	for (i = 0; i < c->rules.count && r == 0; i++)
		r = buf_printf(out, "add rule %s %s %s %s\n", t->family, t->name, c->name, c->rules.items[i]);
	return r;
}

/* Names in `have` or the kernel listing that `want` lacks, sorted, unique. */
static int removed_names(const struct table_view *want, const struct table_view *have,
			 const struct strlist *existing, bool chains, struct strlist *ret)
{
	size_t i, n = chains ? have->chain_count : have->set_count;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		const char *name = chains ? have->chains[i]->name : have->sets[i]->name;

		if (chains ? !view_chain(want, name) : !view_set(want, name))
			r = strlist_add(ret, name);
	}
	for (i = 0; existing && i < existing->count && r == 0; i++) {
		const char *name = existing->items[i];

		if (chains ? !view_chain(want, name) : !view_set(want, name))
			r = strlist_add(ret, name);
	}
	strlist_sort_unique(ret);
	return r;
}

/* A set keeps its type for life: the kernel cannot change it in place, and
 * deleting it needs every rule using it gone first. The compiler derives
 * each set's type from its name, so a change here is a caller bug. */
static bool set_spec_equal(const struct nft_set *a, const struct nft_set *b)
{
	return a->is_map == b->is_map && strcmp(a->type, b->type) == 0 && strcmp(a->flags, b->flags) == 0;
}

static int sync_body(const struct nft_table *t, const struct table_view *w, const struct table_view *h,
		     bool full, const struct nft_names *existing, struct buf *body)
{
	struct strlist gone_sets = { 0 }, gone_chains = { 0 };
	size_t i;
	int r = 0;

	/* 1. declare new sets and chains (and changed base-chain policies) */
	for (i = 0; i < w->set_count && r == 0; i++) {
		const struct nft_set *hs = view_set(h, w->sets[i]->name);

		if (hs && !set_spec_equal(hs, w->sets[i]))
			r = -EINVAL;
		else if (full || !hs)
			r = emit_set_decl(body, t, w->sets[i]);
	}
	for (i = 0; i < w->chain_count && r == 0; i++) {
		const struct nft_chain *hc = view_chain(h, w->chains[i]->name);

		if (full || !hc || strcmp(hc->hook, w->chains[i]->hook) != 0)
			r = emit_chain_decl(body, t, w->chains[i]);
	}
	/* 2. elements: chains exist now for verdict maps to jump to */
	for (i = 0; i < w->set_count && r == 0; i++) {
		const struct nft_set *ws = w->sets[i], *hs = view_set(h, ws->name);

		if (full) {
			r = buf_printf(body, "flush %s %s %s %s\n", ws->is_map ? "map" : "set", t->family,
				       t->name, ws->name);
			if (r == 0)
				r = emit_elements(body, "add", t, ws, (const char *const *)ws->elements.items,
						  ws->elements.count);
		} else if (!hs) {
			r = emit_elements(body, "add", t, ws, (const char *const *)ws->elements.items,
					  ws->elements.count);
		} else {
			r = emit_element_diff(body, t, ws, hs);
		}
	}
	/* 3. rules: every set and chain they name exists now */
	for (i = 0; i < w->chain_count && r == 0; i++) {
		const struct nft_chain *wc = w->chains[i], *hc = view_chain(h, wc->name);

		if (!full && hc && rules_equal(wc, hc))
			continue;
		if (full || hc)
			r = buf_printf(body, "flush chain %s %s %s\n", t->family, t->name, wc->name);
		if (r == 0)
			r = emit_rules(body, t, wc);
	}
	/* 4. removals: empty the chains first (a chain with rules, or one
	 * jumped to, cannot go), then the sets and maps (a map's verdicts
	 * hold chains; `delete set` takes maps too, `flush set` does not),
	 * then the chains. */
	if (r == 0)
		r = removed_names(w, h, existing ? &existing->chains : NULL, true, &gone_chains);
	if (r == 0)
		r = removed_names(w, h, existing ? &existing->sets : NULL, false, &gone_sets);
	for (i = 0; i < gone_chains.count && r == 0; i++)
		r = buf_printf(body, "flush chain %s %s %s\n", t->family, t->name, gone_chains.items[i]);
	for (i = 0; i < gone_sets.count && r == 0; i++)
		r = buf_printf(body, "delete set %s %s %s\n", t->family, t->name, gone_sets.items[i]);
	for (i = 0; i < gone_chains.count && r == 0; i++)
		r = buf_printf(body, "delete chain %s %s %s\n", t->family, t->name, gone_chains.items[i]);
	strlist_release(&gone_sets);
	strlist_release(&gone_chains);
	return r;
}

int nft_table_sync(const struct nft_table *want, const struct nft_table *have,
		   const struct nft_names *existing, struct buf *out)
{
	struct table_view w, h;
	struct buf body = BUF_INIT(out->limit);
	int r;

	if (have && (strcmp(have->family, want->family) != 0 || strcmp(have->name, want->name) != 0))
		return -EINVAL;
	r = table_view_init(&w, want);
	if (r < 0)
		return r;
	r = table_view_init(&h, have);
	if (r < 0)
		goto out;
	r = sync_body(want, &w, &h, have == NULL, existing, &body);
	/* `add table` is idempotent and creates it on first use; it is only
	 * written when something else is, so equal plans give no text. */
	if (r == 0 && body.len > 0) {
		r = buf_printf(out, "add table %s %s\n", want->family, want->name);
		if (r == 0)
			r = buf_append(out, body.data, body.len);
	}
out:
	buf_release(&body);
	table_view_release(&w);
	table_view_release(&h);
	return r;
}

/* --- reading names back from `nft list table` --- */

void nft_names_release(struct nft_names *n)
{
	strlist_release(&n->sets);
	strlist_release(&n->chains);
}

/* "KEYWORD NAME {" at table depth; NAME may be quoted. */
static int parse_object_line(const char *line, size_t len, struct nft_names *ret)
{
	static const struct {
		const char *keyword;
		bool chain;
	} kinds[] = { { "set ", false }, { "map ", false }, { "chain ", true } };
	char name[BH_NFT_NAME];
	size_t i, k, n;

	while (len > 0 && (*line == ' ' || *line == '\t'))
		line++, len--;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t kl = strlen(kinds[k].keyword);
		const char *p;
		bool quoted;

		if (len <= kl || strncmp(line, kinds[k].keyword, kl) != 0)
			continue;
		p = line + kl;
		i = kl;
		quoted = *p == '"';
		if (quoted)
			p++, i++;
		for (n = 0; i < len && n + 1 < sizeof(name); i++, p++) {
			if (quoted ? *p == '"' : (*p == ' ' || *p == '\t'))
				break;
			name[n++] = *p;
		}
		name[n] = '\0';
		if (n == 0 || n + 1 >= sizeof(name))
			return 0;
		return strlist_add(kinds[k].chain ? &ret->chains : &ret->sets, name);
	}
	return 0;
}

int nft_names_parse(const char *listing, struct nft_names *ret)
{
	struct nft_names names = { 0 };
	const char *line = listing;
	int depth = 0, r = 0;

	while (line && *line && r == 0) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		bool in_string = false;
		size_t i;

		/* Objects sit one level inside `table … {`. */
		if (depth == 1)
			r = parse_object_line(line, len, &names);
		for (i = 0; i < len; i++) {
			if (line[i] == '"')
				in_string = !in_string;
			else if (!in_string && line[i] == '#')
				break;  /* `# handle 7` and the like */
			else if (!in_string && line[i] == '{')
				depth++;
			else if (!in_string && line[i] == '}' && depth > 0)
				depth--;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (r < 0) {
		nft_names_release(&names);
		return r;
	}
	strlist_sort_unique(&names.sets);
	strlist_sort_unique(&names.chains);
	*ret = names;
	return 0;
}
