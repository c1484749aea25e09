#!/bin/bash
# demo.sh - the frontend/backend/management scenario of the README, end to
# end: a private bulkhead (API + host agent) in a temporary directory, the
# network built with the real aws CLI, instances as network namespaces, and
# real TCP connections showing which flows pass and which are blocked.
#
# Run as root (`make demo`). Exits 0 only when every flow does what the
# security groups say. Everything it makes is removed on exit.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEMO_DIR=$ROOT/scripts/demo
BULKHEAD=${BULKHEAD:-$ROOT/build/bulkhead}
# The system interpreter: the instance sees the host's files, and a
# pyenv/virtualenv shim on PATH may not run inside a namespace.
PY=/usr/bin/python3
AGENT_LOCK=/run/bulkhead-agent.lock
LOCK_WAIT=${DEMO_LOCK_WAIT:-300}    # seconds to wait for another agent to finish
PROBE_TIMEOUT=${DEMO_PROBE_TIMEOUT:-2}
INTERNET_HOST=203.0.113.10          # a host of the simulated internet (bh-internet)

WORK=""             # temporary directory: state, logs
ACCOUNT=""          # the admin account serve creates, holding every resource
VPC=""
SERVE_PID=""
AGENT_OURS=0        # 1 once our agent held the lock: only then is cleanup ours to run
LISTENER_PIDS=()
declare -A ID PRIV EIP   # instance name -> id, private address, Elastic IP

