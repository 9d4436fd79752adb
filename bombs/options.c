// SPDX-License-Identifier: MIT
/*
 * The generic option parser: getopt_long over the common options and every
 * kind's table, then each value read by its type (lib/parse.c for numbers)
 * into the field the table names. No kind is named here.
 */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "usage.h"

#define MAX_DURATION_NS (366ULL * 24 * 3600 * NSEC_PER_SEC)
#define DAY_NS		(24ULL * 3600 * NSEC_PER_SEC)

static const char *const engine_names[] = { "native", "stress-ng", NULL };

const struct bomb_option bomb_common_options[] = {
	{ .name = "duration",
	  .type = BOMB_OPT_DURATION,
	  .metavar = "TIME",
	  .help = "how long the load runs (s/m/h/ms)",
	  .min = 0,
	  .max = MAX_DURATION_NS,
	  .zero = "until SIGINT/SIGTERM",
	  .def = "60s",
	  BOMB_FIELD(duration_ns),
	  .json = "duration_s" },
	{ .name = "intensity",
	  .type = BOMB_OPT_PERCENT,
	  .metavar = "PCT",
	  .help = "share of every 10 ms period each worker runs (\"50\" or \"50%\")",
	  .unit = "%",
	  .min = 1,
	  .max = 100,
	  .def = "100",
	  BOMB_FIELD(intensity),
	  .json = "intensity_pct" },
	{ .name = "engine",
	  .type = BOMB_OPT_CHOICE,
	  .help = "native, or stress-ng's nearest stressor under the same bounds",
	  .choices = engine_names,
	  .def = "native",
	  BOMB_FIELD(engine) },
	{ .name = "json",
	  .type = BOMB_OPT_FLAG,
	  .help = "print one JSON result on stdout",
	  BOMB_FIELD(json) },
	{ .name = "quiet",
	  .type = BOMB_OPT_FLAG,
	  .help = "no human text on stderr",
	  BOMB_FIELD(quiet) },
	{ .name = "ready-fd",
	  .type = BOMB_OPT_FD,
	  .metavar = "FD",
	  .help = "write \"isolab-ready\\n\" to FD once the load runs",
	  .min = 0,
	  .max = INT32_MAX,
	  .def_text = "none",
	  BOMB_FIELD(ready_fd) },
	{ .name = "help",
	  .short_name = 'h',
	  .type = BOMB_OPT_ACTION,
	  .help = "this help (KIND --help: the kind's own options)" },
	{ .name = "version",
	  .short_name = 'V',
	  .type = BOMB_OPT_ACTION,
	  .help = "print the version" },
	{ .name = "list-kinds",
	  .type = BOMB_OPT_ACTION,
	  .help = "print the kinds, one per line (for tools)" },
	{ .name = "list-options",
	  .type = BOMB_OPT_ACTION,
	  .help = "print the common long options, one per line; with KIND, the kind's own "
		  "(for tools)" },
	{ 0 },
};

const struct bomb_option *bomb_option_find(const struct bomb_option *table, const char *name)
{
	for (const struct bomb_option *o = table; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

void bomb_config_init(struct bomb_config *cfg)
{
	*cfg = (struct bomb_config){ .ready_fd = -1 };
	for (const struct bomb_option *o = bomb_common_options; o->name; o++)
		if (o->def)
			(void)bomb_option_parse(o, o->def, cfg);
}

/* --- reading one value ---------------------------------------------------- */

static void store_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case 1:
		*(bool *)field = v != 0;
		break;
	case 2:
		*(uint16_t *)field = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)field = (uint32_t)v;
		break;
	default:
		*(uint64_t *)field = v;
	}
}

static uint64_t load_uint(const void *field, size_t size)
{
	switch (size) {
	case 1:
		return *(const bool *)field;
	case 2:
		return *(const uint16_t *)field;
	case 4:
		return *(const uint32_t *)field;
	default:
		return *(const uint64_t *)field;
	}
}

