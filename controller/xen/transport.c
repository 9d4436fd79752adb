// SPDX-License-Identifier: MIT
/* libcurl transport: one easy handle reused for every call (keep-alive). */
#include "transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "backend.h"
#include "config.h"

struct http_transport {
	struct xapi_transport base;
	CURL *curl;
	struct curl_slist *headers;
	size_t max_response;
	/* the answer being received */
	char *buf;
	size_t len, cap;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_transport *h = arg;
	size_t n = size * nmemb, need;

	if (h->len + n > h->max_response) {
		h->too_big = true;
		return 0; /* aborts the transfer */
	}
	need = h->len + n + 1;
	if (need > h->cap) {
		size_t ncap = h->cap ? h->cap : 16384;
		char *nb;

		while (ncap < need)
			ncap *= 2;
		if (ncap > h->max_response + 1)
			ncap = h->max_response + 1;
		nb = realloc(h->buf, ncap);
		if (!nb)
			return 0;
		h->buf = nb;
		h->cap = ncap;
	}
	memcpy(h->buf + h->len, data, n);
	h->len += n;
	h->buf[h->len] = '\0';
	return n;
}

static int map_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return -EPERM;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EINVAL;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	default:
		return -EIO;
	}
}

static const char *errcode(int rc)
{
	switch (rc) {
	case -ECONNREFUSED:
		return "ECONNREFUSED";
	case -EHOSTUNREACH:
		return "EHOSTUNREACH";
	case -ETIMEDOUT:
		return "ETIMEDOUT";
	case -ECONNRESET:
		return "ECONNRESET";
	case -EPERM:
		return "TLS";
	case -EINVAL:
		return "EINVAL";
	case -ENOMEM:
		return "ENOMEM";
	case -EFBIG:
		return "EFBIG";
	default:
		return "EIO";
	}
}

static int http_post(struct xapi_transport *t, const char *url, const char *body, size_t len,
		     struct xapi_reply *reply, struct backend_err *err)
{
	struct http_transport *h = (struct http_transport *)t;
	CURLcode c;
	long status = 0;
	int rc;

	h->buf = NULL;
	h->len = h->cap = 0;
	h->too_big = false;
	h->errbuf[0] = '\0';
	if (curl_easy_setopt(h->curl, CURLOPT_URL, url) != CURLE_OK) {
		backend_errf(err, "ENOMEM", "xenapi: cannot set URL");
		return -ENOMEM;
	}
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	c = curl_easy_perform(h->curl);
	if ((c == CURLE_WRITE_ERROR && h->too_big) || c == CURLE_FILESIZE_EXCEEDED) {
		rc = -EFBIG;
		backend_errf(err, "EFBIG", "xenapi: answer from %s larger than %zu bytes", url,
			     h->max_response);
		goto out_free;
	}
	if (c != CURLE_OK) {
		rc = map_curl(c);
		backend_errf(err, errcode(rc), "xenapi: %s: %s%s%s", url, curl_easy_strerror(c),
			     h->errbuf[0] ? ": " : "", h->errbuf);
		goto out_free;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (!h->buf) {
		h->buf = calloc(1, 1);
		if (!h->buf) {
			backend_errf(err, "ENOMEM", "xenapi: out of memory");
			return -ENOMEM;
		}
	}
	reply->http_status = status;
	reply->body = h->buf;
	reply->len = h->len;
	h->buf = NULL;
	return 0;
out_free:
	free(h->buf);
	h->buf = NULL;
	return rc;
}

static void http_free(struct xapi_transport *t)
{
	struct http_transport *h = (struct http_transport *)t;

	curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h);
}

static long ms(uint64_t ns, uint64_t dflt_ns)
{
	return (long)((ns ? ns : dflt_ns) / 1000000ULL);
}

struct xapi_transport *xapi_http_new(const struct xapi_http_opts *opts, struct backend_err *err)
{
	static const struct xapi_http_opts defaults;
	struct http_transport *h;
	struct curl_slist *l;

	if (!opts)
		opts = &defaults;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		backend_errf(err, "ENOMEM", "xenapi: libcurl initialisation failed");
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		goto out_nomem;
	h->base.post = http_post;
	h->base.free = http_free;
	h->max_response = opts->max_response ? opts->max_response : 16u << 20;
	h->curl = curl_easy_init();
	if (!h->curl)
		goto out_free;
	l = curl_slist_append(NULL, "Content-Type: text/xml");
	if (!l)
		goto out_free;
	h->headers = l;
	/* no "Expect: 100-continue" round trip for larger bodies */
	l = curl_slist_append(h->headers, "Expect:");
	if (!l)
		goto out_free;
	h->headers = l;
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "isolab-xenapi/" ISOLAB_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 ms(opts->connect_timeout_ns, 10000000000ULL));
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, ms(opts->total_timeout_ns, 60000000000ULL));
	curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_response);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, opts->insecure ? 0L : 1L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, opts->insecure ? 0L : 2L);
	if (opts->ca_file && curl_easy_setopt(h->curl, CURLOPT_CAINFO, opts->ca_file) != CURLE_OK)
		goto out_free;
	return &h->base;
out_free:
	if (h) {
		curl_easy_cleanup(h->curl);
		curl_slist_free_all(h->headers);
		free(h);
	}
out_nomem:
	backend_errf(err, "ENOMEM", "xenapi: cannot set up libcurl");
	return NULL;
}

void xapi_transport_free(struct xapi_transport *t)
{
	if (t)
		t->free(t);
}

bool xapi_transport_retriable(int rc)
{
	return rc == -ECONNREFUSED || rc == -ECONNRESET || rc == -ETIMEDOUT ||
	       rc == -EHOSTUNREACH || rc == -EIO;
}
