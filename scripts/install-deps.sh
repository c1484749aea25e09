#!/bin/sh
# install-deps.sh - install the Debian packages bulkhead needs to build, run
# and test. Installs only what is missing; run as root. Also makes the
# system user the API of `bulkhead serve` runs as (docs/security.md).
#   install-deps.sh          build, run and test packages (make test, make run)
#   install-deps.sh bench    the benchmarks' tools only (make bench)
set -eu

BUILD="gcc clang libclang-rt-14-dev meson ninja-build pkg-config libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libcmocka-dev libnftables-dev libmnl-dev"
RUN="nftables iproute2"
TEST="python3 python3-boto3 python3-botocore python3-pytest awscli sqlite3 python3-scapy iputils-ping netcat-openbsd tcpdump"
BENCH="iperf3 wrk python3-matplotlib linux-perf"

case "${1:-}" in
"") WANT="$BUILD $RUN $TEST" ;;
bench) WANT="$BENCH" ;;
*) echo "usage: install-deps.sh [bench]" >&2; exit 2 ;;
esac

missing=""
for p in $WANT; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# The unprivileged user of the API (serve falls back to nobody without it).
api_user() {
	[ "${1:-}" = bench ] && return 0
	getent passwd bulkhead >/dev/null && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: no user bulkhead; as root: useradd --system --no-create-home --shell /usr/sbin/nologin bulkhead" >&2
		return 0
	fi
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin bulkhead
	echo "install-deps: made the system user bulkhead"
}

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	api_user "${1:-}"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing; run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
api_user "${1:-}"
