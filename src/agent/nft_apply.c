/* nft_apply.c - applying a VPC namespace's nftables tables as one
 * transaction through libnftables, in a child inside the namespace, and
 * remembering what was applied so the next change is a small diff. */
#include "agent/nft_apply.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/netns.h"

#define NFT_TEXT_MAX (64 * 1024 * 1024)  /* bytes of one transaction */

/* Exit statuses of the child. */
#define NFT_CHILD_OK 0
#define NFT_CHILD_REFUSED 1  /* nft refused the transaction; its text follows */
#define NFT_CHILD_FAILED 2   /* no context, no memory, a listing that did not parse */

static struct nft_applied *cache_find(const struct nft_cache *c, const char *netns)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (strcmp(c->items[i].netns, netns) == 0)
			return &c->items[i];
	return NULL;
}

void nft_cache_release(struct nft_cache *c)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		vpc_nft_release(&c->items[i].plan);
	free(c->items);
	c->items = NULL;
	c->count = c->cap = 0;
}

bool nft_cache_has(const struct nft_cache *c, const char *netns)
{
	return cache_find(c, netns) != NULL;
}

bool nft_cache_has_device(const struct nft_cache *c, const char *netns, const char *ifname)
{
	const struct nft_applied *e = cache_find(c, netns);
	char needle[32];
	size_t i;

	if (!e || bh_snprintf(needle, sizeof(needle), "device \"%s\"", ifname) < 0)
		return false;
	for (i = 0; i < e->plan.l2.chain_count; i++)
		if (strstr(e->plan.l2.chains[i].hook, needle))
			return true;
	return false;
}

void nft_cache_forget(struct nft_cache *c, const char *netns)
{
	struct nft_applied *e = cache_find(c, netns);

	if (!e)
		return;
	vpc_nft_release(&e->plan);
	*e = c->items[c->count - 1];
	c->count--;
}

/* Keep want as netns's applied plan; want is left empty. */
static int cache_put(struct nft_cache *c, const char *netns, struct vpc_nft *want)
{
	struct nft_applied *e = cache_find(c, netns);

	if (!e) {
		if (c->count == c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 8;
			void *p = realloc(c->items, ncap * sizeof(*c->items));

			if (!p)
				return -ENOMEM;
			c->items = p;
			c->cap = ncap;
		}
		e = &c->items[c->count++];
		bh_strlcpy(e->netns, netns, sizeof(e->netns));
	} else {
		vpc_nft_release(&e->plan);
	}
	e->plan = *want;  /* the tables' arrays move with the struct */
	vpc_nft_init(want);
	return 0;
}

/* --- the child, inside the namespace --- */

struct nft_job {
	const char *text;            /* the transaction; NULL: list the tables, then sync against them */
	const struct vpc_nft *want;
};

static void write_all(int fd, const char *s)
{
	size_t len = strlen(s), done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, s + done, len - done);
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

/* The names a table holds now; none when it does not exist yet. */
static int list_names(struct nft_ctx *ctx, const struct nft_table *t, struct nft_names *ret)
{
	char cmd[160];
	int r;

	if (bh_snprintf(cmd, sizeof(cmd), "list table %s %s", t->family, t->name) < 0)
		return -EINVAL;
	r = nft_run_cmd_from_buffer(ctx, cmd);
	/* fetching both buffers rewinds them for the next command */
	(void)nft_ctx_get_error_buffer(ctx);
	if (r != 0) {
		(void)nft_ctx_get_output_buffer(ctx);
		return 0;
	}
	return nft_names_parse(nft_ctx_get_output_buffer(ctx), ret);
}

static int sync_from_listing(struct nft_ctx *ctx, const struct vpc_nft *want, struct buf *out)
{
	const struct nft_table *tables[] = { &want->filter, &want->nat, &want->l2 };
	size_t i;
	int r = 0;

	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_TERSE);
	for (i = 0; i < 3 && r == 0; i++) {
		struct nft_names names = { 0 };

		r = list_names(ctx, tables[i], &names);
		if (r == 0)
			r = nft_table_sync(tables[i], NULL, &names, out);
		nft_names_release(&names);
	}
	nft_ctx_output_set_flags(ctx, 0);
	return r;
}

