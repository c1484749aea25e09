/* audit.c - writes the audit trail as JSON lines, escaping every field, so
 * a request cannot forge or split a line. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"

struct audit {
	int fd;
};

int audit_open(const char *path, struct audit **ret)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd < 0) {
		int r = -errno;

		free(a);
		return r;
	}
	*ret = a;
	return 0;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}

static void json_escape(struct buf *b, const char *s, size_t len)
{
	size_t i;

	buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t run = i;

		/* what needs no escape goes in one append */
		while (run < len && (unsigned char)s[run] >= 0x20 && s[run] != 0x7f && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			buf_append(b, s + i, run - i);
			i = run - 1;
			continue;
		}
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void json_field(struct buf *b, const char *key, const char *s)
{
	buf_putc(b, '"');
	buf_puts(b, key);
	buf_puts(b, "\":");
	json_escape(b, s ? s : "", s ? strlen(s) : 0);
	buf_putc(b, ',');
}

void audit_record(struct audit *a, const struct audit_event *e)
{
	struct buf b = BUF_INIT(16384);
	struct timespec ts;
	const char *s, *end;
	struct tm tm;

	if (!a)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	buf_printf(&b, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",", tm.tm_year + 1900,
		   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	json_field(&b, "request_id", e->request_id);
	json_field(&b, "account", e->account_id);
	json_field(&b, "access_key_id", e->access_key_id);
	json_field(&b, "source", e->source_addr);
	json_field(&b, "action", e->action);
	buf_puts(&b, "\"resources\":[");
	for (s = e->resource_ids ? e->resource_ids : ""; *s; s = *end ? end + 1 : end) {
		end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		if (s != e->resource_ids)
			buf_putc(&b, ',');
		json_escape(&b, s, (size_t)(end - s));
	}
	buf_puts(&b, "],");
	json_field(&b, "result", e->result);
	buf_printf(&b, "\"http_status\":%d}\n", e->http_status);
	if (!b.overflow)
		(void)!write(a->fd, b.data, b.len);
	buf_release(&b);
}
