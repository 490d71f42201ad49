#!/usr/bin/env bash
# Fuzzes mvpose3d's file parsers with libFuzzer (fuzz/, docs/reliability.md).
#
#   scripts/fuzz.sh [TARGET] [SECONDS]
#
# TARGET: npy, config, rig, bvh, totalcapture, h36m_hdf5, opencv_calibration, toml_calibration,
# panoptic_calibration, colmap_calibration, openpose_keypoints, coco_keypoints, dlc_csv_keypoints,
# or all (default): each target in turn.
# SECONDS: time per target (default 600). Builds build-fuzz/ with clang++-15 first (the fuzzers'
# own small CMake project; LibTorch from .mvpose3d-env for the two readers that return tensors).
# Replays the inputs of earlier findings (fuzz/regressions/TARGET/, each a regression test), then
# runs on one core, from the seeds in fuzz/corpus/TARGET/ plus what earlier runs found
# (build-fuzz/corpus/TARGET/; the committed seeds stay small). A crash, leak, timeout or undefined
# behaviour is written to build-fuzz/findings/TARGET/ and makes the script exit 1; the log of each
# run is build-fuzz/logs/TARGET.log, and the last line of each run is printed (executions, time).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-all}
seconds=${2:-600}
all=(npy config rig bvh totalcapture h36m_hdf5 opencv_calibration toml_calibration
  panoptic_calibration colmap_calibration openpose_keypoints coco_keypoints dlc_csv_keypoints)
if [ "$target" = all ]; then targets=("${all[@]}"); else targets=("$target"); fi

build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  prefix=""
  if [ -f .mvpose3d-env ]; then . ./.mvpose3d-env; prefix=${TORCH_PREFIX:-}; fi
  cmake -S fuzz -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang-15 -DCMAKE_CXX_COMPILER=clang++-15 \
    ${prefix:+-DCMAKE_PREFIX_PATH="$prefix"} >/dev/null
fi
cmake --build "$build" --target "${targets[@]/#/fuzz_}"

# Longest input per target: the seeds' size and some room (HDF5 files are kilobytes).
max_len() {
  case $1 in
    h36m_hdf5) echo 32768 ;;
    rig | config | *_calibration | *_keypoints) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

# libhdf5 1.10 (not built with the sanitizers) leaks memory in its error paths and can loop for
# ever in H5Aread on a corrupted global heap (fuzz/library_faults/, docs/reliability.md): for that
# target leaks are not checked, and the run goes on past a timeout (libFuzzer's fork mode) so that
# our own code keeps being fuzzed; crashes and undefined behaviour still stop it.
extra_flags() {
  case $1 in
    h36m_hdf5) echo -detect_leaks=0 -fork=1 -ignore_timeouts=1 -ignore_crashes=0 ;;
  esac
}
asan_options() {
  case $1 in
    h36m_hdf5) echo detect_leaks=0 ;;
  esac
}

status=0
mkdir -p "$build/logs"
for t in "${targets[@]}"; do
  work="$build/corpus/$t" findings="$build/findings/$t"
  mkdir -p "$work" "$findings"
  # Every earlier finding (fuzz/regressions/TARGET/) is replayed first: each must now pass.
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then
    if ! ASAN_OPTIONS=$(asan_options "$t") "$build/fuzz_$t" fuzz/regressions/"$t"/* \
        >"$build/logs/$t.regressions.log" 2>&1; then
      echo "   REGRESSION: an earlier finding fails again, see $build/logs/$t.regressions.log"
      status=1
      continue
    fi
    echo "== fuzz_$t: $(ls fuzz/regressions/"$t" | wc -l) earlier findings pass"
  fi
  echo "== fuzz_$t for ${seconds}s (log: $build/logs/$t.log)"
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: growing past 2 GB is a finding.
  if ! ASAN_OPTIONS=$(asan_options "$t") "$build/fuzz_$t" "$work" "fuzz/corpus/$t" -max_total_time="$seconds" \
      -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" $(extra_flags "$t") >"$build/logs/$t.log" 2>&1; then
    echo "   FINDING: see $build/logs/$t.log and $findings/"
    status=1
  fi
  # The last lines of the run: "DONE" and the final stats; in fork mode (h36m_hdf5) the last status
  # line. Without them (a run stopped early) the line stays empty rather than failing the script.
  { grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$build/logs/$t.log" ||
    grep -E "^#[0-9]+: cov" "$build/logs/$t.log" | tail -n 1 || true; } | tr '\n' ' '
  echo
done
exit "$status"
