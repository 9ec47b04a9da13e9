# SPDX-License-Identifier: GPL-2.0
#
# pwrmig: make builds the module for every installed Debian kernel, the
# eBPF objects and the userspace programs, all under build/.
#
#   make            build everything          make V=1   show commands
#   make check      run the test suite        make demo  show it working
#   make bench      benchmarks (ratios)
#   make fuzz       the netlink fuzzer at full length, and the stress test
#   make install    DESTDIR= PREFIX=/usr/local
#   make doc        build/doc/architecture.svg from Documentation/architecture.dot
#   make regen      regenerate uapi + ops table from the netlink spec
#   make checkpatch kernel style check of kmod/
#   make clean

VERSION		:= $(shell cat VERSION)
BUILD		:= build
KSRC_TAR	?= /usr/src/linux-source-6.12.tar.xz
KSRC		:= $(BUILD)/ksrc
KVERS		?= $(shell scripts/kernels | awk '{ print $$2 }')
PREFIX		?= /usr/local
DESTDIR		?=

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-9s %s\n' '$(1)' '$(2)'
MAKEFLAGS += --no-print-directory
endif

CC		?= gcc
PKGS		:= libnl-genl-3.0 json-c libbpf
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) libpcap libnl-route-3.0 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CTL_PKGS	:= libpcap libnl-route-3.0
CTL_LIBS	:= $(shell pkg-config --libs $(CTL_PKGS) 2>/dev/null)
WARN		:= -Wall -Wextra -Wshadow -Wno-unused-parameter -Werror
CFLAGS		?= -O2 -g
ALL_CFLAGS	:= $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -fPIC \
		   -DPWRMIG_VERSION='"$(VERSION)"' -Iinclude/uapi -Iuserspace/lib -Icommon \
		   -iquote bpf -iquote $(BUILD)/bpf \
		   $(PKG_CFLAGS) -MD -MP

.PHONY: all kmod bpf userspace tests ksrc deps check demo bench fuzz install install-module install-userspace clean regen checkpatch doc
all: kmod bpf userspace tests doc

