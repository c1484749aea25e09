/* test_reach_cases.h - the tables of test_reach.c: scenarios (golden `.in`
 * files, with route tables where a case needs them, and inline ones) and
 * their flows. Included once, by test_reach.c. */

#define F1 "i-f1000000000000000"
#define F2 "i-f2000000000000000"
#define B1 "i-b1000000000000000"
#define B2 "i-b2000000000000000"
#define MG "i-a1000000000000000"
#define NET "203.0.113.10"

/* three_tier.in has no route table: the main one sends 0.0.0.0/0 to its
 * gateway, and the first backend gets an Elastic IP (as in the demo) so
 * it can reach the internet; the second has none. */
#define THREE_TIER_ROUTES                                                                  \
	"rtb   rtb-a1000000000000000 vpc-a1000000000000000 main\n"                         \
	"route rtb-a1000000000000000 10.0.0.0/16 local\n"                                  \
	"route rtb-a1000000000000000 0.0.0.0/0 igw-a1000000000000000\n"                     \
	"assoc rtb-a1000000000000000 main\n"                                               \
	"address eipalloc-a1000000000000001 203.0.113.151 eni=eni-b1000000000000000 private=10.0.2.20\n"

/* Rule ids of three_tier.in: sgr- and the rule's position. */
static const struct flow_case three_tier_flows[] = {
	/* HTTP from the world to the frontends */
	{ NET " " F1 " tcp 80", true, "return-route", "sgr-00000000000000001", F1 },
	{ NET " " F2 " tcp 80", true, "return-route", "DNAT 203.0.113.141 -> 10.0.1.11", F2 },
	/* MySQL: frontend -> backend only */
	{ F1 " " B1 " tcp 3306", true, "return-route", "sgr-00000000000000004", B1 },
	{ F2 " " B2 " tcp 3306", true, "return-route", "local route back to " F2, B2 },
	{ NET " " B1 " tcp 3306", false, "ingress", "default deny at " B1, B1 },
	{ NET " " B2 " tcp 3306", false, "route", "has no public address", B2 },
	{ MG " " B1 " tcp 3306", false, "ingress", "default deny", B1 },
	/* SSH: management -> both tiers, the world -> management only */
	{ MG " " F1 " tcp 22", true, "return-route", "sgr-00000000000000002", F1 },
	{ MG " " B1 " tcp 22", true, "return-route", "sgr-00000000000000005", B1 },
	{ NET " " MG " tcp 22", true, "return-route", "sgr-0000000000000000a", MG },
	{ NET " 203.0.113.150 tcp 22", true, "return-route", "DNAT 203.0.113.150 -> 10.0.1.100", MG },
	{ NET " " F1 " tcp 22", false, "ingress", "default deny", F1 },
	{ NET " " B1 " tcp 22", false, "ingress", "default deny", B1 },
	/* backend -> internet: TCP 53/80/443 only, and only with a public address */
	{ B1 " " NET " tcp 80", true, "return-route", "SNAT 10.0.2.20 -> 203.0.113.151", "" },
	{ B1 " " NET " tcp 443", true, "return-route", "sgr-00000000000000008", "" },
	{ B1 " " NET " tcp 53", true, "return-route", "sgr-00000000000000006", "" },
	{ B1 " " NET " tcp 8080", false, "egress", "egress denied at " B1, "" },
	{ B1 " " NET " udp 53", false, "egress", "no egress rule of sg-b0000000000000002 (backend)", "" },
	{ B2 " " NET " tcp 80", false, "nat", "10.0.2.21 has no public address", "" },
	/* backend <-> backend: egress allows any port to the group, but no
	 * ingress rule of backend admits backends */
	{ B1 " " B2 " tcp 5555", false, "ingress", "egress of " B1 " allowed by sgr-00000000000000009", B2 },
	{ B2 " " B1 " all -", false, "ingress", "default deny", B1 },
	{ B1 " " F1 " tcp 80", true, "return-route", "sgr-00000000000000007", F1 },
	/* hairpin through bh-internet: the receiver sees the public address,
	 * which no peer-group rule matches */
	{ MG " 203.0.113.140 tcp 80", true, "return-route", "SNAT 10.0.1.100 -> 203.0.113.150", F1 },
	{ MG " 203.0.113.140 tcp 22", false, "ingress", "from 203.0.113.150", F1 },
	{ F1 " 203.0.113.140 tcp 80", true, "return-route", "DNAT 203.0.113.140 -> 10.0.1.10", F1 },
	{ F1 " 10.0.3.7 tcp 80", false, "route", "no instance with traffic holds it", "" },
	{ F1 " 8.8.8.8 tcp 80", false, "route", "bh-internet has no route to 8.8.8.8", "" },
	{ NULL },
};

