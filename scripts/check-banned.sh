#!/bin/sh
# check-banned.sh - fail when C sources call the functions bulkhead bans
# (unbounded copies and unchecked conversions); see STYLE in docs/.
set -eu
cd "$(dirname "$0")/.."
pattern='\b(strcpy|sprintf|vsprintf|strcat|gets|atoi|atol|atoll|stpcpy|strncpy|strncat)[[:space:]]*\('
if grep -rnE "$pattern" src tests --include='*.c' --include='*.h' | grep -vE '^\S+:[0-9]+:\s*(\*|//|/\*)'; then
	echo "check-banned: banned calls found above" >&2
	exit 1
fi
echo "check-banned: no banned calls"
