// SPDX-License-Identifier: MIT
/* XML-RPC value tree, encoder and decoder on libxml2. */
#include "xmlrpc.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

static struct xmlrpc_value *val_new(enum xmlrpc_type t)
{
	struct xmlrpc_value *v = calloc(1, sizeof(*v));

	if (v)
		v->type = t;
	return v;
}

struct xmlrpc_value *xmlrpc_nil(void)
{
	return val_new(XMLRPC_NIL);
}

static struct xmlrpc_value *val_bytes(enum xmlrpc_type t, const char *s, size_t len)
{
	struct xmlrpc_value *v;

	if (!s && len)
		return NULL;
	v = val_new(t);
	if (!v)
		return NULL;
	v->str = malloc(len + 1);
	if (!v->str) {
		free(v);
		return NULL;
	}
	if (len)
		memcpy(v->str, s, len);
	v->str[len] = '\0';
	v->len = len;
	return v;
}

struct xmlrpc_value *xmlrpc_string_n(const char *s, size_t len)
{
	return val_bytes(XMLRPC_STRING, s, len);
}

struct xmlrpc_value *xmlrpc_string(const char *s)
{
	return s ? val_bytes(XMLRPC_STRING, s, strlen(s)) : NULL;
}

struct xmlrpc_value *xmlrpc_secret(const char *s)
{
	struct xmlrpc_value *v = xmlrpc_string(s);

	if (v)
		v->secret = true;
	return v;
}

struct xmlrpc_value *xmlrpc_int(int64_t i)
{
	struct xmlrpc_value *v = val_new(XMLRPC_INT);

	if (v)
		v->i = i;
	return v;
}

struct xmlrpc_value *xmlrpc_bool(bool b)
{
	struct xmlrpc_value *v = val_new(XMLRPC_BOOL);

	if (v)
		v->b = b;
	return v;
}

struct xmlrpc_value *xmlrpc_double(double d)
{
	struct xmlrpc_value *v = val_new(XMLRPC_DOUBLE);

	if (v)
		v->d = d;
	return v;
}

struct xmlrpc_value *xmlrpc_datetime(const char *iso8601)
{
	return iso8601 ? val_bytes(XMLRPC_DATETIME, iso8601, strlen(iso8601)) : NULL;
}

struct xmlrpc_value *xmlrpc_base64(const void *data, size_t len)
{
	return val_bytes(XMLRPC_BASE64, data, len);
}

struct xmlrpc_value *xmlrpc_array(void)
{
	return val_new(XMLRPC_ARRAY);
}

struct xmlrpc_value *xmlrpc_struct(void)
{
	return val_new(XMLRPC_STRUCT);
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / size)
		return -ENOMEM;
	np = realloc(*p, ncap * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

int xmlrpc_array_append(struct xmlrpc_value *arr, struct xmlrpc_value *v)
{
	if (!v)
		return -ENOMEM;
	if (!arr || arr->type != XMLRPC_ARRAY) {
		xmlrpc_free(v);
		return -EINVAL;
	}
	if (grow((void **)&arr->arr.items, &arr->arr.cap, arr->arr.n, sizeof(*arr->arr.items))) {
		xmlrpc_free(v);
		return -ENOMEM;
	}
	arr->arr.items[arr->arr.n++] = v;
	return 0;
}

int xmlrpc_struct_set(struct xmlrpc_value *st, const char *name, struct xmlrpc_value *v)
{
	char *dup;

	if (!v)
		return -ENOMEM;
	if (!st || st->type != XMLRPC_STRUCT || !name) {
		xmlrpc_free(v);
		return -EINVAL;
	}
	for (size_t i = 0; i < st->st.n; i++) {
		if (strcmp(st->st.m[i].name, name) == 0) {
			xmlrpc_free(st->st.m[i].value);
			st->st.m[i].value = v;
			return 0;
		}
	}
	dup = strdup(name);
	if (!dup || grow((void **)&st->st.m, &st->st.cap, st->st.n, sizeof(*st->st.m))) {
		free(dup);
		xmlrpc_free(v);
		return -ENOMEM;
	}
	st->st.m[st->st.n].name = dup;
	st->st.m[st->st.n].value = v;
	st->st.n++;
	return 0;
}

void xmlrpc_free(struct xmlrpc_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case XMLRPC_STRING:
	case XMLRPC_DATETIME:
	case XMLRPC_BASE64:
		if (v->secret && v->str)
			explicit_bzero(v->str, v->len);
		free(v->str);
		break;
	case XMLRPC_ARRAY:
		for (size_t i = 0; i < v->arr.n; i++)
			xmlrpc_free(v->arr.items[i]);
		free(v->arr.items);
		break;
	case XMLRPC_STRUCT:
		for (size_t i = 0; i < v->st.n; i++) {
			free(v->st.m[i].name);
			xmlrpc_free(v->st.m[i].value);
		}
		free(v->st.m);
		break;
	default:
		break;
	}
	free(v);
}

