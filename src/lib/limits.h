/* limits.h - every limit bulkhead enforces, with its name and its number.
 * Anything that reads untrusted input caps it with a constant from here. */
#ifndef BH_LIMITS_H
#define BH_LIMITS_H

/* HTTP and the Query protocol */
#define BH_MAX_BODY_BYTES        (256 * 1024)  /* request body */
#define BH_MAX_URL_BYTES         8192          /* path plus query string */
#define BH_MAX_HEADER_COUNT      64            /* headers kept for signing */
#define BH_MAX_HEADER_BYTES      8192          /* one header's value */
#define BH_MAX_PARAMS            2000          /* parameters in one request */
#define BH_MAX_PARAM_NAME        128           /* bytes in a parameter name */
#define BH_MAX_PARAM_VALUE       4096          /* bytes in a decoded value */
#define BH_MAX_LIST_ITEMS        1000          /* highest N in Name.N */

/* SigV4 */
#define BH_MAX_SIGNED_HEADERS    32
#define BH_MAX_PRESIGN_EXPIRES   604800        /* seconds, as AWS */
#define BH_MAX_CLOCK_SKEW        (15 * 60)     /* seconds */
#define BH_ACCESS_KEY_ID_LEN     20
#define BH_SECRET_KEY_LEN        40

/* EC2 semantics */
#define BH_MAX_FILTERS           50
#define BH_MAX_FILTER_VALUES     200
#define BH_MAX_RESULTS           1000          /* MaxResults upper bound */
#define BH_MIN_RESULTS           5             /* MaxResults lower bound */
#define BH_MAX_RULES_PER_DIR     60            /* per group, per direction */
#define BH_MAX_TAGS_PER_RESOURCE 50
#define BH_MAX_TAG_KEY           128
#define BH_MAX_TAG_VALUE         256
#define BH_MAX_NAME              255           /* group names, descriptions */
#define BH_MAX_VPCS_PER_ACCOUNT  100
#define BH_MAX_SUBNETS_PER_VPC   200
#define BH_MAX_GROUPS_PER_VPC    500
#define BH_MAX_ACCOUNT_NAME      64

/* Instances (RunInstances) */
#define BH_MAX_INSTANCES_PER_RUN     20        /* MaxCount is clamped to this; MinCount above it is refused */
#define BH_MAX_INSTANCES_PER_ACCOUNT 64        /* not terminated nor shutting down: InstanceLimitExceeded */
#define BH_MAX_CLIENT_TOKEN          64        /* ClientToken bytes, as EC2 */
#define BH_MAC_ATTEMPTS              16        /* random MACs tried before giving up on a clash */

/* Routing and public addresses, as EC2's default quotas */
#define BH_MAX_ROUTE_TABLES_PER_VPC  200       /* RouteTableLimitExceeded */
#define BH_MAX_ROUTES_PER_TABLE      50        /* the local route included: RouteLimitExceeded */
#define BH_MAX_IGWS_PER_ACCOUNT      100       /* one per VPC at most is useful: InternetGatewayLimitExceeded */
#define BH_MAX_ADDRESSES_PER_ACCOUNT 5         /* Elastic IPs: AddressLimitExceeded */

/* Resource ids: prefix, '-', 17 hex digits */
#define BH_ID_HEX_DIGITS         17
#define BH_MAX_ID                32

#endif
