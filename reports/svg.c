// SPDX-License-Identifier: MIT
/* Inline SVG charts: axes, series, legends. Output is deterministic. */
#include "svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sbuf.h"

static const char *const colours[SVG_STYLES] = {
	"#1b4f8a", "#c8501e", "#2e7d32", "#6a3d9a", "#4d4d4d", "#a07800",
};
static const char *const dashes[SVG_STYLES] = {
	"none", "7 4", "2 3", "9 3 2 3", "14 4", "4 2 1 2",
};

#define LEGEND_ROW 18.0

void svg_fmt_num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (a >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (a >= 1e4)
		snprintf(buf, len, "%gk", v / 1e3);
	else if (a >= 1000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static void defs(struct svg_chart *c)
{
	struct sbuf *o = c->out;

	sbuf_puts(o, "<defs>");
	for (int s = 1; s < SVG_STYLES; s++) {
		const char *col = colours[s];

		sbuf_printf(o,
			    "<pattern id=\"c%u-p%d\" width=\"6\" height=\"6\" "
			    "patternUnits=\"userSpaceOnUse\"%s>"
			    "<rect width=\"6\" height=\"6\" fill=\"%s\" fill-opacity=\"0.2\"/>",
			    c->id, s,
			    s == 1   ? " patternTransform=\"rotate(45)\""
			    : s == 2 ? " patternTransform=\"rotate(45)\""
				     : "",
			    col);
		switch (s) {
		case 1:
			sbuf_printf(o,
				    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"%s\" "
				    "stroke-width=\"3\"/>",
				    col);
			break;
		case 2:
			sbuf_printf(o,
				    "<path d=\"M0 0V6M0 0H6\" stroke=\"%s\" stroke-width=\"1.6\"/>",
				    col);
			break;
		case 3:
			sbuf_printf(o, "<circle cx=\"3\" cy=\"3\" r=\"1.6\" fill=\"%s\"/>", col);
			break;
		case 4:
			sbuf_printf(o, "<path d=\"M0 1.5H6M0 4.5H6\" stroke=\"%s\"/>", col);
			break;
		default:
			sbuf_printf(o, "<path d=\"M1.5 0V6M4.5 0V6\" stroke=\"%s\"/>", col);
		}
		sbuf_puts(o, "</pattern>");
	}
	sbuf_printf(o,
		    "<pattern id=\"c%u-band\" width=\"8\" height=\"8\" "
		    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(-45)\">"
		    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#999\" "
		    "stroke-width=\"1\"/></pattern>",
		    c->id);
	sbuf_puts(o, "</defs>");
}

/* The title, cut with an ellipsis (at a UTF-8 boundary) when wider than the chart. */
static void title_text(struct svg_chart *c, const char *title)
{
	size_t max = (size_t)((c->w - 24) / 7.8), n = strlen(title);
	char buf[256];

	if (n <= max || max < 8 || max >= sizeof(buf) - 4) {
		svg_text(c, 12, 20, "start", "ct", title);
		return;
	}
	n = max - 1;
	while (n && ((unsigned char)title[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, title, n);
	memcpy(buf + n, "\u2026", sizeof("\u2026"));
	svg_text(c, 12, 20, "start", "ct", buf);
}

void svg_begin(struct svg_chart *c, struct sbuf *out, unsigned id, double w, double h,
	       const char *title, unsigned legend_rows)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->id = id;
	c->w = w;
	c->h = h;
	c->l = 70;
	c->r = w - 18;
	c->t = 34;
	c->b = h - 46 - legend_rows * LEGEND_ROW;
	sbuf_printf(out,
		    "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
		    "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		    "aria-label=\"",
		    w, h, w, h);
	sbuf_xml(out, title);
	sbuf_puts(out, "\"><title>");
	sbuf_xml(out, title);
	sbuf_puts(out, "</title>");
	defs(c);
	sbuf_printf(out, "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\"/>", w,
		    h);
	title_text(c, title);
}

void svg_end(struct svg_chart *c, const char *caption)
{
	sbuf_puts(c->out, "</svg>");
	if (caption) {
		sbuf_puts(c->out, "<figcaption>");
		sbuf_xml(c->out, caption);
		sbuf_puts(c->out, "</figcaption>");
	}
	sbuf_puts(c->out, "</figure>\n");
}

double svg_clamp(const struct svg_axis *a, double v)
{
	if (!isfinite(v))
		return v;
	if (v < a->min)
		v = a->min;
	if (v > a->max)
		v = a->max;
	return v;
}

static double frac(const struct svg_axis *a, double v)
{
	v = svg_clamp(a, v);
	if (a->scale == SVG_LOG && !(a->min > 0 && a->max > a->min))
		return 0.5;
	if (a->scale == SVG_LOG)
		return (log10(v) - log10(a->min)) / (log10(a->max) - log10(a->min));
	if (a->max == a->min)
		return 0.5;
	return (v - a->min) / (a->max - a->min);
}

double svg_px(const struct svg_chart *c, double x)
{
	return c->l + frac(&c->x, x) * (c->r - c->l);
}

double svg_py(const struct svg_chart *c, double y)
{
	return c->b - frac(&c->y, y) * (c->b - c->t);
}

void svg_text(struct svg_chart *c, double px, double py, const char *anchor, const char *cls,
	      const char *text)
{
	sbuf_printf(c->out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">", px, py,
		    anchor, cls);
	sbuf_xml(c->out, text);
	sbuf_puts(c->out, "</text>");
}

/* Tick values for an axis into t (at most max); returns how many. */
static size_t ticks(const struct svg_axis *a, double *t, size_t max)
{
	size_t n = 0;

	if (a->scale == SVG_LOG) {
		double lo = floor(log10(a->min)), hi = ceil(log10(a->max));
		static const double fine[] = { 1, 2, 5 };
		bool dense = log10(a->max / a->min) <= 2.5;

		for (double e = lo; e <= hi && n < max; e++)
			for (size_t k = 0; k < (dense ? 3u : 1u) && n < max; k++) {
				double v = fine[k] * pow(10, e);

				if (v >= a->min * 0.999 && v <= a->max * 1.001)
					t[n++] = v;
			}
		return n;
	}
	double span = a->max - a->min, raw, mag, step;

	if (!(span > 0))
		return 0;
	raw = span / 6;
	mag = pow(10, floor(log10(raw)));
	step = raw / mag < 1.5	 ? mag
	       : raw / mag < 3.5 ? 2 * mag
	       : raw / mag < 7.5 ? 5 * mag
				 : 10 * mag;
	for (double v = ceil(a->min / step) * step; v <= a->max + step * 1e-9 && n < max; v += step)
		t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
	return n;
}

void svg_axes(struct svg_chart *c, const char *const *cat_labels, size_t n_cat)
{
	struct sbuf *o = c->out;
	double t[64];
	char buf[32];
	size_t n, i;

	n = c->y.scale == SVG_CATEGORY ? 0 : ticks(&c->y, t, 64);
	for (i = 0; i < n; i++) {
		double y = svg_py(c, t[i]);

		sbuf_printf(
			o, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			c->l, y, c->r, y);
		svg_fmt_num(t[i], buf, sizeof(buf));
		svg_text(c, c->l - 6, y + 4, "end", "tick", buf);
	}
	if (c->x.scale == SVG_CATEGORY) {
		double slot = (c->r - c->l) / (n_cat ? n_cat : 1);

		for (i = 0; i < n_cat; i++)
			svg_text(c, c->l + slot * (i + 0.5), c->b + 16, "middle", "tick",
				 cat_labels[i]);
	} else {
		n = ticks(&c->x, t, 64);
		for (i = 0; i < n; i++) {
			double x = svg_px(c, t[i]);

			sbuf_printf(o,
				    "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				    "y2=\"%.1f\"/>",
				    x, c->t, x, c->b);
			svg_fmt_num(t[i], buf, sizeof(buf));
			svg_text(c, x, c->b + 16, "middle", "tick", buf);
		}
	}
	sbuf_printf(o, "<path class=\"axis\" d=\"M%.1f %.1fV%.1fH%.1f\"/>", c->l, c->t, c->b, c->r);
	if (c->x.label)
		svg_text(c, (c->l + c->r) / 2, c->b + 34, "middle", "al", c->x.label);
	if (c->y.label) {
		sbuf_printf(o,
			    "<text class=\"al\" text-anchor=\"middle\" "
			    "transform=\"translate(16 %.1f) rotate(-90)\">",
			    (c->t + c->b) / 2);
		sbuf_xml(o, c->y.label);
		sbuf_puts(o, "</text>");
	}
}

void svg_marker(struct svg_chart *c, double px, double py, int s)
{
	struct sbuf *o = c->out;
	const char *col = colours[s % SVG_STYLES];

	switch (s % SVG_STYLES) {
	case 0:
		sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>", px, py,
			    col);
		break;
	case 1:
		sbuf_printf(o,
			    "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"white\" "
			    "stroke=\"%s\" stroke-width=\"1.6\"/>",
			    px - 3.5, py - 3.5, col);
		break;
	case 2:
		sbuf_printf(o, "<path d=\"M%.1f %.1fl4.5 8h-9z\" fill=\"%s\"/>", px, py - 5, col);
		break;
	case 3:
		sbuf_printf(o,
			    "<path d=\"M%.1f %.1fl4.5 4.5l-4.5 4.5l-4.5 -4.5z\" fill=\"white\" "
			    "stroke=\"%s\" stroke-width=\"1.6\"/>",
			    px, py - 4.5, col);
		break;
	case 4:
		sbuf_printf(o,
			    "<path d=\"M%.1f %.1fh8M%.1f %.1fv8\" stroke=\"%s\" "
			    "stroke-width=\"2\"/>",
			    px - 4, py, px, py - 4, col);
		break;
	default:
		sbuf_printf(o,
			    "<path d=\"M%.1f %.1fl7 7M%.1f %.1fl-7 7\" stroke=\"%s\" "
			    "stroke-width=\"2\"/>",
			    px - 3.5, py - 3.5, px + 3.5, py - 3.5, col);
	}
}

void svg_line(struct svg_chart *c, const double *xs, const double *ys, size_t n, int s,
	      bool markers)
{
	struct sbuf *o = c->out;
	bool open = false;

	s %= SVG_STYLES;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(xs[i]) || !isfinite(ys[i])) {
			if (open)
				sbuf_puts(o, "\"/>");
			open = false;
			continue;
		}
		if (!open)
			sbuf_printf(o,
				    "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
				    "stroke-dasharray=\"%s\" stroke-linejoin=\"round\" d=\"M",
				    colours[s], dashes[s]);
		else
			sbuf_puts(o, "L");
		sbuf_printf(o, "%.1f %.1f", svg_px(c, xs[i]), svg_py(c, ys[i]));
		open = true;
	}
	if (open)
		sbuf_puts(o, "\"/>");
	for (size_t i = 0; markers && i < n; i++)
		if (isfinite(xs[i]) && isfinite(ys[i]))
			svg_marker(c, svg_px(c, xs[i]), svg_py(c, ys[i]), s);
}

