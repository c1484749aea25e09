/* test_vpc_inputs.c - the agent's early path skips a VPC whose inputs did
 * not change: for the golden snapshots, with each row removed or changed
 * in turn, every VPC whose inputs stayed equal must compile as before. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/vpc_inputs.h"
#include "lib/buf.h"
#include "policy/compile.h"
#include "snapshot_text.h"

#define RENDER_MAX (16 * 1024 * 1024)

struct fixture {
	const char *name;
	struct snapshot *snap;
	struct vpc_inputs base;
	struct buf *rendered;  /* by VPC, as vpc_inputs lays them out */
	size_t same, differ;   /* VPCs whose inputs stayed equal / changed, over all edits */
};

static const char *vpc_at(const struct snapshot *s, size_t i)
{
	return i < s->vpcs.count ? s->vpcs.items[i].id : BH_PUBLIC_NET_ID;
}

static void render(const struct snapshot *s, size_t i, struct buf *out)
{
	struct vpc_nft t;

	vpc_nft_init(&t);
	buf_init(out, RENDER_MAX);
	if (policy_compile_vpc(s, vpc_at(s, i), &t) == 0) {
		assert_int_equal(nft_table_render(&t.filter, out), 0);
		assert_int_equal(nft_table_render(&t.nat, out), 0);
		assert_int_equal(nft_table_render(&t.l2, out), 0);
	} else {
		assert_int_equal(buf_puts(out, "(error)"), 0);
	}
	vpc_nft_release(&t);
}