/* with an ingress rule for the group itself: backends reach each other on any port */
static const struct flow_case three_tier_self_flows[] = {
	{ B1 " " B2 " tcp 5555", true, "return-route", "sgr-b0000000000000099", B2 },
	{ B2 " " B1 " udp 7", true, "return-route", "sgr-b0000000000000099", B1 },
	{ B2 " " B1 " all -", true, "return-route", "all traffic", B1 },
	{ F1 " " B1 " tcp 5555", false, "ingress", "default deny", B1 },
	{ NULL },
};

#define T1 "i-1d000000000000001"
#define T2 "i-1d000000000000002"
#define T3 "i-1d000000000000003"

/* Overlapping tenants: the same 10.0.0.10 in both VPCs, no gateways. */
static const struct flow_case two_vpcs_flows[] = {
	/* a group of the other VPC listed on an ENI is not its own: no egress */
	{ T3 " 10.0.0.10 tcp 80", false, "egress", "egress denied", "" },
	{ T1 " 10.0.0.11 tcp 80", false, "route", "blackhole", "" },
	{ T1 " 10.0.0.10 tcp 80", true, "route", "own address", T1 },
	{ T1 " " T2 " tcp 80", false, "route", "no public address", T2 },
	{ NULL },
};

static const struct flow_case two_vpcs_egress_flows[] = {
	{ T3 " 10.0.0.10 tcp 80", true, "return-route", "sgr-22000000000000099", T2 },
	{ T2 " " T3 " tcp 22", true, "return-route", "", T3 },
	{ T3 " " T1 " tcp 80", false, "route", "no public address", T1 },
	{ NULL },
};

#define CA1 "i-ca000000000000001"
#define CA2 "i-ca000000000000002"
#define CA3 "i-ca000000000000003"

/* Two tenants' VPCs with one CIDR, each with a gateway: between them only
 * through public addresses; a group reference across VPCs matches no one. */
static const char cross_vpc[] =
	"vpc vpc-ca000000000000001 10.0.0.0/16\n"
	"vpc vpc-ca000000000000002 10.0.0.0/16\n"
	"subnet subnet-ca000000000000001 vpc-ca000000000000001 10.0.1.0/24\n"
	"subnet subnet-ca000000000000002 vpc-ca000000000000002 10.0.1.0/24\n"
	"igw igw-ca000000000000001 vpc-ca000000000000001\n"
	"igw igw-ca000000000000002 vpc-ca000000000000002\n"
	"rtb rtb-ca000000000000001 vpc-ca000000000000001 main\n"
	"route rtb-ca000000000000001 0.0.0.0/0 igw-ca000000000000001\n"
	"assoc rtb-ca000000000000001 main\n"
	"rtb rtb-ca000000000000002 vpc-ca000000000000002 main\n"
	"route rtb-ca000000000000002 0.0.0.0/0 igw-ca000000000000002\n"
	"assoc rtb-ca000000000000002 main\n"
	"group sg-ca000000000000001 vpc-ca000000000000001 web\n"
	"group sg-ca000000000000002 vpc-ca000000000000002 client\n"
	"rule sg-ca000000000000001 in tcp 80 80 0.0.0.0/0 id=sgr-ca000000000000001\n"
	"rule sg-ca000000000000001 in tcp 22 22 sg-ca000000000000002 id=sgr-ca000000000000002\n"
	"rule sg-ca000000000000001 out -1 -1 -1 0.0.0.0/0 id=sgr-ca000000000000003\n"
	"rule sg-ca000000000000002 out -1 -1 -1 0.0.0.0/0 id=sgr-ca000000000000004\n"
	"rule sg-ca000000000000002 in tcp 80 80 sg-ca000000000000002 id=sgr-ca000000000000005\n"
	"instance " CA1 " running\n"
	"instance " CA2 " running\n"
	"instance " CA3 " running\n"
	"eni eni-ca100000000000000 vpc-ca000000000000001 10.0.1.10 02:00:00:ca:00:01 instance=" CA1
	" subnet=subnet-ca000000000000001 public=203.0.113.140 groups=sg-ca000000000000001\n"
	"eni eni-ca200000000000000 vpc-ca000000000000002 10.0.1.10 02:00:00:ca:00:02 instance=" CA2
	" subnet=subnet-ca000000000000002 public=203.0.113.141 groups=sg-ca000000000000002\n"
	"eni eni-ca300000000000000 vpc-ca000000000000002 10.0.1.11 02:00:00:ca:00:03 instance=" CA3
	" subnet=subnet-ca000000000000002 groups=sg-ca000000000000002\n";

