/* kissfft v130's complex and real FFTs (as tflite-micro builds them for its Signal library),
 * written once for the three builds TFLM has. Included by kernels/signal_rfft.c once per
 * build, with:
 *   KF_T       the sample type (int16_t, int32_t, float)
 *   KF_NAME(x) x with the build's suffix
 *   KF_FIXED   1 for the fixed-point builds, with KF_FRACBITS 15 or 31 (SAMP_MAX 2^FRACBITS-1)
 *
 * Fixed point: sums are C int sums stored back into the sample type; tinyrt does them in
 * uint32 (the same bits as C's int arithmetic stored to int16, and as int32's wrap on the
 * targets TFLM runs, without C's undefined overflow). Products are 64-bit (every product and
 * the difference of two of them fits, for both widths, as it does in kissfft's own SAMPPROD),
 * rounded by sround: + 2^(FRACBITS-1), arithmetic shift right by FRACBITS. Each stage divides
 * its legs by its radix (C_FIXDIV: times SAMP_MAX / p, rounded). Float: float32 operations in
 * kissfft's order (the build compiles without FMA contraction; so does tinyrt). */

typedef struct { KF_T r, i; } KF_NAME(cpx);

#if KF_FIXED
#define KF_SAMP_MAX ((int64_t)(((uint64_t)1 << KF_FRACBITS) - 1))
/* C's int sum / difference of two samples, as int32 */
#define KF_IADD(a, b) ((int32_t)((uint32_t)(int32_t)(a) + (uint32_t)(int32_t)(b)))
#define KF_ISUB(a, b) ((int32_t)((uint32_t)(int32_t)(a) - (uint32_t)(int32_t)(b)))
#define KF_ADD(a, b) ((KF_T)KF_IADD(a, b))
#define KF_SUB(a, b) ((KF_T)KF_ISUB(a, b))
#define KF_NEG(a) ((KF_T)KF_ISUB(0, a))
#define KF_TIMES_MINUS1(a) KF_NEG(a)
#define KF_ROUND(x) ((KF_T)(((x) + ((int64_t)1 << (KF_FRACBITS - 1))) >> KF_FRACBITS))
#define KF_SMUL(a, b) KF_ROUND((int64_t)(a) * (int64_t)(b))
#define KF_HALF(x) ((KF_T)((int32_t)(x) >> 1))
static inline void KF_NAME(fixdiv)(KF_NAME(cpx) *c, int p)
{
    int64_t k = KF_SAMP_MAX / p;
    c->r = KF_SMUL(c->r, k);
    c->i = KF_SMUL(c->i, k);
}
static inline KF_NAME(cpx) KF_NAME(cmul)(KF_NAME(cpx) a, KF_NAME(cpx) b)
{
    KF_NAME(cpx) m;
    m.r = KF_ROUND((int64_t)a.r * b.r - (int64_t)a.i * b.i);
    m.i = KF_ROUND((int64_t)a.r * b.i + (int64_t)a.i * b.r);
    return m;
}
#else
#define KF_ADD(a, b) ((a) + (b))
#define KF_SUB(a, b) ((a) - (b))
#define KF_NEG(a) (-(a))
#define KF_TIMES_MINUS1(a) ((a) * -1.0f)   /* not a negation for NaN on x86 */
#define KF_IADD(a, b) ((a) + (b))
#define KF_ISUB(a, b) ((a) - (b))
#define KF_SMUL(a, b) ((a) * (b))
#define KF_HALF(x) ((x) * 0.5f)
static inline void KF_NAME(fixdiv)(KF_NAME(cpx) *c, int p)
{
    (void)c; (void)p;
}
static inline KF_NAME(cpx) KF_NAME(cmul)(KF_NAME(cpx) a, KF_NAME(cpx) b)
{
    KF_NAME(cpx) m;
    m.r = a.r * b.r - a.i * b.i;
    m.i = a.r * b.i + a.i * b.r;
    return m;
}
#endif

typedef struct {
    int32_t nfft, inverse;
    const int32_t *factors;           /* (radix, remaining length) pairs, kf_factor's */
    const KF_NAME(cpx) *tw;           /* [nfft] */
} KF_NAME(plan);

