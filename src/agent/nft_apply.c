/* nft_apply.c - a VPC namespace's nftables tables as one libnftables
 * transaction inside the namespace; the plan applied (for small diffs) and
 * a record of the tables as declared (so a restart can skip declaring). */
#include "agent/nft_apply.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/netns.h"
#include "lib/crypto.h"

#define NFT_TEXT_MAX (64 * 1024 * 1024)  /* bytes of one transaction */
/* A diff up to this size runs in the agent; a bigger one (a VPC's first
 * fill, a bulk change) in a child, whose allocations end with it:
 * libnftables' parse of tens of thousands of elements would leave the
 * agent's heap that much bigger for good. */
#define NFT_INLINE_MAX (64 * 1024)

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

const struct nft_applied *nft_cache_get(const struct nft_cache *c, const char *netns)
{
	return cache_find(c, netns);
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

bool nft_cache_inputs_match(const struct nft_cache *c, const char *netns, const struct vpc_digest *inputs)
{
	const struct nft_applied *e = cache_find(c, netns);

	return e && e->inputs_known && vpc_digest_equal(&e->inputs, inputs);
}

void nft_cache_note_inputs(struct nft_cache *c, const char *netns, const struct vpc_digest *inputs)
{
	struct nft_applied *e = cache_find(c, netns);

	if (!e)
		return;
	e->inputs = *inputs;
	e->inputs_known = true;
}

/* Keep want as netns's applied plan; want is left empty. same: want
 * differs from the plan cached there in nothing a transaction would
 * change, so what that plan was compiled from still holds. */
static int cache_put(struct nft_cache *c, const char *netns, struct vpc_nft *want, bool same)
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
		memset(e, 0, sizeof(*e));
		bh_strlcpy(e->netns, netns, sizeof(e->netns));
	} else {
		vpc_nft_release(&e->plan);
	}
	if (!same)
		e->inputs_known = false;
	e->plan = *want;  /* the tables' arrays move with the struct */
	vpc_nft_init(want);
	return 0;
}

/* --- the namespace's nftables generation --- */

static int genid_attr(const struct nlattr *a, void *data)
{
	uint32_t *ret = data;

	if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		*ret = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

static int genid_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), genid_attr, data);
}

/* The generation of the caller's namespace's nftables: every committed
 * transaction, anyone's, moves it on by one. 0 or -errno. */
static int nft_genid(uint32_t *ret)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	uint32_t gen = 0;
	ssize_t n;
	int r = -EIO;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n <= 0 || mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(nl), genid_msg, &gen) < 0 || gen == 0)
		goto out;
	*ret = gen;
	r = 0;
out:
	mnl_socket_close(nl);
	return r;
}

/* --- the child, inside the namespace --- */

struct nft_job {
	const char *text;            /* the transaction; NULL: list the tables, then sync against them */
	const struct vpc_nft *want;
	const char *netns;
	bool record_only;            /* no transaction: write the record of want as the tables are */
	uint32_t genid;              /* record_only: the generation want is known to be in place at */
	uint32_t *ret_genid;         /* shared, two slots; text NULL: [0] the generation it listed; text:
				      * [0] and [1] the generations before and after the transaction */
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
	if (job->record_only) {
		struct nft_record now;
		uint32_t before = 0, after = 0;

		/* the listing is of want only if no one else committed since */
		record_forget(job->netns);
		if (nft_genid(&before) < 0 || before != job->genid || plan_sum(job->want, now.plan) < 0 ||
		    listing_sum(ctx, job->want, now.listing) < 0 || nft_genid(&after) < 0 || after != before) {
			write_all(out_fd, "the tables moved on, or could not be listed");
			return NFT_CHILD_FAILED;
		}
		record_write(job->netns, &now);
		return NFT_CHILD_OK;
	}
	if (!run) {
		struct nft_record had, now;
		bool planned = plan_sum(job->want, now.plan) == 0;
		uint32_t before = 0, after = 0;

		(void)nft_genid(&before);
		if (planned && record_read(job->netns, &had) && strcmp(had.plan, now.plan) == 0 &&
		    listing_sum(ctx, job->want, now.listing) == 0 && strcmp(had.listing, now.listing) == 0) {
			if (nft_genid(&after) == 0 && after == before && job->ret_genid)
				*job->ret_genid = after;
			return NFT_CHILD_UNCHANGED;
		}
		record_forget(job->netns);
		if (sync_from_listing(ctx, job->want, &text) < 0) {
			write_all(out_fd, "cannot list or diff the tables in place");
			return NFT_CHILD_FAILED;
		}
		if (*buf_str(&text) && nft_run_cmd_from_buffer(ctx, buf_str(&text)) != 0) {
			write_all(out_fd, nft_ctx_get_error_buffer(ctx));
			return NFT_CHILD_REFUSED;
		}
		(void)nft_genid(&before);
		if (planned && listing_sum(ctx, job->want, now.listing) == 0) {
			record_write(job->netns, &now);
			/* the listing is of this plan's tables as long as no one
			 * else committed between the transaction and it */
			if (nft_genid(&after) == 0 && after == before && job->ret_genid)
				*job->ret_genid = after;
		}
		return NFT_CHILD_OK;
	}
	if (!*run)
		return NFT_CHILD_OK;
	if (job->ret_genid)
		(void)nft_genid(&job->ret_genid[0]);
	if (nft_run_cmd_from_buffer(ctx, run) != 0) {
		write_all(out_fd, nft_ctx_get_error_buffer(ctx));
		return NFT_CHILD_REFUSED;
	}
	if (job->ret_genid)
		(void)nft_genid(&job->ret_genid[1]);
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

/* A transaction against the plan applied, in this process: a fork copies
 * the agent's page tables and the child's first writes fault, a cost a
 * change of a few set elements should not pay. The calling thread enters
 * the namespace for the context's whole life (its netlink socket is
 * bound to the namespace it is opened in, and a name lookup would open
 * another). libnftables exits the process when it cannot open a socket or
 * allocate: the supervisor then starts a new agent, which re-reads the
 * kernel. Listings and re-declarations stay in children: they allocate
 * by the table, and are off the path of a change. */
static int run_inline(const char *netns, const char *text, uint32_t ret_genid[2], struct buf *err)
{
	struct nft_ctx *ctx;
	int orig, r;

	ret_genid[0] = ret_genid[1] = 0;
	r = netns_enter(netns, &orig);
	if (r < 0) {
		buf_printf(err, "cannot enter %s: %s", netns, strerror(-r));
		return r;
	}
	(void)nft_genid(&ret_genid[0]);
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx || nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		buf_puts(err, "cannot make an nftables context");
		r = -ENOMEM;
	} else if (nft_run_cmd_from_buffer(ctx, text) != 0) {
		buf_puts(err, nft_ctx_get_error_buffer(ctx));
		r = -EIO;
	}
	if (ctx)
		nft_ctx_free(ctx);
	if (r == 0)
		(void)nft_genid(&ret_genid[1]);
	netns_leave(orig);
	return r;
}