static const struct flow_case cross_vpc_flows[] = {
	{ CA2 " " CA1 " tcp 80", true, "return-route", "SNAT 10.0.1.10 -> 203.0.113.141", CA1 },
	{ CA2 " " CA1 " tcp 22", false, "ingress", "from 203.0.113.141", CA1 },
	{ CA1 " 10.0.1.10 tcp 80", true, "route", "own address", CA1 },
	{ CA3 " 10.0.1.10 tcp 80", true, "return-route", "sgr-ca000000000000005", CA2 },
	{ CA3 " " CA1 " tcp 80", false, "nat", "10.0.1.11 has no public address", CA1 },
	{ CA1 " " CA2 " tcp 80", false, "ingress", "default deny", CA2 },
	{ CA1 " " CA3 " tcp 80", false, "route", "no public address", CA3 },
	{ NULL },
};

#define E1 "i-e0000000000000001"
#define E2 "i-e0000000000000002"
#define E3 "i-e0000000000000003"
#define E4 "i-e0000000000000004"
#define E5 "i-e0000000000000005"
#define E6 "i-e0000000000000006"
#define E7 "i-e0000000000000007"
#define D1 "i-d0000000000000001"
#define FA1 "i-fa000000000000001"

/* Gateways and route tables: subnet 1 uses the main table (default via
 * the gateway); subnet 2 routes only the public network out (no way back
 * to the internet's hosts); subnet 3 sends the default to an instance and
 * 203.0.113.0/24 to the gateway. E2 has an Elastic IP in place of its
 * launch address, E5 is stopped, E6 has no public address, E7 is on the
 * public network. Beside it: a VPC whose gateway is detached (its route a
 * blackhole), and one whose gateway is attached but not routed. */
