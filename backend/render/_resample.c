/*
 * Bilinear resampling of one 8-bit plane under a scale + offset map, in two separable passes.
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

static PyMethodDef methods[] = {
    {"resample", (PyCFunction)(void (*)(void))resample, METH_VARARGS | METH_KEYWORDS,
     "resample(src, dst, x0, y0, sx, sy, simd=True)\n--\n\n"
     "Fill the uint8 plane dst with src sampled bilinearly at\n"
     "(x0 + (x + .5) * sx - .5, y0 + (y + .5) * sy - .5), edges repeated.\n"
     "simd: True for the best level this CPU runs, False for the scalar code, or a name\n"
     "from LEVELS to run that level (every level gives the same bytes)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_resample",
    "Separable bilinear resampling of 8-bit planes with exact sub-pixel offsets.", -1, methods,
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
