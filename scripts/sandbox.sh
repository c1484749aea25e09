#!/bin/sh
# sandbox.sh - run a command (as root) in its own mount and network
# namespaces, with a private /run: the network namespaces, links and nft
# tables it makes, and the agent's host lock, are invisible to the host and
# vanish with it. Lets data-plane tests, the demo and benchmarks run side by
# side on one machine without meeting each other.
#
#   scripts/sandbox.sh make e2e-test
set -eu
if [ "$#" -eq 0 ]; then
	echo "usage: scripts/sandbox.sh COMMAND [ARG...]" >&2
	exit 2
fi
exec unshare --mount --propagation private --net -- sh -c '
	mount -t tmpfs bh-sandbox /run
	mkdir -p /run/netns
	ip link set lo up
	exec "$@"' sandbox "$@"