static const char igw_edges[] =
	"vpc vpc-e0000000000000001 10.1.0.0/16\n"
	"subnet subnet-e0000000000000001 vpc-e0000000000000001 10.1.1.0/24\n"
	"subnet subnet-e0000000000000002 vpc-e0000000000000001 10.1.2.0/24\n"
	"subnet subnet-e0000000000000003 vpc-e0000000000000001 10.1.3.0/24\n"
	"subnet subnet-e0000000000000004 vpc-e0000000000000001 10.1.4.0/24\n"
	"subnet subnet-e0000000000000005 vpc-e0000000000000001 10.1.5.0/24\n"
	"igw igw-e0000000000000001 vpc-e0000000000000001\n"
	"rtb rtb-e0000000000000001 vpc-e0000000000000001 main\n"
	"route rtb-e0000000000000001 10.1.0.0/16 local\n"
	"route rtb-e0000000000000001 0.0.0.0/0 igw-e0000000000000001\n"
	"assoc rtb-e0000000000000001 main\n"
	"rtb rtb-e0000000000000002 vpc-e0000000000000001\n"
	"route rtb-e0000000000000002 198.51.100.0/24 igw-e0000000000000001\n"
	"assoc rtb-e0000000000000002 subnet-e0000000000000002\n"
	"rtb rtb-e0000000000000003 vpc-e0000000000000001\n"
	"route rtb-e0000000000000003 0.0.0.0/0 " E1 "\n"
	"route rtb-e0000000000000003 203.0.113.0/24 igw-e0000000000000001\n"
	"assoc rtb-e0000000000000003 subnet-e0000000000000003\n"
	"group sg-e0000000000000001 vpc-e0000000000000001 open\n"
	"rule sg-e0000000000000001 in -1 -1 -1 0.0.0.0/0 id=sgr-e0000000000000001\n"
	"rule sg-e0000000000000001 out -1 -1 -1 0.0.0.0/0 id=sgr-e0000000000000002\n"
	"group sg-e0000000000000002 - pubweb\n"
	"rule sg-e0000000000000002 in tcp 80 80 0.0.0.0/0 id=sgr-e0000000000000003\n"
	"rule sg-e0000000000000002 out -1 -1 -1 0.0.0.0/0 id=sgr-e0000000000000004\n"
	"instance " E1 " running\ninstance " E2 " running\ninstance " E3 " running\ninstance " E4 " running\n"
	"instance " E5 " stopped\ninstance " E6 " running\ninstance " E7 " running\n"
	"instance i-e8000000000000000 stopped\ninstance i-e9000000000000000 terminated\n"
	"eni eni-e8000000000000000 vpc-e0000000000000001 10.1.5.10 02:00:00:e0:00:08 instance=i-e8000000000000000"
	" subnet=subnet-e0000000000000005 groups=sg-e0000000000000001\n"
	"eni eni-e9000000000000000 vpc-e0000000000000001 10.1.4.10 02:00:00:e0:00:09 instance=i-e9000000000000000"
	" subnet=subnet-e0000000000000004 groups=sg-e0000000000000001\n"
	"eni eni-e1000000000000000 vpc-e0000000000000001 10.1.1.10 02:00:00:e0:00:01 instance=" E1
	" subnet=subnet-e0000000000000001 public=203.0.113.160 groups=sg-e0000000000000001\n"
	"eni eni-e2000000000000000 vpc-e0000000000000001 10.1.1.11 02:00:00:e0:00:02 instance=" E2
	" subnet=subnet-e0000000000000001 public=203.0.113.161 groups=sg-e0000000000000001\n"
	"eni eni-e3000000000000000 vpc-e0000000000000001 10.1.2.10 02:00:00:e0:00:03 instance=" E3
	" subnet=subnet-e0000000000000002 public=203.0.113.162 groups=sg-e0000000000000001\n"
	"eni eni-e4000000000000000 vpc-e0000000000000001 10.1.3.10 02:00:00:e0:00:04 instance=" E4
	" subnet=subnet-e0000000000000003 public=203.0.113.163 groups=sg-e0000000000000001\n"
	"eni eni-e5000000000000000 vpc-e0000000000000001 10.1.1.12 02:00:00:e0:00:05 instance=" E5
	" subnet=subnet-e0000000000000001 public=203.0.113.164 groups=sg-e0000000000000001\n"
	"eni eni-e6000000000000000 vpc-e0000000000000001 10.1.1.13 02:00:00:e0:00:06 instance=" E6
	" subnet=subnet-e0000000000000001 groups=sg-e0000000000000001\n"
	"eni eni-e7000000000000000 - 198.51.100.10 02:00:00:e0:00:07 instance=" E7 " groups=sg-e0000000000000002\n"
	"address eipalloc-e0000000000000001 203.0.113.170 eni=eni-e2000000000000000 private=10.1.1.11\n"
	/* detached gateway */
	"vpc vpc-d0000000000000001 10.2.0.0/16\n"
	"subnet subnet-d0000000000000001 vpc-d0000000000000001 10.2.1.0/24\n"
	"igw igw-d0000000000000001 -\n"
	"rtb rtb-d0000000000000001 vpc-d0000000000000001 main\n"
	"route rtb-d0000000000000001 0.0.0.0/0 igw-d0000000000000001\n"
	"assoc rtb-d0000000000000001 main\n"
	"group sg-d0000000000000001 vpc-d0000000000000001 open\n"
	"rule sg-d0000000000000001 in -1 -1 -1 0.0.0.0/0\n"
	"rule sg-d0000000000000001 out -1 -1 -1 0.0.0.0/0\n"
	"instance " D1 " running\n"
	"eni eni-d0000000000000001 vpc-d0000000000000001 10.2.1.10 02:00:00:d0:00:01 instance=" D1
	" subnet=subnet-d0000000000000001 public=203.0.113.180 groups=sg-d0000000000000001\n"
	/* attached, not routed */
	"vpc vpc-fa000000000000001 10.3.0.0/16\n"
	"subnet subnet-fa000000000000001 vpc-fa000000000000001 10.3.1.0/24\n"
	"igw igw-fa000000000000001 vpc-fa000000000000001\n"
	"rtb rtb-fa000000000000001 vpc-fa000000000000001 main\n"
	"assoc rtb-fa000000000000001 main\n"
	"group sg-fa000000000000001 vpc-fa000000000000001 open\n"
	"rule sg-fa000000000000001 in -1 -1 -1 0.0.0.0/0\n"
	"rule sg-fa000000000000001 out -1 -1 -1 0.0.0.0/0\n"
	"instance " FA1 " running\n"
	"eni eni-fa000000000000001 vpc-fa000000000000001 10.3.1.10 02:00:00:fa:00:01 instance=" FA1
	" subnet=subnet-fa000000000000001 public=203.0.113.190 groups=sg-fa000000000000001\n";

