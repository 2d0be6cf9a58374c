#!/usr/bin/env bash
# The shell steps of buildbench.yml (a GitHub Actions workflow), kept in one script so that
# buildbench's own CI runs exactly them on a fixture project (crates/buildbench/tests/ci_script.rs).
#
#   buildbench-ci.sh shard K N PROJECT OUT [compare options...]   run block K of N of the study
#   buildbench-ci.sh merge OUT SHARD_DIR...                        merge the shards, write the reports
#   buildbench-ci.sh rev-shard K N PROJECT OUT BASE HEAD THRESHOLD [compare options...]
#                                                                  block K of N of a rev study: the merge base of
#                                                                  BASE and HEAD against HEAD, built in turns on
#                                                                  this runner, --until-decided
#   buildbench-ci.sh rev-gate OUT THRESHOLD SHARD_STUDY...         merge the blocks, write the reports, gate head
#                                                                  against base (exit 1 when slower)
#   buildbench-ci.sh gate BASE_STUDY NEW_STUDY [THRESHOLD [diff options...]]
#                                                                  two studies from two runs (dedicated machines
#                                                                  only: the runners' difference is included); fails
#                                                                  on a significant slowdown or too few samples to see one
#   buildbench-ci.sh history DB STUDY TREND_HTML [COMMIT]           add the study to the history, write the trend page
#   buildbench-ci.sh history-gate DB [THRESHOLD [gate options...]]  fail when the newest study starts a slowdown
#
# BUILDBENCH names the buildbench executable (default: buildbench on PATH). When
# GITHUB_STEP_SUMMARY is set, the Markdown report and the gate's table are appended to it.
set -euo pipefail

buildbench=${BUILDBENCH:-buildbench}
command=${1:-}
shift || true

case "$command" in
  shard)
    [ $# -ge 4 ] || { echo "usage: $0 shard K N PROJECT OUT [compare options...]" >&2; exit 2; }
    k=$1 n=$2 project=$3 out=$4
    shift 4
    "$buildbench" compare "$project" --shard "$k/$n" --output "$out" --quiet "$@"
    ;;
  merge)
    [ $# -ge 2 ] || { echo "usage: $0 merge OUT SHARD_DIR..." >&2; exit 2; }
    out=$1
    shift
    mkdir -p "$out"
    "$buildbench" merge "$@" -o "$out/study.json"
    "$buildbench" report "$out/study.json" -o "$out/report.html"
    "$buildbench" report "$out/study.json" -o "$out/report.md"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      cat "$out/report.md" >> "$GITHUB_STEP_SUMMARY"
    fi
    ;;
  rev-shard)
    [ $# -ge 7 ] || { echo "usage: $0 rev-shard K N PROJECT OUT BASE HEAD THRESHOLD [compare options...]" >&2; exit 2; }
    k=$1 n=$2 project=$3 out=$4 base=$5 head=$6 threshold=$7
    shift 7
    # What the pull request changes: its head against where it left the base branch. The
    # commit id, so every block measures the same base.
    base=$(git -C "$project" merge-base "$base" "$head")
    status=0
    "$buildbench" compare "$project" --rev "base=$base,head=$head" --shard "$k/$n" --output "$out" --quiet \
      --gate "$threshold" --until-decided "$@" || status=$?
    # A block's own gate only decides when to stop measuring; the merged study is gated once.
    if [ "$status" -eq 1 ]; then
      echo "block $k: its own samples say slower or failed; the merged study decides"
    elif [ "$status" -ne 0 ]; then
      exit "$status"
    fi
    ;;
  rev-gate)
    [ $# -ge 3 ] || { echo "usage: $0 rev-gate OUT THRESHOLD SHARD_STUDY..." >&2; exit 2; }
    out=$1 threshold=$2
    shift 2
    mkdir -p "$out"
    if [ $# -ge 2 ]; then
      "$buildbench" merge "$@" -o "$out/study.json"
    else
      cp "$1" "$out/study.json"
    fi
    "$buildbench" report "$out/study.json" -o "$out/report.html"
    "$buildbench" report "$out/study.json" -o "$out/report.md"
    status=0
    "$buildbench" gate "$out/study.json" --threshold "$threshold" --format md > "$out/gate.md" || status=$?
    cat "$out/gate.md"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      cat "$out/gate.md" >> "$GITHUB_STEP_SUMMARY"
    fi
    exit "$status"
    ;;
  gate)
    [ $# -ge 2 ] || { echo "usage: $0 gate BASE_STUDY NEW_STUDY [THRESHOLD [diff options...]]" >&2; exit 2; }
    base=$1 new=$2 threshold=${3:-5%}
    shift $(( $# < 3 ? $# : 3 ))
    if [ ! -f "$base" ]; then
      echo "no study from the main branch at $base: nothing to compare with yet, gate skipped"
      exit 0
    fi
    status=0
    "$buildbench" diff "$base" "$new" --threshold "$threshold" "$@" > buildbench-diff.md || status=$?
    cat buildbench-diff.md
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      { echo "## Build time against main"; echo; cat buildbench-diff.md; } >> "$GITHUB_STEP_SUMMARY"
    fi
    exit "$status"
    ;;
  history)
    [ $# -ge 3 ] || { echo "usage: $0 history DB STUDY TREND_HTML [COMMIT]" >&2; exit 2; }
    db=$1 study=$2 html=$3 commit=${4:-}
    if [ -n "$commit" ]; then
      "$buildbench" history add "$study" --db "$db" --commit "$commit"
    else
      "$buildbench" history add "$study" --db "$db"
    fi
    "$buildbench" history report --db "$db" -o "$html"
    ;;
  history-gate)
    [ $# -ge 1 ] || { echo "usage: $0 history-gate DB [THRESHOLD [gate options...]]" >&2; exit 2; }
    db=$1 threshold=${2:-5%}
    shift $(( $# < 2 ? $# : 2 ))
    status=0
    "$buildbench" history gate --db "$db" --threshold "$threshold" "$@" > buildbench-history-gate.md || status=$?
    cat buildbench-history-gate.md
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      { echo "## Build-time history"; echo; cat buildbench-history-gate.md; } >> "$GITHUB_STEP_SUMMARY"
    fi
    exit "$status"
    ;;
  *)
    echo "usage: $0 shard|merge|rev-shard|rev-gate|gate|history|history-gate ..." >&2
    exit 2
    ;;
esac
