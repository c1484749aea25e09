/* test_reach.c - the reference evaluator, table-driven: snapshots in the
 * `.in` format of tests/golden (with route tables added where a case needs
 * them) and flows with the verdict, the step that decides and words that
 * must appear in the explanation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "model/proto.h"
#include "policy/reach.h"
#include "snapshot_text.h"

#ifndef BH_GOLDEN_FALLBACK
#define BH_GOLDEN_FALLBACK "tests/golden"
#endif

/* One flow: "FROM TO PROTO PORT [src=ADDR]" (PORT: a port, TYPE/CODE for
 * icmp, - for none), the verdict, the kind of the last step ("" for any),
 * a word the reason, a step's detail or its ids must hold ("" for none),
 * and the instance the packet is delivered to (NULL: not checked). */
struct flow_case {
	const char *flow;
	bool allow;
	const char *last_step;
	const char *expect;
	const char *dst;
};

struct scenario {
	const char *name;
	const char *golden;  /* tests/golden/NAME.in, or NULL */
	const char *text;    /* more objects, after the golden file's */
	const struct flow_case *flows;
};

static const char *golden_dir(void)
{
	const char *d = getenv("BH_GOLDEN");

	return d && *d ? d : BH_GOLDEN_FALLBACK;
}

static void load(const struct scenario *sc, struct snapshot_text *t)
{
	char path[1024], err[512] = "", *text = NULL;

	memset(t, 0, sizeof(*t));
	if (sc->golden) {
		assert_int_equal(bh_snprintf(path, sizeof(path), "%s/%s.in", golden_dir(), sc->golden), 0);
		if (snapshot_text_read_file(path, &text) < 0)
			fail_msg("%s: cannot read %s", sc->name, path);
		if (snapshot_text_parse(t, text, path, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		free(text);
	}
	if (sc->text && snapshot_text_parse(t, sc->text, sc->name, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	snapshot_text_link(t);
}

static int parse_flow(const char *line, struct reach_flow *f, char *buf, size_t size)
{
	char *tok[5], *save = NULL, *p, *slash;
	struct diag d;
	long v;
	int n = 0;

	memset(f, 0, sizeof(*f));
	f->icmp_type = 8;
	if (bh_strlcpy(buf, line, size) < 0)
		return -E2BIG;
	for (p = strtok_r(buf, " ", &save); p && n < 5; p = strtok_r(NULL, " ", &save))
		tok[n++] = p;
	if (n < 4)
		return -EINVAL;
	if (strncmp(tok[0], "i-", 2) == 0)
		f->from_instance = tok[0];
	else if (reach_parse_addr(tok[0], &f->from_addr) < 0)
		return -EINVAL;
	if (strncmp(tok[1], "i-", 2) == 0)
		f->to_instance = tok[1];
	else if (reach_parse_addr(tok[1], &f->to_addr) < 0)
		return -EINVAL;
	diag_init(&d);
	if (strcmp(tok[2], "all") == 0)
		f->proto = BH_PROTO_ALL;
	else if (proto_parse(tok[2], &f->proto, &d) < 0)
		return -EINVAL;
	slash = strchr(tok[3], '/');
	if (slash) {
		*slash = '\0';
		if (bh_parse_long(tok[3], 0, 255, &v) < 0)
			return -EINVAL;
		f->icmp_type = (int)v;
		if (bh_parse_long(slash + 1, 0, 255, &v) < 0)
			return -EINVAL;
		f->icmp_code = (int)v;
	} else if (strcmp(tok[3], "-") != 0) {
		if (bh_parse_long(tok[3], -1, 70000, &v) < 0)
			return -EINVAL;
		f->port = (int)v;
	}
	if (n == 5) {
		if (strncmp(tok[4], "src=", 4) != 0 || reach_parse_addr(tok[4] + 4, &f->forged_addr) < 0)
			return -EINVAL;
		f->forged = true;
	}
	return 0;
}

/* Everything a reader of the result sees, as one string to search. */
static void result_text(const struct reach_result *res, char *out, size_t size)
{
	size_t i, len;

	bh_snprintf(out, size, "%s", res->reason);
	for (i = 0; i < res->step_count; i++) {
		const struct reach_step *st = &res->steps[i];

		len = strlen(out);
		snprintf(out + len, size - len, "\n%s %s | %s %s %s %s %s %s %s", reach_step_name(st->kind),
			 st->ok ? "ok" : "FAIL", st->detail, st->route_table, st->destination, st->target, st->group_id,
			 st->group_name, st->rule_id);
	}
}

static void run_scenario(const struct scenario *sc)
{
	struct snapshot_text t;
	struct reach_index *ix = NULL;
	const struct flow_case *fc;
	int failures = 0;

	load(sc, &t);
	assert_int_equal(reach_index_build(&t.snap, &ix), 0);
	for (fc = sc->flows; fc->flow; fc++) {
		static char text[16384];
		struct reach_result res;
		struct reach_flow f;
		char buf[256];
		const char *last;
		bool ok;
		int r;

		if (parse_flow(fc->flow, &f, buf, sizeof(buf)) < 0)
			fail_msg("%s: bad flow line '%s'", sc->name, fc->flow);
		r = reach_evaluate(ix, &f, &res);
		if (r < 0)
			fail_msg("%s: '%s': error %d: %s", sc->name, fc->flow, r, res.reason);
		result_text(&res, text, sizeof(text));
		last = res.step_count ? reach_step_name(res.steps[res.step_count - 1].kind) : "";
		ok = res.allow == fc->allow && (!fc->last_step[0] || strcmp(last, fc->last_step) == 0) &&
		     strstr(text, fc->expect) && (!fc->dst || strcmp(res.dst.instance, fc->dst) == 0);
		/* every step before the last passed; the last decides the verdict */
		for (size_t i = 0; ok && i + 1 < res.step_count; i++)
			ok = res.steps[i].ok;
		if (ok && res.step_count && !res.allow)
			ok = !res.steps[res.step_count - 1].ok;
		if (!ok) {
			failures++;
			print_error("%s: %s\n  want %s, last step %s, '%s', dst %s\n  got  %s, last step %s, dst %s\n%s\n\n",
				    sc->name, fc->flow, fc->allow ? "ALLOW" : "DENY", fc->last_step[0] ? fc->last_step : "*",
				    fc->expect, fc->dst ? fc->dst : "*", res.allow ? "ALLOW" : "DENY", last,
				    res.dst.instance, text);
		}
	}
	reach_index_free(ix);
	snapshot_text_release(&t);
	if (failures)
		fail_msg("%s: %d flow(s) wrong", sc->name, failures);
}

#include "test_reach_cases.h"

static void test_scenarios(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		run_scenario(&scenarios[i]);
}

/* --- who --- */

static void who(struct reach_index *ix, const char *instance, const char *flow_tail, const char *want)
{
	struct reach_source_list l = { 0 };
	char line[128], buf[256], got[4096] = "", reason[REACH_TEXT];
	struct reach_flow f;
	size_t i, len;

	assert_int_equal(bh_snprintf(line, sizeof(line), "%s %s %s", instance, instance, flow_tail), 0);
	assert_int_equal(parse_flow(line, &f, buf, sizeof(buf)), 0);
	assert_int_equal(reach_who(ix, &f, &l, reason), 0);
	for (i = 0; i < l.count; i++) {
		len = strlen(got);
		snprintf(got + len, sizeof(got) - len, "%s%s:%s", i ? " " : "",
			 l.items[i].kind == REACH_SOURCE_INSTANCE ? l.items[i].instance : l.items[i].cidr,
			 l.items[i].group_name);
	}
	if (strcmp(got, want) != 0)
		fail_msg("who %s %s:\n  want '%s'\n  got  '%s' (%s)", instance, flow_tail, want, got, reason);
	list_release(&l);
}

static void test_who(void **state)
{
	static const struct scenario sc = { "who", "three_tier", THREE_TIER_ROUTES, NULL };
	struct reach_source_list l = { 0 };
	struct snapshot_text t;
	struct reach_index *ix;
	struct reach_flow f = { .to_instance = "i-f1000000000000000", .proto = BH_PROTO_TCP, .port = 80 };
	char reason[REACH_TEXT];

	(void)state;
	load(&sc, &t);
	assert_int_equal(reach_index_build(&t.snap, &ix), 0);
	/* MySQL: the frontends only */
	who(ix, "i-b1000000000000000", "tcp 3306", "i-f1000000000000000:backend i-f2000000000000000:backend");
	/* HTTP on a frontend: every instance whose egress allows it (by ENI
	 * id), and the world */
	who(ix, "i-f1000000000000000", "tcp 80",
	    "i-a1000000000000000:frontend i-b1000000000000000:frontend i-b2000000000000000:frontend "
	    "i-f2000000000000000:frontend 0.0.0.0/0:frontend");
	/* SSH on management: the frontends (egress all), the world; not the backends */
	who(ix, "i-a1000000000000000", "tcp 22",
	    "i-f1000000000000000:management i-f2000000000000000:management 0.0.0.0/0:management");
	/* a backend has no public address: no CIDR source for it */
	who(ix, "i-b2000000000000000", "tcp 22", "i-a1000000000000000:backend");
	assert_int_equal(reach_who(ix, &f, &l, reason), 0);
	assert_int_equal(l.count, 5);
	assert_string_equal(l.items[4].rule_id, "sgr-00000000000000001");
	assert_null(l.items[4].instance[0] ? "set" : NULL);
	assert_string_equal(l.items[0].address, "10.0.1.100");
	list_release(&l);
	f.to_instance = "i-nope";
	assert_int_equal(reach_who(ix, &f, &l, reason), -ENOENT);
	reach_index_free(ix);
	snapshot_text_release(&t);
}

static void test_who_stopped(void **state)
{
	static const struct scenario sc = { "who-stopped", "stopped", NULL, NULL };
	struct reach_source_list l = { 0 };
	struct snapshot_text t;
	struct reach_index *ix;
	struct reach_flow f = { .to_instance = "i-1b000000000000004", .proto = BH_PROTO_TCP, .port = 8080 };
	char reason[REACH_TEXT];

	(void)state;
	load(&sc, &t);
	assert_int_equal(reach_index_build(&t.snap, &ix), 0);
	assert_int_equal(reach_who(ix, &f, &l, reason), 0);
	assert_int_equal(l.count, 0);
	assert_non_null(strstr(reason, "stopped"));
	/* the running one is reached by the pending one only: stopped and
	 * terminated members are no sources */
	who(ix, "i-1b000000000000002", "tcp 8080", "i-1b000000000000001:app");
	reach_index_free(ix);
	snapshot_text_release(&t);
}

/* --- bad input --- */

static void test_errors(void **state)
{
	static const struct scenario sc = { "errors", "three_tier", NULL, NULL };
	struct snapshot_text t;
	struct reach_index *ix;
	struct reach_result res;
	struct reach_flow f = { .from_instance = "i-f1000000000000000", .to_instance = "i-b1000000000000000",
				.proto = BH_PROTO_TCP, .port = 3306 };

	(void)state;
	load(&sc, &t);
	assert_int_equal(reach_index_build(&t.snap, &ix), 0);
	assert_true(reach_index_has_instance(ix, "i-b1000000000000000"));
	assert_false(reach_index_has_instance(ix, "i-b1000000000000009"));
	assert_int_equal(reach_evaluate(ix, &f, &res), 0);
	assert_true(res.allow);
	f.to_instance = "i-b1000000000000009";
	assert_int_equal(reach_evaluate(ix, &f, &res), -ENOENT);
	assert_non_null(strstr(res.reason, "TO"));
	f.to_instance = "i-b1000000000000000";
	f.from_instance = "i-00000000000000000";
	assert_int_equal(reach_evaluate(ix, &f, &res), -ENOENT);
	assert_non_null(strstr(res.reason, "FROM"));
	f.from_instance = NULL;
	assert_int_equal(reach_parse_addr("8.8.8.8", &f.from_addr), 0);
	assert_int_equal(reach_evaluate(ix, &f, &res), -EINVAL);
	assert_non_null(strstr(res.reason, "203.0.113.0/25"));
	f.from_instance = "i-f1000000000000000";
	f.port = 65536;
	assert_int_equal(reach_evaluate(ix, &f, &res), -EINVAL);
	f.port = 80;
	f.proto = 256;
	assert_int_equal(reach_evaluate(ix, &f, &res), -EINVAL);
	f.proto = BH_PROTO_ICMP;
	f.icmp_type = 300;
	assert_int_equal(reach_evaluate(ix, &f, &res), -EINVAL);
	assert_int_equal(reach_parse_addr("010.0.0.1", &f.to_addr), -EINVAL);
	assert_int_equal(reach_parse_addr("10.0.1", &f.to_addr), -EINVAL);
	assert_int_equal(reach_parse_addr("10.0.0.256", &f.to_addr), -EINVAL);
	reach_index_free(ix);
	snapshot_text_release(&t);
}

/* An empty snapshot, and every ENI, rule and route pointing at nothing:
 * the index builds, and flows are denied with a reason. */
static void test_dangling(void **state)
{
	static const struct scenario sc = {
		"dangling", NULL,
		"instance i-00000000000000001 running\n"
		"eni eni-00000000000000001 vpc-00000000000000009 10.0.0.5 02:00:00:00:00:01 instance=i-00000000000000001 "
		"subnet=subnet-00000000000000009 groups=sg-00000000000000009\n"
		"rule sg-00000000000000009 in -1 -1 -1 0.0.0.0/0\n"
		"route rtb-00000000000000009 0.0.0.0/0 igw-00000000000000009\n"
		"assoc rtb-00000000000000009 subnet-00000000000000009\n"
		"address eipalloc-00000000000000009 203.0.113.200 eni=eni-00000000000000009\n",
		NULL,
	};
	struct snapshot empty = { 0 };
	struct snapshot_text t;
	struct reach_index *ix;
	struct reach_result res;
	struct reach_flow f = { .from_instance = "i-00000000000000001", .proto = BH_PROTO_ALL };

	(void)state;
	assert_int_equal(reach_index_build(&empty, &ix), 0);
	reach_index_free(ix);
	load(&sc, &t);
	assert_int_equal(reach_index_build(&t.snap, &ix), 0);
	assert_int_equal(reach_parse_addr("203.0.113.10", &f.to_addr), 0);
	assert_int_equal(reach_evaluate(ix, &f, &res), 0);
	assert_false(res.allow);
	assert_non_null(strstr(res.reason, "VPC is not in the store"));
	reach_index_free(ix);
	snapshot_text_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_who),
		cmocka_unit_test(test_who_stopped),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dangling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
