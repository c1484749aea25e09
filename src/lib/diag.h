/* diag.h - why something was refused: an EC2 error code, a message that
 * names the offending parameter or place, and the HTTP status to answer. */
#ifndef BH_DIAG_H
#define BH_DIAG_H

struct diag {
	const char *code;     /* EC2 error code, e.g. "InvalidParameterValue"; NULL if unset */
	int http_status;      /* 400 unless the code calls for another */
	char message[512];
};

void diag_init(struct diag *d);

/* Record the first error only (later calls keep the first); returns -EINVAL
 * so callers can write `return diag_set(...)`. */
int diag_set(struct diag *d, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Same, with an explicit HTTP status and a caller-chosen return value. */
int diag_set_status(struct diag *d, int http_status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