const char *bomb_option_range(const struct bomb_option *o, char *buf, size_t len)
{
	char a[32], b[32];
	int n = 0;

	buf[0] = '\0';
	if (o->zero && o->min > 0)
		n = snprintf(buf, len, "0 = %s, or ", o->zero);
	if (n < 0 || (size_t)n >= len)
		return buf;
	switch (o->type) {
	case BOMB_OPT_UINT:
	case BOMB_OPT_PERCENT:
		snprintf(buf + n, len - (size_t)n, "%llu-%llu", (unsigned long long)o->min,
			 (unsigned long long)o->max);
		break;
	case BOMB_OPT_SIZE:
		snprintf(buf + n, len - (size_t)n, "%s to %s", fmt_size(o->min, a, sizeof(a)),
			 fmt_size(o->max, b, sizeof(b)));
		break;
	case BOMB_OPT_DURATION:
		if (o->max % DAY_NS == 0)
			snprintf(b, sizeof(b), "%llu days", (unsigned long long)(o->max / DAY_NS));
		else
			fmt_duration(o->max, b, sizeof(b));
		if (o->min)
			fmt_duration(o->min, a, sizeof(a));
		snprintf(buf + n, len - (size_t)n, "%s to %s", o->min ? a : "0", b);
		break;
	case BOMB_OPT_HOSTPORT:
		snprintf(buf + n, len - (size_t)n, "port 1-65535");
		break;
	default:
		break;
	}
	return buf;
}

static int bad(const struct bomb_option *o, const char *arg, const char *why)
{
	log_error("--%s '%s': %s", o->name, arg, why);
	return -EINVAL;
}

/* A number's error: out of range or malformed (hint: what it should look like). */
static int num_err(const struct bomb_option *o, const char *arg, int r, const char *hint)
{
	char why[200], range[120];

	bomb_option_range(o, range, sizeof(range));
	if (r == -ERANGE || !hint)
		snprintf(why, sizeof(why), "%s (%s)",
			 r == -ERANGE ? "out of range" : "not a number", range);
	else
		snprintf(why, sizeof(why), "%s", hint);
	return bad(o, arg, why);
}

/* UINT, PERCENT, SIZE, DURATION: [min, max], or 0 when o->zero says what it means. */
static int read_number(const struct bomb_option *o, const char *arg, uint64_t *v)
{
	uint64_t lo = o->zero ? 0 : o->min;
	const char *hint = NULL;
	char buf[24];
	size_t n;
	int r;

	switch (o->type) {
	case BOMB_OPT_SIZE:
		r = parse_size(arg, lo, o->max, v);
		hint = parse_size_hint();
		break;
	case BOMB_OPT_DURATION:
		r = parse_duration(arg, lo, o->max, v);
		hint = parse_duration_hint();
		break;
	case BOMB_OPT_PERCENT:
		/* "50" and "50%" both mean fifty percent */
		n = strlen(arg);
		if (n && n < sizeof(buf) && arg[n - 1] == '%') {
			memcpy(buf, arg, n - 1);
			buf[n - 1] = '\0';
		} else {
			snprintf(buf, sizeof(buf), "%s", n < sizeof(buf) ? arg : "x");
		}
		r = parse_u64(buf, lo, o->max, v);
		break;
	default:
		r = parse_u64(arg, lo, o->max, v);
	}
	if (!r && *v && *v < o->min)
		r = -ERANGE; /* between 0 and min when 0 is a special value */
	return r ? num_err(o, arg, r, hint) : 0;
}

static int read_choice(const struct bomb_option *o, const char *arg, void *field)
{
	char why[160] = "not one of";

	for (size_t i = 0; o->choices[i]; i++) {
		if (!strcmp(arg, o->choices[i])) {
			store_uint(field, o->size, i);
			return 0;
		}
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s %s", i ? "," : "",
			 o->choices[i]);
	}
	return bad(o, arg, why);
}

