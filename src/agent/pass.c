/* pass.c - one reconcile pass in dataplane order: load and plan, make
 * namespaces, read the kernel, make veths, apply nftables, configure,
 * forget the flows of addresses that left, remove what the plan lacks,
 * report the instances that settled. */
#include "agent/pass.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/conntrack.h"
#include "agent/kstate.h"
#include "agent/links.h"
#include "agent/netns.h"
#include "agent/plan.h"
#include "agent/vpc_inputs.h"
#include "lib/log.h"
#include "policy/compile.h"
#include "store/store.h"

/* One namespace during one pass. */
struct ns_pass {
	struct ns_want *want;
	struct ns_state have;
	bool existed;     /* at the start of the pass */
	bool readable;    /* have holds what the kernel had */
	bool compiled;    /* NS_VPC: nft holds its tables */
	bool nft_ok;      /* NS_VPC: the tables are in place */
	struct vpc_nft nft;
	struct strlist remake, stale;
	bool nat_known;             /* NS_VPC: the NAT bindings before the pass are known: */
	struct strlist nat_before;  /* CT_NAT_MAP's elements as last applied */
};

struct pass {
	struct agent_memory *a;
	struct snapshot snap;
	struct dp_plan plan;
	struct strlist existing;  /* bh- namespaces at the start */
	struct ns_pass *ns;
	struct strlist dirty;     /* instances with something not in place at the start */
	bool changed;
	bool failed;
};

void agent_log_text(const char *text, char *ret, size_t size)
{
	size_t i, o = 0;

	for (i = 0; text[i] && o + 3 < size; i++) {
		char c = text[i];

		if (c == '\n') {
			if (text[i + 1] == '\0')
				break;
			ret[o++] = '\\';
			ret[o++] = 'n';
		} else if (c == '"' || c == '\\') {
			ret[o++] = '\\';
			ret[o++] = c;
		} else {
			ret[o++] = (c < ' ' || c == 0x7f) ? ' ' : c;
		}
	}
	ret[o] = '\0';
}

static bool strlist_has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

static struct ns_pass *pass_ns(struct pass *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->plan.ns.count; i++)
		if (strcmp(p->ns[i].want->name, name) == 0)
			return &p->ns[i];
	return NULL;
}

static void pass_release(struct pass *p)
{
	size_t i;

	for (i = 0; p->ns && i < p->plan.ns.count; i++) {
		ns_state_release(&p->ns[i].have);
		vpc_nft_release(&p->ns[i].nft);
		strlist_release(&p->ns[i].remake);
		strlist_release(&p->ns[i].stale);
		strlist_release(&p->ns[i].nat_before);
	}
	free(p->ns);
	dp_plan_release(&p->plan);
	snapshot_release(&p->snap);
	strlist_release(&p->existing);
	strlist_release(&p->dirty);
}

static void batch_failed_text(const char *phase, const char *netns, const struct buf *err)
{
	char text[1024];

	agent_log_text(buf_str(err), text, sizeof(text));
	log_event(LOG_LEVEL_ERROR, "event=command_error netns=%s phase=%s error=\"%s\"", netns, phase, text);
}

static void batch_failed(struct pass *p, const char *netns, const char *phase, const struct buf *err)
{
	batch_failed_text(phase, netns, err);
	p->failed = true;
}

static bool netns_usable(const char *name)
{
	int orig;

	if (netns_enter(name, &orig) < 0)
		return false;
	netns_leave(orig);
	return true;
}

/* Step 1: namespaces exist, with their own sysctls; a VPC namespace gets
 * its policy-drop filter chains before any vNIC can exist in it. */
