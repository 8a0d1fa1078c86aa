# CAP_CHECKPOINT_RESTORE: a kernel patch series and the harness that proves it.
# `make run` tells the user's story; `make check` tests everything. See README.md.

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

TOP     := $(CURDIR)
B       := $(TOP)/build
SRC     := $(B)/src
# baseline: no series; patched: the whole series; first-series: the series
# without its seccomp patches (base/first-series-tree.sh), for the negative
# control of those.
KERNELS := baseline first-series patched
JOBS    ?= $(shell nproc)
# Hard limit for one guest boot, in seconds.
GUEST_TIMEOUT ?= 900
# FAULT=hang|warn|noresult makes the guest misbehave, to show the harness notices.
FAULT   ?=

# Reproducible, cache-friendly kernel builds.
export CCACHE_BASEDIR   := $(TOP)
export CCACHE_NOHASHDIR := 1
export KBUILD_BUILD_USER := cr
export KBUILD_BUILD_HOST := harness
export KBUILD_BUILD_TIMESTAMP := 2000-01-01
KCC := $(if $(shell command -v ccache),ccache gcc,gcc)

# The configs are made by a pattern rule on the way to bzImage: keep them.
.SECONDARY: $(foreach k,$(KERNELS),$(B)/obj-$k/.config)

srcdir = $(if $(filter patched,$1),$(SRC),$(B)/$1)
obj    = $(B)/obj-$1

stage = @printf '\n==> %s\n' "$1"

.PHONY: all run check bench deps tree export lint bisect kernels selftests tests rootfs \
	clean help
all: help
help:
	@sed -n 's/^## //p' README.md 2>/dev/null || true
	@echo "targets: run check tree export lint bisect kernels selftests rootfs clean"

## --- Dependencies: install what is missing (apt, as root) ---------------------------
deps:
	@vm/install-deps.sh

## --- Series workflow -----------------------------------------------------------------
tree: deps
	@base/make-tree.sh
	@base/first-series-tree.sh

export:
	@base/export-series.sh

lint: tree
	@base/lint-series.sh

bisect: tree
	@base/bisect-series.sh

## --- Kernels -----------------------------------------------------------------------
kernels: $(foreach k,$(KERNELS),$(call obj,$k)/arch/x86/boot/bzImage)

# Config: tinyconfig + kconfig/*.config, replaced only when it really changed,
# so that an unchanged config never triggers a rebuild.
$(B)/obj-%/.config: $(wildcard kconfig/*.config) vm/kconfig.sh | tree
	@vm/kconfig.sh $(call srcdir,$*) $(call obj,$*) kconfig/*.config

# Always ask kbuild: it knows best what changed.
.PHONY: FORCE
$(B)/obj-%/arch/x86/boot/bzImage: $(B)/obj-%/.config FORCE
	$(call stage,kernel $* (obj-$*))
	@s=$$(date +%s); \
	$(MAKE) -s -C $(call srcdir,$*) O=$(call obj,$*) CC="$(KCC)" -j$(JOBS) bzImage; \
	echo "  KERNEL  $* built in $$(( $$(date +%s) - s )) s"

## --- Tests built on the host (static), installed into the guest -------------------
# kselftests of the patched tree, the way tools/testing/selftests builds and
# installs them (static, so the guest needs no libcap), against its uapi headers.
KSFT_TARGETS := clone3 checkpoint_restore
selftests: $(B)/obj-patched/.config
	$(call stage,kselftests: $(KSFT_TARGETS))
	@rm -rf $(B)/kselftest
	@{ $(MAKE) -s -C $(SRC) O=$(B)/obj-patched headers && \
	   $(MAKE) -s -C $(SRC)/tools/testing/selftests TARGETS="$(KSFT_TARGETS)" \
		O=$(B)/obj-patched USERLDFLAGS=-static \
		INSTALL_PATH=$(B)/kselftest install; } >$(B)/kselftest.log 2>&1 || \
		{ tail -n 30 $(B)/kselftest.log; exit 1; }
	@echo "  KSFT    $$(grep -c . $(B)/kselftest/kselftest-list.txt) tests installed in build/kselftest"

tests:
	@$(MAKE) -s -C tests

## --- Guest -------------------------------------------------------------------------
rootfs: $(B)/rootfs.cpio
$(B)/rootfs.built: vm/mkrootfs.sh | deps
	$(call stage,rootfs: Debian trixie minbase with criu)
	@s=$$(date +%s); vm/mkrootfs.sh $(B)/rootfs && touch $@ && \
	echo "  ROOTFS  $$(du -sh $(B)/rootfs | cut -f1) in $$(( $$(date +%s) - s )) s"

# CRIU from source with criu/patches, built in a copy of the guest: installed
# beside Debian's criu as criu-patched, for what Debian's cannot do yet.
$(B)/criu/criu: criu/build.sh criu/VERSION criu/patches/series $(wildcard criu/patches/*.patch) \
		$(B)/rootfs.built
	$(call stage,criu-patched: CRIU $(shell sed -n 's/^CRIU_VERSION=//p' criu/VERSION) + criu/patches)
	@mkdir -p $(@D)
	@s=$$(date +%s); criu/build.sh $(B)/rootfs $@ && \
	echo "  CRIU    built in $$(( $$(date +%s) - s )) s"

$(B)/rootfs.cpio: $(B)/rootfs.built $(B)/criu/criu
	@install -D -m 0755 $(B)/criu/criu $(B)/rootfs/usr/local/sbin/criu-patched
	@(cd $(B)/rootfs && find . | cpio -o -H newc --quiet) >$@
	@echo "  ROOTFS  $$(du -sh $@ | cut -f1) build/rootfs.cpio"

# Two boots of one kernel: vm/testplan, then vm/testplan.reboot (what must
# survive a reboot); one boot with vm/testplan.first-series for that kernel.
# Results in build/results-<kernel>/.
plans = $(if $(filter first-series,$1),vm/testplan.first-series,vm/testplan vm/testplan.reboot)
guest-%: $(B)/obj-%/arch/x86/boot/bzImage $(B)/rootfs.cpio selftests tests FORCE
	$(call stage,guest: $* kernel)
	@rm -rf $(B)/results-$*
	@for plan in $(call plans,$*); do \
		vm/boot.sh $* $(call obj,$*)/arch/x86/boot/bzImage $(B)/results-$* \
			"$(GUEST_TIMEOUT)" "$(FAULT)" $$plan || exit 1; \
	done

## --- The README's two commands -----------------------------------------------------
check: lint $(foreach k,$(KERNELS),guest-$k)
	$(call stage,summary)
	@vm/report.sh $(B) $(KERNELS)

run: $(B)/obj-patched/arch/x86/boot/bzImage $(B)/rootfs.cpio tests
	@tests/story.sh

# The benchmarks, patched against baseline (BENCH_QUICK=1 for the short run).
bench: $(foreach k,baseline patched,$(call obj,$k)/arch/x86/boot/bzImage) $(B)/rootfs.cpio tests
	$(call stage,benchmarks)
	@command -v gnuplot >/dev/null || vm/install-deps.sh gnuplot
	@tests/bench.sh

clean:
	rm -rf $(B)/obj-* $(B)/results-* $(B)/kselftest* $(B)/*.cpio $(B)/criu/criu $(B)/criu/criu-build*
	@$(MAKE) -s -C tests clean
