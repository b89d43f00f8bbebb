#!/bin/sh
# Runs each `go test -fuzz` target of the module briefly (default 10s each).
#
# Go 1.26's fuzz coordinator can report a bare "context deadline exceeded"
# at the end of -fuzztime when a worker is slow to stop on a loaded machine
# (golang/go#75804, fixed in Go 1.27). Such a run wrote no failing input;
# it is reported as a flake and the target is run once more. A run that
# wrote a failing input under testdata/fuzz, or failed any other way, fails.
set -eu
fuzztime="${1:-10s}"
cd "$(dirname "$0")/../.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
run() { # pkg target
	go test -run '^$' -fuzz "^$2\$" -fuzztime "$fuzztime" "$1" >"$log" 2>&1 && { cat "$log"; return 0; }
	cat "$log"
	new="$(git status --porcelain --untracked-files=all -- "$1/testdata/fuzz/$2" 2>/dev/null || true)"
	if [ -z "$new" ] && grep -q '^    context deadline exceeded$' "$log" && ! grep -q 'Failing input written' "$log"; then
		return 75 # the coordinator's deadline race, not a failing input
	fi
	return 1
}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
	pkg="./$(dirname "${f#./}")"
	grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r target; do
		echo "== $pkg $target ($fuzztime)"
		rc=0
		run "$pkg" "$target" || rc=$?
		if [ "$rc" = 75 ]; then
			echo "== $pkg $target: context deadline exceeded without a failing input (golang/go#75804); running it again"
			run "$pkg" "$target"
		elif [ "$rc" != 0 ]; then
			exit 1
		fi
	done
done
