#!/bin/bash
# Lifecycle: xl save of a guest with our xen-blkfront on our blkback (full
# offer) with a crc32c fio loop in flight, xl restore onto the in-tree
# blkback with 1 ring, order 0, no persistent grants; fio's
# verify_state_save (write phase before the save) and verify_state_load
# (verify-only phase after the restore) around the same restore.
# (Split from 60-life-save-restore to fit the rig's 600 s per scenario.)
# shellcheck source=scripts/rig/dom0-lib.sh
. "${RIG_LIB:-/rig/dom0-lib.sh}"
# shellcheck source=tests/lifecycle/life-lib.sh
. /rig/life/life-lib.sh
T=life-sr
D=lsi
export RIG_DOMU_LOGLEVEL=6
export RIG_NO_DUMP=1	# the rig's agent dies with the restore
INTREE_WEAK="max_queues=1 max_ring_page_order=0 feature_persistent=0"
fail() { rig_result "$T/$1" FAIL "$2"; rig_dmesg0 30; life_contail $D; xl destroy $D >/dev/null 2>&1; exit 0; }
# io_uring, not libaio, across xl save: see "fio across xl save" in
# tests/lifecycle/README.md
FIO="--rw=randwrite --bs=64k --size=1M --offset_increment=1M --numjobs=2 --iodepth=16
	--ioengine=io_uring --direct=1 --verify=crc32c --do_verify=1 --verify_fatal=1 --group_reporting"

rd=$(rig_brd 64) || fail setup "backing device"
rig_load_back ours || fail setup "our backend did not load"
rig_domu_start $D 2 192 || fail setup "domU did not start"
rig_load_front $D ours || fail setup "our xen-blkfront did not load"
life_guest_agent $D || fail setup "could not start the restore-proof guest agent"
rig_attach $D "$rd" xvdb && rig_wait_state $D xvdb back 4 && rig_wait_state $D xvdb front 4 &&
	rig_wait_disk $D xvdb || fail attach "xvdb did not connect"

# verify state and strong (ours) -> in-tree blkback with 1 ring, order 0,
# no persistent grants, in one restore: a fio loop runs (I/O in flight at
# the save) next to fio's write phase with verify_state_save; after the
# restore onto the in-tree blkback, a verify-only phase loads the state
VS="--filename=/dev/xvdb --rw=randwrite --bs=4k --size=2M --offset=8M --offset_increment=2M --numjobs=2
	--iodepth=16 --ioengine=io_uring --direct=1 --verify=crc32c --group_reporting"
VS=$(echo $VS)	# one line: it goes into the guest's command text
life_run_bg $D "(cd /tmp && rm -f local-vs-*; fio --name=vs --eta=never --output=/tmp/vsw.out $VS --do_verify=0 --verify_state_save=1
echo \"XBF-VS write rc=\$? states=\$(ls /tmp/local-vs-*-verify.state | wc -l)\"
while ! xenstore-read data/life-go-vs >/dev/null 2>&1; do sleep 1; done
fio --name=vs --eta=never --output=/tmp/vsv.out $VS --verify_only --verify_state_load=1; rc=\$?
echo \"XBF-VS verify rc=\$rc errs=\$(grep -c 'err= *[1-9]' /tmp/vsv.out) read=\$(grep -o 'READ: bw=[^,]*, [^,]*, io=[0-9.]*[KMG]i*B' /tmp/vsv.out | sed 's/.*io=//')\") >/dev/hvc0 2>&1 &" ||
	fail verify-state "could not start the verify-state job"
life_guest_loop $D mi xvdb 500 --filename=/dev/xvdb $FIO || fail strong-to-intree "could not start the fio loop"
w=$(life_wait_line $D "^XBF-VS write " 300)
life_wait_iters $D mi 1 300
have=$(life_iters $D mi)
lim_b=$(life_conlog $D | grep -a "^XBF-IT mi " | tail -n 1 | sed 's/.*lim=//')
ok=0
life_wait_io $D xvdb 8 && life_save_restore $D rig_load_back intree $INTREE_WEAK && ok=1
((ok)) && life_xs_order $D life-go-vs
v=$(life_wait_line $D "^XBF-VS verify " 300)
((ok)) && { life_wait_iters $D mi $((have + 1)) 300 || ok=0; }
life_xs_order $D life-stop-mi
l3=$(life_wait_line $D "^XBF-LOOP mi " 300)
lim_a=$(life_conlog $D | grep -a "^XBF-IT mi " | tail -n 1 | sed 's/.*lim=//')
if ((ok)) && [[ $w == *"rc=0 states=2" && $v == *"rc=0 errs=0 read=4096KiB"* ]]; then
	rig_result $T/verify-state PASS "write phase ($w), save+restore, verify_only with verify_state_load: $v"
else
	rig_result $T/verify-state FAIL "restore ok=$ok; write: ${w:-none}; verify: ${v:-none} (want rc=0 errs=0 read=4096KiB)"
fi
origin=$(rig_mod_origin_local xen_blkback)
if ((ok)) && [[ $origin == intree && $l3 == *" failed=0" && $lim_a == 1/0/*/0/ ]]; then
	rig_result $T/strong-to-intree PASS "ours [$lim_b] -> in-tree blkback [$INTREE_WEAK]: [$lim_a], fio ${l3#XBF-LOOP mi }"
else
	rig_result $T/strong-to-intree FAIL "restore ok=$ok backend=$origin limits [$lim_b] -> [$lim_a] (want 1/0/*/0/); ${l3:-no loop verdict}"
	life_diag $D
fi
xl destroy $D 2>/dev/null
rig_load_back || true
