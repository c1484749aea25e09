#!/bin/sh
# install-deps.sh - install the Debian packages bulkhead needs to build, run
# and test. Installs only what is missing; run as root.
set -eu

BUILD="gcc clang libclang-rt-14-dev meson ninja-build pkg-config libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libcmocka-dev libnftables-dev libmnl-dev"
RUN="nftables iproute2"
TEST="python3 python3-boto3 python3-botocore python3-pytest awscli sqlite3 python3-scapy iputils-ping netcat-openbsd tcpdump"

missing=""
for p in $BUILD $RUN $TEST; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
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