# ---- kernel module, once per kernel ----------------------------------------
# The pure C the module shares with userspace (common/).
KMOD_COMMON := common/attrib.c common/attrib.h common/ctrid.h common/sites.c common/sites.h \
	       common/cgterms.c common/cgterms.h common/refusal.h \
	       common/broker.c common/broker.h
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h kmod/test/*.c) $(KMOD_COMMON) Kbuild VERSION \
	     include/uapi/linux/pwrmig.h

define kmod_rule
$(BUILD)/kmod/$(1)/pwrmig.ko: $(KMOD_SRCS)
	$$(call msg,KMOD,$$@)
	$(Q)mkdir -p $(BUILD)/kmod/$(1)/kmod/test $(BUILD)/kmod/$(1)/common
	$(Q)ln -sfn $(CURDIR)/Kbuild $(CURDIR)/VERSION $(CURDIR)/include $(BUILD)/kmod/$(1)/
	$(Q)for f in kmod/*.[ch]; do ln -sf $(CURDIR)/$$$$f $(BUILD)/kmod/$(1)/kmod/; done
	$(Q)for f in kmod/test/*.c; do ln -sf $(CURDIR)/$$$$f $(BUILD)/kmod/$(1)/kmod/test/; done
	$(Q)for f in $(KMOD_COMMON); do ln -sf $(CURDIR)/$$$$f $(BUILD)/kmod/$(1)/common/; done
	$(Q)$(MAKE) -C $(or $(KDIR_$(1)),/lib/modules/$(1)/build) M=$(CURDIR)/$(BUILD)/kmod/$(1) \
		PWRMIG_TEST=m modules \
		$(if $(filter 1,$(V)),V=1,-s > $(BUILD)/kmod/$(1)/build.log 2>&1 || \
		{ cat $(BUILD)/kmod/$(1)/build.log; exit 1; })
	$(Q)touch $$@
kmod: $(BUILD)/kmod/$(1)/pwrmig.ko
endef
$(foreach k,$(KVERS),$(eval $(call kmod_rule,$(k))))
kmod:
	$(if $(KVERS),,$(error no Debian 6.1/6.12 kernel headers installed: run scripts/install-deps))

# ---- kernel source pieces: kselftest harness, YNL, checkpatch ---------------
KSRC_PATHS := tools/testing/selftests/kselftest_harness.h \
	      tools/testing/selftests/kselftest.h tools/net/ynl \
	      Documentation/netlink scripts/checkpatch.pl scripts/spelling.txt \
	      scripts/const_structs.checkpatch
$(KSRC)/.stamp: $(KSRC_TAR)
	$(call msg,EXTRACT,$(KSRC) from $(notdir $(KSRC_TAR)))
	$(Q)rm -rf $(KSRC) && mkdir -p $(KSRC)
	$(Q)tar -xJf $(KSRC_TAR) -C $(KSRC) --strip-components=1 \
		$(addprefix linux-source-6.12/,$(KSRC_PATHS))
	@# ynl-gen-c.py looks for MAINTAINERS to find the tree's root.
	$(Q)touch $(KSRC)/MAINTAINERS $@
ksrc: $(KSRC)/.stamp

# ---- eBPF: CO-RE objects, skeletons, loaders -----------------------------------
VMLINUX_BTF	?= /sys/kernel/btf/vmlinux
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
		   -I$(BUILD)/bpf -Ibpf
BPF_NAMES	:= $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c))
BPF_SKELS	:= $(BPF_NAMES:%=$(BUILD)/bpf/%.skel.h)
BPF_LOADERS	:= $(BPF_NAMES:%=$(BUILD)/obj/bpf/%.o)

# vmlinux.h comes from the running kernel's BTF; CO-RE relocates at load.
$(BUILD)/bpf/vmlinux.h:
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)bpftool btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/%.h $(BUILD)/bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)clang $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)bpftool gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(BPF_LOADERS): $(BUILD)/obj/bpf/%.o: $(BUILD)/bpf/%.skel.h
.SECONDARY: $(BPF_NAMES:%=$(BUILD)/bpf/%.bpf.o)

$(BUILD)/lib/libpwrmig-bpf.a: $(BPF_LOADERS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^

bpf: $(BUILD)/lib/libpwrmig-bpf.a

# ---- userspace -------------------------------------------------------------
LIB_SRCS	:= $(wildcard userspace/lib/*.c)
CTL_SRCS	:= $(wildcard userspace/pwrmigctl/*.c)
LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/libpwrmig-spec.o
# Pure C that more than one program uses (common/): the attribution
# arithmetic (the module's too), parsers, small file and text helpers.
COMMON_OBJS	:= $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard common/*.c))
CTL_OBJS	:= $(CTL_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/specnames.o $(COMMON_OBJS)

$(BUILD)/lib/libcommon.a: $(COMMON_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^

# From the spec: names of ops and attributes for decoders; libpwrmig's
# policies, enum names and parse tables (with userspace/lib/bindings.yaml).
SPEC		:= Documentation/netlink/specs/pwrmig.yaml
UAPI		:= include/uapi/linux/pwrmig.h
$(BUILD)/gen/specnames.c: $(SPEC) scripts/spec-gen
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)/usr/bin/python3 scripts/spec-gen names $< $@

$(BUILD)/gen/libpwrmig-spec.h: $(BUILD)/gen/libpwrmig-spec.c
$(BUILD)/gen/libpwrmig-spec.c: $(SPEC) userspace/lib/bindings.yaml scripts/spec-gen
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)/usr/bin/python3 scripts/spec-gen lib $< userspace/lib/bindings.yaml \
		$@.tmp $(BUILD)/gen/libpwrmig-spec.h && mv $@.tmp $@

$(LIB_OBJS): $(BUILD)/gen/libpwrmig-spec.h
$(LIB_OBJS): ALL_CFLAGS += -iquote userspace/lib -iquote $(BUILD)/gen

$(BUILD)/obj/gen/libpwrmig-spec.o: $(BUILD)/gen/libpwrmig-spec.c $(UAPI) Makefile
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/gen/specnames.o: $(BUILD)/gen/specnames.c $(UAPI) Makefile
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -iquote userspace/pwrmigctl -c $< -o $@

$(BUILD)/obj/%.o: %.c $(UAPI) Makefile
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/lib/libpwrmig.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/pwrmigctl: $(CTL_OBJS) $(BUILD)/lib/libpwrmig.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(CTL_LIBS)

# The shared library for schedulers: versioned soname, exports per map.
SONAME		:= libpwrmig.so.0
$(BUILD)/lib/libpwrmig.so.$(VERSION): $(LIB_OBJS) userspace/lib/libpwrmig.map
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=userspace/lib/libpwrmig.map -o $@ $(LIB_OBJS) \
		$(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
	$(Q)ln -sf libpwrmig.so.$(VERSION) $(BUILD)/lib/$(SONAME)
	$(Q)ln -sf $(SONAME) $(BUILD)/lib/libpwrmig.so

# The node daemon: libpwrmig (module mode), the eBPF collector and the
# shared arithmetic (module-less mode), libmicrohttpd (exporter), NVML
# through dlopen, OpenSSL (the migration link's TLS and SHA-256).
PD_SRCS		:= $(wildcard userspace/pwrmigd/*.c userspace/pwrmigd/metering/*.c \
			   userspace/pwrmigd/migration/*.c userspace/pwrmigd/family/*.c)
PD_OBJS		:= $(PD_SRCS:%.c=$(BUILD)/obj/%.o)
# Error texts are cut to their buffers on purpose; paths are bounded by
# the configuration's limits (state_dir, cgroup_root: 255 bytes).
$(BUILD)/obj/userspace/pwrmigd/%.o: ALL_CFLAGS += -Wno-format-truncation -iquote userspace/pwrmigd
PD_LIBS		:= $(shell pkg-config --libs libmicrohttpd openssl 2>/dev/null) -ldl -lpthread
# family/ serves the spec's family from the spec's tables (specnames.o).
$(BUILD)/bin/pwrmigd: $(PD_OBJS) $(COMMON_OBJS) $(BUILD)/obj/gen/specnames.o \
		$(BUILD)/lib/libpwrmig.a $(BUILD)/lib/libpwrmig-bpf.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(PD_LIBS)

# The test build of pwrmigd: the same sources with the fault points of
# migration/fault.h (PWRMIG_FAULT), for the tests that crash it at a step.
PD_TEST_OBJS	:= $(PD_SRCS:%.c=$(BUILD)/obj-test/%.o)
$(PD_TEST_OBJS): $(BUILD)/obj-test/%.o: %.c $(UAPI) Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-format-truncation -iquote userspace/pwrmigd \
		-DPWRMIG_TEST_HOOKS -c $< -o $@
$(BUILD)/tests/bin/pwrmigd: $(PD_TEST_OBJS) $(COMMON_OBJS) $(BUILD)/obj/gen/specnames.o \
		$(BUILD)/lib/libpwrmig.a $(BUILD)/lib/libpwrmig-bpf.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(PD_LIBS)

# pwrmigd's GPU sampler alone, for scripts/gpu-check on a GPU host: the C
# library only (NVML is loaded at run time).
$(BUILD)/bin/pwrmig-gpu-check: tests/gpu/gpu_check.c tests/gpu/no_gpu_bpf.c \
		$(BUILD)/obj/userspace/pwrmigd/metering/gpu.o \
		$(BUILD)/obj/userspace/pwrmigd/metering/gpu_drm.o \
		$(BUILD)/obj/userspace/pwrmigd/cgroups.o $(BUILD)/obj/userspace/pwrmigd/config.o \
		$(BUILD)/obj/userspace/pwrmigd/log.o \
		$(BUILD)/lib/libpwrmig.a $(COMMON_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -iquote userspace/pwrmigd -o $@ $(filter %.c %.o %.a,$^) -ldl

# The peak-shaving controller: COIN-OR CLP (the planning LP) and CBC (the
# offline optimum's MILP) through their C interfaces, json-c, libpwrmig
# (the module), libmicrohttpd (its metrics), libcurl (remote /metrics).
SHP_SRCS	:= $(wildcard userspace/pwrmig-shaper/*.c)
SHP_OBJS	:= $(SHP_SRCS:%.c=$(BUILD)/obj/%.o)
SHP_LIBS	:= $(shell pkg-config --libs cbc libmicrohttpd libcurl 2>/dev/null) -lpthread -lm
# Where make install puts the tariffs: a live configuration's default.
$(BUILD)/obj/userspace/pwrmig-shaper/%.o: ALL_CFLAGS += -DPWRMIG_DATADIR='"$(PREFIX)/share/pwrmig"' 
$(BUILD)/bin/pwrmig-shaper: $(SHP_OBJS) $(COMMON_OBJS) $(BUILD)/lib/libpwrmig.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(SHP_LIBS)

userspace: $(BUILD)/bin/pwrmigctl $(BUILD)/bin/pwrmigd $(BUILD)/bin/pwrmig-gpu-check \
	   $(BUILD)/lib/libpwrmig.so.$(VERSION) $(BUILD)/bin/pwrmig-shaper

# ---- tests (kselftest harness) ---------------------------------------------
TEST_CFLAGS := $(ALL_CFLAGS) -Wno-sign-compare -Wno-clobbered -I$(KSRC)/tools/testing/selftests \
	       -iquote tests/lib
HOST_TESTS  := $(patsubst tests/host/%.c,$(BUILD)/tests/host/%,$(wildcard tests/host/*.c))
GUEST_TESTS := $(patsubst tests/guest/%.c,$(BUILD)/tests/guest/%,$(wildcard tests/guest/*.c))

TEST_LIBS   := $(BUILD)/lib/libpwrmig.a $(BUILD)/lib/libpwrmig-bpf.a $(BUILD)/lib/libcommon.a

# The shaper's unit tests: its objects but main, and its libraries.
SHP_TEST_OBJS := $(filter-out %/main.o,$(SHP_OBJS)) $(COMMON_OBJS) $(BUILD)/lib/libpwrmig.a
$(BUILD)/tests/host/shaper_%: tests/host/shaper_%.c $(SHP_TEST_OBJS) $(KSRC)/.stamp Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -iquote userspace/pwrmig-shaper -o $@ $< $(SHP_TEST_OBJS) \
		$(PKG_LIBS) $(SHP_LIBS)

# The migration receiver's image-path rules, alone.
$(BUILD)/tests/host/imgpath: tests/host/imgpath.c $(BUILD)/obj/userspace/pwrmigd/migration/imgpath.o \
		$(KSRC)/.stamp Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -iquote userspace/pwrmigd/migration -o $@ $< \
		$(BUILD)/obj/userspace/pwrmigd/migration/imgpath.o

# pwrmigd's configuration keys, alone.
$(BUILD)/tests/host/config_keys: tests/host/config_keys.c $(BUILD)/obj/userspace/pwrmigd/config.o \
		$(BUILD)/obj/userspace/pwrmigd/log.o $(BUILD)/lib/libcommon.a $(KSRC)/.stamp Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -iquote userspace/pwrmigd -o $@ $< \
		$(BUILD)/obj/userspace/pwrmigd/config.o $(BUILD)/obj/userspace/pwrmigd/log.o \
		$(BUILD)/lib/libcommon.a

# The netlink fuzzer builds its messages from the spec's generated tables.
$(BUILD)/tests/fuzz/nlfuzz: tests/fuzz/nlfuzz.c tests/fuzz/nlfuzz_build.c tests/fuzz/nlfuzz.h \
		$(BUILD)/obj/gen/specnames.o Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/nlfuzz.c tests/fuzz/nlfuzz_build.c \
		$(BUILD)/obj/gen/specnames.o

$(BUILD)/tests/%: tests/%.c $(TEST_LIBS) $(KSRC)/.stamp Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $< $(TEST_LIBS) $(PKG_LIBS)

tests: $(HOST_TESTS) $(GUEST_TESTS) $(BUILD)/tests/bin/pwrmigd $(BUILD)/tests/fuzz/nlfuzz fuzz-parsers $(BUILD)/tests/mig/trainjob $(BUILD)/tests/lib/bpf_bystander $(BUILD)/bench/pingpong $(BUILD)/bench/ledger_fill $(BUILD)/bench/split \
	$(BUILD)/examples/cheapest-site $(BUILD)/tests/nvml/libnvidia-ml.so.1

# A test double of NVIDIA's NVML with the same soname and ABI.
$(BUILD)/tests/nvml/libnvidia-ml.so.1: tests/nvml/nvml_double.c Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -shared -fPIC -Wl,-soname,libnvidia-ml.so.1 -o $@ $<

# The example consumer, linked to the shared library as a scheduler would.
$(BUILD)/examples/%: Documentation/examples/%.c $(BUILD)/lib/libpwrmig.so.$(VERSION)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< -L$(BUILD)/lib -lpwrmig \
		-Wl,-rpath,'$$ORIGIN/../lib'

$(BUILD)/bench/split: tests/bench/split.c $(BUILD)/obj/common/attrib.o Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/obj/common/attrib.o

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/lib/libpwrmig.a Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/lib/libpwrmig.a $(PKG_LIBS)

-include $(shell find $(BUILD) -path $(BUILD)/debug-kernel -prune -o -name '*.d' -type f -print 2>/dev/null)

# ---- the two commands of README.md ------------------------------------------
# Both install what is missing first, then build in a fresh make so that
# kernel versions and library flags are read after the install.
deps:
	$(Q)scripts/install-deps

check: deps
	$(Q)$(MAKE) all
	$(Q)tests/run

demo: deps
	$(Q)$(MAKE) all
	$(Q)scripts/demo

# Benchmarks print ratios; they are not tests.
fuzz: all fuzz-parsers
	$(Q)tests/fuzz/run
	$(Q)tests/fuzz/run-parsers

# libFuzzer harnesses (clang, ASan + UBSan) of the parsers of outside
# files: tests/fuzz/parsers.c, one binary per parser.
FUZZ_CC		:= clang
FUZZ_CFLAGS	:= -g -O1 -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=undefined -D_GNU_SOURCE -DPWRMIG_FUZZING \
		   -DPWRMIG_DATADIR='"/nonexistent"' -Iinclude/uapi \
		   -Iuserspace/lib -Icommon $(PKG_CFLAGS)
SHP		:= userspace/pwrmig-shaper
FUZZ_SRC_config   := userspace/pwrmigd/config.c
FUZZ_SRC_tariff   := $(SHP)/tariff.c $(SHP)/reader.c
FUZZ_SRC_feed     := $(SHP)/feed.c $(SHP)/reader.c
FUZZ_SRC_scenario := $(SHP)/scenario.c $(SHP)/feed.c $(SHP)/tariff.c \
		     $(SHP)/reader.c $(SHP)/model.c $(SHP)/config.c
FUZZ_INC_config   := -Iuserspace/pwrmigd
FUZZ_SRC_capture  := userspace/pwrmigctl/capture.c userspace/pwrmigctl/capture_decode.c \
		     userspace/pwrmigctl/output.c \
		     $(BUILD)/gen/specnames.c -lpcap -lnl-route-3
FUZZ_SRC_wire     := $(addprefix userspace/pwrmigd/migration/,receive.c rx_files.c rx_decide.c \
		     wire.c journal.c) \
		     userspace/pwrmigd/migration/imgpath.c \
		     userspace/pwrmigd/config.c userspace/pwrmigd/log.c -lssl -lcrypto -lpthread
FUZZ_SRC_reply    := $(wildcard userspace/lib/*.c) $(BUILD)/gen/libpwrmig-spec.c
FUZZ_INC_reply    := -iquote userspace/lib -iquote $(BUILD)/gen
FUZZ_SRC_famsock  := $(wildcard userspace/pwrmigd/family/*.c) userspace/pwrmigd/log.c \
		     $(BUILD)/gen/specnames.c
FUZZ_INC_famsock  := -Iuserspace/pwrmigd -DPWRMIG_VERSION='"$(VERSION)"'
FUZZ_INC_capture  := -Iuserspace/pwrmigctl
FUZZ_INC_wire     := -Iuserspace/pwrmigd -iquote userspace/pwrmigd/migration
FUZZ_PARSERS	:= config forecast tariff feed scenario capture wire reply famsock
.PHONY: fuzz-parsers
fuzz-parsers: $(FUZZ_PARSERS:%=$(BUILD)/fuzz/parse-%)
# A parser with a harness of its own (tests/fuzz/NAME.c) builds from that.
$(BUILD)/fuzz/parse-%: tests/fuzz/parsers.c $(wildcard tests/fuzz/*.c) $(wildcard userspace/*/*.[ch] userspace/*/*/*.[ch] common/*.[ch]) $(BUILD)/gen/specnames.c \
			  $(BUILD)/gen/libpwrmig-spec.c Makefile
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_$(shell echo $* | tr a-z A-Z) \
		$(or $(FUZZ_INC_$*),-I$(SHP)) -o $@ $(or $(wildcard tests/fuzz/$*.c),$<) $(FUZZ_SRC_$*) \
		$(wildcard common/*.c) -lm $(PKG_LIBS)

bench: all
	$(Q)scripts/bench --host
	$(Q)for k in 6.1 6.12; do scripts/bench --kernel $$k; done
	$(Q)scripts/bench-migrate --kernel 6.1
	$(Q)scripts/bench-shaper

# ---- the architecture picture (graphviz) --------------------------------------
$(BUILD)/doc/architecture.svg: Documentation/architecture.dot
	$(call msg,DOT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)dot -Tsvg $< -o $@.tmp && mv $@.tmp $@
doc: $(BUILD)/doc/architecture.svg

# ---- spec -> uapi header and ops table ---------------------------------------
# Committed, as the kernel does, and kept to the spec: a build after the spec
# changed regenerates them with the kernel's ynl-gen-c.py (tests/host/spec.sh
# checks that what is committed is what it makes).
GENL_FILES	:= include/uapi/linux/pwrmig.h kmod/genl.c kmod/genl.h
$(GENL_FILES) &: $(SPEC)
	$(call msg,YNL,$(GENL_FILES))
	$(Q)$(MAKE) -s ksrc && scripts/ynl-regen

regen: ksrc
	$(Q)scripts/ynl-regen

checkpatch: ksrc
	$(Q)perl $(KSRC)/scripts/checkpatch.pl --no-tree --quiet -f \
		$(filter-out kmod/genl.c kmod/genl.h,$(wildcard kmod/*.[ch] kmod/test/*.c)) $(KMOD_COMMON)

# ---- install -----------------------------------------------------------------
# install: the module for each kernel whose headers are here, and the rest;
# install-userspace: the rest alone (a node that runs the module-less mode,
# or builds the module with DKMS).
install: all install-module install-userspace
install-module: kmod
	$(Q)for k in $(KVERS); do \
		install -D -m 644 $(BUILD)/kmod/$$k/pwrmig.ko \
			$(DESTDIR)/lib/modules/$$k/updates/pwrmig.ko; \
		[ -n "$(DESTDIR)" ] || depmod -a $$k; \
	done
install-userspace: userspace
	$(Q)install -D -m 755 $(BUILD)/bin/pwrmigctl $(DESTDIR)$(PREFIX)/sbin/pwrmigctl
	$(Q)install -D -m 755 $(BUILD)/bin/pwrmigd $(DESTDIR)$(PREFIX)/sbin/pwrmigd
	$(Q)install -D -m 755 $(BUILD)/bin/pwrmig-shaper $(DESTDIR)$(PREFIX)/sbin/pwrmig-shaper
	$(Q)install -D -m 644 Documentation/man/pwrmig-shaper.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/pwrmig-shaper.8
	$(Q)install -d $(DESTDIR)$(PREFIX)/share/pwrmig/tariffs
	$(Q)install -m 644 data/tariffs/*.tariff $(DESTDIR)$(PREFIX)/share/pwrmig/tariffs/
	$(Q)install -D -m 644 data/prometheus/pwrmig.rules.yml \
		$(DESTDIR)$(PREFIX)/share/pwrmig/prometheus/pwrmig.rules.yml
	$(Q)install -D -m 644 Documentation/pwrmigd.conf $(DESTDIR)/etc/pwrmig/pwrmigd.conf.example
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	$(Q)sed 's|@SBINDIR@|$(PREFIX)/sbin|' scripts/pwrmigd.service.in \
		> $(DESTDIR)$(PREFIX)/lib/systemd/system/pwrmigd.service
	$(Q)install -D -m 644 scripts/pwrmigd-sandbox.conf \
		$(DESTDIR)$(PREFIX)/share/doc/pwrmig/pwrmigd-sandbox.conf
	$(Q)install -D -m 644 Documentation/man/pwrmigd.8 $(DESTDIR)$(PREFIX)/share/man/man8/pwrmigd.8
	$(Q)install -D -m 755 $(BUILD)/lib/libpwrmig.so.$(VERSION) \
		$(DESTDIR)$(PREFIX)/lib/libpwrmig.so.$(VERSION)
	$(Q)ln -sf libpwrmig.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	$(Q)ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libpwrmig.so
	$(Q)install -D -m 644 userspace/lib/pwrmig.h $(DESTDIR)$(PREFIX)/include/pwrmig.h
	@# The .pc names the prefix installed to, so it is made here.
	$(Q)mkdir -p $(DESTDIR)$(PREFIX)/lib/pkgconfig
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		userspace/lib/libpwrmig.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libpwrmig.pc
	$(Q)install -D -m 644 Documentation/man/pwrmigctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/pwrmigctl.8
	$(Q)install -D -m 644 scripts/completion/pwrmigctl \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/pwrmigctl
	$(Q)install -D -m 644 include/uapi/linux/pwrmig.h $(DESTDIR)$(PREFIX)/include/linux/pwrmig.h
	$(Q)install -D -m 644 Documentation/netlink/specs/pwrmig.yaml \
		$(DESTDIR)$(PREFIX)/share/pwrmig/pwrmig.yaml
	@# The new soname where programs look for it (not into a DESTDIR).
	$(Q)[ -n "$(DESTDIR)" ] || ldconfig

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)
