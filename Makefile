# credpipe - build, test, demo, install.
#
#   make deps      install the Debian packages in debian-packages.txt (only
#                  what is missing; needs root then)
#   make           every program into bin/
#   make check     build and run every test (SANITIZE=1: ASan+UBSan build)
#   make check-pg  the registry's tests again on a private PostgreSQL
#   make fuzz      every libFuzzer harness of tests/fuzz/ for FUZZ_S seconds
#   make tsan      a ThreadSanitizer build, run over the samples
#   make demo      the whole pipeline on samples/
#   make demo-cluster  the samples through credpipe submit on a one-node
#                  Slurm cluster started for it (tests/cluster/)
#   make bench     the benchmark (bench/)
#   make install   PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CXX     ?= c++
FUZZ_CC ?= clang
FUZZ_CXX ?= clang++
FUZZ_S  ?= 60
PKGS     = libxml-2.0 zbar zxing libpng libjpeg libqrencode sqlite3 libpq \
           libsodium harfbuzz-subset harfbuzz fontconfig

# FUZZ=1: the library and the harnesses of tests/fuzz/ built with clang
# for libFuzzer, ASan and UBSan (any UB aborts: the fuzzer reports it).
ifeq ($(FUZZ),1)
CC       = $(FUZZ_CC)
CXX      = $(FUZZ_CXX)
BUILD   ?= build/fuzz
BIN     ?= build/fuzz/bin
SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined \
           -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT     ?= -O1 -g
# TSAN=1: every program built with clang's ThreadSanitizer (make tsan).
else ifeq ($(TSAN),1)
CC       = $(FUZZ_CC)
CXX      = $(FUZZ_CXX)
BUILD   ?= build/tsan
BIN     ?= build/tsan/bin
SANFLAGS = -fsanitize=thread -fno-omit-frame-pointer
OPT     ?= -O1 -g
else ifeq ($(SANITIZE),1)
BUILD   ?= build/san
BIN     ?= build/san/bin
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer
OPT     ?= -O1 -g
else
BUILD   ?= build/std
BIN     ?= bin
SANFLAGS =
OPT     ?= -O2 -g
endif

# Hardening, on in every build: stack canaries, position-independent
# programs with a read-only GOT bound at start (relro + now), and glibc's
# checked string and memory functions (_FORTIFY_SOURCE=3, which needs
# optimisation; not with ASan or TSan, whose interceptors do that work
# and do not combine with the _chk variants).
HARDEN   = -fstack-protector-strong -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now
ifeq ($(SANITIZE)$(FUZZ)$(TSAN),)
HARDEN  += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
endif
# Builds are byte-identical from any checkout path: no absolute source
# path in debug information or __FILE__ (tests/build/ checks it).
REPRO    = -ffile-prefix-map=$(CURDIR)=.

WARN     = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
PKGCFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALLCFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SANFLAGS) $(HARDEN) \
            $(REPRO) -Iinclude $(PKGCFLAGS) \
            -DCREDPIPE_VERSION='"$(VERSION)"' $(CFLAGS) -MMD -MP
# the one C++ unit (qrzxing.cc, zxing-cpp's interface): the same flags
# less the C-only warnings
CXXWARN  = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wno-unused-parameter
ALLCXXFLAGS = -std=c++17 -D_GNU_SOURCE $(OPT) $(CXXWARN) $(SANFLAGS) \
            $(HARDEN) $(REPRO) -Iinclude $(PKGCFLAGS) $(CXXFLAGS) -MMD -MP
ALLLDFLAGS = $(LDHARDEN) $(LDFLAGS)
# MuPDF is a static library in Debian: its private libraries too
MUPDFLIBS := $(shell pkg-config --static --libs mupdf 2>/dev/null)
LDLIBS    = $(PKGLIBS) $(MUPDFLIBS) -lhpdf -lzint -lstdc++ -lm -lpthread
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

