/* The test program's I/O on a host: stdio. */
#include <stdio.h>
#include "io.h"

static FILE *files[4];

long io_file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

int io_open(const char *path, int write)
{
    for (int i = 0; i < 4; i++)
        if (files[i] == NULL) {
            files[i] = fopen(path, write ? "wb" : "rb");
            return files[i] ? i : -1;
        }
    return -1;
}

int io_read(int f, void *data, size_t n)
{
    return fread(data, 1, n, files[f]) == n ? 0 : -1;
}

int io_write(int f, const void *data, size_t n)
{
    return fwrite(data, 1, n, files[f]) == n ? 0 : -1;
}

void io_close(int f)
{
    fclose(files[f]);
    files[f] = NULL;
}

int io_fail(const char *message, int code)
{
    fprintf(stderr, "model_run: %s\n", message);
    return code;
}

int io_fail_node(const char *message, int node, int code)
{
    fprintf(stderr, "model_run: %s%d\n", message, node);
    return code;
}

void io_report(void)
{
}
