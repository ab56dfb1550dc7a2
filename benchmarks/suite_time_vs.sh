#!/usr/bin/env bash
# Time the suite against an older revision of itself, back to back, on one implementation:
#   benchmarks/suite_time_vs.sh OLD_REV [IMPL] [ROUNDS]
# e.g. benchmarks/suite_time_vs.sh 6fe83b9 tfkeras-legacy 2 (after `tox -e tfkeras-legacy --notest`).
# Each round runs, alternating: the old suite, today's suite on the old suite's test ids only
# (like for like), and today's whole suite. The host's speed drifts by 20 % within an hour, so
# only times of the same round compare. OLD_ARGS / NEW_ARGS: how each revision's tox ran pytest
# (6fe83b9's ran serially; today's runs two xdist workers).
set -euo pipefail
old_rev=${1:?usage: $0 OLD_REV [IMPL] [ROUNDS]}
impl=${2:-tfkeras-legacy}
rounds=${3:-2}
old_args=${OLD_ARGS:-}
new_args=${NEW_ARGS:--n 2 --dist worksteal}
repo=$(cd "$(dirname "$0")/.." && pwd)
pytest=$repo/.tox/$impl/bin/pytest
[ -x "$pytest" ] || { echo "no $pytest: run tox -e $impl --notest first" >&2; exit 2; }
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$repo" worktree add --detach "$work/old" "$old_rev" >/dev/null
# the settings tox sets for both (the old code may predate some; they only pin threads and seeds)
export HYPOTHESIS_PROFILE=ci PYTHONHASHSEED=0 TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=1
common=(-p no:cacheprovider --keras-impl="$impl" --hypothesis-profile=ci -q)

old() { (cd "$work/old" && PYTHONPATH=$work/old "$pytest" conformance/suite "${common[@]}" \
            --report-dir "$work/r-old" $old_args "$@"); }
new() { (cd "$repo" && TF_NUM_INTEROP_THREADS=1 TF_NUM_INTRAOP_THREADS=1 OPENBLAS_NUM_THREADS=1 \
            "$pytest" "${common[@]}" --report-dir "$work/r-new" $new_args "$@"); }
timed() {  # label, command...: one line with the wall time and pytest's summary
    local label=$1 start end; shift
    start=$(date +%s.%N)
    "$@" > "$work/log" 2>&1 || true
    end=$(date +%s.%N)
    printf '%-34s %7.1f s  %s\n' "$label" "$(echo "$end - $start" | bc)" "$(tail -1 "$work/log" | tr -d =)"
}

old --collect-only 2>/dev/null | grep '::' | sort > "$work/old-ids"
new conformance/suite --collect-only 2>/dev/null | grep '::' | sort > "$work/new-ids"
comm -12 "$work/old-ids" "$work/new-ids" > "$work/same-ids"
echo "$old_rev: $(wc -l < "$work/old-ids") tests; today: $(wc -l < "$work/new-ids"), of which" \
     "$(wc -l < "$work/same-ids") have an id of $old_rev"
for round in $(seq "$rounds"); do
    timed "round $round: $old_rev" old
    timed "round $round: today, $old_rev's ids" new "@$work/same-ids"
    timed "round $round: today, whole suite" new conformance/suite
done
