#!/usr/bin/python3
"""Minimal PNG reader/writer (stdlib only): decode 8-bit RGB/RGBA non-interlaced
PNGs such as Chromium's screenshots, measure pixel variance, crop."""
import struct
import sys
import zlib


def read(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, [], None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("unsupported PNG (depth %d type %d)" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat.append(body)
        pos += 12 + n
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def grey_stats(w, h, bpp, rows, step=4):
    """Mean and variance of grey levels over a grid of pixels, and distinct levels."""
    vals = []
    for y in range(0, h, step):
        r = rows[y]
        for x in range(0, w, step):
            i = x * bpp
            vals.append((r[i] * 299 + r[i + 1] * 587 + r[i + 2] * 114) // 1000)
    n = len(vals)
    mean = sum(vals) / n
    var = sum((v - mean) ** 2 for v in vals) / n
    return mean, var, len(set(vals))


def write(path, w, h, bpp, rows):
    raw = b"".join(b"\x00" + bytes(r[:w * bpp]) for r in rows[:h])
    def chunk(t, b):
        return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2 if bpp == 3 else 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


if __name__ == "__main__":
    # png.py crop IN OUT Y0 HEIGHT
    if len(sys.argv) == 6 and sys.argv[1] == "crop":
        w, h, bpp, rows = read(sys.argv[2])
        y0, hh = int(sys.argv[4]), int(sys.argv[5])
        part = rows[y0:y0 + hh]
        write(sys.argv[3], w, len(part), bpp, part)
    elif len(sys.argv) == 3 and sys.argv[1] == "stats":
        print(grey_stats(*read(sys.argv[2])))
    else:
        sys.exit("usage: png.py crop IN OUT Y0 HEIGHT | png.py stats IN")
