#!/bin/sh
# check-nft.sh - the golden corpus against the real nftables: every NAME.nft
# must load with `nft -f`, and nft_table_sync's transactions must move the
# kernel from any case to any other.
#
# Usage: check-nft.sh BUILD_DIR [CASE…]   (root; `make golden-nft`, part of `make test`)
#
# For each case, in a scratch namespace bhtest-golden-<pid> with a dummy
# link for every vNIC interface the netdev chains name:
#   1. the compiler still renders NAME.in as NAME.nft;
#   2. `nft -f NAME.nft` loads, and the kernel holds as many elements per
#      set and rules per chain as the plan (nothing merged or split);
#   3. the full re-declare (have unknown, names from `nft list ruleset`) of
#      a case on top of itself leaves the kernel as it was;
#   4. the diff A -> B of identical plans is empty.
# For each ordered pair of cases (A, B):
#   5. load A, apply `nft_table_sync(B, A)` in one `nft -f`: the kernel
#      equals a fresh load of B;
#   6. load A, apply the full re-declare of B (with A's listing as the
#      existing names): the kernel equals a fresh load of B, so objects B
#      lacks are gone.
# "Equals" compares `nft -j list ruleset` with handles dropped, objects and
# set elements sorted, rules in order. Namespaces are removed on any exit.
set -u

BUILD=${1:?usage: check-nft.sh BUILD_DIR [CASE...]}
shift
TOOL=$BUILD/tests/unit/test_compile
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
NS=bhtest-golden-$$
TMP=$(mktemp -d /tmp/bhtest-golden.XXXXXX) || exit 1
FAILED=0
PASSED=0

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

[ "$(id -u)" = 0 ] || { echo "check-nft.sh: needs root" >&2; exit 77; }
[ -x "$TOOL" ] || { echo "check-nft.sh: no $TOOL (build the tests first)" >&2; exit 1; }
command -v nft >/dev/null || { echo "check-nft.sh: no nft" >&2; exit 1; }

cat >"$TMP/canon.py" <<'EOF'
# Canonical text of `nft -j list ruleset` (mode "canon") or the element
# and rule counts per object (mode "summary", as test_compile --summary).
import json, sys
mode = sys.argv[1]
items = json.load(sys.stdin)["nftables"]
objects, rules, counts = [], {}, {}
for item in items:
    (kind, v), = item.items()
    if kind == "metainfo":
        continue
    v = dict(v)
    v.pop("handle", None)
    if kind == "rule":
        key = (v["family"], v["table"], v["chain"])
        rules.setdefault(key, []).append(json.dumps(v["expr"], sort_keys=True))
        continue
    if kind in ("set", "map"):
        elems = v.get("elem", [])
        v["elem"] = sorted(json.dumps(e, sort_keys=True) for e in elems)
        counts["%s %s set %s" % (v["family"], v["table"], v["name"])] = len(elems)
    if kind == "chain":
        counts.setdefault("%s %s chain %s" % (v["family"], v["table"], v["name"]), 0)
    objects.append(kind + " " + json.dumps(v, sort_keys=True))
for (family, table, chain), rs in rules.items():
    counts["%s %s chain %s" % (family, table, chain)] = len(rs)
if mode == "summary":
    for k in sorted(counts):
        print(k, counts[k])
else:
    for o in sorted(objects):
        print(o)
    for k in sorted(rules):
        print("rules", *k)
        for r in rules[k]:
            print("   ", r)
EOF

fail() {
	echo "FAIL $*" >&2
	FAILED=$((FAILED + 1))
}

ok() {
	PASSED=$((PASSED + 1))
}

# fresh_ns FILE… : a new empty namespace with a link for every `device
# "…"` named in the files: a dummy, or a veth (peer x<digits>) on kernels
# without the dummy driver.
fresh_ns() {
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NS" || return 1
	for dev in $(grep -ho 'device "[^"]*"' "$@" | cut -d'"' -f2 | sort -u); do
		ip -n "$NS" link add "$dev" type dummy 2>/dev/null ||
			ip -n "$NS" link add "$dev" type veth peer name "x${dev#bhe}" || return 1
	done
}

