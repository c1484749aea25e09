/* reach.c - `bulkhead reach`: can A reach B, and who can reach an instance,
 * answered by the reference evaluator from the store (docs/reach.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/reach_print.h"
#include "lib/buf.h"
#include "model/ids.h"
#include "model/proto.h"
#include "model/snapshot.h"
#include "store/store.h"

#define EXIT_DENY 1
#define EXIT_STORE 3
#define REACH_LINE_MAX 1024        /* one --batch line */
#define REACH_OUT_MAX (256 * 1024) /* one answer: a path or a "who" list */
#define REACH_ERR 256

static const char reach_usage[] =
	"usage: bulkhead reach --state-dir DIR FROM TO [--proto P] [--port N] [--icmp-type T]\n"
	"                      [--icmp-code C] [--source-ip A] [--json]\n"
	"       bulkhead reach --state-dir DIR who INSTANCE [--proto P] [--port N] [--json]\n"
	"       bulkhead reach --state-dir DIR --batch < FLOWS\n"
	"\n"
	"Can a packet get from FROM to TO, and its reply back? FROM is an instance\n"
	"id or a host of the simulated internet (203.0.113.0/25); TO is an instance\n"
	"id or an IPv4 address. 'who' lists every source that can reach INSTANCE.\n"
	"--batch reads 'FROM TO PROTO PORT' lines (PORT: TYPE/CODE for icmp, - for\n"
	"none) and prints one JSON object a line. See docs/reach.md.\n"
	"\n"
	"  --state-dir DIR   the directory 'bulkhead serve' uses\n"
	"  --proto P         tcp (default), udp, icmp, all, or a protocol number\n"
	"  --port N          destination port (tcp and udp: required)\n"
	"  --icmp-type T     ICMP type, default 8 (echo request)\n"
	"  --icmp-code C     ICMP code, default 0\n"
	"  --source-ip A     the source instance sends from A (anti-spoofing)\n"
	"  --json            one JSON object instead of text\n"
	"\n"
	"exit status: 0 allow (who: some source), 1 deny (who: none), 2 usage or\n"
	"bad input, 3 the store could not be read\n";

/* Protocol and port fields as typed, into flow; NULL when fine, else why. */
static const char *parse_proto_port(const char *proto, const char *port, const char *icmp_type,
				    const char *icmp_code, struct reach_flow *f)
{
	struct diag d;
	long v;

	diag_init(&d);
	if (strcasecmp(proto, "all") == 0)
		f->proto = BH_PROTO_ALL;
	else if (proto_parse(proto, &f->proto, &d) < 0)
		return "PROTO must be tcp, udp, icmp, all or a number 0..255";
	f->icmp_type = 8;
	f->icmp_code = 0;
	if (f->proto == BH_PROTO_TCP || f->proto == BH_PROTO_UDP) {
		if (icmp_type || icmp_code)
			return "--icmp-type and --icmp-code apply to icmp only";
		if (!port)
			return "PORT is required for tcp and udp";
		if (bh_parse_long(port, 0, 65535, &v) < 0)
			return "PORT must be a number 0..65535";
		f->port = (int)v;
		return NULL;
	}
	if (port)
		return "PORT applies to tcp and udp only (icmp takes --icmp-type/--icmp-code)";
	if ((icmp_type || icmp_code) && f->proto != BH_PROTO_ICMP)
		return "--icmp-type and --icmp-code apply to icmp only";
	if (icmp_type && bh_parse_long(icmp_type, 0, 255, &v) == 0)
		f->icmp_type = (int)v;
	else if (icmp_type)
		return "ICMP type must be a number 0..255";
	if (icmp_code && bh_parse_long(icmp_code, 0, 255, &v) == 0)
		f->icmp_code = (int)v;
	else if (icmp_code)
		return "ICMP code must be a number 0..255";
	return NULL;
}

/* FROM or TO: an instance id the store holds, or an IPv4 address. */
static int parse_end(const struct reach_index *ix, const char *what, const char *arg, const char **ret_instance,
		     uint32_t *ret_addr, char err[REACH_ERR])
{
	*ret_instance = NULL;
	if (strncmp(arg, "i-", 2) == 0) {
		if (!id_is_valid(arg, "i")) {
			bh_snprintf(err, REACH_ERR, "%s: '%.40s' is not an instance id", what, arg);
			return -EINVAL;
		}
		if (!reach_index_has_instance(ix, arg)) {
			bh_snprintf(err, REACH_ERR, "%s: no instance %s", what, arg);
			return -ENOENT;
		}
		*ret_instance = arg;
		return 0;
	}
	if (reach_parse_addr(arg, ret_addr) < 0) {
		bh_snprintf(err, REACH_ERR, "%s: '%.40s' is neither an instance id (i-...) nor an IPv4 address", what,
			    arg);
		return -EINVAL;
	}
	return 0;
}