static const struct flow_case igw_edges_flows[] = {
	{ NET " " E1 " tcp 80", true, "return-route", "DNAT 203.0.113.160 -> 10.1.1.10", E1 },
	/* an Elastic IP replaces the launch address */
	{ NET " " E2 " tcp 80", true, "return-route", "DNAT 203.0.113.170 -> 10.1.1.11", E2 },
	{ NET " 203.0.113.161 tcp 80", false, "nat", "no NAT entry for 203.0.113.161", "" },
	/* no route back to the internet's hosts from subnet 2 */
	{ NET " " E3 " tcp 80", false, "return-route", "no route matches 203.0.113.10", E3 },
	{ E3 " " NET " tcp 80", false, "route", "rtb-e0000000000000002: no route matches 203.0.113.10", "" },
	{ E3 " " E7 " tcp 80", true, "return-route", "SNAT 10.1.2.10 -> 203.0.113.162", E7 },
	{ E7 " " E3 " tcp 80", true, "return-route", "rtb-e0000000000000002: 198.51.100.0/24", E3 },
	/* longest prefix: 203.0.113.0/24 to the gateway, the rest to an instance */
	{ E4 " " NET " udp 53", true, "return-route", "203.0.113.0/24 -> igw-e0000000000000001", "" },
	{ E4 " 8.8.8.8 tcp 80", false, "route", "receives the packet as next hop", E1 },
	/* a stopped instance has no vNIC; its public address leads nowhere */
	{ E5 " " E1 " tcp 80", false, "route", "source " E5 " is stopped", NULL },
	{ NET " " E5 " tcp 80", false, "route", "destination " E5 " is stopped", E5 },
	{ NET " 203.0.113.164 tcp 80", false, "nat", "no NAT entry", "" },
	{ E1 " 10.1.1.12 tcp 80", false, "route", "blackhole", "" },
	{ E6 " " NET " tcp 80", false, "nat", "has no public address", "" },
	{ E1 " " E2 " tcp 80", true, "return-route", "local route", E2 },
	/* hairpins, to another instance and to itself */
	{ E1 " 203.0.113.170 tcp 80", true, "return-route", "DNAT 203.0.113.170 -> 10.1.1.11", E2 },
	{ E1 " 203.0.113.160 tcp 80", true, "return-route", "SNAT 10.1.1.10 -> 203.0.113.160", E1 },
	{ E1 " 10.1.1.10 tcp 80", true, "route", "own address", E1 },
	{ E1 " 8.8.8.8 tcp 80", false, "route", "bh-internet has no route to 8.8.8.8", "" },
	/* the public network: no NAT, always an uplink */
	{ E7 " " NET " tcp 443", true, "return-route", "no NAT", "" },
	{ NET " " E7 " tcp 80", true, "return-route", "sgr-e0000000000000003", E7 },
	{ NET " " E7 " tcp 22", false, "ingress", "default deny", E7 },
	{ NET " 198.51.100.99 tcp 80", false, "route", "no instance with traffic holds 198.51.100.99", "" },
	{ NET " 203.0.113.20 tcp 80", true, "route", "both ends", "" },
	{ NET " 10.1.1.10 tcp 80", false, "route", "bh-internet has no route to 10.1.1.10", "" },
	/* the router's own addresses: gateways of subnets with traffic, the
	 * uplink's; it answers echo requests, whatever the groups say */
	{ E6 " 10.1.1.1 icmp 8/0", true, "route", "answers ICMP echo requests", "" },
	{ E1 " 10.1.2.1 icmp 8/3", true, "route", "router of vpc-e0000000000000001", "" },
	{ E1 " 169.254.0.1 icmp 8/0", true, "route", "router", "" },
	{ E1 " 10.1.1.1 tcp 22", false, "route", "accepts only ICMP echo requests", "" },
	{ E1 " 10.1.1.1 icmp 0/0", false, "route", "accepts only ICMP echo requests", "" },
	{ E1 " 10.1.4.1 icmp 8/0", false, "route", "blackhole", "" },
	/* a stopped instance's link is down, its gateway address still local */
	{ E1 " 10.1.5.1 icmp 8/0", true, "route", "answers ICMP echo requests", "" },
	{ D1 " 169.254.0.1 icmp 8/0", false, "route", "blackhole", "" },
	{ NET " 169.254.0.1 icmp 8/0", false, "route", "bh-internet has no route", "" },
	/* detached gateway: a blackhole out, no route in */
	{ D1 " " NET " tcp 80", false, "route", "blackhole", "" },
	{ NET " " D1 " tcp 80", false, "route", "bh-internet has no route to 203.0.113.180", NULL },
	/* attached but not routed: in, but no way back; no way out */
	{ NET " " FA1 " tcp 80", false, "return-route", "no route matches 203.0.113.10", FA1 },
	{ FA1 " " NET " tcp 80", false, "route", "no route matches", "" },
	{ NULL },
};

