#!/bin/sh
# Runs each `go test -fuzz` target of the module briefly (default 10s each).
set -eu
fuzztime="${1:-10s}"
cd "$(dirname "$0")/../.."
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
	pkg="./$(dirname "${f#./}")"
	grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r target; do
		echo "== $pkg $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
	done
done
