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
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_GROUPS 12 /* 60 bits: far above any h*w; longer numbers are malformed */
#define ERR_LEN 200

typedef struct {
    uint32_t start, end; /* foreground pixels [start, end) in column-major order */
} Interval;

typedef struct {
    const unsigned char *text; /* counts characters; NULL: frame absent */
    Py_ssize_t len;
    Interval *iv;              /* decoded foreground intervals */
    int64_t n_iv, area;
} Frame;

typedef struct {
    Py_ssize_t first, length; /* this track's frames are frames[first : first + length] */
} Track;

typedef struct {
    Frame *frames;
    Track *tracks;          /* G GT tracks, then D predictions */
    Py_ssize_t n_frames, n_gt, n_det, max_len;
    PyObject **held;        /* str objects whose UTF-8 buffer is borrowed */
    Py_buffer *views;       /* buffers of bytes-like frames */
    Py_ssize_t n_held, n_views;
} Video;

typedef struct {
    char message[ERR_LEN];
    Py_ssize_t track, frame; /* track index over GT then predictions, -1: none */
} Failure;

static PyObject *CountsError; /* vistoolkit._native._rle_kernel.CountsError(ValueError) */

/* ---- decoding (no GIL) ------------------------------------------------------------------- */

/* The number starting at s[*p] (general form: several characters); 0 or -1 with ``why``. */
static int read_number(const unsigned char *s, Py_ssize_t n, Py_ssize_t *p, int64_t *value,
                       char *why)
{
    Py_ssize_t begin = *p;
    int64_t x = 0;
    int k = 0;
    for (;;) {
        unsigned int c;
        if (*p >= n) {
            snprintf(why, ERR_LEN, "unterminated number at offset %zd of RLE counts (length %zd)",
                     begin, n);
            return -1;
        }
        c = (unsigned int)s[*p] - 48u; /* wraps to a large value below '0' */
        if (c > 63u) {
            snprintf(why, ERR_LEN, "invalid character 0x%02x at offset %zd of RLE counts "
                     "(allowed '0'..'o')", s[*p], *p);
            return -1;
        }
        if (k == MAX_GROUPS) {
            snprintf(why, ERR_LEN, "number at offset %zd of RLE counts is longer than %d "
                     "characters", begin, MAX_GROUPS);
            return -1;
        }
        x |= (int64_t)(c & 0x1f) << (5 * k);
        (*p)++;
        k++;
        if (!(c & 0x20)) {
            if (c & 0x10)
                x |= (int64_t)(~(uint64_t)0 << (5 * k)); /* sign extension */
            *value = x;
            return 0;
        }
    }
}

/* The next run of a counts string into ``x`` (delta applied); 0 or -1 with ``why``. */
#define NEXT_RUN(x)                                                                       \
    do {                                                                                  \
        unsigned int c_ = (unsigned int)s[p] - 48u;                                       \
        if (c_ < 32u) { /* the common case: a one-character number */                     \
            x = (c_ & 0x10) ? (int64_t)c_ - 32 : (int64_t)c_;                             \
            p++;                                                                          \
        } else if (read_number(s, n, &p, &x, why) < 0)                                    \
            return -1;                                                                    \
        if (m > 2)                                                                        \
            x += back2;                                                                   \
        if ((uint64_t)x > (uint64_t)(n_pix - pos))                                        \
            return run_error(x, m, n_pix, why);                                           \
        back2 = back1;                                                                    \
        back1 = x;                                                                        \
        m++;                                                                              \
    } while (0)

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

