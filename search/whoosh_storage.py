"""Open a Whoosh index without copying its segment files into memory.

whoosh3 maps each compound segment file, then opens every file inside it as a
``BufferFile``, which wraps the mapped bytes in ``io.BytesIO``: a copy of every term
and posting file, made before the first query (tens of megabytes and tens of
milliseconds on a large index). ``MappedFileStorage`` goes through Whoosh's other
path instead: a storage without ``supports_mmap`` makes ``CompoundStorage`` ask the
open compound file for ``subset(offset, length)``, and this storage's files answer
with a ``MappedFile``: a read-only mapping of the compound file of its own (so each
inner file keeps its own position), read and sought within the inner file's range.
Pages are read from the page cache when touched and shared between processes.

``tests/test_whoosh_storage.py`` checks the same answers as Whoosh's storage and pins
the Whoosh code this relies on.
"""

import mmap
import os

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile


class MappedFile(BufferFile):
    """One file inside a compound file, read from a private read-only mapping."""

    def __init__(self, fileno: int, offset: int, length: int, name: str | None = None):
        # Not BufferFile.__init__: that copies the bytes into io.BytesIO.
        self._mapping = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
        self._start, self._end = offset, offset + length
        self._buf = memoryview(self._mapping)[self._start : self._end]
        self._name = name
        self.file = self._mapping
        self.onclose = None
        self.is_real = False
        self.is_closed = False
        self._mapping.seek(offset)

    def read(self, size: int | None = -1) -> bytes:
        left = self._end - self._mapping.tell()
        if size is None or size < 0 or size > left:
            size = max(left, 0)
        return self._mapping.read(size)

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            position += self._start
        elif whence == os.SEEK_END:
            position += self._end
            whence = os.SEEK_SET
        self._mapping.seek(position, whence)
        return self.tell()

    def tell(self) -> int:
        return self._mapping.tell() - self._start

    def readline(self, *args) -> bytes:
        raise NotImplementedError("Whoosh's segment formats read no lines")

    def close(self) -> None:
        if self.is_closed:
            raise ValueError("This file is already closed")
        self._buf.release()
        self._buf = None
        try:
            self._mapping.close()
        except BufferError:
            pass  # a view of the mapping is still alive; it is unmapped when that goes
        self.is_closed = True


class _CompoundFile(StructFile):
    """A segment's compound file: read as a file, its inner files handed out mapped."""

    def subset(self, offset: int, length: int, name: str | None = None) -> MappedFile:
        return MappedFile(self.file.fileno(), offset, length, name=name)


class MappedFileStorage(FileStorage):
    """Whoosh's folder storage, reading compound segment files through ``MappedFile``.

    With ``copies`` set it reads them as Whoosh's own storage does (bench/startup.py
    and the tests compare the two)."""

    copies = False

    def __init__(self, path, readonly=False, debug=False):
        # Without mmap support CompoundStorage takes its inner files from
        # _CompoundFile.subset, which maps them without a copy.
        super().__init__(path, supports_mmap=self.copies, readonly=readonly, debug=debug)

    def open_file(self, name, **kwargs):
        if self.copies:
            return super().open_file(name, **kwargs)
        return _CompoundFile(open(self._fpath(name), "rb"), name=name, **kwargs)
