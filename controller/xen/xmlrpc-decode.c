// SPDX-License-Identifier: MIT
/* XML-RPC decoding on libxml2: size-capped, no network, no DTD, bounded nesting. */
#include "xmlrpc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* A value that takes over a malloc'd buffer. */
static struct xmlrpc_value *val_take(enum xmlrpc_type t, char *buf, size_t len)
{
	struct xmlrpc_value *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->type = t;
	v->str = buf;
	v->len = len;
	return v;
}

static int b64_val(int c)
{
	const char *p = c ? strchr(b64chars, c) : NULL;

	return p ? (int)(p - b64chars) : -1;
}

/* Decodes, skipping whitespace; strict about padding. */
static int b64_decode(const char *in, char **out, size_t *olen)
{
	size_t len = strlen(in), n = 0;
	char *buf = malloc(len / 4 * 3 + 4);
	uint32_t acc = 0;
	int bits = 0, pad = 0, quad = 0;

	if (!buf)
		return -ENOMEM;
	for (const char *p = in; *p; p++) {
		int v;

		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (*p == '=') {
			pad++;
			quad++;
			continue;
		}
		v = b64_val((unsigned char)*p);
		if (v < 0 || pad)
			goto bad;
		quad++;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (quad % 4 || pad > 2)
		goto bad;
	buf[n] = '\0';
	*out = buf;
	*olen = n;
	return 0;
bad:
	free(buf);
	return -EBADMSG;
}

struct dec {
	char *why;
	size_t why_len;
};

static int bad(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct dec *d, const char *fmt, ...)
{
	va_list ap;

	if (d->why && d->why_len && !d->why[0]) {
		va_start(ap, fmt);
		vsnprintf(d->why, d->why_len, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static bool is_name(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static bool blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/*
 * Element children only; whitespace text and comments are skipped, anything
 * else (non-blank text, PIs, entity refs) between elements is an error.
 */
static int next_elem(struct dec *d, xmlNodePtr n, xmlNodePtr *out)
{
	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			*out = n;
			return 0;
		}
		if (n->type == XML_COMMENT_NODE)
			continue;
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    blank(n->content))
			continue;
		return bad(d, "unexpected content near <%s>",
			   n->parent ? (const char *)n->parent->name : "?");
	}
	*out = NULL;
	return 0;
}

/* Concatenated text of a leaf element; an element child is an error. */
static int leaf_text(struct dec *d, xmlNodePtr el, char **out, size_t *len)
{
	size_t total = 0;
	char *buf;

	for (xmlNodePtr c = el->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
			total += strlen((const char *)c->content);
		else if (c->type != XML_COMMENT_NODE)
			return bad(d, "<%s> must hold text only", (const char *)el->name);
	}
	buf = malloc(total + 1);
	if (!buf)
		return -ENOMEM;
	total = 0;
	for (xmlNodePtr c = el->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			size_t l = strlen((const char *)c->content);

			memcpy(buf + total, c->content, l);
			total += l;
		}
	}
	buf[total] = '\0';
	*out = buf;
	*len = total;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p = s;
	int64_t v = 0;
	bool neg = false;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		int dgt;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		dgt = *p - '0';
		/* accumulate negatively so INT64_MIN fits */
		if (v < (INT64_MIN + dgt) / 10)
			return -ERANGE;
		v = v * 10 - dgt;
	}
	if (!neg) {
		if (v == INT64_MIN)
			return -ERANGE;
		v = -v;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_dbl(const char *s, double *out)
{
	char *end;
	double v;

	/* digits, sign, point, exponent only: no hex, inf or nan */
	if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

static bool datetime_ok(const char *s)
{
	/* 19980717T14:08:55, optional fraction/zone; or the dashed ISO 8601 form */
	size_t n = strlen(s);

	if (n < 17 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789-:T.Z+", s[i]))
			return false;
	return strchr(s, 'T') != NULL;
}

static int decode_value(struct dec *d, xmlNodePtr val, int depth, struct xmlrpc_value **out);

static int decode_struct(struct dec *d, xmlNodePtr el, int depth, struct xmlrpc_value **out)
{
	struct xmlrpc_value *st = xmlrpc_struct();
	xmlNodePtr m;
	int rc;

	if (!st)
		return -ENOMEM;
	for (rc = next_elem(d, el->children, &m); !rc && m; rc = next_elem(d, m->next, &m)) {
		xmlNodePtr name, value, extra;
		struct xmlrpc_value *v;
		char *nm;
		size_t nlen;

		if (!is_name(m, "member")) {
			rc = bad(d, "<struct> holds <%s>, not <member>", (const char *)m->name);
			break;
		}
		rc = next_elem(d, m->children, &name);
		if (!rc && !is_name(name, "name"))
			rc = bad(d, "<member> without <name>");
		if (!rc)
			rc = next_elem(d, name->next, &value);
		if (!rc && !is_name(value, "value"))
			rc = bad(d, "<member> without <value>");
		if (!rc)
			rc = next_elem(d, value->next, &extra);
		if (!rc && extra)
			rc = bad(d, "<member> with extra <%s>", (const char *)extra->name);
		if (rc)
			break;
		rc = leaf_text(d, name, &nm, &nlen);
		if (rc)
			break;
		rc = decode_value(d, value, depth + 1, &v);
		if (!rc)
			rc = xmlrpc_struct_set(st, nm, v);
		free(nm);
		if (rc)
			break;
	}
	if (rc) {
		xmlrpc_free(st);
		return rc;
	}
	*out = st;
	return 0;
}

static int decode_array(struct dec *d, xmlNodePtr el, int depth, struct xmlrpc_value **out)
{
	struct xmlrpc_value *arr;
	xmlNodePtr data, extra, v;
	int rc;

	rc = next_elem(d, el->children, &data);
	if (rc)
		return rc;
	if (!is_name(data, "data"))
		return bad(d, "<array> without <data>");
	rc = next_elem(d, data->next, &extra);
	if (rc)
		return rc;
	if (extra)
		return bad(d, "<array> with extra <%s>", (const char *)extra->name);
	arr = xmlrpc_array();
	if (!arr)
		return -ENOMEM;
	for (rc = next_elem(d, data->children, &v); !rc && v; rc = next_elem(d, v->next, &v)) {
		struct xmlrpc_value *item;

		if (!is_name(v, "value")) {
			rc = bad(d, "<data> holds <%s>, not <value>", (const char *)v->name);
			break;
		}
		rc = decode_value(d, v, depth + 1, &item);
		if (!rc)
			rc = xmlrpc_array_append(arr, item);
		if (rc)
			break;
	}
	if (rc) {
		xmlrpc_free(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static int decode_scalar(struct dec *d, xmlNodePtr el, struct xmlrpc_value **out)
{
	const char *t = (const char *)el->name;
	struct xmlrpc_value *v = NULL;
	char *text, *s;
	size_t len;
	int64_t i;
	double dbl;
	int rc;

	rc = leaf_text(d, el, &text, &len);
	if (rc)
		return rc;
	if (strcmp(t, "string") == 0) {
		v = val_take(XMLRPC_STRING, text, len);
		if (!v) {
			free(text);
			return -ENOMEM;
		}
		*out = v;
		return 0;
	}
	s = trim(text);
	if (strcmp(t, "int") == 0 || strcmp(t, "i4") == 0) {
		rc = parse_int(s, INT32_MIN, INT32_MAX, &i);
		v = rc ? NULL : xmlrpc_int(i);
	} else if (strcmp(t, "i8") == 0) {
		rc = parse_int(s, INT64_MIN, INT64_MAX, &i);
		v = rc ? NULL : xmlrpc_int(i);
	} else if (strcmp(t, "boolean") == 0) {
		rc = strcmp(s, "0") && strcmp(s, "1") ? -EINVAL : 0;
		v = rc ? NULL : xmlrpc_bool(s[0] == '1');
	} else if (strcmp(t, "double") == 0) {
		rc = parse_dbl(s, &dbl);
		v = rc ? NULL : xmlrpc_double(dbl);
	} else if (strcmp(t, "dateTime.iso8601") == 0) {
		rc = datetime_ok(s) ? 0 : -EINVAL;
		v = rc ? NULL : xmlrpc_datetime(s);
	} else if (strcmp(t, "base64") == 0) {
		char *bytes;
		size_t blen;

		rc = b64_decode(s, &bytes, &blen);
		if (!rc) {
			v = val_take(XMLRPC_BASE64, bytes, blen);
			if (!v)
				free(bytes);
		}
	} else if (strcmp(t, "nil") == 0) {
		rc = *s ? -EINVAL : 0;
		v = rc ? NULL : xmlrpc_nil();
	} else {
		free(text);
		return bad(d, "unknown type <%s>", t);
	}
	if (rc == -ENOMEM) {
		free(text);
		return rc;
	}
	if (rc) {
		rc = bad(d, "bad <%s> value '%.40s'", t, s);
		free(text);
		return rc;
	}
	free(text);
	if (!v)
		return -ENOMEM;
	*out = v;
	return 0;
}

/* val is a <value> element. */
static int decode_value(struct dec *d, xmlNodePtr val, int depth, struct xmlrpc_value **out)
{
	xmlNodePtr el = NULL, extra;
	bool has_text = false;
	int rc;

	if (depth > XMLRPC_MAX_DEPTH)
		return bad(d, "values nested deeper than %d", XMLRPC_MAX_DEPTH);
	for (xmlNodePtr c = val->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			if (el)
				return bad(d, "<value> holds more than one element");
			el = c;
		} else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (!blank(c->content))
				has_text = true;
		} else if (c->type != XML_COMMENT_NODE) {
			return bad(d, "unexpected node in <value>");
		}
	}
	if (!el) {
		/* xapi's bare string: <value>text</value>, whitespace kept */
		char *text;
		size_t len;
		struct xmlrpc_value *v;

		rc = leaf_text(d, val, &text, &len);
		if (rc)
			return rc;
		v = val_take(XMLRPC_STRING, text, len);
		if (!v) {
			free(text);
			return -ENOMEM;
		}
		*out = v;
		return 0;
	}
	if (has_text)
		return bad(d, "<value> mixes text and <%s>", (const char *)el->name);
	rc = next_elem(d, el->next, &extra);
	if (rc)
		return rc;
	if (is_name(el, "struct"))
		return decode_struct(d, el, depth, out);
	if (is_name(el, "array"))
		return decode_array(d, el, depth, out);
	return decode_scalar(d, el, out);
}

/*
 * Parses buf (why cleared first) into a document whose root element is
 * root_name; *out and *root only on success (the caller frees *out).
 */
static int read_doc(struct dec *d, const char *buf, size_t len, size_t max_len,
		    const char *root_name, xmlDocPtr *out, xmlNodePtr *root)
{
	xmlDocPtr doc = NULL;

	if (d->why && d->why_len)
		d->why[0] = '\0';
	if (len > max_len || len > XMLRPC_MAX_INPUT)
		return -EFBIG;
	if (len > INT_MAX)
		return -EFBIG;
	doc = xmlReadMemory(buf, (int)len, "xmlrpc.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				    XML_PARSE_NOCDATA);
	if (!doc)
		return bad(d, "not well-formed XML");
	if (doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return bad(d, "a DTD is not allowed");
	}
	if (!is_name(xmlDocGetRootElement(doc), root_name)) {
		xmlFreeDoc(doc);
		return bad(d, "root is not <%s>", root_name);
	}
	*out = doc;
	*root = xmlDocGetRootElement(doc);
	return 0;
}

/* The single <value> below root > path1 [> path2]. */
static int single_value(struct dec *d, xmlNodePtr parent, struct xmlrpc_value **out)
{
	xmlNodePtr v, extra;
	int rc = next_elem(d, parent->children, &v);

	if (rc)
		return rc;
	if (!is_name(v, "value"))
		return bad(d, "<%s> without <value>", (const char *)parent->name);
	rc = next_elem(d, v->next, &extra);
	if (rc)
		return rc;
	if (extra)
		return bad(d, "<%s> with more than one value", (const char *)parent->name);
	return decode_value(d, v, 0, out);
}

int xmlrpc_parse_response(const char *buf, size_t len, size_t max_len, struct xmlrpc_value **out,
			  bool *fault, char *why, size_t why_len)
{
	struct dec d = { why, why_len };
	struct xmlrpc_value *v = NULL;
	xmlNodePtr root, body, extra, param;
	xmlDocPtr doc = NULL;
	bool is_fault;
	int rc;

	rc = read_doc(&d, buf, len, max_len, "methodResponse", &doc, &root);
	if (rc)
		return rc;
	rc = next_elem(&d, root->children, &body);
	if (!rc && !body)
		rc = bad(&d, "empty <methodResponse>");
	if (!rc)
		rc = next_elem(&d, body->next, &extra);
	if (!rc && extra)
		rc = bad(&d, "<methodResponse> with extra <%s>", (const char *)extra->name);
	if (rc)
		goto out_free_doc;
	is_fault = is_name(body, "fault");
	if (is_fault) {
		rc = single_value(&d, body, &v);
		if (!rc && v->type != XMLRPC_STRUCT)
			rc = bad(&d, "<fault> value is not a struct");
	} else if (is_name(body, "params")) {
		rc = next_elem(&d, body->children, &param);
		if (!rc && !is_name(param, "param"))
			rc = bad(&d, "<params> without <param>");
		if (!rc)
			rc = next_elem(&d, param->next, &extra);
		if (!rc && extra)
			rc = bad(&d, "response with more than one <param>");
		if (!rc)
			rc = single_value(&d, param, &v);
	} else {
		rc = bad(&d, "<methodResponse> holds <%s>", (const char *)body->name);
	}
	if (rc) {
		xmlrpc_free(v);
		goto out_free_doc;
	}
	*out = v;
	*fault = is_fault;
out_free_doc:
	xmlFreeDoc(doc);
	return rc;
}

int xmlrpc_parse_call(const char *buf, size_t len, size_t max_len, char **method,
		      struct xmlrpc_value **params, char *why, size_t why_len)
{
	struct dec d = { why, why_len };
	struct xmlrpc_value *arr = NULL, *v;
	xmlNodePtr root, name, ps = NULL, p;
	xmlDocPtr doc = NULL;
	char *m = NULL;
	size_t mlen;
	int rc;

	rc = read_doc(&d, buf, len, max_len, "methodCall", &doc, &root);
	if (rc)
		return rc;
	rc = next_elem(&d, root->children, &name);
	if (!rc && !is_name(name, "methodName"))
		rc = bad(&d, "<methodCall> without <methodName>");
	if (!rc)
		rc = leaf_text(&d, name, &m, &mlen);
	if (!rc)
		rc = next_elem(&d, name->next, &ps);
	if (!rc && ps && !is_name(ps, "params"))
		rc = bad(&d, "<methodCall> holds <%s>", (const char *)ps->name);
	if (!rc) {
		arr = xmlrpc_array();
		if (!arr)
			rc = -ENOMEM;
	}
	for (p = NULL; !rc && ps && !(rc = next_elem(&d, p ? p->next : ps->children, &p)) && p;) {
		if (!is_name(p, "param")) {
			rc = bad(&d, "<params> holds <%s>", (const char *)p->name);
			break;
		}
		rc = single_value(&d, p, &v);
		if (!rc)
			rc = xmlrpc_array_append(arr, v);
	}
	if (rc) {
		free(m);
		xmlrpc_free(arr);
		goto out_free_doc;
	}
	*method = m;
	*params = arr;
out_free_doc:
	xmlFreeDoc(doc);
	return rc;
}
