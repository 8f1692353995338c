/*
 * Bilinear resampling of one 8-bit plane under a scale + offset map, in two separable passes
 * (`resample`, this header), and the antialiased Lanczos-3 resize that prepares each still
 * (`shrink`, its own header further down).
 *
 * Why this exists: Ken Burns motion is a window that zooms and pans, never rotates, so every
 * output row samples the same source columns and every output column the same source rows.
 * OpenCV's warpAffine treats it as a general affine map (a 4-tap gather per pixel); its resize
 * is separable but takes offsets only in whole pixels, which is what makes motion shake. This
 * does the separable pass with exact sub-pixel offsets, positions to 1/256 px (warpAffine:
 * 1/32): each needed source row is filtered horizontally once into a row of 16-bit values,
 * then pairs of those rows are blended vertically into the output row.
 *
 * Stills are prepared larger than the frame (pictures.py SUPERSAMPLE), so a frame is a
 * 1.3-1.7:1 downscale and most output rows need two freshly filtered source rows: the
 * horizontal pass is most of the work, and it is built around one instruction, pmaddubsw,
 * which multiplies byte pairs and adds each pair: the two taps of an output are shuffled next
 * to each other from one load of source bytes and weighted in one step. Per engine level,
 * picked at run time from what the CPU has (`LEVELS`; the tests hold every level to the
 * scalar code's bytes):
 *   - ssse3:  8 outputs per 16-byte load + pshufb + pmaddubsw; the blend 16 bytes per step.
 *   - avx2:   16 outputs per step (two 16-byte loads, one per 128-bit lane); blend 32 bytes.
 *   - avx512: 32 outputs per 64-byte load + vpermb (AVX-512 VBMI: one byte shuffle across the
 *             whole register) + pmaddubsw; the blend 64 bytes per step, its bytes picked from
 *             two registers by one vpermt2b, the stores aligned to dst's cache lines.
 *   - scalar: the reference the others must equal (non-x86 builds have only this).
 * The loops over groups whose loads lie inside the row (all of them when a frame's view is
 * inside the picture) run without per-group checks, and the filtered rows sit on 64-byte
 * boundaries. CPU per 1080p frame (Y + U + V, one thread) on the bench's prepared photo at
 * zoom 1.0-1.3 (`bench/bench_resample.py`, AMD EPYC Zen 4): avx512 0.32 ms, avx2 0.45, ssse3
 * 0.73, scalar 7.0; OpenCV warpAffine 1.29. The SSSE3 code this replaced (2 pshufb + 2 pmullw
 * per 8 outputs, no AVX levels) took 1.03 ms.
 * Vertical-first (blend the two source rows over the column span, then one horizontal pass
 * per output row) was measured and not kept: at 1.5:1 its vertical pass alone took 97 us per
 * 1080-row luma plane with AVX-512, against 212 us for this whole path, and its horizontal pass
 * gathers 16-bit taps (two vpermt2w per 32 outputs) at more steps than this path's blend (80
 * us); without a cross-lane word shuffle (AVX2, SSSE3) it is further behind.
 *
 * dst(x, y) = src(x0 + (x + 0.5) * sx - 0.5, y0 + (y + 0.5) * sy - 0.5), bilinear, with the
 * source's edge pixels repeated outside it (OpenCV's BORDER_REPLICATE).
 *
 * Fixed point: horizontal taps are weighted out of 256 into 16 bits, h = p0 (256 - a) + p1 a
 * (255 * 256 fits). pmaddubsw takes one operand as unsigned bytes and the other as signed: the
 * weights are the unsigned one (1..255; a tap that falls exactly on a pixel is given as that
 * pixel twice, 128 + 128), the pixels the signed one (each flipped by 128), so the sum is
 * h - 32768 as a signed 16-bit value (= h ^ 0x8000: FLIP), which is how every level keeps its
 * filtered rows. The vertical blend rounds each product, t = round(h0 (256 - b) / 256) +
 * round(h1 b / 256), which on the signed values is one pmulhrsw per row with the weight << 7,
 * and the output is (t + 128) >> 8. Integer steps only, so every SIMD lane and the scalar code
 * compute the same bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define NEMO_X86 1
#include <immintrin.h>
#define NEMO_SSSE3 __attribute__((target("ssse3")))
#define NEMO_AVX2 __attribute__((target("avx2")))
#define NEMO_AVX512 __attribute__((target("avx2,avx512f,avx512bw,avx512vl,avx512vbmi")))
#else
#define NEMO_X86 0
#endif

#define ONE 256 /* weights are out of 256: positions to 1/256 px */
#define FLIP 0x8000u /* filtered rows hold h ^ FLIP, i.e. h - 32768 as int16 (see the header) */

enum { SCALAR, SSSE3, AVX2, AVX512, N_LEVELS };
static const char *const level_names[N_LEVELS] = {"scalar", "ssse3", "avx2", "avx512"};

typedef struct {
    int sw;           /* source width */
    int32_t *xi;      /* left source column of each output column */
    uint16_t *xa;     /* weight of the right one, 0..256 */
    int groups;       /* groups of 8 outputs */
    int32_t *base;    /* per group of 8: where its 16-byte load starts, or -1 (scalar) */
    uint8_t *idx;     /* per group of 8: 16 bytes, the (left, right) tap of each output */
    uint8_t *wts;     /* per group of 8: 16 bytes, the (left, right) weight of each output */
    int groups32;     /* groups of 32 outputs (avx512 only) */
    int32_t *base32;  /* per group of 32: where its 64-byte load starts, or -1 (groups of 8) */
    uint8_t *idx32;   /* per group of 32: 64 bytes of taps (its weights: wts + 64 * group) */
    /* groups [lo, hi) need no check (every frame's view inside the picture: all of them):
     * their loads lie inside the row, the group-of-32 ones without a mask */
    int run8_lo, run8_hi, run32_lo, run32_hi;
} Columns;

/* Where position p falls between samples i and i+1 of an axis of n samples (n >= 2). */
static void tap(double p, int n, int32_t *i, uint16_t *a)
{
    if (!(p > 0.0)) { /* also NaN */
        *i = 0; *a = 0;
        return;
    }
    if (p >= (double)(n - 1)) {
        *i = n - 2; *a = ONE;
        return;
    }
    int j = (int)p;
#if NEMO_X86 && defined(__SSE2__)
    /* lrint is a library call here (errno): this is the same rounding (to nearest, ties to
     * even) in one instruction, on every column and row of every call */
    long f = _mm_cvtsd_si32(_mm_set_sd((p - j) * ONE));
#else
    long f = lrint((p - j) * ONE);
#endif
    if (f >= ONE) { j += 1; f = 0; }
    if (j > n - 2) { j = n - 2; f = ONE; }
    *i = j;
    *a = (uint16_t)f;
}

