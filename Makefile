# ebba — build, test, demo, bench, fuzz, package.
#
# Layout (docs/architecture.md): daemon/<stage>/ holds one stage of an
# application's flow, in the order LIB_STAGES lists them; all of them go into
# build/libebba.a, which the programs, the tests, the simulator and the
# fuzzers link.  The stages of OUT_STAGES come after them but go into an
# archive of their own (the letter's PDF: build/libebba-letter.a, with
# cairo, pango and qpdf), linked only into the programs that use it, never
# into ebbad.  The programs (daemon/ebbad/, daemon/ebbactl/) are built from
# their own folders.  New files are picked up by the globs; there is no list
# to keep in step.  contrib/layers.sh refuses a lower stage that includes a
# higher one, as part of every build.
CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
SAN     ?=

# Asked of pkg-config the first time a recipe needs them, not when the
# Makefile is read: `make demo` on a machine without the -dev packages must
# install them (deps) before anything asks.  The targets that a newcomer
# types (demo, check) also build in a sub-make after deps, so even a
# parallel make never compiles with empty include paths.
PKGS    := libpq libcurl libxml-2.0 yaml-0.1 libsystemd jansson libcrypto
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS) 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS) 2>/dev/null))$(PKG_LIBS)
PG_INC     = $(eval PG_INC := $$(shell pg_config --includedir 2>/dev/null))$(PG_INC)
# The letter's PDF (daemon/letter/): only its objects and the programs that
# link it ask for these.
LETTER_PKGS := pangocairo pangoft2 fontconfig libqpdf
LETTER_CFLAGS = $(eval LETTER_CFLAGS := $$(shell pkg-config --cflags $(LETTER_PKGS) 2>/dev/null))$(LETTER_CFLAGS)
LETTER_LIBS   = $(eval LETTER_LIBS := $$(shell pkg-config --libs $(LETTER_PKGS) 2>/dev/null))$(LETTER_LIBS)

# The digital mailbox's signature (daemon/deliver/, the simulator): xmlsec.
MAILBOX_PKGS := xmlsec1-openssl
MAILBOX_CFLAGS = $(eval MAILBOX_CFLAGS := $$(shell pkg-config --cflags $(MAILBOX_PKGS) 2>/dev/null))$(MAILBOX_CFLAGS)
MAILBOX_LIBS   = $(eval MAILBOX_LIBS := $$(shell pkg-config --libs $(MAILBOX_PKGS) 2>/dev/null))$(MAILBOX_LIBS)

# The simulator's HTTPS client-certificate check (contrib/regsim/): GnuTLS,
# as libmicrohttpd's TLS is.
SIM_PKGS := gnutls
SIM_LIBS = $(eval SIM_LIBS := $$(shell pkg-config --libs $(SIM_PKGS) 2>/dev/null))$(SIM_LIBS)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wvla -Wformat=2
CSTD    := -std=c17 -D_GNU_SOURCE
OPT     ?= -O2 -g
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
endif
# The version ebba_build_info reports: the newest debian/changelog entry.
EBBA_VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)
CFLAGS  += $(CSTD) $(WARN) $(OPT) -DEBBA_VERSION='"$(or $(EBBA_VERSION),unknown)"' -Iinclude -I$(BUILD)/gen $(PKG_CFLAGS) $(if $(PG_INC),-I$(PG_INC))
# (a comma inside $(if) would split the sanitizer list, so name it first)
SAN_LDFLAGS := -fsanitize=address,undefined
LDFLAGS += $(if $(filter 1,$(SAN)),$(SAN_LDFLAGS))
LDLIBS  += $(PKG_LIBS) -lm

