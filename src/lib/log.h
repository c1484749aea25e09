/* log.h - structured logging: one line per event, key=value pairs, to
 * stderr. Libraries never log; commands and the server loop do. */
#ifndef BH_LOG_H
#define BH_LOG_H

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

void log_set_level(enum log_level level);

/* log_event(LOG_LEVEL_INFO, "event=listen addr=%s port=%d", ...): the
 * time and level are prepended; the caller writes the key=value pairs. */
void log_event(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