static void hrow_scalar(const uint8_t *s, uint16_t *h, int from, int to, const Columns *c)
{
    for (int k = from; k < to; k++) {
        unsigned a = c->xa[k];
        const uint8_t *p = s + c->xi[k];
        h[k] = (uint16_t)((p[0] * (ONE - a) + p[1] * a) ^ FLIP);
    }
}

static void vrow_scalar(const uint16_t *h0, const uint16_t *h1, unsigned b, uint8_t *d,
                        int from, int to)
{
    if (b == 0 || b == ONE) {
        const uint16_t *h = b ? h1 : h0;
        for (int k = from; k < to; k++) d[k] = (uint8_t)(((h[k] ^ FLIP) + 128u) >> 8);
        return;
    }
    for (int k = from; k < to; k++) {
        unsigned t = (((h0[k] ^ FLIP) * (ONE - b) + 128u) >> 8) + (((h1[k] ^ FLIP) * b + 128u) >> 8);
        d[k] = (uint8_t)((t + 128u) >> 8);
    }
}

#if NEMO_X86
/* One group of 8 outputs: 16 source bytes, flipped to signed, taps paired, weighted, summed. */
NEMO_SSSE3 static inline __m128i group8(const uint8_t *s, const Columns *c, int g)
{
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(s + c->base[g])),
                              _mm_set1_epi8((char)0x80));
    x = _mm_shuffle_epi8(x, _mm_loadu_si128((const __m128i *)(c->idx + 16 * g)));
    return _mm_maddubs_epi16(_mm_loadu_si128((const __m128i *)(c->wts + 16 * g)), x);
}

NEMO_SSSE3 static void vrow_ssse3(const uint16_t *h0, const uint16_t *h1, unsigned b,
                                  uint8_t *d, int from, int dw)
{
    int k = from;
    const __m128i half = _mm_set1_epi16((short)(FLIP + 128));
    if (b == 0 || b == ONE) {
        const uint16_t *h = b ? h1 : h0;
        for (; k + 16 <= dw; k += 16) {
            __m128i p = _mm_loadu_si128((const __m128i *)(h + k));
            __m128i q = _mm_loadu_si128((const __m128i *)(h + k + 8));
            p = _mm_srli_epi16(_mm_add_epi16(p, half), 8);
            q = _mm_srli_epi16(_mm_add_epi16(q, half), 8);
            _mm_storeu_si128((__m128i *)(d + k), _mm_packus_epi16(p, q));
        }
    } else {
        const __m128i w0 = _mm_set1_epi16((short)((ONE - b) << 7));
        const __m128i w1 = _mm_set1_epi16((short)(b << 7));
        for (; k + 16 <= dw; k += 16) {
            __m128i p = _mm_add_epi16(
                _mm_mulhrs_epi16(_mm_loadu_si128((const __m128i *)(h0 + k)), w0),
                _mm_mulhrs_epi16(_mm_loadu_si128((const __m128i *)(h1 + k)), w1));
            __m128i q = _mm_add_epi16(
                _mm_mulhrs_epi16(_mm_loadu_si128((const __m128i *)(h0 + k + 8)), w0),
                _mm_mulhrs_epi16(_mm_loadu_si128((const __m128i *)(h1 + k + 8)), w1));
            p = _mm_srli_epi16(_mm_add_epi16(p, half), 8);
            q = _mm_srli_epi16(_mm_add_epi16(q, half), 8);
            _mm_storeu_si128((__m128i *)(d + k), _mm_packus_epi16(p, q));
        }
    }
    vrow_scalar(h0, h1, b, d, k, dw);
}

/* A group of 8 outputs whose load may not be possible (then scalar). */
NEMO_SSSE3 static inline void checked8(const uint8_t *s, uint16_t *h, const Columns *c, int g)
{
    if (c->base[g] < 0) hrow_scalar(s, h, 8 * g, 8 * g + 8, c);
    else _mm_storeu_si128((__m128i *)(h + 8 * g), group8(s, c, g));
}

NEMO_SSSE3 static void hrow_ssse3(const uint8_t *s, uint16_t *h, int dw, const Columns *c)
{
    int g = 0, hi = c->run8_hi;
    for (; g < c->run8_lo; g++) checked8(s, h, c, g);
    for (; g < hi; g++) _mm_store_si128((__m128i *)(h + 8 * g), group8(s, c, g));
    for (; g < c->groups; g++) checked8(s, h, c, g);
    hrow_scalar(s, h, 8 * c->groups, dw, c);
}

NEMO_AVX2 static void hrow_avx2(const uint8_t *s, uint16_t *h, int dw, const Columns *c)
{
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    int g = 0, hi = c->run8_hi;
    int lo = c->run8_lo + (c->run8_lo & 1); /* from an even group: 32-byte aligned stores */
    for (; g < lo && g < c->groups; g++) checked8(s, h, c, g);
    const int32_t *restrict base = c->base;
    const uint8_t *restrict idx = c->idx, *restrict wts = c->wts;
    for (; g + 2 <= hi; g += 2) { /* two groups of 8, one per 128-bit lane */
        __m256i x = _mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(s + base[g]))),
            _mm_loadu_si128((const __m128i *)(s + base[g + 1])), 1);
        x = _mm256_shuffle_epi8(_mm256_xor_si256(x, flip),
                                _mm256_loadu_si256((const __m256i *)(idx + 16 * g)));
        x = _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(wts + 16 * g)), x);
        _mm256_store_si256((__m256i *)(h + 8 * g), x);
    }
    _mm256_zeroupper();
    for (; g < c->groups; g++) checked8(s, h, c, g);
    hrow_scalar(s, h, 8 * c->groups, dw, c);
}

NEMO_AVX2 static void vrow_avx2(const uint16_t *h0, const uint16_t *h1, unsigned b, uint8_t *d,
                                int dw)
{
    int k = 0;
    const __m256i half = _mm256_set1_epi16((short)(FLIP + 128));
    if (b == 0 || b == ONE) {
        const uint16_t *h = b ? h1 : h0;
        for (; k + 32 <= dw; k += 32) {
            __m256i p = _mm256_loadu_si256((const __m256i *)(h + k));
            __m256i q = _mm256_loadu_si256((const __m256i *)(h + k + 16));
            p = _mm256_srli_epi16(_mm256_add_epi16(p, half), 8);
            q = _mm256_srli_epi16(_mm256_add_epi16(q, half), 8);
            __m256i r = _mm256_permute4x64_epi64(_mm256_packus_epi16(p, q), 0xD8);
            _mm256_storeu_si256((__m256i *)(d + k), r);
        }
    } else {
        const __m256i w0 = _mm256_set1_epi16((short)((ONE - b) << 7));
        const __m256i w1 = _mm256_set1_epi16((short)(b << 7));
        for (; k + 32 <= dw; k += 32) {
            __m256i p = _mm256_add_epi16(
                _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(h0 + k)), w0),
                _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(h1 + k)), w1));
            __m256i q = _mm256_add_epi16(
                _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(h0 + k + 16)), w0),
                _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(h1 + k + 16)), w1));
            p = _mm256_srli_epi16(_mm256_add_epi16(p, half), 8);
            q = _mm256_srli_epi16(_mm256_add_epi16(q, half), 8);
            __m256i r = _mm256_permute4x64_epi64(_mm256_packus_epi16(p, q), 0xD8);
            _mm256_storeu_si256((__m256i *)(d + k), r);
        }
    }
    _mm256_zeroupper(); /* GCC leaves the tail call without it: slow SSE code after */
    vrow_ssse3(h0, h1, b, d, k, dw);
}