static int read_fd(const struct bomb_option *o, const char *arg, void *field)
{
	uint64_t v;
	int r = parse_u64(arg, o->min, o->max, &v);

	if (r)
		return bad(o, arg, "not a file descriptor number");
	if (fcntl((int)v, F_GETFD) < 0)
		return bad(o, arg, "not an open file descriptor");
	store_uint(field, o->size, v);
	return 0;
}

static int read_hostport(const struct bomb_option *o, const char *arg, struct bomb_config *cfg)
{
	char why[64];
	uint16_t port;

	if (parse_hostport(arg, o->flags & BOMB_OF_NEED_HOST, false, (char *)cfg + o->off, o->size,
			   &port)) {
		snprintf(why, sizeof(why), "not %s (port 1-65535)", o->metavar);
		return bad(o, arg, why);
	}
	*(uint16_t *)((char *)cfg + o->off2) = port;
	return 0;
}

int bomb_option_parse(const struct bomb_option *o, const char *arg, struct bomb_config *cfg)
{
	char *field = (char *)cfg + o->off;
	uint64_t v;
	int r;

	switch (o->type) {
	case BOMB_OPT_FLAG:
		store_uint(field, o->size, 1);
		return 0;
	case BOMB_OPT_UINT:
	case BOMB_OPT_SIZE:
	case BOMB_OPT_DURATION:
	case BOMB_OPT_PERCENT:
		r = read_number(o, arg, &v);
		if (!r)
			store_uint(field, o->size, v);
		return r;
	case BOMB_OPT_CHOICE:
		return read_choice(o, arg, field);
	case BOMB_OPT_PATH:
		if (!*arg || strlen(arg) >= o->size)
			return bad(o, arg, "empty or too long");
		memcpy(field, arg, strlen(arg) + 1);
		return 0;
	case BOMB_OPT_HOSTPORT:
		return read_hostport(o, arg, cfg);
	case BOMB_OPT_FD:
		return read_fd(o, arg, field);
	default:
		return bad(o, arg, "takes no value");
	}
}

/* --- the result's "options" object ---------------------------------------- */

static void option_json(const struct bomb_option *o, const struct bomb_config *cfg,
			struct json_writer *w)
{
	const char *field = (const char *)cfg + o->off;
	char addr[BOMB_HOST_MAX + 16];
	uint16_t port;

	switch (o->type) {
	case BOMB_OPT_FLAG:
		json_kv_bool(w, o->json, load_uint(field, o->size));
		break;
	case BOMB_OPT_DURATION:
		json_kv_double(w, o->json, ns_to_s(load_uint(field, o->size)));
		break;
	case BOMB_OPT_CHOICE:
		json_kv_str(w, o->json, o->choices[load_uint(field, o->size)]);
		break;
	case BOMB_OPT_PATH:
		json_kv_str(w, o->json, field);
		break;
	case BOMB_OPT_HOSTPORT:
		port = *(const uint16_t *)((const char *)cfg + o->off2);
		if (!*field)
			snprintf(addr, sizeof(addr), "%u", (unsigned)port);
		else
			snprintf(addr, sizeof(addr), strchr(field, ':') ? "[%s]:%u" : "%s:%u",
				 field, (unsigned)port);
		json_kv_str(w, o->json, addr);
		break;
	default:
		json_kv_uint(w, o->json, load_uint(field, o->size));
	}
}

void bomb_options_json(const struct bomb_option *table, const struct bomb_config *cfg,
		       struct json_writer *w)
{
	for (const struct bomb_option *o = table; o && o->name; o++)
		if (o->json)
			option_json(o, cfg, w);
}

/* --- the command line ----------------------------------------------------- */

struct parse {
	const struct bomb_ops *const *kinds;
	const struct bomb_option **known; /* what getopt knows: common, then every kind's */
	size_t nknown;
	struct option *longopts;
	char shortopts[16];
	struct {
		const struct bomb_option *o; /* as getopt knew it (maybe another kind's) */
		const char *arg;
	} * seen;
	size_t nseen;
	const char *kind;
	bool help, list_kinds, list_options;
};

static bool takes_value(const struct bomb_option *o)
{
	return o->type != BOMB_OPT_FLAG && o->type != BOMB_OPT_ACTION;
}

