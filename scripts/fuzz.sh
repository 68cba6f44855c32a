#!/bin/sh
# Runs every fuzz target of the module, one after the other with one
# worker each, for the given time per target (default 10m), and writes a
# log per target to the given directory (default ./fuzzlogs). Prints one
# line per target with the last progress line and the result; exits 1 if
# any target failed (its crasher is under that package's testdata/fuzz).
#   scripts/fuzz.sh [fuzztime] [logdir] [package-filter]
set -u
time=${1:-10m}
dir=${2:-fuzzlogs}
filter=${3:-.}
mkdir -p "$dir"
failed=0
for entry in $(grep -rEo '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' internal | sed 's#/[^/]*_test.go:func #:#' | sort -u | grep -e "$filter"); do
	pkg=${entry%%:*}
	target=${entry#*:}
	log="$dir/$(echo "$pkg" | tr '/' '_')_$target.log"
	if go test -run '^$' -fuzz "^$target\$" -fuzztime "$time" -parallel 1 "./$pkg" >"$log" 2>&1; then
		result=ok
	else
		result=FAILED
		failed=1
	fi
	echo "$pkg $target $result: $(grep -E 'elapsed: .*execs' "$log" | tail -1)"
done
exit $failed
