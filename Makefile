# CAP_CHECKPOINT_RESTORE: a kernel patch series and the harness that proves it.
# `make run` tells the user's story; `make check` tests everything. See README.md.

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

TOP     := $(CURDIR)
B       := $(TOP)/build
SRC     := $(B)/src
# baseline: no series (the negative control); patched: the whole series.
# The wrong kernels (mutants/) are built from the patched one.
KERNELS := baseline patched
JOBS    ?= $(shell nproc)
# Hard limit for one guest boot, in seconds.
GUEST_TIMEOUT ?= 900
# FAULT=hang|warn|noresult makes the guest misbehave, to show the judge notices.
export FAULT GUEST_TIMEOUT
# The mutants make check runs (MUTANTS=: none; make mutants runs them all).
MUTANTS ?= all

# Reproducible, cache-friendly kernel builds.
export CCACHE_BASEDIR   := $(TOP)
export CCACHE_NOHASHDIR := 1
export KBUILD_BUILD_USER := cr
export KBUILD_BUILD_HOST := harness
export KBUILD_BUILD_TIMESTAMP := 2000-01-01
# The same .config whatever the machine has installed: kconfig probes rustc,
# and a rustc on the host (not in a clean chroot) adds options, which changes
# every object's ccache key. The guest kernels have no Rust code: every
# kernel make gets RUSTC=false (a command-line variable: the kernel's
# Makefile sets RUSTC itself), as vm/kconfig.sh, mutants/run.sh and
# base/bisect-series.sh do.
# (=, not :=: on a fresh machine ccache arrives with make deps, after parsing.)
KCC = $(if $(shell command -v ccache),ccache gcc,gcc)

# The configs are made by a pattern rule on the way to bzImage: keep them.
.SECONDARY: $(foreach k,$(KERNELS) debug kcsan,$(B)/obj-$k/.config)

# (debug: the patched series with the expensive checks, below)
srcdir = $(if $(filter patched debug kcsan,$1),$(SRC),$(B)/$1)
obj    = $(B)/obj-$1

stage = @printf '\n==> %s\n' "$1"

.PHONY: all run check bench mutants fresh-check deps tree export lint bisect debian-config htmldocs \
	kernels selftests tests rootfs judge-selftest clean help check-debug fuzz check-kcsan
all: help
help: ## this list
	@sed -n 's/^\([a-z%-]*\):.*## \(.*\)/  make \1\t\2/p' Makefile | expand -t 24

## --- Dependencies: install what is missing (apt, as root) ---------------------------
deps: ## install the Debian packages the project needs (as root)
	@vm/install-deps.sh

## --- Series workflow -----------------------------------------------------------------
tree: deps ## build/src: the Debian tarball, the base patch, the series
	@base/make-tree.sh

export: ## regenerate patches/ from build/src
	@base/export-series.sh

lint: tree ## checkpatch.pl --strict on every patch
	@base/lint-series.sh

bisect: tree ## build every prefix of the series
	@base/bisect-series.sh

# Slow (minutes cold, seconds warm): neither lint nor check runs them.
debian-config: tree ## the C files the series touches, under Debian's amd64 config, W=1: no new warning
	@base/compile-debian-config.sh

htmldocs: tree ## the documentation books the series touches, with Sphinx: no new warning
	@base/htmldocs.sh

## --- Kernels -----------------------------------------------------------------------
kernels: ## build the baseline and patched kernels
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
	$(MAKE) -s -C $(call srcdir,$*) O=$(call obj,$*) CC="$(KCC)" RUSTC=false -j$(JOBS) bzImage && \
	echo "  KERNEL  $* built in $$(( $$(date +%s) - s )) s"

## --- Tests built on the host (static), installed into the guest -------------------
# kselftests of the patched tree, the way tools/testing/selftests builds and
# installs them (static, so the guest needs no libcap), against its uapi headers.
# The series' own and the neighbours' (the code the series touches), as a
# regression net on every kernel.
KSFT_TARGETS := checkpoint_restore clone3 seccomp ptrace pidfd proc pid_namespace
# Rebuilt only when the selftests or the uapi headers of build/src change.
ksft_state = git -C $(SRC) rev-parse HEAD:tools/testing/selftests HEAD:include/uapi && \
	git -C $(SRC) status --porcelain -- tools/testing/selftests include/uapi
