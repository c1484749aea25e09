/* serve.c - `bulkhead serve`: opens the state directory, makes the admin
 * account on first start, and runs the API until SIGINT or SIGTERM. Started
 * as root, it stays root only to supervise the agent; the API runs in a
 * child that drops to an unprivileged user once its port is bound. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/http.h"
#include "cmd/cmd.h"
#include "cmd/privdrop.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "model/ids.h"

static const char serve_usage[] =
	"usage: bulkhead serve --state-dir DIR [OPTIONS]\n"
	"\n"
	"  --state-dir DIR          database, host key and audit log live here (made 0700)\n"
	"  --listen ADDR:PORT       default " BH_DEFAULT_LISTEN "\n"
	"  --tls-cert FILE          serve HTTPS with this PEM certificate ...\n"
	"  --tls-key FILE           ... and this PEM key\n"
	"  --insecure-http          allow plain HTTP on a non-loopback address\n"
	"  --region NAME            the region this endpoint serves (default " BH_DEFAULT_REGION ")\n"
	"  --threads N              HTTP worker threads (default 4)\n"
	"  --agent                  also run 'bulkhead agent' (root) as a child, restarted if it dies\n"
	"  --user NAME              as root, run the API as NAME (default " BH_API_USER ", else " BH_API_USER_FALLBACK ")\n";

/* --agent: the host agent as a child process of its own (it is the root
 * part; the API never touches the kernel), restarted when it dies. Only
 * async-signal-safe calls between fork and exec: threads are running. */
static pid_t agent_spawn(const char *state_dir)
{
	char *argv[] = { "bulkhead", "agent", "--state-dir", (char *)state_dir, NULL };
	pid_t parent = getpid(), pid;
	sigset_t none;

	pid = fork();
	if (pid != 0)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* if serve dies without stopping it, the agent stops too (and, like
	 * any agent stop, leaves the kernel state in place) */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	execv("/proc/self/exe", argv);
	_exit(127);
}

static void agent_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	log_event(LOG_LEVEL_INFO, "event=agent_stopped pid=%d", (int)pid);
}

/* On the very first start there is no account at all: make "admin" with
 * one key, so that the aws CLI works right away, and say how to use it. */
static int bootstrap_admin(struct api_config *cfg, const char *endpoint)
{
	struct account_list l = { 0 };
	struct account a = { 0 };
	char akid[BH_ACCESS_KEY_ID_LEN + 1], secret[BH_SECRET_KEY_LEN + 1];
	int r;

	r = store_account_list(cfg->store, &l);
	if (r < 0 || l.count > 0) {
		list_release(&l);
		return r;
	}
	list_release(&l);
	bh_strlcpy(a.name, "admin", sizeof(a.name));
	a.created = (long long)time(NULL);
	r = account_id_generate(a.id);
	if (r == 0)
		r = store_account_create(cfg->store, &a);
	if (r == 0)
		r = key_create(cfg->store, &cfg->hostkey, a.id, NULL, NULL, akid, secret);
	if (r < 0)
		return r;
	printf("Created account %s (admin) with access key %s.\n"
	       "The secret is shown once; keep it.\n\n",
	       a.id, akid);
	print_aws_settings(akid, secret, cfg->region, endpoint);
	fflush(stdout);
	explicit_bzero(secret, sizeof(secret));
	return 0;
}

struct serve_options {
	struct http_options http;
	const char *state_dir;
	const char *user;
	bool run_agent;
	pid_t supervisor;       /* the root parent of the API child */
	struct api_config cfg;  /* region and endpoint host set */
};

/* The API: open the state, serve until SIGINT/SIGTERM. With `drop`, give
 * the store files to that user and become it once the port is bound, then
 * write one byte to `ready` (-1: none). Returns the exit status. */
static int api_run(struct serve_options *o, const struct api_user *drop, int ready)
{
	struct api_config *cfg = &o->cfg;
	struct http_server *server = NULL;
	char path[4096], endpoint[128];
	struct diag d;
	sigset_t sigs;
	bool usage = false;
	int r, sig;

	r = state_open_hostkey(o->state_dir, &cfg->hostkey);
	if (r == 0)
		r = state_open_store(o->state_dir, &cfg->store);
	if (r == 0 && drop)
		r = state_store_chown(o->state_dir, drop);
	if (r == 0 && bh_snprintf(path, sizeof(path), "%s/audit.log", o->state_dir) < 0)
		r = -ENAMETOOLONG;
	if (r == 0)
		r = audit_open(path, &cfg->audit);
	if (r < 0) {
		log_event(LOG_LEVEL_ERROR, "event=state_open dir=%s error=\"%s\"", o->state_dir, strerror(-r));
		goto out;
	}
	bh_snprintf(endpoint, sizeof(endpoint), "%s://%s", o->http.tls_cert_path ? "https" : "http",
		    o->http.listen);
	r = bootstrap_admin(cfg, endpoint);
	if (r < 0) {
		log_event(LOG_LEVEL_ERROR, "event=bootstrap error=\"%s\"", strerror(-r));
		goto out;
	}

	/* Block the stop signals before threads start so they all inherit
	 * the mask and only sigwait below sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	diag_init(&d);
	r = http_server_start(cfg, &o->http, &server, &d);
	if (r < 0) {
		fprintf(stderr, "bulkhead serve: %s\n", d.code ? d.message : strerror(-r));
		/* a refused configuration is a usage error; a failed bind is not */
		if (d.code && strcmp(d.code, "ListenFailed") != 0)
			usage = true;
		goto out;
	}
	if (drop) {
		r = privileges_drop(drop);
		if (r < 0) {
			log_event(LOG_LEVEL_ERROR, "event=privilege_drop user=%s error=\"%s\"", drop->name,
				  strerror(-r));
			goto out;
		}
		/* the kernel clears the parent-death signal when the ids change:
		 * set it again, so the API never outlives a killed supervisor */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != o->supervisor) {
			r = -ECHILD;
			goto out;
		}
	}
	log_event(LOG_LEVEL_INFO, "event=listening endpoint=%s region=%s state_dir=%s uid=%d", endpoint,
		  cfg->region, o->state_dir, (int)geteuid());
	printf("bulkhead API listening on %s (region %s)\n", endpoint, cfg->region);
	fflush(stdout);
	if (ready >= 0)
		(void)!write(ready, "1", 1);
	sigwait(&sigs, &sig);
	log_event(LOG_LEVEL_INFO, "event=stopping signal=%d", sig);
	r = 0;