/* One finite stretch [a, b) of the band as a closed polygon. */
static void band_piece(struct svg_chart *c, const double *xs, const double *lo, const double *hi,
		       size_t a, size_t b, int s)
{
	struct sbuf *o = c->out;

	if (b - a < 2)
		return;
	sbuf_printf(o, "<path fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" d=\"M", colours[s]);
	for (size_t i = a; i < b; i++)
		sbuf_printf(o, "%s%.1f %.1f", i > a ? "L" : "", svg_px(c, xs[i]),
			    svg_py(c, svg_clamp(&c->y, lo[i])));
	for (size_t i = b; i-- > a;)
		sbuf_printf(o, "L%.1f %.1f", svg_px(c, xs[i]), svg_py(c, svg_clamp(&c->y, hi[i])));
	sbuf_puts(o, "Z\"/>");
}

void svg_band(struct svg_chart *c, const double *xs, const double *lo, const double *hi, size_t n,
	      int s)
{
	size_t a = 0;

	s %= SVG_STYLES;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && isfinite(xs[i]) && isfinite(lo[i]) && isfinite(hi[i]))
			continue;
		band_piece(c, xs, lo, hi, a, i, s);
		a = i + 1;
	}
}

void svg_ghost_line(struct svg_chart *c, const double *xs, const double *ys, size_t n, int s)
{
	struct sbuf *o = c->out;
	bool open = false;

	s %= SVG_STYLES;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(xs[i]) || !isfinite(ys[i]))
			continue;
		if (!open)
			sbuf_printf(o,
				    "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" "
				    "stroke-dasharray=\"2 3\" d=\"M",
				    colours[s]);
		else
			sbuf_puts(o, "L");
		sbuf_printf(o, "%.1f %.1f", svg_px(c, xs[i]), svg_py(c, ys[i]));
		open = true;
	}
	if (open)
		sbuf_puts(o, "\"/>");
	for (size_t i = 0; i < n; i++)
		if (isfinite(xs[i]) && isfinite(ys[i]))
			sbuf_printf(o,
				    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"white\" "
				    "stroke=\"%s\" stroke-width=\"1.2\"/>",
				    svg_px(c, xs[i]), svg_py(c, ys[i]), colours[s]);
}

