// SPDX-License-Identifier: MIT
/*
 * Student's t (through the regularized incomplete beta function, evaluated
 * as a continued fraction), t-intervals, Fieller's interval for a ratio of
 * means, and the rounds a decision would need.
 */
#include "stats-math.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_quantile(double *v, size_t n, double q)
{
	double pos, frac;
	size_t i;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (double)(n - 1);
	i = (size_t)pos;
	if (i >= n - 1)
		return v[n - 1];
	frac = pos - (double)i;
	return v[i] + (v[i + 1] - v[i]) * frac;
}

/* Inverse normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
static double inv_normal(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00,  2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	double q, r;

	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		       ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -inv_normal(1 - p);
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
	       (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

static double not_tiny(double x)
{
	return fabs(x) < 1e-300 ? 1e-300 : x;
}

/* The continued fraction of the incomplete beta function (modified Lentz). */
static double beta_fraction(double a, double b, double x)
{
	double c = 1.0, d = 1.0 / not_tiny(1.0 - (a + b) * x / (a + 1.0)), f = d;

	for (int m = 1; m <= 500; m++) {
		double m2 = 2.0 * m, step;
		double even = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
		double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));

		d = 1.0 / not_tiny(1.0 + even * d);
		c = not_tiny(1.0 + even / c);
		f *= d * c;
		d = 1.0 / not_tiny(1.0 + odd * d);
		c = not_tiny(1.0 + odd / c);
		step = d * c;
		f *= step;
		if (fabs(step - 1.0) < 1e-15)
			break;
	}
	return f;
}

/* Regularized incomplete beta I_x(a, b). */
static double inc_beta(double x, double a, double b)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_fraction(a, b, x) / a;
	return 1.0 - front * beta_fraction(b, a, 1.0 - x) / b;
}

double stats_t_cdf(double t, double df)
{
	double tail;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1.0 : 0.0;
	tail = 0.5 * inc_beta(df / (df + t * t), df / 2.0, 0.5);
	return t > 0 ? 1.0 - tail : tail;
}

static double t_pdf(double t, double df)
{
	return exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI) -
		   (df + 1) / 2 * log1p(t * t / df));
}

static double t_quantile_solve(double p, double df)
{
	double lo = 0, hi = 1, x;

	while (stats_t_cdf(hi, df) < p && hi < 1e300)
		hi *= 2;
	/* Newton from the normal quantile, kept inside the bracket by bisection */
	x = fmin(fmax(inv_normal(p), lo), hi);
	for (int i = 0; i < 200; i++) {
		double f = stats_t_cdf(x, df) - p, next;

		if (fabs(f) < 1e-14)
			break;
		if (f < 0)
			lo = x;
		else
			hi = x;
		next = x - f / t_pdf(x, df);
		x = next > lo && next < hi ? next : (lo + hi) / 2;
		if (hi - lo < 1e-13 * hi)
			break;
	}
	return x;
}

#define MEMO_DF 256

double stats_t_quantile(double p, double df)
{
	/* the reports ask for one level and small integer df over and over: remember */
	static struct {
		double p;
		double t[MEMO_DF + 1];
	} memo;
	size_t k = (size_t)df;

	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	if (p < 0.5)
		return -stats_t_quantile(1 - p, df);
	if (p == 0.5)
		return 0;
	if (df == 1)
		return tan(M_PI * (p - 0.5));
	if (df == 2)
		return (2 * p - 1) / sqrt(2 * p * (1 - p));
	if (df > 1e7)
		return inv_normal(p);
	if ((double)k != df || k > MEMO_DF)
		return t_quantile_solve(p, df);
	if (memo.p != p) {
		memset(&memo, 0, sizeof(memo));
		memo.p = p;
	}
	if (!memo.t[k])
		memo.t[k] = t_quantile_solve(p, df);
	return memo.t[k];
}