/* A group of 32 outputs whose 64 bytes may run past the row (masked load) or not fit (by 8). */
NEMO_AVX512 static inline __m512i group32(const uint8_t *s, const Columns *c, int g)
{
    int32_t b = c->base32[g];
    __m512i x;
    if (b + 64 <= c->sw) x = _mm512_loadu_si512((const void *)(s + b));
    else x = _mm512_maskz_loadu_epi8((1ULL << (c->sw - b)) - 1, s + b); /* only what is there */
    x = _mm512_permutexvar_epi8(_mm512_loadu_si512((const void *)(c->idx32 + 64 * g)),
                                _mm512_xor_si512(x, _mm512_set1_epi8((char)0x80)));
    return _mm512_maddubs_epi16(_mm512_loadu_si512((const void *)(c->wts + 64 * g)), x);
}

NEMO_AVX512 static void checked32(const uint8_t *s, uint16_t *h, const Columns *c, int g)
{
    if (c->base32[g] >= 0) {
        _mm512_store_si512((void *)(h + 32 * g), group32(s, c, g));
    } else {
        for (int t = 4 * g; t < 4 * g + 4; t++) checked8(s, h, c, t);
    }
}

NEMO_AVX512 static void hrow_avx512(const uint8_t *s, uint16_t *h, int dw, const Columns *c)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    int g = 0, hi = c->run32_hi;
    for (; g < c->run32_lo; g++) checked32(s, h, c, g);
    const int32_t *restrict base = c->base32;
    const uint8_t *restrict idx = c->idx32, *restrict wts = c->wts;
    for (; g < hi; g++) {
        __m512i x = _mm512_xor_si512(_mm512_loadu_si512((const void *)(s + base[g])), flip);
        x = _mm512_permutexvar_epi8(_mm512_loadu_si512((const void *)(idx + 64 * g)), x);
        x = _mm512_maddubs_epi16(_mm512_loadu_si512((const void *)(wts + 64 * g)), x);
        _mm512_store_si512((void *)(h + 32 * g), x);
    }
    for (; g < c->groups32; g++) checked32(s, h, c, g);
    _mm256_zeroupper();
    for (int t = 4 * c->groups32; t < c->groups; t++) checked8(s, h, c, t);
    hrow_scalar(s, h, 8 * c->groups, dw, c);
}

/* Up to 64 outputs (n of them) of the blend: t + 128 for each, then its high byte, picked from
 * the 128 bytes of both halves by one two-table byte shuffle (vpermt2b) instead of shifting
 * and packing lane by lane. The loads and the store are masked to the n outputs. */
NEMO_AVX512 static inline void blend64(const uint16_t *h0, const uint16_t *h1, uint8_t *d, int n,
                                       __m512i w0, __m512i w1, int copy)
{
    const __m512i half = _mm512_set1_epi16((short)(FLIP + 128));
    const __m512i high = _mm512_set_epi8(
        127, 125, 123, 121, 119, 117, 115, 113, 111, 109, 107, 105, 103, 101, 99, 97,
        95, 93, 91, 89, 87, 85, 83, 81, 79, 77, 75, 73, 71, 69, 67, 65,
        63, 61, 59, 57, 55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35, 33,
        31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    __m512i p0, q0, p1, q1;
    if (n == 64) {
        p0 = _mm512_loadu_si512((const void *)h0);
        q0 = _mm512_loadu_si512((const void *)(h0 + 32));
        p1 = _mm512_loadu_si512((const void *)h1);
        q1 = _mm512_loadu_si512((const void *)(h1 + 32));
    } else {
        __mmask32 mp = n >= 32 ? ~(__mmask32)0 : (__mmask32)((1u << n) - 1);
        __mmask32 mq = n <= 32 ? 0 : (__mmask32)((1u << (n - 32)) - 1);
        p0 = _mm512_maskz_loadu_epi16(mp, h0);
        q0 = _mm512_maskz_loadu_epi16(mq, h0 + 32);
        p1 = _mm512_maskz_loadu_epi16(mp, h1);
        q1 = _mm512_maskz_loadu_epi16(mq, h1 + 32);
    }
    __m512i p, q;
    if (copy) {
        p = _mm512_add_epi16(p0, half);
        q = _mm512_add_epi16(q0, half);
    } else {
        p = _mm512_add_epi16(_mm512_add_epi16(_mm512_mulhrs_epi16(p0, w0), _mm512_mulhrs_epi16(p1, w1)), half);
        q = _mm512_add_epi16(_mm512_add_epi16(_mm512_mulhrs_epi16(q0, w0), _mm512_mulhrs_epi16(q1, w1)), half);
    }
    __m512i r = _mm512_permutex2var_epi8(p, high, q);
    if (n == 64) _mm512_storeu_si512((void *)d, r);
    else _mm512_mask_storeu_epi8(d, n == 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1), r);
}

NEMO_AVX512 static void vrow_avx512(const uint16_t *h0, const uint16_t *h1, unsigned b,
                                    uint8_t *d, int dw)
{
    int copy = b == 0 || b == ONE;
    if (copy) h0 = h1 = b ? h1 : h0;
    const __m512i w0 = _mm512_set1_epi16((short)(copy ? 0 : (ONE - b) << 7));
    const __m512i w1 = _mm512_set1_epi16((short)(copy ? 0 : b << 7));
    /* the first store ends on a 64-byte boundary of dst, so that the others start on one */
    int k = (int)((64 - ((uintptr_t)d & 63)) & 63);
    if (k > dw) k = dw;
    if (k) blend64(h0, h1, d, k, w0, w1, copy);
    for (; k + 64 <= dw; k += 64) blend64(h0 + k, h1 + k, d + k, 64, w0, w1, copy);
    if (k < dw) blend64(h0 + k, h1 + k, d + k, dw - k, w0, w1, copy);
}

/* The best level this CPU runs: each needs its instructions and, for AVX, the OS's support
 * for the wider registers, which __builtin_cpu_supports checks as well. */