/* Decode one counts string into intervals; 0 on success, else -1 with ``why`` filled in. */
static int decode_counts(Frame *fr, int64_t n_pix, char *why)
{
    const unsigned char *s = fr->text;
    Py_ssize_t p = 0, n = fr->len;
    int64_t back2 = 0, back1 = 0, pos = 0, area = 0, m = 0, x;
    Interval *out = fr->iv;
    int64_t n_out = 0;

    if (n == 0) {
        snprintf(why, ERR_LEN, "empty RLE counts string");
        return -1;
    }
    while (p < n) {
        NEXT_RUN(x); /* background */
        pos += x;
        if (p == n)
            break;
        if (x == 0 && n_out > 0 && out[n_out - 1].end == (uint32_t)pos) {
            /* zero-length background run: extend the last interval */
            NEXT_RUN(x);
            out[n_out - 1].end = (uint32_t)(pos + x);
        } else {
            NEXT_RUN(x); /* foreground */
            out[n_out].start = (uint32_t)pos;
            out[n_out].end = (uint32_t)(pos + x);
            n_out += x > 0;
        }
        area += x;
        pos += x;
    }
    if (pos != n_pix) {
        snprintf(why, ERR_LEN, "runs of RLE counts sum to %lld, expected h*w = %lld",
                 (long long)pos, (long long)n_pix);
        return -1;
    }
    fr->n_iv = n_out;
    fr->area = area;
    return 0;
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
static int decode_all(Video *v, Interval *arena, int64_t n_pix, Failure *fail)
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
static void accumulate(const Video *v, int64_t *inter, int64_t *uni, int64_t *det_area,
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
            for (f = 0; f < n; f++) {
                const Frame *a = &v->frames[td->first + f], *b = &v->frames[tg->first + f];
                int64_t i = 0;
                if (a->area > 0 && b->area > 0)
                    i = intersect(a->iv, a->n_iv, b->iv, b->n_iv);
                i_sum += i;
                u_sum += a->area + b->area - i;
            }
            inter[d * v->n_gt + g] = i_sum;
            uni[d * v->n_gt + g] = u_sum;
        }
    }
}

/* ---- Python boundary (GIL held) ---------------------------------------------------------- */

static void video_release(Video *v)
{
    Py_ssize_t i;
    for (i = 0; i < v->n_held; i++)
        Py_DECREF(v->held[i]);
    for (i = 0; i < v->n_views; i++)
        PyBuffer_Release(&v->views[i]);
    PyMem_Free(v->held);
    PyMem_Free(v->views);
    PyMem_Free(v->frames);
    PyMem_Free(v->tracks);
}

/* Point ``fr`` at the characters of ``obj`` (None: absent); -1 with an exception set, or with
 * ``fail`` filled in (a str that has no UTF-8 form) and no exception set. */
static int frame_from_object(Video *v, Frame *fr, PyObject *obj, Py_ssize_t slot,
                             Py_ssize_t frame, Failure *fail)
{
    if (obj == Py_None)
        return 0;
    if (PyUnicode_Check(obj)) {
        const char *text = PyUnicode_AsUTF8AndSize(obj, &fr->len);
        if (text == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
                return -1;
            PyErr_Clear();
            snprintf(fail->message, ERR_LEN, "RLE counts string is not valid text (surrogates)");
            fail->track = slot;
            fail->frame = frame;
            return -1;
        }
        fr->text = (const unsigned char *)text;
        Py_INCREF(obj);
        v->held[v->n_held++] = obj;
        return 0;
    }
    if (PyObject_CheckBuffer(obj)) {
        Py_buffer *view = &v->views[v->n_views];
        if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0)
            return -1;
        v->n_views++;
        fr->text = view->buf;
        fr->len = view->len;
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "%s %zd, frame %zd: RLE counts must be str, bytes or None, "
                 "not %.100s", slot < v->n_gt ? "GT track" : "prediction",
                 slot < v->n_gt ? slot : slot - v->n_gt, frame, Py_TYPE(obj)->tp_name);
    return -1;
}

/* Collect the tracks of ``gt`` and ``det`` (sequences of sequences) into ``v``; -1 with an
 * exception set or with ``fail`` filled in. */
