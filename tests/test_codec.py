"""The codec speed-ups write the index Whoosh writes: every term's statistics and postings, and every
document's field lengths, are the same with them and without them."""

import random

import pytest
from whoosh.codec import base, whoosh3

from indexer import codec
from indexer import index_writer as iw
from indexer.record import Document

WORDS = ("custody police officers inspection victims abuse domestic crime force report vetting training "
         "burglary fraud cyber child protection mental health county lines stop search").split()


def documents(n, seed=3):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = " ".join(rng.choice(WORDS) + (str(rng.randrange(50)) if rng.random() < 0.2 else "")
                        for _ in range(rng.randrange(1, 400)))
        out.append(Document(id=f"d{i}", url=f"https://hmicfrs.justiceinspectorates.gov.uk/p/{i}/",
                            title=" ".join(rng.sample(WORDS, 3)), body=body, published=f"20{10 + i % 12}-01-02",
                            forces=tuple(rng.sample(["Kent Police", "Essex Police", "Gwent Police"], i % 3)),
                            inspectors=("Zoë Billingham",) if i % 4 else ()))
    return out


def build(path, docs, batch):
    generation = iw.new_generation(path)
    ix = iw.open_generation(generation)
    writer = iw.BatchWriter(ix, batch_size=batch)
    for doc in docs:
        writer.put(doc, fresh=True)
    for doc in docs[::7]:  # replacements and deletions, merged away or kept as deletions
        writer.put(doc.replace(body=doc.body + " amended"))
    for doc in docs[3::11]:
        writer.delete(doc.id)
    writer.commit()
    return iw.open_generation(generation)


def everything(ix):
    out = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for field in ix.schema.names():
            if not ix.schema[field].indexed:
                continue
            for term in reader.lexicon(field):
                info = reader.term_info(field, term)
                postings = []
                matcher = reader.postings(field, term)
                while matcher.is_active():
                    postings.append((reader.stored_fields(matcher.id())["id"], matcher.weight(), matcher.value()))
                    matcher.next()
                out[(field, term)] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                      info.max_weight(), sorted(postings))
        for docnum, fields in reader.iter_docs():
            for field in ("title", "body", "force"):
                out[(fields["id"], field)] = reader.doc_field_length(docnum, field)
    return out


@pytest.mark.parametrize("batch", [1000, 40])  # one segment; many segments with merges
def test_codec_speed_ups_write_what_whoosh_writes(tmp_path, monkeypatch, batch):
    docs = documents(300)
    fast = everything(build(tmp_path / "fast", docs, batch))
    monkeypatch.setattr(whoosh3.W3PerDocReader, "_cached_reader", codec.STOCK_CACHED_READER)
    monkeypatch.setattr(whoosh3.W3FieldWriter, "add_postings", base.FieldWriter.add_postings)
    monkeypatch.setattr(whoosh3.W3PostingsWriter, "_write_block", codec.STOCK_WRITE_BLOCK)
    stock = everything(build(tmp_path / "stock", docs, batch))
    assert fast == stock
    assert len(stock) > 1000


def test_length_columns_are_read_whole_once(tmp_path):
    ix = build(tmp_path / "ix", documents(50), 1000)
    with ix.searcher() as searcher:
        perdoc = searcher.reader()._perdoc
        name = whoosh3._lenfield("body")
        lengths = perdoc._cached_reader(name, whoosh3.LENGTHS_COLUMN)
        assert isinstance(lengths, bytes) and len(lengths) == searcher.reader().doc_count_all()
        assert perdoc._cached_reader(name, whoosh3.LENGTHS_COLUMN) is lengths


def test_merge_policy_caps_segments_and_merges_each_document_about_once(tmp_path, monkeypatch):
    monkeypatch.setattr(iw, "FULL_SEGMENT", 60)
    monkeypatch.setattr(iw, "MAX_SMALL_SEGMENTS", 4)
    docs = documents(400)
    generation = iw.new_generation(tmp_path / "ix")
    ix = iw.open_generation(generation)
    writer = iw.BatchWriter(ix, batch_size=10)
    counts = []
    for doc in docs:
        writer.put(doc, fresh=True)
        if writer._pending == 0:
            counts.append([seg.doc_count_all() for seg in ix._segments()])
    writer.commit()
    sizes = [seg.doc_count_all() for seg in ix._segments()]
    assert sum(sizes) == 400 and max(len(c) for c in counts) <= 400 // 60 + 4 + 1
    assert all(size <= 60 + 10 for size in sizes)  # a merge stops at a full segment (plus the batch it commits)
    # Replacing most of a full segment's documents gets it rewritten without them.
    full = next(seg for seg in ix._segments() if seg.doc_count_all() >= 60)
    victims = []
    with ix.searcher() as searcher:
        for sub, base in searcher.leaf_searchers():
            if sub.reader().segment().segment_id() == full.segment_id():
                victims = [fields["id"] for fields in sub.reader().all_stored_fields()][:40]
    for doc in docs:
        if doc.id in victims:
            writer.put(doc.replace(title="replaced"))
    writer.commit()
    ids = [seg.segment_id() for seg in ix._segments()]
    assert full.segment_id() not in ids
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 400


def segment_files(ix) -> dict[str, bytes]:
    """The bytes of the postings and term files of an index's one segment, by extension."""
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage)
    return {name.rsplit(".", 1)[1]: files.open_file(name).read() for name in files.list()
            if name.endswith((".pst", ".trm"))}


def test_postings_and_terms_are_written_byte_for_byte_as_whoosh_writes_them(tmp_path, monkeypatch):
    """Whoosh's term by term writing (with this module's block policy) and the one-go writing of terms."""
    docs = documents(300)  # common words: terms of several blocks; rare words and ids: terms of one
    fast = segment_files(build(tmp_path / "fast", docs, 1000))
    monkeypatch.setattr(whoosh3.W3FieldWriter, "add_postings", base.FieldWriter.add_postings)
    stock = segment_files(build(tmp_path / "stock", docs, 1000))
    assert set(fast) == {"pst", "trm"}
    assert fast == stock