/* --- the parent's side --- */

/* Two generations a child can leave for the parent; NULL when there is
 * no memory for them (the generations are then unknown, which costs a
 * re-declaration record, never correctness). */
static uint32_t *genid_share(void)
{
	uint32_t *shared = mmap(NULL, 2 * sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				-1, 0);

	if (shared == MAP_FAILED)
		return NULL;
	shared[0] = shared[1] = 0;
	return shared;
}

static void genid_unshare(uint32_t *shared)
{
	if (shared)
		munmap(shared, 2 * sizeof(*shared));
}

/* run_inline's work in a child, for a diff too big to parse in the agent. */
static int run_in_child(const char *netns, const char *text, uint32_t ret_genid[2], struct buf *err)
{
	struct nft_job job = { .text = text, .netns = netns, .ret_genid = genid_share() };
	int r;

	r = run_job(netns, &job, err);
	ret_genid[0] = r == 0 && job.ret_genid ? job.ret_genid[0] : 0;
	ret_genid[1] = r == 0 && job.ret_genid ? job.ret_genid[1] : 0;
	genid_unshare(job.ret_genid);
	return r < 0 ? r : 0;
}

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

/* Run diff (against the cached plan; NULL: none, or it is not to be
 * trusted) and keep want; from a listing when there is no diff or it fails. */
static int apply_diff(struct nft_cache *c, const char *netns, struct vpc_nft *want, const char *diff,
		      bool *ret_changed, struct buf *err)
{
	struct nft_applied *have = cache_find(c, netns);
	struct nft_job job = { .want = want, .netns = netns };
	int r;

	*ret_changed = false;
	if (have && diff) {
		uint32_t genid[2], had = have->genid;

		r = strlen(diff) <= NFT_INLINE_MAX ? run_inline(netns, diff, genid, err)
						   : run_in_child(netns, diff, genid, err);
		if (r == 0) {
			*ret_changed = true;
			r = cache_put(c, netns, want, false);
			have = cache_find(c, netns);
			/* ours the only commit since the generation the plan was
			 * known at: the record can be brought up to date */
			if (have) {
				have->genid = had && genid[0] == had && genid[1] == had + 1 ? genid[1] : 0;
				have->record_stale = true;
			}
			return r;
		}
		/* the kernel is not what we remember: start over from what it holds */
		buf_puts(err, "\n(retrying against a listing of the namespace)\n");
	}
	nft_cache_forget(c, netns);
	job.ret_genid = genid_share();
	r = run_job(netns, &job, err);
	if (r >= 0) {
		*ret_changed = r == 0;
		r = cache_put(c, netns, want, false);
		have = cache_find(c, netns);
		if (have)
			have->genid = job.ret_genid ? *job.ret_genid : 0;
	}
	genid_unshare(job.ret_genid);
	return r;
}

int nft_apply(struct nft_cache *c, const char *netns, struct vpc_nft *want, bool *ret_changed, struct buf *err)
{
	struct nft_applied *have = cache_find(c, netns);
	struct buf text = BUF_INIT(NFT_TEXT_MAX);
	int r;

	*ret_changed = false;
	if (!have)
		return apply_diff(c, netns, want, NULL, ret_changed, err);
	r = sync_all(want, &have->plan, &text);
	if (r == 0 && text.len == 0)
		r = cache_put(c, netns, want, true);
	else if (r == 0)
		r = apply_diff(c, netns, want, buf_str(&text), ret_changed, err);
	buf_release(&text);
	return r;
}

int nft_apply_diff(struct nft_cache *c, const char *netns, struct vpc_nft *want, const char *diff,
		   bool *ret_changed, struct buf *err)
{
	if (!*diff) {
		*ret_changed = false;
		return cache_find(c, netns) ? cache_put(c, netns, want, true) : -ENOENT;
	}
	return apply_diff(c, netns, want, diff, ret_changed, err);
}

int nft_record_refresh(struct nft_cache *c, const char *netns, struct buf *err)
{
	struct nft_applied *e = cache_find(c, netns);
	struct nft_job job = { .netns = netns, .record_only = true };
	int r;

	if (!e || !e->record_stale)
		return 0;
	job.want = &e->plan;
	job.genid = e->genid;
	r = e->genid ? run_job(netns, &job, err) : -ESTALE;
	/* a failure leaves no record of this plan: the next start re-declares */
	e->record_stale = false;
	return r < 0 ? r : 0;
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