static void ensure_namespaces(struct pass *p)
{
	struct buf err = BUF_INIT(NETNS_OUTPUT_MAX);
	size_t i, k;
	int r;

	for (i = 0; i < p->plan.ns.count; i++) {
		struct ns_pass *np = &p->ns[i];
		const struct ns_want *w = np->want;

		np->existed = strlist_has(&p->existing, w->name);
		if (np->existed && !netns_usable(w->name)) {
			/* a name under /run/netns with no namespace behind it
			 * (an `ip netns add` cut short): make it again */
			log_event(LOG_LEVEL_WARN, "event=netns_broken netns=%s", w->name);
			buf_reset(&err);
			(void)netns_del(w->name, &err);
			np->existed = false;
		}
		if (!np->existed) {
			buf_reset(&err);
			r = netns_add(w->name, &err);
			if (r < 0) {
				batch_failed(p, w->name, "netns_add", &err);
				continue;
			}
			log_event(LOG_LEVEL_INFO, "event=netns_created netns=%s", w->name);
			p->changed = true;
		}
		for (k = 0; k < w->sysctls.count; k++) {
			r = netns_sysctl_set(w->name, w->sysctls.items[k].path, w->sysctls.items[k].value);
			if (r < 0) {
				log_event(LOG_LEVEL_ERROR, "event=sysctl_error netns=%s key=%s error=\"%s\"", w->name,
					  w->sysctls.items[k].path, strerror(-r));
				p->failed = true;
			}
		}
		if (w->kind != NS_VPC)
			continue;
		r = policy_compile_vpc(&p->snap, w->vpc_id, &np->nft);
		np->compiled = r == 0;
		if (r < 0) {
			log_event(LOG_LEVEL_ERROR, "event=nft_compile_error netns=%s vpc=%s error=\"%s\"", w->name,
				  w->vpc_id, strerror(-r));
			p->failed = true;
		}
		if (nft_cache_has(&p->a->nft, w->name))
			continue;
		buf_reset(&err);
		r = nft_bootstrap(w->name, np->compiled ? &np->nft.filter : NULL, &err);
		if (r < 0) {
			char text[1024];

			agent_log_text(buf_str(&err), text, sizeof(text));
			log_event(LOG_LEVEL_ERROR, "event=nft_error netns=%s phase=bootstrap error=\"%s\"", w->name, text);
			p->failed = true;
		}
	}
	buf_release(&err);
}

/* Step 2: what the kernel holds; and veth pairs with one end missing. */
static void observe(struct pass *p)
{
	size_t i, k;
	int r;

	for (i = 0; i < p->plan.ns.count; i++) {
		struct ns_pass *np = &p->ns[i];

		r = kstate_read(np->want->name, &np->have);
		np->readable = r == 0;
		if (r < 0 && r != -ENOENT) {
			log_event(LOG_LEVEL_ERROR, "event=read_error netns=%s error=\"%s\"", np->want->name, strerror(-r));
			p->failed = true;
		}
		if (!np->readable && np->want->instance_id[0])
			strlist_add(&p->dirty, np->want->instance_id);
	}
	for (i = 0; i < p->plan.ns.count; i++) {
		struct ns_pass *np = &p->ns[i];

		for (k = 0; k < np->want->state.links.count; k++) {
			const struct dp_link *l = &np->want->state.links.items[k];
			struct ns_pass *peer;
			bool here, there;

			if (!l->peer[0])
				continue;
			peer = pass_ns(p, l->peer_netns);
			here = ns_state_link(&np->have, l->name) != NULL;
			there = peer && ns_state_link(&peer->have, l->peer) != NULL;
			if (here && !there)
				strlist_add(&np->remake, l->name);
			if (!here && there)
				strlist_add(&peer->stale, l->peer);
		}
	}
}

/* A vNIC remade behind the plan's back (its link vanished) may have taken
 * its netdev chain with it on kernels that delete such chains with their
 * device: then the applied plan is no longer what the kernel holds, and
 * the namespace's tables are re-declared from a listing. */
static void forget_vanished_devices(struct pass *p, const struct ns_pass *np)
{
	size_t i;

	for (i = 0; i < np->want->state.links.count; i++) {
		const struct dp_link *l = &np->want->state.links.items[i];
		bool made = !ns_state_link(&np->have, l->name) || strlist_has(&np->remake, l->name);

		if (l->peer[0] && made && nft_cache_has_device(&p->a->nft, np->want->name, l->name)) {
			nft_cache_forget(&p->a->nft, np->want->name);
			log_event(LOG_LEVEL_WARN, "event=vnic_vanished netns=%s link=%s", np->want->name, l->name);
			return;
		}
	}
}

/* Step 3: make missing veth pairs (down), peers' stale ends first. */
static void create_links(struct pass *p)
{
	static const enum ns_kind order[] = { NS_INSTANCE, NS_INTERNET, NS_VPC };
	struct buf batch = BUF_INIT(DP_BATCH_MAX), err = BUF_INIT(NETNS_OUTPUT_MAX);
	size_t i, o;

	for (o = 0; o < 3; o++) {
		for (i = 0; i < p->plan.ns.count; i++) {
			struct ns_pass *np = &p->ns[i];

			if (np->want->kind != order[o] || !np->readable)
				continue;
			buf_reset(&batch);
			if (dp_diff_create(np->want, &np->have, &np->remake, &np->stale, &batch, &p->dirty) < 0) {
				p->failed = true;
				continue;
			}
			if (batch.len == 0)
				continue;
			p->changed = true;
			forget_vanished_devices(p, np);
			buf_reset(&err);
			if (ip_batch_run(np->want->name, buf_str(&batch), &err) < 0)
				batch_failed(p, np->want->name, "create", &err);
			else
				log_event(LOG_LEVEL_DEBUG, "event=links_created netns=%s", np->want->name);
		}
	}
	buf_release(&batch);
	buf_release(&err);
}