static void fill_attr(struct svg_chart *c, int s)
{
	s %= SVG_STYLES;
	if (s == 0)
		sbuf_printf(c->out, "fill=\"%s\" stroke=\"%s\"", colours[0], colours[0]);
	else
		sbuf_printf(c->out, "fill=\"url(#c%u-p%d)\" stroke=\"%s\"", c->id, s, colours[s]);
}

void svg_bar(struct svg_chart *c, double px, double pw, double y0, double y1, int s)
{
	double a = svg_py(c, y0), b = svg_py(c, y1);

	if (!isfinite(a) || !isfinite(b))
		return;
	sbuf_printf(c->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" ", px,
		    fmin(a, b), pw, fabs(a - b));
	fill_attr(c, s);
	sbuf_puts(c->out, " stroke-width=\"1.2\"/>");
}

void svg_whisker(struct svg_chart *c, double px, double lo, double hi)
{
	double a, b;

	if (!isfinite(lo) || !isfinite(hi))
		return;
	a = svg_py(c, lo);
	b = svg_py(c, hi);
	sbuf_printf(c->out,
		    "<path class=\"whisker\" d=\"M%.1f %.1fV%.1fM%.1f %.1fh8M%.1f %.1fh8\"/>", px,
		    a, b, px - 4, a, px - 4, b);
}

