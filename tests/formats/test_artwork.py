"""Artwork is brought within Apple's rules (square, 1400-3000 px, RGB, JPEG or PNG, under
512 KB) or refused with the numbers; the copies for pages are made at the same time."""

import io
import zlib

import pytest
from PIL import Image

from podsite.formats.artwork import (
    LARGEST_BYTES,
    ArtworkError,
    PreparedArtwork,
    prepare_artwork,
    variant_file_name,
)


def artwork_image(side: int, *, height: int | None = None, noise: float = 0) -> Image.Image:
    """A square (or not) RGB picture: gradients compress like drawn artwork, noise like a
    photograph's grain."""
    size = (side, height or side)
    red = Image.linear_gradient('L').resize(size)
    green = Image.radial_gradient('L').resize(size)
    blue = Image.effect_noise(size, noise) if noise else red.transpose(Image.Transpose.ROTATE_90)
    return Image.merge('RGB', (red, green, blue.resize(size)))


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_meets_apples_rules(artwork: PreparedArtwork) -> None:
    image = opened(artwork.data)
    assert image.format in {'JPEG', 'PNG'}
    assert image.mode == 'RGB'
    assert image.width == image.height == artwork.side
    assert 1400 <= artwork.side <= 3000
    assert len(artwork.data) <= LARGEST_BYTES
    assert artwork.file_name.endswith('.jpg' if image.format == 'JPEG' else '.png')


def assert_copies_are_made(artwork: PreparedArtwork) -> None:
    sizes = {name: opened(data).size for name, data in artwork.variants.items()}
    assert sizes == {'300': (300, 300), '600': (600, 600), 'og': (1200, 630)}
    assert all(opened(data).format == 'JPEG' for data in artwork.variants.values())


@pytest.mark.parametrize(('side', 'image_format'), [(1400, 'JPEG'), (1400, 'PNG'), (3000, 'PNG')])
def test_an_image_that_meets_the_rules_is_kept_as_sent(side: int, image_format: str) -> None:
    data = encoded(artwork_image(side), image_format)
    artwork = prepare_artwork(data)
    assert artwork.data == data
    assert artwork.summary.startswith(f'kept as sent: {image_format}, {side} px')
    assert_meets_apples_rules(artwork)
    assert_copies_are_made(artwork)


def test_a_3000_px_jpeg_too_heavy_is_re_encoded_and_scaled_until_under_512_kb() -> None:
    data = encoded(artwork_image(3000, noise=100), 'JPEG', quality=95)
    assert len(data) > LARGEST_BYTES
    artwork = prepare_artwork(data)
    assert_meets_apples_rules(artwork)
    assert artwork.summary.startswith('re-encoded as JPEG at quality ')
    assert artwork.side < 3000
    assert f'3000→{artwork.side} px' in artwork.summary
    assert artwork.summary.endswith(f'{round(len(artwork.data) / 1024)} KB')


def test_a_square_larger_than_3000_px_is_scaled_down_to_3000() -> None:
    artwork = prepare_artwork(encoded(artwork_image(3200), 'JPEG'))
    assert_meets_apples_rules(artwork)
    assert artwork.side == 3000
    assert '3200→3000 px' in artwork.summary


@pytest.mark.parametrize(
    ('mode', 'image_format', 'said'),
    [
        ('CMYK', 'JPEG', 'CMYK converted to RGB'),
        ('RGBA', 'PNG', 'transparency laid on white'),
        ('P', 'PNG', 'P converted to RGB'),
        ('L', 'PNG', 'L converted to RGB'),
    ],
)
def test_other_colour_modes_become_rgb(mode: str, image_format: str, said: str) -> None:
    image = artwork_image(1400).convert(mode)
    if mode == 'RGBA':
        image.putalpha(Image.linear_gradient('L').resize(image.size))
    artwork = prepare_artwork(encoded(image, image_format))
    assert_meets_apples_rules(artwork)
    assert said in artwork.summary
    assert_copies_are_made(artwork)


def test_a_photo_taken_sideways_is_turned_upright() -> None:
    image = artwork_image(1400)
    exif = image.getexif()
    exif[0x0112] = 6  # the camera was turned: show it rotated by 90°
    artwork = prepare_artwork(encoded(image, 'JPEG', exif=exif))
    assert 'turned upright' in artwork.summary
    assert opened(artwork.data).getexif().get(0x0112, 1) == 1


def test_transparent_pixels_turn_white() -> None:
    image = Image.new('RGBA', (1400, 1400), (255, 0, 0, 0))
    artwork = prepare_artwork(encoded(image, 'PNG'))
    assert opened(artwork.data).getpixel((700, 700)) == (255, 255, 255)


def test_a_palette_image_with_a_transparent_colour_is_laid_on_white() -> None:
    image = Image.new('P', (1400, 1400), 0)
    image.putpalette([0, 0, 0, 200, 30, 30])
    image.paste(1, (0, 0, 700, 1400))
    artwork = prepare_artwork(encoded(image, 'PNG', transparency=0))
    flat = opened(artwork.data)
    assert flat.getpixel((1000, 700)) == (255, 255, 255)
    assert flat.getpixel((100, 700)) == (200, 30, 30)


def test_a_non_square_image_is_refused_with_its_size() -> None:
    with pytest.raises(ArtworkError, match=r'must be square; this image is 1600 x 1400 px'):
        prepare_artwork(encoded(artwork_image(1600, height=1400), 'JPEG'))


def test_a_small_image_is_refused_with_the_smallest_size_allowed() -> None:
    with pytest.raises(ArtworkError, match=r'500 x 500 px; .* at least 1400 x 1400 px'):
        prepare_artwork(encoded(artwork_image(500), 'PNG'))


def test_a_text_file_is_not_an_image() -> None:
    with pytest.raises(ArtworkError, match='not an image podsite can read'):
        prepare_artwork(b'Not a picture at all, though it was called cover.png\n')


def test_a_truncated_image_is_refused() -> None:
    data = encoded(artwork_image(1400, noise=30), 'PNG')
    with pytest.raises(ArtworkError, match='could not be read to the end'):
        prepare_artwork(data[: len(data) // 2])


def png_header_claiming(width: int, height: int) -> bytes:
    """A real PNG's bytes with the size in its header changed: the decoder trusts it until
    it decodes, which is what a decompression bomb relies on."""
    data = bytearray(encoded(Image.new('RGB', (8, 8)), 'PNG'))
    data[16:24] = width.to_bytes(4, 'big') + height.to_bytes(4, 'big')
    data[29:33] = zlib.crc32(data[12:29]).to_bytes(4, 'big')  # the header chunk's checksum
    return bytes(data)


@pytest.mark.parametrize('side', [60_000, 10_000, 7_000])
def test_a_decompression_bomb_is_refused_unread(side: int) -> None:
    """60,000 px square is past Pillow's error limit, 10,000 past its warning (an error
    here too), 7,000 (49 Mpx) past podsite's own."""
    with pytest.raises(ArtworkError, match='pixels'):
        prepare_artwork(png_header_claiming(side, side))


def test_the_copies_are_named_after_the_artwork() -> None:
    assert variant_file_name('0123456789abcdef.png', '600') == '0123456789abcdef-600.jpg'
    assert variant_file_name('0123456789abcdef.jpg', 'og') == '0123456789abcdef-og.jpg'


def test_the_same_image_gets_the_same_name() -> None:
    data = encoded(artwork_image(1400), 'PNG')
    assert prepare_artwork(data).file_name == prepare_artwork(data).file_name
