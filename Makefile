# The README's two commands: `make demo` and `make test`. `make` builds build/vigil.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build bootstrap demo test format bench clean
all: build

bootstrap:
	./scripts/bootstrap

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

demo: bootstrap build
	BUILD=$(BUILD) ./scripts/demo config/demo.yml

test: bootstrap build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: bootstrap build
	./bench/run

format:
	clang-format -i $$(find src tests -name '*.cpp' -o -name '*.h')

clean:
	rm -rf $(BUILD)
