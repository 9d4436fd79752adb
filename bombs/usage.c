// SPDX-License-Identifier: MIT
#include "usage.h"

#include <stdbool.h>
#include <string.h>

#include "options.h"

#define HELP_WIDTH 79
#define HELP_COL   26 /* where an option's text starts */

/* Writes text word by word from column col, wrapping at HELP_WIDTH to HELP_COL. */
static void wrap(FILE *f, const char *text, size_t col)
{
	const char *p = text;

	while (*p) {
		size_t w = strcspn(p, " ");

		if (col > HELP_COL && col + 1 + w > HELP_WIDTH) {
			fprintf(f, "\n%*s", HELP_COL, "");
			col = HELP_COL;
		} else if (col > HELP_COL) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, w, f);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* "fill|bandwidth" for a choice, else the metavar ("" for flags). */
static const char *metavar(const struct bomb_option *o, char *buf, size_t len)
{
	size_t n = 0;

	if (o->type != BOMB_OPT_CHOICE)
		return o->metavar ? o->metavar : "";
	buf[0] = '\0';
	for (size_t i = 0; o->choices[i] && n < len; i++) {
		int w = snprintf(buf + n, len - n, "%s%s", i ? "|" : "", o->choices[i]);

		n += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

/* Appends " [" (the first time, *open false) or "; ", then text, to buf. */
static void detail(char *buf, size_t len, bool *open, const char *text)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", *open ? "; " : " [", text);
	*open = true;
}

/* The help text, then what the table says: [required; default; range; 0]. */
static void option_text(const struct bomb_option *o, char *buf, size_t len)
{
	char range[120], d[200];
	bool open = false;

	snprintf(buf, len, "%s", o->help ? o->help : "");
	if (o->flags & BOMB_OF_REQUIRED)
		detail(buf, len, &open, "required");
	if (o->def) {
		snprintf(d, sizeof(d), "default %s", o->def);
		detail(buf, len, &open, d);
	} else if (o->def_text) {
		snprintf(d, sizeof(d), "default: %s", o->def_text);
		detail(buf, len, &open, d);
	}
	bomb_option_range(o, range, sizeof(range));
	if (range[0] && o->type != BOMB_OPT_HOSTPORT) {
		snprintf(d, sizeof(d), "%s%s%s", range, o->unit ? " " : "", o->unit ? o->unit : "");
		detail(buf, len, &open, d);
	}
	if (o->zero && !o->min) {
		snprintf(d, sizeof(d), "0 = %s", o->zero);
		detail(buf, len, &open, d);
	}
	if (open)
		snprintf(buf + strlen(buf), len - strlen(buf), "]");
}

static void print_option(FILE *f, const struct bomb_option *o)
{
	char left[128], mv[96], text[640];
	bool arg = o->type != BOMB_OPT_FLAG && o->type != BOMB_OPT_ACTION;
	int col;

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
			 arg ? " " : "", arg ? metavar(o, mv, sizeof(mv)) : "");
	else
		snprintf(left, sizeof(left), "--%s%s%s", o->name, arg ? " " : "",
			 arg ? metavar(o, mv, sizeof(mv)) : "");
	col = fprintf(f, "  %s", left);
	if (col < HELP_COL - 1)
		fprintf(f, "%*s", HELP_COL - col, "");
	else
		fprintf(f, "\n%*s", HELP_COL, "");
	option_text(o, text, sizeof(text));
	wrap(f, text, HELP_COL);
}

void bomb_usage(FILE *f, const struct bomb_ops *const *kinds)
{
	fprintf(f, "usage: isolab-bomb KIND [options]\n"
		   "       isolab-bomb --list-kinds | --list-options [KIND]\n\nkinds:\n");
	for (const struct bomb_ops *const *k = kinds; *k; k++)
		fprintf(f, "  %-9s %s\n", (*k)->name, (*k)->summary);
	fprintf(f, "\ncommon options:\n");
	for (const struct bomb_option *o = bomb_common_options; o->name; o++)
		print_option(f, o);
	fprintf(f,
		"\nisolab-bomb KIND --help lists the kind's own options. Sizes take K/M/G "
		"(binary), times s/m/h/ms.\nExit: 0 ok or interrupted, 1 failed, 2 bad usage.\n");
}

void bomb_kind_usage(FILE *f, const struct bomb_ops *ops)
{
	fprintf(f, "usage: isolab-bomb %s [common options] [%s options]\n%s\n\n%s options:\n",
		ops->name, ops->name, ops->summary, ops->name);
	for (const struct bomb_option *o = ops->options; o && o->name; o++)
		print_option(f, o);
	if (ops->notes)
		fprintf(f, "%s", ops->notes);
	fprintf(f, "\nisolab-bomb --help lists the common options.\n");
}

void bomb_list_kinds(FILE *f, const struct bomb_ops *const *kinds)
{
	for (const struct bomb_ops *const *k = kinds; *k; k++)
		fprintf(f, "%s\n", (*k)->name);
}

void bomb_list_options(FILE *f, const struct bomb_option *table)
{
	for (const struct bomb_option *o = table; o && o->name; o++)
		fprintf(f, "--%s\n", o->name);
}
