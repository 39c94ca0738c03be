"""Index-time analysis of text fields, token for token what Whoosh's own analysers produce, faster.

Whoosh analyses a text through a chain of generators that pass one mutable Token object per word
(tokenise, lower-case, drop stop words, stem): for page-sized documents that chain was a third of
indexing time. The fields below produce the same (term, frequency, weight, positions) postings
from a single `findall` and a stem cache. Queries are still analysed by the field's Whoosh analyser,
so index and query terms agree by construction; tests/test_analysis.py checks the equality on
generated and real text. (Spelling words are filtered further; they are never searched as such.)
"""

from __future__ import annotations

import re
from collections import defaultdict

from whoosh.analysis import SimpleAnalyzer, StemmingAnalyzer, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.fields import TEXT
from whoosh.lang.porter import stem as porter_stem
from whoosh.system import pack_uint

# Whoosh's default token pattern (analysis.tokenizers.default_pattern) without its capturing group,
# so that `findall` returns whole tokens.
TOKEN = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
STOPS = frozenset(STOP_WORDS)
MIN_SIZE = 2           # StemmingAnalyzer's default: shorter words are dropped like stop words
STEM_CACHE_MAX = 200_000

_stems: dict[str, str] = {}


def stem(word: str) -> str:
    try:
        return _stems[word]
    except KeyError:
        if len(_stems) >= STEM_CACHE_MAX:
            _stems.clear()
        result = _stems[word] = porter_stem(word)
        return result


def stemmed_positions(text: str) -> dict[str, list[int]]:
    """term → positions, as StemmingAnalyzer(positions=True) numbers them: stop words are removed
    and the positions renumbered, the first kept word keeping its own index."""
    positions: dict[str, list[int]] = defaultdict(list)
    pos = None
    stops = STOPS
    for index, token in enumerate(TOKEN.findall(text)):
        word = token.lower()
        if len(word) < MIN_SIZE or word in stops:
            continue
        pos = index if pos is None else pos + 1
        positions[stem(word)].append(pos)
    return positions


def spelling_words(text: str) -> list[str]:
    """The words spelling suggestions may offer, each once: lower case, three letters or more, no stop
    words or numbers (nobody needs "the" or "2014" corrected, and each word costs a posting)."""
    seen = dict.fromkeys(token.lower() for token in TOKEN.findall(text))
    return [w for w in seen if len(w) > 2 and w not in STOPS and not w.isdigit()]


class StemmedText(TEXT):
    """TEXT with Whoosh's StemmingAnalyzer and positions, indexed by `stemmed_positions`."""

    def __init__(self, **kwargs):
        super().__init__(analyzer=StemmingAnalyzer(), phrase=True, **kwargs)

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        encode = self.format.encode
        single = _single_positions
        return [(term.encode("utf-8"), len(poses), float(len(poses)) * boost,
                 single(encode, poses[0]) if len(poses) == 1 else encode(poses))
                for term, poses in stemmed_positions(value).items()]


_encoded_single: dict[int, bytes] = {}


def _single_positions(encode, pos: int) -> bytes:
    """A word's positions when it occurs once (most postings), encoded once per position: Whoosh
    pickles every list."""
    try:
        return _encoded_single[pos]
    except KeyError:
        if len(_encoded_single) >= STEM_CACHE_MAX:
            _encoded_single.clear()
        result = _encoded_single[pos] = encode([pos])
        return result


class SpellingText(TEXT):
    """The source of spelling suggestions: each of `spelling_words` once per document (frequencies
    would only weigh suggestions by repetition within a page)."""

    def __init__(self, **kwargs):
        super().__init__(analyzer=SimpleAnalyzer() | StopFilter(minsize=3), phrase=False, **kwargs)

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        weight = self.format.field_boost
        one = pack_uint(1)
        return [(word.encode("utf-8"), 1, weight, one) for word in spelling_words(value)]