static int nft_child(void *arg, int out_fd)
{
	const struct nft_job *job = arg;
	struct buf text = BUF_INIT(NFT_TEXT_MAX);
	struct nft_ctx *ctx;
	const char *run;

	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx || nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		write_all(out_fd, "cannot make an nftables context");
		return NFT_CHILD_FAILED;
	}
	run = job->text;
	if (!run) {
		if (sync_from_listing(ctx, job->want, &text) < 0) {
			write_all(out_fd, "cannot list or diff the tables in place");
			return NFT_CHILD_FAILED;
		}
		run = buf_str(&text);
	}
	if (!*run)
		return NFT_CHILD_OK;
	if (nft_run_cmd_from_buffer(ctx, run) != 0) {
		write_all(out_fd, nft_ctx_get_error_buffer(ctx));
		return NFT_CHILD_REFUSED;
	}
	/* the parent never frees what a child allocated: _exit follows */
	return NFT_CHILD_OK;
}

static int run_job(const char *netns, const struct nft_job *job, struct buf *err)
{
	int r = netns_child(netns, nft_child, (void *)job, err);

	if (r < 0)
		return r;
	if (r == NFT_CHILD_OK)
		return 0;
	if (!err->len)
		buf_printf(err, "nft child exited with status %d", r);
	return -EIO;
}

/* --- the parent's side --- */

int nft_bootstrap(const char *netns, const struct nft_table *filter, struct buf *err)
{
	struct buf text = BUF_INIT(64 * 1024);
	struct nft_job job = { 0 };
	size_t i, hooks = 0;
	int r;

	if (filter) {
		r = buf_printf(&text, "add table %s %s\n", filter->family, filter->name);
		for (i = 0; i < filter->chain_count && r == 0; i++) {
			const struct nft_chain *ch = &filter->chains[i];

			if (!ch->hook[0])
				continue;
			r = buf_printf(&text, "add chain %s %s %s { %s }\n", filter->family, filter->name, ch->name,
				       ch->hook);
			hooks++;
		}
		if (r < 0)
			goto out;
	}
	if (hooks == 0) {
		buf_reset(&text);
		r = buf_puts(&text, "add table inet bulkhead\n"
				    "add chain inet bulkhead forward { type filter hook forward priority filter; policy drop; }\n"
				    "add chain inet bulkhead input { type filter hook input priority filter; policy drop; }\n");
		if (r < 0)
			goto out;
	}
	job.text = buf_str(&text);
	r = run_job(netns, &job, err);
out:
	buf_release(&text);
	return r;
}

static int sync_all(const struct vpc_nft *want, const struct vpc_nft *have, struct buf *out)
{
	int r = nft_table_sync(&want->filter, &have->filter, NULL, out);

	if (r == 0)
		r = nft_table_sync(&want->nat, &have->nat, NULL, out);
	if (r == 0)
		r = nft_table_sync(&want->l2, &have->l2, NULL, out);
	return r;
}

int nft_apply(struct nft_cache *c, const char *netns, struct vpc_nft *want, bool *ret_changed, struct buf *err)
{
	struct nft_applied *have = cache_find(c, netns);
	struct buf text = BUF_INIT(NFT_TEXT_MAX);
	struct nft_job job = { .want = want };
	int r;

	*ret_changed = false;
	if (have) {
		r = sync_all(want, &have->plan, &text);
		if (r < 0)
			goto out;
		if (text.len == 0) {
			r = cache_put(c, netns, want);
			goto out;
		}
		job.text = buf_str(&text);
		r = run_job(netns, &job, err);
		if (r == 0) {
			*ret_changed = true;
			r = cache_put(c, netns, want);
			goto out;
		}
		/* the kernel is not what we remember: start over from what it holds */
		nft_cache_forget(c, netns);
		buf_puts(err, "\n(retrying against a listing of the namespace)\n");
	}
	job.text = NULL;
	r = run_job(netns, &job, err);
	if (r == 0) {
		*ret_changed = true;
		r = cache_put(c, netns, want);
	}
out:
	buf_release(&text);
	return r;
}
