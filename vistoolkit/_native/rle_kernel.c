/*
 * Python boundary of the single-pass compressed-RLE kernel (issue 13): collect one video's
 * frames, release the GIL for ``rle_core.c`` (decode, validate, intersect), return the sums.
 */
#include <stdio.h>
#include <string.h>

#include "rle_core.h"

static PyObject *CountsError;    /* vistoolkit._native._rle_kernel.CountsError(ValueError) */
static PyObject *FrameFormError; /* a frame the kernel does not take (TypeError) */
static PyObject *key_size, *key_counts; /* interned "size", "counts" */
/* msgspec.Raw, or NULL: a JSON string span (quotes included) kept by the evaluator's loader
 * instead of a str; ``adopt_raw_frames`` admits only spans whose characters need no unescaping */
static PyTypeObject *RawType;

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

static int set_attr(PyObject *obj, const char *name, PyObject *value)
{
    int rc = value == NULL ? -1 : PyObject_SetAttrString(obj, name, value);
    Py_XDECREF(value);
    return rc;
}

/* Raise ``cls("<side> <index>, frame <f>: <why>")`` with attributes side, track, frame for the
 * track ``slot`` (GT tracks first, then predictions). */
static void raise_frame_error(PyObject *cls, const Video *v, Py_ssize_t slot, Py_ssize_t frame,
                              const char *why)
{
    int is_gt = slot < v->n_gt;
    Py_ssize_t index = is_gt ? slot : slot - v->n_gt;
    PyObject *err = PyObject_CallFunction(cls, "N", PyUnicode_FromFormat(
        "%s %zd, frame %zd: %s", is_gt ? "GT track" : "prediction", index, frame, why));
    if (err == NULL)
        return;
    if (set_attr(err, "side", PyUnicode_FromString(is_gt ? "gt" : "prediction")) == 0
        && set_attr(err, "track", PyLong_FromSsize_t(index)) == 0
        && set_attr(err, "frame", PyLong_FromSsize_t(frame)) == 0)
        PyErr_SetObject(cls, err);
    Py_DECREF(err);
}

/* ``size`` is the list [height, width] of exact ints (what the validator calls the video size). */
static int size_matches(PyObject *size, const Video *v)
{
    int overflow = 0;
    PyObject *h, *w;
    if (size == NULL || !PyList_CheckExact(size) || PyList_GET_SIZE(size) != 2)
        return 0;
    h = PyList_GET_ITEM(size, 0);
    w = PyList_GET_ITEM(size, 1);
    return PyLong_CheckExact(h) && PyLong_CheckExact(w)
           && PyLong_AsLongLongAndOverflow(h, &overflow) == v->height && !overflow
           && PyLong_AsLongLongAndOverflow(w, &overflow) == v->width && !overflow;
}

/* Point ``fr`` at the characters of ``obj``: None (absent), counts (str, bytes-like) or a
 * compressed-RLE dict ``{"size": [height, width], "counts": str | bytes}``. -1 with an exception
 * set (``FrameFormError`` for any other frame), or with ``fail`` filled in (a str that has no
 * UTF-8 form) and no exception set. */
static int frame_from_object(Video *v, Frame *fr, PyObject *obj, Py_ssize_t slot,
                             Py_ssize_t frame, Failure *fail)
{
    if (obj == Py_None)
        return 0;
    if (PyDict_Check(obj)) {
        PyObject *counts = PyDict_GetItemWithError(obj, key_counts);
        if (counts == NULL && PyErr_Occurred())
            return -1;
        if (counts == NULL || counts == Py_None || PyDict_Check(counts)
            || !size_matches(PyDict_GetItemWithError(obj, key_size), v)) {
            if (!PyErr_Occurred())
                raise_frame_error(FrameFormError, v, slot, frame,
                                  "not a compressed RLE of the video size");
            return -1;
        }
        obj = counts;
    }
    if (RawType != NULL && Py_TYPE(obj) == RawType) { /* "...": the characters between */
        Py_buffer *view = &v->views[v->n_views];
        const unsigned char *s;
        if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0)
            return -1;
        v->n_views++;
        s = view->buf;
        if (view->len < 2 || s[0] != '"' || s[view->len - 1] != '"') {
            raise_frame_error(FrameFormError, v, slot, frame, "raw RLE counts are not a string");
            return -1;
        }
        fr->text = s + 1;
        fr->len = view->len - 2;
        fr->escaped = 1;
        return 0;
    }
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
    raise_frame_error(FrameFormError, v, slot, frame,
                      "a frame must be None, RLE counts (str, bytes) or a compressed-RLE dict");
    return -1;
}