out:
	http_server_stop(server);
	audit_close(cfg->audit);
	if (cfg->store)
		store_close(cfg->store);
	explicit_bzero(&cfg->hostkey, sizeof(cfg->hostkey));
	if (usage)
		return EXIT_USAGE;
	return r < 0 ? 1 : 0;
}

/* The API child: dies with its parent, drops to `u`, tells the parent
 * through `ready` when it listens. */
static pid_t api_spawn(struct serve_options *o, const struct api_user *u, int ready[2])
{
	pid_t parent = getpid(), pid;

	o->supervisor = parent;
	pid = fork();
	if (pid != 0)
		return pid;
	close(ready[0]);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	_exit(api_run(o, u, ready[1]));
}

static int exit_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* As root: the API in an unprivileged child, the agent (with --agent) in
 * another, restarted when it dies; a stop signal stops both. */
static int supervise(struct serve_options *o, const struct api_user *u)
{
	pid_t api, agent_pid = 0, pid;
	int ready[2], status = 0, result = 1, sig;
	sigset_t sigs;
	char c;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if (pipe2(ready, O_CLOEXEC) < 0)
		return 1;
	api = api_spawn(o, u, ready);
	close(ready[1]);
	if (api < 0) {
		close(ready[0]);
		return 1;
	}
	/* the agent starts once the API listens (and the store is migrated) */
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		goto wait_api;
	}
	close(ready[0]);
	if (o->run_agent) {
		agent_pid = agent_spawn(o->state_dir);
		log_event(LOG_LEVEL_INFO, "event=agent_started pid=%d", (int)agent_pid);
	}
	for (;;) {
		sigwait(&sigs, &sig);
		if (sig != SIGCHLD)
			break;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == api) {
				log_event(LOG_LEVEL_WARN, "event=api_exited pid=%d status=%d", (int)api,
					  exit_status(status));
				agent_stop(agent_pid);
				return exit_status(status);
			}
			if (pid != agent_pid)
				continue;
			log_event(LOG_LEVEL_WARN, "event=agent_exited pid=%d status=%d", (int)agent_pid,
				  exit_status(status));
			sleep(1);  /* an agent that dies at once must not spin */
			agent_pid = agent_spawn(o->state_dir);
			log_event(LOG_LEVEL_INFO, "event=agent_started pid=%d", (int)agent_pid);
		}
	}
	log_event(LOG_LEVEL_INFO, "event=supervisor_stopping signal=%d", sig);
	kill(api, SIGTERM);
	agent_stop(agent_pid);
wait_api:
	while (waitpid(api, &status, 0) < 0) {
		if (errno != EINTR)
			return result;
	}
	return exit_status(status);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "insecure-http", no_argument, NULL, 'I' },
		{ "region", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "agent", no_argument, NULL, 'A' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct serve_options o = { .http = { .listen = BH_DEFAULT_LISTEN } };
	const char *region = BH_DEFAULT_REGION;
	struct api_user u;
	long threads;
	int opt, r;

	optind = 0;  /* 0, not 1: glibc then re-reads the ordering flags of this optstring */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': o.state_dir = optarg; break;
		case 'l': o.http.listen = optarg; break;
		case 'c': o.http.tls_cert_path = optarg; break;
		case 'k': o.http.tls_key_path = optarg; break;
		case 'I': o.http.allow_insecure = true; break;
		case 'A': o.run_agent = true; break;
		case 'u': o.user = optarg; break;
		case 'r': region = optarg; break;
		case 't':
			if (bh_parse_long(optarg, 1, 64, &threads) < 0)
				return usage_error("serve", "--threads must be 1 to 64");
			o.http.threads = (unsigned)threads;
			break;
		case 'h': fputs(serve_usage, stdout); return 0;
		default: return usage_error("serve", "bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (!o.state_dir)
		return usage_error("serve", "--state-dir is required");
	if (bh_strlcpy(o.cfg.region, region, sizeof(o.cfg.region)) < 0 || !*region)
		return usage_error("serve", "--region is too long");
	if (bh_strlcpy(o.cfg.endpoint_host, o.http.listen, sizeof(o.cfg.endpoint_host)) < 0)
		return usage_error("serve", "--listen is too long");
	if (o.run_agent && geteuid() != 0)
		return usage_error("serve", "--agent needs root (the agent programs the kernel)");
	if (o.user && geteuid() != 0)
		return usage_error("serve", "--user needs root (only root can become another user)");

	r = state_dir_prepare(o.state_dir);
	if (r < 0) {
		log_event(LOG_LEVEL_ERROR, "event=state_open dir=%s error=\"%s\"", o.state_dir, strerror(-r));
		return 1;
	}
	if (geteuid() != 0)
		return api_run(&o, NULL, -1);
	r = api_user_lookup(o.user, &u);
	if (r < 0)
		return usage_error("serve", "no user %s to run the API as (%s)",
				   o.user ? o.user : BH_API_USER " or " BH_API_USER_FALLBACK, strerror(-r));
	return supervise(&o, &u);
}
