# mirai - the README's two commands.
#
#   make run    install missing Debian packages, configure, build, run the main job
#   make test   install missing Debian packages, configure, build, run every test
#
# Other targets: build, deps, sanitize, tsan, fuzz, clean.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_ARGS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

# Debian packages mirai builds against, and its test/benchmark peers
DEB_BUILD = cmake make gcc g++ pkg-config libyaml-dev \
            cyclonedds-dev cyclonedds-tools libopenblas-dev liblapacke-dev libccd-dev \
            libbullet-dev libxml2-dev libcmocka-dev
DEB_PEERS = libmujoco-dev rt-tests clang libclang-rt-14-dev tcpdump openssl iproute2
DEB_ALL   = $(DEB_BUILD) $(DEB_PEERS)

.PHONY: all deps build run test sanitize tsan fuzz clean

all: build

# install whatever is missing: as root with apt-get; otherwise say exactly what to run
deps:
	@missing=""; \
	for p in $(DEB_ALL); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "mirai: installing:$$missing"; \
	    if [ -z "$$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -n 1)" ]; then \
	      apt-get update -qq || exit 1; \
	    fi; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing || \
	      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } || exit 1; \
	  else \
	    echo "mirai: missing Debian packages; run as root:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

# the reference MCAP reader (@mcap/core) for a cross-check test; optional:
# without npm, or offline, that one test reports itself skipped
	@if command -v npm >/dev/null 2>&1 && [ ! -d $(BUILD)/tools/node_modules/@mcap/core ]; then \
	  mkdir -p $(BUILD)/tools && \
	  (timeout 120 npm install --silent --no-audit --no-fund --prefix $(BUILD)/tools @mcap/core@2 >/dev/null 2>&1 || \
	   echo "mirai: could not install @mcap/core (npm); the MCAP cross-check will be skipped"); \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# the simulated cell for 30 s of cell time (lockstep: rt/clock), then the report
# (also as JSON in $(BUILD)/cell_sim_report.json); RUN_ARGS adds mirai launch options
RUN_SECONDS ?= 30
RUN_ARGS    ?=
run: build
	$(BUILD)/launch/mirai launch launch/cell_sim.yaml --duration $(RUN_SECONDS) \
	  --report $(BUILD)/cell_sim_report.json $(RUN_ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# unit and integration tests under AddressSanitizer and UndefinedBehaviorSanitizer
# (any report fails the test: halt_on_error, UBSan included); -O1 as ASan
# advises: at -O0 the predictor cannot keep its 50 Hz and the closed-loop and
# fault tests would time out instead of testing anything; asserts stay on
SAN_ENV = ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0 \
          UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
sanitize: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMIRAI_SANITIZE=address,undefined \
	  '-DCMAKE_C_FLAGS_DEBUG=-g -O1' '-DCMAKE_CXX_FLAGS_DEBUG=-g -O1' \
	  -DMIRAI_CUDA=OFF -DMIRAI_BUILD_BENCH=OFF $(CMAKE_ARGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) -L 'unit|integration'

# ThreadSanitizer over the node runtime (dds node/executor) and the
# controller's plan handoff (controller core, rt loop, controller node):
# the tests labelled tsan (tests/integration/fault.cmake), in build-tsan/
TSAN_ENV = TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/data/fault_tsan.supp
tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DMIRAI_SANITIZE=thread \
	  -DMIRAI_CUDA=OFF -DMIRAI_BUILD_BENCH=OFF $(CMAKE_ARGS)
	cmake --build build-tsan -j $(JOBS) --target mirai_tsan_tests
	cd build-tsan && $(TSAN_ENV) ctest --output-on-failure -j $(JOBS) -L tsan

# every libFuzzer harness for FUZZ_SECONDS each (clang build in build-fuzz/);
# a crash stops with the reproducer in build-fuzz/ (keep it in tests/fuzz/corpus/<name>/)
FUZZ_SECONDS ?= 30
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMIRAI_FUZZ=ON \
	  -DMIRAI_CUDA=OFF -DMIRAI_BUILD_BENCH=OFF $(CMAKE_ARGS)
	cmake --build build-fuzz -j $(JOBS)
	@set -e; for f in build-fuzz/tests/fuzz_*; do \
	  name=$${f##*/fuzz_}; mkdir -p build-fuzz/corpus/$$name; \
	  echo "fuzz $$name: $(FUZZ_SECONDS) s"; \
	  rc=0; (cd build-fuzz && ./tests/fuzz_$$name -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	     -print_final_stats=1 corpus/$$name ../tests/fuzz/corpus/$$name > fuzz_$$name.log 2>&1) || rc=$$?; \
	  tail -n 8 build-fuzz/fuzz_$$name.log; \
	  if [ $$rc -ne 0 ]; then echo "fuzz $$name: FAILED (see build-fuzz/fuzz_$$name.log)"; exit 1; fi; \
	done

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
