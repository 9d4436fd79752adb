// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the XML-RPC response parser (what a hostile or
 * broken server can feed isolab). Whatever parses must also encode and
 * parse back to the same tree.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xmlrpc_value *v = NULL, *again = NULL, *params = NULL;
	char *text = NULL, *method = NULL, why[128];
	size_t len;
	bool fault, fault2;

	if (xmlrpc_parse_response((const char *)data, size, 1 << 20, &v, &fault, why,
				  sizeof(why)) == 0) {
		if (xmlrpc_encode_response(v, fault, &text, &len) == 0) {
			if (xmlrpc_parse_response(text, len, 4u << 20, &again, &fault2, NULL, 0) ||
			    fault2 != fault || !xmlrpc_equal(v, again))
				abort(); /* round trip broke */
		}
		free(text);
		xmlrpc_free(again);
		xmlrpc_free(v);
	}
	if (xmlrpc_parse_call((const char *)data, size, 1 << 20, &method, &params, NULL, 0) == 0) {
		free(method);
		xmlrpc_free(params);
	}
	return 0;
}