nsnft() {
	ip netns exec "$NS" nft "$@"
}

canon() {
	nsnft -j list ruleset | "$PY" "$TMP/canon.py" canon
}

if [ $# -gt 0 ]; then
	CASES=$*
else
	CASES=$(cd "$HERE" && ls *.in | sed 's/\.in$//')
fi

# Per case: render, load, counts, full re-declare onto itself, empty diff.
for c in $CASES; do
	in=$HERE/$c.in
	nft=$HERE/$c.nft
	if ! "$TOOL" --render "$in" >"$TMP/$c.render" || ! cmp -s "$TMP/$c.render" "$nft"; then
		fail "$c: test_compile --render differs from $c.nft (run the unit test)"
		continue
	fi
	: >"$TMP/err"
	if ! fresh_ns "$nft" || ! nsnft -f "$nft" 2>"$TMP/err"; then
		fail "$c: nft -f $c.nft: $(cat "$TMP/err")"
		continue
	fi
	canon >"$TMP/$c.canon"
	nsnft -j list ruleset | "$PY" "$TMP/canon.py" summary >"$TMP/$c.kernel-summary"
	"$TOOL" --summary "$in" | sort >"$TMP/$c.plan-summary"
	if ! diff -u "$TMP/$c.plan-summary" "$TMP/$c.kernel-summary" >"$TMP/diff"; then
		fail "$c: kernel element/rule counts differ from the plan:"
		cat "$TMP/diff" >&2
	else
		ok
	fi
	nsnft list ruleset >"$TMP/listing"
	if ! "$TOOL" --sync-full "$in" "$TMP/listing" >"$TMP/tx" || ! nsnft -f "$TMP/tx" 2>"$TMP/err"; then
		fail "$c: full re-declare onto itself refused: $(cat "$TMP/err")"
	elif ! canon | cmp -s - "$TMP/$c.canon"; then
		fail "$c: full re-declare onto itself changed the kernel"
	else
		ok
	fi
	if [ -n "$("$TOOL" --sync "$in" "$in")" ]; then
		fail "$c: the transaction between equal plans is not empty"
	else
		ok
	fi
done

# Per ordered pair: diff transaction and full re-declare, each from a
# fresh load of A, must end equal to a fresh load of B.
for a in $CASES; do
	for b in $CASES; do
		[ "$a" = "$b" ] && continue
		[ -f "$TMP/$b.canon" ] || continue
		for mode in sync full; do
			if ! fresh_ns "$HERE/$a.nft" "$HERE/$b.nft" || ! nsnft -f "$HERE/$a.nft"; then
				fail "$a -> $b: cannot load $a"
				continue
			fi
			if [ $mode = sync ]; then
				"$TOOL" --sync "$HERE/$a.in" "$HERE/$b.in" >"$TMP/tx"
			else
				nsnft list ruleset >"$TMP/listing"
				"$TOOL" --sync-full "$HERE/$b.in" "$TMP/listing" >"$TMP/tx"
			fi
			if ! nsnft -f "$TMP/tx" 2>"$TMP/err"; then
				fail "$a -> $b ($mode): transaction refused:"
				head -5 "$TMP/err" >&2
				cp "$TMP/tx" "/tmp/bhtest-golden-failed-$a-$b-$mode.nft"
				echo "     (transaction kept in /tmp/bhtest-golden-failed-$a-$b-$mode.nft)" >&2
			elif ! canon >"$TMP/got" || ! diff -u "$TMP/$b.canon" "$TMP/got" >"$TMP/diff"; then
				fail "$a -> $b ($mode): kernel differs from a fresh load of $b:"
				head -20 "$TMP/diff" >&2
			else
				ok
			fi
		done
	done
done

echo "check-nft.sh: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
