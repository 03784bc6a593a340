# check.sh: the counting check of the shell tests (sourced; bash). Set check_who and tmp first.
passed=0
failed=0

# check NAME COMMAND...: runs COMMAND, counts it, and on failure shows NAME and its output.
check() {
	if "${@:2}" > "$tmp/check.out" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "$check_who: FAILED: $1" >&2
		sed 's/^/  | /' "$tmp/check.out" >&2
	fi
}

# check_done: the closing line; fails when a check did.
check_done() {
	echo "$check_who: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
