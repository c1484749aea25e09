/* admin.c - `bulkhead admin`: the operator's side of tenancy, creating and
 * removing accounts and their access keys directly in the store. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "lib/buf.h"
#include "lib/limits.h"
#include "model/ids.h"
#include "model/snapshot.h"
#include "store/hostkey.h"
#include "store/store.h"

static const char admin_usage[] =
	"usage: bulkhead admin --state-dir DIR [--json] COMMAND\n"
	"\n"
	"  account create NAME [--id 12DIGITS]   create a tenant, print its id\n"
	"  account list                          list tenants\n"
	"  account delete ID                     delete a tenant, its keys and resources\n"
	"  key create ACCOUNT-ID [--access-key-id ID --secret-access-key SECRET]\n"
	"                                        create (or import) an access key\n"
	"  key list ACCOUNT-ID                   list an account's keys\n"
	"  key disable ID                        refuse requests signed with a key\n"
	"  key delete ID                         delete a key\n"
	"  status                                store revision, agents' applied revisions, instances by state\n"
	"\n"
	"options:\n"
	"  --state-dir DIR   the directory 'bulkhead serve' uses\n"
	"  --json            print results as JSON\n";

struct admin_ctx {
	const char *state_dir;
	const char *region;
	const char *endpoint;
	bool json;
	struct store *store;
	struct hostkey hostkey;
};

static bool secret_is_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n != BH_SECRET_KEY_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

int key_create(struct store *s, const struct hostkey *hk, const char *account_id, const char *akid,
	       const char *secret, char *ret_akid, char *ret_secret)
{
	struct access_key k = { .enabled = true };
	int r;

	if (akid) {
		bh_strlcpy(k.id, akid, sizeof(k.id));
		bh_strlcpy(ret_secret, secret, BH_SECRET_KEY_LEN + 1);
	} else {
		r = access_key_id_generate(k.id);
		if (r == 0)
			r = secret_key_generate(ret_secret);
		if (r < 0)
			return r;
	}
	bh_strlcpy(k.account_id, account_id, sizeof(k.account_id));
	k.created = (long long)time(NULL);
	r = hostkey_seal(hk, ret_secret, k.sealed_secret, sizeof(k.sealed_secret), &k.sealed_len);
	if (r < 0)
		return r;
	r = store_key_create(s, &k);
	if (r < 0)
		return r;
	bh_strlcpy(ret_akid, k.id, BH_ACCESS_KEY_ID_LEN + 1);
	return 0;
}

void print_aws_settings(const char *akid, const char *secret, const char *region, const char *endpoint)
{
	printf("# Point the aws CLI at bulkhead (shell):\n"
	       "export AWS_ACCESS_KEY_ID=%s\n"
	       "export AWS_SECRET_ACCESS_KEY=%s\n"
	       "export AWS_DEFAULT_REGION=%s\n"
	       "alias aws-bh='aws --endpoint-url %s'\n"
	       "aws-bh ec2 describe-vpcs\n"
	       "# or as a profile in ~/.aws/credentials:\n"
	       "#   [bulkhead]\n"
	       "#   aws_access_key_id = %s\n"
	       "#   aws_secret_access_key = %s\n"
	       "# and ~/.aws/config:\n"
	       "#   [profile bulkhead]\n"
	       "#   region = %s\n"
	       "# then: aws --profile bulkhead --endpoint-url %s ec2 describe-vpcs\n",
	       akid, secret, region, endpoint, akid, secret, region, endpoint);
}

static int fail(const char *what, int r)
{
	const char *why = r == -ENOENT ? "no such id" : r == -EEXIST ? "already exists" : strerror(-r);

	fprintf(stderr, "bulkhead admin: %s: %s\n", what, why);
	return 1;
}

static int account_create(struct admin_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = { { "id", required_argument, NULL, 'i' }, { 0 } };
	struct account a = { 0 };
	const char *id = NULL;
	int opt, r;

	optind = 0;  /* 0, not 1: glibc then re-reads the ordering flags of this optstring */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'i')
			return usage_error("admin", "account create: bad option '%s'", argv[optind - 1]);
		id = optarg;
	}
	if (optind != argc - 1)
		return usage_error("admin", "account create takes one NAME");
	if (strlen(argv[optind]) == 0 || strlen(argv[optind]) > BH_MAX_ACCOUNT_NAME)
		return usage_error("admin", "account name must be 1 to %d characters", BH_MAX_ACCOUNT_NAME);
	if (id && !account_id_is_valid(id))
		return usage_error("admin", "--id must be 12 digits");
	bh_strlcpy(a.name, argv[optind], sizeof(a.name));
	a.created = (long long)time(NULL);
	if (id)
		r = bh_strlcpy(a.id, id, sizeof(a.id));
	else
		r = account_id_generate(a.id);
	if (r == 0)
		r = store_account_create(c->store, &a);
	if (r < 0)
		return fail("account create", r);
	if (c->json)
		printf("{\"AccountId\":\"%s\",\"Name\":\"%s\"}\n", a.id, a.name);
	else
		printf("%s\n", a.id);
	return 0;
}

