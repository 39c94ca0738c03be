"""Speed-ups of Whoosh 2.7's segment codec (W3) that write and read exactly what Whoosh does.

Whoosh writes and reads postings one Python call at a time; these replace the hottest of those
paths with equivalent code (tests/test_codec.py compares every posting and term statistic of
an index written with and without them). Importing the module installs them.
"""

from __future__ import annotations

import zlib
from array import array
from pickle import dumps

from whoosh.codec import base, whoosh3
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.numlists import delta_encode


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
    """`base.FieldWriter.add_postings` for the W3 writer: the pool hands over postings sorted by
    field, term and document, so each term's postings are gathered in lists and written at once
    (`_write_term`), where Whoosh makes five Python calls a posting and a dozen a term."""
    if lengths is not None and not isinstance(lengths, whoosh3.W3PerDocReader):
        return base.FieldWriter.add_postings(self, schema, lengths, items)
    start_field, finish_field = self.start_field, self.finish_field
    lastfn = lasttext = None
    lens = ids = weights = values = None
    for fieldname, btext, docnum, weight, value in items:
        if fieldname != lastfn:
            if lasttext is not None:
                _write_term(self, lasttext, ids, weights, values, lens)
            if lastfn is not None:
                finish_field()
            start_field(fieldname, schema[fieldname])
            lastfn, lasttext = fieldname, None
            lens = _field_lengths(lengths, fieldname)
        if docnum == -1:  # Whoosh's marker for a spelling word, not a posting
            continue
        if btext != lasttext:
            if lasttext is not None:
                _write_term(self, lasttext, ids, weights, values, lens)
            lasttext = btext
            ids, weights, values = [], [], []
        ids.append(docnum)
        weights.append(weight)
        values.append(value)
    if lasttext is not None:
        _write_term(self, lasttext, ids, weights, values, lens)
    if lastfn is not None:
        finish_field()


_pack_terminfo = whoosh3.W3TermInfo._struct.pack


def _write_term(self, btext, ids, weights, values, lens):
    """One term's postings, as `start_term`, `add` per posting and `finish_term` write them. A term
    whose postings fit in one block (most of a batch's terms: rare words) is written here in one
    go; a longer one goes through Whoosh's postings writer block by block."""
    writer = self._postwriter
    if len(ids) > writer._blocklimit or len(ids) < writer._inlinelimit:
        self.start_term(btext)
        for docnum, weight, value in zip(ids, weights, values):
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
        self.finish_term()
        return
    if lens is not None:
        lbytes = [b for b in map(lens.__getitem__, ids) if b]
        minlength = byte_to_length(min(lbytes)) if lbytes else None
        maxlength = byte_to_length(max(lbytes)) if lbytes else 0
    else:
        minlength, maxlength = None, 0
    stored = array("f", weights)  # what the block keeps: float32
    top = max(weights)
    maxweight = top if top > 0 else 0
    if all(w == 1.0 for w in stored):
        mini_weights = None
    elif all(w == stored[0] for w in stored):
        mini_weights = stored[0]
    else:
        mini_weights = tuple(stored)
    fixedsize = self._format.fixed_value_size()
    values = list(filter(None, values))  # the writer keeps only values that are not empty
    if fixedsize is None or fixedsize < 0:
        mini_values = tuple(values)
    elif fixedsize == 0:
        mini_values = None
    else:
        mini_values = b"".join(values)
    databytes = dumps((tuple(delta_encode(ids)), mini_weights, mini_values), 2)
    comp = writer._compression if len(databytes) >= SMALL_BLOCK else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    infobytes = dumps((len(ids), ids[-1], maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)), 2)
    postfile = writer._postfile
    offset = postfile.tell()
    # The header of a term's postings, then its one (so last: negative length) block.
    postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC + pack_int(-(len(infobytes) + len(databytes))) + infobytes
                   + databytes)
    terminfo = _pack_terminfo(False, 0 + sum(stored), len(ids), 0 if minlength is None else length_to_byte(minlength),
                              length_to_byte(maxlength), maxweight, ids[0], ids[-1])
    self._tindex.add(pack_ushort(self._fieldid) + btext,
                     terminfo + pack_long(offset) + pack_int(postfile.tell() - offset))


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
