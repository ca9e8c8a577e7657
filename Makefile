# Obol: `make` builds build/obol; `make run` starts it with a demo shop;
# `make test` runs every test (unit, black-box, sanitizer build).
CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
override CFLAGS += -std=c11 -D_GNU_SOURCE $(WARNINGS) -pthread -I/usr/include/postgresql
LIBS = -lmicrohttpd -ljansson -lsqlite3 -lpq -lcurl -lcrypto -lm -pthread
TEST_LIBS = -lcmocka

BUILD ?= build
SOURCES = $(wildcard src/core/*.c src/store/*.c src/order/*.c src/acquirer/*.c src/payment/*.c src/dialect/*.c src/notify/*.c src/http/*.c src/page/*.c src/api/*.c)
OBJECTS = $(SOURCES:%.c=$(BUILD)/%.o)
UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))
DEPS_STAMP = .deps-installed

.PHONY: all run test unit blackbox asan bench clean deps fuzz fuzz-build unit-build
all: $(BUILD)/obol

# Installs the Debian packages once (the script is idempotent).
$(DEPS_STAMP): scripts/install-deps.sh
	./scripts/install-deps.sh
	touch $@

deps: $(DEPS_STAMP)

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libobol.a: $(OBJECTS)
	ar rcs $@ $^

$(BUILD)/obol: $(BUILD)/src/cli/main.o $(BUILD)/libobol.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libobol.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(BUILD)/libobol.a $(LIBS) $(TEST_LIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libobol.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libobol.a $(LIBS)

unit-build: $(UNIT_TESTS)

run: $(BUILD)/obol
	./$(BUILD)/obol serve --demo --database obol.db --listen 127.0.0.1:8080

# Every test: unit and black-box on the normal build, then both again on
# the ASan+UBSan build. tests/run prints the summary line.
test: $(DEPS_STAMP)
	./tests/run

unit: $(UNIT_TESTS)
	./tests/run-unit $(BUILD)

asan:
	$(MAKE) BUILD=build-asan CC=gcc \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  build-asan/obol unit-build

# libFuzzer targets (clang), each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 20
FUZZ_TARGETS = $(patsubst tests/fuzz/%.c,build-fuzz/tests/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" fuzz-build
	./tests/run-fuzz $(FUZZ_SECONDS)

fuzz-build: $(FUZZ_TARGETS)

build-fuzz/tests/fuzz/%: tests/fuzz/%.c $(BUILD)/libobol.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libobol.a $(LIBS)

bench: $(BUILD)/obol $(BUILD)/bench/store_bench
	./bench/run

clean:
	rm -rf build build-asan build-fuzz

-include $(OBJECTS:.o=.d) $(UNIT_TESTS:=.d) $(BUILD)/src/cli/main.d