static int emit(struct buf *out)
{
	int r = out->overflow ? -E2BIG : 0;

	if (r == 0 && fwrite(out->data ? out->data : "", 1, out->len, stdout) != out->len)
		r = -EIO;
	if (fflush(stdout) != 0)
		r = -EIO;
	buf_reset(out);
	return r;
}

/* One "FROM TO PROTO PORT" line into q (its strings point into line). */
static int batch_parse(const struct reach_index *ix, char *line, struct reach_query *q, char err[REACH_ERR])
{
	char *tok[5], *save = NULL, *t, *slash, *type = NULL, *code = NULL, *port = NULL;
	const char *why;
	int n = 0, r;

	for (t = strtok_r(line, " \t\r", &save); t && n < 5; t = strtok_r(NULL, " \t\r", &save))
		tok[n++] = t;
	if (n < 3 || n > 4) {
		bh_snprintf(err, REACH_ERR, "expected 'FROM TO PROTO PORT'");
		return -EINVAL;
	}
	memset(q, 0, sizeof(*q));
	q->from = tok[0];
	q->to = tok[1];
	r = parse_end(ix, "FROM", tok[0], &q->flow.from_instance, &q->flow.from_addr, err);
	if (r == 0)
		r = parse_end(ix, "TO", tok[1], &q->flow.to_instance, &q->flow.to_addr, err);
	if (r < 0)
		return r;
	if (n == 4 && strcmp(tok[3], "-") != 0) {
		slash = strchr(tok[3], '/');
		if (slash && strcasecmp(tok[2], "icmp") == 0) {
			*slash = '\0';
			type = tok[3];
			code = slash + 1;
		} else if (strcasecmp(tok[2], "icmp") == 0) {
			type = tok[3];
		} else {
			port = tok[3];
		}
	}
	why = parse_proto_port(tok[2], port, type, code, &q->flow);
	if (why) {
		bh_snprintf(err, REACH_ERR, "%s", why);
		return -EINVAL;
	}
	return 0;
}

