#!/usr/bin/env bash
# tests/readme_params.sh MIRAI README [--update]
# The README's params reference is generated from the params tables: each
# block between <!-- params:KIND ... --> and <!-- /params:KIND --> is the
# output of `mirai node KIND --params-markdown`. Without --update: exit 1 and
# show the difference when a block is stale (ctest test_readme_params); with
# --update: rewrite the blocks in place.
set -euo pipefail
mirai=${1:?usage: readme_params.sh MIRAI README [--update]}
readme=${2:?usage: readme_params.sh MIRAI README [--update]}
update=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kinds=$(sed -n 's/^<!-- params:\([a-z_]*\) .*/\1/p' "$readme")
[ -n "$kinds" ] || { echo "$readme: no <!-- params:KIND --> blocks" >&2; exit 1; }
cp "$readme" "$tmp/new.md"
for k in $kinds; do
  "$mirai" node "$k" --params-markdown > "$tmp/$k.md" || { echo "mirai node $k --params-markdown failed" >&2; exit 1; }
  # replace the block's body with the generated table
  awk -v k="$k" -v f="$tmp/$k.md" '
    $0 ~ "^<!-- params:" k " " { print; while ((getline l < f) > 0) print l; skip = 1; next }
    $0 == "<!-- /params:" k " -->" { skip = 0 }
    !skip { print }' "$tmp/new.md" > "$tmp/next.md"
  mv "$tmp/next.md" "$tmp/new.md"
done
if [ "$update" = "--update" ]; then
  cp "$tmp/new.md" "$readme"
  echo "updated the params reference of: $kinds"
elif ! diff -u "$readme" "$tmp/new.md"; then
  echo "$readme: the params reference is stale; run tests/readme_params.sh $mirai $readme --update" >&2
  exit 1
else
  echo "params reference up to date: $(echo $kinds)"
fi