say() { printf '%s\n' "$@"; }   # one line per argument
step() { printf '\n== %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# --- cleanup, on every exit ---------------------------------------------------

stop_serve() {
	local i
	[ -n "$SERVE_PID" ] || return 0
	# serve stops its agent child on SIGTERM; the agent leaves the kernel
	# state in place, which `agent --cleanup` removes afterwards.
	kill -TERM "$SERVE_PID" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL "$SERVE_PID" 2>/dev/null || true
	wait "$SERVE_PID" 2>/dev/null || true
	SERVE_PID=""
}

# The demo's own namespaces, by the names the agent gives them.
own_namespaces() {
	local id
	for id in "${VPC:-}" "${ID[@]}"; do
		[ -n "$id" ] && [ -e "/run/netns/bh-$id" ] && printf 'bh-%s\n' "$id"
	done
	return 0
}

# Deletes the demo account with everything in it, and waits (bounded) for
# our agent to take it out of the kernel: done while the agent still holds
# the lock, this leaves nothing of ours behind even if another agent takes
# the lock the moment ours stops.
remove_resources() {
	local i
	[ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null || return 0
	[ -n "${ACCOUNT:-}" ] || return 0
	"$BULKHEAD" admin --state-dir "$WORK/state" account delete "$ACCOUNT" >/dev/null || return 0
	for i in $(seq 50); do
		agent_caught_up && [ -z "$(own_namespaces)" ] && return 0
		sleep 0.2
	done
}

cleanup() {
	local rc=$? pid holder left
	# Only the main shell cleans up: a $(…) subshell interrupted by Ctrl-C
	# may run this trap too, and must leave it to the main shell.
	[ "$BASHPID" = "$$" ] || exit "$rc"
	set +e
	# A second Ctrl-C must not cut the cleanup short and leave namespaces
	# behind; every step below is bounded.
	trap - EXIT
	trap '' INT TERM
	# Listeners first: a process inside a namespace keeps that namespace
	# alive after its name is deleted.
	for pid in "${LISTENER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${LISTENER_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ -n "$WORK" ] && [ -s "$WORK/serve.log" ]; then
		say "" "-- last lines of the bulkhead log:" >&2
		tail -n 15 "$WORK/serve.log" >&2
	fi
	if [ "$AGENT_OURS" = 1 ]; then
		say "" "== Cleaning up: the demo account, bulkhead serve, bulkhead agent --cleanup"
		remove_resources
	fi
	stop_serve
	if [ "$AGENT_OURS" = 1 ] &&
		! "$BULKHEAD" agent --state-dir "$WORK/state" --cleanup 2>"$WORK/cleanup.log"; then
		holder=$(lock_holder)
		left=$(own_namespaces)
		if [ -n "$holder" ] && [ -z "$left" ]; then
			# Another agent (the tests, say) took the lock as ours let go:
			# what is left in the kernel (bh-internet, bh-vpc-public) is now
			# its own, and nothing of the demo's remains.
			say "  another agent took over the host (pid $holder: $(describe_pid "$holder"));"
			say "  none of the demo's namespaces is left."
		else
			say "demo: 'bulkhead agent --cleanup' failed:" >&2
			cat "$WORK/cleanup.log" >&2
			[ -z "$left" ] || say "demo: still present: ${left//$'\n'/ }" >&2
			[ "$rc" -ne 0 ] || rc=1
		fi
	fi
	[ -z "$WORK" ] || rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the agent lock -----------------------------------------------------------

# The pid holding the host-wide agent lock, or nothing. Read from
# /proc/locks instead of trying the lock: even a brief try would make an
# agent starting at that moment (someone else's, the tests') fail as busy.
lock_holder() {
	local dev ino
	[ -e "$AGENT_LOCK" ] || return 0
	read -r dev ino < <(stat -c '%Hd %Ld %i' "$AGENT_LOCK" |
		awk '{ printf "%02x:%02x %s\n", $1, $2, $3 }')
	awk -v id="$dev:$ino" '$2 == "FLOCK" && $6 == id { print $5; exit }' /proc/locks
}

describe_pid() {
	local cmd
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || cmd="(gone)"
	printf '%s\n' "${cmd% }"
}

# Waits (up to LOCK_WAIT seconds) until no agent holds the lock: one agent
# per host owns every bh- namespace, so ours cannot run beside another.
wait_for_free_lock() {
	local holder waited=0
	while holder=$(lock_holder) && [ -n "$holder" ]; do
		if [ "$waited" -ge "$LOCK_WAIT" ]; then
			die "another bulkhead agent still holds $AGENT_LOCK after ${LOCK_WAIT}s:
  pid $holder: $(describe_pid "$holder")
Only one agent can run per host. Stop it (or wait for it to finish) and run the demo again."
		fi
		if [ "$waited" -eq 0 ]; then
			say "Another bulkhead agent holds $AGENT_LOCK (pid $holder: $(describe_pid "$holder"))."
			say "Waiting up to ${LOCK_WAIT}s for it to finish (DEMO_LOCK_WAIT=seconds to change)..."
		fi
		sleep 2
		waited=$((waited + 2))
	done
}

# 0 once the lock is held by serve's agent child, 1 if another process
# took it first (both wanted it at the same moment).
our_agent_has_lock() {
	local holder i
	for i in $(seq 50); do
		kill -0 "$SERVE_PID" 2>/dev/null || die "bulkhead serve exited; see its log above"
		holder=$(lock_holder)
		if [ -n "$holder" ]; then
			[ "$(ps -o ppid= -p "$holder" | tr -d ' ')" = "$SERVE_PID" ] && return 0
			return 1
		fi
		sleep 0.2
	done
	die "the agent of bulkhead serve did not start within 10s"
}

# --- bulkhead serve -----------------------------------------------------------

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts `bulkhead serve --agent` on a fresh state directory and reads the
# admin key it prints on its first start.
start_serve() {
	local port i
	rm -rf "$WORK/state"
	port=$(free_port)
	ENDPOINT=http://127.0.0.1:$port
	# Its own session, so that a Ctrl-C reaches only this script, which then
	# removes the demo's resources through serve's agent before stopping it.
	setsid "$BULKHEAD" serve --state-dir "$WORK/state" --listen "127.0.0.1:$port" --agent \
		>"$WORK/serve.out" 2>"$WORK/serve.log" &
	SERVE_PID=$!
	for i in $(seq 50); do
		grep -q '^bulkhead API listening' "$WORK/serve.out" && break
		kill -0 "$SERVE_PID" 2>/dev/null || die "bulkhead serve did not start"
		sleep 0.2
	done
	grep -q '^bulkhead API listening' "$WORK/serve.out" || die "bulkhead serve did not listen within 10s"
	# Take only the account and the three settings, not whatever else the
	# output holds.
	ACCOUNT=$(sed -n 's/^Created account \([0-9]\{12\}\) .*/\1/p' "$WORK/serve.out")
	AWS_ACCESS_KEY_ID=$(sed -n 's/^export AWS_ACCESS_KEY_ID=//p' "$WORK/serve.out")
	AWS_SECRET_ACCESS_KEY=$(sed -n 's/^export AWS_SECRET_ACCESS_KEY=//p' "$WORK/serve.out")
	AWS_DEFAULT_REGION=$(sed -n 's/^export AWS_DEFAULT_REGION=//p' "$WORK/serve.out")
	if [ -z "$AWS_ACCESS_KEY_ID" ] || [ -z "$AWS_SECRET_ACCESS_KEY" ]; then
		die "bulkhead serve printed no admin key"
	fi
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
}

start_bulkhead() {
	while :; do
		wait_for_free_lock
		start_serve
		if our_agent_has_lock; then
			AGENT_OURS=1
			return 0
		fi
		say "Another agent took $AGENT_LOCK at the same moment; waiting again."
		stop_serve
	done
}

# --- the aws CLI --------------------------------------------------------------

# The user's own AWS settings must not leak into the demo: no session token,
# profile or pager, and no proxy between the CLI and 127.0.0.1.
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export NO_PROXY="127.0.0.1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1${no_proxy:+,$no_proxy}"

# Every call is shown (on fd 3, the terminal: stdout may be captured by $(…))
# so the demo doubles as a recipe.
exec 3>&1
aws_bh() {
	local arg line="  \$ aws ec2"
	for arg in "$@"; do
		# quoted as one would type it, so a line can be pasted as it is
		case $arg in
		*\'*) line+=" \"$arg\"" ;;
		*[!A-Za-z0-9_./:=,@+-]*) line+=" '$arg'" ;;
		*) line+=" $arg" ;;
		esac
	done
	printf '%s\n' "$line" >&3
	aws --endpoint-url "$ENDPOINT" ec2 "$@"
}

# --- the scenario -------------------------------------------------------------

build_network() {
	local p

	step "A VPC, a subnet, and an internet gateway routed from the main route table"
	VPC=$(aws_bh create-vpc --cidr-block 10.0.0.0/16 --query Vpc.VpcId --output text)
	SUBNET=$(aws_bh create-subnet --vpc-id "$VPC" --cidr-block 10.0.1.0/24 \
		--query Subnet.SubnetId --output text)
	IGW=$(aws_bh create-internet-gateway --query InternetGateway.InternetGatewayId --output text)
	aws_bh attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id "$VPC" >/dev/null
	RTB=$(aws_bh describe-route-tables \
		--filters "Name=vpc-id,Values=$VPC" Name=association.main,Values=true \
		--query 'RouteTables[0].RouteTableId' --output text)
	aws_bh create-route --route-table-id "$RTB" --destination-cidr-block 0.0.0.0/0 \
		--gateway-id "$IGW" >/dev/null

	step "Security groups: frontend, backend, management"
	FE=$(aws_bh create-security-group --vpc-id "$VPC" --group-name frontend --description web \
		--query GroupId --output text)
	BE=$(aws_bh create-security-group --vpc-id "$VPC" --group-name backend --description db \
		--query GroupId --output text)
	MG=$(aws_bh create-security-group --vpc-id "$VPC" --group-name management --description ops \
		--query GroupId --output text)
	aws_bh authorize-security-group-ingress --group-id "$FE" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null
	aws_bh authorize-security-group-ingress --group-id "$FE" --protocol tcp --port 22 --source-group "$MG" >/dev/null
	aws_bh authorize-security-group-ingress --group-id "$BE" --protocol tcp --port 3306 --source-group "$FE" >/dev/null
	aws_bh authorize-security-group-ingress --group-id "$BE" --protocol tcp --port 22 --source-group "$MG" >/dev/null
	aws_bh authorize-security-group-ingress --group-id "$MG" --protocol tcp --port 22 --cidr 0.0.0.0/0 >/dev/null
	# backend may only reach DNS, HTTP(S) and itself: replace EC2's default
	# "all egress" rule with exactly that
	aws_bh revoke-security-group-egress --group-id "$BE" \
		--ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]' >/dev/null
	for p in 53 80 443; do
		aws_bh authorize-security-group-egress --group-id "$BE" \
			--ip-permissions "IpProtocol=tcp,FromPort=$p,ToPort=$p,IpRanges=[{CidrIp=0.0.0.0/0}]" >/dev/null
	done
	aws_bh authorize-security-group-egress --group-id "$BE" \
		--ip-permissions "IpProtocol=-1,UserIdGroupPairs=[{GroupId=$BE}]" >/dev/null
}

