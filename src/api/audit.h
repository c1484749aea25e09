/* audit.h - the append-only audit trail: one JSON line per API call,
 * failed authentications included, secrets never. */
#ifndef BH_AUDIT_H
#define BH_AUDIT_H

struct audit;

struct audit_event {
	const char *request_id;
	const char *account_id;     /* "" when authentication failed */
	const char *access_key_id;  /* as claimed, even if unknown */
	const char *source_addr;
	const char *action;
	const char *resource_ids;   /* comma-separated */
	const char *result;         /* "Success" or the EC2 error code */
	int http_status;
};

/* Open path for appending (created 0600). 0 or -errno. */
int audit_open(const char *path, struct audit **ret);
void audit_close(struct audit *a);

/* Append one line; thread-safe (one write(2) per line on an O_APPEND fd). */
void audit_record(struct audit *a, const struct audit_event *e);

#endif
