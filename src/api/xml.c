/* xml.c - the XML writer behind every EC2 answer: tags come from the code,
 * text from users, so text is always escaped here and nowhere else. */
#include "xml.h"

#include <string.h>

/* Length of the well-formed UTF-8 sequence at s, or 0 if it is not one
 * (overlong, surrogate, past U+10FFFF, or cut short). */
static size_t utf8_sequence_len(const unsigned char *s)
{
	unsigned cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void xml_escape(struct buf *b, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	while (*s) {
		const unsigned char *run = s;
		size_t n;

		/* plain printable ASCII goes in one append */
		while (*s >= 0x20 && *s < 0x80 && *s != '&' && *s != '<' && *s != '>' && *s != '"' &&
		       *s != '\'')
			s++;
		if (s != run)
			buf_append(b, run, (size_t)(s - run));
		if (!*s)
			break;
		n = utf8_sequence_len(s);

		if (n == 0 || (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')) {
			/* not representable in XML 1.0 text: U+FFFD keeps the answer parseable */
			buf_puts(b, "\xef\xbf\xbd");
			s++;
			continue;
		}
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&apos;"); break;
		default: buf_append(b, s, n);
		}
		s += n;
	}
}

void xml_open(struct buf *b, const char *tag)
{
	buf_putc(b, '<');
	buf_puts(b, tag);
	buf_putc(b, '>');
}

void xml_close(struct buf *b, const char *tag)
{
	buf_puts(b, "</");
	buf_puts(b, tag);
	buf_putc(b, '>');
}

void xml_text(struct buf *b, const char *tag, const char *text)
{
	xml_open(b, tag);
	xml_escape(b, text);
	xml_close(b, tag);
}

void xml_bool(struct buf *b, const char *tag, bool v)
{
	xml_text(b, tag, v ? "true" : "false");
}

void xml_long(struct buf *b, const char *tag, long long v)
{
	buf_printf(b, "<%s>%lld</%s>", tag, v, tag);
}

void xml_error_document(struct buf *b, const char *code, const char *message, const char *request_id)
{
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>");
	xml_text(b, "Code", code);
	xml_text(b, "Message", message);
	buf_puts(b, "</Error></Errors>");
	xml_text(b, "RequestID", request_id);
	buf_puts(b, "</Response>");
}
