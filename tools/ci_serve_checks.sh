#!/usr/bin/env bash
# CI step for the serving guarantees (run by .ci/run after pytest; about 3-5 minutes on 2 cores):
#  1. the C++ tests in tests/cpp, registered with CTest and run by ctest, built with
#     AddressSanitizer + UndefinedBehaviorSanitizer, run at every SIMD level the CPU has
#     (SENTVEC_SIMD; test_simd checks each level's kernels against scalar), over the golden models
#     (loads by copy and by mapping, queries, truncation and bit-flip sweeps: mapped rows are
#     unaligned, so UBSan's alignment check matters);
#  2. coverage-guided fuzzing (libFuzzer) of the .bin/.ftz and .vec readers, 60 s in all.
# Fuzzing needs clang; when it is missing it is installed with apt-get if this runs as root,
# otherwise the fuzz step is skipped with a message (the sanitizer tests then use the default
# compiler). Any sanitizer report, crash or fuzzer finding fails the step.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bdir=build/ci-sanitize
fuzz_seconds_bin=${SENTVEC_FUZZ_SECONDS_BIN:-40}
fuzz_seconds_vec=${SENTVEC_FUZZ_SECONDS_VEC:-20}

command -v cmake >/dev/null && command -v ninja >/dev/null || python3 -m pip install -q cmake ninja

if ! command -v clang++ >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "serve checks: installing clang for libFuzzer"
  (timeout 300 apt-get update -qq && timeout 300 apt-get install -y -qq clang >/dev/null) ||
    echo "serve checks: could not install clang"
fi
fuzz=OFF
cc_args=()
if command -v clang++ >/dev/null && echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
    clang++ -x c++ -fsanitize=fuzzer,address,undefined - -o /tmp/sentvec-fuzz-probe 2>/dev/null; then
  fuzz=ON
  cc_args=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
  rm -f /tmp/sentvec-fuzz-probe
else
  echo "serve checks: SKIPPING fuzzing: no clang with libFuzzer here (sanitizer tests still run)"
fi

models=(tests/data/golden/ft-supervised.ftz tests/fuzz/seeds/tiny.bin tests/fuzz/seeds/tiny-sup.bin)
shared="${SENTVEC_SHARED:-$top/../shared}/data/models"
for m in ft-skipgram.bin ft-supervised.bin s2v.bin; do [ -f "$shared/$m" ] && models+=("$shared/$m"); done
gdata=$(python3 -c 'import gensim, os; print(os.path.join(os.path.dirname(gensim.__file__), "test", "test_data"))' 2>/dev/null || true)
for m in lee_fasttext.bin lee_fasttext_new.bin cp852_fasttext.bin; do
  [ -n "$gdata" ] && [ -f "$gdata/$m" ] && models+=("$gdata/$m")
done
cmake -S . -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSENTVEC_PYTHON=OFF \
  -DSENTVEC_CPP_TESTS=ON -DSENTVEC_SANITIZE=address,undefined -DSENTVEC_FUZZ=$fuzz "${cc_args[@]}" \
  -DSENTVEC_TEST_MODELS="$(IFS=';'; echo "${models[*]}")" -DSENTVEC_TEST_FLIPS=100 >/dev/null
tests=()
for src in tests/cpp/*.cpp; do tests+=("$(basename "$src" .cpp)"); done
targets=("${tests[@]}")
[ "$fuzz" = ON ] && targets+=(fuzz_bin fuzz_vec)
ninja -C "$bdir" "${targets[@]}" >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Every C++ test at every SIMD level this CPU has (test_simd walks the levels itself), so the
# sanitizers see the vector kernels as well as the scalar ones.
levels=$("$bdir/test_simd" --levels)
echo "serve checks: test_simd under ASan+UBSan (every level)"
(cd "$bdir" && ctest --output-on-failure -R '^test_simd$')
for level in $levels; do
  echo "serve checks: C++ tests (ctest) under ASan+UBSan at SENTVEC_SIMD=$level"
  (cd "$bdir" && SENTVEC_SIMD=$level ctest --output-on-failure -E '^test_simd$')
done

if [ "$fuzz" = ON ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/bin" "$work/vec" "$work/artifacts"
  cp tests/fuzz/seeds/*.bin tests/data/golden/ft-supervised.ftz "$work/bin/"
  cp tests/fuzz/seeds/*.vec "$work/vec/"
  opts=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/artifacts/" -print_final_stats=1)
  echo "serve checks: fuzzing the .bin reader for ${fuzz_seconds_bin}s"
  "$bdir/fuzz_bin" "${opts[@]}" -max_total_time="$fuzz_seconds_bin" -max_len=100000 "$work/bin" 2>&1 |
    grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added)|ERROR|runtime error" || true
  echo "serve checks: fuzzing the .vec reader for ${fuzz_seconds_vec}s"
  "$bdir/fuzz_vec" "${opts[@]}" -max_total_time="$fuzz_seconds_vec" -max_len=4096 "$work/vec" 2>&1 |
    grep -E "^(Done|stat::number_of_executed_units|stat::new_units_added)|ERROR|runtime error" || true
  if compgen -G "$work/artifacts/*" >/dev/null; then
    mkdir -p "$bdir/fuzz-artifacts" && cp "$work"/artifacts/* "$bdir/fuzz-artifacts/"
    echo "serve checks: the fuzzer found crashing inputs (copied to $bdir/fuzz-artifacts)"
    exit 1
  fi
fi
echo "serve checks: OK"
