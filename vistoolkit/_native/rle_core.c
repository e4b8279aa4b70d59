/*
 * Single-pass compressed-RLE kernel for the YouTube-VIS video IoU (issue 13). One call = one
 * video: each GT and prediction counts string is decoded once into its foreground intervals
 * (column-major pixel indices, as pycocotools stores masks), validated, then intersected pairwise
 * frame by frame, all without the GIL so that videos can run on several threads.
 *
 * Counts format (pycocotools' string): a number is written in 5-bit groups, least significant
 * first, one character per group (group + 48, '0'..'o'); bit 0x20 means "more groups follow",
 * bit 0x10 of the last group is the sign. From the fourth number on (index > 2) the value stored
 * is the difference to the number two places back. Runs alternate background/foreground.
 *
 * Video IoU (official YTVOSeval.computeIoU, quirk 2 of docs/ytvis_eval_semantics.md): over
 * zip(frames_d, frames_g), inter += |d & g| and union += |d| + |g| - |d & g| (absent: area 0).
 */
#include <stdio.h>
#include <string.h>

#include "rle_core.h"

#define MAX_GROUPS 12 /* 60 bits: far above any h*w; longer numbers are malformed */

#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define NOINLINE
#define UNLIKELY(x) (x)
#endif

/* The number starting at s[p] (general form: several characters), or -1 with ``why``; the
 * number goes to ``*value`` and the offset after it is returned. ``escaped``: s is the body of a
 * JSON string in which "\\" stands for one backslash (the one escape a counts character can
 * need); the one- and two-character forms of the decode loop never take a backslash (its group,
 * 44, has the continuation bit), so only this form reads escapes. Kept out of line: the loop's
 * offset and value then stay in registers. */
static NOINLINE Py_ssize_t read_number(const unsigned char *s, Py_ssize_t n, Py_ssize_t p,
                                       int64_t *value, char *why, int escaped)
{
    Py_ssize_t begin = p;
    int64_t x = 0;
    int k = 0;
    for (;;) {
        unsigned int c;
        if (p >= n) {
            snprintf(why, ERR_LEN, "unterminated number at offset %zd of RLE counts (length %zd)",
                     begin, n);
            return -1;
        }
        c = (unsigned int)s[p] - 48u; /* wraps to a large value below '0' */
        if (escaped && s[p] == '\\') {
            if (p + 1 >= n || s[p + 1] != '\\') {
                snprintf(why, ERR_LEN, "escape other than \\\\ in raw RLE counts");
                return -1;
            }
            p++; /* the first backslash of the pair */
        }
        if (c > 63u) {
            snprintf(why, ERR_LEN, "invalid character 0x%02x at offset %zd of RLE counts "
                     "(allowed '0'..'o')", s[p], p);
            return -1;
        }
        if (k == MAX_GROUPS) {
            snprintf(why, ERR_LEN, "number at offset %zd of RLE counts is longer than %d "
                     "characters", begin, MAX_GROUPS);
            return -1;
        }
        x |= (int64_t)(c & 0x1f) << (5 * k);
        p++;
        k++;
        if (!(c & 0x20)) {
            if (c & 0x10)
                x |= (int64_t)(~(uint64_t)0 << (5 * k)); /* sign extension */
            *value = x;
            return p;
        }
    }
}

static int run_error(int64_t x, int64_t m, int64_t n_pix, char *why)
{
    if (x < 0)
        snprintf(why, ERR_LEN, "negative run %lld (run %lld) in RLE counts", (long long)x,
                 (long long)m);
    else
        snprintf(why, ERR_LEN, "runs of RLE counts exceed h*w = %lld at run %lld",
                 (long long)n_pix, (long long)m);
    return -1;
}

/* The next number of the counts into ``x``: the one- and two-character forms inline (nearly
 * all numbers of a real mask: a character below 32 after -48 has no continuation bit, 0x20;
 * bit 0x10 of the last group is the sign), any other form or an error by read_number. The
 * forms are told apart by branches, not arithmetic: predicted, they let the processor run
 * ahead to the next number instead of waiting for this one's length. */