LIB_STAGES := lib cel intake registers facts rules decide store whatif
OUT_STAGES := letter
PROGRAMS   := ebbad ebbactl web deliver
LIB_SRC  := $(foreach d,$(LIB_STAGES),$(wildcard daemon/$(d)/*.c))
LIB_OBJ  := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/embedded.o
LETTER_OBJ := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(foreach d,$(OUT_STAGES),$(wildcard daemon/$(d)/*.c)))
LETTER_A := $(BUILD)/libebba-letter.a
EBBAD_OBJ := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(wildcard daemon/ebbad/*.c))
CTL_OBJ  := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(wildcard daemon/ebbactl/*.c))
WEB_OBJ  := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(wildcard daemon/web/*.c))
DELIVER_OBJ := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(wildcard daemon/deliver/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRC))
SIM_SRC  := $(wildcard contrib/regsim/*.c)
GEN_SRC  := $(wildcard contrib/gen/*.c)
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
EMBED    := $(sort $(wildcard schema/*.sql)) schema/application.xsd $(wildcard schema/*.yaml) \
            $(sort $(wildcard daemon/web/templates/*.html)) $(wildcard daemon/web/static/*)

BINS := $(BUILD)/ebbad $(BUILD)/ebbactl $(BUILD)/ebba-web $(BUILD)/ebba-deliver \
        $(if $(SIM_SRC),$(BUILD)/ebba-regsim) $(if $(GEN_SRC),$(BUILD)/ebba-gen)

.PHONY: all deps check check-san demo demo-sso demo-stop bench fuzz fuzz-ci fuzz-build torture install clean deb security
all: $(BINS) $(UNIT_BIN) $(TOOL_BIN)

deps:
	@contrib/deps.sh

# -MMD -MP: each object depends on exactly the headers it includes, so a
# change to a private header rebuilds only its module.
$(BUILD)/obj/%.o: daemon/%.c | $(BUILD)/layers.ok
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<
-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)

# The letter's objects see cairo's, pango's and qpdf's headers; no other does.
$(LETTER_OBJ): CFLAGS += $(LETTER_CFLAGS)
# ebba-deliver's see xmlsec's (whose ABI defines must match the library's).
$(DELIVER_OBJ): CFLAGS += $(MAILBOX_CFLAGS)

# The stages may only include their own and lower stages' headers.
$(BUILD)/layers.ok: contrib/layers.sh $(shell find daemon include -name '*.[ch]' 2>/dev/null)
	@mkdir -p $(@D)
	@contrib/layers.sh "$(LIB_STAGES) $(OUT_STAGES)" "$(PROGRAMS)"
	@touch $@

$(BUILD)/obj $(BUILD)/tests $(BUILD)/gen:
	@mkdir -p $@

# SQL migrations, the application XSD and shipped tables are compiled in, so
# the binaries need no data files to validate documents or migrate a database.
$(BUILD)/embed: contrib/embed.c | $(BUILD)/obj
	$(CC) -std=c17 -O1 -o $@ $<
$(BUILD)/gen/embedded.c: $(BUILD)/embed $(EMBED) | $(BUILD)/gen
	$(BUILD)/embed $(EMBED) > $@
$(BUILD)/obj/embedded.o: $(BUILD)/gen/embedded.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libebba.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(LETTER_A): $(LETTER_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/ebbad: $(EBBAD_OBJ) $(BUILD)/libebba.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lmicrohttpd -lpthread
# (libarchive: export-person's tar archive, ebbactl only)
$(BUILD)/ebbactl: $(CTL_OBJ) $(LETTER_A) $(BUILD)/libebba.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(LETTER_LIBS) -larchive
$(BUILD)/ebba-web: $(WEB_OBJ) $(LETTER_A) $(BUILD)/libebba.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(LETTER_LIBS) -lmicrohttpd -lpthread
$(BUILD)/ebba-deliver: $(DELIVER_OBJ) $(LETTER_A) $(BUILD)/libebba.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(LETTER_LIBS) $(MAILBOX_LIBS) -lmicrohttpd -lpthread
$(BUILD)/ebba-regsim: $(SIM_SRC) $(BUILD)/libebba.a
	$(CC) $(CFLAGS) $(MAILBOX_CFLAGS) $(LDFLAGS) -o $@ $(SIM_SRC) $(BUILD)/libebba.a $(LDLIBS) $(MAILBOX_LIBS) $(SIM_LIBS) -lmicrohttpd
$(BUILD)/ebba-gen: $(GEN_SRC) $(BUILD)/libebba.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(GEN_SRC) $(BUILD)/libebba.a $(LDLIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libebba.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(BUILD)/libebba.a $(LDLIBS) -lcmocka
$(BUILD)/tests/%: tests/tools/%.c $(BUILD)/libebba.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(BUILD)/libebba.a $(LDLIBS)
# The letter renderer's timing tool links the letter's archive too.
$(BUILD)/tests/letter_bench: tests/tools/letter_bench.c $(LETTER_A) $(BUILD)/libebba.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(LETTER_A) $(BUILD)/libebba.a $(LDLIBS) $(LETTER_LIBS)

# The template renderer is in libebba.a (lib/template.c); the layout lives
# in the web program folder, and its unit test links that object itself.
WEB_TMPL_OBJ := $(BUILD)/obj/web/layout.o
$(BUILD)/tests/test_template: tests/unit/test_template.c $(WEB_TMPL_OBJ) $(BUILD)/libebba.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -MMD -MP -Idaemon/web $(LDFLAGS) -o $@ $< $(WEB_TMPL_OBJ) $(BUILD)/libebba.a $(LDLIBS) -lcmocka
$(BUILD)/tests/test_svg_chart: tests/unit/test_svg_chart.c $(BUILD)/obj/web/svg_chart.o $(BUILD)/libebba.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -MMD -MP -Idaemon/web $(LDFLAGS) -o $@ $< $(BUILD)/obj/web/svg_chart.o $(BUILD)/libebba.a $(LDLIBS) -lcmocka
$(BUILD)/tests/test_sso: tests/unit/test_sso.c $(BUILD)/obj/web/sso.o $(BUILD)/libebba.a | $(BUILD)/tests
	$(CC) $(CFLAGS) -MMD -MP -Idaemon/web $(LDFLAGS) -o $@ $< $(BUILD)/obj/web/sso.o $(BUILD)/libebba.a $(LDLIBS) -lcmocka
$(BUILD)/fuzz/fuzz_template: fuzz/fuzz_template.c $(BUILD)/libebba.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Idaemon/web -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/libebba.a $(LDLIBS)

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
# LeakSanitizer is on (detect_leaks=1): a leak fails the test that leaked.
# Every UBSan finding is fatal (-fno-sanitize-recover=all, halt_on_error).
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1 \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp
check-san: deps
	$(MAKE) BUILD=build-san SAN=1 CC=clang all
	@$(SAN_ENV) BUILD=build-san tests/run

demo: deps
	@$(MAKE) --no-print-directory all
	@contrib/demo/run.sh

# Single sign-on beside the demo: the test OpenID Provider and Apache with
# mod_auth_openidc in front of a second ebba-web (auth: proxy).
demo-sso: deps
	@$(MAKE) --no-print-directory all
	@contrib/demo/sso.sh

demo-stop:
	@contrib/demo/stop.sh $(CURDIR)/$(BUILD)/demo

# Every target a newcomer may type first installs what is missing (deps),
# then builds in a sub-make, as check and demo do.
bench: deps
	@$(MAKE) --no-print-directory all
	@contrib/bench/run.sh

torture: deps
	@$(MAKE) --no-print-directory all
	@tests/torture/run.sh

# libFuzzer: contrib/fuzz.sh builds the library with fuzzer coverage and
# ASan+UBSan into build-fuzz/, links every fuzz/fuzz_*.c (fuzz-build, below)
# and runs each on a copy of its seed corpus for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_BIN := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
fuzz: deps
	@contrib/fuzz.sh $(FUZZ_SECONDS)
fuzz-ci: deps
	@contrib/fuzz.sh 30
fuzz-build: $(FUZZ_BIN)
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(BUILD)/libebba.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/libebba.a $(LDLIBS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/ebba/rules
	install -m 0755 $(BUILD)/ebbactl $(DESTDIR)$(PREFIX)/bin/ebbactl
	install -m 0755 $(BUILD)/ebbad $(DESTDIR)$(PREFIX)/sbin/ebbad
	install -m 0755 $(BUILD)/ebba-web $(DESTDIR)$(PREFIX)/sbin/ebba-web
	install -m 0755 $(BUILD)/ebba-deliver $(DESTDIR)$(PREFIX)/sbin/ebba-deliver
	cp -r rules/. $(DESTDIR)$(PREFIX)/share/ebba/rules/
	install -m 0644 schema/ebba-rules.schema.json schema/ebba-rule-tests.schema.json \
		schema/ebba-api.openapi.yaml $(DESTDIR)$(PREFIX)/share/ebba/

# The Debian package, built from a copy of the tree under $(BUILD)/deb;
# prints lintian's result and fails on any lintian error.
deb: deps
	@packaging/build-deb.sh $(BUILD)/deb

# The unit's exposure under systemd-analyze (offline: no running systemd
# needed).  --threshold is the exposure times ten: 15 means at most 1.5.
security: deps
	@rc=0; for u in packaging/ebba.service packaging/ebba-web.service packaging/ebba-deliver.service; do \
	out=$$(systemd-analyze security --offline=true --threshold=15 $$u 2>&1) || rc=1; \
	printf '%s\n' "$$out" | tail -n 1; done; exit $$rc

clean:
	rm -rf build build-san build-fuzz
