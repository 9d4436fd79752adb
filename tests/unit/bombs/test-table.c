// SPDX-License-Identifier: MIT
/*
 * The option tables, kind by kind: every option's default parses, its range
 * is enforced at both ends, it shows in --help and --list-options; and a
 * kind that exists only in this file runs through the generic parser, help
 * and result printing from its table row alone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bomb-kinds.h"
#include "bomb.h"
#include "json.h"
#include "options.h"
#include "run.h"
#include "usage.h"

#define MAX_ARGS 16

/* Runs of spaces and newlines as one space: help text wraps anywhere. */
static char *squash(char *s)
{
	char *out = s;

	for (const char *p = s; *p; p++)
		if (!((*p == ' ' || *p == '\n') && out > s && out[-1] == ' '))
			*out++ = *p == '\n' ? ' ' : *p;
	*out = '\0';
	return s;
}

/* KIND --help (or the general one, ops NULL), squashed; freed by the caller. */
static char *capture_usage(const struct bomb_ops *ops)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (ops)
		bomb_kind_usage(f, ops);
	else
		bomb_usage(f, bomb_kinds);
	assert_int_equal(fclose(f), 0);
	return squash(buf);
}

static char *capture_list(const struct bomb_option *table)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	bomb_list_options(f, table);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static bool parses(const struct bomb_option *o, const char *arg)
{
	struct bomb_config cfg;

	bomb_config_init(&cfg);
	return bomb_option_parse(o, arg, &cfg) == 0;
}

/* A number in the option's own syntax: bytes, nanoseconds or plain. */
static const char *num(const struct bomb_option *o, uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%llu%s", (unsigned long long)v,
		 o->type == BOMB_OPT_DURATION ? "ns" : "");
	return buf;
}

static void check_range(const char *kind, const struct bomb_option *o)
{
	char a[48];

	if (!parses(o, num(o, o->min, a, sizeof(a))) || !parses(o, num(o, o->max, a, sizeof(a))))
		fail_msg("%s --%s: an end of its range is refused", kind, o->name);
	if (parses(o, num(o, o->max + 1, a, sizeof(a))))
		fail_msg("%s --%s: %s above its range is taken", kind, o->name, a);
	if (o->min > 1 && parses(o, num(o, o->min - 1, a, sizeof(a))))
		fail_msg("%s --%s: %s below its range is taken", kind, o->name, a);
	if (parses(o, "0") != (o->min == 0 || o->zero != NULL))
		fail_msg("%s --%s: 0 is %s", kind, o->name, parses(o, "0") ? "taken" : "refused");
	if (parses(o, "12abc") || parses(o, ""))
		fail_msg("%s --%s: junk is taken", kind, o->name);
}

static void check_value(const char *kind, const struct bomb_option *o)
{
	struct bomb_config cfg;
	char longpath[PATH_MAX + 8];

	switch (o->type) {
	case BOMB_OPT_UINT:
	case BOMB_OPT_SIZE:
	case BOMB_OPT_DURATION:
	case BOMB_OPT_PERCENT:
		check_range(kind, o);
		break;
	case BOMB_OPT_CHOICE:
		for (size_t i = 0; o->choices[i]; i++) {
			bomb_config_init(&cfg);
			assert_int_equal(bomb_option_parse(o, o->choices[i], &cfg), 0);
			assert_int_equal(*(int *)((char *)&cfg + o->off), (int)i);
		}
		assert_false(parses(o, "bogus"));
		break;
	case BOMB_OPT_PATH:
		memset(longpath, 'a', sizeof(longpath) - 1);
		longpath[sizeof(longpath) - 1] = '\0';
		assert_true(parses(o, "/tmp"));
		assert_false(parses(o, ""));
		assert_false(parses(o, longpath));
		break;
	case BOMB_OPT_HOSTPORT:
		assert_true(parses(o, "127.0.0.1:5000"));
		assert_true(parses(o, "[::1]:5000"));
		assert_int_equal(parses(o, "5000"), !(o->flags & BOMB_OF_NEED_HOST));
		assert_false(parses(o, "127.0.0.1:0"));
		assert_false(parses(o, "127.0.0.1:65536"));
		break;
	case BOMB_OPT_FD:
		assert_true(parses(o, "2"));
		assert_false(parses(o, "987654"));
		assert_false(parses(o, "-1"));
		break;
	case BOMB_OPT_FLAG:
		bomb_config_init(&cfg);
		assert_int_equal(bomb_option_parse(o, "", &cfg), 0);
		assert_true(*((char *)&cfg + o->off));
		break;
	case BOMB_OPT_ACTION:
		break;
	}
}

