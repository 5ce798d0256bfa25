"""The content cache: values kept under a content state, bounded by the sizes they are given."""

from datetime import timedelta

from podsite.infrastructure.cache import ContentCache, ContentState
from tests.clock import MovableClock

STATE = ContentState(version=1, valid_until=None)


def test_values_past_the_size_bound_go_least_recently_used_first(clock: MovableClock) -> None:
    cache = ContentCache(clock=clock, max_size=100)
    cache.put('first', STATE, 'a', size=40)
    cache.put('second', STATE, 'b', size=40)
    assert cache.get('first', STATE) == 'a'  # now the second is the least recently used

    cache.put('third', STATE, 'c', size=40)

    assert cache.get('second', STATE) is None
    assert (cache.get('first', STATE), cache.get('third', STATE)) == ('a', 'c')
    assert (len(cache), cache.size) == (2, 80)


def test_without_sizes_the_bound_counts_entries(clock: MovableClock) -> None:
    cache = ContentCache(clock=clock, max_size=3)
    for key in 'abcd':
        cache.put(key, STATE, key.upper())

    assert [cache.has(key) for key in 'abcd'] == [False, True, True, True]


def test_a_value_bigger_than_the_whole_cache_is_not_kept(clock: MovableClock) -> None:
    cache = ContentCache(clock=clock, max_size=100)
    cache.put('small', STATE, 'kept', size=60)
    cache.put('page', STATE, 'old', size=30)

    cache.put('page', STATE, 'huge', size=101)

    assert not cache.has('page')  # nor its older value, which would be stale
    assert cache.get('small', STATE) == 'kept'
    assert cache.size == 60


def test_a_value_put_again_counts_its_new_size_only(clock: MovableClock) -> None:
    cache = ContentCache(clock=clock, max_size=100)
    cache.put('page', STATE, 'short', size=10)
    cache.put('page', STATE, 'longer', size=70)

    assert (len(cache), cache.size) == (1, 70)


def test_a_value_of_an_older_state_goes_and_frees_its_size(clock: MovableClock) -> None:
    cache = ContentCache(clock=clock, max_size=100)
    cache.put('page', STATE, 'old', size=50)
    cache.put('until', ContentState(1, clock() + timedelta(minutes=5)), 'scheduled', size=20)

    assert cache.get('page', ContentState(version=2, valid_until=None)) is None
    clock.advance(timedelta(minutes=5))
    assert cache.get('until', STATE) is None
    assert (len(cache), cache.size) == (0, 0)
