/* An LD_PRELOAD library that makes an x86-64 Linux process see an AVX2 CPU: every CPUID
 * instruction the process runs reports no AVX-512, AVX-VNNI, AMX or AVX10, as on an AMD Zen 2/3
 * or a pre-2021 Intel laptop. The benchmark runs LiteRT under it when it forces tinyrt's AVX2
 * level, so that XNNPACK picks its AVX2 kernels too (it chooses them from CPUID at run time).
 *
 * How: Linux's CPUID faulting (arch_prctl ARCH_SET_CPUID, a CPU feature "cpuid_fault") turns
 * each CPUID into a SIGSEGV; the handler runs the real CPUID with faulting briefly off, clears
 * the feature bits and steps over the instruction. Where faulting is unavailable the process
 * sees the real CPU; the environment variable TINYRT_CPUID_MASK is then set to "off" (else
 * "on"), so that a caller can tell.
 *
 *     cc -O2 -shared -fPIC -o libcpuid_avx2.so benchmarks/cpuid_avx2.c
 *     LD_PRELOAD=./libcpuid_avx2.so python ... */
#define _GNU_SOURCE
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define ARCH_SET_CPUID 0x1012 /* asm/prctl.h */

static struct sigaction previous;

static int cpuid_faulting(int on)
{
    return (int)syscall(SYS_arch_prctl, ARCH_SET_CPUID, on ? 0 : 1);
}

#define BIT(n) (1u << (n))

/* clear the features of a CPU newer than AVX2 from leaf 7's registers */
static void hide_features(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    if (leaf == 7 && sub == 0) {
        /* EBX: AVX512F, DQ, IFMA, PF, ER, CD, BW, VL */
        r[1] &= ~(BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | BIT(31));
        /* ECX: AVX512_VBMI, VBMI2, GFNI, VAES, VPCLMULQDQ, VNNI, BITALG, VPOPCNTDQ */
        r[2] &= ~(BIT(1) | BIT(6) | BIT(8) | BIT(9) | BIT(10) | BIT(11) | BIT(12) | BIT(14));
        /* EDX: AVX512_4VNNIW, 4FMAPS, VP2INTERSECT, AMX_BF16, AVX512_FP16, AMX_TILE, AMX_INT8 */
        r[3] &= ~(BIT(2) | BIT(3) | BIT(8) | BIT(22) | BIT(23) | BIT(24) | BIT(25));
    } else if (leaf == 7 && sub == 1) {
        /* EAX: AVX_VNNI, AVX512_BF16, AMX_FP16, AVX_IFMA; EDX: AVX_VNNI_INT8, AVX_NE_CONVERT,
         * AMX_COMPLEX, AVX_VNNI_INT16, AVX10 */
        r[0] &= ~(BIT(4) | BIT(5) | BIT(21) | BIT(23));
        r[3] &= ~(BIT(4) | BIT(5) | BIT(8) | BIT(10) | BIT(19));
    } else if (leaf == 0x1D || leaf == 0x1E || leaf == 0x24) {
        r[0] = r[1] = r[2] = r[3] = 0; /* AMX tiles and AVX10's leaves */
    }
}

static void on_fault(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    greg_t *g = uc->uc_mcontext.gregs;
    /* a faulting CPUID is a general-protection fault (SI_KERNEL), at the bytes 0F A2 */
    if (info->si_code == SI_KERNEL) {
        const unsigned char *ip = (const unsigned char *)g[REG_RIP];
        if (ip[0] == 0x0F && ip[1] == 0xA2) {
            uint32_t leaf = (uint32_t)g[REG_RAX], sub = (uint32_t)g[REG_RCX], r[4];
            cpuid_faulting(0);
            __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
            cpuid_faulting(1);
            hide_features(leaf, sub, r);
            g[REG_RAX] = r[0];
            g[REG_RBX] = r[1];
            g[REG_RCX] = r[2];
            g[REG_RDX] = r[3];
            g[REG_RIP] += 2;
            return;
        }
    }
    /* not ours: the fault repeats under the handler that was there before */
    (void)sig;
    sigaction(SIGSEGV, &previous, NULL);
}

__attribute__((constructor)) static void start_masking(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous);
    if (cpuid_faulting(1) != 0) {
        sigaction(SIGSEGV, &previous, NULL);
        setenv("TINYRT_CPUID_MASK", "off", 1);
        return;
    }
    setenv("TINYRT_CPUID_MASK", "on", 1);
}