static bool buf_equal(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* The snapshot as edited now against the fixture's. */
static void check_edit(struct fixture *f, const char *what, size_t row)
{
	struct vpc_inputs now = { 0 };
	size_t i;

	assert_int_equal(vpc_inputs_build(f->snap, &now), 0);
	assert_int_equal(now.count, f->base.count);
	for (i = 0; i < now.count; i++) {
		struct buf out;

		if (!vpc_digest_equal(&now.items[i], &f->base.items[i])) {
			f->differ++;
			continue;
		}
		f->same++;
		render(f->snap, i, &out);
		if (!buf_equal(&out, &f->rendered[i]))
			fail_msg("%s: %s row %zu: %s compiles differently, its inputs are unchanged", f->name, what, row,
				 vpc_at(f->snap, i));
		buf_release(&out);
	}
	vpc_inputs_release(&now);
}

/* Each row of a list taken out in turn, then put back. */
static void without_each(struct fixture *f, const char *what, void *items, size_t *count, size_t size)
{
	char *base = items, saved[4096];
	size_t k;

	assert_true(size <= sizeof(saved));
	for (k = 0; k < *count; k++) {
		memcpy(saved, base + k * size, size);
		memmove(base + k * size, base + (k + 1) * size, (*count - k - 1) * size);
		(*count)--;
		check_edit(f, what, k);
		(*count)++;
		memmove(base + (k + 1) * size, base + k * size, (*count - k - 1) * size);
		memcpy(base + k * size, saved, size);
	}
}

/* Each row changed in turn by edit (which returns false to leave it). */
#define CHANGE_EACH(f, what, list, edit)                                        \
	do {                                                                    \
		size_t k_;                                                      \
		for (k_ = 0; k_ < (list).count; k_++) {                         \
			__typeof__(*(list).items) saved_ = (list).items[k_];    \
			__typeof__((list).items) row = &(list).items[k_];       \
			edit;                                                   \
			check_edit(f, what, k_);                                \
			(list).items[k_] = saved_;                              \
		}                                                               \
	} while (0)

static void check_snapshot(struct fixture *f)
{
	struct snapshot *s = f->snap;
	size_t i;

	assert_int_equal(vpc_inputs_build(s, &f->base), 0);
	f->rendered = calloc(f->base.count, sizeof(*f->rendered));
	assert_non_null(f->rendered);
	for (i = 0; i < f->base.count; i++)
		render(s, i, &f->rendered[i]);
	without_each(f, "subnet", s->subnets.items, &s->subnets.count, sizeof(*s->subnets.items));
	without_each(f, "group", s->groups.items, &s->groups.count, sizeof(*s->groups.items));
	without_each(f, "rule", s->rules.items, &s->rules.count, sizeof(*s->rules.items));
	without_each(f, "instance", s->instances.items, &s->instances.count, sizeof(*s->instances.items));
	without_each(f, "eni", s->enis.items, &s->enis.count, sizeof(*s->enis.items));
	without_each(f, "route table", s->route_tables.items, &s->route_tables.count, sizeof(*s->route_tables.items));
	without_each(f, "route", s->routes.items, &s->routes.count, sizeof(*s->routes.items));
	without_each(f, "association", s->associations.items, &s->associations.count,
		     sizeof(*s->associations.items));
	without_each(f, "igw", s->igws.items, &s->igws.count, sizeof(*s->igws.items));
	without_each(f, "address", s->addresses.items, &s->addresses.count, sizeof(*s->addresses.items));
	CHANGE_EACH(f, "rule port", s->rules, row->from_port = row->from_port == 22 ? 23 : 22);
	CHANGE_EACH(f, "rule peer", s->rules, bh_strlcpy(row->cidr_ipv4, "192.0.2.0/24", sizeof(row->cidr_ipv4)));
	CHANGE_EACH(f, "instance state", s->instances,
		    bh_strlcpy(row->state, strcmp(row->state, BH_STATE_RUNNING) == 0 ? BH_STATE_STOPPED : BH_STATE_RUNNING,
			       sizeof(row->state)));
	CHANGE_EACH(f, "eni groups", s->enis, row->group_count = row->group_count ? row->group_count - 1 : 0);
	CHANGE_EACH(f, "eni public ip", s->enis, bh_strlcpy(row->public_ip, "203.0.113.200", sizeof(row->public_ip)));
	CHANGE_EACH(f, "igw detached", s->igws, row->vpc_id[0] = '\0');
	CHANGE_EACH(f, "address moved", s->addresses, row->eni_id[0] = '\0');
	for (i = 0; i < f->base.count; i++)
		buf_release(&f->rendered[i]);
	free(f->rendered);
	vpc_inputs_release(&f->base);
}

static const char *golden_dir(void)
{
	const char *env = getenv("BH_GOLDEN");

	return env && env[0] ? env : "tests/golden";
}

static void test_equal_inputs_compile_equal(void **state)
{
	const char *dir = golden_dir();
	struct dirent *e;
	size_t files = 0, same = 0, differ = 0;
	DIR *d;

	(void)state;
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open golden directory %s (set BH_GOLDEN)", dir);
	while ((e = readdir(d)) != NULL) {
		struct snapshot_text t;
		struct fixture f = { .name = e->d_name };
		size_t len = strlen(e->d_name);
		char path[1024], err[256];

		if (len < 4 || strcmp(e->d_name + len - 3, ".in") != 0)
			continue;
		assert_int_equal(bh_snprintf(path, sizeof(path), "%s/%s", dir, e->d_name), 0);
		if (snapshot_text_load(path, &t, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		f.snap = &t.snap;
		check_snapshot(&f);
		snapshot_text_release(&t);
		same += f.same;
		differ += f.differ;
		files++;
	}
	closedir(d);
	assert_true(files > 0);
	/* both outcomes occur, or the edits test nothing */
	assert_true(same > 0);
	assert_true(differ > 0);
}

/* A rule of one tenant's group leaves the other VPC's inputs alone, so
 * the early path compiles one VPC, not both. */
static void test_one_vpc_changes(void **state)
{
	struct snapshot_text t;
	struct vpc_inputs before = { 0 }, after = { 0 };
	char path[1024], err[256];
	struct sg_rule *rule;
	const char *changed_vpc = NULL;
	size_t i, changed = 0;

	(void)state;
	assert_int_equal(bh_snprintf(path, sizeof(path), "%s/two_vpcs.in", golden_dir()), 0);
	if (snapshot_text_load(path, &t, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_true(t.snap.vpcs.count >= 2);
	assert_true(t.snap.rules.count > 0);
	assert_int_equal(vpc_inputs_build(&t.snap, &before), 0);
	rule = &t.snap.rules.items[0];
	rule->to_port = rule->to_port == 443 ? 444 : 443;
	assert_int_equal(vpc_inputs_build(&t.snap, &after), 0);
	for (i = 0; i < before.count; i++) {
		if (!vpc_digest_equal(&before.items[i], &after.items[i])) {
			changed++;
			changed_vpc = vpc_at(&t.snap, i);
		}
	}
	assert_int_equal(changed, 1);
	assert_string_equal(changed_vpc, snapshot_group(&t.snap, rule->group_id)->vpc_id);
	vpc_inputs_release(&before);
	vpc_inputs_release(&after);
	snapshot_text_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_inputs_compile_equal),
		cmocka_unit_test(test_one_vpc_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