selftests: $(B)/obj-patched/.config ## build the kselftests (static) into build/kselftest
	@state=$$($(ksft_state) | md5sum); \
	[ -s $(B)/kselftest/kselftest-list.txt ] && [ "$$state" = "$$(cat $(B)/kselftest.state 2>/dev/null)" ] || { \
	printf '\n==> %s\n' "kselftests: $(KSFT_TARGETS)"; \
	rm -rf $(B)/kselftest $(B)/kselftest.state; \
	{ $(MAKE) -s -C $(SRC) O=$(B)/obj-patched RUSTC=false headers && \
	  $(MAKE) -s -C $(SRC)/tools/testing/selftests TARGETS="$(KSFT_TARGETS)" \
		O=$(B)/obj-patched USERLDFLAGS=-static \
		INSTALL_PATH=$(B)/kselftest install; } >$(B)/kselftest.log 2>&1 || \
		{ tail -n 30 $(B)/kselftest.log; echo "kselftests failed to build: build/kselftest.log"; exit 1; }; \
	echo "$$state" >$(B)/kselftest.state; \
	echo "  KSFT    $$(grep -c . $(B)/kselftest/kselftest-list.txt) tests installed in build/kselftest"; }

tests: ## build tests/ (scenarios, benchmarks) into build/tests
	@$(MAKE) -s -C tests

## --- Guest -------------------------------------------------------------------------
rootfs: $(B)/rootfs.cpio ## the guest: Debian trixie minbase with criu, and criu-patched
$(B)/rootfs.built: vm/mkrootfs.sh | deps
	$(call stage,rootfs: Debian trixie minbase with criu)
	@s=$$(date +%s); vm/mkrootfs.sh $(B)/rootfs && touch $@ && \
	echo "  ROOTFS  $$(du -sh $(B)/rootfs | cut -f1) in $$(( $$(date +%s) - s )) s"

