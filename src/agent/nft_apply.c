/* nft_apply.c - a VPC namespace's nftables tables as one libnftables
 * transaction in a child inside the namespace; the plan applied (for small
 * diffs) and a record of each re-declaration (so a restart can skip one). */
#include "agent/nft_apply.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/netns.h"
#include "lib/crypto.h"

#define NFT_TEXT_MAX (64 * 1024 * 1024)  /* bytes of one transaction */

/* Exit statuses of the child. */
#define NFT_CHILD_OK 0
#define NFT_CHILD_REFUSED 1  /* nft refused the transaction; its text follows */
#define NFT_CHILD_FAILED 2   /* no context, no memory, a listing that did not parse */
#define NFT_CHILD_UNCHANGED 3  /* the listing matched the record: nothing to run */

#define NFT_SUM_HEX (2 * BH_SHA256_LEN + 1)
#define NFT_RECORD_PREFIX "nft-"

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
	const char *netns;
};

/* What a re-declaration left in a namespace, kept in NFT_RECORD_DIR so it
 * outlives the agent: the plan declared (its rendering) and the listing
 * the kernel showed right after, both as SHA-256. When both still match,
 * the kernel holds that plan and the re-declaration (which flushes and
 * refills every set: seconds of kernel time at 10,000 rules) is skipped.
 * Any difference - a change behind the agent's back, another plan, a
 * listing printed in another order - takes the full path, so a stale or
 * missing record costs time, never correctness. */
struct nft_record {
	char plan[NFT_SUM_HEX];
	char listing[NFT_SUM_HEX];
};

static int record_path(const char *netns, char *ret, size_t size)
{
	return bh_snprintf(ret, size, "%s/%s%s", NFT_RECORD_DIR, NFT_RECORD_PREFIX, netns);
}

static bool record_read(const char *netns, struct nft_record *ret)
{
	char path[256], text[2 * NFT_SUM_HEX + 2];
	ssize_t n;
	int fd;

	if (record_path(netns, path, sizeof(path)) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	/* "<plan hex> <listing hex>\n" */
	if (n != 2 * (NFT_SUM_HEX - 1) + 2 || text[NFT_SUM_HEX - 1] != ' ' || text[n - 1] != '\n')
		return false;
	memcpy(ret->plan, text, NFT_SUM_HEX - 1);
	ret->plan[NFT_SUM_HEX - 1] = '\0';
	memcpy(ret->listing, text + NFT_SUM_HEX, NFT_SUM_HEX - 1);
	ret->listing[NFT_SUM_HEX - 1] = '\0';
	return true;
}

/* Written to a temporary name and renamed: a record is whole or absent. */
static void record_write(const char *netns, const struct nft_record *rec)
{
	char path[256], tmp[272], text[2 * NFT_SUM_HEX + 2];
	size_t len;
	bool ok;
	int fd;

	if (record_path(netns, path, sizeof(path)) < 0 || bh_snprintf(tmp, sizeof(tmp), "%s.tmp", path) < 0 ||
	    bh_snprintf(text, sizeof(text), "%s %s\n", rec->plan, rec->listing) < 0)
		return;
	len = strlen(text);
	(void)mkdir(NFT_RECORD_DIR, 0700);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	if (!ok || rename(tmp, path) < 0)
		(void)unlink(tmp);
}

static void record_forget(const char *netns)
{
	char path[256];

	if (record_path(netns, path, sizeof(path)) == 0)
		(void)unlink(path);
}

static int sum_hex(const struct buf *b, char ret[NFT_SUM_HEX])
{
	uint8_t sum[BH_SHA256_LEN];
	int r = bh_sha256(b->len ? buf_str(b) : "", b->len, sum);

	if (r == 0)
		bh_hex(sum, sizeof(sum), ret);
	return r;
}

static int plan_sum(const struct vpc_nft *want, char ret[NFT_SUM_HEX])
{
	struct buf text = BUF_INIT(NFT_TEXT_MAX);
	int r = nft_table_render(&want->filter, &text);

	if (r == 0)
		r = nft_table_render(&want->nat, &text);
	if (r == 0)
		r = nft_table_render(&want->l2, &text);
	if (r == 0)
		r = sum_hex(&text, ret);
	buf_release(&text);
	return r;
}

/* The full listing of the three tables (an absent one as such). */
static int listing_sum(struct nft_ctx *ctx, const struct vpc_nft *want, char ret[NFT_SUM_HEX])
{
	const struct nft_table *tables[] = { &want->filter, &want->nat, &want->l2 };
	struct buf text = BUF_INIT(NFT_TEXT_MAX);
	char cmd[160];
	size_t i;
	int r = 0;

	/* protocol numbers: names would cost a getprotobynumber (a read of
	 * /etc/protocols) per set element */
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_NUMERIC_PROTO);
	for (i = 0; i < 3 && r == 0; i++) {
		r = bh_snprintf(cmd, sizeof(cmd), "list table %s %s", tables[i]->family, tables[i]->name);
		if (r < 0)
			break;
		if (nft_run_cmd_from_buffer(ctx, cmd) != 0)
			r = buf_printf(&text, "absent %s %s\n", tables[i]->family, tables[i]->name);
		else
			r = buf_puts(&text, nft_ctx_get_output_buffer(ctx));
		/* fetching both buffers rewinds them for the next command */
		(void)nft_ctx_get_error_buffer(ctx);
		(void)nft_ctx_get_output_buffer(ctx);
	}
	nft_ctx_output_set_flags(ctx, 0);
	if (r == 0)
		r = sum_hex(&text, ret);
	buf_release(&text);
	return r;
}

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
		struct nft_record had, now;
		bool planned = plan_sum(job->want, now.plan) == 0;

		if (planned && record_read(job->netns, &had) && strcmp(had.plan, now.plan) == 0 &&
		    listing_sum(ctx, job->want, now.listing) == 0 && strcmp(had.listing, now.listing) == 0)
			return NFT_CHILD_UNCHANGED;
		record_forget(job->netns);
		if (sync_from_listing(ctx, job->want, &text) < 0) {
			write_all(out_fd, "cannot list or diff the tables in place");
			return NFT_CHILD_FAILED;
		}
		if (*buf_str(&text) && nft_run_cmd_from_buffer(ctx, buf_str(&text)) != 0) {
			write_all(out_fd, nft_ctx_get_error_buffer(ctx));
			return NFT_CHILD_REFUSED;
		}
		if (planned && listing_sum(ctx, job->want, now.listing) == 0)
			record_write(job->netns, &now);
		return NFT_CHILD_OK;
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

/* 0 when a transaction ran (or had nothing to do), 1 when the record
 * showed the tables already in place, or -errno. */
static int run_job(const char *netns, const struct nft_job *job, struct buf *err)
{
	int r = netns_child(netns, nft_child, (void *)job, err);

	if (r < 0)
		return r;
	if (r == NFT_CHILD_OK)
		return 0;
	if (r == NFT_CHILD_UNCHANGED)
		return 1;
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
	struct nft_job job = { .want = want, .netns = netns };
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
	if (r >= 0) {
		*ret_changed = r == 0;
		r = cache_put(c, netns, want);
	}
out:
	buf_release(&text);
	return r;
}

void nft_records_clear(void)
{
	DIR *d = opendir(NFT_RECORD_DIR);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, NFT_RECORD_PREFIX, strlen(NFT_RECORD_PREFIX)) == 0)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	(void)rmdir(NFT_RECORD_DIR);
}
