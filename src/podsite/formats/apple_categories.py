"""Apple Podcasts categories: the only names Apple reads in `<itunes:category>`.

Source: Apple's "Apple Podcasts categories" list,
https://podcasters.apple.com/support/1691-apple-podcasts-categories (the list Apple has
used since 2019). No maintained PyPI package ships it (npm's `podcast-categories` is the
older iTunes list), so it is kept here as data; when Apple changes the list, change it here.
"""

APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    'Arts': ('Books', 'Design', 'Fashion & Beauty', 'Food', 'Performing Arts', 'Visual Arts'),
    'Business': (
        'Careers', 'Entrepreneurship', 'Investing', 'Management', 'Marketing', 'Non-Profit',
    ),
    'Comedy': ('Comedy Interviews', 'Improv', 'Stand-Up'),
    'Education': ('Courses', 'How To', 'Language Learning', 'Self-Improvement'),
    'Fiction': ('Comedy Fiction', 'Drama', 'Science Fiction'),
    'Government': (),
    'History': (),
    'Health & Fitness': (
        'Alternative Health', 'Fitness', 'Medicine', 'Mental Health', 'Nutrition', 'Sexuality',
    ),
    'Kids & Family': ('Education for Kids', 'Parenting', 'Pets & Animals', 'Stories for Kids'),
    'Leisure': (
        'Animation & Manga', 'Automotive', 'Aviation', 'Crafts', 'Games', 'Hobbies',
        'Home & Garden', 'Video Games',
    ),
    'Music': ('Music Commentary', 'Music History', 'Music Interviews'),
    'News': (
        'Business News', 'Daily News', 'Entertainment News', 'News Commentary', 'Politics',
        'Sports News', 'Tech News',
    ),
    'Religion & Spirituality': (
        'Buddhism', 'Christianity', 'Hinduism', 'Islam', 'Judaism', 'Religion', 'Spirituality',
    ),
    'Science': (
        'Astronomy', 'Chemistry', 'Earth Sciences', 'Life Sciences', 'Mathematics',
        'Natural Sciences', 'Nature', 'Physics', 'Social Sciences',
    ),
    'Society & Culture': (
        'Documentary', 'Personal Journals', 'Philosophy', 'Places & Travel', 'Relationships',
    ),
    'Sports': (
        'Baseball', 'Basketball', 'Cricket', 'Fantasy Sports', 'Football', 'Golf', 'Hockey',
        'Rugby', 'Running', 'Soccer', 'Swimming', 'Tennis', 'Volleyball', 'Wilderness',
        'Wrestling',
    ),
    'Technology': (),
    'True Crime': (),
    'TV & Film': ('After Shows', 'Film History', 'Film Interviews', 'Film Reviews', 'TV Reviews'),
}  # fmt: skip

SEPARATOR = ' > '
"""Between a category and its subcategory in one choice: `Education > Courses`."""


def category_choice(path: list[str]) -> str:
    return SEPARATOR.join(path)


def category_path(choice: str) -> list[str] | None:
    """`['Education', 'Courses']` for `Education > Courses`; None for a name not in Apple's
    list (spelling and case as Apple writes them: apps match them exactly)."""
    parts = [part.strip() for part in choice.split('>')]
    if len(parts) == 1 and parts[0] in APPLE_CATEGORIES:
        return parts
    if len(parts) == 2 and parts[1] in APPLE_CATEGORIES.get(parts[0], ()):
        return parts
    return None