struct xmlrpc_value *xmlrpc_dup(const struct xmlrpc_value *v)
{
	struct xmlrpc_value *c;

	if (!v)
		return NULL;
	switch (v->type) {
	case XMLRPC_STRING:
	case XMLRPC_DATETIME:
	case XMLRPC_BASE64:
		c = val_bytes(v->type, v->str, v->len);
		if (c)
			c->secret = v->secret;
		return c;
	case XMLRPC_ARRAY:
		c = xmlrpc_array();
		for (size_t i = 0; c && i < v->arr.n; i++)
			if (xmlrpc_array_append(c, xmlrpc_dup(v->arr.items[i]))) {
				xmlrpc_free(c);
				return NULL;
			}
		return c;
	case XMLRPC_STRUCT:
		c = xmlrpc_struct();
		for (size_t i = 0; c && i < v->st.n; i++)
			if (xmlrpc_struct_set(c, v->st.m[i].name, xmlrpc_dup(v->st.m[i].value))) {
				xmlrpc_free(c);
				return NULL;
			}
		return c;
	default:
		c = val_new(v->type);
		if (c)
			*c = *v;
		return c;
	}
}

const struct xmlrpc_value *xmlrpc_struct_get(const struct xmlrpc_value *st, const char *name)
{
	if (!st || st->type != XMLRPC_STRUCT || !name)
		return NULL;
	for (size_t i = 0; i < st->st.n; i++)
		if (strcmp(st->st.m[i].name, name) == 0)
			return st->st.m[i].value;
	return NULL;
}

const char *xmlrpc_get_str(const struct xmlrpc_value *v)
{
	return v && v->type == XMLRPC_STRING ? v->str : NULL;
}

const char *xmlrpc_struct_get_str(const struct xmlrpc_value *st, const char *name)
{
	return xmlrpc_get_str(xmlrpc_struct_get(st, name));
}

size_t xmlrpc_array_len(const struct xmlrpc_value *v)
{
	return v && v->type == XMLRPC_ARRAY ? v->arr.n : 0;
}

const struct xmlrpc_value *xmlrpc_array_get(const struct xmlrpc_value *v, size_t i)
{
	return i < xmlrpc_array_len(v) ? v->arr.items[i] : NULL;
}

bool xmlrpc_equal(const struct xmlrpc_value *a, const struct xmlrpc_value *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case XMLRPC_NIL:
		return true;
	case XMLRPC_INT:
		return a->i == b->i;
	case XMLRPC_BOOL:
		return a->b == b->b;
	case XMLRPC_DOUBLE:
		return a->d == b->d;
	case XMLRPC_STRING:
	case XMLRPC_DATETIME:
	case XMLRPC_BASE64:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	case XMLRPC_ARRAY:
		if (a->arr.n != b->arr.n)
			return false;
		for (size_t i = 0; i < a->arr.n; i++)
			if (!xmlrpc_equal(a->arr.items[i], b->arr.items[i]))
				return false;
		return true;
	case XMLRPC_STRUCT:
		if (a->st.n != b->st.n)
			return false;
		for (size_t i = 0; i < a->st.n; i++)
			if (strcmp(a->st.m[i].name, b->st.m[i].name) ||
			    !xmlrpc_equal(a->st.m[i].value, b->st.m[i].value))
				return false;
		return true;
	}
	return false;
}

