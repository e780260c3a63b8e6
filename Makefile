# tldrlab — build, test, run, bench, install.
#
#   make            build bin/tldrlab (release)
#   make test       build and run every test (unit tests and the fuzz corpus under ASan+UBSan, CLI tests)
#   make test-debug the same with the CLI tests on bin/tldrlab-debug
#   make fuzz       each reader's libFuzzer target for FUZZ_SECONDS (needs clang: install-deps.sh --fuzz)
#   make run        install missing packages, build, run the example and the quickstart sweep
#   make bench      benchmarks against the Python/R/PyTorch peers, and 2 MPI ranks against 2 threads -> docs/benchmarks.md
#   make debug      bin/tldrlab-debug with AddressSanitizer + UBSan
#   make install PREFIX=/usr/local
#
# Dependencies come through pkg-config (gsl, libcjson, openblas) plus -lcsv.
# scripts/install-deps.sh installs whichever Debian packages are missing.

CC      ?= cc
PREFIX  ?= /usr/local
VERSION := 0.1.0

PKGS := gsl libcjson openblas
HAVE_DEPS := $(shell pkg-config --exists $(PKGS) 2>/dev/null && test -f /usr/include/csv.h && echo yes)

# Probed optional features: -march=native and OpenMP when the compiler takes them.
NATIVE := $(shell $(CC) -march=native -x c -c -o /dev/null /dev/null 2>/dev/null && echo -march=native)
OPENMP := $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c -o /dev/null - 2>/dev/null && echo -fopenmp)
# OpenMPI (docs/scale-out.md): on when mpicc is found, or with MPI=1; MPI=0
# builds without it. Only the release binary links it: the sanitizer builds
# (debug, unit tests, fuzz replay) stay one process, and common/tlmpi.c
# gives them a world of one rank.
MPICC ?= $(shell command -v mpicc 2>/dev/null)
MPI   ?= $(if $(MPICC),1,0)
ifeq ($(MPI),1)
ifeq ($(MPICC),)
$(error MPI=1 but mpicc is not found: scripts/install-deps.sh --mpi installs OpenMPI)
endif
MPI_CFLAGS := -DTLDRLAB_MPI $(shell $(MPICC) --showme:compile)
MPI_LIBS   := $(shell $(MPICC) --showme:link)
endif
# build/mpi.flag changes only when MPI is turned on or off, so only tlmpi.o rebuilds.
$(shell mkdir -p build && echo '$(MPI)' > build/mpi.flag.new && \
        (cmp -s build/mpi.flag.new build/mpi.flag || mv build/mpi.flag.new build/mpi.flag); rm -f build/mpi.flag.new)
GIT_COMMIT := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
# build/commit.h changes only when the commit does, so only main.o rebuilds.
$(shell mkdir -p build && echo '#define TLDRLAB_COMMIT "$(GIT_COMMIT)"' > build/commit.h.new && \
        (cmp -s build/commit.h.new build/commit.h || mv build/commit.h.new build/commit.h); rm -f build/commit.h.new)