#define NEXT_NUMBER(x)                                                                    \
    do {                                                                                  \
        unsigned int c_ = (unsigned int)s[p] - 48u, d_;                                   \
        if (c_ < 32u) { /* the common case: a one-character number */                     \
            x = (int64_t)c_ - (int64_t)((c_ & 0x10) << 1);                                \
            p++;                                                                          \
        } else if (c_ < 64u && p + 1 < n && (d_ = (unsigned int)s[p + 1] - 48u) < 32u) {  \
            x = (int64_t)(c_ & 0x1f) | ((int64_t)d_ << 5); /* two characters */           \
            x -= (int64_t)((d_ & 0x10) << 6);                                             \
            p += 2;                                                                       \
        } else {                                                                          \
            if ((p = read_number(s, n, p, &slow_, why, escaped)) < 0)                     \
                return -1;                                                                \
            x = slow_;                                                                    \
        }                                                                                 \
    } while (0)

/* The next run of a counts string into ``x`` (``DELTA``: the number plus the run two places
 * back, from the fourth run on), checked against what is left of the mask; -1 with ``why``. */
#define NEXT_RUN(x, DELTA)                                                                \
    do {                                                                                  \
        NEXT_NUMBER(x);                                                                   \
        if (DELTA)                                                                        \
            x += back2;                                                                   \
        if (UNLIKELY((uint64_t)x > (uint64_t)(n_pix - pos)))                              \
            return run_error(x, m, n_pix, why);                                           \
        back2 = back1;                                                                    \
        back1 = x;                                                                        \
        m++;                                                                              \
    } while (0)

/* One background run and the foreground run after it (absent at the end of the string). */
#define NEXT_PAIR(DELTA_BG, DELTA_FG)                                                     \
    do {                                                                                  \
        NEXT_RUN(x, DELTA_BG); /* background */                                           \
        pos += x;                                                                         \
        if (p == n)                                                                       \
            goto end;                                                                     \
        if (x == 0 && n_out > 0 && out[n_out - 1].end == (uint32_t)pos) {                 \
            /* zero-length background run: extend the last interval */                    \
            NEXT_RUN(x, DELTA_FG);                                                        \
            out[n_out - 1].end = (uint32_t)(pos + x);                                     \
        } else {                                                                          \
            NEXT_RUN(x, DELTA_FG); /* foreground */                                       \
            out[n_out].start = (uint32_t)pos;                                             \
            out[n_out].end = (uint32_t)(pos + x);                                         \
            n_out += x > 0;                                                               \
        }                                                                                 \
        area += x;                                                                        \
        pos += x;                                                                         \
    } while (0)

/* Decode the counts string s[0:n] into the intervals of ``fr``; 0 on success, else -1 with
 * ``why`` filled in (``escaped``: see read_number). */
static int decode_text(Frame *fr, const unsigned char *s, Py_ssize_t n, int escaped,
                       int64_t n_pix, char *why)
{
    Py_ssize_t p = 0;
    int64_t back2 = 0, back1 = 0, pos = 0, area = 0, m = 0, x, slow_;
    Interval *out = fr->iv;
    int64_t n_out = 0;

    if (n == 0) {
        snprintf(why, ERR_LEN, "empty RLE counts string");
        return -1;
    }
    NEXT_PAIR(0, 0);     /* runs 0 and 1: as written */
    if (p < n)
        NEXT_PAIR(0, 1); /* run 2 as written, run 3 on: plus the run two places back */
    while (p < n)
        NEXT_PAIR(1, 1);
end:
    if (pos != n_pix) {
        snprintf(why, ERR_LEN, "runs of RLE counts sum to %lld, expected h*w = %lld",
                 (long long)pos, (long long)n_pix);
        return -1;
    }
    fr->n_iv = n_out;
    fr->area = area;
    return 0;
}

/* Decode one frame's counts. An escaped string (a JSON span) that fails is decoded again from
 * its unescaped copy, so that the message (offsets, length) is the one its str would get. */