static int cpu_level(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi")
        && __builtin_cpu_supports("avx2"))
        return AVX512;
    if (__builtin_cpu_supports("avx2")) return AVX2;
    if (__builtin_cpu_supports("ssse3")) return SSSE3;
    return SCALAR;
}
#else
static int cpu_level(void) { return SCALAR; }
#endif

static void hrow(int level, const uint8_t *s, uint16_t *h, int dw, const Columns *c)
{
    switch (level) {
#if NEMO_X86
    case AVX512: hrow_avx512(s, h, dw, c); return;
    case AVX2: hrow_avx2(s, h, dw, c); return;
    case SSSE3: hrow_ssse3(s, h, dw, c); return;
#endif
    default: hrow_scalar(s, h, 0, dw, c);
    }
}

static void vrow(int level, const uint16_t *h0, const uint16_t *h1, unsigned b, uint8_t *d,
                 int dw)
{
    switch (level) {
#if NEMO_X86
    case AVX512: vrow_avx512(h0, h1, b, d, dw); return;
    case AVX2: vrow_avx2(h0, h1, b, d, dw); return;
    case SSSE3: vrow_ssse3(h0, h1, b, d, 0, dw); return;
#endif
    default: vrow_scalar(h0, h1, b, d, 0, dw);
    }
}

/* Where the taps of outputs [k, k + n) lie: the lowest and highest source column read. */
static void span(const Columns *c, int k, int n, int32_t *lo, int32_t *hi)
{
    *lo = INT32_MAX; *hi = INT32_MIN;
    for (int t = k; t < k + n; t++) {
        int32_t l = c->xa[t] == ONE ? c->xi[t] + 1 : c->xi[t];
        int32_t r = c->xa[t] == 0 ? c->xi[t] : c->xi[t] + 1;
        if (l < *lo) *lo = l;
        if (r > *hi) *hi = r;
    }
}

/* Where a load of `width` bytes covering [lo, hi] starts inside a row of sw bytes, or -1. */
static int32_t load_start(int32_t lo, int32_t hi, int width, int sw, int may_overhang)
{
    if (hi - lo >= width) return -1;
    if (lo + width <= sw || may_overhang) return lo;
    if (sw < width) return -1;
    int32_t b = sw - width; /* the row's last `width` bytes, if they still hold lo */
    return b <= lo ? b : -1;
}

/* Each output's (left, right) tap relative to `b` and its (left, right) weight. */
static void pair(const Columns *c, int k, int32_t b, uint8_t *idx, uint8_t *w)
{
    int32_t i = c->xi[k];
    unsigned a = c->xa[k];
    if (a == 0 || a == ONE) { /* on a pixel: that pixel twice, half and half (256 won't fit) */
        int32_t p = a ? i + 1 : i;
        idx[0] = idx[1] = (uint8_t)(p - b);
        if (w) w[0] = w[1] = ONE / 2;
    } else {
        idx[0] = (uint8_t)(i - b);
        idx[1] = (uint8_t)(i + 1 - b);
        if (w) { w[0] = (uint8_t)(ONE - a); w[1] = (uint8_t)a; }
    }
}

/* The column taps, and for the SIMD passes each group's load offset, shuffle and weights. */
static int plan_columns(Columns *c, int level, int sw, int dw, double x0, double sx)
{
    c->sw = sw;
    c->groups = dw / 8;
    c->groups32 = level >= AVX512 ? dw / 32 : 0;
    size_t g = (size_t)c->groups, g32 = (size_t)c->groups32;
    c->xi = PyMem_RawMalloc(sizeof(int32_t) * (size_t)dw);
    c->xa = PyMem_RawMalloc(sizeof(uint16_t) * (size_t)dw);
    c->base = PyMem_RawMalloc(sizeof(int32_t) * (g + 1));
    c->idx = PyMem_RawMalloc(16 * (g + 1));
    c->wts = PyMem_RawMalloc(16 * (g + 1));
    c->base32 = PyMem_RawMalloc(sizeof(int32_t) * (g32 + 1));
    c->idx32 = PyMem_RawMalloc(64 * (g32 + 1));
    if (!c->xi || !c->xa || !c->base || !c->idx || !c->wts || !c->base32 || !c->idx32) return -1;
    for (int k = 0; k < dw; k++) tap(x0 + (k + 0.5) * sx - 0.5, sw, &c->xi[k], &c->xa[k]);
    c->run8_lo = c->run8_hi = c->run32_lo = c->run32_hi = 0;
    if (level == SCALAR) return 0;
    for (int q = 0; q < c->groups; q++) {
        int32_t lo, hi;
        span(c, 8 * q, 8, &lo, &hi);
        int32_t b = load_start(lo, hi, 16, sw, 0);
        c->base[q] = b;
        for (int t = 0; t < 8; t++)
            pair(c, 8 * q + t, b < 0 ? c->xi[8 * q] : b, c->idx + 16 * q + 2 * t,
                 c->wts + 16 * q + 2 * t);
    }
    for (int q = 0; q < c->groups32; q++) {
        int32_t lo, hi;
        span(c, 32 * q, 32, &lo, &hi);
        /* a masked load reads no byte past the row, so it may start anywhere inside it */
        int32_t b = load_start(lo, hi, 64, sw, 1);
        c->base32[q] = b;
        for (int t = 0; t < 32 && b >= 0; t++)
            pair(c, 32 * q + t, b, c->idx32 + 64 * q + 2 * t, NULL);
    }
    /* the first run of groups that need no check */
    int q = 0;
    while (q < c->groups && c->base[q] < 0) q++;
    c->run8_lo = c->run8_hi = q;
    while (c->run8_hi < c->groups && c->base[c->run8_hi] >= 0) c->run8_hi++;
    q = 0;
    while (q < c->groups32 && !(c->base32[q] >= 0 && c->base32[q] + 64 <= sw)) q++;
    c->run32_lo = c->run32_hi = q;
    while (c->run32_hi < c->groups32 && c->base32[c->run32_hi] >= 0
           && c->base32[c->run32_hi] + 64 <= sw)
        c->run32_hi++;
    return 0;
}

static void free_columns(Columns *c)
{
    PyMem_RawFree(c->xi);
    PyMem_RawFree(c->xa);
    PyMem_RawFree(c->base);
    PyMem_RawFree(c->idx);
    PyMem_RawFree(c->wts);
    PyMem_RawFree(c->base32);
    PyMem_RawFree(c->idx32);
}

static int best_level;

