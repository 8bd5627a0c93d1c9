# A thin wrapper over CMake. The two commands of the README:
#   make demo   build, then watch two weir stacks talk (build/weir demo)
#   make test   install what the tests need, build, run every test plainly and under ASan+UBSan
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60

.PHONY: all demo test test-plain test-asan deps fuzz fuzz-smoke tidy format check-layers clean \
        conformance sim-table bench

all: $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory -s

$(BUILD)/Makefile:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

$(ASAN_BUILD)/Makefile:
	@CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWEIR_SANITIZE=ON \
	    $(CMAKE_FLAGS) >/dev/null

demo: all
	@./$(BUILD)/weir demo

deps:
	@scripts/install-deps.sh

test: deps
	@$(MAKE) --no-print-directory test-plain
	@$(MAKE) --no-print-directory test-asan
	@scripts/check-layers.sh
	@scripts/run-tidy.sh $(BUILD)
	@echo "make test: all suites passed (plain and ASan+UBSan), layers and clang-tidy clean"

test-plain: all
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: $(ASAN_BUILD)/Makefile
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory -s
	@cd $(ASAN_BUILD) && WEIR_FUZZ_SMOKE=1 ctest --output-on-failure -j $(JOBS)

$(FUZZ_BUILD)/Makefile:
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWEIR_FUZZ=ON \
	    -DWEIR_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null

# Long fuzzing: every target for FUZZ_SECONDS each (make fuzz FUZZ_SECONDS=3600).
fuzz: deps $(FUZZ_BUILD)/Makefile
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) -- --no-print-directory -s
	@scripts/run-fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The public packetdrill scripts against weir, strict and relaxed, into docs/CONFORMANCE.md.
# A report, not a gate: failures do not fail the target.
PKT_SCRIPTS ?= ../shared/packetdrill
conformance: all
	@if [ -d $(PKT_SCRIPTS) ]; then \
	    ./$(BUILD)/weir pkt --profile auto --markdown docs/CONFORMANCE.md \
	        --json $(BUILD)/conformance.json $(PKT_SCRIPTS) > $(BUILD)/conformance.txt || true; \
	    sed -n '/^topic /,$$p' $(BUILD)/conformance.txt; \
	    echo "make conformance: wrote docs/CONFORMANCE.md (per-script lines: $(BUILD)/conformance.txt)"; \
	else \
	    echo "make conformance: $(PKT_SCRIPTS) not found (a fresh clone has no public scripts); nothing to run"; \
	fi

# The simulation's goodput matrix (loss x delay x buffer x congestion control, in virtual time,
# so the same on every machine) into docs/SIM_GOODPUT.md: a change in the engine's performance
# shows up as a diff there. Fails if any cell did not deliver every byte.
sim-table: $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS) --target test_sim_matrix -- --no-print-directory -s
	@$(BUILD)/tests/sim/test_sim_matrix --table docs/SIM_GOODPUT.md
	@echo "make sim-table: wrote docs/SIM_GOODPUT.md"

# The benchmarks of issue 5 (bench/run.sh): weir and the Linux kernel side by side in one run,
# the kernel side in network namespaces of its own (root). Prints one markdown table, also
# written to $(BUILD)/bench.md; asserts nothing. About 4 minutes on 2 cores, after the build.
bench: deps all
	@bench/run.sh $(BUILD)

tidy: all
	@scripts/run-tidy.sh $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

check-layers:
	@scripts/check-layers.sh

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
