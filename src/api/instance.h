/* instance.h - what handlers_instance.c and instance_launch.c share: the
 * one built-in image, the instance-type check, everything an instance's
 * answer is made from, and the reservation XML. */
#ifndef BH_API_INSTANCE_H
#define BH_API_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "api/request.h"
#include "model/resources.h"

/* The built-in image: an instance is a network namespace. Its owner is a
 * 12-digit id that no account is given (account ids never start with 0) and the alias
 * EC2 uses for images the provider publishes, so clients that ask for
 * owners ["amazon"] find it too. */
#define INSTANCE_IMAGE_ID "ami-0b0e0e0e0e0e0e0e0"
#define INSTANCE_IMAGE_NAME "bulkhead-netns"
#define INSTANCE_IMAGE_DESCRIPTION "instance as a network namespace"
#define INSTANCE_IMAGE_OWNER_ID "000000000000"
#define INSTANCE_IMAGE_OWNER_ALIAS "amazon"
#define INSTANCE_IMAGE_CREATED "2024-01-01T00:00:00.000Z"
#define INSTANCE_ARCHITECTURE "x86_64"
#define INSTANCE_DEFAULT_TYPE "t3.micro"

/* "<family>.<size>" with a family bulkhead answers to (t2, t3, t3a, m5)
 * and a size of lower-case letters and digits. Types only name things
 * here: a namespace has no CPU or memory to size. */
bool instance_type_is_valid(const char *s);

/* All of the caller's rows an instance answer is made from. */
struct instance_world {
	struct instance_list instances;
	struct eni_list enis;
	struct sg_list groups;
	struct address_list addresses;
	struct tag_list tags;
};

int instance_world_load(struct request *r, struct instance_world *w);
void instance_world_release(struct instance_world *w);

/* reservationId, ownerId, groupSet and instancesSet of one reservation
 * whose instances are items[0..count) (the caller writes the enclosing
 * element). Nothing when count is 0. */
void instance_reservation_xml(struct request *r, const struct instance_world *w, const struct instance *const *items,
			      size_t count);

#endif
