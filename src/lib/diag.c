/* diag.c - recording the first reason a request or input was refused. */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

void diag_init(struct diag *d)
{
	d->code = NULL;
	d->http_status = 0;
	d->message[0] = '\0';
}

static void diag_vset(struct diag *d, int status, const char *code, const char *fmt, va_list ap)
{
	if (!d || d->code)
		return;
	d->code = code;
	d->http_status = status;
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
}

int diag_set(struct diag *d, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vset(d, 400, code, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int diag_set_status(struct diag *d, int http_status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vset(d, http_status, code, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
