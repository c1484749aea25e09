/* ids.h - EC2-shaped resource ids: a prefix, a dash and 17 lower-case hex
 * digits ("vpc-0a1b2c3d4e5f60718"), and 12-digit account ids. Pure except
 * for the random source. */
#ifndef BH_IDS_H
#define BH_IDS_H

#include <stdbool.h>

#include "lib/limits.h"

/* Make a new random id with the given prefix ("vpc", "subnet", "sg", "sgr",
 * "igw", "rtb", "i", "eni", ...). 0 or -errno. */
int id_generate(const char *prefix, char ret[BH_MAX_ID]);

/* Is s exactly prefix-<17 hex>, or prefix-<8 hex> (EC2's older short form)? */
bool id_is_valid(const char *s, const char *prefix);

/* Is s a 12-digit account id? */
bool account_id_is_valid(const char *s);

/* A new random 12-digit account id whose first digit is not 0. */
int account_id_generate(char ret[13]);

/* Access key ids: "AKIA" + 16 upper-case base32 characters; secrets: 40
 * characters of base64 alphabet. */
int access_key_id_generate(char ret[BH_ACCESS_KEY_ID_LEN + 1]);
int secret_key_generate(char ret[BH_SECRET_KEY_LEN + 1]);
bool access_key_id_is_valid(const char *s);

/* Random request id in UUID form (36 characters). */
int request_id_generate(char ret[37]);

#endif
