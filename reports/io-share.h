/* SPDX-License-Identifier: MIT */
/*
 * io-share: did the victim's io weight show on the disk? Where the backend
 * set an io weight that works (backend.io_weight.effective) and the victim
 * runs a disk bomb of its own beside the neighbours' in a priority phase and
 * its equal-weight twin, the victim's share of the disk is measured from the
 * bombs' achieved bytes per second (runs[].bombs_achieved) and set against
 * the share the io weights give (the read-back weights, mapped onto the
 * knob as the local backend maps them). The report says it beside the
 * phase's verdict: plainly "did not take effect" when the share moved less
 * than half the way from the equal-weight split to the weights' share.
 */
#ifndef ISOLAB_REPORTS_IO_SHARE_H
#define ISOLAB_REPORTS_IO_SHARE_H

#include "model.h"

/* Fills every phase's io_share_* and io_caveat; 0 or -ENOMEM. */
int io_share_judge(struct model *m);

/* The io weight a knob gets for a Xen-unit weight (as controller/local maps it); NaN unknown. */
double io_share_knob_weight(const char *knob, double xen_weight);

#endif