LIB_SRC  = $(wildcard stages/common/*.c)
LIB_CXX  = $(wildcard stages/common/*.cc)
LIB_OBJ  = $(LIB_SRC:stages/common/%.c=$(BUILD)/common/%.o) \
           $(LIB_CXX:stages/common/%.cc=$(BUILD)/common/%.o)
LIB      = $(BUILD)/libcredpipe.a
PROG_SRC = $(wildcard stages/*.c)
PROGS    = $(PROG_SRC:stages/%.c=$(BIN)/%)
TEST_SRC = $(wildcard tests/unit/test_*.c)
TESTS    = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOLS    = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS  = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: all deps check check-pg check-sanitize demo demo-cluster bench install \
        clean tests tools fuzz fuzz-build tsan

all: $(PROGS)

# The packages' own scripts start no daemon (policy-rc.d answers 101 for
# the install): munged and slurmd from Debian's defaults would keep running
# beside the private ones tests/cluster/up.sh starts.
deps:
	@missing=$$(grep -v '^[[:space:]]*\(#\|$$\)' debian-packages.txt | \
	  while read -r p; do \
	    dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | \
	      grep -q 'install ok installed' || echo "$$p"; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing:" $$missing; \
	  sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    policy=/usr/sbin/policy-rc.d; \
	    printf '#!/bin/sh\nexit 101\n' | $$sudo tee $$policy >/dev/null && \
	    $$sudo chmod 755 $$policy; \
	  fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	    --no-install-recommends $$missing; \
	  status=$$?; [ -z "$$policy" ] || $$sudo rm -f $$policy; \
	  exit $$status; \
	fi

$(BUILD)/common/%.o: stages/common/%.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c -o $@ $<

$(BUILD)/common/%.o: stages/common/%.cc
	@mkdir -p $(@D)
	$(CXX) $(ALLCXXFLAGS) -c -o $@ $<

$(BUILD)/stages/%.o: stages/%.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BIN)/%: $(BUILD)/stages/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(ALLLDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(ALLLDFLAGS) -Itests/unit -o $@ $< $(LIB) \
	  $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(wildcard tests/tools/*.h) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(ALLLDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/fuzz/seeds: tests/fuzz/seeds.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(ALLLDFLAGS) -Itests/fuzz -o $@ $< $(LIB) \
	  $(LDLIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(ALLLDFLAGS) -fsanitize=fuzzer -Itests/fuzz \
	  -o $@ $< $(LIB) $(LDLIBS)

tests: $(TESTS)
tools: $(TOOLS)
# fuzz-build: with FUZZ=1 (make fuzz sets it)
fuzz-build: $(FUZZERS) $(BUILD)/fuzz/seeds $(BUILD)/tools/mkpng \
            $(BUILD)/tools/reportsample

# tsan: every program under ThreadSanitizer, the pipeline on samples/ with
# several jobs a stage; any report fails it
tsan: deps
	$(MAKE) TSAN=1 all tools
	CREDPIPE_BIN=build/tsan/bin CREDPIPE_BUILD=build/tsan \
	  bash tests/tsan/run.sh

# fuzz: each harness for FUZZ_S seconds; findings in build/fuzz/artifacts/
fuzz: deps
	$(MAKE) FUZZ=1 fuzz-build
	CREDPIPE_FUZZ_BUILD=build/fuzz bash tests/fuzz/run.sh $(FUZZ_S)

# check: the plain build, the registry's tests on PostgreSQL too, then
# the same suite under ASan+UBSan.
check: deps
	$(MAKE) all tests tools
	CREDPIPE_BIN=$(BIN) CREDPIPE_BUILD=$(BUILD) bash tests/run.sh
	$(MAKE) check-pg
ifneq ($(SANITIZE),1)
	$(MAKE) SANITIZE=1 check-sanitize
endif

# check-pg: the tests that exercise the registry - its unit test, the
# records, check, typeset and manifest areas, the crash and rerun runs -
# on a PostgreSQL registry: tests/run.sh starts a private server
# (tests/cluster/pg.sh) for the run and stops it after; each test home
# gets a schema of its own.
PG_TESTS = unit/test_registry records check typeset manifest \
           e2e/test_crash e2e/test_rerun
check-pg:
	CREDPIPE_BIN=$(BIN) CREDPIPE_BUILD=$(BUILD) CREDPIPE_TEST_RECORDS=pg \
	  bash tests/run.sh $(PG_TESTS)

check-sanitize:
	$(MAKE) SANITIZE=1 all tests tools
	CREDPIPE_BIN=build/san/bin CREDPIPE_BUILD=build/san CREDPIPE_SANITIZE=1 \
	  bash tests/run.sh

demo: deps
	$(MAKE) all tools
	CREDPIPE_BIN=$(BIN) CREDPIPE_BUILD=$(BUILD) ./pipeline.sh demo

demo-cluster: deps
	$(MAKE) all tools
	CREDPIPE_BIN=$(BIN) CREDPIPE_BUILD=$(BUILD) bash tests/cluster/demo.sh

bench: deps
	$(MAKE) all tools
	CREDPIPE_BIN=$(BIN) CREDPIPE_BUILD=$(BUILD) bash bench/run.sh

# install: the programs, the shared files, the units and examples, and the
# man pages as credpipe-<program>.1 so that they collide with no other
# package's check(1) or records(1).
SHARE    = $(DESTDIR)$(PREFIX)/share/credpipe
UNITDIR ?= $(PREFIX)/lib/systemd/system
install: all tools
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/credpipe/tools \
	  $(SHARE)/schemas $(SHARE)/samples $(SHARE)/examples/cron.d \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/share/man/man1
	sed 's|^CREDPIPE_PREFIX=.*|CREDPIPE_PREFIX=$(PREFIX)|' pipeline.sh \
	  > $(DESTDIR)$(PREFIX)/bin/credpipe
	chmod 755 $(DESTDIR)$(PREFIX)/bin/credpipe
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/libexec/credpipe/
	install -m 755 $(BUILD)/tools/mkpng $(BUILD)/tools/qrpage \
	  $(DESTDIR)$(PREFIX)/libexec/credpipe/tools/
	install -m 644 schemas/*.xsd $(SHARE)/schemas/
	cp -R samples/. $(SHARE)/samples/
	for f in etc/credpipe.service etc/credpipe.timer etc/credpipe.path; do \
	  sed 's|@PREFIX@|$(PREFIX)|g' $$f > $(DESTDIR)$(UNITDIR)/$${f#etc/}; \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$${f#etc/}; done
	sed 's|@PREFIX@|$(PREFIX)|g' etc/cron.d/credpipe > $(SHARE)/examples/cron.d/credpipe
	$(BIN)/control --home /nonexistent --example-config > $(SHARE)/examples/credpipe.conf
	for f in man/*.1; do \
	  name=$${f#man/}; [ "$$name" = credpipe.1 ] || name=credpipe-$$name; \
	  install -m 644 $$f $(DESTDIR)$(PREFIX)/share/man/man1/$$name; done

clean:
	rm -rf build bin

-include $(wildcard $(BUILD)/*/*.d)
