/* reach_print.h - how `bulkhead reach` prints a verdict or a "who" list:
 * text for people, one JSON object a line for programs (docs/reach.md). */
#ifndef BH_CMD_REACH_PRINT_H
#define BH_CMD_REACH_PRINT_H

#include "lib/buf.h"
#include "policy/reach.h"

/* One query as given: FROM and TO as typed, the protocol fields. */
struct reach_query {
	const char *from;
	const char *to;
	struct reach_flow flow;
};

/* Append to out; 0, or -E2BIG/-ENOMEM from the buffer. `line` > 0 adds
 * "line":N (batch mode). */
int reach_print_json(struct buf *out, const struct reach_query *q, const struct reach_result *res, long line);
int reach_print_text(struct buf *out, const struct reach_query *q, const struct reach_result *res);
int reach_print_who_json(struct buf *out, const struct reach_query *q, const struct reach_source_list *l,
			 const char *reason);
int reach_print_who_text(struct buf *out, const struct reach_query *q, const struct reach_source_list *l,
			 const char *reason);
/* {"line":N,"error":"..."} */
int reach_print_line_error(struct buf *out, long line, const char *error);

/* A JSON string with its quotes: control characters escaped, invalid
 * UTF-8 replaced by U+FFFD. */
int json_put_str(struct buf *out, const char *s);

#endif
