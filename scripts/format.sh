#!/usr/bin/env bash
# Formats C++ sources with clang-format: changed files by default, every file with --all.
# --check only reports (non-zero exit when something would change).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode="fix"; scope="changed"
for a in "$@"; do
  case "$a" in --check) mode="check" ;; --all) scope="all" ;; *) echo "usage: $0 [--all] [--check]" >&2; exit 2 ;; esac
done
if [[ $scope == all ]]; then
  mapfile -t files < <(git ls-files '*.h' '*.cpp' '*.cu' '*.cuh')
else
  mapfile -t files < <( { git diff --name-only HEAD 2>/dev/null; git ls-files --others --exclude-standard; } \
    | grep -E '\.(h|cpp|cu|cuh)$' | sort -u)
fi
((${#files[@]})) || exit 0
existing=(); for f in "${files[@]}"; do [[ -f $f ]] && existing+=("$f"); done
((${#existing[@]})) || exit 0
if [[ $mode == check ]]; then clang-format --dry-run -Werror "${existing[@]}"; else clang-format -i "${existing[@]}"; fi
