"""schema.org data for the pages' heads (JSON-LD): the show as a `PodcastSeries` on the
home page, each episode as a `PodcastEpisode`. Properties are the ones schema.org defines
for those types (tests/web/test_link_previews.py lists them); what is unknown is
left out rather than written empty."""

from typing import Any

from podsite.formats.durations import iso_duration
from podsite.schemas.catalogue import EpisodeDetails, GuestRef, SiteInfo
from podsite.settings import Settings
from podsite.urls import absolute, home_url

CONTEXT = 'https://schema.org'


def podcast_series(site: SiteInfo, settings: Settings, *, feed_url: str) -> dict[str, Any]:
    base = settings.public_base_url
    series: dict[str, Any] = {
        '@context': CONTEXT,
        '@type': 'PodcastSeries',
        'name': site.title,
        'url': absolute(base, home_url()),
        'webFeed': absolute(base, feed_url),
        'inLanguage': site.language,
    }
    if site.description or site.subtitle:
        series['description'] = site.description or site.subtitle
    if site.artwork_url:
        series['image'] = absolute(base, site.artwork_url)
    if site.author:
        series['author'] = {'@type': 'Person', 'name': site.author}
    return series


def podcast_episode(
    episode: EpisodeDetails,
    site: SiteInfo,
    settings: Settings,
    *,
    download_path: str,
    image_path: str,
    description: str,
) -> dict[str, Any]:
    """Hosts are the episode's `actor`s (the voices it is made of, as for a radio show),
    guests its `contributor`s."""
    base = settings.public_base_url
    media: dict[str, Any] = {
        '@type': 'AudioObject' if episode.media_type.startswith('audio/') else 'MediaObject',
        'contentUrl': absolute(base, download_path),
        'encodingFormat': episode.media_type,
    }
    if episode.media_size_bytes > 0:
        media['contentSize'] = f'{episode.media_size_bytes} B'
    if episode.duration_seconds > 0:
        media['duration'] = iso_duration(episode.duration_seconds)
    data: dict[str, Any] = {
        '@context': CONTEXT,
        '@type': 'PodcastEpisode',
        'name': episode.title,
        'url': absolute(base, episode.details_url),
        'datePublished': episode.published_at.isoformat(),
        'associatedMedia': media,
        'partOfSeries': {
            '@type': 'PodcastSeries',
            'name': site.title,
            'url': absolute(base, home_url()),
        },
    }
    if description:
        data['description'] = description
    if episode.duration_seconds > 0:
        data['timeRequired'] = iso_duration(episode.duration_seconds)
    if episode.episode_number is not None:
        data['episodeNumber'] = str(episode.episode_number)
    if image_path:
        data['image'] = absolute(base, image_path)
    hosts = [_person(guest, base) for guest in episode.guests if guest.is_host]
    guests = [_person(guest, base) for guest in episode.guests if not guest.is_host]
    if hosts:
        data['actor'] = hosts
    if guests:
        data['contributor'] = guests
    return data


def _person(guest: GuestRef, base: str) -> dict[str, str]:
    return {'@type': 'Person', 'name': guest.name, 'url': absolute(base, guest.url)}