/* Everything the table promises about one option. */
static void check_option(const char *kind, const struct bomb_option *o, const char *help,
			 const char *list)
{
	char want[80], range[120];

	snprintf(want, sizeof(want), "--%s", o->name);
	if (!strstr(help, want))
		fail_msg("%s --help does not show %s:\n%s", kind, want, help);
	snprintf(want, sizeof(want), "--%s\n", o->name);
	if (!strstr(list, want))
		fail_msg("%s --list-options does not list %s", kind, want);
	bomb_option_range(o, range, sizeof(range));
	if (range[0] && o->type != BOMB_OPT_HOSTPORT && !strstr(help, range))
		fail_msg("%s --help does not show the range of --%s (%s)", kind, o->name, range);
	assert_non_null(o->help);
	if (o->type != BOMB_OPT_FLAG && o->type != BOMB_OPT_ACTION && o->type != BOMB_OPT_CHOICE)
		assert_non_null(o->metavar);
	if (o->def && !parses(o, o->def))
		fail_msg("%s --%s: its default '%s' does not parse", kind, o->name, o->def);
	for (const char *k = o->json; k && *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
			fail_msg("%s --%s: JSON key '%s' is not snake_case", kind, o->name,
				 o->json);
	check_value(kind, o);
}

static void every_option_parses_range_checks_and_shows_in_help(void **state)
{
	char *help = capture_usage(NULL), *list = capture_list(bomb_common_options);
	size_t n = 0, common, kinds = 0;

	for (const struct bomb_option *o = bomb_common_options; o->name; o++, n++)
		check_option("isolab-bomb", o, help, list);
	common = n;
	free(help);
	free(list);
	for (const struct bomb_ops *const *k = bomb_kinds; *k; k++, kinds++) {
		help = capture_usage(*k);
		list = capture_list((*k)->options);
		for (const struct bomb_option *o = (*k)->options; o && o->name; o++, n++) {
			check_option((*k)->name, o, help, list);
			if (bomb_option_find(bomb_common_options, o->name))
				fail_msg("%s --%s hides a common option", (*k)->name, o->name);
		}
		free(help);
		free(list);
	}
	/* the tables were walked: the common ones, then at least one per kind */
	assert_true(common >= 10);
	assert_true(kinds >= 6);
	assert_true(n >= common + kinds);
}

static bool takes_value(const struct bomb_option *o)
{
	return o->type != BOMB_OPT_FLAG && o->type != BOMB_OPT_ACTION;
}

/* getopt knows one option per name: kinds sharing a name must agree on its value. */
static void same_name_takes_a_value_in_every_kind(void **state)
{
	for (const struct bomb_ops *const *a = bomb_kinds; *a; a++)
		for (const struct bomb_option *o = (*a)->options; o->name; o++)
			for (const struct bomb_ops *const *b = bomb_kinds; *b; b++) {
				const struct bomb_option *p =
					bomb_option_find((*b)->options, o->name);

				if (p && takes_value(p) != takes_value(o))
					fail_msg("--%s: %s and %s disagree", o->name, (*a)->name,
						 (*b)->name);
			}
}

static void kinds_table_follows_the_shared_list(void **state)
{
	char names[128];
	size_t i = 0;

	for (; bomb_kinds[i]; i++) {
		assert_non_null(bomb_kind_name(i));
		assert_string_equal(bomb_kinds[i]->name, bomb_kind_name(i));
		assert_true(bomb_kind_known(bomb_kinds[i]->name));
	}
	assert_null(bomb_kind_name(i));
	assert_false(bomb_kind_known("gpu"));
	assert_string_equal(bomb_kind_names(names, sizeof(names)),
			    "cpu, mem, fork, disk, net-send or net-recv");
}

/* --- a kind that exists only here ----------------------------------------- */

static const char *const fake_flavours[] = { "plain", "spicy", NULL };

static const struct bomb_option fake_options[] = {
	{ .name = "level",
	  .type = BOMB_OPT_UINT,
	  .metavar = "N",
	  .help = "how hard",
	  .unit = "levels",
	  .min = 1,
	  .max = 9,
	  .def = "3",
	  BOMB_FIELD(streams),
	  .json = "level" },
	{ .name = "flavour",
	  .type = BOMB_OPT_CHOICE,
	  .help = "which taste",
	  .choices = fake_flavours,
	  .def = "plain",
	  BOMB_FIELD(mode),
	  .json = "flavour" },
	BOMB_OPT_THREADS("workers", "2", NULL),
	{ 0 },
};

static int fake_check(struct bomb_config *cfg)
{
	return cfg->streams == 7 ? -EINVAL : 0; /* a cross-option check of its own */
}

static int fake_start(struct bomb_ctx *ctx)
{
	return 0;
}

static int fake_finish(struct bomb_ctx *ctx)
{
	return 0;
}

/* Nested objects, an array, and strings that the old key=value rewrite mangled. */
static void fake_metrics(const struct bomb_ctx *ctx, struct json_writer *w)
{
	json_kv_uint(w, "level_done", ctx->cfg->streams);
	json_key(w, "latency");
	json_obj_begin(w);
	json_kv_double(w, "p50_ms", 1.5);
	json_key(w, "tail");
	json_obj_begin(w);
	json_kv_double(w, "p99_ms", 4.25);
	json_obj_end(w);
	json_obj_end(w);
	json_kv_str(w, "note", "a, b: \"c\"");
	json_key(w, "steps");
	json_arr_begin(w);
	json_uint(w, 1);
	json_obj_begin(w);
	json_kv_str(w, "at", "x=1");
	json_obj_end(w);
	json_arr_end(w);
	json_kv_null(w, "missing");
}

static const struct bomb_ops fake_ops = {
	.name = "fake",
	.summary = "a kind from a test",
	.options = fake_options,
	.check = fake_check,
	.start = fake_start,
	.finish = fake_finish,
	.metrics_json = fake_metrics,
};

static const struct bomb_ops *const fake_kinds[] = { &bomb_cpu_ops, &fake_ops, NULL };

static int parse_fake(const char *line, struct bomb_config *cfg)
{
	char buf[256], *argv[MAX_ARGS + 1], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "isolab-bomb %s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < MAX_ARGS;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	bomb_config_init(cfg);
	return bomb_parse_args_from(fake_kinds, argc, argv, cfg);
}

static void a_new_kind_needs_only_its_table_row(void **state)
{
	struct bomb_config cfg;
	char *help;

	assert_int_equal(parse_fake("fake", &cfg), BOMB_ARGS_RUN);
	assert_ptr_equal(cfg.ops, &fake_ops);
	assert_int_equal(cfg.streams, 3); /* its defaults */
	assert_int_equal(cfg.mode, 0);
	assert_int_equal(cfg.threads, 2);
	assert_int_equal(parse_fake("--duration 5s fake --level 9 --flavour spicy", &cfg),
			 BOMB_ARGS_RUN);
	assert_int_equal(cfg.streams, 9);
	assert_int_equal(cfg.mode, 1);
	assert_int_equal(cfg.duration_ns, 5000000000ULL);
	assert_int_equal(parse_fake("fake --level 10", &cfg), -EINVAL);
	assert_int_equal(parse_fake("fake --level 7", &cfg), -EINVAL);
	assert_int_equal(parse_fake("fake --flavour sour", &cfg), -EINVAL);
	assert_int_equal(parse_fake("cpu --level 3", &cfg), -EINVAL); /* not cpu's */
	assert_int_equal(parse_fake("fake --bytes 1M", &cfg), -EINVAL);
	assert_int_equal(parse_fake("mem", &cfg), -EINVAL); /* not in this table */
	assert_int_equal(parse_fake("fake --list-options", &cfg), BOMB_ARGS_EXIT);

	help = capture_usage(&fake_ops);
	assert_non_null(strstr(help, "--level N"));
	assert_non_null(strstr(help, "[default 3; 1-9 levels]"));
	assert_non_null(strstr(help, "--flavour plain|spicy"));
	free(help);
}

static char *render(const struct bomb_result *res, enum bomb_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(bomb_result_print(res, fmt, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void result_renders_as_json_and_text_from_one_struct(void **state)
{
	struct bomb_config cfg;
	struct bomb_ctx ctx = { .cfg = &cfg };
	struct bomb_result res = { .cfg = &cfg, .ctx = &ctx };
	char *json, *text;

	assert_int_equal(parse_fake("fake --level 5 --flavour spicy --duration 2s", &cfg),
			 BOMB_ARGS_RUN);
	res.out.status = RESULT_OK;
	res.out.elapsed_ns = 2000000000ULL;
	json = render(&res, BOMB_FORMAT_JSON);
	text = render(&res, BOMB_FORMAT_HUMAN);
	assert_non_null(strstr(json, "\"kind\":\"fake\""));
	assert_non_null(strstr(json, "\"options\":{\"duration_s\":2,\"intensity_pct\":100,"
				     "\"level\":5,\"flavour\":\"spicy\",\"threads\":2}"));
	assert_non_null(strstr(json, "\"metrics\":{\"level_done\":5,\"latency\":{\"p50_ms\":1.5,"
				     "\"tail\":{\"p99_ms\":4.25}},\"note\":\"a, b: \\\"c\\\"\","
				     "\"steps\":[1,{\"at\":\"x=1\"}],\"missing\":null}}\n"));
	assert_string_equal(text, "isolab-bomb fake (native): ok after 2.00 s\n"
				  "  level_done=5 latency.p50_ms=1.5 latency.tail.p99_ms=4.25 "
				  "note=\"a, b: \\\"c\\\"\" steps=[1 {at=\"x=1\"}] missing=null\n");
	free(json);
	free(text);
}

/* '=' signs on the metrics line (after the status line). */
static unsigned count_eq(const char *text)
{
	unsigned n = 0;

	for (const char *p = strchr(text, '\n'); p && *p; p++)
		n += *p == '=';
	return n;
}

/* Every real kind: each metric of the JSON result is in the human text too. */
static void every_kind_prints_the_same_metrics_as_text_and_json(void **state)
{
	for (const struct bomb_ops *const *k = bomb_kinds; *k; k++) {
		struct bomb_config cfg;
		struct bomb_ctx ctx = { .cfg = &cfg }; /* no priv: a run that did nothing */
		struct bomb_result res = { .cfg = &cfg, .ctx = &ctx };
		char *json, *text, *p;
		unsigned keys = 0;

		bomb_config_init(&cfg);
		cfg.ops = *k;
		cfg.threads = 1;
		json = render(&res, BOMB_FORMAT_JSON);
		text = render(&res, BOMB_FORMAT_HUMAN);
		p = strstr(json, "\"metrics\":{");
		assert_non_null(p);
		for (p = strchr(p, '{'); (p = strchr(p, '"')); keys++) {
			char want[80];
			size_t n = strcspn(p + 1, "\"");

			snprintf(want, sizeof(want), " %.*s=", (int)n, p + 1);
			if (!strstr(text, want))
				fail_msg("%s: %s is in the JSON, not in the text:\n%s\n%s",
					 (*k)->name, want, json, text);
			p = strpbrk(p + n + 2, ",}"); /* past the value */
			assert_non_null(p);
		}
		if (keys < 3 || keys != count_eq(text))
			fail_msg("%s: %u metrics in the JSON, %u in the text", (*k)->name, keys,
				 count_eq(text));
		free(json);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_option_parses_range_checks_and_shows_in_help),
		cmocka_unit_test(same_name_takes_a_value_in_every_kind),
		cmocka_unit_test(kinds_table_follows_the_shared_list),
		cmocka_unit_test(a_new_kind_needs_only_its_table_row),
		cmocka_unit_test(result_renders_as_json_and_text_from_one_struct),
		cmocka_unit_test(every_kind_prints_the_same_metrics_as_text_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
