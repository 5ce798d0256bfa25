"""Show and episode artwork, made to meet Apple's rules: square, 1400-3000 px, RGB, JPEG or
PNG, under 512 KB. An image that can be brought within them is (colours converted,
transparency laid on white, a larger square scaled down, re-encoded until small enough); one
that cannot (too small, not square, not an image) is refused with the numbers. The copies the
pages show (300 and 600 px thumbnails, the 1200 x 630 Open Graph card) are made here too, once.

Pure: bytes in, bytes out; the caller stores them (infrastructure/artwork_files.py)."""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field, replace

from PIL import Image, ImageOps, UnidentifiedImageError

SMALLEST_SIDE = 1400
LARGEST_SIDE = 3000
LARGEST_BYTES = 512 * 1024
# Above Apple's largest (9 Mpx) with room for a generous original, far below what would
# take a server's memory: Pillow refuses anything larger before decoding a pixel.
LARGEST_PIXELS = 40_000_000
# Formats an artwork upload may arrive in; only JPEG or PNG leave.
READABLE_FORMATS = ('JPEG', 'PNG', 'WEBP', 'GIF', 'TIFF', 'BMP')
# Tried at each size, before a smaller one, until the file is under 512 KB.
JPEG_QUALITIES = (85, 75, 65)
THUMBNAIL_SIDES = (300, 600)
OPEN_GRAPH_SIZE = (1200, 630)
VARIANTS = ('300', '600', 'og')
EXIF_ORIENTATION = 0x0112
# What a stored artwork is called: its content's hash, then a variant for the copies.
# An artwork's own name (no variant), or none: what a form may carry back.
ARTWORK_FILE_PATTERN = r'^(|[0-9a-f]{16}\.(?:jpg|png))$'
ARTWORK_NAME = re.compile(r'[0-9a-f]{16}\.(?:jpg|png)')
FILE_NAME = re.compile(r'^(?P<stem>[0-9a-f]{16})(?:-(?P<variant>300|600|og))?\.(?P<ext>jpg|png)$')


class ArtworkError(ValueError):
    """Why an image cannot be the artwork, in words for the person who sent it."""


@dataclass(frozen=True)
class PreparedArtwork:
    """The artwork to serve and put in the feed, its copies for pages, and what was done."""

    data: bytes
    extension: str  # 'jpg' or 'png'
    side: int
    summary: str
    variants: dict[str, bytes] = field(default_factory=dict)  # VARIANTS -> JPEG bytes

    @property
    def file_name(self) -> str:
        return f'{hashlib.sha256(self.data).hexdigest()[:16]}.{self.extension}'


def variant_file_name(file_name: str, variant: str) -> str:
    """`0123456789abcdef.png` -> `0123456789abcdef-600.jpg`: the copies are always JPEG."""
    return f'{file_name.rsplit(".", 1)[0]}-{variant}.jpg'


def prepare_artwork(data: bytes) -> PreparedArtwork:
    """Raises `ArtworkError` for anything that cannot become the show's artwork."""
    image, source_format = _open(data)
    done: list[str] = []
    if image.getexif().get(EXIF_ORIENTATION, 1) != 1:
        # Not every podcast app reads the orientation tag: the pixels are turned instead.
        image = ImageOps.exif_transpose(image)
        done.append('turned upright')
    width, height = image.size
    if width != height:
        raise ArtworkError(
            f'The artwork must be square; this image is {width} x {height} px. Crop it to a '
            f'square between {SMALLEST_SIDE} and {LARGEST_SIDE} px and upload it again.'
        )
    if width < SMALLEST_SIDE:
        raise ArtworkError(
            f'The artwork is {width} x {height} px; Apple Podcasts asks for at least '
            f'{SMALLEST_SIDE} x {SMALLEST_SIDE} px (up to {LARGEST_SIDE}).'
        )
    rgb = _as_rgb(image, done)
    if (
        source_format in {'JPEG', 'PNG'}
        and not done
        and width <= LARGEST_SIDE
        and len(data) <= LARGEST_BYTES
    ):
        kept = PreparedArtwork(
            data=data,
            extension='jpg' if source_format == 'JPEG' else 'png',
            side=width,
            summary=f'kept as sent: {source_format}, {width} px, {_kilobytes(len(data))}',
        )
        return _with_variants(kept, rgb)
    encoded, extension, side, how = _encode_within_limits(rgb, source_format, len(data))
    if side != width:
        done.append(f'{width}→{side} px')
    else:
        done.append(f'{side} px')
    summary = ', '.join([how, *done, _kilobytes(len(encoded))])
    prepared = PreparedArtwork(data=encoded, extension=extension, side=side, summary=summary)
    return _with_variants(prepared, rgb)


