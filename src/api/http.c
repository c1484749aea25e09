/* http.c - libmicrohttpd glue: gathers each request's raw URI, headers and
 * bounded body, hands them to api_handle, and sends the answer. */
#include "api/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "lib/limits.h"

struct http_server {
	struct MHD_Daemon *daemon;
	const struct api_config *cfg;
	char *tls_cert;
	char *tls_key;
};

/* Per-connection request state, made when the URI arrives. */
struct http_exchange {
	char *raw_uri;
	struct buf body;
	bool started;
};

struct header_set {
	struct http_header items[BH_MAX_HEADER_COUNT];
	size_t count;
	bool too_many;
};

int http_parse_listen(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len, bool *ret_loopback)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	long port;
	size_t hlen;

	memset(ret, 0, sizeof(*ret));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hlen = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (bh_parse_long(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ret)->sin_addr) == 1) {
		struct sockaddr_in *in = (struct sockaddr_in *)ret;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*ret_len = sizeof(*in);
		*ret_loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ret)->sin6_addr) == 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ret;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*ret_len = sizeof(*in6);
		*ret_loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		return 0;
	}
	return -EINVAL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct http_exchange *x = calloc(1, sizeof(*x));

	(void)cls;
	(void)c;
	if (!x)
		return NULL;
	buf_init(&x->body, BH_MAX_BODY_BYTES);
	x->raw_uri = strndup(uri, BH_MAX_URL_BYTES + 1);
	return x;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct http_exchange *x = *req_cls;

	(void)cls;
	(void)c;
	(void)code;
	if (!x)
		return;
	buf_release(&x->body);
	free(x->raw_uri);
	free(x);
	*req_cls = NULL;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct header_set *hs = cls;

	(void)kind;
	if (hs->count >= BH_MAX_HEADER_COUNT) {
		hs->too_many = true;
		return MHD_NO;
	}
	hs->items[hs->count].name = key;
	hs->items[hs->count].value = value ? value : "";
	hs->count++;
	return MHD_YES;
}

static void client_address(struct MHD_Connection *c, char *ret, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	ret[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ret, (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ret, (socklen_t)size);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, int status, struct buf *body)
{
	struct MHD_Response *resp;
	enum MHD_Result r;
	size_t len = body->len;
	char *data = buf_detach(body);

	resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/xml;charset=UTF-8");
	MHD_add_response_header(resp, "Server", "bulkhead");
	r = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct http_server *s = cls;
	struct http_exchange *x = *req_cls;
	struct header_set hs = { .count = 0 };
	struct api_http_response resp;
	struct api_http_request req;
	char addr[INET6_ADDRSTRLEN];
	enum MHD_Result r;

	(void)url;
	(void)version;
	if (!x || !x->raw_uri)
		return MHD_NO;
	if (!x->started) {
		x->started = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* Past the limit the body is marked overflowed and the rest
		 * discarded; api_handle then answers with a located error. */
		if (!x->body.overflow)
			buf_append(&x->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hs);
	client_address(c, addr, sizeof(addr));
	req = (struct api_http_request){
		.method = method, .raw_uri = x->raw_uri, .headers = hs.items, .header_count = hs.count,
		.body = buf_str(&x->body), .body_len = x->body.len, .source_addr = addr,
	};
	req.body_too_large = x->body.overflow;
	req.too_many_headers = hs.too_many;
	api_handle(s->cfg, &req, &resp);
	r = send_answer(c, resp.status, &resp.body);
	buf_release(&resp.body);
	return r;
}

static char *read_file(const char *path)
{
	struct buf b = BUF_INIT(1024 * 1024);
	char chunk[4096];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0)
			break;
	fclose(f);
	if (b.overflow || b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

int http_server_start(const struct api_config *cfg, const struct http_options *opts,
		      struct http_server **ret, struct diag *d)
{
	struct sockaddr_storage sa;
	socklen_t sa_len;
	bool loopback, tls = opts->tls_cert_path && opts->tls_key_path;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct http_server *s;

	if (http_parse_listen(opts->listen, &sa, &sa_len, &loopback) < 0)
		return diag_set(d, "InvalidListen", "--listen: '%.64s' is not ADDR:PORT", opts->listen);
	if (!!opts->tls_cert_path != !!opts->tls_key_path)
		return diag_set(d, "InvalidTls", "--tls-cert and --tls-key go together");
	if (!tls && !loopback && !opts->allow_insecure)
		return diag_set(d, "InsecureListen",
				"refusing plain HTTP on non-loopback address %.64s: give --tls-cert and --tls-key, or --insecure-http",
				opts->listen);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls) {
		s->tls_cert = read_file(opts->tls_cert_path);
		s->tls_key = read_file(opts->tls_key_path);
		if (!s->tls_cert || !s->tls_key) {
			http_server_stop(s);
			return diag_set(d, "InvalidTls", "cannot read --tls-cert or --tls-key");
		}
		flags |= MHD_USE_TLS;
	}
	s->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opts->threads ? opts->threads : 4),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(BH_MAX_URL_BYTES * 8),
		tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->tls_cert,
		MHD_OPTION_HTTPS_MEM_KEY, s->tls_key,
		MHD_OPTION_END);
	if (!s->daemon) {
		http_server_stop(s);
		return diag_set(d, "ListenFailed", "cannot listen on %.64s (address in use, or TLS files invalid)",
				opts->listen);
	}
	*ret = s;
	return 0;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	free(s->tls_cert);
	free(s->tls_key);
	free(s);
}
