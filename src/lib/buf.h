/* buf.h - a growable byte buffer with a hard size limit.
 * Every string bulkhead builds from input goes through one of these. */
#ifndef BH_BUF_H
#define BH_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;     /* always NUL-terminated when not NULL */
	size_t len;
	size_t cap;
	size_t limit;   /* len never exceeds this */
	bool overflow;  /* an append was refused because of limit or memory */
};

#define BUF_INIT(lim) { .data = NULL, .len = 0, .cap = 0, .limit = (lim), .overflow = false }

/* Prepare an empty buffer whose length will never exceed limit bytes. */
void buf_init(struct buf *b, size_t limit);

/* Free the memory and leave the buffer empty and reusable. */
void buf_release(struct buf *b);

/* Keep the memory, forget the content. */
void buf_reset(struct buf *b);

/* Append bytes. Returns 0, or -E2BIG past the limit, -ENOMEM; on error the
 * buffer is unchanged and b->overflow is set. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* The content as a C string; "" for an empty buffer. */
const char *buf_str(const struct buf *b);

/* Hand the content over to the caller (free() it); the buffer is left empty. */
char *buf_detach(struct buf *b);

/* Bounded copy into a fixed array: returns 0 or -E2BIG (dst then holds a
 * truncated, NUL-terminated prefix). */
int bh_strlcpy(char *dst, const char *src, size_t dstsize);

/* snprintf that reports truncation: 0 or -E2BIG. */
int bh_snprintf(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parse a whole decimal integer in [min, max]; 0 or -EINVAL/-ERANGE. */
int bh_parse_long(const char *s, long min, long max, long *ret);

#endif