# No fast-math anywhere: these are statistics (STYLE.md rule 8).
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -I. -D_POSIX_C_SOURCE=200809L -DTLDRLAB_VERSION='"$(VERSION)"'
# OpenBLAS built on OpenMP (Debian's libopenblas-openmp-dev) shares the
# OpenMP thread team with our own parallel loops: no second pool of spinning
# threads, and a matrix product inside a parallel loop runs on its thread.
# The pthread build, through pkg-config, is the fallback.
OPENBLAS_OMP := /usr/lib/x86_64-linux-gnu/openblas-openmp
ifneq ($(and $(OPENMP),$(wildcard $(OPENBLAS_OMP)/libopenblas.so)),)
BLAS_CFLAGS := -I/usr/include/x86_64-linux-gnu/openblas-openmp
BLAS_LIBS   := -L$(OPENBLAS_OMP) -Wl,-rpath,$(OPENBLAS_OMP) -lopenblas
else
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null)
endif
DEPCFLAGS = $(BLAS_CFLAGS) $(shell pkg-config --cflags gsl libcjson 2>/dev/null)
# --as-needed: libraries no object uses (OpenBLAS until the models exist)
# are not loaded, so their start-up cost (a BLAS thread pool) is not paid.
# OpenBLAS comes first so that it is kept only when our own objects call it.
DEPLIBS   = -Wl,--as-needed $(BLAS_LIBS) \
            $(shell pkg-config --libs gsl libcjson 2>/dev/null) -lcsv -lm
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) $(NATIVE) $(OPENMP)
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The built-in lexicon: world/lexicon/*.json compiled in as bytes.
LEX_JSON := $(sort $(wildcard world/lexicon/*.json))
LEX_C    := build/lexicon_data.c
LIB_SRC := $(wildcard common/*.c analysis/*.c world/*.c train/*.c eval/*.c sweep/*.c) $(LEX_C)
CLI_SRC := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/unit/*.c)
BENCH_SRC := $(wildcard bench/*.c)
HDRS    := $(wildcard common/*.h analysis/*.h world/*.h train/*.h train/*.inc eval/*.h sweep/*.h cli/*.h tests/unit/*.h \
                      tests/fuzz/*.h tests/fuzz/*.inc)

REL_OBJ := $(patsubst %.c,build/rel/%.o,$(LIB_SRC) $(CLI_SRC))
DBG_OBJ := $(patsubst %.c,build/dbg/%.o,$(LIB_SRC) $(CLI_SRC))
UNIT_OBJ := $(patsubst %.c,build/dbg/%.o,$(LIB_SRC) $(TEST_SRC))

# One fuzz target per reader: tests/fuzz/fuzz_NAME.c (docs/testing.md).
# build/fuzz/replay-NAME: the target under ASan+UBSan with the usual
# compiler and replay.c's main (make test replays the corpus with it);
# build/fuzz/fuzz-NAME: the target with libFuzzer (clang; make fuzz).
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(patsubst %,build/fuzz/replay-%,$(FUZZ_NAMES))
FUZZ_BIN    := $(patsubst %,build/fuzz/fuzz-%,$(FUZZ_NAMES))
FUZZ_CC     ?= clang
FUZZ_SECONDS ?= 60
FUZZFLAGS   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps debug test test-debug fuzz run bench install clean check-deps

all: check-deps bin/tldrlab

check-deps:
ifneq ($(HAVE_DEPS),yes)
	@echo "tldrlab: missing build dependencies; run scripts/install-deps.sh (make run and make test do it for you)" >&2
	@exit 1
endif

deps:
	@scripts/install-deps.sh

bin/tldrlab: $(REL_OBJ)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(DEPLIBS) $(MPI_LIBS)

bin/tldrlab-debug: $(DBG_OBJ)
	@mkdir -p bin
	$(CC) $(SANFLAGS) $(OPENMP) -o $@ $^ $(DEPLIBS)

bin/tldrlab-unit: $(UNIT_OBJ)
	@mkdir -p bin
	$(CC) $(SANFLAGS) $(OPENMP) -o $@ $^ $(DEPLIBS)

# The benchmark harness's C side: lengthctl_fit timed alone (bench/bench_fit.c).
bin/tldrlab-bench: $(patsubst %.c,build/rel/%.o,$(BENCH_SRC) $(LIB_SRC))
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(DEPLIBS) $(MPI_LIBS)

# The GPT engine's speed (bench/gpt/bench_gpt.c).
bin/tldrlab-gptbench: build/rel/bench/gpt/bench_gpt.o $(patsubst %.c,build/rel/%.o,$(LIB_SRC))
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(DEPLIBS) $(MPI_LIBS)

build/fuzz/replay-%: build/dbg/tests/fuzz/fuzz_%.o build/dbg/tests/fuzz/replay.o build/dbg/tests/fuzz/harness.o \
                    $(patsubst %.c,build/dbg/%.o,$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) $(OPENMP) -o $@ $^ $(DEPLIBS)

# Pattern-built objects are intermediate to make: keep them.
.PRECIOUS: build/dbg/%.o build/fuzzer/%.o

# The libFuzzer build: clang, no OpenMP (one thread: what the fuzzer sees
# is the input, not the schedule).
build/fuzz/fuzz-%: build/fuzzer/tests/fuzz/fuzz_%.o build/fuzzer/tests/fuzz/harness.o \
                  $(patsubst %.c,build/fuzzer/%.o,$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $^ $(DEPLIBS)

build/fuzzer/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(DEPCFLAGS) -std=c11 $(WARN) -Wno-unknown-pragmas $(FUZZFLAGS) -c -o $@ $<

build/rel/cli/main.o build/dbg/cli/main.o build/fuzzer/cli/main.o: build/commit.h
build/rel/world/world_io.o build/dbg/world/world_io.o build/fuzzer/world/world_io.o: build/commit.h
build/rel/cli/cmd_sweep.o build/dbg/cli/cmd_sweep.o build/fuzzer/cli/cmd_sweep.o: build/commit.h

$(LEX_C): $(LEX_JSON) scripts/embed-lexicon.sh
	@mkdir -p build
	scripts/embed-lexicon.sh $@ $(LEX_JSON)

build/rel/common/tlmpi.o build/rel/sweep/exec.o: CPPFLAGS += $(MPI_CFLAGS)
build/rel/common/tlmpi.o build/rel/sweep/exec.o: build/mpi.flag

# The GPT kernels need -O3: GCC 12's -O2 vectoriser skips loops that need
# an epilogue, i.e. all of theirs. (No fast-math: see train/gpt.c.)
build/rel/train/%.o: CFLAGS += -O3

build/rel/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPCFLAGS) $(CFLAGS) -c -o $@ $<

build/dbg/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DEPCFLAGS) -std=c11 $(WARN) $(OPENMP) $(SANFLAGS) -c -o $@ $<

debug: check-deps bin/tldrlab-debug

# make test: install what is missing, build, run unit tests and the fuzz
# corpus (sanitized) and CLI tests. make test-debug: the CLI tests on
# bin/tldrlab-debug (tests/lib.sh leaves out the timed checks there).
test:
	@scripts/install-deps.sh --if-missing
	@$(MAKE) --no-print-directory bin/tldrlab bin/tldrlab-unit $(FUZZ_REPLAY)
	@tests/run.sh

test-debug:
	@scripts/install-deps.sh --if-missing
	@$(MAKE) --no-print-directory bin/tldrlab-debug bin/tldrlab-unit $(FUZZ_REPLAY)
	@TLDRLAB=bin/tldrlab-debug tests/run.sh

# make fuzz: every target for FUZZ_SECONDS each (FUZZ=NAME... for some);
# new crashes go to tests/fuzz/findings/NAME/ (tests/fuzz/run.sh).
fuzz:
	@scripts/install-deps.sh --if-missing --fuzz
	@tests/fuzz/seeds.sh
	@$(MAKE) --no-print-directory $(if $(FUZZ),$(patsubst %,build/fuzz/fuzz-%,$(FUZZ)),$(FUZZ_BIN))
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ)

# make run: the example data set and its analyses (seconds), then the
# quickstart sweep (configs/quickstart.json: the whole pipeline at toy
# scale, about 5 minutes on 2 cores; rerun, it resumes where it stopped).
run:
	@scripts/install-deps.sh --if-missing
	@$(MAKE) --no-print-directory bin/tldrlab
	@scripts/example.sh
	@bin/tldrlab sweep configs/quickstart.json
	@echo "Quickstart sweep report: results/quickstart/report/report.html (findings first)"

bench:
	@scripts/install-deps.sh --if-missing --bench
	@$(MAKE) --no-print-directory bin/tldrlab bin/tldrlab-bench bin/tldrlab-gptbench
	@bench/run.sh
	@/usr/bin/python3 bench/judge_bench.py
	@/usr/bin/python3 bench/gpt_bench.py
	@bench/scale.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/tldrlab
	install -m 755 bin/tldrlab $(DESTDIR)$(PREFIX)/bin/tldrlab
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/tldrlab/

clean:
	rm -rf build bin
