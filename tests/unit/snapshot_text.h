/* snapshot_text.h - small snapshots written as text, one object a line
 * (the `.in` format of tests/golden/README.md), for the compiler's golden
 * tests and the reference evaluator's tables. */
#ifndef BH_TEST_SNAPSHOT_TEXT_H
#define BH_TEST_SNAPSHOT_TEXT_H

#include <stddef.h>

#include "model/snapshot.h"

struct snapshot_text {
	struct snapshot snap;
	char vpc[BH_MAX_ID];  /* the `compile` line's VPC, else the first `vpc` line's */
};

/* The whole file into a NUL-terminated string (free() it); 0 or -errno. */
int snapshot_text_read_file(const char *path, char **ret);

/* Append the objects of text to t; `where` names the text in errors
 * ("file.in", "case 3"). -EINVAL with err set to "where:line: ..." for a
 * line it cannot read, -ENOMEM. Call snapshot_text_link after the last. */
int snapshot_text_parse(struct snapshot_text *t, const char *text, const char *where, char *err, size_t errsize);

/* Instances learn their primary ENI, VPC and subnet from the ENI lines. */
void snapshot_text_link(struct snapshot_text *t);

/* Zero t, then read, parse and link path. On error t is released. */
int snapshot_text_load(const char *path, struct snapshot_text *t, char *err, size_t errsize);

void snapshot_text_release(struct snapshot_text *t);

#endif
