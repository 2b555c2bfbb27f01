/* Startup for Cortex-M under QEMU: the vector table, copying .data, zeroing .bss, painting
 * the stack (for its high-water mark), turning on the FPU (and Helium, which the same bits
 * enable), then main; its return value is the program's exit code through semihosting. A
 * fault ends the program with code 5 and a message, never a hang. */
#include <stdint.h>
#include <string.h>
#include "io.h"

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__;
extern uint32_t __stack_start__, __stack_end__;
int main(void);
void io_exit(int code);

void reset_handler(void)
{
    memcpy(&__data_start__, &__data_load__,
           (size_t)((uintptr_t)&__data_end__ - (uintptr_t)&__data_start__));
    memset(&__bss_start__, 0, (size_t)((uintptr_t)&__bss_end__ - (uintptr_t)&__bss_start__));
    /* paint the stack below what this function uses */
    uint32_t *p = &__stack_start__, *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    while (p < sp - 32)
        *p++ = 0xA5A5A5A5u;
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    volatile uint32_t *cpacr = (volatile uint32_t *)0xE000ED88u;
    *cpacr |= 0xFu << 20;                                   /* CP10, CP11: full access */
    __asm__ volatile("dsb\n isb" ::: "memory");
#endif
    io_exit(main());
}

static void fault_handler(void)
{
    io_fail("fault", 5);
    io_exit(5);
}

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
    (void (*)(void))&__stack_end__, reset_handler, fault_handler, fault_handler,
    fault_handler, fault_handler, fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0,
    fault_handler, fault_handler,
};