/* Step 4: one nftables transaction per VPC namespace. */
static void apply_nft(struct pass *p)
{
	struct buf err = BUF_INIT(NETNS_OUTPUT_MAX);
	struct vpc_inputs inputs = { 0 };  /* what each VPC's plan is compiled from */
	char text[1500];
	size_t i;
	bool changed;
	int r;

	/* without them the next early path compiles every VPC once */
	if (vpc_inputs_build(&p->snap, &inputs) < 0)
		log_event(LOG_LEVEL_WARN, "event=vpc_inputs_error error=\"%s\"", strerror(ENOMEM));
	for (i = 0; i < p->plan.ns.count; i++) {
		struct ns_pass *np = &p->ns[i];
		const struct vpc_digest *digest;

		if (np->want->kind != NS_VPC || !np->compiled || !np->readable)
			continue;
		buf_reset(&err);
		if (p->a->redeclare)
			nft_cache_forget(&p->a->nft, np->want->name);
		r = nft_apply(&p->a->nft, np->want->name, &np->nft, &changed, &err);
		np->nft_ok = r == 0;
		agent_log_text(buf_str(&err), text, sizeof(text));
		if (r < 0) {
			log_event(LOG_LEVEL_ERROR, "event=nft_error netns=%s error=\"%s\"", np->want->name, text);
			p->failed = true;
			continue;
		}
		/* so the early path of the next revision compiles only what changed */
		digest = vpc_inputs_find(&inputs, &p->snap, np->want->vpc_id);
		if (digest)
			nft_cache_note_inputs(&p->a->nft, np->want->name, digest);
		if (err.len)
			log_event(LOG_LEVEL_WARN, "event=nft_drift netns=%s first_error=\"%s\"", np->want->name, text);
		/* a re-declaration for drift runs whether or not anything drifted */
		if (changed && !p->a->redeclare) {
			log_event(LOG_LEVEL_INFO, "event=nft_applied netns=%s", np->want->name);
			p->changed = true;
		} else if (changed) {
			log_event(LOG_LEVEL_DEBUG, "event=nft_redeclared netns=%s", np->want->name);
		}
	}
	/* after every transaction of the pass, so none waits on a listing */
	for (i = 0; i < p->plan.ns.count; i++) {
		struct ns_pass *np = &p->ns[i];

		if (!np->nft_ok)
			continue;
		buf_reset(&err);
		r = nft_record_refresh(&p->a->nft, np->want->name, &err);
		agent_log_text(buf_str(&err), text, sizeof(text));
		if (r < 0)
			log_event(LOG_LEVEL_DEBUG, "event=nft_record_stale netns=%s error=\"%s\"", np->want->name, text);
	}
	vpc_inputs_release(&inputs);
	buf_release(&err);
}

/* The plan last applied in netns, if the agent knows it. */
static const struct vpc_nft *applied_nft(const struct pass *p, const char *netns)
{
	size_t i;

	for (i = 0; i < p->a->nft.count; i++)
		if (strcmp(p->a->nft.items[i].netns, netns) == 0)
			return &p->a->nft.items[i].plan;
	return NULL;
}

/* Before step 4, which replaces them: the NAT bindings in place, as the
 * plan last applied says. Unknown after a start or a failed apply, and
 * taken as unknown when the tables are re-declared: then the conntrack
 * table itself is checked against the plan (forget_flows). */
static void remember_bindings(struct pass *p)
{
	size_t i, k;

	for (i = 0; i < p->plan.ns.count; i++) {
		struct ns_pass *np = &p->ns[i];
		const struct vpc_nft *v = applied_nft(p, np->want->name);
		const struct strlist *b = v ? ct_nat_bindings(v) : NULL;

		if (np->want->kind != NS_VPC || !b || p->a->redeclare)
			continue;
		np->nat_known = true;
		for (k = 0; k < b->count && np->nat_known; k++)
			np->nat_known = strlist_add(&np->nat_before, b->items[k]) == 0;
	}
}

