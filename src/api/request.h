/* request.h - one authenticated EC2 call as handlers see it: the caller's
 * account, its decoded parameters, an open store transaction scoped to that
 * account, and the buffer the answer is written into. */
#ifndef BH_REQUEST_H
#define BH_REQUEST_H

#include <stdbool.h>

#include "api/query.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "store/store.h"

struct api_config;

struct request {
	const struct api_config *cfg;
	char request_id[37];
	char account_id[13];
	char access_key_id[BH_ACCESS_KEY_ID_LEN + 1];
	char source_addr[64];
	const char *action;
	struct params params;
	struct store_tx *tx;   /* open for the handler; committed if it returns 0 */
	struct buf *out;       /* the answer's elements, inside <ActionResponse> */
	struct diag diag;      /* why the call failed */
	struct buf resource_ids; /* ids the call named or made, for the audit log */
};

/* A handler validates r->params, reads and writes through r->tx, writes the
 * answer's elements to r->out and returns 0; or fills r->diag and returns a
 * negative errno (the transaction is then rolled back). */
typedef int request_handler_fn(struct request *r);

/* Record an id for the audit line (the first 16 are kept). */
void request_note_resource(struct request *r, const char *id);

/* A store error other than -ENOENT/-EEXIST becomes InternalError (500). */
int request_store_error(struct request *r, int err);

#endif
