#!/bin/bash
# Phase "boot": Xen + dom0 under QEMU, serial console -> $LOG (every line
# prefixed with the host seconds since QEMU started). Exit status = QEMU's
# (124 = TIMEOUT hit).
# Env: RIG_RUNDIR (run directory from build-images.sh), LOG, TIMEOUT (s, 900),
#      ACCEL (kvm|tcg; auto), CPU, QEMU_MEM (MiB, 4096), QEMU_SMP (1 under
#      TCG, 2 under KVM), DOM0_MEM (2048M), DOM0_VCPUS (QEMU_SMP), XEN_EXTRA,
#      DOM0_EXTRA, MONITOR.
# shellcheck source=scripts/rig/flavour-arg.sh
source "$(dirname "$0")/flavour-arg.sh" "$@"
source "$(dirname "$0")/lib.sh"
RUNDIR=${RIG_RUNDIR:?RIG_RUNDIR (the run directory of build-images.sh) is not set}
for f in "$IMG/xen" "$IMG/vmlinux" "$RUNDIR/dom0.cpio"; do [[ -f $f ]] || die "no $f: run build-images.sh"; done
TIMEOUT=${TIMEOUT:-900}
QEMU_MEM=${QEMU_MEM:-4096}
DOM0_MEM=${DOM0_MEM:-2048M}
mkdir -p "$LOGS"
LOG=${LOG:-$LOGS/serial-$(date +%Y%m%d-%H%M%S).log}

# KVM only when it is a real one: kvm-pvm (no VMX) cannot run Xen usefully
pick_accel() {
	if [[ -d /sys/module/kvm_pvm ]]; then
		log "/dev/kvm is kvm-pvm (no VMX for nested Xen): using TCG"
		echo tcg
	elif [[ -w /dev/kvm ]] && timeout 20 qemu-system-x86_64 -accel kvm -machine q35 -nodefaults \
		-display none -S -monitor none -serial none -daemonize \
		-pidfile "$LOGS/kvm-probe.pid" >/dev/null 2>&1; then
		kill "$(cat "$LOGS/kvm-probe.pid")" 2>/dev/null || true
		echo kvm
	else
		log "KVM not usable here: using TCG"
		echo tcg
	fi
}
ACCEL=${ACCEL:-$(pick_accel)}
# TCG: a conservative CPU model. -cpu max (XSAVE/AVX, FSGSBASE, SMAP) gave
# random user-space corruption in the PV guests under QEMU 7.2's TCG.
if [[ $ACCEL == kvm ]]; then CPU=${CPU:-host}; AOPT=kvm; else CPU=${CPU:-Nehalem}; AOPT=tcg,thread=multi; fi
# QEMU_SMP default: 1 under TCG. Measured on this 2-core host shared with
# other QEMUs: with 2 emulated CPUs a PV fork/exec waits for cross-CPU TLB
# flush IPIs to vCPU threads the host has descheduled; dom0 reached its
# scenarios after 77 s instead of 42 s and a dom0->domU command round trip
# took ~10 s instead of ~1 s. Guests still get several vCPUs (time-shared).
QEMU_SMP=${QEMU_SMP:-$([[ ${ACCEL:-} == kvm ]] && echo 2 || echo 1)}
# dom0 vCPUs: as many as pCPUs. More works ("min-max" form, dom0's /init
# onlines them) but two time-shared dom0 vCPUs on one pCPU made everything
# 2-3x slower; the rig loads blkback with max_queues=2 instead.
DOM0_VCPUS=${DOM0_VCPUS:-$QEMU_SMP}
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=$DOM0_MEM,max:$DOM0_MEM dom0_max_vcpus=$DOM0_VCPUS-$DOM0_VCPUS"
XEN_ARGS+=" no-bootscrub smap=0 smep=0 ${XEN_EXTRA:-}"
DOM0_ARGS="console=hvc0 rdinit=/init loglevel=${DOM0_LOGLEVEL:-4} ${DOM0_EXTRA:-}"
[[ $DOM0_ARGS != *,* ]] || die "DOM0_EXTRA must not contain a comma (QEMU's -initrd list separator)"
phase "booting Xen $XENVER + Linux $KVER under QEMU ($ACCEL, -cpu $CPU, -smp $QEMU_SMP, ${QEMU_MEM} MiB, timeout ${TIMEOUT}s)"
log "serial log: $LOG"
ln -sfn "$(basename "$LOG")" "$LOGS/serial-latest.log"
t0=$SECONDS
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -machine q35 -accel "$AOPT" -cpu "$CPU" \
	-smp "$QEMU_SMP" -m "$QEMU_MEM" -nodefaults -display none -monitor "${MONITOR:-none}" \
	-serial stdio -no-reboot -pidfile "$RUNDIR/qemu.pid" \
	-kernel "$IMG/xen" -append "$XEN_ARGS" \
	-initrd "$IMG/vmlinux $DOM0_ARGS,$RUNDIR/dom0.cpio" </dev/null 2>&1 |
	perl -MTime::HiRes=time -ne 'BEGIN { $| = 1; $t0 = time } s/\r//g;
		printf "[%7.2f] %s", time - $t0, $_;
		print STDERR "[rig] $1\n" if /(RIG-SCENARIO-BEGIN \S+|RIG-TEST: .*|RIG-READY|RIG-ALL-DONE|RIG-BOOT-FAILED.*)/' >"$LOG"
rc=${PIPESTATUS[0]}
set -e
printf '%s %s qemu-boot %ds rc=%d\n' "$(date -u +%FT%TZ)" "$FLAVOUR" $((SECONDS - t0)) "$rc" >>"$LOGS/timings.txt"
log "QEMU exited rc=$rc after $((SECONDS - t0))s$( ((rc == 124)) && echo ' (TIMEOUT)')"
exit "$rc"