size_t stats_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double sum = 0, ss = 0, mu;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			sum += v[i];
			k++;
		}
	mu = k ? sum / (double)k : NAN;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			ss += (v[i] - mu) * (v[i] - mu);
	*mean = mu;
	*sd = k >= 2 ? sqrt(ss / (double)(k - 1)) : NAN;
	return k;
}

struct stats_ci stats_t_interval(double mean, double sd, size_t n, double conf_pct)
{
	struct stats_ci ci = { NAN, NAN };
	double half;

	if (n < 2 || !isfinite(mean) || !isfinite(sd))
		return ci;
	half = stats_t_quantile(0.5 + conf_pct / 200.0, (double)(n - 1)) * sd / sqrt((double)n);
	ci.lo = mean - half;
	ci.hi = mean + half;
	return ci;
}

struct stats_ci stats_fieller_se(double mean_num, double mean_den, double var_mean_num,
				 double var_mean_den, double cov_means, double df, double conf_pct)
{
	struct stats_ci ci = { NAN, NAN };
	double t2, a, b, c, disc;

	if (!(df > 0) || !isfinite(mean_num) || !isfinite(mean_den) || !isfinite(var_mean_num) ||
	    !isfinite(var_mean_den) || !isfinite(cov_means))
		return ci;
	t2 = stats_t_quantile(0.5 + conf_pct / 200.0, df);
	t2 *= t2;
	/* (mn - r md)^2 <= t2 (vn - 2 r c + r^2 vd), a quadratic in r */
	a = mean_den * mean_den - t2 * var_mean_den;
	b = mean_num * mean_den - t2 * cov_means;
	c = mean_num * mean_num - t2 * var_mean_num;
	disc = b * b - a * c;
	if (!(a > 0) || disc < 0)
		return ci;
	ci.lo = (b - sqrt(disc)) / a;
	ci.hi = (b + sqrt(disc)) / a;
	return ci;
}

struct stats_ci stats_fieller(double mean_num, double mean_den, double var_num, double var_den,
			      double cov, size_t n, double conf_pct)
{
	double k = (double)n;

	if (n < 2)
		return (struct stats_ci){ NAN, NAN };
	return stats_fieller_se(mean_num, mean_den, var_num / k, var_den / k, cov / k, k - 1,
				conf_pct);
}

struct stats_ci stats_welch(double mean_a, double sd_a, size_t n_a, double mean_b, double sd_b,
			    size_t n_b, double conf_pct, double *df)
{
	struct stats_ci ci = { NAN, NAN };
	double va, vb, se, d = mean_b - mean_a, nu;

	if (df)
		*df = NAN;
	if (n_a < 2 || n_b < 2 || !isfinite(d) || !isfinite(sd_a) || !isfinite(sd_b))
		return ci;
	va = sd_a * sd_a / (double)n_a;
	vb = sd_b * sd_b / (double)n_b;
	se = sqrt(va + vb);
	if (se == 0) {
		ci.lo = ci.hi = d;
		return ci;
	}
	/* Welch-Satterthwaite */
	nu = (va + vb) * (va + vb) / (va * va / (double)(n_a - 1) + vb * vb / (double)(n_b - 1));
	if (df)
		*df = nu;
	se *= stats_t_quantile(0.5 + conf_pct / 200.0, nu);
	ci.lo = d - se;
	ci.hi = d + se;
	return ci;
}

static double half_width(double sd, size_t n, double conf_pct)
{
	return stats_t_quantile(0.5 + conf_pct / 200.0, (double)(n - 1)) * sd / sqrt((double)n);
}

unsigned stats_rounds_needed(double gap, double sd, size_t n_now, double conf_pct)
{
	size_t lo, hi = STATS_MAX_ROUNDS_GUESS;

	if (!(gap > 0) || !isfinite(sd))
		return 0;
	lo = n_now < 2 ? 2 : n_now + 1;
	if (lo > hi || half_width(sd, hi, conf_pct) >= gap)
		return 0;
	/* the half-width falls with n: bisect for the first n below gap */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (half_width(sd, mid, conf_pct) < gap)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (unsigned)lo;
}
