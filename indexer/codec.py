"""Speed-ups of Whoosh 2.7's segment codec (W3) that write and read exactly what Whoosh does.

Whoosh writes and reads postings one Python call at a time; these replace the hottest of those
paths with equivalent code (tests/test_codec.py compares every posting and term statistic of
an index written with and without them). Importing the module installs them.
"""

from __future__ import annotations

import zlib
from pickle import dumps

from whoosh.codec import base, whoosh3
from whoosh.util.numeric import byte_to_length, length_to_byte


def _cached_length_reader(self, fieldname, column):
    """Whoosh 2.7 asks the disk whether a field has a length column on every posting of a field that
    has none (unscored and spelling fields), about a fifth of indexing time; segments are immutable,
    so the answer is cached, negative ones included. A length column (one byte a document) is read
    into memory whole: a flush and every scored hit look one up, each a seek and a read otherwise."""
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        if reader is not None and column is whoosh3.LENGTHS_COLUMN:
            reader = _lengths_in_memory(reader, self._doccount)
        self._readers[fieldname] = reader
        return reader


def _lengths_in_memory(reader, doccount: int):
    """A length column's bytes (documents past its end have length 0, the column's default)."""
    try:
        data = reader._dbfile.get(reader._basepos, reader._count)
    except AttributeError:  # another column implementation: keep Whoosh's reader
        return reader
    return data + bytes(max(0, doccount - len(data)))


def _field_lengths(lengths, fieldname):
    """A field's length bytes from a W3 per-document reader, or None when it has none."""
    if lengths is None:
        return None
    column = lengths._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    return column if isinstance(column, bytes) else None


def add_postings(self, schema, lengths, items):
    """`base.FieldWriter.add_postings` for the W3 writer, with `W3PostingsWriter.add_posting` and the
    length look-up inlined: the pool hands over postings already sorted, and five Python calls a
    posting were most of a flush."""
    if lengths is not None and not isinstance(lengths, whoosh3.W3PerDocReader):
        return base.FieldWriter.add_postings(self, schema, lengths, items)
    start_field, finish_field = self.start_field, self.finish_field
    start_term, finish_term = self.start_term, self.finish_term
    lastfn = lasttext = None
    writer = lens = None
    for fieldname, btext, docnum, weight, value in items:
        if fieldname != lastfn:
            if lasttext is not None:
                finish_term()
            if lastfn is not None:
                finish_field()
            start_field(fieldname, schema[fieldname])
            lastfn, lasttext = fieldname, None
            writer = self._postwriter
            lens = _field_lengths(lengths, fieldname)
        if docnum == -1:  # Whoosh's marker for a spelling word, not a posting
            continue
        if btext != lasttext:
            if lasttext is not None:
                finish_term()
            start_term(btext)
            lasttext = btext
        if len(writer._ids) >= writer._blocklimit:
            writer._write_block()
        writer._ids.append(docnum)
        writer._weights.append(weight)
        if weight > writer._maxweight:
            writer._maxweight = weight
        if value:
            writer._values.append(value)
        if lens is not None:
            lbyte = lens[docnum]
            if lbyte:
                length = byte_to_length(lbyte)
                if writer._minlength is None or length < writer._minlength:
                    writer._minlength = length
                if length > writer._maxlength:
                    writer._maxlength = length
    if lasttext is not None:
        finish_term()
    if lastfn is not None:
        finish_field()


# Below this many bytes a block's pickled postings are stored uncompressed: zlib cannot shrink them,
# and most terms of a batch are rare words with a block of one or two postings. (Whoosh meant to do
# this below 20 bytes; its check is overwritten by the line after it.)
SMALL_BLOCK = 128


def write_block(self, last=False):
    """`W3PostingsWriter._write_block` with small blocks left uncompressed (each block records
    whether it is compressed, so readers of either kind of block are unchanged)."""
    postfile = self._postfile
    if not self._blockcount:
        postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
    self._terminfo.add_block(self)
    databytes = dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2)
    comp = self._compression if len(databytes) >= SMALL_BLOCK else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    ids = self._ids
    infobytes = dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                       length_to_byte(self._maxlength)), 2)
    blocklength = len(infobytes) + len(databytes)
    postfile.write_int(-blocklength if last else blocklength)  # the last block's length is negative
    postfile.write(infobytes)
    postfile.write(databytes)
    self._blockcount += 1
    self._new_block()


STOCK_CACHED_READER = whoosh3.W3PerDocReader._cached_reader  # kept for the equivalence tests
whoosh3.W3PerDocReader._cached_reader = _cached_length_reader
STOCK_WRITE_BLOCK = whoosh3.W3PostingsWriter._write_block
whoosh3.W3FieldWriter.add_postings = add_postings
whoosh3.W3PostingsWriter._write_block = write_block
