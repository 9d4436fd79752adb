/* SPDX-License-Identifier: MIT */
/*
 * Phase keys for sensitivity curves and time-to-protect (scenario-knob.c,
 * docs/curves.md, docs/protect.md):
 *   intensity.BOMB = 40            the bomb's --intensity in this phase (0 = not run)
 *   intensity.BOMB = 0,20,...,100  a sweep: one phase per value
 *   load = 30%                     the probe's offered load, % of the calibrated capacity
 *   load = 10%,30%,...,90%         a sweep
 *   at.5s = weight.web=2048        a setting changed 5 s into the measurement
 * Sweep lists must be non-empty, in increasing order, with at least two values.
 */
#pragma once

#include <stdbool.h>

struct pctx;
struct entry;
struct raw_phase;
struct scn_phase;

/* True for a key this file handles in a [phase]. */
bool scn_knob_key(const char *key);

/* Parses one such key into rp (a sweep or a fixed value); 0 or -EINVAL (reported). */
int scn_knob_entry(struct pctx *c, struct raw_phase *rp, const struct entry *e);

/* After the whole [phase] is read: the bombs its intensity keys name run in it. */
int scn_knob_check(struct pctx *c, const struct raw_phase *rp);

/* True when a sweep key is one of these (intensity.BOMB, load). */
bool scn_knob_sweeps(const char *key);

/* Member value v of such a sweep: sets it in the phase copy; 0 or -ENOMEM. */
int scn_knob_apply(struct scn_phase *ph, const char *key, int value);

/* The phase's intensity, load_pct and at in the manifest (docs/results.md); none: nothing. */
struct json_writer;
void scn_knob_json(struct json_writer *w, const struct scn_phase *ph);

/* Sets weight.VM (weight) or cap.VM in a phase, adding the VM when the phase had none. */
int scn_phase_set_prio(struct scn_phase *ph, const char *vm, bool weight, int value);

/* Copies and frees the phase's knob fields (called by phase_copy / scn_phase_done). */
int scn_knob_copy(struct scn_phase *dst, const struct scn_phase *src);
void scn_knob_done(struct scn_phase *ph);