# CRIU and runc from source with their patches (criu/, runc/, applied by
# vm/apply-series.sh), each built by its build.sh in a throwaway copy of the
# guest (vm/guest-copy.sh), so that it links against the guest's own
# libraries: installed beside Debian's as
# criu-patched (for what Debian's criu cannot do yet) and runc-patched (the
# rootless container, tests/container-rootless.sh).
PATCHED_TOOLS := $(B)/criu/criu $(B)/runc/runc
.SECONDEXPANSION:
$(PATCHED_TOOLS): $$(@F)/build.sh $$(@F)/VERSION $$(@F)/patches/series \
		$$(wildcard $$(@F)/patches/*.patch) vm/guest-copy.sh vm/apply-series.sh $(B)/rootfs.built
	$(call stage,$(@F)-patched: $(@F) $(shell sed -n 's/^[A-Z_]*VERSION=//p' $(@F)/VERSION) + $(@F)/patches)
	@mkdir -p $(@D)
	@s=$$(date +%s); $(@F)/build.sh $(B)/rootfs $@ && \
	echo "  BUILT   $(@F)-patched in $$(( $$(date +%s) - s )) s"

# The debootstrapped tree stays as it was built; criu-patched and runc-patched
# go into a second archive, appended (the kernel unpacks both).
$(B)/rootfs.cpio: $(B)/rootfs.built $(PATCHED_TOOLS)
	@rm -rf $(B)/rootfs-extra
	@install -D -m 0755 $(B)/criu/criu $(B)/rootfs-extra/usr/local/sbin/criu-patched
	@install -D -m 0755 $(B)/runc/runc $(B)/rootfs-extra/usr/local/sbin/runc-patched
	@{ (cd $(B)/rootfs && find . | cpio -o -H newc --quiet) && \
	   (cd $(B)/rootfs-extra && find . | cpio -o -H newc --quiet); } >$@
	@echo "  ROOTFS  $$(du -sh $@ | cut -f1) build/rootfs.cpio"

# The Java runtime of the JVM scenario: an archive of its own, appended only
# by the boots whose plan has an "image jre" line.
$(B)/jre.cpio: vm/mkpkg.sh vm/guest-copy.sh $(B)/rootfs.built
	$(call stage,jre: the guest's Java runtime for the JVM scenario)
	@s=$$(date +%s); vm/mkpkg.sh $(B)/rootfs $@ openjdk-25-jre-headless java -version && \
	echo "  JRE     $$(du -sh $@ | cut -f1) build/jre.cpio in $$(( $$(date +%s) - s )) s"

# Four boots of one kernel: vm/testplan, vm/testplan.jvm (the JVM service,
# with the JRE), vm/testplan.reboot (what must survive a reboot: the JVM's
# too), vm/testplan.selinux (a real SELinux policy, which stays loaded until
# the next boot). Results in build/results-<kernel>/; boot-KERNEL only boots,
# guest-KERNEL also judges (exit status: the judge's).
PLANS := vm/testplan vm/testplan.jvm vm/testplan.reboot vm/testplan.selinux
boot-%: $(B)/obj-%/arch/x86/boot/bzImage $(B)/rootfs.cpio $(B)/jre.cpio selftests tests FORCE
	$(call stage,guest: $* kernel)
	@rm -rf $(B)/results-$*
	@for plan in $(PLANS); do vm/boot.sh $* $$plan $(B)/results-$* || exit 1; done

guest-%: boot-% ## boot one kernel (baseline, patched) with the test plan and judge it
	@vm/judge.sh -o $(B)/results-$*/summary.txt $(B)/results-$* >/dev/null || \
		{ sed -n '/^Failed:/,$$p' $(B)/results-$*/summary.txt; exit 1; }
	@tail -n 1 $(B)/results-$*/summary.txt

mutants: $(B)/obj-patched/arch/x86/boot/bzImage $(B)/rootfs.cpio selftests tests ## boot every wrong kernel of mutants/; each must be caught
	$(call stage,mutants: wrong kernels the tests must catch)
	@rm -rf $(B)/results-mutant-*
	@mutants/run.sh || true
	@vm/judge.sh -o $(B)/mutants.txt $(B)/results-mutant-* >/dev/null; rc=$$?; \
		sed -n '/^Mutants/,$$p' $(B)/mutants.txt; exit $$rc

judge-selftest: ## the judge's own test, on canned results
	@rm -rf $(B)/results-host && mkdir -p $(B)/results-host
	@echo "suite judge-selftest 120 vm/judge-selftest.sh" >$(B)/results-host/host.in
	@vm/host-run.sh $(B)/results-host/host.in $(B)/results-host

## --- The debug kernel and fuzzing ----------------------------------------------------
# The series as build/src has it, built with the expensive checks too (KASAN,
# KFENCE, lockdep, atomic sleep, debug objects): kconfig/*.config, then
# kconfig/debug-kernel/*.config, in build/obj-debug. In the results it is
# "patched-debug": every case must pass, and the "fails-on patched" controls
# (a userspace criu's holes) apply to it as to the patched kernel.
DEBUG_FRAGMENTS = kconfig/*.config kconfig/debug-kernel/*.config
DEBUG_IMAGE = $(B)/obj-debug/arch/x86/boot/bzImage
# Every plan, and the fuzzing boot. Under KASAN and lockdep the guest runs
# about N times slower: each suite gets TIMEOUT_SCALE times its time, and a
# boot DEBUG_GUEST_TIMEOUT seconds.
DEBUG_PLANS ?= $(PLANS) vm/testplan.fuzz
DEBUG_TIMEOUT_SCALE ?= 4
DEBUG_GUEST_TIMEOUT ?= 3600
# make fuzz FUZZ_SEED=N FUZZ_CALLS=M: another seed, more calls (default: the plan's).
FUZZ_SEED ?=
FUZZ_CALLS ?=

$(B)/obj-debug/.config: $(wildcard kconfig/*.config kconfig/debug-kernel/*.config) vm/kconfig.sh | tree
	@vm/kconfig.sh $(SRC) $(B)/obj-debug $(DEBUG_FRAGMENTS)

# trinity, the system call fuzzer: an archive of its own, like the JRE.
$(B)/trinity.cpio: vm/mkpkg.sh vm/guest-copy.sh $(B)/rootfs.built
	$(call stage,trinity: the system call fuzzer (for the fuzzing boot))
	@s=$$(date +%s); vm/mkpkg.sh $(B)/rootfs $@ trinity sh -c "trinity --help >/dev/null" && \
	echo "  TRINITY $$(du -sh $@ | cut -f1) build/trinity.cpio in $$(( $$(date +%s) - s )) s"

# The fuzzing plan as the guest gets it: FUZZ_SEED and FUZZ_CALLS put in.
$(B)/fuzz-plan/testplan.fuzz: vm/testplan.fuzz FORCE
	@mkdir -p $(@D)
	@sed -E -e '' $(if $(FUZZ_SEED),-e 's/(cr-fuzz.sh (fuzz|trinity)) [0-9]+/\1 $(FUZZ_SEED)/') \
		$(if $(FUZZ_CALLS),-e 's/(cr-fuzz.sh (fuzz|trinity) [0-9]+) [0-9]+/\1 $(FUZZ_CALLS)/') $< >$@

# debug-boot RESULTS-DIR PLAN...: boot the debug kernel with each plan, then judge.
debug-boot = rm -rf $1; s=$$(date +%s); \
	for plan in $2; do \
		BZIMAGE=$(DEBUG_IMAGE) GUEST_TIMEOUT=$(DEBUG_GUEST_TIMEOUT) TIMEOUT_SCALE=$(DEBUG_TIMEOUT_SCALE) \
		vm/boot.sh patched-debug $$plan $1 || exit 1; done; \
	echo "  GUEST   patched-debug: $(words $2) boots in $$(( $$(date +%s) - s )) s"; \
	vm/judge.sh -o $1/summary.txt $1 >/dev/null || { sed -n '/^Failed:/,$$p' $1/summary.txt; exit 1; }; \
	tail -n 1 $1/summary.txt

check-debug: $(DEBUG_IMAGE) $(B)/rootfs.cpio $(B)/jre.cpio $(B)/trinity.cpio $(B)/fuzz-plan/testplan.fuzz selftests tests ## the patched kernel with KASAN, KFENCE, lockdep: every plan and the fuzzing, judged
	$(call stage,guest: patched-debug kernel (KASAN, KFENCE, lockdep, debug objects))
	@$(call debug-boot,$(B)/results-patched-debug,$(patsubst vm/testplan.fuzz,$(B)/fuzz-plan/testplan.fuzz,$(DEBUG_PLANS)))

fuzz: $(DEBUG_IMAGE) $(B)/rootfs.cpio $(B)/trinity.cpio $(B)/fuzz-plan/testplan.fuzz tests ## fuzz the series' paths on the debug kernel as an ordinary user (FUZZ_SEED=, FUZZ_CALLS=)
	$(call stage,fuzzing: patched-debug kernel (uid 1000 with CAP_CHECKPOINT_RESTORE))
	@$(call debug-boot,$(B)/results-fuzz,$(B)/fuzz-plan/testplan.fuzz)

# KCSAN excludes KASAN: a kernel of its own (build/obj-kcsan, kconfig/kcsan/),
# with two CPUs, running the seccomp suspension and ptrace suites again and
# again beside cr-fuzz's ptrace races (vm/testplan.kcsan). Not part of make
# check: KCSAN also reports the base kernel's benign races; read its report.
$(B)/obj-kcsan/.config: $(wildcard kconfig/*.config kconfig/kcsan/*.config) vm/kconfig.sh | tree
	@vm/kconfig.sh $(SRC) $(B)/obj-kcsan kconfig/*.config kconfig/kcsan/*.config

# Only the files of the paths the series changes are instrumented (the rest
# with KCSAN_SANITIZE=n): a race is still seen when the other side is not
# instrumented (the watcher sees the value change: "race of unknown origin"),
# the kernel builds as fast as the patched one, and the report is about the
# series' paths, not the whole kernel's benign races.
KCSAN_FILES ?= seccomp ptrace pid pid_namespace sys signal fork exit cred capability commoncap \
	base tty_ioctl ipc_sysctl
$(B)/obj-kcsan/arch/x86/boot/bzImage: $(B)/obj-kcsan/.config FORCE
	$(call stage,kernel kcsan (obj-kcsan; KCSAN in $(words $(KCSAN_FILES)) files))
	@s=$$(date +%s); \
	$(MAKE) -s -C $(SRC) O=$(B)/obj-kcsan CC="$(KCC)" RUSTC=false -j$(JOBS) KCSAN_SANITIZE=n \
		$(foreach f,$(KCSAN_FILES),KCSAN_SANITIZE_$f.o=y) bzImage && \
	echo "  KERNEL  kcsan built in $$(( $$(date +%s) - s )) s"

check-kcsan: $(B)/obj-kcsan/arch/x86/boot/bzImage $(B)/rootfs.cpio selftests tests ## the patched kernel with KCSAN, two CPUs: the seccomp and ptrace suites in a loop
	$(call stage,guest: patched-kcsan kernel (KCSAN on 2 CPUs))
	@rm -rf $(B)/results-patched-kcsan
	@BZIMAGE=$(B)/obj-kcsan/arch/x86/boot/bzImage QEMU_SMP=2 GUEST_TIMEOUT=$(DEBUG_GUEST_TIMEOUT) \
		vm/boot.sh patched-kcsan vm/testplan.kcsan $(B)/results-patched-kcsan
	@vm/judge.sh -o $(B)/results-patched-kcsan/summary.txt $(B)/results-patched-kcsan >/dev/null || \
		{ sed -n '/^Failed:/,$$p' $(B)/results-patched-kcsan/summary.txt; \
		  grep -c 'BUG: KCSAN' $(B)/results-patched-kcsan/testplan.kcsan.console.log | sed 's/$$/ KCSAN reports/'; exit 1; }
	@tail -n 1 $(B)/results-patched-kcsan/summary.txt

## --- The README's two commands -----------------------------------------------------
check: lint judge-selftest $(foreach k,$(KERNELS),boot-$k) ## everything: lint, the judge's test, every kernel, the mutants, the summary
	@$(if $(MUTANTS),rm -rf $(B)/results-mutant-*; mutants/run.sh $(filter-out all,$(MUTANTS)) || true)
	$(call stage,summary)
	@vm/judge.sh -o $(B)/summary.txt $(B)/results-host $(foreach k,$(KERNELS),$(B)/results-$k) \
		$(if $(MUTANTS),$(B)/results-mutant-*)

run: $(B)/obj-patched/arch/x86/boot/bzImage $(B)/rootfs.cpio tests ## the story: checkpoint, reboot, restore, as an ordinary user
	@tests/story.sh

# The benchmarks, patched against baseline (BENCH_QUICK=1 for the short run).
bench: $(foreach k,baseline patched,$(call obj,$k)/arch/x86/boot/bzImage) $(B)/rootfs.cpio $(B)/jre.cpio tests ## the figures: patched against baseline
	$(call stage,benchmarks)
	@command -v gnuplot >/dev/null || vm/install-deps.sh gnuplot:gnuplot-nox
	@tests/bench.sh

fresh-check: ## make check in a clean bookworm chroot, from a fresh clone of HEAD
	@.ci/fresh-check.sh check

clean: ## remove what make built (not build/src)
	rm -rf $(B)/obj-* $(B)/results-* $(B)/kselftest* $(B)/*.cpio $(B)/fuzz-plan $(B)/jre.cpio.* $(B)/rootfs-extra $(B)/criu/criu $(B)/criu/criu-build* $(B)/runc/runc $(B)/runc/runc-build*
	@$(MAKE) -s -C tests clean
