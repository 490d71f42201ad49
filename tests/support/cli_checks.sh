# Shell helpers for the command-line tests (sourced): a temporary directory, and checks that
# count failures instead of stopping at the first.
#   expect STATUS CMD...   runs CMD with stdout/stderr in $out/$err, checks its exit status
#   has FILE TEXT          FILE contains TEXT
#   fail MESSAGE           records a failure and shows the last command's output
dir=$(mktemp -d)
out="$dir/stdout" err="$dir/stderr"
trap 'rm -rf "$dir"' EXIT
failures=0

fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"; failures=$((failures + 1)); }
expect() {
  status=$1; shift
  "$@" >"$out" 2>"$err"
  rc=$?
  [ "$rc" -eq "$status" ] || fail "exit status $rc, expected $status: $*"
}
has() { grep -qF -- "$2" "$1" || fail "'$2' not in $1"; }