static int video_collect(Video *v, PyObject *gt, PyObject *det, Failure *fail)
{
    PyObject *sides[2] = {gt, det}, *fast[2] = {NULL, NULL}, *items = NULL;
    Py_ssize_t s, t, f, n_tracks, slot = 0, n_frames = 0;
    int ok = -1;

    memset(v, 0, sizeof(*v));
    for (s = 0; s < 2; s++)
        if ((fast[s] = PySequence_Fast(sides[s], "tracks must be a sequence")) == NULL)
            goto done;
    v->n_gt = PySequence_Fast_GET_SIZE(fast[0]);
    v->n_det = PySequence_Fast_GET_SIZE(fast[1]);
    n_tracks = v->n_gt + v->n_det;
    v->tracks = PyMem_Calloc(n_tracks ? n_tracks : 1, sizeof(Track));
    if (v->tracks == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (s = 0; s < 2; s++) { /* pass 1: lengths */
        for (t = 0; t < PySequence_Fast_GET_SIZE(fast[s]); t++, slot++) {
            Py_ssize_t n = PyObject_Length(PySequence_Fast_GET_ITEM(fast[s], t));
            if (n < 0)
                goto done;
            v->tracks[slot].first = n_frames;
            v->tracks[slot].length = n;
            n_frames += n;
            if (n > v->max_len)
                v->max_len = n;
        }
    }
    v->n_frames = n_frames;
    v->frames = PyMem_Calloc(n_frames ? n_frames : 1, sizeof(Frame));
    v->held = PyMem_Calloc(n_frames ? n_frames : 1, sizeof(PyObject *));
    v->views = PyMem_Calloc(n_frames ? n_frames : 1, sizeof(Py_buffer));
    if (v->frames == NULL || v->held == NULL || v->views == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (s = 0, slot = 0; s < 2; s++) { /* pass 2: frames */
        for (t = 0; t < PySequence_Fast_GET_SIZE(fast[s]); t++, slot++) {
            items = PySequence_Fast(PySequence_Fast_GET_ITEM(fast[s], t),
                                    "a track must be a sequence");
            if (items == NULL)
                goto done;
            if (PySequence_Fast_GET_SIZE(items) != v->tracks[slot].length) {
                PyErr_SetString(PyExc_RuntimeError, "a track changed length during the call");
                goto done;
            }
            for (f = 0; f < v->tracks[slot].length; f++)
                if (frame_from_object(v, &v->frames[v->tracks[slot].first + f],
                                      PySequence_Fast_GET_ITEM(items, f), slot, f, fail) < 0)
                    goto done;
            Py_CLEAR(items);
        }
    }
    ok = 0;
done:
    Py_XDECREF(items);
    Py_XDECREF(fast[0]);
    Py_XDECREF(fast[1]);
    return ok;
}

static int set_attr(PyObject *obj, const char *name, PyObject *value)
{
    int rc = value == NULL ? -1 : PyObject_SetAttrString(obj, name, value);
    Py_XDECREF(value);
    return rc;
}

/* Raise CountsError("<side> <index>, frame <f>: <why>") with attributes side, track, frame. */
static void raise_counts_error(const Video *v, const Failure *fail)
{
    int is_gt = fail->track < v->n_gt;
    Py_ssize_t index = is_gt ? fail->track : fail->track - v->n_gt;
    PyObject *err = PyObject_CallFunction(CountsError, "N", PyUnicode_FromFormat(
        "%s %zd, frame %zd: %s", is_gt ? "GT track" : "prediction", index, fail->frame,
        fail->message));
    if (err == NULL)
        return;
    if (set_attr(err, "side", PyUnicode_FromString(is_gt ? "gt" : "prediction")) == 0
        && set_attr(err, "track", PyLong_FromSsize_t(index)) == 0
        && set_attr(err, "frame", PyLong_FromSsize_t(fail->frame)) == 0)
        PyErr_SetObject(CountsError, err);
    Py_DECREF(err);
}

static PyObject *new_int64_buffer(Py_ssize_t n) /* zero-filled, n int64 */
{
    PyObject *buf = PyByteArray_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int64_t));
    if (buf != NULL && n > 0)
        memset(PyByteArray_AS_STRING(buf), 0, n * sizeof(int64_t));
    return buf;
}

