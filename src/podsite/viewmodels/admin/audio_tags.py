"""Rewriting the tags in stored audio after the admin changed what they hold, and the lines
that tell the editor how it went."""

from podsite.services.publishing import tagging_service
from podsite.services.publishing.tagging_service import RetagResult


async def retag_saved_episode(episode_id: int) -> str:
    result = await tagging_service.retag_episode(episode_id)
    return '' if result is None else retag_note([result])


async def queue_every_episode() -> str:
    """Silent when no episode has a stored file: there is nothing to tag."""
    queued = await tagging_service.queue_every_episode()
    if not queued:
        return ''
    return (
        f'The new tags are being written into {_files(queued)} in the background; '
        'this page shows how far it has got.'
    )


def retag_note(results: list[RetagResult]) -> str:
    """Silent when no episode has a stored file: there was nothing to tag."""
    tagged = [result for result in results if result.outcome == 'tagged']
    failed = [result for result in results if result.outcome == 'failed']
    notes = []
    if len(tagged) == 1 and not failed:
        notes.append('Tags rewritten in the audio file.')
    elif tagged:
        notes.append(f'Tags rewritten in {_files(len(tagged))}.')
    notes.extend(_failure(result) for result in failed)
    return ' '.join(notes)


async def tag_writing_progress() -> str:
    """How far the background rounds have got with the show's last change; silent once
    every queued file is written."""
    rewrites = await tagging_service.queued_rewrites()
    notes = []
    if rewrites.waiting:
        retrying = (
            f' ({rewrites.retrying} failed and will be tried again)' if rewrites.retrying else ''
        )
        notes.append(
            f"The show's tags are still to be written into {_files(rewrites.waiting)}{retrying}."
        )
    notes.extend(_failure(result) for result in rewrites.failed)
    return ' '.join(notes)


def _failure(result: RetagResult) -> str:
    return f"Episode {result.number}'s audio file could not be tagged ({result.detail})."


def _files(count: int) -> str:
    return 'one audio file' if count == 1 else f'{count:,} audio files'
