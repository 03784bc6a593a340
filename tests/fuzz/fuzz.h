/* fuzz.h: what every libFuzzer target defines, and the helpers tests/fuzz/fuzz.c gives them. */
#ifndef OSMO_TESTS_FUZZ_H
#define OSMO_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry: one input, 0 always (a finding is a crash or a sanitizer's report). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Called once before the first input, where a target defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a NUL-terminated string (it may hold NULs of its own); the caller frees it. */
char *fuzz_text(const uint8_t *data, size_t size);
/* Writes the input to a scratch file, the same one each call, and returns its path. */
const char *fuzz_file(const uint8_t *data, size_t size);
/* A new empty directory for one input's state (tmpfs when there is one); fuzz_rmdir removes it. */
char *fuzz_mkdir(void);
void fuzz_rmdir(char *dir);

#endif
