/* SPDX-License-Identifier: MIT */
/*
 * The statistics toolbox of the reports: Student's t distribution, intervals
 * over rounds, Fieller's interval for a ratio of paired means, and a rough
 * count of the rounds a decision would need. Pure functions, no allocation
 * (except stats_quantile's sort in place), no randomness.
 */
#pragma once

#include <stddef.h>

/* An interval; both ends NaN when not computable. */
struct stats_ci {
	double lo, hi;
};

/* Above this many rounds a guess of the rounds needed is "many" (0). */
#define STATS_MAX_ROUNDS_GUESS 1000

/* Quantile q in [0,1] of v (sorted in place), linear interpolation; NaN if n == 0. */
double stats_quantile(double *v, size_t n, double q);

/*
 * Student's t: CDF and quantile (p in (0,1)) with df > 0 degrees of freedom.
 * The quantile remembers its last level's values (not thread-safe).
 */
double stats_t_cdf(double t, double df);
double stats_t_quantile(double p, double df);

/*
 * Mean and sample standard deviation (n - 1) of the finite values of v;
 * returns how many there were. sd is NaN when fewer than 2.
 */
size_t stats_mean_sd(const double *v, size_t n, double *mean, double *sd);

/* Two-sided t-interval of a mean at conf_pct %: NaN when n < 2. */
struct stats_ci stats_t_interval(double mean, double sd, size_t n, double conf_pct);

/*
 * Fieller's interval for the ratio mean(num) / mean(den) of n paired values,
 * from their means, sample variances and covariance, at conf_pct %. NaN when
 * the denominator's mean is not clearly away from zero (the interval would be
 * unbounded) or n < 2.
 */
struct stats_ci stats_fieller(double mean_num, double mean_den, double var_num, double var_den,
			      double cov, size_t n, double conf_pct);

/*
 * Welch's interval for the difference of two independent means, b - a, from
 * each sample's mean, sample standard deviation and size, at conf_pct %
 * (Welch-Satterthwaite degrees of freedom, written to *df when df is not
 * NULL). NaN when either size is below 2. Both spreads 0: [d, d].
 */
struct stats_ci stats_welch(double mean_a, double sd_a, size_t n_a, double mean_b, double sd_b,
			    size_t n_b, double conf_pct, double *df);

/*
 * Fieller's interval for mean_num / mean_den from the variances of the two
 * means (already divided by their sizes), their covariance and the degrees
 * of freedom of the t quantile. NaN when the denominator is not clearly
 * away from zero.
 */
struct stats_ci stats_fieller_se(double mean_num, double mean_den, double var_mean_num,
				 double var_mean_den, double cov_means, double df, double conf_pct);

/*
 * Rounds needed for a t-interval of half-width below gap, with the spread sd
 * seen so far: the smallest n > n_now with t(n-1) * sd / sqrt(n) < gap, or 0
 * when that takes more than STATS_MAX_ROUNDS_GUESS rounds (gap <= 0: the
 * estimate sits on the boundary).
 */
unsigned stats_rounds_needed(double gap, double sd, size_t n_now, double conf_pct);
