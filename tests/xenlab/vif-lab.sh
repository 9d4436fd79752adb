#!/bin/sh
# SPDX-License-Identifier: MIT
# xenlab's vif hotplug script (vif = ['...,script=/lab/vif-lab']): plugs the
# guest's vif into xenbr0 and tells netback it is connected. Debian's
# vif-bridge does the same through dozens of forks and locks, and under
# TCG on a loaded host it overran libxl's hotplug timeout.
# libxl runs it with $1 = online|offline|add|remove, $vif, $XENBUS_PATH.
case "$1" in
online | add)
	ip link set dev "$vif" master xenbr0 &&
		ip link set dev "$vif" up &&
		xenstore-write "$XENBUS_PATH/hotplug-status" connected
	;;
offline | remove)
	ip link set dev "$vif" down 2>/dev/null
	xenstore-rm "$XENBUS_PATH/hotplug-error" 2>/dev/null
	exit 0
	;;
esac
