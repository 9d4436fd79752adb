/* SPDX-License-Identifier: MIT */
/*
 * XML-RPC values, requests and responses (libxml2).
 *
 * A value is a tree with one owner: containers own their children, and
 * xmlrpc_free() frees a whole tree. xmlrpc_array_append() and
 * xmlrpc_struct_set() take ownership of the child they are given, also when
 * they fail (then the child is freed), so a tree can be built without leak
 * checks at every step. Constructors return NULL on allocation failure and
 * appending NULL fails with -ENOMEM, so errors propagate to the top.
 *
 * Decoding accepts every XML-RPC type, including xapi's bare
 * <value>text</value> strings, <i8> and <nil/>. Input is size-capped, parsed
 * with XML_PARSE_NONET, documents with a DTD are refused (no entity
 * expansion beyond the five predefined ones and character references), and
 * nesting is limited to XMLRPC_MAX_DEPTH.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XMLRPC_MAX_DEPTH 64
#define XMLRPC_MAX_INPUT (64u << 20) /* hard cap on any document we parse */

enum xmlrpc_type {
	XMLRPC_NIL,
	XMLRPC_STRING,
	XMLRPC_INT, /* <int>/<i4>/<i8>; encoded as <i8> only outside int32 */
	XMLRPC_BOOL,
	XMLRPC_DOUBLE,
	XMLRPC_DATETIME, /* text kept as sent, e.g. "20261122T00:18:12Z" */
	XMLRPC_BASE64,	 /* decoded bytes in str/len */
	XMLRPC_STRUCT,
	XMLRPC_ARRAY,
};

struct xmlrpc_member {
	char *name;
	struct xmlrpc_value *value;
};

struct xmlrpc_value {
	enum xmlrpc_type type;
	bool secret; /* string memory is wiped when freed and encoded */
	union {
		int64_t i;
		bool b;
		double d;
		struct {
			char *str; /* NUL-terminated; base64 may hold NULs inside */
			size_t len;
		};
		struct {
			struct xmlrpc_value **items;
			size_t n, cap;
		} arr;
		struct {
			struct xmlrpc_member *m;
			size_t n, cap;
		} st;
	};
};

struct xmlrpc_value *xmlrpc_nil(void);
struct xmlrpc_value *xmlrpc_string(const char *s);
struct xmlrpc_value *xmlrpc_string_n(const char *s, size_t len);
/* A string holding a secret (password): wiped from memory when freed. */
struct xmlrpc_value *xmlrpc_secret(const char *s);
struct xmlrpc_value *xmlrpc_int(int64_t v);
struct xmlrpc_value *xmlrpc_bool(bool v);
struct xmlrpc_value *xmlrpc_double(double v);
struct xmlrpc_value *xmlrpc_datetime(const char *iso8601);
struct xmlrpc_value *xmlrpc_base64(const void *data, size_t len);
struct xmlrpc_value *xmlrpc_array(void);
struct xmlrpc_value *xmlrpc_struct(void);

/* Take ownership of v (freed on failure). 0, -ENOMEM, -EINVAL (not a container). */
int xmlrpc_array_append(struct xmlrpc_value *arr, struct xmlrpc_value *v);
int xmlrpc_struct_set(struct xmlrpc_value *st, const char *name, struct xmlrpc_value *v);

/* Frees the tree; NULL is a no-op. */
void xmlrpc_free(struct xmlrpc_value *v);
struct xmlrpc_value *xmlrpc_dup(const struct xmlrpc_value *v);

/* Lookups borrow: the result belongs to the tree. NULL when absent / wrong type. */
const struct xmlrpc_value *xmlrpc_struct_get(const struct xmlrpc_value *st, const char *name);
const char *xmlrpc_struct_get_str(const struct xmlrpc_value *st, const char *name);
const char *xmlrpc_get_str(const struct xmlrpc_value *v);
size_t xmlrpc_array_len(const struct xmlrpc_value *v); /* 0 if not an array */
const struct xmlrpc_value *xmlrpc_array_get(const struct xmlrpc_value *v, size_t i);
/* true when both trees hold the same types and values (members in order). */
bool xmlrpc_equal(const struct xmlrpc_value *a, const struct xmlrpc_value *b);
const char *xmlrpc_type_name(enum xmlrpc_type t);

/*
 * Builds <methodCall>. *out is malloc'd and NUL-terminated (caller frees;
 * when a parameter is secret, the caller wipes it with explicit_bzero
 * first). 0, -ENOMEM, or -EINVAL for a string that XML cannot carry
 * (invalid UTF-8, control characters) or a NaN/infinite double.
 */
int xmlrpc_encode_call(const char *method, const struct xmlrpc_value *const *params, size_t n,
		       char **out, size_t *len);
/* Builds <methodResponse> with one value, or a fault when fault is true (tests, simulator). */
int xmlrpc_encode_response(const struct xmlrpc_value *v, bool fault, char **out, size_t *len);

/*
 * Parses <methodResponse>. On success *out owns the value, and *fault says
 * whether it was a <fault> (then *out is the fault struct). Returns 0,
 * -EFBIG (len > max_len or > XMLRPC_MAX_INPUT), -EBADMSG (not well-formed
 * XML-RPC, with a reason in why when non-NULL), -ENOMEM.
 */
int xmlrpc_parse_response(const char *buf, size_t len, size_t max_len, struct xmlrpc_value **out,
			  bool *fault, char *why, size_t why_len);
/* Parses <methodCall>: method name (malloc'd) and params array (for tests). */
int xmlrpc_parse_call(const char *buf, size_t len, size_t max_len, char **method,
		      struct xmlrpc_value **params, char *why, size_t why_len);
