# bench.mk: `make bench`, the benchmark harness (tools/bench.sh and its drivers in tests/bench/).

BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
# The drivers that time client code in-process link it as the unit tests do.
BENCH_CLIENT := $(BUILD)/bench/bench_decode $(BUILD)/bench/bench_log_tail

$(BUILD)/obj/tests/bench/%.o: CFLAGS += -Werror

$(BENCH_CLIENT): $(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIB_CLIENT) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lutil

# NVIDIA's CLI is a reference row when its source is beside the checkout; without it the
# rows say so.
bench: $(PROGRAMS) $(BUILD)/tests/fixture_server $(BENCH_BINS) \
       $(if $(wildcard $(OSMO_CLI_SETUP)),$(BUILD)/osmo-cli/bin/osmo)
	$(Q)tools/deps.sh curl python3 linux-perf
	$(Q)BUILD=$(BUILD) tools/bench.sh