/* Step 5: sysctls of links (proxy ARP), then addresses, link state,
 * routes and rules; extras removed where the namespace is ours. Each
 * namespace is read again first: links made above are there now, and a
 * veth end deleted in one namespace takes its peer in another with it,
 * so VPC namespaces (which own their uplinks) go before bh-internet. */
static void configure_ns(struct pass *p, struct ns_pass *np, struct buf *batch, struct buf *err)
{
	const struct ns_want *w = np->want;
	bool allow_up = w->kind != NS_VPC || np->nft_ok;
	struct ns_state now = { 0 };
	size_t k;
	int r;

	for (k = 0; k < w->if_sysctls.count; k++) {
		const struct dp_sysctl *s = &w->if_sysctls.items[k];

		r = netns_sysctl_set(w->name, s->path, s->value);
		if (r != 0 && s->owner[0] && !strlist_has(&p->dirty, s->owner))
			strlist_add(&p->dirty, s->owner);
		if (r > 0)
			p->changed = true;
	}
	r = kstate_read(w->name, &now);
	if (r < 0) {
		log_event(LOG_LEVEL_ERROR, "event=read_error netns=%s error=\"%s\"", w->name, strerror(-r));
		p->failed = true;
		return;
	}
	buf_reset(batch);
	r = dp_diff_config(w, &now, allow_up, batch, &p->dirty);
	ns_state_release(&now);
	if (r < 0) {
		p->failed = true;
		return;
	}
	if (batch->len == 0)
		return;
	p->changed = true;
	buf_reset(err);
	if (ip_batch_run(w->name, buf_str(batch), err) < 0)
		batch_failed(p, w->name, "config", err);
}

static void configure(struct pass *p)
{
	static const enum ns_kind order[] = { NS_VPC, NS_INTERNET, NS_INSTANCE };
	struct buf batch = BUF_INIT(DP_BATCH_MAX), err = BUF_INIT(NETNS_OUTPUT_MAX);
	size_t i, o;

	for (o = 0; o < 3; o++)
		for (i = 0; i < p->plan.ns.count; i++)
			if (p->ns[i].want->kind == order[o] && p->ns[i].readable)
				configure_ns(p, &p->ns[i], &batch, &err);
	buf_release(&batch);
	buf_release(&err);
}

/* Step 6: the conntrack entries of every address that left its holder in
 * a router namespace - a vNIC's address whose host route went or moved,
 * a public address whose NAT binding went or changed - once the kernel no
 * longer routes or translates it the old way (a packet of the flow before
 * that would make the entry again). Established flows of every other
 * address are left alone. */
static void forget_flows(struct pass *p)
{
	size_t i;
	int r;

	for (i = 0; i < p->plan.ns.count; i++) {
		struct ns_pass *np = &p->ns[i];
		const struct vpc_nft *v = applied_nft(p, np->want->name);
		struct ct_forget f = { 0 };
		unsigned deleted = 0;

		if (np->want->kind != NS_VPC || !np->readable)
			continue;
		r = ct_forget_routes(&f, &np->have, &np->want->state);
		/* bindings only once the new ones are in place */
		if (r == 0 && np->nft_ok && v)
			r = ct_forget_bindings(&f, np->nat_known ? &np->nat_before : NULL, ct_nat_bindings(v));
		ct_forget_finish(&f);
		if (r == 0 && ct_forget_needed(&f))
			r = ct_forget_run(np->want->name, &f, &deleted);
		if (r < 0) {
			log_event(LOG_LEVEL_ERROR, "event=conntrack_error netns=%s error=\"%s\"", np->want->name,
				  strerror(-r));
			p->failed = true;
			/* the next pass checks every entry against the bindings */
			nft_cache_forget(&p->a->nft, np->want->name);
		} else if (f.addrs.count || deleted) {
			struct buf addrs = BUF_INIT(CT_DESCRIBE_MAX);

			ct_forget_describe(&f, &addrs);
			log_event(LOG_LEVEL_INFO, "event=conntrack_forgotten netns=%s addresses=%s deleted=%u",
				  np->want->name, buf_str(&addrs), deleted);
			buf_release(&addrs);
		}
		ct_forget_release(&f);
	}
}

/* Step 7: namespaces the plan lacks go last (their nft objects and veth
 * ends in other namespaces were removed above). */
static void remove_namespaces(struct pass *p)
{
	struct buf err = BUF_INIT(NETNS_OUTPUT_MAX);
	size_t i;

	for (i = 0; i < p->existing.count; i++) {
		const char *name = p->existing.items[i];

		if (dp_plan_ns(&p->plan, name))
			continue;
		buf_reset(&err);
		p->changed = true;
		if (netns_del(name, &err) < 0) {
			batch_failed(p, name, "netns_del", &err);
			continue;
		}
		nft_cache_forget(&p->a->nft, name);
		log_event(LOG_LEVEL_INFO, "event=netns_deleted netns=%s", name);
	}
	buf_release(&err);
}

/* Step 8: settle the transitional states whose kernel side was already
 * in place when this pass looked. */
static void report(struct pass *p)
{
	size_t i;
	int r;

	for (i = 0; i < p->plan.instances.count; i++) {
		const struct dp_instance *in = &p->plan.instances.items[i];
		struct ns_pass *vpc = pass_ns(p, in->vpc_netns), *own = pass_ns(p, in->netns);
		bool vpc_ok = vpc && vpc->nft_ok;
		const char *to = NULL;

		if (strcmp(in->state, BH_STATE_PENDING) == 0 || strcmp(in->state, BH_STATE_STOPPING) == 0) {
			if (in->planned && vpc_ok && own && own->existed && !strlist_has(&p->dirty, in->id))
				to = in->state[0] == 'p' ? BH_STATE_RUNNING : BH_STATE_STOPPED;
		} else if (strcmp(in->state, BH_STATE_SHUTTING_DOWN) == 0) {
			bool vnic_gone = !vpc || !vpc->readable || !ns_state_link(&vpc->have, in->router_if);

			if (!strlist_has(&p->existing, in->netns) && vnic_gone && (!vpc || vpc_ok))
				to = BH_STATE_TERMINATED;
		}
		if (!to)
			continue;
		/* a stopped instance runs nothing, as a VM that was shut down */
		r = strcmp(to, BH_STATE_STOPPED) == 0 ? netns_kill(in->netns) : 0;
		if (r < 0)
			log_event(LOG_LEVEL_WARN, "event=netns_kill_error netns=%s error=\"%s\"", in->netns,
				  strerror(-r));
		r = store_agent_set_instance_state(p->a->store, in->id, in->state, to);
		if (r == 0)
			log_event(LOG_LEVEL_INFO, "event=instance_state instance=%s from=%s to=%s", in->id, in->state, to);
		else if (r != -ESTALE)
			log_event(LOG_LEVEL_WARN, "event=report_error instance=%s to=%s error=\"%s\"", in->id, to,
				  strerror(-r));
	}
}

int agent_pass(struct agent_memory *a, uint64_t *ret_revision, bool *ret_changed, bool *ret_failed)
{
	struct pass p = { .a = a };
	size_t i;
	int r;

	r = store_snapshot_load(a->store, &p.snap);
	if (r < 0) {
		log_event(LOG_LEVEL_ERROR, "event=snapshot_error error=\"%s\"", strerror(-r));
		goto out;
	}
	*ret_revision = p.snap.revision;
	r = dp_plan_build(&p.snap, &p.plan);
	if (r == 0)
		r = netns_list(BH_NETNS_PREFIX, &p.existing);
	if (r == 0) {
		p.ns = calloc(p.plan.ns.count ? p.plan.ns.count : 1, sizeof(*p.ns));
		r = p.ns ? 0 : -ENOMEM;
	}
	if (r < 0) {
		log_event(LOG_LEVEL_ERROR, "event=plan_error error=\"%s\"", strerror(-r));
		goto out;
	}
	if (a->noted_revision != p.snap.revision) {
		for (i = 0; i < p.plan.notes.count; i++)
			log_event(LOG_LEVEL_WARN, "event=not_planned %s", p.plan.notes.items[i]);
		a->noted_revision = p.snap.revision;
	}
	for (i = 0; i < p.plan.ns.count; i++) {
		p.ns[i].want = &p.plan.ns.items[i];
		vpc_nft_init(&p.ns[i].nft);
	}
	ensure_namespaces(&p);
	observe(&p);
	create_links(&p);
	remember_bindings(&p);
	apply_nft(&p);
	configure(&p);
	forget_flows(&p);
	remove_namespaces(&p);
	report(&p);
	*ret_changed = p.changed;
	*ret_failed = p.failed;
out:
	pass_release(&p);
	return r;
}