static const struct flow_case no_igw_flows[] = {
	{ NET " i-19000000000000001 tcp 80", false, "route", "bh-internet has no route to 203.0.113.133", NULL },
	{ "i-19000000000000001 " NET " tcp 80", false, "route", "has no route table", "" },
	{ NULL },
};

/* public_igw.in's ENIs have no subnet, so no route table: replies to the
 * internet have no way back */
static const struct flow_case public_igw_flows[] = {
	{ NET " 203.0.113.131 tcp 443", false, "return-route", "no route table", "i-18000000000000001" },
	{ NET " 203.0.113.132 tcp 443", false, "nat", "no NAT entry", "" },
	{ NET " 203.0.113.200 tcp 443", false, "return-route", "", "i-18000000000000002" },
	{ NET " 203.0.113.201 tcp 443", false, "return-route", "", "i-18000000000000003" },
	{ NET " 203.0.113.209 tcp 443", false, "route", "bh-internet has no route", "" },
	{ NET " i-18000000000000004 tcp 443", false, "route", "no public address", "i-18000000000000004" },
	{ "i-18000000000000004 i-18000000000000002 tcp 443", true, "return-route", "", "i-18000000000000002" },
	{ NULL },
};

#define P1 "i-1c000000000000001"
#define P2 "i-1c000000000000002"
#define P3 "i-1c000000000000003"

static const struct flow_case public_net_flows[] = {
	{ NET " " P1 " tcp 80", true, "return-route", "sgr-00000000000000001", P1 },
	{ NET " 198.51.100.11 tcp 22", true, "return-route", "ssh", P2 },
	{ NET " " P1 " tcp 22", false, "ingress", "default deny", P1 },
	{ P1 " " P2 " tcp 80", true, "return-route", "local route", P2 },
	{ P1 " " P2 " tcp 22", false, "ingress", "from 198.51.100.10", P2 },
	{ P2 " " NET " tcp 443", true, "return-route", "no NAT", "" },
	{ P1 " " P3 " tcp 80", false, "route", "no public address", P3 },
	{ P3 " " P1 " tcp 80", false, "route", "no route table", NULL },
	{ NULL },
};

#define C1 "i-c1000000000000001"
#define C2 "i-c1000000000000002"
#define C3 "i-c1000000000000003"

/* ICMP types and codes, port ranges, other protocols, IPv6 peers */
static const char icmp_ports[] =
	"vpc vpc-c1000000000000000 10.4.0.0/16\n"
	"group sg-c1000000000000001 vpc-c1000000000000000 pinger\n"
	"group sg-c1000000000000002 vpc-c1000000000000000 target\n"
	"rule sg-c1000000000000001 out -1 -1 -1 0.0.0.0/0 id=sgr-c1000000000000001\n"
	"rule sg-c1000000000000002 in icmp 8 0 sg-c1000000000000001 id=sgr-c1000000000000002\n"
	"rule sg-c1000000000000002 in icmp 3 -1 0.0.0.0/0 id=sgr-c1000000000000003\n"
	"rule sg-c1000000000000002 in icmpv6 128 -1 10.4.0.0/16 id=sgr-c1000000000000004\n"
	"rule sg-c1000000000000002 in icmpv6 -1 -1 10.4.0.0/16 id=sgr-c1000000000000005\n"
	"rule sg-c1000000000000002 in udp 1000 2000 0.0.0.0/0 id=sgr-c1000000000000006\n"
	"rule sg-c1000000000000002 in tcp 80 80 ::/0 id=sgr-c1000000000000007\n"
	"rule sg-c1000000000000002 in 47 -1 -1 10.4.0.0/16 id=sgr-c1000000000000008\n"
	"rule sg-c1000000000000002 in tcp 443 443 10.4.0.5/32 id=sgr-c1000000000000009\n"
	"instance " C1 " running\ninstance " C2 " running\ninstance " C3 " running\n"
	"eni eni-c1100000000000000 vpc-c1000000000000000 10.4.0.5 02:00:00:c1:00:01 instance=" C1
	" groups=sg-c1000000000000001\n"
	"eni eni-c1200000000000000 vpc-c1000000000000000 10.4.0.6 02:00:00:c1:00:02 instance=" C2
	" groups=sg-c1000000000000002\n"
	"eni eni-c1300000000000000 vpc-c1000000000000000 10.4.0.7 02:00:00:c1:00:03 instance=" C3
	" groups=sg-c1000000000000001,sg-c1000000000000002\n";

