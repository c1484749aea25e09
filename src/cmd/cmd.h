/* cmd.h - the subcommands of the one bulkhead binary, and the conventions
 * they share: exit 0 on success, 1 on failure, 2 on a usage error. */
#ifndef BH_CMD_H
#define BH_CMD_H

#define EXIT_USAGE 2

int cmd_serve(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_reach(int argc, char **argv);

/* Print "bulkhead: <message>" and a hint to stderr; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Create dir (0700) if missing; open the store, host key and audit log
 * inside it. */
struct store;
struct hostkey;
int state_dir_prepare(const char *dir);
int state_open_store(const char *dir, struct store **ret);
int state_open_hostkey(const char *dir, struct hostkey *ret);


/* Make an access key for account_id: import akid/secret when both are
 * given, else generate them. The secret is sealed under hk before it
 * reaches the store. ret_akid/ret_secret receive the pair. */
int key_create(struct store *s, const struct hostkey *hk, const char *account_id, const char *akid,
	       const char *secret, char *ret_akid, char *ret_secret);

/* How to point the aws CLI at this endpoint with this key. */
void print_aws_settings(const char *akid, const char *secret, const char *region, const char *endpoint);

#define BH_DEFAULT_REGION "bulkhead-1"
#define BH_DEFAULT_LISTEN "127.0.0.1:8773"

#endif
