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
