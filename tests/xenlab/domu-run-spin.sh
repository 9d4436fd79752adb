#!/bin/sh
# Guest workload: spin on the one vCPU forever (the domain is destroyed).
echo "xenlab-spin: started"
while :; do :; done