PyDoc_STRVAR(video_overlaps_doc,
"video_overlaps(gt, pred, height, width) -> (inter, union, det_area, gt_area, L)\n\n"
"gt: G tracks, pred: D tracks, each a sequence of per-frame counts (str, bytes-like) or None.\n"
"Returns native-int64 bytearrays inter, union (D, G) summed over zip(frames), det_area (D, L)\n"
"and gt_area (G, L) (0 where absent), and L. Raises CountsError (ValueError) or TypeError.");

static PyObject *video_overlaps(PyObject *self, PyObject *args)
{
    PyObject *gt, *det, *inter = NULL, *uni = NULL, *det_area = NULL, *gt_area = NULL;
    PyObject *result = NULL;
    long long height, width;
    Py_ssize_t f, arena_len = 0;
    Interval *arena = NULL;
    Failure fail = {"", -1, -1};
    Video v;
    int rc = 0;

    if (!PyArg_ParseTuple(args, "OOLL:video_overlaps", &gt, &det, &height, &width))
        return NULL;
    if (height < 0 || width < 0 || height > (long long)UINT32_MAX || width > (long long)UINT32_MAX
        || height * width > (long long)UINT32_MAX) {
        /* pycocotools' RLE runs are 32-bit, so no valid counts string covers more pixels */
        PyErr_Format(PyExc_ValueError, "invalid mask size %lld x %lld", height, width);
        return NULL;
    }
    if (video_collect(&v, gt, det, &fail) < 0) {
        if (fail.track >= 0)
            raise_counts_error(&v, &fail);
        video_release(&v);
        return NULL;
    }
    for (f = 0; f < v.n_frames; f++)
        if (v.frames[f].text != NULL)
            arena_len += v.frames[f].len / 2 + 1;
    arena = PyMem_RawMalloc((arena_len ? arena_len : 1) * sizeof(Interval));
    inter = new_int64_buffer(v.n_det * v.n_gt);
    uni = new_int64_buffer(v.n_det * v.n_gt);
    det_area = new_int64_buffer(v.n_det * v.max_len);
    gt_area = new_int64_buffer(v.n_gt * v.max_len);
    if (arena == NULL || inter == NULL || uni == NULL || det_area == NULL || gt_area == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    rc = decode_all(&v, arena, (int64_t)height * (int64_t)width, &fail);
    if (rc == 0)
        accumulate(&v, (int64_t *)PyByteArray_AS_STRING(inter),
                   (int64_t *)PyByteArray_AS_STRING(uni),
                   (int64_t *)PyByteArray_AS_STRING(det_area),
                   (int64_t *)PyByteArray_AS_STRING(gt_area));
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        raise_counts_error(&v, &fail);
        goto done;
    }
    result = Py_BuildValue("OOOOn", inter, uni, det_area, gt_area, v.max_len);
done:
    PyMem_RawFree(arena);
    Py_XDECREF(inter);
    Py_XDECREF(uni);
    Py_XDECREF(det_area);
    Py_XDECREF(gt_area);
    video_release(&v);
    return result;
}

static PyMethodDef methods[] = {
    {"video_overlaps", video_overlaps, METH_VARARGS, video_overlaps_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_rle_kernel",
    "Single-pass compressed-RLE decode, validation and video IoU sums (issue 13).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__rle_kernel(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    CountsError = PyErr_NewExceptionWithDoc(
        "vistoolkit._native.CountsError",
        "A malformed compressed RLE counts string; attributes side ('gt' or 'prediction'), "
        "track and frame (0-based).", PyExc_ValueError, NULL);
    if (CountsError == NULL || PyModule_AddObjectRef(m, "CountsError", CountsError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