static bool known_has(const struct parse *p, const char *name)
{
	for (size_t i = 0; i < p->nknown; i++)
		if (!strcmp(p->known[i]->name, name))
			return true;
	return false;
}

/* Every option name once, in a getopt_long table whose vals index p->known. */
static int parse_init(struct parse *p, const struct bomb_ops *const *kinds, int argc)
{
	size_t max = 0, ns = 1;

	memset(p, 0, sizeof(*p));
	p->kinds = kinds;
	for (const struct bomb_option *o = bomb_common_options; o->name; o++)
		max++;
	for (const struct bomb_ops *const *k = kinds; *k; k++)
		for (const struct bomb_option *o = (*k)->options; o && o->name; o++)
			max++;
	p->known = calloc(max, sizeof(*p->known));
	p->longopts = calloc(max + 1, sizeof(*p->longopts));
	p->seen = calloc((size_t)argc + 1, sizeof(*p->seen));
	if (!p->known || !p->longopts || !p->seen) {
		log_error("out of memory");
		return -ENOMEM;
	}
	p->shortopts[0] = '+'; /* stop at the first non-option: the kind */
	for (const struct bomb_option *o = bomb_common_options; o->name; o++) {
		p->known[p->nknown++] = o;
		if (o->short_name && ns < sizeof(p->shortopts) - 1)
			p->shortopts[ns++] = o->short_name;
	}
	for (const struct bomb_ops *const *k = kinds; *k; k++)
		for (const struct bomb_option *o = (*k)->options; o && o->name; o++)
			if (!known_has(p, o->name))
				p->known[p->nknown++] = o;
	for (size_t i = 0; i < p->nknown; i++)
		p->longopts[i] =
			(struct option){ p->known[i]->name,
					 takes_value(p->known[i]) ? required_argument : no_argument,
					 NULL, 256 + (int)i };
	return 0;
}

static void parse_done(struct parse *p)
{
	free(p->known);
	free(p->longopts);
	free(p->seen);
}

static const struct bomb_option *known_of(const struct parse *p, int c)
{
	if (c >= 256 && (size_t)(c - 256) < p->nknown)
		return p->known[c - 256];
	for (size_t i = 0; i < p->nknown; i++)
		if (c && p->known[i]->short_name == c)
			return p->known[i];
	return NULL;
}

/* Runs getopt_long over argv: 0, BOMB_ARGS_EXIT (--version) or -EINVAL. */
static int parse_scan(struct parse *p, int argc, char **argv)
{
	const struct bomb_option *o;
	int c;

	optind = 0; /* full re-initialisation, so tests can parse again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL)) != -1 ||
	       optind < argc) {
		if (c == -1) {
			/* a non-option: the kind (once), then options may follow */
			if (p->kind) {
				log_error("unexpected argument '%s'", argv[optind]);
				return -EINVAL;
			}
			p->kind = argv[optind++];
			continue;
		}
		o = known_of(p, c == '?' || c == ':' ? optopt : c);
		if (c == '?' || c == ':' || !o) {
			if (c == ':' || (o && takes_value(o)))
				log_error("option '%s' needs a value", argv[optind - 1]);
			else
				log_error("unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
		if (o->type != BOMB_OPT_ACTION) {
			p->seen[p->nseen].o = o;
			p->seen[p->nseen++].arg = optarg;
		} else if (!strcmp(o->name, "version")) {
			printf("isolab-bomb %s\n", ISOLAB_VERSION);
			return BOMB_ARGS_EXIT;
		} else {
			p->help |= !strcmp(o->name, "help");
			p->list_kinds |= !strcmp(o->name, "list-kinds");
			p->list_options |= !strcmp(o->name, "list-options");
		}
	}
	return 0;
}

static const struct bomb_ops *find_kind(const struct bomb_ops *const *kinds, const char *name)
{
	for (const struct bomb_ops *const *k = kinds; *k; k++)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}