static int batch(const struct reach_index *ix)
{
	struct buf out = BUF_INIT(REACH_OUT_MAX);
	char line[REACH_LINE_MAX + 2], err[REACH_ERR], *hash;
	struct reach_result res;
	struct reach_query q;
	long lineno = 0;
	bool bad = false, cut;
	int r = 0, parsed;

	while (r == 0 && fgets(line, sizeof(line), stdin)) {
		lineno++;
		cut = !strchr(line, '\n') && !feof(stdin);
		if (cut) {
			/* a line past the limit is an error; skip the rest of it */
			int c;

			while ((c = getchar()) != EOF && c != '\n')
				;
			bad = true;
			r = reach_print_line_error(&out, lineno, "line too long");
			if (r == 0)
				r = emit(&out);
			continue;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		line[strcspn(line, "\n")] = '\0';
		memset(&q, 0, sizeof(q));
		err[0] = '\0';
		parsed = batch_parse(ix, line, &q, err);
		if (parsed == 0) {
			parsed = reach_evaluate(ix, &q.flow, &res);
			if (parsed < 0)
				bh_snprintf(err, sizeof(err), "%s", res.reason);
		}
		if (parsed < 0) {
			bad = true;
			r = reach_print_line_error(&out, lineno, err);
		} else {
			r = reach_print_json(&out, &q, &res, lineno);
		}
		if (r == 0)
			r = emit(&out);
	}
	buf_release(&out);
	if (r < 0) {
		fprintf(stderr, "bulkhead reach: writing the answers: %s\n", strerror(-r));
		return EXIT_STORE;
	}
	return bad ? EXIT_USAGE : 0;
}

static int load(const char *state_dir, struct snapshot *snap, struct reach_index **ret)
{
	struct store *store = NULL;
	char path[4096];
	int r;

	/* read only: never create, migrate or write the store */
	r = bh_snprintf(path, sizeof(path), "%s/bulkhead.db", state_dir);
	if (r == 0)
		r = store_open_sqlite_readonly(path, &store);
	if (r == 0)
		r = store_snapshot_load(store, snap);
	if (store)
		store_close(store);
	if (r == 0)
		r = reach_index_build(snap, ret);
	if (r == -ESTALE)
		fprintf(stderr, "bulkhead reach: the store in %s has an older schema: start this version's "
			"`bulkhead serve` on it once to migrate it\n", state_dir);
	else if (r == -EPROTO)
		fprintf(stderr, "bulkhead reach: the store in %s was written by a newer bulkhead\n", state_dir);
	else if (r < 0)
		fprintf(stderr, "bulkhead reach: cannot read the store in %s: %s\n", state_dir, strerror(-r));
	return r;
}

struct reach_args {
	const char *state_dir, *proto, *port, *icmp_type, *icmp_code, *source_ip;
	bool json, batch;
};

static int one(const struct reach_index *ix, const struct reach_args *a, const char *from, const char *to)
{
	struct buf out = BUF_INIT(REACH_OUT_MAX);
	struct reach_query q = { .from = from, .to = to };
	struct reach_result res;
	char err[REACH_ERR];
	const char *why;
	int r;

	why = parse_proto_port(a->proto, a->port, a->icmp_type, a->icmp_code, &q.flow);
	if (why)
		return usage_error("reach", "%s", why);
	if (parse_end(ix, "FROM", from, &q.flow.from_instance, &q.flow.from_addr, err) < 0 ||
	    parse_end(ix, "TO", to, &q.flow.to_instance, &q.flow.to_addr, err) < 0)
		return usage_error("reach", "%s", err);
	if (a->source_ip) {
		if (!q.flow.from_instance)
			return usage_error("reach", "--source-ip needs an instance as FROM");
		if (reach_parse_addr(a->source_ip, &q.flow.forged_addr) < 0)
			return usage_error("reach", "--source-ip: '%.40s' is not an IPv4 address", a->source_ip);
		q.flow.forged = true;
	}
	r = reach_evaluate(ix, &q.flow, &res);
	if (r < 0)
		return usage_error("reach", "%s", res.reason);
	r = a->json ? reach_print_json(&out, &q, &res, 0) : reach_print_text(&out, &q, &res);
	if (r == 0)
		r = emit(&out);
	buf_release(&out);
	if (r < 0) {
		fprintf(stderr, "bulkhead reach: writing the answer: %s\n", strerror(-r));
		return EXIT_STORE;
	}
	return res.allow ? 0 : EXIT_DENY;
}

static int who(const struct reach_index *ix, const struct reach_args *a, const char *instance)
{
	struct buf out = BUF_INIT(REACH_OUT_MAX);
	struct reach_query q = { .from = "", .to = instance };
	struct reach_source_list l = { 0 };
	char err[REACH_ERR], reason[REACH_TEXT];
	const char *why;
	uint32_t addr;
	int r;

	why = parse_proto_port(a->proto, a->port, a->icmp_type, a->icmp_code, &q.flow);
	if (why)
		return usage_error("reach", "%s", why);
	if (a->source_ip)
		return usage_error("reach", "--source-ip does not apply to 'who'");
	if (parse_end(ix, "INSTANCE", instance, &q.flow.to_instance, &addr, err) < 0)
		return usage_error("reach", "%s", err);
	if (!q.flow.to_instance)
		return usage_error("reach", "INSTANCE: 'who' takes an instance id");
	r = reach_who(ix, &q.flow, &l, reason);
	if (r == -ENOENT || r == -EINVAL)
		return usage_error("reach", "%s", reason);
	if (r == 0)
		r = a->json ? reach_print_who_json(&out, &q, &l, reason) : reach_print_who_text(&out, &q, &l, reason);
	if (r == 0)
		r = emit(&out);
	buf_release(&out);
	if (r < 0) {
		list_release(&l);
		fprintf(stderr, "bulkhead reach: %s\n", strerror(-r));
		return EXIT_STORE;
	}
	r = l.count ? 0 : EXIT_DENY;
	list_release(&l);
	return r;
}

int cmd_reach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "proto", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "icmp-type", required_argument, NULL, 't' },
		{ "icmp-code", required_argument, NULL, 'c' },
		{ "source-ip", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "batch", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct reach_args a = { .proto = "tcp" };
	struct reach_index *ix = NULL;
	struct snapshot snap = { 0 };
	int opt, r, npos;
	char **pos;

	optind = 0;  /* 0, not 1: glibc then re-reads the ordering flags of this optstring */
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': a.state_dir = optarg; break;
		case 'p': a.proto = optarg; break;
		case 'P': a.port = optarg; break;
		case 't': a.icmp_type = optarg; break;
		case 'c': a.icmp_code = optarg; break;
		case 's': a.source_ip = optarg; break;
		case 'j': a.json = true; break;
		case 'b': a.batch = true; break;
		case 'h': fputs(reach_usage, stdout); return 0;
		default: return usage_error("reach", "bad option '%s'", argv[optind - 1]);
		}
	}
	pos = argv + optind;
	npos = argc - optind;
	if (!a.state_dir)
		return usage_error("reach", "--state-dir is required");
	if (a.batch && (npos || a.port || a.icmp_type || a.icmp_code || a.source_ip || strcmp(a.proto, "tcp") != 0))
		return usage_error("reach", "--batch takes its flows on stdin, and no FROM, TO or flow options");
	if (!a.batch && npos == 2 && strcmp(pos[0], "who") == 0)
		;
	else if (!a.batch && npos != 2)
		return usage_error("reach", "expected FROM TO, 'who INSTANCE' or --batch");
	if (load(a.state_dir, &snap, &ix) < 0) {
		snapshot_release(&snap);
		return EXIT_STORE;
	}
	if (a.batch)
		r = batch(ix);
	else if (strcmp(pos[0], "who") == 0)
		r = who(ix, &a, pos[1]);
	else
		r = one(ix, &a, pos[0], pos[1]);
	reach_index_free(ix);
	snapshot_release(&snap);
	return r;
}