void svg_vline(struct svg_chart *c, double x, const char *label)
{
	double px;

	if (!isfinite(x) || x < c->x.min || x > c->x.max)
		return;
	px = svg_px(c, x);
	sbuf_printf(c->out, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
		    px, c->t, px, c->b);
	if (label)
		svg_text(c, px + 3, c->t + 10, "start", "note", label);
}

void svg_hline(struct svg_chart *c, double y, const char *label)
{
	double py;

	if (!isfinite(y) || y < c->y.min || y > c->y.max)
		return;
	py = svg_py(c, y);
	sbuf_printf(c->out, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
		    c->l, py, c->r, py);
	if (label)
		svg_text(c, c->r - 2, py - 4, "end", "note", label);
}

void svg_xband(struct svg_chart *c, double x0, double x1)
{
	double a, b;

	if (!isfinite(x0) || !isfinite(x1))
		return;
	a = svg_px(c, x0);
	b = svg_px(c, x1);
	if (b - a < 0.5)
		return;
	sbuf_printf(c->out,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		    "fill=\"url(#c%u-band)\" fill-opacity=\"0.6\"/>",
		    a, c->t, b - a, c->b - c->t, c->id);
}

void svg_legend(struct svg_chart *c, const char *const *labels, const int *styles,
		const enum svg_key *keys, size_t n)
{
	struct sbuf *o = c->out;
	double x = c->l, y = c->b + 50;

	for (size_t i = 0; i < n; i++) {
		double wi = 34 + 6.8 * (double)strlen(labels[i]) + 18;
		int s = styles[i] % SVG_STYLES;

		if (x + wi > c->w - 8 && x > c->l) {
			x = c->l;
			y += LEGEND_ROW;
		}
		switch (keys[i]) {
		case SVG_KEY_BAR:
			sbuf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"11\" ", x,
				    y - 9);
			fill_attr(c, s);
			sbuf_puts(o, " stroke-width=\"1.2\"/>");
			break;
		case SVG_KEY_AREA:
			sbuf_printf(o,
				    "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"11\" "
				    "fill=\"url(#c%u-band)\" stroke=\"#999\"/>",
				    x, y - 9, c->id);
			break;
		case SVG_KEY_MARKER:
			svg_marker(c, x + 12, y - 4, s);
			break;
		case SVG_KEY_REF:
			sbuf_printf(o, "<path class=\"ref\" d=\"M%.1f %.1fh24\"/>", x, y - 4);
			break;
		case SVG_KEY_BAND:
			sbuf_printf(o,
				    "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"11\" "
				    "fill=\"%s\" fill-opacity=\"0.25\"/>",
				    x, y - 9, colours[s]);
			break;
		case SVG_KEY_GHOST:
			sbuf_printf(
				o,
				"<path d=\"M%.1f %.1fh24\" stroke=\"%s\" stroke-width=\"1.2\" "
				"stroke-dasharray=\"2 3\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
				"fill=\"white\" stroke=\"%s\" stroke-width=\"1.2\"/>",
				x, y - 4, colours[s], x + 12, y - 4, colours[s]);
			break;
		case SVG_KEY_WHISKER:
			sbuf_printf(o,
				    "<path class=\"whisker\" d=\"M%.1f %.1fh24M%.1f %.1fv8M%.1f "
				    "%.1fv8\"/>",
				    x, y - 4, x, y - 8, x + 24, y - 8);
			break;
		default:
			sbuf_printf(o,
				    "<path d=\"M%.1f %.1fh24\" stroke=\"%s\" stroke-width=\"2\" "
				    "stroke-dasharray=\"%s\"/>",
				    x, y - 4, colours[s], dashes[s]);
			svg_marker(c, x + 12, y - 4, s);
		}
		svg_text(c, x + 30, y, "start", "lg", labels[i]);
		x += wi;
	}
}
