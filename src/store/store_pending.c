/* store_pending.c - placeholder definitions so the binary links while the
 * SQLite backend for these calls is written; each answers -ENOSYS. */
#include <errno.h>

#include "model/snapshot.h"
#include "store/store.h"

int store_instance_insert(struct store_tx *tx, const struct instance *i)
{
	(void)tx;
	(void)i;
	return -ENOSYS;
}

int store_instance_get(struct store_tx *tx, const char *id, struct instance *ret)
{
	(void)tx;
	(void)id;
	(void)ret;
	return -ENOSYS;
}

int store_instance_list(struct store_tx *tx, struct instance_list *ret)
{
	(void)tx;
	(void)ret;
	return -ENOSYS;
}

int store_instance_update(struct store_tx *tx, const struct instance *i)
{
	(void)tx;
	(void)i;
	return -ENOSYS;
}

int store_instance_delete(struct store_tx *tx, const char *id)
{
	(void)tx;
	(void)id;
	return -ENOSYS;
}

int store_eni_insert(struct store_tx *tx, const struct eni *e)
{
	(void)tx;
	(void)e;
	return -ENOSYS;
}

int store_eni_get(struct store_tx *tx, const char *id, struct eni *ret)
{
	(void)tx;
	(void)id;
	(void)ret;
	return -ENOSYS;
}

int store_eni_list(struct store_tx *tx, struct eni_list *ret)
{
	(void)tx;
	(void)ret;
	return -ENOSYS;
}

int store_eni_update(struct store_tx *tx, const struct eni *e)
{
	(void)tx;
	(void)e;
	return -ENOSYS;
}

int store_eni_delete(struct store_tx *tx, const char *id)
{
	(void)tx;
	(void)id;
	return -ENOSYS;
}

int store_route_table_insert(struct store_tx *tx, struct route_table *rt)
{
	(void)tx;
	(void)rt;
	return -ENOSYS;
}

int store_route_table_get(struct store_tx *tx, const char *id, struct route_table *ret)
{
	(void)tx;
	(void)id;
	(void)ret;
	return -ENOSYS;
}

int store_route_table_list(struct store_tx *tx, struct route_table_list *ret)
{
	(void)tx;
	(void)ret;
	return -ENOSYS;
}

int store_route_table_delete(struct store_tx *tx, const char *id)
{
	(void)tx;
	(void)id;
	return -ENOSYS;
}

int store_route_insert(struct store_tx *tx, const struct route *r)
{
	(void)tx;
	(void)r;
	return -ENOSYS;
}

int store_route_update(struct store_tx *tx, const struct route *r)
{
	(void)tx;
	(void)r;
	return -ENOSYS;
}

int store_route_delete(struct store_tx *tx, const char *route_table_id, const char *destination)
{
	(void)tx;
	(void)route_table_id;
	(void)destination;
	return -ENOSYS;
}

int store_route_list(struct store_tx *tx, const char *route_table_id, struct route_list *ret)
{
	(void)tx;
	(void)route_table_id;
	(void)ret;
	return -ENOSYS;
}

int store_rtb_association_insert(struct store_tx *tx, const struct rtb_association *a)
{
	(void)tx;
	(void)a;
	return -ENOSYS;
}

int store_rtb_association_get(struct store_tx *tx, const char *id, struct rtb_association *ret)
{
	(void)tx;
	(void)id;
	(void)ret;
	return -ENOSYS;
}

int store_rtb_association_update(struct store_tx *tx, const struct rtb_association *a)
{
	(void)tx;
	(void)a;
	return -ENOSYS;
}

int store_rtb_association_delete(struct store_tx *tx, const char *id)
{
	(void)tx;
	(void)id;
	return -ENOSYS;
}

int store_rtb_association_list(struct store_tx *tx, struct rtb_association_list *ret)
{
	(void)tx;
	(void)ret;
	return -ENOSYS;
}

int store_igw_insert(struct store_tx *tx, const struct internet_gateway *g)
{
	(void)tx;
	(void)g;
	return -ENOSYS;
}

int store_igw_get(struct store_tx *tx, const char *id, struct internet_gateway *ret)
{
	(void)tx;
	(void)id;
	(void)ret;
	return -ENOSYS;
}

int store_igw_list(struct store_tx *tx, struct igw_list *ret)
{
	(void)tx;
	(void)ret;
	return -ENOSYS;
}

int store_igw_update(struct store_tx *tx, const struct internet_gateway *g)
{
	(void)tx;
	(void)g;
	return -ENOSYS;
}

int store_igw_delete(struct store_tx *tx, const char *id)
{
	(void)tx;
	(void)id;
	return -ENOSYS;
}

int store_address_insert(struct store_tx *tx, const struct address *a)
{
	(void)tx;
	(void)a;
	return -ENOSYS;
}

int store_address_get(struct store_tx *tx, const char *allocation_id, struct address *ret)
{
	(void)tx;
	(void)allocation_id;
	(void)ret;
	return -ENOSYS;
}

int store_address_list(struct store_tx *tx, struct address_list *ret)
{
	(void)tx;
	(void)ret;
	return -ENOSYS;
}

int store_address_update(struct store_tx *tx, const struct address *a)
{
	(void)tx;
	(void)a;
	return -ENOSYS;
}

int store_address_delete(struct store_tx *tx, const char *allocation_id)
{
	(void)tx;
	(void)allocation_id;
	return -ENOSYS;
}

int store_public_ips_in_use(struct store_tx *tx, struct address_list *ret)
{
	(void)tx;
	(void)ret;
	return -ENOSYS;
}

int store_snapshot_load(struct store *s, struct snapshot *ret)
{
	(void)s;
	(void)ret;
	return -ENOSYS;
}

int store_agent_set_instance_state(struct store *s, const char *instance_id, const char *from_state, const char *to_state)
{
	(void)s;
	(void)instance_id;
	(void)from_state;
	(void)to_state;
	return -ENOSYS;
}

int store_agent_set_applied(struct store *s, const char *host, uint64_t revision, long long when)
{
	(void)s;
	(void)host;
	(void)revision;
	(void)when;
	return -ENOSYS;
}

int store_agent_status_list(struct store *s, struct agent_status_list *ret)
{
	(void)s;
	(void)ret;
	return -ENOSYS;
}

