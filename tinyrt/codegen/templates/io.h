/* File and console I/O of the test program: stdio on a host, semihosting on Cortex-M. */
#ifndef TINYRT_IO_H
#define TINYRT_IO_H
#include <stddef.h>

long io_file_size(const char *path);              /* -1 when it cannot be opened */
int io_open(const char *path, int write);         /* a handle, -1 on failure */
int io_read(int f, void *data, size_t n);         /* 0 when all n bytes were read */
int io_write(int f, const void *data, size_t n);  /* 0 when all n bytes were written */
void io_close(int f);
int io_fail(const char *message, int code);       /* prints the message, returns code */
int io_fail_node(const char *message, int node, int code);
void io_report(void);                             /* what the target measures (stack use) */

#endif
