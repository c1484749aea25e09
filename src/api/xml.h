/* xml.h - writing EC2's XML answers into a bounded buffer, every text
 * escaped. A write that overflows the buffer sets its overflow flag, which
 * the dispatcher turns into an error instead of a truncated answer. */
#ifndef BH_XML_H
#define BH_XML_H

#include <stdbool.h>

#include "lib/buf.h"

#define BH_EC2_XMLNS "http://ec2.amazonaws.com/doc/2016-11-15/"

/* Append s with &, <, >, " and ' escaped, and control bytes refused
 * (replaced by U+FFFD) so the answer stays well-formed XML 1.0. */
void xml_escape(struct buf *b, const char *s);

void xml_open(struct buf *b, const char *tag);   /* <tag> */
void xml_close(struct buf *b, const char *tag);  /* </tag> */
void xml_text(struct buf *b, const char *tag, const char *text);  /* <tag>text</tag> */
void xml_bool(struct buf *b, const char *tag, bool v);
void xml_long(struct buf *b, const char *tag, long long v);

/* The whole error document EC2 sends: Response/Errors/Error + RequestID. */
void xml_error_document(struct buf *b, const char *code, const char *message, const char *request_id);

#endif
