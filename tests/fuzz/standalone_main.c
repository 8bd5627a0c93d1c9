/* standalone_main.c — runs a libFuzzer target without libFuzzer (gcc builds): replays every file
 * of the corpus directories or files named on the command line, then a few thousand
 * deterministic mutations of them (bit flips, byte sets, inserts, deletes, truncations, splices).
 * Any property failure aborts, so ctest reports it; the same seed always replays the same inputs.
 *
 *   fuzz_wire_tcp CORPUS_DIR_OR_FILE... [-mutations=N] */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUTS 4096
#define MAX_INPUT_SIZE (1u << 20)
#define MAX_MUTANT_SIZE 8192

typedef struct input {
    uint8_t *data;
    size_t size;
} input;

static input inputs[MAX_INPUTS];
static size_t n_inputs;

static void add_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL || n_inputs == MAX_INPUTS) {
        if (f != NULL)
            fclose(f);
        return;
    }
    uint8_t *buf = malloc(MAX_INPUT_SIZE);
    if (buf == NULL) {
        fclose(f);
        return;
    }
    size_t n = fread(buf, 1, MAX_INPUT_SIZE, f);
    fclose(f);
    uint8_t *shrunk = realloc(buf, n > 0 ? n : 1);
    inputs[n_inputs].data = shrunk != NULL ? shrunk : buf;
    inputs[n_inputs].size = n;
    n_inputs++;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directory order is not stable across file systems; sort so that mutations are reproducible. */
static void add_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "standalone: cannot stat %s\n", path);
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        add_file(path);
        return;
    }
    DIR *d = opendir(path);
    if (d == NULL)
        return;
    char *names[MAX_INPUTS];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_INPUTS) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (names[n] == NULL)
            break;
        snprintf(names[n], len, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), compare_names);
    for (size_t i = 0; i < n; i++) {
        add_file(names[i]);
        free(names[i]);
    }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t next_random(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* One to four edits of a copy of a random input. */
static size_t mutate(uint8_t *out)
{
    const input *src = &inputs[next_random() % n_inputs];
    size_t size = src->size < MAX_MUTANT_SIZE ? src->size : MAX_MUTANT_SIZE;
    memcpy(out, src->data, size);
    int edits = 1 + (int)(next_random() % 4);
    for (int i = 0; i < edits; i++) {
        uint32_t pos = size > 0 ? next_random() % (uint32_t)size : 0;
        switch (next_random() % 7) {
        case 0: /* flip a bit */
            if (size > 0)
                out[pos] ^= (uint8_t)(1u << (next_random() % 8));
            break;
        case 1: /* set a byte to an interesting value */
            if (size > 0) {
                static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x08, 0x0a,
                                               0x0f, 0x10, 0x7f, 0x80, 0xfe, 0xff};
                out[pos] = vals[next_random() % sizeof(vals)];
            }
            break;
        case 2: /* set a random byte */
            if (size > 0)
                out[pos] = (uint8_t)next_random();
            break;
        case 3: /* insert a byte */
            if (size < MAX_MUTANT_SIZE) {
                memmove(out + pos + 1, out + pos, size - pos);
                out[pos] = (uint8_t)next_random();
                size++;
            }
            break;
        case 4: /* delete a byte */
            if (size > 0) {
                memmove(out + pos, out + pos + 1, size - pos - 1);
                size--;
            }
            break;
        case 5: /* truncate */
            size = pos;
            break;
        default: { /* splice the tail of another input */
            const input *other = &inputs[next_random() % n_inputs];
            size_t from = other->size > 0 ? next_random() % other->size : 0;
            size_t take = other->size - from;
            if (take > MAX_MUTANT_SIZE - pos)
                take = MAX_MUTANT_SIZE - pos;
            memcpy(out + pos, other->data + from, take);
            size = pos + take;
            break;
        }
        }
    }
    return size;
}

/* Run one input from an exact-size heap copy, so that ASan (when on) sees a read one byte past
 * the end. */
static void run_one(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL)
        exit(2);
    if (size > 0)
        memcpy(copy, data, size);
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
}

int main(int argc, char **argv)
{
    long mutations = 4000;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-mutations=", 11) == 0)
            mutations = strtol(argv[i] + 11, NULL, 10);
        else if (argv[i][0] != '-')
            add_path(argv[i]);
    }
    if (n_inputs == 0) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE... [-mutations=N]\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < n_inputs; i++)
        run_one(inputs[i].data, inputs[i].size);
    static uint8_t mutant[MAX_MUTANT_SIZE];
    for (long i = 0; i < mutations; i++) {
        size_t size = mutate(mutant);
        run_one(mutant, size);
    }
    printf("standalone: %zu corpus inputs and %ld mutations passed\n", n_inputs, mutations);
    for (size_t i = 0; i < n_inputs; i++)
        free(inputs[i].data);
    return 0;
}