/* Collect the tracks of ``gt`` and ``det`` (sequences of sequences) into ``v``; -1 with an
 * exception set or with ``fail`` filled in. */
static int video_collect(Video *v, PyObject *gt, PyObject *det, int64_t height, int64_t width,
                         Failure *fail)
{
    PyObject *sides[2] = {gt, det}, *fast[2] = {NULL, NULL}, *items = NULL;
    Py_ssize_t s, t, f, n_tracks, slot = 0, n_frames = 0;
    int ok = -1;

    memset(v, 0, sizeof(*v));
    v->height = height;
    v->width = width;
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

/* Track categories from ``gt_cat`` (G ints) and ``det_cat`` (D ints); both None: every pair is
 * intersected. -1 with an exception set. */
static int set_categories(Video *v, PyObject *gt_cat, PyObject *det_cat)
{
    PyObject *sides[2] = {gt_cat, det_cat};
    Py_ssize_t sizes[2] = {v->n_gt, v->n_det}, s, t, slot = 0;
    if (gt_cat == Py_None && det_cat == Py_None)
        return 0;
    for (s = 0; s < 2; s++) {
        PyObject *fast = PySequence_Fast(sides[s], "categories must be a sequence of ints");
        if (fast == NULL)
            return -1;
        if (PySequence_Fast_GET_SIZE(fast) != sizes[s]) {
            PyErr_SetString(PyExc_ValueError, "categories: one int per track expected");
            Py_DECREF(fast);
            return -1;
        }
        for (t = 0; t < sizes[s]; t++, slot++) {
            long long c = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(fast, t));
            if (c == -1 && PyErr_Occurred()) {
                Py_DECREF(fast);
                return -1;
            }
            v->tracks[slot].category = c;
        }
        Py_DECREF(fast);
    }
    v->by_category = 1;
    return 0;
}

static void raise_counts_error(const Video *v, const Failure *fail)
{
    raise_frame_error(CountsError, v, fail->track, fail->frame, fail->message);
}

static PyObject *new_int64_buffer(Py_ssize_t n) /* zero-filled, n int64 */
{
    PyObject *buf = PyByteArray_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int64_t));
    if (buf != NULL && n > 0)
        memset(PyByteArray_AS_STRING(buf), 0, n * sizeof(int64_t));
    return buf;
}

PyDoc_STRVAR(video_overlaps_doc,
"video_overlaps(gt, pred, height, width[, gt_cat, pred_cat]) -> (inter, union, det_area,\n"
"gt_area, L)\n\n"
"gt: G tracks, pred: D tracks, each a sequence of per-frame frames: None, counts (str,\n"
"bytes-like) or a dict {'size': [height, width], 'counts': str | bytes}. Returns native-int64\n"
"bytearrays inter, union (D, G) summed over zip(frames), det_area (D, L) and gt_area (G, L)\n"
"(0 where absent), and L. With gt_cat, pred_cat (G and D ints), pairs of different categories\n"
"get inter 0. Raises CountsError (ValueError), FrameFormError (TypeError: another frame, or a\n"
"dict of another size) or TypeError.");

