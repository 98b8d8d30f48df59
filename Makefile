# The README's two commands: `make demo` and `make test`. `make` builds build/vigil and
# the web UI (web/dist).
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build web bootstrap demo test sanitize format bench clean package
all: build

bootstrap:
	./scripts/bootstrap

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja

build: $(BUILD)/build.ninja web
	cmake --build $(BUILD) -j $(JOBS)

# The web UI: `npm ci` only when node_modules is missing or the lock file changed, the
# Vite build only when a source changed.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.js
web/node_modules/.vigil-installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.vigil-installed $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html

demo: bootstrap build
	BUILD=$(BUILD) ./scripts/demo config/demo.yml

test: bootstrap build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The unit tier and the shutdown-under-load test under AddressSanitizer (+UBSan) and
# ThreadSanitizer, each in its own build folder (build-address, build-thread). Only the
# code under test is instrumented (unit_tests and the vigil binary, -O1 with line tables
# for the reports); the shutdown test's harness is the ordinary build's integration_tests
# pointed at the instrumented binary. CI runs it after `make test`.
SANITIZERS ?= address thread
SAN_FLAGS = -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1"
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1 suppressions=$(abspath tests/tsan.supp)"
sanitize: bootstrap build
	set -e; for s in $(SANITIZERS); do \
	  cmake -S . -B build-$$s -G Ninja -DVIGIL_SANITIZE=$$s $(SAN_FLAGS) >/dev/null; \
	  cmake --build build-$$s -j $(JOBS) --target unit_tests vigil; \
	  (cd build-$$s && export VIGIL_TEST_MEDIA=$(abspath $(BUILD))/media VIGIL_BIN=$$PWD/vigil $(SAN_ENV) && \
	    ./tests/unit_tests --gtest_brief=1 && \
	    $(abspath $(BUILD))/tests/integration_tests --gtest_brief=1 --gtest_filter='Shutdown.*'); \
	done

bench: bootstrap build
	./bench/run

format:
	clang-format -i $$(find src tests -name '*.cpp' -o -name '*.h')

clean:
	rm -rf $(BUILD) web/dist

# The Debian package build/vigil_<version>_amd64.deb (packaging/, docs/package.md).
package: build
	cd $(BUILD) && cpack -G DEB
