/* http.h - the HTTP(S) front of the API: libmicrohttpd, TLS through
 * GnuTLS, plain HTTP only on loopback unless forced. */
#ifndef BH_HTTP_H
#define BH_HTTP_H

#include <stdbool.h>
#include <sys/socket.h>

#include "api/api.h"

struct http_server;

struct http_options {
	const char *listen;        /* "ADDR:PORT" or "[V6ADDR]:PORT" */
	const char *tls_cert_path; /* both or neither */
	const char *tls_key_path;
	bool allow_insecure;       /* plain HTTP on a non-loopback address */
	unsigned threads;
};

/* Bind and start serving cfg. On a refused configuration fills d (code
 * NULL-free message for the operator) and returns -EINVAL; -errno when the
 * socket cannot be bound. */
int http_server_start(const struct api_config *cfg, const struct http_options *opts,
		      struct http_server **ret, struct diag *d);
void http_server_stop(struct http_server *s);

/* Split "ADDR:PORT" / "[ADDR]:PORT" into a socket address. */
int http_parse_listen(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len, bool *ret_loopback);

#endif
