/* handlers_region.c - DescribeRegions and DescribeAvailabilityZones: the one
 * region this endpoint serves and its BH_ZONE_COUNT zones, as EC2 lists them. */
#include "api/handlers.h"

#include <string.h>

#include "api/api.h"
#include "api/describe.h"
#include "api/xml.h"

#define OPT_IN_NOT_REQUIRED "opt-in-not-required"

static const char *const region_filters[] = {
	"region-name", "endpoint", "opt-in-status", NULL,
};

static const char *const zone_filters[] = {
	"zone-name", "zone-id", "state", "region-name", "zone-type", "group-name",
	"opt-in-status", "network-border-group", NULL,
};

/* Zone ids follow the zone letters ("a" is az1) so they are stable for as
 * long as the region's name is; CreateSubnet derives them the same way. */
static void zone_id(const struct api_config *cfg, size_t i, char ret[BH_AZ_NAME])
{
	bh_snprintf(ret, BH_AZ_NAME, "%s-az%zu", cfg->region, i + 1);
}

int handle_describe_regions(struct request *r)
{
	const char *names[BH_MAX_LIST_ITEMS];
	size_t count = 0, i;
	bool all = false;
	struct filters fl;
	struct fieldset fs;
	int rc;

	rc = params_list_values(&r->params, "RegionName", names, BH_MAX_LIST_ITEMS, &count, &r->diag);
	if (rc < 0)
		return rc;
	for (i = 0; i < count; i++)
		if (strcmp(names[i], r->cfg->region) != 0)
			return diag_set(&r->diag, "InvalidParameterValue", "Invalid region name: '%.64s'", names[i]);
	rc = filters_parse(r, region_filters, &fl);
	if (rc < 0)
		return rc;
	/* AllRegions changes nothing: there are no opted-out regions to add. */
	rc = params_bool(&r->params, "AllRegions", &all, &r->diag);
	if (rc < 0)
		return rc;

	/* regionEndpoint is the address serve listens on: the one endpoint of
	 * the one region, as clients reach it with --endpoint-url. */
	fieldset_init(&fs, NULL, r->cfg->region);
	fieldset_add(&fs, "endpoint", r->cfg->endpoint_host);
	fieldset_add(&fs, "region-name", r->cfg->region);
	fieldset_add(&fs, "opt-in-status", OPT_IN_NOT_REQUIRED);

	xml_open(r->out, "regionInfo");
	if (filters_match(&fl, &fs)) {
		xml_open(r->out, "item");
		xml_text(r->out, "regionName", r->cfg->region);
		xml_text(r->out, "regionEndpoint", r->cfg->endpoint_host);
		xml_text(r->out, "optInStatus", OPT_IN_NOT_REQUIRED);
		xml_close(r->out, "item");
	}
	xml_close(r->out, "regionInfo");
	return 0;
}

/* Was zone i named by ZoneName.N or ZoneId.N (or were none named)? */
static bool zone_selected(const struct api_config *cfg, size_t i, const char *const *names, size_t nnames,
			  const char *const *ids, size_t nids)
{
	char name[BH_AZ_NAME], id[BH_AZ_NAME];

	if (nnames == 0 && nids == 0)
		return true;
	api_zone_name(cfg, i, name);
	zone_id(cfg, i, id);
	return ids_contain(names, nnames, name) || ids_contain(ids, nids, id);
}

/* Every name in names must be one of the region's zones (by name or id). */
static int zones_check_exist(struct request *r, const char *const *names, size_t count, bool by_id)
{
	size_t i, z;

	for (i = 0; i < count; i++) {
		bool found = false;

		for (z = 0; z < BH_ZONE_COUNT && !found; z++) {
			char zname[BH_AZ_NAME];

			if (by_id)
				zone_id(r->cfg, z, zname);
			else
				api_zone_name(r->cfg, z, zname);
			found = strcmp(zname, names[i]) == 0;
		}
		if (!found)
			return diag_set(&r->diag, "InvalidParameterValue", "The zone '%.64s' does not exist in the region",
					names[i]);
	}
	return 0;
}

int handle_describe_availability_zones(struct request *r)
{
	const char *names[BH_MAX_LIST_ITEMS], *ids[BH_MAX_LIST_ITEMS];
	size_t nnames = 0, nids = 0, i;
	bool all = false;
	struct filters fl;
	int rc;

	rc = params_list_values(&r->params, "ZoneName", names, BH_MAX_LIST_ITEMS, &nnames, &r->diag);
	if (rc < 0)
		return rc;
	rc = params_list_values(&r->params, "ZoneId", ids, BH_MAX_LIST_ITEMS, &nids, &r->diag);
	if (rc < 0)
		return rc;
	rc = zones_check_exist(r, names, nnames, false);
	if (rc < 0)
		return rc;
	rc = zones_check_exist(r, ids, nids, true);
	if (rc < 0)
		return rc;
	/* AllAvailabilityZones would add Local and Wavelength zones: there are none. */
	rc = params_bool(&r->params, "AllAvailabilityZones", &all, &r->diag);
	if (rc < 0)
		return rc;
	rc = filters_parse(r, zone_filters, &fl);
	if (rc < 0)
		return rc;

	xml_open(r->out, "availabilityZoneInfo");
	for (i = 0; i < BH_ZONE_COUNT; i++) {
		char name[BH_AZ_NAME], id[BH_AZ_NAME];
		struct fieldset fs;

		if (!zone_selected(r->cfg, i, names, nnames, ids, nids))
			continue;
		api_zone_name(r->cfg, i, name);
		zone_id(r->cfg, i, id);
		fieldset_init(&fs, NULL, name);
		fieldset_add(&fs, "zone-name", name);
		fieldset_add(&fs, "zone-id", id);
		fieldset_add(&fs, "state", "available");
		fieldset_add(&fs, "region-name", r->cfg->region);
		fieldset_add(&fs, "zone-type", "availability-zone");
		fieldset_add(&fs, "group-name", r->cfg->region);
		fieldset_add(&fs, "opt-in-status", OPT_IN_NOT_REQUIRED);
		fieldset_add(&fs, "network-border-group", r->cfg->region);
		if (!filters_match(&fl, &fs))
			continue;
		xml_open(r->out, "item");
		xml_text(r->out, "zoneName", name);
		xml_text(r->out, "zoneId", id);
		xml_text(r->out, "zoneState", "available");
		xml_text(r->out, "optInStatus", OPT_IN_NOT_REQUIRED);
		xml_open(r->out, "messageSet");
		xml_close(r->out, "messageSet");
		xml_text(r->out, "regionName", r->cfg->region);
		xml_text(r->out, "groupName", r->cfg->region);
		xml_text(r->out, "networkBorderGroup", r->cfg->region);
		xml_text(r->out, "zoneType", "availability-zone");
		xml_close(r->out, "item");
	}
	xml_close(r->out, "availabilityZoneInfo");
	return 0;
}