static int check_plane(Py_buffer *b, const char *what)
{
    if (b->ndim != 2 || b->itemsize != 1 || (b->format && strcmp(b->format, "B") != 0)) {
        PyErr_Format(PyExc_ValueError, "%s must be a 2-D array of uint8", what);
        return -1;
    }
    if (b->strides[1] != 1 || b->strides[0] < b->shape[1]) {
        PyErr_Format(PyExc_ValueError, "%s must have contiguous rows", what);
        return -1;
    }
    if (b->shape[0] > INT32_MAX / 2 || b->shape[1] > INT32_MAX / 2) {
        PyErr_Format(PyExc_ValueError, "%s is too large", what);
        return -1;
    }
    return 0;
}

/* simd=True: the best level here; False: scalar; a level's name: that level (tests, bench). */
static int parse_level(PyObject *simd)
{
    if (simd == NULL) return best_level;
    if (PyBool_Check(simd)) return simd == Py_True ? best_level : SCALAR;
    if (PyUnicode_Check(simd)) {
        for (int l = 0; l < N_LEVELS; l++) {
            if (PyUnicode_CompareWithASCIIString(simd, level_names[l]) == 0) {
                if (l > best_level) {
                    PyErr_Format(PyExc_ValueError, "this CPU cannot run the %s level", level_names[l]);
                    return -1;
                }
                return l;
            }
        }
        PyErr_Format(PyExc_ValueError, "unknown level %R (one of scalar, ssse3, avx2, avx512)",
                     simd);
        return -1;
    }
    PyErr_SetString(PyExc_TypeError, "simd must be a bool or a level's name");
    return -1;
}

static PyObject *resample(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *names[] = {"src", "dst", "x0", "y0", "sx", "sy", "simd", NULL};
    PyObject *src_obj, *dst_obj, *simd = NULL;
    double x0, y0, sx, sy;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOdddd|O", names, &src_obj, &dst_obj, &x0,
                                     &y0, &sx, &sy, &simd))
        return NULL;
    int level = parse_level(simd);
    if (level < 0) return NULL;
    Py_buffer src, dst;
    if (PyObject_GetBuffer(src_obj, &src, PyBUF_STRIDES | PyBUF_FORMAT) < 0) return NULL;
    if (PyObject_GetBuffer(dst_obj, &dst, PyBUF_STRIDES | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&src);
        return NULL;
    }
    PyObject *result = NULL;
    if (check_plane(&src, "src") < 0 || check_plane(&dst, "dst") < 0) goto done;
    int sh = (int)src.shape[0], sw = (int)src.shape[1];
    int dh = (int)dst.shape[0], dw = (int)dst.shape[1];
    if (sw < 2 || sh < 2) {
        PyErr_SetString(PyExc_ValueError, "src must be at least 2x2 pixels");
        goto done;
    }
    if (dw == 0 || dh == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    Columns c = {0};
    /* both filtered rows in one block, each on a 64-byte boundary: a vector load or store that
     * straddles two cache lines costs two (and an AVX-512 one always does when unaligned) */
    size_t row = (((size_t)dw * sizeof(uint16_t)) + 63) & ~(size_t)63;
    void *hblock = PyMem_RawMalloc(2 * row + 64);
    uint16_t *h0 = hblock ? (uint16_t *)(((uintptr_t)hblock + 63) & ~(uintptr_t)63) : NULL;
    uint16_t *h1 = hblock ? (uint16_t *)((char *)h0 + row) : NULL;
    int failed = plan_columns(&c, level, sw, dw, x0, sx) < 0 || !h0 || !h1;
    if (!failed) {
        const uint8_t *sp = src.buf;
        uint8_t *dp = dst.buf;
        Py_ssize_t ss = src.strides[0], ds = dst.strides[0];
        Py_BEGIN_ALLOW_THREADS
        int32_t r0 = -1, r1 = -1; /* source rows now filtered into h0 and h1 */
        for (int y = 0; y < dh; y++) {
            int32_t j;
            uint16_t b;
            tap(y0 + (y + 0.5) * sy - 0.5, sh, &j, &b);
            if (j != r0) {
                if (j == r1) { /* moved down one row: the lower row becomes the upper */
                    uint16_t *t = h0; h0 = h1; h1 = t;
                    r0 = j; r1 = -1;
                } else {
                    r0 = j;
                    hrow(level, sp + (size_t)j * ss, h0, dw, &c);
                }
            }
            if (r1 != j + 1) {
                r1 = j + 1;
                hrow(level, sp + (size_t)r1 * ss, h1, dw, &c);
            }
            vrow(level, h0, h1, b, dp + (size_t)y * ds, dw);
        }
        Py_END_ALLOW_THREADS
        result = Py_NewRef(Py_None);
    } else {
        PyErr_NoMemory();
    }
    free_columns(&c);
    PyMem_RawFree(hblock);
done:
    PyBuffer_Release(&src);
    PyBuffer_Release(&dst);
    return result;
}

/* ---------------------------------------------------------------------------------------------
 * shrink: a box of a plane resized with a Lanczos-3 filter whose support grows with the
 * downscale factor (antialiased), for preparing a still once (pictures.py StillShot), where
 * Pillow's RGB Lanczos resize was most of the CPU on top of the encoder (issue #20).
 *
 * The filter is the one Pillow's resize uses with box=: output pixel o of an axis samples the
 * source around c = b0 + (o + .5) s (s = box length / outputs), with weights
 * L((j + .5 - c) / f) for the source pixels j within 3 f of c (f = max(1, s), L the Lanczos-3
 * window), the taps outside the source dropped and the rest normalised to sum 1. The weights
 * are rounded to 14 bits with their sum kept at exactly 1 << 14 (a flat plane stays flat), and
 * the zero ones at either end dropped.
 *
 * Two passes, vertical first, each a "vertical" one: an output row is a weighted sum of whole
 * source rows with one weight per row, which vectorises without gathers: bytes of two rows
 * interleaved, widened to 16 bits and multiplied by a pair of weights with one pmaddwd into
 * 32-bit sums, rounded, shifted and saturated to bytes (the scalar code: the same integers,
 * so every level gives the same bytes). The horizontal pass runs on 64-row strips: the strip's
 * vertically filtered rows (8 bits, as Pillow keeps them between its passes) are transposed, so
 * that an output column is a weighted sum of the strip's source columns, now rows, and the
 * result is transposed back (16x16 byte blocks, 4 rounds of unpacks).
 *
 * CPU for the render's still (a 4000x3000 photo's 16:9 crop to 2870x1614, Y + U + V, one
 * thread; `bench/bench_shrink.py`, AMD EPYC Zen 4): avx512 8.2 ms, avx2 9.6, ssse3 14.5,
 * scalar 87; Pillow's RGB Lanczos resize of the same box took 148. Most of it is moving bytes
 * (the passes over 4000-wide rows, the transposes), not the taps: a 1:1 resize of the same
 * plane costs 90% of the 1.39:1 one.
 * --------------------------------------------------------------------------------------------- */

#define CBITS 14
#define STRIP 64 /* output rows per strip: the transposed rows are 64 bytes, one cache line */

