/*
 * fuzz.h - what the libFuzzer harnesses of tests/fuzz/ share.
 *
 * Each harness feeds the bytes libFuzzer gives it to one parser of
 * untrusted content, the way the stage that owns that parser does, and
 * frees everything again: a leak in one input is a finding. Parsers that
 * want a path get a private temp file rewritten for every input (the
 * stages open by path with O_NOFOLLOW, so /proc/self/fd links of a memfd
 * would be refused).
 */
#ifndef CREDPIPE_FUZZ_H
#define CREDPIPE_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "payload.h"

/* The verify URL of the default configuration (config.c). */
#define FUZZ_VERIFY_URL "https://verify.example.edu.cn/v"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_temp_path[4096];

/* fuzz_temp_remove - atexit: remove the private temp file */
static inline void
fuzz_temp_remove(void)
{
	if (fuzz_temp_path[0] != '\0')
		unlink(fuzz_temp_path);
}

/* fuzz_temp_init - make the private temp file NAME-XXXXXX in $TMPDIR */
static inline void
fuzz_temp_init(const char *name)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(fuzz_temp_path, sizeof fuzz_temp_path, "%s/%s-XXXXXX",
	    dir != NULL && dir[0] != '\0' ? dir : "/tmp", name);
	if ((fd = mkstemp(fuzz_temp_path)) == -1) {
		perror(fuzz_temp_path);
		abort();
	}
	close(fd);
	atexit(fuzz_temp_remove);
}

/* fuzz_temp_write - the temp file now holds exactly DATA; its path */
static inline const char *
fuzz_temp_write(const uint8_t *data, size_t size)
{
	int fd = open(fuzz_temp_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t done = 0;

	if (fd == -1) {
		perror(fuzz_temp_path);
		abort();
	}
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			perror(fuzz_temp_path);
			abort();
		}
		done += (size_t)n;
	}
	close(fd);
	return fuzz_temp_path;
}

/*
 * fuzz_key - the fixed signing key of the harnesses and their seeds: a
 * seed of 32 bytes 0x5a, so a seed payload signed by tests/fuzz/seeds.c
 * verifies in fuzz_payload and fuzz_png.
 */
static inline void
fuzz_key(struct signing_key *key, struct trusted_keys *keys)
{
	unsigned char seed[32], digest[32];

	if (sodium_init() < 0)
		abort();
	memset(seed, 0x5a, sizeof seed);
	crypto_sign_seed_keypair(key->public_key, key->secret, seed);
	crypto_hash_sha256(digest, key->public_key, sizeof key->public_key);
	for (int i = 0; i < KEY_ID_LEN / 2; i++)
		snprintf(key->key_id + 2 * i, 3, "%02x", digest[i]);
	memset(keys, 0, sizeof *keys);
	memcpy(keys->public_key[0], key->public_key, 32);
	memcpy(keys->key_id[0], key->key_id, sizeof keys->key_id[0]);
	keys->n = 1;
}

#endif
