"""Snippets as Whoosh's highlighter makes them, without running the analyzer over every word.

To find the words to mark, Whoosh's highlighter runs the whole text through the field's analyzer
(tokenizer, lower case, stop words, stemmer): most of the cost of a snippet. With the stemming
analyzer the schema uses, the tokens are the tokenizer's regular-expression matches and whether one
is marked depends on its text alone, so each distinct word is analysed once (the answer is kept for
later searches) and the tokens go to Whoosh's own fragmenter, fragment scorer and formatter: the
same snippet for a fraction of the work. Any other analyzer is left to Whoosh's highlighter.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import compress, count

from whoosh import highlight
from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token

PLAIN_STEMMING = [RegexTokenizer, LowercaseFilter, StopFilter, StemFilter]
MAX_CACHED_WORDS = 200_000
_GROUP, _START, _END = re.Match.group, re.Match.start, re.Match.end


class _NotOneToken(Exception):
    """A word the analyzer does not turn into exactly one token: Whoosh's highlighter does the hit."""


def _word_by_word(analyzer) -> bool:
    """Whether tokens are the tokenizer's matches, each analysed on its own (nothing looks at neighbours)."""
    return (isinstance(analyzer, CompositeAnalyzer) and [type(item) for item in analyzer.items] == PLAIN_STEMMING
            and not analyzer.items[0].gaps)


class WordCacheHighlighter(highlight.Highlighter):
    """Whoosh's Highlighter, given `analysed` (word → its analysed text, shared between searches)."""

    def __init__(self, analysed: dict, **kwargs):
        super().__init__(**kwargs)
        self.analysed = analysed
        self._words: dict[str, frozenset] = {}

    def highlight_hit(self, hitobj, fieldname, text=None, top=3, minscore=1, strict_phrase=False):
        results = hitobj.results
        field = results.searcher.schema[fieldname]
        if (text is None or strict_phrase or results.has_matched_terms() or self.can_load_chars(results, fieldname)
                or not _word_by_word(field.analyzer)):
            return super().highlight_hit(hitobj, fieldname, text, top, minscore, strict_phrase)
        if fieldname not in self._words:  # the query's words, as Highlighter.highlight_hit finds them
            self._words[fieldname] = frozenset(
                field.from_bytes(term[1]) for term in results.query_terms(expand=True, fieldname=fieldname))
        words = self._words[fieldname]
        try:
            found = self._matches(text, field.analyzer, words)
            if type(self.fragmenter) is highlight.ContextFragmenter:
                fragments = context_fragments(text, *found, self.fragmenter)
            else:
                fragments = self.fragmenter.fragment_tokens(text, all_tokens(*found))
            fragments = highlight.top_fragments(fragments, top, self.scorer, self.order, minscore=minscore)
        except _NotOneToken:
            return super().highlight_hit(hitobj, fieldname, text, top, minscore, strict_phrase)
        return self.formatter.format(fragments)

    def _analyse(self, analyzer, word: str) -> str:
        out = [t.text for t in analyzer(word, mode="index", removestops=False)]
        if len(out) != 1:
            raise _NotOneToken(word)
        if len(self.analysed) >= MAX_CACHED_WORDS:
            self.analysed.clear()
        self.analysed[word] = out[0]
        return out[0]

    def _stems(self, analyzer, words_in_text) -> dict[str, str]:
        """Each distinct word's analysed text (from the shared cache where it is known)."""
        analysed = self.analysed
        stems = {}
        for word in set(words_in_text):
            stem = analysed.get(word)
            stems[word] = self._analyse(analyzer, word) if stem is None else stem
        return stems

    def _matches(self, text, analyzer, words):
        """(token starts, token ends, {token index: matched Token}) of a text: its tokens are the
        tokenizer's matches; those whose analysed text is a query word are marked."""
        found = list(analyzer.items[0].expression.finditer(text))
        in_text = list(map(_GROUP, found))
        stems = self._stems(analyzer, in_text)
        marked_words = {word for word, stem in stems.items() if stem in words}
        marked = {}
        if marked_words:
            for index in compress(count(), map(marked_words.__contains__, in_text)):
                token = Token(chars=True, mode="index", removestops=False, text=stems[in_text[index]])
                token.startchar, token.endchar = found[index].span()
                token.matched = True
                marked[index] = token
        return list(map(_START, found)), list(map(_END, found)), marked


def all_tokens(starts, ends, marked):
    """The token stream Whoosh's highlighter gives a fragmenter: the marked tokens and, for the others,
    one plain token moved along (as Whoosh's tokenizer reuses its token; fragmenters copy what they keep)."""
    plain = Token(chars=True, mode="index", removestops=False)
    plain.matched = False
    for index, (start, end) in enumerate(zip(starts, ends)):
        token = marked.get(index)
        if token is None:
            plain.startchar, plain.endchar = start, end
            token = plain
        yield token


def context_fragments(text, starts, ends, marked, fragmenter):
    """ContextFragmenter.fragment_tokens over the tokens (starts[i], ends[i]), marked[i] the matched
    ones, with the same fragments, without walking the tokens outside them: between fragments the
    fragmenter only keeps the start characters of the last `surround` characters' tokens (its
    `firsts` queue), which a bisection finds at the next match. Its quirks are kept: a fragment
    whose countdown ends at exactly 0 makes the next token start a fragment, possibly empty."""
    maxchars, surround, charlimit = fragmenter.maxchars, fragmenter.surround, fragmenter.charlimit
    total = len(starts)
    n = bisect_right(ends, charlimit) if charlimit else total  # the stream stops at the first token past it
    matched = sorted(i for i in marked if i < n)
    mkfrag = highlight.mkfrag
    since = 0        # tokens from here on are in `firsts` unless a fragment holds them
    next_match = 0   # index into `matched`
    i = 0
    countdown, first, tks, currentlen = -1, None, [], 0
    while i < n:
        if countdown < 0:  # between fragments: on to the next match
            while next_match < len(matched) and matched[next_match] < i:
                next_match += 1
            if next_match == len(matched):
                break
            i = matched[next_match]
        start, end = starts[i], ends[i]
        tlength = end - start
        token = marked.get(i)
        if currentlen + tlength > maxchars:
            countdown = 0
        elif token is not None:
            countdown = surround
            if first is None:
                k = bisect_left(starts, ends[i - 1] - surround, since, i) if i > since else i
                if k < i:
                    first = starts[k]
                else:
                    first = start
                    countdown += surround
            tks.append(token)
        if countdown >= 0:
            currentlen += tlength
            countdown -= tlength
            if countdown <= 0:
                yield mkfrag(text, tks, startchar=first, endchar=end)
                tks, first, currentlen, since = [], None, 0, i + 1
        i += 1
    if tks:
        endchar = ends[n] if n < total else (ends[-1] if total else None)
        yield mkfrag(text, tks, startchar=first, endchar=endchar)
