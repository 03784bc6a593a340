# fuzz.mk: libFuzzer targets (tests/fuzz/fuzz_*.c), built by clang under ASan+UBSan in
# build/fuzz/ and run by tools/fuzz.sh; `make fuzz FUZZ_SECONDS=N`.

FUZZ_BUILD   := build/fuzz
FUZZ_SECONDS ?= 30
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# clang 14 takes the fields a designated initializer leaves out for missing ones; gcc does not.
FUZZ_OPT     := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined -Wno-missing-field-initializers
FUZZ_LIBS     = $(LDLIBS) $(SERVER_LIBS)

.PHONY: fuzz fuzz-build

# FUZZ_TARGETS="decode spec" runs some of them.
fuzz: fuzz-build
	$(Q)BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tools/fuzz.sh $(or $(FUZZ_TARGETS),$(FUZZ_NAMES))

# The whole tree again with clang and the fuzzer's coverage, in a build directory of its own.
fuzz-build:
	$(Q)tools/deps.sh clang libclang-rt-dev
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT="$(FUZZ_OPT)" \
		$(patsubst %,$(FUZZ_BUILD)/bin/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/bin/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/fuzz.o $(LIB_TUI) $(LIB_CLIENT) $(LIB_SERVER) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(FUZZ_LIBS)