static int account_list(struct admin_ctx *c, int argc)
{
	struct account_list l = { 0 };
	size_t i;
	int r;

	if (argc != 1)
		return usage_error("admin", "account list takes no arguments");
	r = store_account_list(c->store, &l);
	if (r < 0)
		return fail("account list", r);
	if (c->json)
		putchar('[');
	for (i = 0; i < l.count; i++) {
		if (c->json)
			printf("%s{\"AccountId\":\"%s\",\"Name\":\"%s\"}", i ? "," : "", l.items[i].id,
			       l.items[i].name);
		else
			printf("%s\t%s\n", l.items[i].id, l.items[i].name);
	}
	if (c->json)
		puts("]");
	list_release(&l);
	return 0;
}

static int key_create_cmd(struct admin_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "access-key-id", required_argument, NULL, 'a' },
		{ "secret-access-key", required_argument, NULL, 's' },
		{ 0 },
	};
	char akid[BH_ACCESS_KEY_ID_LEN + 1], secret[BH_SECRET_KEY_LEN + 1];
	const char *import_id = NULL, *import_secret = NULL;
	struct account a;
	int opt, r;

	optind = 0;  /* 0, not 1: glibc then re-reads the ordering flags of this optstring */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'a')
			import_id = optarg;
		else if (opt == 's')
			import_secret = optarg;
		else
			return usage_error("admin", "key create: bad option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return usage_error("admin", "key create takes one ACCOUNT-ID");
	if (!!import_id != !!import_secret)
		return usage_error("admin", "--access-key-id and --secret-access-key go together");
	if (import_id && !access_key_id_is_valid(import_id))
		return usage_error("admin", "--access-key-id must be 20 characters: AKIA and 16 of A-Z, 2-7");
	if (import_secret && !secret_is_valid(import_secret))
		return usage_error("admin", "--secret-access-key must be %d printable characters",
				   BH_SECRET_KEY_LEN);
	r = store_account_get(c->store, argv[optind], &a);
	if (r < 0)
		return fail("key create", r);
	r = key_create(c->store, &c->hostkey, a.id, import_id, import_secret, akid, secret);
	if (r < 0)
		return fail("key create", r);
	if (c->json) {
		printf("{\"AccountId\":\"%s\",\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\"}\n", a.id, akid,
		       secret);
	} else {
		printf("AccessKeyId\t%s\nSecretAccessKey\t%s\n\n", akid, secret);
		print_aws_settings(akid, secret, c->region, c->endpoint);
	}
	explicit_bzero(secret, sizeof(secret));
	return 0;
}

static int key_list(struct admin_ctx *c, int argc, char **argv)
{
	struct access_key_list l = { 0 };
	size_t i;
	int r;

	if (argc != 2)
		return usage_error("admin", "key list takes one ACCOUNT-ID");
	r = store_key_list(c->store, argv[1], &l);
	if (r < 0)
		return fail("key list", r);
	if (c->json)
		putchar('[');
	for (i = 0; i < l.count; i++) {
		const struct access_key *k = &l.items[i];

		if (c->json)
			printf("%s{\"AccessKeyId\":\"%s\",\"AccountId\":\"%s\",\"Status\":\"%s\"}", i ? "," : "",
			       k->id, k->account_id, k->enabled ? "Active" : "Inactive");
		else
			printf("%s\t%s\n", k->id, k->enabled ? "Active" : "Inactive");
	}
	if (c->json)
		puts("]");
	list_release(&l);
	return 0;
}

/* What the agents have made true: the store's revision, each agent's
 * applied revision and how long ago it said so, instances by state. */
static int status(struct admin_ctx *c, int argc)
{
	static const char *const states[] = { BH_STATE_PENDING, BH_STATE_RUNNING, BH_STATE_STOPPING,
					      BH_STATE_STOPPED, BH_STATE_SHUTTING_DOWN, BH_STATE_TERMINATED };
	struct agent_status_list agents = { 0 };
	struct snapshot snap = { 0 };
	size_t counts[6] = { 0 }, i, k;
	long long now = (long long)time(NULL);
	uint64_t revision;
	int r;

	if (argc != 1)
		return usage_error("admin", "status takes no arguments");
	r = store_revision(c->store, &revision);
	if (r == 0)
		r = store_agent_status_list(c->store, &agents);
	if (r == 0)
		r = store_snapshot_load(c->store, &snap);
	if (r < 0) {
		list_release(&agents);
		return fail("status", r);
	}
	for (i = 0; i < snap.instances.count; i++)
		for (k = 0; k < 6; k++)
			if (strcmp(snap.instances.items[i].state, states[k]) == 0)
				counts[k]++;
	if (c->json) {
		printf("{\"Revision\":%llu,\"Agents\":[", (unsigned long long)revision);
		for (i = 0; i < agents.count; i++)
			printf("%s{\"Host\":\"%s\",\"AppliedRevision\":%llu,\"AgeSeconds\":%lld}", i ? "," : "",
			       agents.items[i].host, (unsigned long long)agents.items[i].applied_revision,
			       now - agents.items[i].updated);
		printf("],\"Instances\":{");
		for (k = 0; k < 6; k++)
			printf("%s\"%s\":%zu", k ? "," : "", states[k], counts[k]);
		puts("}}");
	} else {
		printf("revision\t%llu\n", (unsigned long long)revision);
		for (i = 0; i < agents.count; i++)
			printf("agent\t%s\tapplied %llu\t%llds ago%s\n", agents.items[i].host,
			       (unsigned long long)agents.items[i].applied_revision, now - agents.items[i].updated,
			       agents.items[i].applied_revision == revision ? "" : "\t(behind)");
		for (k = 0; k < 6; k++)
			printf("instances\t%s\t%zu\n", states[k], counts[k]);
	}
	list_release(&agents);
	snapshot_release(&snap);
	return 0;
}

static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static int admin_run(struct admin_ctx *c, int argc, char **argv)
{
	const char *noun = argv[0], *verb = argc > 1 ? argv[1] : "";
	int r;

	if (strcmp(noun, "status") == 0)
		return status(c, argc);

	if (strcmp(noun, "account") == 0) {
		if (strcmp(verb, "create") == 0)
			return account_create(c, argc - 1, argv + 1);
		if (strcmp(verb, "list") == 0)
			return account_list(c, argc - 1);
		if (strcmp(verb, "delete") == 0) {
			if (argc != 3)
				return usage_error("admin", "account delete takes one ID");
			r = store_account_delete(c->store, argv[2]);
			return r < 0 ? fail("account delete", r) : 0;
		}
	} else if (strcmp(noun, "key") == 0) {
		if (strcmp(verb, "create") == 0)
			return key_create_cmd(c, argc - 1, argv + 1);
		if (strcmp(verb, "list") == 0)
			return key_list(c, argc - 1, argv + 1);
		if (strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0) {
			if (argc != 3)
				return usage_error("admin", "key %s takes one ID", verb);
			r = store_key_set_enabled(c->store, argv[2], strcmp(verb, "enable") == 0);
			return r < 0 ? fail("key", r) : 0;
		}
		if (strcmp(verb, "delete") == 0) {
			if (argc != 3)
				return usage_error("admin", "key delete takes one ID");
			r = store_key_delete(c->store, argv[2]);
			return r < 0 ? fail("key delete", r) : 0;
		}
	} else {
		return usage_error("admin", "unknown command '%s'", noun);
	}
	return usage_error("admin", "unknown %s command '%s'", noun, verb);
}

int cmd_admin(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "region", required_argument, NULL, 'r' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct admin_ctx c = { .region = BH_DEFAULT_REGION, .endpoint = "http://" BH_DEFAULT_LISTEN };
	int opt, r;

	optind = 0;  /* 0, not 1: glibc then re-reads the ordering flags of this optstring */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': c.state_dir = optarg; break;
		case 'j': c.json = true; break;
		case 'r': c.region = optarg; break;
		case 'e': c.endpoint = optarg; break;
		case 'h': fputs(admin_usage, stdout); return 0;
		default: return usage_error("admin", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (wants_help(argc - optind, argv + optind)) {
		fputs(admin_usage, stdout);
		return 0;
	}
	if (!c.state_dir)
		return usage_error("admin", "--state-dir is required");
	if (optind >= argc)
		return usage_error("admin", "missing command");
	r = state_dir_prepare(c.state_dir);
	if (r == 0)
		r = state_open_hostkey(c.state_dir, &c.hostkey);
	if (r == 0)
		r = state_open_store(c.state_dir, &c.store);
	if (r < 0) {
		fprintf(stderr, "bulkhead admin: cannot open state in %s: %s\n", c.state_dir, strerror(-r));
		return 1;
	}
	r = admin_run(&c, argc - optind, argv + optind);
	store_close(c.store);
	explicit_bzero(&c.hostkey, sizeof(c.hostkey));
	return r;
}
