"""The directory of an OLE2 compound file (CFB: Excel 97-2003 workbooks, an encrypted XLSX),
read from its raw bytes without a parser: which streams it holds, where they start and how big
they are, so `kpi.ingest.safety` can tell an encrypted or non-Excel Office file before any
reader runs."""

from __future__ import annotations

import struct

from kpi.ingest.crafted import looping_chain

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MINI_STREAM_CUTOFF = 4096  # smaller streams live in the mini stream, with its own table


def cfb_stream_names(data: bytes) -> dict[str, tuple[int, int]] | None:
    """Stream and storage names of an OLE2 compound file → (start sector, size); None when the
    container is damaged. Reads the header, the FAT sectors it lists and the directory chain;
    every step is bounded by the file's size, so a crafted loop cannot hang; a directory or a
    stream whose sector chain loops makes the container damaged (a reader would follow it forever,
    allocating as it goes)."""
    if len(data) < 512 or not data.startswith(CFB_MAGIC):
        return None
    try:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            return None
        size = 1 << shift
        n_fat, first_dir = struct.unpack_from("<I", data, 0x2C)[0], struct.unpack_from("<I", data, 0x30)[0]
        first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
        sectors = (len(data) - size) // size + 1
        if n_fat > sectors:
            return None
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
        difat, seen = first_difat, 0
        while difat < 0xFFFFFFFA and seen < min(n_difat, sectors):
            offset = (difat + 1) * size
            entries = struct.unpack_from(f"<{size // 4}I", data, offset)
            fat_sectors += [s for s in entries[:-1] if s < 0xFFFFFFFA]
            difat, seen = entries[-1], seen + 1
        fat: list[int] = []
        for sector in fat_sectors[:n_fat]:
            fat.extend(struct.unpack_from(f"<{size // 4}I", data, (sector + 1) * size))
        if looping_chain(fat, first_dir, sectors):
            return None
        names: dict[str, tuple[int, int]] = {}
        sector, hops = first_dir, 0
        while sector < 0xFFFFFFFA and hops <= sectors:
            offset = (sector + 1) * size
            for entry in range(offset, offset + size, 128):
                length = struct.unpack_from("<H", data, entry + 64)[0]
                kind = data[entry + 66]
                if kind in (1, 2, 5) and 2 <= length <= 64:
                    label = data[entry:entry + length - 2].decode("utf-16-le", "replace")
                    start, stream_size = struct.unpack_from("<II", data, entry + 116)
                    names[label] = (start, stream_size)
            sector = fat[sector] if sector < len(fat) else 0xFFFFFFFE
            hops += 1
        for start, stream_size in names.values():  # a stream's chain that loops would never end
            if stream_size >= MINI_STREAM_CUTOFF and looping_chain(fat, start, sectors):
                return None
        return names
    except (struct.error, IndexError):
        return None
