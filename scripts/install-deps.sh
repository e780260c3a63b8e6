#!/bin/sh
# Install the Debian packages tldrlab needs, only those that are missing.
#
#   scripts/install-deps.sh              core build and run-time packages
#   scripts/install-deps.sh --bench      also the benchmark peers (pandas, statsmodels, R)
#   scripts/install-deps.sh --reference  also R and statsmodels, to regenerate expected values
#   scripts/install-deps.sh --browser    also Chromium, for the test that opens report.html
#   scripts/install-deps.sh --fuzz       also clang and libFuzzer, for make fuzz
#   scripts/install-deps.sh --torch      also python3-torch, for make test's cross-check of the GPT (tests/gpt_torch.sh)
#   scripts/install-deps.sh --mpi        also OpenMPI, for sweeps across ranks and data-parallel training (docs/scale-out.md)
#   --if-missing                         quiet when nothing is missing (used by make)
set -eu

# libxml2-utils: xmllint, with which the tests check the SVG figures.
core="gcc make pkg-config libgsl-dev libcjson-dev libcsv-dev libopenblas-dev libopenblas-openmp-dev gnuplot-nox libxml2-utils"
extra=""
quiet=0
for arg in "$@"; do
  case "$arg" in
    --bench) extra="$extra python3 python3-pandas python3-statsmodels python3-torch r-base-core" ;;
    --reference) extra="$extra python3 python3-statsmodels r-base-core" ;;
    --browser) extra="$extra chromium" ;;
    --fuzz) extra="$extra clang libclang-rt-dev" ;;
    --torch) extra="$extra python3 python3-numpy python3-torch" ;;
    --mpi) extra="$extra openmpi-bin libopenmpi-dev" ;;
    --if-missing) quiet=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

missing=""
for p in $core $extra; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  [ "$quiet" = 1 ] || echo "install-deps.sh: all packages present"
  exit 0
fi

echo "install-deps.sh: installing:$missing"
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps.sh: apt-get not found; install these packages by hand:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
