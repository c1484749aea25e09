/* store_compute.c - the public store API for compute and networking and
 * for the agent: argument checks, then one call through the ops table. */
#include "store/store.h"

#include <errno.h>

#include "model/snapshot.h"
#include "store/backend.h"

#define TX_CALL(tx, op, ...) \
	((tx) ? (tx)->store->ops->op((tx), __VA_ARGS__) : -EINVAL)

int store_instance_insert(struct store_tx *tx, const struct instance *i)
{
	return i ? TX_CALL(tx, instance_insert, i) : -EINVAL;
}

int store_instance_get(struct store_tx *tx, const char *id, struct instance *ret)
{
	return id && ret ? TX_CALL(tx, instance_get, id, ret) : -EINVAL;
}

int store_instance_list(struct store_tx *tx, struct instance_list *ret)
{
	return ret ? TX_CALL(tx, instance_list, ret) : -EINVAL;
}

int store_instance_update(struct store_tx *tx, const struct instance *i)
{
	return i ? TX_CALL(tx, instance_update, i) : -EINVAL;
}

int store_instance_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, instance_delete, id) : -EINVAL;
}

int store_eni_insert(struct store_tx *tx, const struct eni *e)
{
	return e ? TX_CALL(tx, eni_insert, e) : -EINVAL;
}

int store_eni_get(struct store_tx *tx, const char *id, struct eni *ret)
{
	return id && ret ? TX_CALL(tx, eni_get, id, ret) : -EINVAL;
}

int store_eni_list(struct store_tx *tx, struct eni_list *ret)
{
	return ret ? TX_CALL(tx, eni_list, ret) : -EINVAL;
}

int store_eni_update(struct store_tx *tx, const struct eni *e)
{
	return e ? TX_CALL(tx, eni_update, e) : -EINVAL;
}

int store_eni_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, eni_delete, id) : -EINVAL;
}

int store_route_table_insert(struct store_tx *tx, struct route_table *rt)
{
	return rt ? TX_CALL(tx, route_table_insert, rt) : -EINVAL;
}

int store_route_table_get(struct store_tx *tx, const char *id, struct route_table *ret)
{
	return id && ret ? TX_CALL(tx, route_table_get, id, ret) : -EINVAL;
}

int store_route_table_list(struct store_tx *tx, struct route_table_list *ret)
{
	return ret ? TX_CALL(tx, route_table_list, ret) : -EINVAL;
}

int store_route_table_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, route_table_delete, id) : -EINVAL;
}

int store_route_insert(struct store_tx *tx, const struct route *r)
{
	return r ? TX_CALL(tx, route_insert, r) : -EINVAL;
}

int store_route_update(struct store_tx *tx, const struct route *r)
{
	return r ? TX_CALL(tx, route_update, r) : -EINVAL;
}

int store_route_delete(struct store_tx *tx, const char *route_table_id, const char *destination)
{
	return route_table_id && destination ?
		       TX_CALL(tx, route_delete, route_table_id, destination) : -EINVAL;
}

int store_route_list(struct store_tx *tx, const char *route_table_id, struct route_list *ret)
{
	return ret ? TX_CALL(tx, route_list, route_table_id, ret) : -EINVAL;
}

int store_rtb_association_insert(struct store_tx *tx, const struct rtb_association *a)
{
	return a ? TX_CALL(tx, rtb_association_insert, a) : -EINVAL;
}

int store_rtb_association_get(struct store_tx *tx, const char *id, struct rtb_association *ret)
{
	return id && ret ? TX_CALL(tx, rtb_association_get, id, ret) : -EINVAL;
}

int store_rtb_association_update(struct store_tx *tx, const struct rtb_association *a)
{
	return a ? TX_CALL(tx, rtb_association_update, a) : -EINVAL;
}

int store_rtb_association_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, rtb_association_delete, id) : -EINVAL;
}

int store_rtb_association_list(struct store_tx *tx, struct rtb_association_list *ret)
{
	return ret ? TX_CALL(tx, rtb_association_list, ret) : -EINVAL;
}

int store_igw_insert(struct store_tx *tx, const struct internet_gateway *g)
{
	return g ? TX_CALL(tx, igw_insert, g) : -EINVAL;
}

int store_igw_get(struct store_tx *tx, const char *id, struct internet_gateway *ret)
{
	return id && ret ? TX_CALL(tx, igw_get, id, ret) : -EINVAL;
}

int store_igw_list(struct store_tx *tx, struct igw_list *ret)
{
	return ret ? TX_CALL(tx, igw_list, ret) : -EINVAL;
}

int store_igw_update(struct store_tx *tx, const struct internet_gateway *g)
{
	return g ? TX_CALL(tx, igw_update, g) : -EINVAL;
}

int store_igw_delete(struct store_tx *tx, const char *id)
{
	return id ? TX_CALL(tx, igw_delete, id) : -EINVAL;
}

int store_address_insert(struct store_tx *tx, const struct address *a)
{
	return a ? TX_CALL(tx, address_insert, a) : -EINVAL;
}

int store_address_get(struct store_tx *tx, const char *allocation_id, struct address *ret)
{
	return allocation_id && ret ? TX_CALL(tx, address_get, allocation_id, ret) : -EINVAL;
}

int store_address_list(struct store_tx *tx, struct address_list *ret)
{
	return ret ? TX_CALL(tx, address_list, ret) : -EINVAL;
}

int store_address_update(struct store_tx *tx, const struct address *a)
{
	return a ? TX_CALL(tx, address_update, a) : -EINVAL;
}

int store_address_delete(struct store_tx *tx, const char *allocation_id)
{
	return allocation_id ? TX_CALL(tx, address_delete, allocation_id) : -EINVAL;
}

int store_public_ips_in_use(struct store_tx *tx, struct address_list *ret)
{
	return ret ? TX_CALL(tx, public_ips_in_use, ret) : -EINVAL;
}

int store_snapshot_load(struct store *s, struct snapshot *ret)
{
	if (!s || !ret)
		return -EINVAL;
	return s->ops->snapshot_load(s, ret);
}

int store_agent_set_instance_state(struct store *s, const char *instance_id,
				   const char *from_state, const char *to_state)
{
	if (!s || !instance_id || !from_state || !to_state)
		return -EINVAL;
	return s->ops->agent_set_instance_state(s, instance_id, from_state, to_state);
}

int store_agent_set_applied(struct store *s, const char *host, uint64_t revision, long long when)
{
	if (!s || !host)
		return -EINVAL;
	return s->ops->agent_set_applied(s, host, revision, when);
}

int store_agent_status_list(struct store *s, struct agent_status_list *ret)
{
	if (!s || !ret)
		return -EINVAL;
	return s->ops->agent_status_list(s, ret);
}

int store_wait_change(struct store *s, int timeout_ms)
{
	if (!s || timeout_ms < 0)
		return -EINVAL;
	return s->ops->wait_change(s, timeout_ms);
}