static void KF_NAME(bfly2)(KF_NAME(cpx) *f, size_t fstride, const KF_NAME(plan) *st, int m)
{
    const KF_NAME(cpx) *tw = st->tw;
    KF_NAME(cpx) *f2 = f + m;
    for (int u = 0; u < m; u++, f++, f2++, tw += fstride) {
        KF_NAME(fixdiv)(f, 2);
        KF_NAME(fixdiv)(f2, 2);
        KF_NAME(cpx) t = KF_NAME(cmul)(*f2, *tw);
        f2->r = KF_SUB(f->r, t.r);
        f2->i = KF_SUB(f->i, t.i);
        f->r = KF_ADD(f->r, t.r);
        f->i = KF_ADD(f->i, t.i);
    }
}

static void KF_NAME(bfly3)(KF_NAME(cpx) *f, size_t fstride, const KF_NAME(plan) *st, int m)
{
    KF_T epi3 = st->tw[fstride * (size_t)m].i;
    const KF_NAME(cpx) *tw1 = st->tw, *tw2 = st->tw;
    for (int u = 0; u < m; u++, f++, tw1 += fstride, tw2 += 2 * fstride) {
        KF_NAME(fixdiv)(&f[0], 3);
        KF_NAME(fixdiv)(&f[m], 3);
        KF_NAME(fixdiv)(&f[2 * m], 3);
        KF_NAME(cpx) s1 = KF_NAME(cmul)(f[m], *tw1), s2 = KF_NAME(cmul)(f[2 * m], *tw2), s3, s0;
        s3.r = KF_ADD(s1.r, s2.r);
        s3.i = KF_ADD(s1.i, s2.i);
        s0.r = KF_SUB(s1.r, s2.r);
        s0.i = KF_SUB(s1.i, s2.i);
        f[m].r = KF_SUB(f->r, KF_HALF(s3.r));
        f[m].i = KF_SUB(f->i, KF_HALF(s3.i));
        s0.r = KF_SMUL(s0.r, epi3);
        s0.i = KF_SMUL(s0.i, epi3);
        f->r = KF_ADD(f->r, s3.r);
        f->i = KF_ADD(f->i, s3.i);
        f[2 * m].r = KF_ADD(f[m].r, s0.i);
        f[2 * m].i = KF_SUB(f[m].i, s0.r);
        f[m].r = KF_SUB(f[m].r, s0.i);
        f[m].i = KF_ADD(f[m].i, s0.r);
    }
}

static void KF_NAME(bfly4)(KF_NAME(cpx) *f, size_t fstride, const KF_NAME(plan) *st, int m)
{
    const KF_NAME(cpx) *tw1 = st->tw, *tw2 = st->tw, *tw3 = st->tw;
    for (int u = 0; u < m; u++, f++, tw1 += fstride, tw2 += 2 * fstride, tw3 += 3 * fstride) {
        KF_NAME(fixdiv)(&f[0], 4);
        KF_NAME(fixdiv)(&f[m], 4);
        KF_NAME(fixdiv)(&f[2 * m], 4);
        KF_NAME(fixdiv)(&f[3 * m], 4);
        KF_NAME(cpx) s0 = KF_NAME(cmul)(f[m], *tw1), s1 = KF_NAME(cmul)(f[2 * m], *tw2),
                     s2 = KF_NAME(cmul)(f[3 * m], *tw3), s3, s4, s5;
        s5.r = KF_SUB(f->r, s1.r);
        s5.i = KF_SUB(f->i, s1.i);
        f->r = KF_ADD(f->r, s1.r);
        f->i = KF_ADD(f->i, s1.i);
        s3.r = KF_ADD(s0.r, s2.r);
        s3.i = KF_ADD(s0.i, s2.i);
        s4.r = KF_SUB(s0.r, s2.r);
        s4.i = KF_SUB(s0.i, s2.i);
        f[2 * m].r = KF_SUB(f->r, s3.r);
        f[2 * m].i = KF_SUB(f->i, s3.i);
        f->r = KF_ADD(f->r, s3.r);
        f->i = KF_ADD(f->i, s3.i);
        if (st->inverse) {
            f[m].r = KF_SUB(s5.r, s4.i);
            f[m].i = KF_ADD(s5.i, s4.r);
            f[3 * m].r = KF_ADD(s5.r, s4.i);
            f[3 * m].i = KF_SUB(s5.i, s4.r);
        } else {
            f[m].r = KF_ADD(s5.r, s4.i);
            f[m].i = KF_SUB(s5.i, s4.r);
            f[3 * m].r = KF_SUB(s5.r, s4.i);
            f[3 * m].i = KF_ADD(s5.i, s4.r);
        }
    }
}

