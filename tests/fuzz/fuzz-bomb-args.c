// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for isolab-bomb's option parser (bombs/options.c and
 * each kind's check()): the arguments a scenario's [bomb] section turns
 * into "KIND --key value".
 *
 * The input is argv after the program name: NUL-separated words. What the
 * parser accepts must be a configuration the kind can run: every option
 * within its table's range (read back through the same table), a kind
 * chosen, and the options' JSON (as the result prints it) parses as one
 * object.
 *
 * Two seams keep the fuzzer on this host: name lookups resolve numeric
 * addresses only (no DNS), and the disk kind's probe file is made in a
 * scratch directory whatever --dir says (-Wl,--wrap=mkostemp64).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bomb-args-json.h"
#include "bomb.h"
#include "net.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int net_lookup_name(const char *host, uint16_t port, int socktype, struct net_addr *out, char *why,
		    size_t whylen);
int __wrap_mkostemp64(char *tmpl, int flags);

#define MAX_ARGS 64

int net_lookup_name(const char *host, uint16_t port, int socktype, struct net_addr *out, char *why,
		    size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = socktype,
				  .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST };
	struct addrinfo *res = NULL;
	char portstr[8];
	int r;

	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r || !res) {
		snprintf(why, whylen, "cannot resolve '%s': %s", host, gai_strerror(r));
		return -EINVAL;
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static char scratch[64];

int __wrap_mkostemp64(char *tmpl, int flags)
{
	char path[96];
	int fd;

	(void)tmpl;
	snprintf(path, sizeof(path), "%s/probe-XXXXXX", scratch);
	fd = mkostemp(path, flags & ~O_DIRECT);
	if (fd >= 0)
		(void)unlink(path);
	return fd;
}

static void remove_scratch(void)
{
	(void)rmdir(scratch);
}

/* A value read back through its own option is within the table's range. */
static void check_options(const struct bomb_option *t, const struct bomb_config *cfg)
{
	for (; t && t->name; t++) {
		const char *f = (const char *)cfg + t->off;
		uint64_t v = 0;

		if (t->type != BOMB_OPT_UINT && t->type != BOMB_OPT_SIZE &&
		    t->type != BOMB_OPT_DURATION && t->type != BOMB_OPT_PERCENT)
			continue;
		if (t->size == 1)
			v = *(const uint8_t *)f;
		else if (t->size == 2)
			v = *(const uint16_t *)f;
		else if (t->size == 4)
			v = *(const uint32_t *)f;
		else if (t->size == 8)
			v = *(const uint64_t *)f;
		else
			abort(); /* a table row with a field size the parser cannot store */
		if (!(v >= t->min && v <= t->max) && !(v == 0 && (t->zero || !t->def)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct bomb_config cfg;
	char *argv[MAX_ARGS + 2], *copy, *json;
	size_t pos = 0, jlen = 0;
	int argc = 1, r;

	if (!ready) {
		snprintf(scratch, sizeof(scratch), "/tmp/isolab-fuzz-bomb-XXXXXX");
		if (!mkdtemp(scratch))
			abort();
		atexit(remove_scratch);
		ready = true;
	}
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = (char *)"isolab-bomb";
	while (pos < size && argc < MAX_ARGS) {
		argv[argc++] = copy + pos;
		pos += strlen(copy + pos) + 1;
	}
	argv[argc] = NULL;
	bomb_config_init(&cfg);
	r = bomb_parse_args(argc, argv, &cfg);
	if (r != BOMB_ARGS_RUN && r != BOMB_ARGS_EXIT && r != -EINVAL)
		abort();
	if (r == BOMB_ARGS_RUN) {
		json_error_t jerr;
		json_t *j;

		if (!cfg.ops || cfg.intensity < 1 || cfg.intensity > 100)
			abort();
		check_options(bomb_common_options, &cfg);
		check_options(cfg.ops->options, &cfg);
		json = fuzz_bomb_options_json(&cfg, &jlen);
		if (json) {
			j = json_loadb(json, jlen, 0, &jerr);
			if (!j || !json_is_object(j)) {
				fprintf(stderr, "options JSON: %s: %s\n", jerr.text, json);
				abort();
			}
			json_decref(j);
			free(json);
		}
	}
	free(copy);
	return 0;
}