# launch NAME GROUP-ID: one instance in the subnet, with an Elastic IP.
launch() {
	local name=$1 group=$2 alloc launched
	launched=$(aws_bh run-instances --image-id "$AMI" --subnet-id "$SUBNET" \
		--security-group-ids "$group" --count 1 \
		--tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=$name}]" \
		--query 'Instances[0].[InstanceId,PrivateIpAddress]' --output text)
	ID[$name]=${launched%%[[:space:]]*}
	PRIV[$name]=${launched#*[[:space:]]}
	alloc=$(aws_bh allocate-address --domain vpc --query '[AllocationId,PublicIp]' --output text)
	EIP[$name]=${alloc#*[[:space:]]}
	alloc=${alloc%%[[:space:]]*}
	aws_bh associate-address --instance-id "${ID[$name]}" --allocation-id "$alloc" >/dev/null
}

launch_instances() {
	step "Instances (network namespaces), each with an Elastic IP"
	AMI=$(aws_bh describe-images --query 'Images[0].ImageId' --output text)
	launch frontend "$FE"
	launch backend "$BE"
	launch management "$MG"
}

# 0 when the agent has applied the store's latest revision.
agent_caught_up() {
	local status
	status=$("$BULKHEAD" admin --state-dir "$WORK/state" status) || return 1
	printf '%s\n' "$status" | grep -q '^agent' && ! printf '%s\n' "$status" | grep -q '(behind)'
}

# Running (as the agent reports it) is not enough: the Elastic IP
# associations came after, so also wait until the agent has applied the
# store's latest revision.
wait_until_running() {
	local i running
	step "Waiting for the agent to start them"
	for i in $(seq 120); do
		running=$(aws --endpoint-url "$ENDPOINT" ec2 describe-instances \
			--instance-ids "${ID[frontend]}" "${ID[backend]}" "${ID[management]}" \
			--query "length(Reservations[].Instances[?State.Name=='running'][])" --output text)
		if [ "$running" = 3 ] && agent_caught_up; then
			break
		fi
		[ "$i" -lt 120 ] || die "after 60s, $running of 3 instances running"
		sleep 0.5
	done
	aws_bh describe-instances --instance-ids "${ID[frontend]}" "${ID[backend]}" "${ID[management]}" \
		--query "Reservations[].Instances[].[Tags[?Key=='Name']|[0].Value,InstanceId,State.Name,PrivateIpAddress,PublicIpAddress]" \
		--output table
}

# --- listeners and probes -----------------------------------------------------

# in_ns WHO: the command prefix that runs a command inside instance WHO, or
# in the simulated internet for WHO=internet (into the array NS).
in_ns() {
	if [ "$1" = internet ]; then
		NS=(ip netns exec bh-internet)
	else
		NS=("$BULKHEAD" exec --state-dir "$WORK/state" "${ID[$1]}" --)
	fi
}

# start_listener WHO ADDR PORT…: a TCP accept loop in the background. Both
# `bulkhead exec` and `ip netns exec` exec the command rather than fork, so
# $! is the listener itself and killing it leaves nothing behind.
start_listener() {
	local who=$1
	shift
	in_ns "$who"
	"${NS[@]}" $PY "$DEMO_DIR/listen.py" "$@" >"$WORK/listen-$who.log" 2>&1 &
	LISTENER_PIDS+=("$!")
}

start_listeners() {
	local who i
	step "Listeners: every port a probe below connects to"
	[ -e /run/netns/bh-internet ] || die "the agent made no bh-internet namespace"
	start_listener frontend 0.0.0.0 80 22
	start_listener backend 0.0.0.0 3306 22
	start_listener management 0.0.0.0 22
	start_listener internet "$INTERNET_HOST" 53 80 443 8080
	say "  frontend :80 :22   backend :3306 :22   management :22   internet $INTERNET_HOST :53 :80 :443 :8080"
	for who in frontend backend management internet; do
		for i in $(seq 50); do
			grep -q '^ready' "$WORK/listen-$who.log" && break
			[ "$i" -lt 50 ] || die "listener in $who did not start: $(cat "$WORK/listen-$who.log")"
			sleep 0.2
		done
	done
}

FAILED=0
TOTAL=0

# probe FROM TO-LABEL ADDRESS PORT EXPECTED WHY: one connection attempt, one
# row of the table.
probe() {
	local from=$1 label=$2 addr=$3 port=$4 expected=$5 why=$6 result mark
	in_ns "$from"
	result=$("${NS[@]}" $PY "$DEMO_DIR/probe.py" "$addr" "$port" "$PROBE_TIMEOUT") || result=error
	TOTAL=$((TOTAL + 1))
	if [ "$result" = "$expected" ]; then
		mark="✓"
	else
		mark="✗"
		FAILED=$((FAILED + 1))
	fi
	printf '  %-11s %-18s %-5s %-9s %-7s %s   %s\n' "$from" "$label" "$port" "$expected" "$result" "$mark" "$why"
}

run_probes() {
	local inet=$INTERNET_HOST
	step "Probes: one TCP connection each (blocked = no answer within ${PROBE_TIMEOUT}s)"
	printf '  %-11s %-18s %-5s %-9s %-12s%s\n' FROM TO PORT EXPECTED RESULT "WHY"
	probe internet   "frontend (EIP)"   "${EIP[frontend]}"   80   pass  "frontend: 80 from 0.0.0.0/0"
	probe frontend   "backend"          "${PRIV[backend]}"   3306 pass  "backend: 3306 from group frontend"
	probe internet   "backend (EIP)"    "${EIP[backend]}"    3306 block "backend: 3306 only from frontend"
	probe management "backend"          "${PRIV[backend]}"   3306 block "backend: 3306 only from frontend"
	probe management "frontend"         "${PRIV[frontend]}"  22   pass  "frontend: 22 from group management"
	probe management "backend"          "${PRIV[backend]}"   22   pass  "backend: 22 from group management"
	probe internet   "management (EIP)" "${EIP[management]}" 22   pass  "management: 22 from 0.0.0.0/0"
	probe internet   "frontend (EIP)"   "${EIP[frontend]}"   22   block "frontend: 22 only from management"
	probe backend    "internet"         "$inet"              53   pass  "backend egress: tcp 53/80/443"
	probe backend    "internet"         "$inet"              80   pass  "backend egress: tcp 53/80/443"
	probe backend    "internet"         "$inet"              443  pass  "backend egress: tcp 53/80/443"
	probe backend    "internet"         "$inet"              8080 block "backend egress: nothing else"
}

# --- main ---------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "run as root: the agent makes namespaces and nftables tables (try: sudo make demo)"
[ -x "$BULKHEAD" ] || die "no $BULKHEAD; build it first (make demo builds it)"
command -v aws >/dev/null || die "the aws CLI is missing (make deps installs it)"
[ -x "$PY" ] || die "$PY is missing (make deps installs it)"

WORK=$(mktemp -d /tmp/bulkhead-demo.XXXXXX)
say "bulkhead demo: the frontend/backend/management scenario, with real packets"
step "Starting bulkhead serve --agent (state in $WORK/state)"
start_bulkhead
say "  API on $ENDPOINT, agent running (pid $(lock_holder)), admin key $AWS_ACCESS_KEY_ID"

build_network
launch_instances
wait_until_running
start_listeners
run_probes

if [ "$FAILED" -eq 0 ]; then
	say "" "All $TOTAL flows passed or were blocked as the security groups say."
else
	say "" "$FAILED of $TOTAL flows did NOT do what the security groups say." >&2
	exit 1
fi
