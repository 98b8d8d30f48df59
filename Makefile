# The README's two commands: `make demo` and `make test`. `make` builds build/vigil and
# the web UI (web/dist).
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build web bootstrap demo test format bench clean
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

bench: bootstrap build
	./bench/run

format:
	clang-format -i $$(find src tests -name '*.cpp' -o -name '*.h')

clean:
	rm -rf $(BUILD) web/dist
