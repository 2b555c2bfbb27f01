/* The test program's I/O on Cortex-M: Arm semihosting (BKPT 0xAB), which QEMU serves with
 * -semihosting-config enable=on,target=native. Files are opened relative to the folder QEMU
 * runs in. io_report prints the stack's high-water mark, found from the pattern startup.c
 * painted the stack with. */
#include <stdint.h>
#include <string.h>
#include "io.h"

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_WRITE = 0x05,
       SYS_READ = 0x06, SYS_FLEN = 0x0C, SYS_EXIT_EXTENDED = 0x20 };

static int semihost(int op, void *arg)
{
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int io_open(const char *path, int write)
{
    uint32_t args[3] = { (uint32_t)path, write ? 5u : 1u, (uint32_t)strlen(path) };
    return semihost(SYS_OPEN, args);
}

long io_file_size(const char *path)
{
    int f = io_open(path, 0);
    if (f < 0)
        return -1;
    uint32_t args[1] = { (uint32_t)f };
    long n = semihost(SYS_FLEN, args);
    io_close(f);
    return n;
}

int io_read(int f, void *data, size_t n)
{
    uint32_t args[3] = { (uint32_t)f, (uint32_t)data, (uint32_t)n };
    return semihost(SYS_READ, args) == 0 ? 0 : -1;      /* the bytes not read */
}

int io_write(int f, const void *data, size_t n)
{
    uint32_t args[3] = { (uint32_t)f, (uint32_t)data, (uint32_t)n };
    return semihost(SYS_WRITE, args) == 0 ? 0 : -1;     /* the bytes not written */
}

void io_close(int f)
{
    uint32_t args[1] = { (uint32_t)f };
    semihost(SYS_CLOSE, args);
}

static void print(const char *s)
{
    semihost(SYS_WRITE0, (void *)s);
}

static void print_number(const char *label, unsigned long v)
{
    char text[64];
    size_t n = strlen(label);
    memcpy(text, label, n);
    char digits[12];
    int d = 0;
    do {
        digits[d++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (d)
        text[n++] = digits[--d];
    text[n++] = '\n';
    text[n] = 0;
    print(text);
}

int io_fail(const char *message, int code)
{
    print("model_run: ");
    print(message);
    print("\n");
    return code;
}

int io_fail_node(const char *message, int node, int code)
{
    print("model_run: ");
    print_number(message, (unsigned long)node);
    return code;
}

extern uint32_t __stack_start__, __stack_end__;

void io_report(void)
{
    /* the lowest word that no longer holds the paint, four words a step */
    const uint32_t *p = &__stack_start__, *end = &__stack_end__;
    const uint32_t paint = 0xA5A5A5A5u;
    while (p + 4 <= end && ((p[0] ^ paint) | (p[1] ^ paint) | (p[2] ^ paint) |
                            (p[3] ^ paint)) == 0)
        p += 4;
    while (p < end && *p == paint)
        p++;
    print_number("model_run: stack_bytes=", (unsigned long)((uintptr_t)end - (uintptr_t)p));
}

void io_exit(int code)
{
    uint32_t args[2] = { 0x20026u, (uint32_t)code };     /* ADP_Stopped_ApplicationExit */
    for (;;)
        semihost(SYS_EXIT_EXTENDED, args);
}