static void KF_NAME(bfly5)(KF_NAME(cpx) *f, size_t fstride, const KF_NAME(plan) *st, int m)
{
    KF_NAME(cpx) ya = st->tw[fstride * (size_t)m], yb = st->tw[fstride * 2 * (size_t)m];
    KF_NAME(cpx) *f0 = f, *f1 = f + m, *f2 = f + 2 * m, *f3 = f + 3 * m, *f4 = f + 4 * m;
    const KF_NAME(cpx) *tw = st->tw;
    for (int u = 0; u < m; u++, f0++, f1++, f2++, f3++, f4++) {
        KF_NAME(fixdiv)(f0, 5);
        KF_NAME(fixdiv)(f1, 5);
        KF_NAME(fixdiv)(f2, 5);
        KF_NAME(fixdiv)(f3, 5);
        KF_NAME(fixdiv)(f4, 5);
        KF_NAME(cpx) s0 = *f0;
        KF_NAME(cpx) s1 = KF_NAME(cmul)(*f1, tw[(size_t)u * fstride]);
        KF_NAME(cpx) s2 = KF_NAME(cmul)(*f2, tw[2 * (size_t)u * fstride]);
        KF_NAME(cpx) s3 = KF_NAME(cmul)(*f3, tw[3 * (size_t)u * fstride]);
        KF_NAME(cpx) s4 = KF_NAME(cmul)(*f4, tw[4 * (size_t)u * fstride]);
        KF_NAME(cpx) s7, s8, s9, s10, s5, s6, s11, s12;
        s7.r = KF_ADD(s1.r, s4.r); s7.i = KF_ADD(s1.i, s4.i);
        s10.r = KF_SUB(s1.r, s4.r); s10.i = KF_SUB(s1.i, s4.i);
        s8.r = KF_ADD(s2.r, s3.r); s8.i = KF_ADD(s2.i, s3.i);
        s9.r = KF_SUB(s2.r, s3.r); s9.i = KF_SUB(s2.i, s3.i);
        /* Fout0->r += s7.r + s8.r: the right side is summed first */
        f0->r = KF_ADD(f0->r, KF_IADD(s7.r, s8.r));
        f0->i = KF_ADD(f0->i, KF_IADD(s7.i, s8.i));
        s5.r = KF_ADD(KF_ADD(s0.r, KF_SMUL(s7.r, ya.r)), KF_SMUL(s8.r, yb.r));
        s5.i = KF_ADD(KF_ADD(s0.i, KF_SMUL(s7.i, ya.r)), KF_SMUL(s8.i, yb.r));
        s6.r = KF_ADD(KF_SMUL(s10.i, ya.i), KF_SMUL(s9.i, yb.i));
        s6.i = KF_SUB(KF_NEG(KF_SMUL(s10.r, ya.i)), KF_SMUL(s9.r, yb.i));
        f1->r = KF_SUB(s5.r, s6.r); f1->i = KF_SUB(s5.i, s6.i);
        f4->r = KF_ADD(s5.r, s6.r); f4->i = KF_ADD(s5.i, s6.i);
        s11.r = KF_ADD(KF_ADD(s0.r, KF_SMUL(s7.r, yb.r)), KF_SMUL(s8.r, ya.r));
        s11.i = KF_ADD(KF_ADD(s0.i, KF_SMUL(s7.i, yb.r)), KF_SMUL(s8.i, ya.r));
        s12.r = KF_ADD(KF_NEG(KF_SMUL(s10.i, yb.i)), KF_SMUL(s9.i, ya.i));
        s12.i = KF_SUB(KF_SMUL(s10.r, yb.i), KF_SMUL(s9.r, ya.i));
        f2->r = KF_ADD(s11.r, s12.r); f2->i = KF_ADD(s11.i, s12.i);
        f3->r = KF_SUB(s11.r, s12.r); f3->i = KF_SUB(s11.i, s12.i);
    }
}

/* kf_work: depth first, the leaves copy input samples; then this stage's butterflies */
static void KF_NAME(work)(KF_NAME(cpx) *out, const KF_NAME(cpx) *in, size_t fstride,
                          const int32_t *factors, const KF_NAME(plan) *st)
{
    int p = factors[0], m = factors[1];
    KF_NAME(cpx) *o = out, *end = out + (size_t)p * m;
    if (m == 1) {
        for (; o != end; o++, in += fstride)
            *o = *in;
    } else {
        for (; o != end; o += m, in += fstride)
            KF_NAME(work)(o, in, fstride * p, factors + 2, st);
    }
    switch (p) {
    case 2: KF_NAME(bfly2)(out, fstride, st, m); break;
    case 3: KF_NAME(bfly3)(out, fstride, st, m); break;
    case 4: KF_NAME(bfly4)(out, fstride, st, m); break;
    default: KF_NAME(bfly5)(out, fstride, st, m); break;   /* prepare allows 2, 3, 4, 5 */
    }
}

