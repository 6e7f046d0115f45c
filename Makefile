# SPDX-License-Identifier: GPL-2.0
#
# xenblk: out-of-tree xen-blkfront and xen-blkback.
#
#   make                 build both modules against KDIR
#   make check           unit tests + module build + rig scenarios (the CI gate)
#   make check-unit      userspace unit tests only
#   make check-build     W=1 + sparse + checkpatch against 6.1, 6.12 and sid
#   make check-full      everything, long versions
#   make check-debug     lifecycle + hostile suites on a debug kernel (root;
#                        hours, not in check/CI; scripts/debugkernel/)
#   make demo            boot Xen in QEMU with both modules and run fio
#   make deb             xenblk-dkms .deb (DKMS source package)
#   make check-deb       install + remove that .deb with apt in a chroot (root)
#   make install         modules_install into updates/ + depmod (uninstall)
#
# KDIR defaults to the running kernel's build tree, else the Debian 6.1
# headers the rig boots.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
XENBLK_VERSION ?= $(shell cat $(ROOT)/VERSION 2>/dev/null || echo 0.1)

RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
FALLBACK_KDIR := $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
ifeq ($(origin KDIR),undefined)
KDIR := $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(FALLBACK_KDIR))
endif

BUILD := $(ROOT)/build
KREL := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
COMPAT_DIR := $(BUILD)/compat/$(notdir $(realpath $(KDIR)))-$(if $(KREL),$(KREL),unknown)
COMPAT_H := $(COMPAT_DIR)/xenblk_compat.h
PROBES := $(wildcard $(ROOT)/compat/probes/have_*.c)

KBUILD_ARGS := -C $(KDIR) M=$(ROOT) XENBLK_ROOT=$(ROOT) \
	XENBLK_COMPAT=$(COMPAT_DIR) XENBLK_VERSION=$(XENBLK_VERSION)

.PHONY: all modules compat clean check check-unit check-build check-full \
	check-debug demo bench deb check-deb install uninstall help

all: modules

help:
	@sed -n '3,18p' $(ROOT)/Makefile | sed 's/^# \{0,1\}//'

$(COMPAT_H): $(PROBES) $(ROOT)/scripts/probe-kernel.sh $(KDIR)/include/generated/utsrelease.h
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "No kernel build tree: set KDIR" >&2; exit 1; }
	@mkdir -p $(COMPAT_DIR)
	$(ROOT)/scripts/probe-kernel.sh $(KDIR) $(COMPAT_DIR) $(ROOT)

compat: $(COMPAT_H)

modules: $(COMPAT_H)
	$(MAKE) $(KBUILD_ARGS) modules

# Not kbuild's clean: for M= builds it deletes every *.o/*.a/.*.cmd below the
# tree, including the debootstrap trees and chroots cached under build/.
KBUILD_OUTPUTS := *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers \
	*.o.ur-safe *.dwo .*.d
clean:
	for d in $(ROOT) $(ROOT)/xen-blkfront $(ROOT)/xen-blkback; do \
		(cd $$d && rm -f $(KBUILD_OUTPUTS)); done
	rm -rf $(ROOT)/.tmp_versions $(BUILD)/compat $(BUILD)/unit

# modules_install keeps the module directories: updates/xen-blkback/ and
# updates/xen-blkfront/. INSTALL_MOD_PATH=/some/root installs into a tree.
INSTALLED := $(INSTALL_MOD_PATH)/lib/modules/$(KREL)/updates
DEPMOD := depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KREL)

install: modules
	$(MAKE) $(KBUILD_ARGS) INSTALL_MOD_DIR=updates modules_install
	$(DEPMOD)

uninstall:
	rm -f $(INSTALLED)/xen-blkback/xen-blkback.ko* \
	      $(INSTALLED)/xen-blkfront/xen-blkfront.ko*
	-rmdir $(INSTALLED)/xen-blkback $(INSTALLED)/xen-blkfront 2>/dev/null
	$(DEPMOD)

check-unit:
	$(MAKE) -C $(ROOT)/tests/unit BUILD=$(BUILD)/unit check

check:
	$(ROOT)/tests/run-check.sh

check-full:
	XENBLK_FULL=1 $(ROOT)/tests/run-check.sh

check-build:
	$(ROOT)/scripts/build-matrix.sh

check-debug:
	$(ROOT)/scripts/debugkernel/check-debug.sh

demo:
	$(ROOT)/scripts/rig/demo.sh

bench:
	$(ROOT)/scripts/bench/run.sh

deb:
	$(ROOT)/scripts/deb/build-deb.sh $(BUILD)/deb

check-deb:
	$(ROOT)/tests/dkms/deb-test.sh
