"""Rewriting the tags in stored audio after the admin changed what they hold, and the line
that tells the editor how it went."""

from podsite.services.publishing import tagging_service
from podsite.services.publishing.tagging_service import RetagResult


async def retag_saved_episode(episode_id: int) -> str:
    result = await tagging_service.retag_episode(episode_id)
    return '' if result is None else retag_note([result])


async def retag_every_episode() -> str:
    return retag_note(await tagging_service.retag_episodes())


def retag_note(results: list[RetagResult]) -> str:
    """Silent when no episode has a stored file: there was nothing to tag."""
    tagged = [result for result in results if result.outcome == 'tagged']
    failed = [result for result in results if result.outcome == 'failed']
    notes = []
    if len(tagged) == 1 and not failed:
        notes.append('Tags rewritten in the audio file.')
    elif tagged:
        notes.append(f'Tags rewritten in {len(tagged)} audio files.')
    notes.extend(
        f"Episode {result.number}'s audio file could not be tagged ({result.detail})."
        for result in failed
    )
    return ' '.join(notes)