typedef struct {
    int32_t *lo;   /* first source index of each output */
    int32_t *n;    /* its number of taps (>= 1) */
    int16_t *c;    /* its weights: `width` per output, zero past n */
    int32_t *pair; /* the same as (c[2k], c[2k + 1]) pairs in one int32 (pmaddwd's operand) */
    int width;     /* weights per output, even */
} Taps;

static double lanczos3(double x)
{
    if (x < 0) x = -x;
    if (x < 1e-9) return 1.0;
    if (x >= 3.0) return 0.0;
    double px = M_PI * x, s = sin(px / 3.0); /* sin(px) = s (3 - 4 s^2): one sine, not two */
    return 3.0 * s * s * (3.0 - 4.0 * s * s) / (px * px);
}

static void free_taps(Taps *t)
{
    PyMem_RawFree(t->lo);
    PyMem_RawFree(t->n);
    PyMem_RawFree(t->c);
    PyMem_RawFree(t->pair);
}

/* The taps of n_out outputs over the box [b0, b1) of an axis of n_in source pixels. */
static int plan_taps(Taps *t, double b0, double b1, int n_in, int n_out)
{
    double s = (b1 - b0) / n_out, f = s > 1.0 ? s : 1.0, support = 3.0 * f;
    double reach = 2.0 * ceil(support) + 2.0; /* the taps an output can have, at most */
    int most = reach < n_in ? (int)reach : n_in;
    t->width = (most + 1) & ~1;
    t->lo = PyMem_RawMalloc(sizeof(int32_t) * (size_t)n_out);
    t->n = PyMem_RawMalloc(sizeof(int32_t) * (size_t)n_out);
    t->c = PyMem_RawCalloc((size_t)n_out * (size_t)t->width, sizeof(int16_t));
    t->pair = PyMem_RawMalloc(sizeof(int32_t) * (size_t)n_out * (size_t)(t->width / 2));
    double *w = PyMem_RawMalloc(sizeof(double) * (size_t)(most + 2));
    if (!t->lo || !t->n || !t->c || !t->pair || !w) {
        PyMem_RawFree(w);
        return -1;
    }
    for (int o = 0; o < n_out; o++) {
        double centre = b0 + (o + 0.5) * s;
        int lo = (int)floor(centre - support + 0.5), hi = (int)floor(centre + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > n_in) hi = n_in;
        if (hi - lo > most) hi = lo + most; /* rounding at the window's ends: never reached */
        if (hi <= lo) { /* a box inside the source always has its centre's pixel: never reached */
            lo = centre < n_in ? (int)centre : n_in - 1;
            hi = lo + 1;
        }
        double sum = 0.0;
        for (int j = lo; j < hi; j++) sum += (w[j - lo] = lanczos3((j + 0.5 - centre) / f));
        int16_t *c = t->c + (size_t)o * (size_t)t->width;
        int total = 0, big = 0;
        for (int j = 0; j < hi - lo; j++) {
            double q = sum > 0 ? w[j] / sum * (1 << CBITS) : (j == 0 ? 1 << CBITS : 0);
            c[j] = (int16_t)lrint(q);
            total += c[j];
            if (abs(c[j]) > abs(c[big])) big = j;
        }
        c[big] = (int16_t)(c[big] + ((1 << CBITS) - total)); /* the sum is exactly one */
        int first = 0, last = hi - lo - 1; /* the zero weights at either end are dropped */
        while (first < last && c[first] == 0) first++;
        while (last > first && c[last] == 0) last--;
        int n = last - first + 1;
        if (first) {
            memmove(c, c + first, sizeof(int16_t) * (size_t)n);
            memset(c + n, 0, sizeof(int16_t) * (size_t)first);
        }
        t->lo[o] = lo + first;
        t->n[o] = n;
        for (int k = 0; k < t->width / 2; k++)
            t->pair[(size_t)o * (size_t)(t->width / 2) + (size_t)k] =
                (int32_t)((uint32_t)(uint16_t)c[2 * k] | ((uint32_t)(uint16_t)c[2 * k + 1] << 16));
    }
    PyMem_RawFree(w);
    return 0;
}

static inline uint8_t clip8(int32_t acc)
{
    int32_t v = (acc + (1 << (CBITS - 1))) >> CBITS;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* out[x] = the weighted sum of rows src + k * stride (k < n) at x, for x in [from, width). */
static void wsum_scalar(const uint8_t *src, ptrdiff_t stride, const int16_t *c, int n,
                        uint8_t *out, int from, int width)
{
    for (int x = from; x < width; x++) {
        int32_t acc = 0;
        for (int k = 0; k < n; k++) acc += c[k] * src[k * stride + x];
        out[x] = clip8(acc);
    }
}

static void transpose_scalar(const uint8_t *s, ptrdiff_t ss, uint8_t *d, ptrdiff_t ds, int rows,
                             int cols, int r0, int c0)
{
    /* d[j][i] = s[i][j] for i < rows, j < cols, outside the block [0, r0) x [0, c0) */
    for (int i = 0; i < rows; i++)
        for (int j = i < r0 ? c0 : 0; j < cols; j++) d[j * ds + i] = s[i * ss + j];
}

#if NEMO_X86
NEMO_SSSE3 static void wsum_sse(const uint8_t *src, ptrdiff_t stride, const int16_t *c,
                                const int32_t *pair, int n, uint8_t *out, int width)
{
    const __m128i z = _mm_setzero_si128(), half = _mm_set1_epi32(1 << (CBITS - 1));
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        __m128i a0 = z, a1 = z, a2 = z, a3 = z;
        for (int k = 0; k < n; k += 2) {
            const uint8_t *r = src + k * stride + x;
            __m128i w = _mm_set1_epi32(pair[k / 2]);
            __m128i p = _mm_loadu_si128((const __m128i *)r);
            __m128i q = k + 1 < n ? _mm_loadu_si128((const __m128i *)(r + stride)) : z;
            __m128i lo = _mm_unpacklo_epi8(p, q), hi = _mm_unpackhi_epi8(p, q);
            a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi8(lo, z), w));
            a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi8(lo, z), w));
            a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_unpacklo_epi8(hi, z), w));
            a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_unpackhi_epi8(hi, z), w));
        }
        a0 = _mm_srai_epi32(_mm_add_epi32(a0, half), CBITS);
        a1 = _mm_srai_epi32(_mm_add_epi32(a1, half), CBITS);
        a2 = _mm_srai_epi32(_mm_add_epi32(a2, half), CBITS);
        a3 = _mm_srai_epi32(_mm_add_epi32(a3, half), CBITS);
        __m128i v = _mm_packus_epi16(_mm_packs_epi32(a0, a1), _mm_packs_epi32(a2, a3));
        _mm_storeu_si128((__m128i *)(out + x), v);
    }
    wsum_scalar(src, stride, c, n, out, x, width);
}

