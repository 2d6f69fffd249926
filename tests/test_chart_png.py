"""PNG encoding of chart canvases: any decoder reads back exactly the pixels that were drawn."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from flexcalc.charts.common import encode_png, new_figure, png_size, to_png


def decoded(png: bytes) -> np.ndarray:
    """The PNG decoded by Pillow (an independent decoder) as an RGB uint8 array."""
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return np.asarray(image.convert("RGB"))


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.uint8,
        st.tuples(st.integers(1, 40), st.integers(1, 40), st.just(3)),
        elements=st.integers(0, 255),
    )
)
def test_encoded_png_decodes_to_the_same_pixels(rgb: np.ndarray) -> None:
    png = encode_png(rgb)
    assert png_size(png) == (rgb.shape[1], rgb.shape[0])
    assert np.array_equal(decoded(png), rgb)


def test_chart_png_holds_what_the_canvas_drew() -> None:
    fig = new_figure(320, 200)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [2, 0, 1], color="#D62839", linewidth=3)
    ax.set_title("Prices")
    png = to_png(fig)
    drawn = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    assert png_size(png) == (320, 200)
    assert np.array_equal(decoded(png), drawn)
    assert (decoded(png) != 255).any()  # something was drawn, not a blank page