static PyObject *video_overlaps(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *gt, *det, *gt_cat = Py_None, *det_cat = Py_None;
    PyObject *inter = NULL, *uni = NULL, *det_area = NULL, *gt_area = NULL;
    PyObject *result = NULL;
    long long height, width;
    Py_ssize_t f, arena_len = 0;
    Interval *arena = NULL;
    Failure fail = {"", -1, -1};
    Video v;
    int rc = 0;

    if (!PyArg_ParseTuple(args, "OOLL|OO:video_overlaps", &gt, &det, &height, &width, &gt_cat,
                          &det_cat))
        return NULL;
    if (height < 0 || width < 0 || height > (long long)UINT32_MAX || width > (long long)UINT32_MAX
        || height * width > (long long)UINT32_MAX) {
        /* pycocotools' RLE runs are 32-bit, so no valid counts string covers more pixels */
        PyErr_Format(PyExc_ValueError, "invalid mask size %lld x %lld", height, width);
        return NULL;
    }
    if (video_collect(&v, gt, det, height, width, &fail) < 0) {
        if (fail.track >= 0)
            raise_counts_error(&v, &fail);
        video_release(&v);
        return NULL;
    }
    if (set_categories(&v, gt_cat, det_cat) < 0) {
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
    rc = rle_decode_all(&v, arena, (int64_t)height * (int64_t)width, &fail);
    if (rc == 0)
        rle_accumulate(&v, (int64_t *)PyByteArray_AS_STRING(inter),
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

PyDoc_STRVAR(share_sizes_doc,
"share_sizes(frames, cache) -> None\n\n"
"In every dict of the list ``frames`` whose 'size' is a list, replace it by the equal list kept\n"
"in ``cache`` (a dict, keyed by the size as a tuple; the first one seen is kept): a result\n"
"file's frames then hold one size list per mask size instead of one each.");

static PyObject *share_sizes(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *frames, *cache, *last = NULL; /* last: the shared list of the previous frame */
    Py_ssize_t i;
    if (!PyArg_ParseTuple(args, "O!O!:share_sizes", &PyList_Type, &frames, &PyDict_Type, &cache))
        return NULL;
    for (i = 0; i < PyList_GET_SIZE(frames); i++) {
        PyObject *frame = PyList_GET_ITEM(frames, i), *size, *key, *shared;
        int same;
        if (!PyDict_CheckExact(frame))
            continue;
        size = PyDict_GetItemWithError(frame, key_size);
        if (size == NULL && PyErr_Occurred())
            return NULL;
        if (size == NULL || !PyList_CheckExact(size) || size == last)
            continue;
        same = last != NULL ? PyObject_RichCompareBool(size, last, Py_EQ) : 0;
        if (same < 0)
            return NULL;
        if (!same) {
            if ((key = PyList_AsTuple(size)) == NULL)
                return NULL;
            shared = PyDict_SetDefault(cache, key, size); /* borrowed; the cache keeps it */
            Py_DECREF(key);
            if (shared == NULL)
                return NULL;
            last = shared;
        }
        if (last != size && PyDict_SetItem(frame, key_size, last) < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* A JSON string span (quotes included, escapes valid: msgspec checked them) whose text is
 * RLE counts characters only, '0'..'o', with "\\" the only escape (a backslash is one of
 * them): the kernel reads such a span as it is (``Frame.escaped``). */
static int plain_counts(const unsigned char *s, Py_ssize_t n)
{
    const unsigned char *p, *end, *b;
    unsigned char seen = 0;
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return 0;
    end = s + n - 1;
    for (p = s + 1; p < end; p++) /* bytewise, branch-free: the compiler vectorises it */
        seen |= (unsigned char)(*p - 48u); /* 0..63 for '0'..'o', else a high bit is set */
    if (seen & 0xc0)
        return 0;
    for (b = memchr(s + 1, '\\', end - s - 1); b != NULL; b = memchr(b, '\\', end - b)) {
        if (b + 1 >= end || b[1] != '\\')
            return 0; /* \b, \f, \n (in range): left to the strict reader */
        b += 2;
    }
    return 1;
}

/* The span of a JSON array of two integers, "[h,w]" (JSON white space allowed), into ``hw``;
 * 0 for anything else (more or fewer numbers, fractions, exponents, over 18 digits). */
static int parse_size(const unsigned char *s, Py_ssize_t n, long long hw[2])
{
    Py_ssize_t p = 0;
    int k;
#define SKIP_WS() while (p < n && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r')) p++
    SKIP_WS();
    if (p >= n || s[p++] != '[')
        return 0;
    for (k = 0; k < 2; k++) {
        int neg = 0, digits = 0;
        long long x = 0;
        SKIP_WS();
        if (p < n && s[p] == '-') {
            neg = 1;
            p++;
        }
        if (p < n && s[p] == '0' && p + 1 < n && s[p + 1] >= '0' && s[p + 1] <= '9')
            return 0; /* a leading zero: not JSON */
        while (p < n && s[p] >= '0' && s[p] <= '9' && digits < 19) {
            x = x * 10 + (s[p++] - '0');
            digits++;
        }
        if (digits == 0 || digits > 18)
            return 0;
        hw[k] = neg ? -x : x;
        SKIP_WS();
        if (p >= n || s[p++] != (k == 0 ? ',' : ']'))
            return 0;
    }
    SKIP_WS();
#undef SKIP_WS
    return p == n;
}

PyDoc_STRVAR(adopt_raw_frames_doc,
"adopt_raw_frames(frames, cache) -> bool\n\n"
"frames: a list of None, polygons (lists) and dicts of msgspec.Raw spans. Each dict must be\n"
"exactly {'size': [h, w], 'counts': a plain JSON string (RLE characters '0'..'o' only, the\n"
"backslash written \\\\)}; its 'size' is replaced, in place, by the list [h, w] kept in\n"
"``cache`` (keyed by (h, w): one list per mask size, as share_sizes). False (the list then\n"
"partly converted) at the first frame of another form, or without msgspec.Raw.");

static PyObject *adopt_raw_frames(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *frames, *cache, *last = NULL, *last_raw = NULL; /* the previous frame's size */
    Py_buffer last_view;
    Py_ssize_t i;
    int ok = 0;
    if (!PyArg_ParseTuple(args, "O!O!:adopt_raw_frames", &PyList_Type, &frames, &PyDict_Type,
                          &cache))
        return NULL;
    if (RawType == NULL)
        Py_RETURN_FALSE;
    for (i = 0; i < PyList_GET_SIZE(frames); i++) {
        PyObject *frame = PyList_GET_ITEM(frames, i), *size, *counts;
        Py_buffer view;
        int plain;
        if (frame == Py_None || PyList_CheckExact(frame))
            continue;
        if (!PyDict_CheckExact(frame) || PyDict_GET_SIZE(frame) != 2)
            goto done;
        counts = PyDict_GetItemWithError(frame, key_counts); /* borrowed */
        size = PyDict_GetItemWithError(frame, key_size);
        if (PyErr_Occurred())
            goto error;
        if (counts == NULL || size == NULL || Py_TYPE(counts) != RawType
            || Py_TYPE(size) != RawType)
            goto done;
        if (PyObject_GetBuffer(counts, &view, PyBUF_SIMPLE) < 0)
            goto error;
        plain = plain_counts(view.buf, view.len);
        PyBuffer_Release(&view);
        if (!plain)
            goto done;
        if (PyObject_GetBuffer(size, &view, PyBUF_SIMPLE) < 0)
            goto error;
        if (last_raw == NULL || view.len != last_view.len
            || memcmp(view.buf, last_view.buf, view.len) != 0) {
            long long hw[2];
            PyObject *key, *list;
            if (!parse_size(view.buf, view.len, hw)) {
                PyBuffer_Release(&view);
                goto done;
            }
            if (last_raw != NULL)
                PyBuffer_Release(&last_view);
            last_view = view; /* keeps the span alive while it is compared */
            last_raw = size;
            key = Py_BuildValue("(LL)", hw[0], hw[1]);
            list = Py_BuildValue("[LL]", hw[0], hw[1]);
            last = key != NULL && list != NULL ? PyDict_SetDefault(cache, key, list) : NULL;
            Py_XDECREF(key);
            Py_XDECREF(list);
            if (last == NULL) /* borrowed; the cache keeps it */
                goto error;
        } else
            PyBuffer_Release(&view);
        if (PyDict_SetItem(frame, key_size, last) < 0)
            goto error;
    }
    ok = 1;
done:
    if (last_raw != NULL)
        PyBuffer_Release(&last_view);
    return PyBool_FromLong(ok);
error:
    if (last_raw != NULL)
        PyBuffer_Release(&last_view);
    return NULL;
}

static PyMethodDef methods[] = {
    {"adopt_raw_frames", adopt_raw_frames, METH_VARARGS, adopt_raw_frames_doc},
    {"share_sizes", share_sizes, METH_VARARGS, share_sizes_doc},
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
    PyObject *m = PyModule_Create(&module), *msgspec;
    if (m == NULL)
        return NULL;
    CountsError = PyErr_NewExceptionWithDoc(
        "vistoolkit._native.CountsError",
        "A malformed compressed RLE counts string; attributes side ('gt' or 'prediction'), "
        "track and frame (0-based).", PyExc_ValueError, NULL);
    FrameFormError = PyErr_NewExceptionWithDoc(
        "vistoolkit._native.FrameFormError",
        "A frame that is not None, RLE counts or a compressed-RLE dict of the video size "
        "(polygon, uncompressed RLE, another size); attributes side, track and frame.",
        PyExc_TypeError, NULL);
    msgspec = PyImport_ImportModule("msgspec");
    if (msgspec != NULL) {
        PyObject *raw = PyObject_GetAttrString(msgspec, "Raw");
        Py_DECREF(msgspec);
        if (raw != NULL && PyType_Check(raw))
            RawType = (PyTypeObject *)raw; /* kept for the module's lifetime */
        else
            Py_XDECREF(raw);
    }
    PyErr_Clear(); /* without msgspec.Raw the kernel takes str and bytes-like counts only */
    key_size = PyUnicode_InternFromString("size");
    key_counts = PyUnicode_InternFromString("counts");
    if (CountsError == NULL || PyModule_AddObjectRef(m, "CountsError", CountsError) < 0
        || FrameFormError == NULL
        || PyModule_AddObjectRef(m, "FrameFormError", FrameFormError) < 0
        || key_size == NULL || key_counts == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
