/* hostkey.c - the host key file (created once, owner-only, checked on every
 * load) and sealing access-key secrets under it with AES-256-GCM. */
#include "store/hostkey.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"

static int write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EINVAL;  /* shorter than fstat said: changed under us */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The new key's name must survive a power cut along with its bytes: a
 * database sealed under a key that vanished is unreadable. */
static int sync_parent_dir(const char *path)
{
	char dir[4096];
	int fd, r = 0;

	if (bh_strlcpy(dir, path, sizeof dir) < 0)
		return -ENAMETOOLONG;
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int hostkey_create(const char *path, struct hostkey *ret)
{
	int fd, r;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = bh_random(ret->key, sizeof ret->key);
	if (r == 0)
		r = write_all(fd, ret->key, sizeof ret->key);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = sync_parent_dir(path);
	if (r < 0) {
		/* a half-written key file would be refused on every later start */
		unlink(path);
		explicit_bzero(ret->key, sizeof ret->key);
	}
	return r;
}

static int hostkey_load(int fd, struct hostkey *ret)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_mode & 077)
		return -EPERM;  /* anyone who can read it can unseal every secret */
	if (st.st_size != (off_t)sizeof ret->key)
		return -EINVAL;
	return read_all(fd, ret->key, sizeof ret->key);
}

int hostkey_load_or_create(const char *path, struct hostkey *ret)
{
	int attempt, fd, r = -ENOENT;

	if (!path || !ret)
		return -EINVAL;
	/* Two processes may start together on a fresh host: whoever loses the
	 * O_EXCL race loads what the winner wrote. */
	for (attempt = 0; attempt < 2; attempt++) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			r = hostkey_load(fd, ret);
			close(fd);
			break;
		}
		if (errno != ENOENT) {
			r = -errno;
			break;
		}
		r = hostkey_create(path, ret);
		if (r != -EEXIST)
			break;
	}
	if (r < 0)
		explicit_bzero(ret->key, sizeof ret->key);
	return r;
}

int hostkey_seal(const struct hostkey *hk, const char *secret, uint8_t *ret, size_t ret_size,
		 size_t *ret_len)
{
	if (!hk || !secret || !ret || !ret_len)
		return -EINVAL;
	return bh_aead_seal(hk->key, secret, strlen(secret), ret, ret_size, ret_len);
}

int hostkey_open(const struct hostkey *hk, const uint8_t *sealed, size_t sealed_len, char *ret,
		 size_t ret_size)
{
	size_t len = 0;
	int r;

	if (!hk || !sealed || !ret || ret_size == 0)
		return -EINVAL;
	ret[0] = '\0';
	if (sealed_len < BH_AEAD_NONCE_LEN + BH_AEAD_TAG_LEN)
		return -EBADMSG;
	if (sealed_len - BH_AEAD_NONCE_LEN - BH_AEAD_TAG_LEN > ret_size - 1)
		return -E2BIG;
	r = bh_aead_open(hk->key, sealed, sealed_len, (uint8_t *)ret, ret_size - 1, &len);
	if (r == 0 && memchr(ret, '\0', len))
		r = -EBADMSG;  /* hostkey_seal only seals C strings */
	if (r < 0) {
		explicit_bzero(ret, ret_size);
		return r;
	}
	ret[len] = '\0';
	return 0;
}
