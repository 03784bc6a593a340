# Makefile: builds osmotop and osmo-local and runs every test layer. `make help` lists targets.

BUILD    ?= build
CC       ?= cc
PKGS     := ncursesw libcurl libcjson yajl yaml-0.1 nettle
Q        := $(if $(V),,@)

WARN     := -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Wpedantic -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
ifeq ($(CI),true)
WARN     += -Werror
endif
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
ifdef SAN
OPT      := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN    := -fsanitize=address,undefined
endif

# ncursesw.pc adds -D_XOPEN_SOURCE=600 -D_DEFAULT_SOURCE; we choose our own feature macros.
PKG_CFLAGS = $(filter-out -D%,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -MMD -MP
CFLAGS   += $(WARN) $(OPT) $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lwslay -lm
TEST_LIBS = $(shell pkg-config --libs cmocka libmicrohttpd nettle 2>/dev/null) -lm
# common/yaml.c is the one libyaml file; both programs link it through libcommon.a.
COMMON_LIBS = $(shell pkg-config --libs yaml-0.1 2>/dev/null)
SERVER_LIBS = $(shell pkg-config --libs libmicrohttpd libcjson nettle 2>/dev/null) $(COMMON_LIBS) -lwslay -lutil -lm

COMMON_SRC := $(wildcard common/*.c)
CLIENT_SRC := $(wildcard client/*.c)
TUI_SRC    := $(filter-out tui/main.c,$(wildcard tui/*.c))
SERVER_SRC := $(filter-out server/main.c,$(wildcard server/*.c))
SUPPORT_SRC := $(wildcard tests/support/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# Layers: each sees only its own headers and those of the layers under it, through a root of
# links made for it, so an include that crosses the architecture does not compile.
LAYERS          := common client tui server
LAYER_SEES_common := common
LAYER_SEES_client := common client
LAYER_SEES_tui    := common client tui
LAYER_SEES_server := common server
LAYER_ROOTS     := $(foreach l,$(LAYERS),$(BUILD)/inc/$(l)/.made)
$(BUILD)/inc/%/.made: Makefile
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(Q)for d in $(LAYER_SEES_$*); do ln -s $(CURDIR)/include/$$d $(dir $@)$$d; done
	@touch $@
$(foreach l,$(LAYERS),$(eval $(BUILD)/obj/$(l)/%.o: CPPFLAGS += -I$(BUILD)/inc/$(l)))
# Tests reach into every layer (server and client side by side).
$(BUILD)/obj/tests/%.o: CPPFLAGS += -Iinclude
LIB_COMMON := $(BUILD)/lib/libcommon.a
LIB_CLIENT := $(BUILD)/lib/libclient.a
LIB_TUI    := $(BUILD)/lib/libtui.a
LIB_SERVER := $(BUILD)/lib/libserver.a

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
INTEG_TESTS := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/test_*.c))
TEST_TOOLS := $(patsubst tests/support/tool_%.c,$(BUILD)/tests/%,$(wildcard tests/support/tool_*.c))
SUPPORT_OBJ := $(call obj,$(filter-out tests/support/tool_%.c,$(SUPPORT_SRC)))

PROGRAMS := $(BUILD)/bin/osmotop $(if $(wildcard server/main.c),$(BUILD)/bin/osmo-local)

.PHONY: all deps deps-lint test test-unit test-integration test-e2e test-layers test-docs check \
        lint format demo install uninstall deb test-deb \
        bench clean help ensure-deps screenshots interop
.DEFAULT_GOAL := all

all: $(PROGRAMS)

help:
	@echo "make            build $(PROGRAMS)"
	@echo "make deps       install the Debian packages (idempotent)"
	@echo "make test       unit, integration and end-to-end tests (what CI runs)"
	@echo "make check      unit and integration tests under ASan+UBSan"
	@echo "make fuzz       every libFuzzer target for FUZZ_SECONDS each (clang; build/fuzz)"
	@echo "make interop    NVIDIA's osmo CLI against osmo-local (tests/interop)"
	@echo "make install    install in PREFIX (/usr/local; DESTDIR for a staging root)"
	@echo "make uninstall  remove what make install put there"
	@echo "make deb        build/pkg/osmotop_VERSION_ARCH.deb from debian/ (lintian-checked)"
	@echo "make lint       clang-format check and cppcheck"
	@echo "make demo       start osmo-local and show osmotop on an example workflow"
	@echo "make screenshots  render screenshots/*.png from osmotop in tmux (aha, chromium)"
	@echo "make bench      time osmotop, its references and osmo-local; writes BENCHMARKS.md"
	@echo "make clean      remove $(BUILD)/"

deps:
	$(Q)tools/deps.sh

deps-lint:
	$(Q)tools/deps.sh clang-format cppcheck

# Every build checks for the libraries first, so a fresh machine needs no separate step.
ensure-deps:
	$(Q)tools/deps.sh --check 2>/dev/null || tools/deps.sh

$(BUILD)/obj/%.o: %.c | ensure-deps $(LAYER_ROOTS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/tests/%.o: CPPFLAGS += -Itests/support

$(LIB_COMMON): $(call obj,$(COMMON_SRC))
$(LIB_CLIENT): $(call obj,$(CLIENT_SRC))
$(LIB_TUI): $(call obj,$(TUI_SRC))
$(LIB_SERVER): $(call obj,$(SERVER_SRC))
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/osmotop: $(call obj,tui/main.c) $(LIB_TUI) $(LIB_CLIENT) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/osmo-local: $(call obj,server/main.c $(SERVER_SRC)) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(SERVER_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(SUPPORT_OBJ) $(LIB_TUI) $(LIB_CLIENT) $(LIB_SERVER) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(LDLIBS) $(TEST_LIBS)

$(BUILD)/tests/itest_%: $(BUILD)/obj/tests/integration/itest_%.o $(SUPPORT_OBJ) $(LIB_TUI) $(LIB_CLIENT) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^ $(LDLIBS) $(TEST_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/support/tool_%.o $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $(LDSAN) -o $@ $^

# Integration binaries live in tests/integration/test_*.c but link as itest_* to keep names apart.
$(BUILD)/obj/tests/integration/itest_%.o: tests/integration/test_%.c | ensure-deps $(LAYER_ROOTS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

INTEG_BINS := $(patsubst $(BUILD)/tests/test_%,$(BUILD)/tests/itest_%,$(INTEG_TESTS))

test-unit: $(UNIT_TESTS)
	$(Q)tools/run-tests.sh unit $(UNIT_TESTS)

test-integration: $(INTEG_BINS) $(TEST_TOOLS) $(PROGRAMS)
	$(Q)BUILD=$(BUILD) tools/run-tests.sh integration $(INTEG_BINS)

test-e2e: $(PROGRAMS) $(TEST_TOOLS)
	$(Q)BUILD=$(BUILD) tools/run-e2e.sh

# Deliberate layer violations in tests/layers must fail to compile; the controls must not.
test-layers: $(LAYER_ROOTS)
	$(Q)CC="$(CC)" tools/check-layers.sh $(BUILD) $(wildcard tests/layers/*.c)

# The man pages against --help and the keymap; an install into a scratch root, used; the
# bash and zsh completions (zsh installed here: only this target needs it).
test-docs: $(PROGRAMS)
	$(Q)tools/deps.sh zsh
	$(Q)BUILD=$(BUILD) sh tests/docs/man.sh
	$(Q)BUILD=$(BUILD) bash tests/docs/install.sh
	$(Q)BUILD=$(BUILD) bash tests/docs/completion.sh
	$(Q)BUILD=$(BUILD) bash tests/docs/completion_zsh.sh

test: all
	$(Q)$(MAKE) --no-print-directory test-layers test-docs test-unit test-integration test-e2e

# Goldens and tmux scenarios see UTF-8 whatever the caller's locale (without it osmotop
# draws ASCII, as a terminal in the C locale needs).
test test-unit test-integration test-e2e test-docs interop: export LC_ALL := C.UTF-8

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/osmotop
INSTALLED := $(addprefix $(BINDIR)/,$(notdir $(PROGRAMS))) \
             $(addprefix $(MANDIR)/man1/,$(notdir $(wildcard man/*.1))) \
             $(addprefix $(DATADIR)/examples/,$(notdir $(wildcard examples/*.yaml))) \
             $(PREFIX)/share/bash-completion/completions/osmotop \
             $(PREFIX)/share/zsh/site-functions/_osmotop

# osmotop starts the osmo-local beside it, so both go to BINDIR.
install: all
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/examples
	$(Q)install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	$(Q)install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	$(Q)install -m 644 examples/*.yaml $(DESTDIR)$(DATADIR)/examples/
	$(Q)install -D -m 644 completions/osmotop.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/osmotop
	$(Q)install -D -m 644 completions/_osmotop $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_osmotop
	@echo "installed osmotop and osmo-local in $(DESTDIR)$(BINDIR)"

# A Debian package from debian/, built in a copy of the tree so its files land in $(BUILD)/pkg.
deb:
	$(Q)tools/deps.sh debhelper dpkg-dev lintian
	$(Q)rm -rf $(BUILD)/pkg && mkdir -p $(BUILD)/pkg/src
	$(Q)tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C $(BUILD)/pkg/src
	$(Q)cd $(BUILD)/pkg/src && dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || \
		{ tail -30 ../build.log; exit 1; }
	$(Q)lintian $(BUILD)/pkg/*.deb
	@ls $(BUILD)/pkg/*.deb

test-deb: deb
	$(Q)BUILD=$(BUILD) bash tests/docs/deb.sh

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)rmdir $(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(DATADIR) 2>/dev/null || true

# NVIDIA's own CLI, made runnable from the copy beside the checkout (a test client only).
OSMO_CLI_SETUP ?= ../shared/osmo-cli/setup.sh
$(BUILD)/osmo-cli/bin/osmo:
	$(Q)$(OSMO_CLI_SETUP) --target $(BUILD)/osmo-cli

interop: $(PROGRAMS) $(BUILD)/osmo-cli/bin/osmo
	$(Q)for t in $(filter-out tests/interop/lib.sh,$(wildcard tests/interop/*.sh)); do echo "== interop: $$t"; BUILD=$(BUILD) $$t || exit 1; done

check:
	$(Q)$(MAKE) --no-print-directory BUILD=build/san SAN=1 test-unit test-integration

lint: deps-lint
	$(Q)clang-format --dry-run -Werror $(wildcard */*.c */*.h tests/*/*.c tests/*/*.h)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -Iinclude common client tui server

format:
	$(Q)clang-format -i $(wildcard */*.c */*.h tests/*/*.c tests/*/*.h)

demo: all $(TEST_TOOLS)
	$(Q)BUILD=$(BUILD) tools/demo.sh

screenshots: $(PROGRAMS)
	$(Q)BUILD=$(BUILD) tools/screenshots.sh

clean:
	rm -rf $(BUILD)

include bench.mk
include fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
.SECONDARY:
