"""An image's pixels as a float array in [0, 1]: what the models' stream reads per image sample.

pydicom reads the whole file and decodes `pixel_array`; the modality LUT
(rescale slope and intercept, or a LUT sequence) and then the VOI LUT
(window centre and width, or a LUT sequence) are applied, MONOCHROME1 is
inverted so that bright always means dense, colour becomes grey (the mean
of the channels), a multi-frame object gives its first frame, and the result
is scaled to [0, 1] by its own minimum and maximum. Anything that fails
(pixel data cut short, a malformed value, no pixel data at all) is a
SampleReadError naming the file.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import SampleReadError


def read_pixels(path: str) -> np.ndarray:
    """float32 [rows, columns] in [0, 1] of one DICOM image (its first frame)."""
    import pydicom
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
            if not any(tag in ds for tag in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
                raise SampleReadError("no pixel data (not an image object)", path=path,
                                      expected=f"an image; SOP class {ds.get('SOPClassUID', 'unknown')}")
            arr = ds.pixel_array
            frames = int(ds.get("NumberOfFrames", 1) or 1)
            if frames > 1:
                arr = arr[0]
            photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip()
            if arr.ndim == 3:           # colour (RGB, YBR converted by pydicom): grey
                arr = arr.astype(np.float32).mean(axis=-1)
            else:
                arr = apply_voi_lut(apply_modality_lut(arr, ds), ds)
    except SampleReadError:
        raise
    except Exception as e:  # pydicom and its decoders raise many kinds on broken pixel data
        text = str(e).splitlines()[0] if str(e) else "no message"
        raise SampleReadError(f"pixels unreadable ({type(e).__name__}: {text})", path=path) from None
    arr = np.asarray(arr, dtype=np.float32)
    if photometric == "MONOCHROME1":
        arr = arr.max() - arr
    low, high = float(arr.min()), float(arr.max())
    return (arr - low) / (high - low) if high > low else np.zeros_like(arr)