/* "cpu, mem, ... or net-recv" */
static const char *kinds_text(const struct bomb_ops *const *kinds, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct bomb_ops *const *k = kinds; *k && n < len; k++) {
		int w = snprintf(buf + n, len - n, "%s%s",
				 k == kinds ? ""
				 : k[1]	    ? ", "
					    : " or ",
				 (*k)->name);

		n += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

/* The actions that print and exit; -1 when there is none to take. */
static int parse_actions(const struct parse *p, const struct bomb_ops *ops)
{
	if (p->list_kinds) {
		bomb_list_kinds(stdout, p->kinds);
		return BOMB_ARGS_EXIT;
	}
	if (p->help) {
		if (ops)
			bomb_kind_usage(stdout, ops);
		else
			bomb_usage(stdout, p->kinds);
		return BOMB_ARGS_EXIT;
	}
	if (p->list_options) {
		bomb_list_options(stdout, ops ? ops->options : bomb_common_options);
		return BOMB_ARGS_EXIT;
	}
	return -1;
}

/* The kind's defaults, then the command line's values, then what is required. */
static int parse_apply(const struct parse *p, struct bomb_config *cfg)
{
	const struct bomb_ops *ops = cfg->ops;

	for (const struct bomb_option *o = ops->options; o && o->name; o++)
		if (o->def && bomb_option_parse(o, o->def, cfg))
			return -EINVAL;
	for (size_t i = 0; i < p->nseen; i++) {
		const char *name = p->seen[i].o->name;
		const struct bomb_option *o = bomb_option_find(bomb_common_options, name);

		if (!o)
			o = bomb_option_find(ops->options, name);
		if (!o) {
			log_error("option '--%s' does not apply to kind %s", name, ops->name);
			return -EINVAL;
		}
		if (bomb_option_parse(o, p->seen[i].arg ? p->seen[i].arg : "", cfg))
			return -EINVAL;
		if (o->set_off)
			*(bool *)((char *)cfg + o->set_off) = true;
	}
	for (const struct bomb_option *o = ops->options; o && o->name; o++) {
		bool given = false;

		for (size_t i = 0; i < p->nseen && !given; i++)
			given = !strcmp(p->seen[i].o->name, o->name);
		if ((o->flags & BOMB_OF_REQUIRED) && !given) {
			log_error("%s: --%s %s is required", ops->name, o->name,
				  o->metavar ? o->metavar : "");
			return -EINVAL;
		}
	}
	return 0;
}

int bomb_parse_args_from(const struct bomb_ops *const *kinds, int argc, char **argv,
			 struct bomb_config *cfg)
{
	struct parse p;
	char names[200];
	int r;

	r = parse_init(&p, kinds, argc);
	if (!r)
		r = parse_scan(&p, argc, argv);
	if (r)
		goto out;
	r = -EINVAL;
	if (p.kind) {
		cfg->ops = find_kind(kinds, p.kind);
		if (!cfg->ops) {
			log_error("unknown kind '%s' (%s)", p.kind,
				  kinds_text(kinds, names, sizeof(names)));
			goto out;
		}
	} else if (!p.help && !p.list_kinds && !p.list_options) {
		log_error("no KIND given (%s; see --help)",
			  kinds_text(kinds, names, sizeof(names)));
		goto out;
	}
	r = parse_actions(&p, p.kind ? cfg->ops : NULL);
	if (r >= 0)
		goto out;
	r = parse_apply(&p, cfg);
	if (r)
		goto out;
	r = -EINVAL;
	if (cfg->json && cfg->ready_fd == 1) {
		log_error(
			"--ready-fd 1: stdout carries the --json result; use 2 (stderr) or a pipe");
		goto out;
	}
	if (cfg->ops->check && cfg->ops->check(cfg))
		goto out;
	r = BOMB_ARGS_RUN;
out:
	parse_done(&p);
	return r;
}

int bomb_parse_args(int argc, char **argv, struct bomb_config *cfg)
{
	return bomb_parse_args_from(bomb_kinds, argc, argv, cfg);
}
