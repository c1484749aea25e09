#!/bin/sh
# run-fuzzers.sh BUILD_DIR SECONDS - run every libFuzzer harness for SECONDS
# each, from its seed corpus in tests/fuzz/corpus/NAME; any crash fails.
set -eu
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
for name in query sigv4 cidr; do
	work=$(mktemp -d)
	seeds="$root/tests/fuzz/corpus/$name"
	[ -d "$seeds" ] || seeds=""
	echo "fuzz: $name for ${seconds}s"
	# -close_fd_mask=3 keeps the log short; a crash still prints its report.
	"$build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$work/" "$work" $seeds 2>&1 | tail -n 12
	if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
		echo "fuzz: $name found a failing input in $work" >&2
		exit 1
	fi
	rm -rf "$work"
done
