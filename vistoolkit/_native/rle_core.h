/*
 * Shared records of the single-pass compressed-RLE kernel (issue 13): ``rle_core.c`` decodes and
 * intersects without the GIL, ``rle_kernel.c`` is the Python boundary.
 */
#ifndef VISTOOLKIT_RLE_CORE_H
#define VISTOOLKIT_RLE_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define ERR_LEN 200

typedef struct {
    uint32_t start, end; /* foreground pixels [start, end) in column-major order */
} Interval;

typedef struct {
    const unsigned char *text; /* counts characters; NULL: frame absent */
    Py_ssize_t len;
    int escaped;               /* text is a JSON string body: "\\" stands for a backslash */
    Interval *iv;              /* decoded foreground intervals */
    int64_t n_iv, area;
} Frame;

typedef struct {
    Py_ssize_t first, length; /* this track's frames are frames[first : first + length] */
    int64_t category;         /* pairs of different categories are not intersected */
} Track;

typedef struct {
    Frame *frames;
    Track *tracks;          /* G GT tracks, then D predictions */
    Py_ssize_t n_frames, n_gt, n_det, max_len;
    int64_t height, width;  /* every mask's size */
    int by_category;        /* intersect same-category pairs only (``Track.category``) */
    PyObject **held;        /* str objects whose UTF-8 buffer is borrowed */
    Py_buffer *views;       /* buffers of bytes-like frames */
    Py_ssize_t n_held, n_views;
} Video;

typedef struct {
    char message[ERR_LEN];
    Py_ssize_t track, frame; /* track index over GT then predictions, -1: none */
} Failure;

/* Decode every present frame, GT tracks first, into ``arena`` (``len / 2 + 1`` intervals per
 * frame); 0, or -1 with ``fail`` set. No Python API call: run it without the GIL. */
int rle_decode_all(Video *v, Interval *arena, int64_t n_pix, Failure *fail);

/* inter, uni: (D, G) sums over zip(frames) (with ``by_category``, inter is 0 for pairs of
 * different categories); det_area: (D, L); gt_area: (G, L). No GIL needed. */
void rle_accumulate(const Video *v, int64_t *inter, int64_t *uni, int64_t *det_area,
                    int64_t *gt_area);

#endif