static const struct flow_case icmp_ports_flows[] = {
	{ C1 " " C2 " icmp 8/0", true, "return-route", "sgr-c1000000000000002", C2 },
	{ C1 " " C2 " icmp 8/1", false, "ingress", "icmp type 8 code 1", C2 },
	{ C1 " " C2 " icmp 0/0", false, "ingress", "default deny", C2 },
	{ C1 " " C2 " icmp 3/13", true, "return-route", "sgr-c1000000000000003", C2 },
	{ C1 " " C2 " 58 -", true, "return-route", "sgr-c1000000000000005", C2 },
	{ C1 " " C2 " udp 999", false, "ingress", "udp/999", C2 },
	{ C1 " " C2 " udp 1000", true, "return-route", "sgr-c1000000000000006", C2 },
	{ C1 " " C2 " udp 2000", true, "return-route", "udp 1000-2000", C2 },
	{ C1 " " C2 " udp 2001", false, "ingress", "default deny", C2 },
	{ C1 " " C2 " tcp 80", false, "ingress", "default deny", C2 },
	{ C1 " " C2 " 47 -", true, "return-route", "sgr-c1000000000000008", C2 },
	{ C1 " " C2 " tcp 443", true, "return-route", "sgr-c1000000000000009", C2 },
	{ C1 " " C2 " all -", false, "ingress", "all traffic", C2 },
	{ C3 " " C2 " tcp 443", false, "ingress", "default deny", C2 },
	{ C3 " " C2 " icmp 8/0", true, "return-route", "pinger", C2 },
	{ C2 " " C1 " icmp 8/0", false, "egress", "egress denied", NULL },
	{ NULL },
};

static const struct flow_case icmp_golden_flows[] = {
	{ "i-17000000000000002 i-17000000000000001 icmp 8/0", true, "return-route", "", "i-17000000000000001" },
	{ "i-17000000000000001 i-17000000000000002 icmp 8/0", false, "ingress", "default deny", "i-17000000000000002" },
	{ "i-17000000000000001 i-17000000000000002 icmp 8/3", false, "egress", "egress denied", NULL },
	{ "i-17000000000000001 i-17000000000000002 icmp 0/0", false, "egress", "", NULL },
	{ NULL },
};

/* SourceDestCheck: forged sources */
static const struct flow_case sdc_off_flows[] = {
	{ "i-1a000000000000002 i-1a000000000000001 tcp 80 src=10.100.0.99", false, "antispoof", "SourceDestCheck on", NULL },
	{ "i-1a000000000000001 i-1a000000000000002 tcp 80 src=10.100.0.99", true, "return-route", "one way",
	  "i-1a000000000000002" },
	{ "i-1a000000000000001 i-1a000000000000002 tcp 80 src=192.0.2.1", false, "ingress", "from 192.0.2.1", NULL },
	{ "i-1a000000000000002 i-1a000000000000001 tcp 80 src=10.100.0.6", true, "return-route", "local route", NULL },
	{ NULL },
};

#define R1 "i-b5000000000000001"
#define R2 "i-b5000000000000002"

/* Peer groups hold the private addresses of members with traffic only:
 * a relay with SourceDestCheck off sends from members' addresses. */
static const char peers[] =
	"vpc vpc-b5000000000000000 10.5.0.0/16\n"
	"group sg-b5000000000000001 vpc-b5000000000000000 app\n"
	"group sg-b5000000000000002 vpc-b5000000000000000 relay\n"
	"rule sg-b5000000000000001 in tcp 8080 8080 sg-b5000000000000001 id=sgr-b5000000000000001\n"
	"rule sg-b5000000000000002 out -1 -1 -1 0.0.0.0/0 id=sgr-b5000000000000002\n"
	"instance " R1 " running\ninstance " R2 " running\n"
	"instance i-b5000000000000003 stopped\ninstance i-b5000000000000004 pending\n"
	"eni eni-b5100000000000000 vpc-b5000000000000000 10.5.0.5 02:00:00:b5:00:01 instance=" R1
	" sdc=off groups=sg-b5000000000000002\n"
	"eni eni-b5200000000000000 vpc-b5000000000000000 10.5.0.6 02:00:00:b5:00:02 instance=" R2
	" groups=sg-b5000000000000001\n"
	"eni eni-b5300000000000000 vpc-b5000000000000000 10.5.0.7 02:00:00:b5:00:03 instance=i-b5000000000000003"
	" groups=sg-b5000000000000001\n"
	"eni eni-b5400000000000000 vpc-b5000000000000000 10.5.0.8 02:00:00:b5:00:04 instance=i-b5000000000000004"
	" groups=sg-b5000000000000001\n";

