"""Build hook for the optional native RLE kernel; all metadata lives in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and
``vistoolkit._native.AVAILABLE`` is False (the pycocotools path is used).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "vistoolkit._native._rle_kernel",
            sources=["vistoolkit/_native/rle_kernel.c", "vistoolkit/_native/rle_core.c"],
            depends=["vistoolkit/_native/rle_core.h"],
            optional=True,
        )
    ]
)
