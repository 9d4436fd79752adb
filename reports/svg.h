/* SPDX-License-Identifier: MIT */
/*
 * Inline SVG chart helpers: a plot area with linear or log axes, ticks and
 * labels with units, series styles that differ in dash pattern, marker and
 * fill pattern as well as colour (so charts read in greyscale), legends.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct sbuf;

enum svg_scale {
	SVG_LINEAR,
	SVG_LOG,
	SVG_CATEGORY, /* x only: n slots 0..n-1, labels given by the caller */
};

struct svg_axis {
	double min, max;
	enum svg_scale scale;
	const char *label; /* with its unit, e.g. "latency (ms)" */
};

struct svg_chart {
	struct sbuf *out;
	unsigned id; /* unique per document, prefixes pattern ids */
	double w, h;
	double l, r, t, b; /* plot area in px: left, right, top, bottom */
	struct svg_axis x, y;
};

#define SVG_STYLES 6

enum svg_key {
	SVG_KEY_LINE,	 /* line with marker */
	SVG_KEY_BAR,	 /* filled box */
	SVG_KEY_MARKER,	 /* marker alone */
	SVG_KEY_AREA,	 /* shaded region */
	SVG_KEY_REF,	 /* dashed reference line */
	SVG_KEY_WHISKER, /* interval whisker */
	SVG_KEY_BAND,	 /* translucent interval band in the style's colour */
	SVG_KEY_GHOST,	 /* thin dotted line with hollow markers in the style's colour */
};

/* Opens <figure><svg>, with a title (visible) and defs. legend_h reserves rows at the bottom. */
void svg_begin(struct svg_chart *c, struct sbuf *out, unsigned id, double w, double h,
	       const char *title, unsigned legend_rows);
/* Closes the svg; caption may be NULL. */
void svg_end(struct svg_chart *c, const char *caption);

/* Grid, ticks and labels of both axes. cat_labels for SVG_CATEGORY x axes. */
void svg_axes(struct svg_chart *c, const char *const *cat_labels, size_t n_cat);

double svg_px(const struct svg_chart *c, double x);
double svg_py(const struct svg_chart *c, double y);
/* Clamps v into the axis range (log axes: > 0). */
double svg_clamp(const struct svg_axis *a, double v);

/* A line through finite points (NaNs split it), in style s, markers when markers. */
void svg_line(struct svg_chart *c, const double *xs, const double *ys, size_t n, int s,
	      bool markers);
void svg_marker(struct svg_chart *c, double px, double py, int s);
/* A translucent band between lo and hi over xs in style s's colour (NaNs split it). */
void svg_band(struct svg_chart *c, const double *xs, const double *lo, const double *hi, size_t n,
	      int s);
/* A thin dotted line with hollow markers in style s's colour: the same figures elsewhere. */
void svg_ghost_line(struct svg_chart *c, const double *xs, const double *ys, size_t n, int s);
/* A bar from y0 to y1 (data units) at pixel x position px of width pw. */
void svg_bar(struct svg_chart *c, double px, double pw, double y0, double y1, int s);
/* Interval whisker (data units) at pixel x. */
void svg_whisker(struct svg_chart *c, double px, double lo, double hi);
/* Vertical/horizontal reference lines in data units, dashed, with an optional label. */
void svg_vline(struct svg_chart *c, double x, const char *label);
void svg_hline(struct svg_chart *c, double y, const char *label);
/* Shaded region between two x values (data units), hatched. */
void svg_xband(struct svg_chart *c, double x0, double x1);
/* Text at pixel position; anchor "start", "middle" or "end". */
void svg_text(struct svg_chart *c, double px, double py, const char *anchor, const char *cls,
	      const char *text);
/* Legend entries below the plot, wrapping into the reserved rows. */
void svg_legend(struct svg_chart *c, const char *const *labels, const int *styles,
		const enum svg_key *keys, size_t n);

/* "1.5", "20", "0.25", "1.2k": short axis labels. */
void svg_fmt_num(double v, char *buf, size_t len);
