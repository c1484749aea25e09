/* xml.c - the XML writer behind every EC2 answer: tags come from the code,
 * text from users, so text is always escaped here and nowhere else. */
#include "xml.h"

#include <string.h>

void xml_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&apos;"); break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				buf_puts(b, "\xef\xbf\xbd");
			else
				buf_putc(b, (char)c);
		}
	}
}

void xml_open(struct buf *b, const char *tag)
{
	buf_printf(b, "<%s>", tag);
}

void xml_close(struct buf *b, const char *tag)
{
	buf_printf(b, "</%s>", tag);
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