NEMO_AVX2 static void wsum_avx2(const uint8_t *src, ptrdiff_t stride, const int16_t *c,
                                const int32_t *pair, int n, uint8_t *out, int width)
{
    /* unpacks and packs work within 128-bit lanes: packing undoes the unpacking's order */
    const __m256i z = _mm256_setzero_si256(), half = _mm256_set1_epi32(1 << (CBITS - 1));
    int x = 0;
    for (; x + 32 <= width; x += 32) {
        __m256i a0 = z, a1 = z, a2 = z, a3 = z;
        for (int k = 0; k < n; k += 2) {
            const uint8_t *r = src + k * stride + x;
            __m256i w = _mm256_set1_epi32(pair[k / 2]);
            __m256i p = _mm256_loadu_si256((const __m256i *)r);
            __m256i q = k + 1 < n ? _mm256_loadu_si256((const __m256i *)(r + stride)) : z;
            __m256i lo = _mm256_unpacklo_epi8(p, q), hi = _mm256_unpackhi_epi8(p, q);
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi8(lo, z), w));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi8(lo, z), w));
            a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi8(hi, z), w));
            a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi8(hi, z), w));
        }
        a0 = _mm256_srai_epi32(_mm256_add_epi32(a0, half), CBITS);
        a1 = _mm256_srai_epi32(_mm256_add_epi32(a1, half), CBITS);
        a2 = _mm256_srai_epi32(_mm256_add_epi32(a2, half), CBITS);
        a3 = _mm256_srai_epi32(_mm256_add_epi32(a3, half), CBITS);
        __m256i v = _mm256_packus_epi16(_mm256_packs_epi32(a0, a1), _mm256_packs_epi32(a2, a3));
        _mm256_storeu_si256((__m256i *)(out + x), v);
    }
    _mm256_zeroupper();
    wsum_sse(src + x, stride, c, pair, n, out + x, width - x);
}

NEMO_AVX512 static void wsum_avx512(const uint8_t *src, ptrdiff_t stride, const int16_t *c,
                                    const int32_t *pair, int n, uint8_t *out, int width)
{
    const __m512i z = _mm512_setzero_si512(), half = _mm512_set1_epi32(1 << (CBITS - 1));
    int x = 0;
    for (; x + 64 <= width; x += 64) {
        __m512i a0 = z, a1 = z, a2 = z, a3 = z;
        for (int k = 0; k < n; k += 2) {
            const uint8_t *r = src + k * stride + x;
            __m512i w = _mm512_set1_epi32(pair[k / 2]);
            __m512i p = _mm512_loadu_si512((const void *)r);
            __m512i q = k + 1 < n ? _mm512_loadu_si512((const void *)(r + stride)) : z;
            __m512i lo = _mm512_unpacklo_epi8(p, q), hi = _mm512_unpackhi_epi8(p, q);
            a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_unpacklo_epi8(lo, z), w));
            a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_unpackhi_epi8(lo, z), w));
            a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(_mm512_unpacklo_epi8(hi, z), w));
            a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(_mm512_unpackhi_epi8(hi, z), w));
        }
        a0 = _mm512_srai_epi32(_mm512_add_epi32(a0, half), CBITS);
        a1 = _mm512_srai_epi32(_mm512_add_epi32(a1, half), CBITS);
        a2 = _mm512_srai_epi32(_mm512_add_epi32(a2, half), CBITS);
        a3 = _mm512_srai_epi32(_mm512_add_epi32(a3, half), CBITS);
        __m512i v = _mm512_packus_epi16(_mm512_packs_epi32(a0, a1), _mm512_packs_epi32(a2, a3));
        _mm512_storeu_si512((void *)(out + x), v);
    }
    _mm256_zeroupper();
    wsum_avx2(src + x, stride, c, pair, n, out + x, width - x);
}

/* d[j][i] = s[i][j]: 16x16 blocks by 4 rounds of pairing row i with row i + 8 (bytes, then
 * their pairs, quads, octets interleave), the edges scalar. */
NEMO_SSSE3 static inline __attribute__((always_inline)) void
transpose_sse(const uint8_t *s, ptrdiff_t ss, uint8_t *d, ptrdiff_t ds, int rows, int cols)
{
    int r16 = rows & ~15, c16 = cols & ~15;
    for (int i = 0; i < r16; i += 16) {
        for (int j = 0; j < c16; j += 16) {
            __m128i r[16], t[16];
            for (int k = 0; k < 16; k++) r[k] = _mm_loadu_si128((const __m128i *)(s + (i + k) * ss + j));
            for (int round = 0; round < 4; round++) {
                for (int k = 0; k < 8; k++) {
                    t[2 * k] = _mm_unpacklo_epi8(r[k], r[k + 8]);
                    t[2 * k + 1] = _mm_unpackhi_epi8(r[k], r[k + 8]);
                }
                memcpy(r, t, sizeof r);
            }
            for (int k = 0; k < 16; k++) _mm_storeu_si128((__m128i *)(d + (j + k) * ds + i), r[k]);
        }
    }
    transpose_scalar(s, ss, d, ds, rows, cols, r16, c16);
}

NEMO_SSSE3 static void transpose_ssse3(const uint8_t *s, ptrdiff_t ss, uint8_t *d, ptrdiff_t ds,
                                       int rows, int cols)
{
    transpose_sse(s, ss, d, ds, rows, cols);
}

/* The same instructions, given the 32 vector registers of AVX-512: the block's 16 rows and
 * their 16 unpacked ones all fit, nothing goes through the stack. */
NEMO_AVX512 static void transpose_avx512(const uint8_t *s, ptrdiff_t ss, uint8_t *d,
                                         ptrdiff_t ds, int rows, int cols)
{
    transpose_sse(s, ss, d, ds, rows, cols);
}
#endif

static void wsum(int level, const uint8_t *src, ptrdiff_t stride, const Taps *t, int o,
                 uint8_t *out, int width)
{
    const int16_t *c = t->c + (size_t)o * (size_t)t->width;
    const int32_t *pair = t->pair + (size_t)o * (size_t)(t->width / 2);
    int n = t->n[o];
    switch (level) {
#if NEMO_X86
    case AVX512: wsum_avx512(src, stride, c, pair, n, out, width); return;
    case AVX2: wsum_avx2(src, stride, c, pair, n, out, width); return;
    case SSSE3: wsum_sse(src, stride, c, pair, n, out, width); return;
#endif
    default: (void)pair; wsum_scalar(src, stride, c, n, out, 0, width);
    }
}