def _open(data: bytes) -> tuple[Image.Image, str]:
    """The decoded image and its format. An image that claims more pixels than
    `LARGEST_PIXELS` is refused before a pixel is decoded; so is one past Pillow's own
    decompression-bomb limits, whose warning is an error here. (`catch_warnings` is not
    thread-safe before Python 3.14; should another thread reset the filter meanwhile, the
    warning is only logged and the pixel check below refuses the image all the same.)"""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error', Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=READABLE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ArtworkError(
            'The image claims far more pixels than any artwork needs and was not opened '
            f'(at most {LARGEST_PIXELS:,} pixels).'
        ) from error
    except UnidentifiedImageError as error:
        raise ArtworkError(
            'This file is not an image podsite can read: upload a JPEG or PNG.'
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise _unreadable(error) from error
    if image.width * image.height > LARGEST_PIXELS:
        raise ArtworkError(_too_many_pixels(image.width, image.height))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise _unreadable(error) from error
    return image, image.format or ''


def _unreadable(error: Exception) -> ArtworkError:
    return ArtworkError(
        f'The image could not be read to the end ({error}); it may be truncated. '
        'Export it again and upload the new file.'
    )


def _too_many_pixels(width: int, height: int) -> str:
    return (
        f'The image is {width} x {height} px, more than podsite opens '
        f'(at most {LARGEST_PIXELS:,} pixels); scale it to {LARGEST_SIDE} px first.'
    )


def _as_rgb(image: Image.Image, done: list[str]) -> Image.Image:
    """RGB, as Apple asks: transparency is laid on white (an app's background may be dark
    or light; white is what a JPEG of the artwork would have shown anyway)."""
    if image.mode == 'RGB':
        return image
    if image.mode == 'P' and 'transparency' in image.info:
        image = image.convert('RGBA')
    if image.mode in {'RGBA', 'LA', 'PA', 'RGBa', 'La'}:
        rgba = image.convert('RGBA')
        flat = Image.new('RGB', rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel('A'))
        done.append('transparency laid on white')
        return flat
    done.append(f'{image.mode} converted to RGB')
    return image.convert('RGB')


def _encode_within_limits(
    image: Image.Image, source_format: str, source_size: int
) -> tuple[bytes, str, int, str]:
    """The first encoding under 512 KB, largest side first: a PNG stays PNG when it can fit
    (drawn artwork compresses well and keeps its crisp edges), else JPEG at falling quality,
    then smaller by as much as the last try was too large (a JPEG's size follows its area)."""
    side = min(image.width, LARGEST_SIDE)
    # Compressing a photograph as PNG takes seconds and cannot fit: only a PNG sent at about
    # the limit is tried as one.
    if source_format == 'PNG' and source_size <= 2 * LARGEST_BYTES:
        png = _encode(_scaled(image, side), 'PNG')
        if len(png) <= LARGEST_BYTES:
            return png, 'png', side, 're-encoded as PNG'
    while True:
        scaled = _scaled(image, side)
        for quality in JPEG_QUALITIES:
            jpeg = _encode(scaled, 'JPEG', quality=quality)
            if len(jpeg) <= LARGEST_BYTES:
                return jpeg, 'jpg', side, f're-encoded as JPEG at quality {quality}'
        if side == SMALLEST_SIDE:
            break
        shrink = (LARGEST_BYTES / len(jpeg)) ** 0.5 * 0.95
        side = max(SMALLEST_SIDE, min(side - 100, int(side * shrink)))
    raise ArtworkError(
        f'The artwork stays above {_kilobytes(LARGEST_BYTES)} even as a {SMALLEST_SIDE} px '
        f'JPEG at quality {JPEG_QUALITIES[-1]}; simplify it (less noise or grain) and upload '
        'it again.'
    )


def _with_variants(prepared: PreparedArtwork, image: Image.Image) -> PreparedArtwork:
    variants = {str(side): _encode(_scaled(image, side), 'JPEG') for side in THUMBNAIL_SIDES}
    variants['og'] = _encode(_open_graph_card(image), 'JPEG')
    return replace(prepared, variants=variants)


def _open_graph_card(image: Image.Image) -> Image.Image:
    """The square artwork centred on a 1200 x 630 card in its own average colour, so the
    link previews that crop to that shape show all of it."""
    width, height = OPEN_GRAPH_SIZE
    square = _scaled(image, height)
    average = image.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert isinstance(average, tuple)
    card = Image.new('RGB', OPEN_GRAPH_SIZE, average)
    card.paste(square, ((width - height) // 2, 0))
    return card


def _scaled(image: Image.Image, side: int) -> Image.Image:
    if image.width == side:
        return image
    # Halving in a fast first pass before the Lanczos filter looks the same and takes a
    # fraction of the time on a 3000 px image.
    return image.resize((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode(image: Image.Image, image_format: str, *, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    if image_format == 'JPEG':
        image.save(buffer, 'JPEG', quality=quality, optimize=True, progressive=True)
    else:
        image.save(buffer, 'PNG', optimize=False)
    return buffer.getvalue()


def _kilobytes(size: int) -> str:
    return f'{round(size / 1024)} KB'