static const struct flow_case peers_flows[] = {
	{ R1 " " R2 " tcp 8080 src=10.5.0.7", false, "ingress", "default deny", R2 },
	{ R1 " " R2 " tcp 8080 src=10.5.0.8", true, "return-route", "sgr-b5000000000000001", R2 },
	{ R1 " " R2 " tcp 8080", false, "ingress", "from 10.5.0.5", R2 },
	{ "i-b5000000000000004 " R2 " tcp 8080", false, "egress", "egress denied", NULL },
	{ NULL },
};

static const struct flow_case malformed_flows[] = {
	{ "i-1e000000000000005 i-1e000000000000001 tcp 80", false, "route", "12 digits", NULL },
	{ "i-1e000000000000002 i-1e000000000000001 tcp 80", false, "route", "malformed MAC", NULL },
	{ "i-1e000000000000003 i-1e000000000000001 tcp 80", false, "route", "malformed private address", NULL },
	{ "i-1e000000000000004 i-1e000000000000001 tcp 80", false, "route", "id is malformed", NULL },
	{ "i-1e000000000000006 i-1e000000000000001 tcp 80", true, "return-route", "10.120.0.0/16", "i-1e000000000000001" },
	/* the rule with host bits and the reversed range are left out */
	{ "i-1e000000000000006 i-1e000000000000001 tcp 22", false, "ingress", "default deny", NULL },
	{ "i-1e000000000000006 i-1e000000000000001 tcp 85", false, "ingress", "default deny", NULL },
	/* the public address two ENIs claim belongs to the first */
	{ NET " 203.0.113.160 tcp 80", false, "ingress", "default deny", "i-1e000000000000001" },
	{ NULL },
};

static const struct flow_case stopped_flows[] = {
	{ "i-1b000000000000002 i-1b000000000000001 tcp 8080", true, "return-route", "sgr-00000000000000001",
	  "i-1b000000000000001" },
	{ "i-1b000000000000001 i-1b000000000000002 tcp 8080", true, "return-route", "", "i-1b000000000000002" },
	{ "i-1b000000000000002 i-1b000000000000004 tcp 8080", false, "route", "is stopped", "i-1b000000000000004" },
	{ "i-1b000000000000004 i-1b000000000000002 tcp 8080", false, "route", "is stopped", NULL },
	{ "i-1b000000000000002 i-1b000000000000003 tcp 8080", false, "route", "is stopping", NULL },
	{ "i-1b000000000000002 i-1b000000000000006 tcp 8080", false, "route", "is terminated", NULL },
	{ "i-1b000000000000002 10.110.0.14 tcp 8080", false, "route", "blackhole", "" },
	{ "i-1b000000000000002 10.110.0.17 tcp 8080", false, "route", "blackhole", "" },
	{ NULL },
};

static const struct scenario scenarios[] = {
	{ "three_tier", "three_tier", THREE_TIER_ROUTES, three_tier_flows },
	{ "three_tier+self", "three_tier",
	  THREE_TIER_ROUTES "rule sg-b0000000000000002 in -1 -1 -1 sg-b0000000000000002 id=sgr-b0000000000000099\n",
	  three_tier_self_flows },
	{ "two_vpcs", "two_vpcs", NULL, two_vpcs_flows },
	{ "two_vpcs+egress", "two_vpcs", "rule sg-22000000000000002 out -1 -1 -1 0.0.0.0/0 id=sgr-22000000000000099\n",
	  two_vpcs_egress_flows },
	{ "cross_vpc", NULL, cross_vpc, cross_vpc_flows },
	{ "igw_edges", NULL, igw_edges, igw_edges_flows },
	{ "no_igw", "no_igw", NULL, no_igw_flows },
	{ "public_igw", "public_igw", NULL, public_igw_flows },
	{ "public_net", "public_net", NULL, public_net_flows },
	{ "icmp_ports", NULL, icmp_ports, icmp_ports_flows },
	{ "icmp", "icmp", NULL, icmp_golden_flows },
	{ "sdc_off", "sdc_off", NULL, sdc_off_flows },
	{ "peers", NULL, peers, peers_flows },
	{ "malformed", "malformed", NULL, malformed_flows },
	{ "stopped", "stopped", NULL, stopped_flows },
};