static void transpose(int level, const uint8_t *s, ptrdiff_t ss, uint8_t *d, ptrdiff_t ds,
                      int rows, int cols)
{
#if NEMO_X86
    if (level == AVX512) {
        transpose_avx512(s, ss, d, ds, rows, cols);
        return;
    }
    if (level > SCALAR) {
        transpose_ssse3(s, ss, d, ds, rows, cols);
        return;
    }
#endif
    (void)level;
    transpose_scalar(s, ss, d, ds, rows, cols, 0, 0);
}

static void *aligned64(void *block)
{
    return block ? (void *)(((uintptr_t)block + 63) & ~(uintptr_t)63) : NULL;
}

static PyObject *shrink(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *names[] = {"src", "dst", "x0", "y0", "x1", "y1", "simd", NULL};
    PyObject *src_obj, *dst_obj, *simd = NULL;
    double x0, y0, x1, y1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOdddd|O", names, &src_obj, &dst_obj, &x0,
                                     &y0, &x1, &y1, &simd))
        return NULL;
    int level = parse_level(simd);
    if (level < 0) return NULL;
    Py_buffer src, dst;
    if (PyObject_GetBuffer(src_obj, &src, PyBUF_STRIDES | PyBUF_FORMAT) < 0) return NULL;
    if (PyObject_GetBuffer(dst_obj, &dst, PyBUF_STRIDES | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&src);
        return NULL;
    }
    PyObject *result = NULL;
    if (check_plane(&src, "src") < 0 || check_plane(&dst, "dst") < 0) goto done;
    int sh = (int)src.shape[0], sw = (int)src.shape[1];
    int dh = (int)dst.shape[0], dw = (int)dst.shape[1];
    if (!(isfinite(x0) && isfinite(y0) && isfinite(x1) && isfinite(y1) && 0 <= x0 && x0 < x1
          && x1 <= sw && 0 <= y0 && y0 < y1 && y1 <= sh)) {
        char msg[200];
        PyOS_snprintf(msg, sizeof msg,
                      "the box (%.6g, %.6g, %.6g, %.6g) must be non-empty and inside src (%d x %d)",
                      x0, y0, x1, y1, sw, sh);
        PyErr_SetString(PyExc_ValueError, msg);
        goto done;
    }
    if (dw == 0 || dh == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    Taps ty = {0}, tx = {0};
    void *blocks[3] = {NULL, NULL, NULL};
    int failed = plan_taps(&ty, y0, y1, sh, dh) < 0 || plan_taps(&tx, x0, x1, sw, dw) < 0;
    int xlo = 0, span = 0;
    uint8_t *rows = NULL, *cols = NULL, *outs = NULL;
    ptrdiff_t rstride = 0;
    if (!failed) {
        int xhi = 0;
        xlo = sw;
        for (int o = 0; o < dw; o++) {
            if (tx.lo[o] < xlo) xlo = tx.lo[o];
            if (tx.lo[o] + tx.n[o] > xhi) xhi = tx.lo[o] + tx.n[o];
        }
        span = xhi - xlo;
        rstride = ((ptrdiff_t)span + 63) & ~(ptrdiff_t)63;
        /* the strip's rows filtered vertically; the same transposed; the outputs transposed.
         * Zeroed: a last strip shorter than STRIP leaves its unused lanes as they are. */
        blocks[0] = PyMem_RawCalloc((size_t)rstride * STRIP + 64, 1);
        blocks[1] = PyMem_RawCalloc((size_t)span * STRIP + 64, 1);
        blocks[2] = PyMem_RawCalloc((size_t)dw * STRIP + 64, 1);
        rows = aligned64(blocks[0]);
        cols = aligned64(blocks[1]);
        outs = aligned64(blocks[2]);
        failed = !rows || !cols || !outs;
    }
    if (!failed) {
        const uint8_t *sp = src.buf;
        uint8_t *dp = dst.buf;
        Py_ssize_t ss = src.strides[0], ds = dst.strides[0];
        Py_BEGIN_ALLOW_THREADS
        for (int y = 0; y < dh; y += STRIP) {
            int strip = dh - y < STRIP ? dh - y : STRIP;
            for (int r = 0; r < strip; r++)
                wsum(level, sp + (size_t)ty.lo[y + r] * (size_t)ss + xlo, ss, &ty, y + r,
                     rows + r * rstride, span);
            transpose(level, rows, rstride, cols, STRIP, strip, span);
            for (int x = 0; x < dw; x++)
                wsum(level, cols + (size_t)(tx.lo[x] - xlo) * STRIP, STRIP, &tx, x,
                     outs + (size_t)x * STRIP, STRIP);
            transpose(level, outs, STRIP, dp + (size_t)y * (size_t)ds, ds, dw, strip);
        }
        Py_END_ALLOW_THREADS
        result = Py_NewRef(Py_None);
    } else {
        PyErr_NoMemory();
    }
    free_taps(&ty);
    free_taps(&tx);
    for (int b = 0; b < 3; b++) PyMem_RawFree(blocks[b]);
done:
    PyBuffer_Release(&src);
    PyBuffer_Release(&dst);
    return result;
}

static PyMethodDef methods[] = {
    {"resample", (PyCFunction)(void (*)(void))resample, METH_VARARGS | METH_KEYWORDS,
     "resample(src, dst, x0, y0, sx, sy, simd=True)\n--\n\n"
     "Fill the uint8 plane dst with src sampled bilinearly at\n"
     "(x0 + (x + .5) * sx - .5, y0 + (y + .5) * sy - .5), edges repeated.\n"
     "simd: True for the best level this CPU runs, False for the scalar code, or a name\n"
     "from LEVELS to run that level (every level gives the same bytes)."},
    {"shrink", (PyCFunction)(void (*)(void))shrink, METH_VARARGS | METH_KEYWORDS,
     "shrink(src, dst, x0, y0, x1, y1, simd=True)\n--\n\n"
     "Fill the uint8 plane dst with the box [x0, x1) x [y0, y1) of src (fractional,\n"
     "as Pillow's box=) resized by an antialiased Lanczos-3 filter, as Pillow's LANCZOS.\n"
     "simd as for resample."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_resample",
    "Resampling of 8-bit planes: separable bilinear with exact sub-pixel offsets (frames),\n"
    "antialiased Lanczos-3 of a fractional box (preparing stills).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__resample(void)
{
    best_level = cpu_level();
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    PyObject *levels = PyTuple_New(best_level + 1);
    if (levels == NULL) goto fail;
    for (int l = 0; l <= best_level; l++) {
        PyObject *name = PyUnicode_FromString(level_names[l]);
        if (name == NULL) { Py_DECREF(levels); goto fail; }
        PyTuple_SET_ITEM(levels, l, name);
    }
    if (PyModule_AddObject(m, "LEVELS", levels) < 0) { Py_DECREF(levels); goto fail; }
    if (PyModule_AddObjectRef(m, "SIMD", best_level > SCALAR ? Py_True : Py_False) < 0) goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