/* kiss_fftr: the complex FFT of the sample pairs into tmp, then the split with the super
 * twiddles stw[ncfft / 2] into ncfft + 1 bins */
static void KF_NAME(fftr)(const KF_NAME(plan) *st, const KF_NAME(cpx) *stw, const KF_T *x,
                          KF_NAME(cpx) *tmp, KF_NAME(cpx) *out)
{
    int n = st->nfft;
    KF_NAME(work)(tmp, (const KF_NAME(cpx) *)x, 1, st->factors, st);
    KF_NAME(cpx) dc = tmp[0];
    KF_NAME(fixdiv)(&dc, 2);
    out[0].r = KF_ADD(dc.r, dc.i);
    out[n].r = KF_SUB(dc.r, dc.i);
    out[0].i = out[n].i = 0;
    for (int k = 1; k <= n / 2; k++) {
        KF_NAME(cpx) fk = tmp[k], fnk, f1, f2, tw;
        fnk.r = tmp[n - k].r;
        fnk.i = KF_NEG(tmp[n - k].i);
        KF_NAME(fixdiv)(&fk, 2);
        KF_NAME(fixdiv)(&fnk, 2);
        f1.r = KF_ADD(fk.r, fnk.r); f1.i = KF_ADD(fk.i, fnk.i);
        f2.r = KF_SUB(fk.r, fnk.r); f2.i = KF_SUB(fk.i, fnk.i);
        tw = KF_NAME(cmul)(f2, stw[k - 1]);
        /* HALF_OF of C's int sum (not stored in between) */
        out[k].r = (KF_T)KF_HALF(KF_IADD(f1.r, tw.r));
        out[k].i = (KF_T)KF_HALF(KF_IADD(f1.i, tw.i));
        out[n - k].r = (KF_T)KF_HALF(KF_ISUB(f1.r, tw.r));
        out[n - k].i = (KF_T)KF_HALF(KF_ISUB(tw.i, f1.i));
    }
}

/* kiss_fftri: the split back into tmp, then the complex FFT into the 2 * ncfft samples */
static void KF_NAME(fftri)(const KF_NAME(plan) *st, const KF_NAME(cpx) *stw,
                           const KF_NAME(cpx) *in, KF_NAME(cpx) *tmp, KF_T *y)
{
    int n = st->nfft;
    tmp[0].r = KF_ADD(in[0].r, in[n].r);
    tmp[0].i = KF_SUB(in[0].r, in[n].r);
    KF_NAME(fixdiv)(&tmp[0], 2);
    for (int k = 1; k <= n / 2; k++) {
        KF_NAME(cpx) fk = in[k], fnkc, fek, fok, t;
        fnkc.r = in[n - k].r;
        fnkc.i = KF_NEG(in[n - k].i);
        KF_NAME(fixdiv)(&fk, 2);
        KF_NAME(fixdiv)(&fnkc, 2);
        fek.r = KF_ADD(fk.r, fnkc.r); fek.i = KF_ADD(fk.i, fnkc.i);
        t.r = KF_SUB(fk.r, fnkc.r); t.i = KF_SUB(fk.i, fnkc.i);
        fok = KF_NAME(cmul)(t, stw[k - 1]);
        tmp[k].r = KF_ADD(fek.r, fok.r); tmp[k].i = KF_ADD(fek.i, fok.i);
        tmp[n - k].r = KF_SUB(fek.r, fok.r); tmp[n - k].i = KF_SUB(fek.i, fok.i);
        tmp[n - k].i = KF_TIMES_MINUS1(tmp[n - k].i);
    }
    KF_NAME(work)((KF_NAME(cpx) *)y, tmp, 1, st->factors, st);
}

#undef KF_SAMP_MAX
#undef KF_IADD
#undef KF_ISUB
#undef KF_ADD
#undef KF_SUB
#undef KF_NEG
#undef KF_TIMES_MINUS1
#undef KF_ROUND
#undef KF_SMUL
#undef KF_HALF