const char *xmlrpc_type_name(enum xmlrpc_type t)
{
	static const char *const names[] = {
		[XMLRPC_NIL] = "nil",	    [XMLRPC_STRING] = "string",
		[XMLRPC_INT] = "int",	    [XMLRPC_BOOL] = "boolean",
		[XMLRPC_DOUBLE] = "double", [XMLRPC_DATETIME] = "dateTime.iso8601",
		[XMLRPC_BASE64] = "base64", [XMLRPC_STRUCT] = "struct",
		[XMLRPC_ARRAY] = "array",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* ---- base64 ---- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const unsigned char *in, size_t len)
{
	size_t olen = (len + 2) / 3 * 4;
	char *out = malloc(olen + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t n = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			n |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			n |= in[i + 2];
		*o++ = b64chars[(n >> 18) & 63];
		*o++ = b64chars[(n >> 12) & 63];
		*o++ = i + 1 < len ? b64chars[(n >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64chars[n & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* ---- encoding ---- */

/* XML 1.0 carries valid UTF-8 without C0 controls other than tab, LF, CR. */
static bool xml_safe(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p, need, cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				return false;
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= need)
			return false;
		for (unsigned i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
			return false;
		p += need + 1;
	}
	return true;
}

static int add_text(xmlNodePtr parent, const char *name, const char *text)
{
	xmlNodePtr n = xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);

	return n ? 0 : -ENOMEM;
}

static int encode_value(xmlNodePtr parent, const struct xmlrpc_value *v, int depth)
{
	xmlNodePtr val, node;
	char num[64];
	int rc;

	if (!v || depth > XMLRPC_MAX_DEPTH)
		return -EINVAL;
	val = xmlNewChild(parent, NULL, (const xmlChar *)"value", NULL);
	if (!val)
		return -ENOMEM;
	switch (v->type) {
	case XMLRPC_NIL:
		return xmlNewChild(val, NULL, (const xmlChar *)"nil", NULL) ? 0 : -ENOMEM;
	case XMLRPC_STRING:
		if (strlen(v->str) != v->len || !xml_safe(v->str, v->len))
			return -EINVAL;
		return add_text(val, "string", v->str);
	case XMLRPC_INT:
		snprintf(num, sizeof(num), "%" PRId64, v->i);
		return add_text(val, v->i >= INT32_MIN && v->i <= INT32_MAX ? "int" : "i8", num);
	case XMLRPC_BOOL:
		return add_text(val, "boolean", v->b ? "1" : "0");
	case XMLRPC_DOUBLE:
		if (!isfinite(v->d))
			return -EINVAL;
		snprintf(num, sizeof(num), "%.17g", v->d);
		return add_text(val, "double", num);
	case XMLRPC_DATETIME:
		if (strlen(v->str) != v->len || !xml_safe(v->str, v->len))
			return -EINVAL;
		return add_text(val, "dateTime.iso8601", v->str);
	case XMLRPC_BASE64: {
		char *b = b64_encode((const unsigned char *)v->str, v->len);

		if (!b)
			return -ENOMEM;
		rc = add_text(val, "base64", b);
		free(b);
		return rc;
	}
	case XMLRPC_ARRAY:
		node = xmlNewChild(val, NULL, (const xmlChar *)"array", NULL);
		node = node ? xmlNewChild(node, NULL, (const xmlChar *)"data", NULL) : NULL;
		if (!node)
			return -ENOMEM;
		for (size_t i = 0; i < v->arr.n; i++) {
			rc = encode_value(node, v->arr.items[i], depth + 1);
			if (rc)
				return rc;
		}
		return 0;
	case XMLRPC_STRUCT:
		node = xmlNewChild(val, NULL, (const xmlChar *)"struct", NULL);
		if (!node)
			return -ENOMEM;
		for (size_t i = 0; i < v->st.n; i++) {
			xmlNodePtr m = xmlNewChild(node, NULL, (const xmlChar *)"member", NULL);

			if (!m)
				return -ENOMEM;
			if (!xml_safe(v->st.m[i].name, strlen(v->st.m[i].name)))
				return -EINVAL;
			rc = add_text(m, "name", v->st.m[i].name);
			if (rc)
				return rc;
			rc = encode_value(m, v->st.m[i].value, depth + 1);
			if (rc)
				return rc;
		}
		return 0;
	}
	return -EINVAL;
}

/* Overwrites every text node so secrets don't linger in freed heap memory. */
static void wipe_text(xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE && n->content)
			explicit_bzero(n->content, strlen((char *)n->content));
		wipe_text(n->children);
	}
}

static int dump_doc(xmlDocPtr doc, bool wipe, char **out, size_t *len)
{
	xmlChar *mem = NULL;
	int size = 0;
	char *copy;

	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (wipe)
		wipe_text(doc->children);
	if (!mem || size < 0)
		return -ENOMEM;
	copy = malloc((size_t)size + 1);
	if (copy) {
		memcpy(copy, mem, (size_t)size);
		copy[size] = '\0';
	}
	if (wipe)
		explicit_bzero(mem, (size_t)size);
	xmlFree(mem);
	if (!copy)
		return -ENOMEM;
	*out = copy;
	*len = (size_t)size;
	return 0;
}

static bool has_secret(const struct xmlrpc_value *v)
{
	if (!v)
		return false;
	if (v->secret)
		return true;
	if (v->type == XMLRPC_ARRAY)
		for (size_t i = 0; i < v->arr.n; i++)
			if (has_secret(v->arr.items[i]))
				return true;
	if (v->type == XMLRPC_STRUCT)
		for (size_t i = 0; i < v->st.n; i++)
			if (has_secret(v->st.m[i].value))
				return true;
	return false;
}

int xmlrpc_encode_call(const char *method, const struct xmlrpc_value *const *params, size_t n,
		       char **out, size_t *len)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root, ps, p;
	bool wipe = false;
	int rc = -ENOMEM;

	if (!method || !*method || !xml_safe(method, strlen(method)))
		return -EINVAL;
	doc = xmlNewDoc((const xmlChar *)"1.0");
	if (!doc)
		return -ENOMEM;
	root = xmlNewNode(NULL, (const xmlChar *)"methodCall");
	if (!root)
		goto out_free_doc;
	xmlDocSetRootElement(doc, root);
	if (add_text(root, "methodName", method))
		goto out_free_doc;
	ps = xmlNewChild(root, NULL, (const xmlChar *)"params", NULL);
	if (!ps)
		goto out_free_doc;
	for (size_t i = 0; i < n; i++) {
		wipe |= has_secret(params[i]);
		p = xmlNewChild(ps, NULL, (const xmlChar *)"param", NULL);
		if (!p)
			goto out_free_doc;
		rc = encode_value(p, params[i], 0);
		if (rc)
			goto out_free_doc;
	}
	rc = dump_doc(doc, wipe, out, len);
	wipe = false; /* dump_doc wiped already */
out_free_doc:
	if (wipe)
		wipe_text(doc->children);
	xmlFreeDoc(doc);
	return rc;
}

int xmlrpc_encode_response(const struct xmlrpc_value *v, bool fault, char **out, size_t *len)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root, node;
	int rc = -ENOMEM;

	if (!doc)
		return -ENOMEM;
	root = xmlNewNode(NULL, (const xmlChar *)"methodResponse");
	if (!root)
		goto out_free_doc;
	xmlDocSetRootElement(doc, root);
	if (fault) {
		node = xmlNewChild(root, NULL, (const xmlChar *)"fault", NULL);
	} else {
		node = xmlNewChild(root, NULL, (const xmlChar *)"params", NULL);
		node = node ? xmlNewChild(node, NULL, (const xmlChar *)"param", NULL) : NULL;
	}
	if (!node)
		goto out_free_doc;
	rc = encode_value(node, v, 0);
	if (!rc)
		rc = dump_doc(doc, false, out, len);
out_free_doc:
	xmlFreeDoc(doc);
	return rc;
}