static int decode_counts(Frame *fr, int64_t n_pix, char *why)
{
    unsigned char *copy;
    Py_ssize_t i, j;
    int rc;
    if (decode_text(fr, fr->text, fr->len, fr->escaped, n_pix, why) == 0)
        return 0;
    if (!fr->escaped || memchr(fr->text, '\\', fr->len) == NULL)
        return -1;
    copy = PyMem_RawMalloc(fr->len ? fr->len : 1);
    if (copy == NULL)
        return -1; /* keep the first message */
    for (i = 0, j = 0; i < fr->len; i++, j++) {
        copy[j] = fr->text[i];
        if (fr->text[i] == '\\' && i + 1 < fr->len && fr->text[i + 1] == '\\')
            i++;
    }
    rc = decode_text(fr, copy, j, 0, n_pix, why);
    PyMem_RawFree(copy);
    if (rc == 0) /* cannot happen: escapes are only read as in the copy */
        snprintf(why, ERR_LEN, "malformed escapes in raw RLE counts");
    return -1;
}

/* First index in a[0:n] whose end is > pos (n if none); ends are increasing. */
static int64_t first_ending_after(const Interval *a, int64_t n, int64_t pos)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (a[mid].end > pos)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Pixels in both interval lists (each sorted and disjoint); only the window where both have
 * foreground is walked. */
static int64_t intersect(const Interval *a, int64_t na, const Interval *b, int64_t nb)
{
    int64_t i, j, lo, hi, total = 0;
    if (na == 0 || nb == 0)
        return 0;
    lo = a[0].start > b[0].start ? a[0].start : b[0].start; /* window where both have pixels */
    hi = a[na - 1].end < b[nb - 1].end ? a[na - 1].end : b[nb - 1].end;
    if (lo >= hi)
        return 0;
    i = a[0].start >= lo ? 0 : first_ending_after(a, na, lo);
    j = b[0].start >= lo ? 0 : first_ending_after(b, nb, lo);
    while (i < na && j < nb) {
        int64_t s = a[i].start > b[j].start ? a[i].start : b[j].start;
        int64_t e = a[i].end < b[j].end ? a[i].end : b[j].end;
        if (s >= hi)
            break;
        if (e > s)
            total += e - s;
        if (a[i].end < b[j].end)
            i++;
        else
            j++;
    }
    return total;
}

/* Decode every present frame, GT tracks first; 0 or -1 with ``fail`` set. */
int rle_decode_all(Video *v, Interval *arena, int64_t n_pix, Failure *fail)
{
    Py_ssize_t t, f;
    for (t = 0; t < v->n_gt + v->n_det; t++) {
        for (f = 0; f < v->tracks[t].length; f++) {
            Frame *fr = &v->frames[v->tracks[t].first + f];
            if (fr->text == NULL)
                continue;
            fr->iv = arena;
            if (decode_counts(fr, n_pix, fail->message) < 0) {
                fail->track = t;
                fail->frame = f;
                return -1;
            }
            arena += fr->len / 2 + 1; /* a number takes >= 1 character, an interval 2 */
        }
    }
    return 0;
}

/* inter, uni: (D, G); det_area: (D, L); gt_area: (G, L). */
void rle_accumulate(const Video *v, int64_t *inter, int64_t *uni, int64_t *det_area,
                    int64_t *gt_area)
{
    Py_ssize_t d, g, f, L = v->max_len;
    for (g = 0; g < v->n_gt; g++)
        for (f = 0; f < v->tracks[g].length; f++)
            gt_area[g * L + f] = v->frames[v->tracks[g].first + f].area;
    for (d = 0; d < v->n_det; d++) {
        const Track *td = &v->tracks[v->n_gt + d];
        for (f = 0; f < td->length; f++)
            det_area[d * L + f] = v->frames[td->first + f].area;
        for (g = 0; g < v->n_gt; g++) {
            const Track *tg = &v->tracks[g];
            Py_ssize_t n = td->length < tg->length ? td->length : tg->length; /* zip() */
            int64_t i_sum = 0, u_sum = 0;
            int same = !v->by_category || td->category == tg->category;
            for (f = 0; f < n; f++) {
                const Frame *a = &v->frames[td->first + f], *b = &v->frames[tg->first + f];
                int64_t i = 0;
                if (same && a->area > 0 && b->area > 0)
                    i = intersect(a->iv, a->n_iv, b->iv, b->n_iv);
                i_sum += i;
                u_sum += a->area + b->area - i;
            }
            inter[d * v->n_gt + g] = i_sum;
            uni[d * v->n_gt + g] = u_sum;
        }
    }
}
