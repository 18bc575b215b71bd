"""Baseline: the AWS lab's generate_grid algorithm with Pillow, reading files instead of S3.

One image at a time: open, decode at full size, crop the centred square, resize to
the tile, paste into one RGB canvas; save one JPEG (Pillow's defaults, as the lab).
Usage: python3 lab_grid.py LIST_FILE TILE OUT_FILE [RUNS]
Prints JSON {"runsMs": [...], "peakRssBytes": n}: one time per run (default 1).
"""
import json
import math
import resource
import sys
import time

from PIL import Image


def build(paths, tile, out_file):
    columns = math.floor(math.sqrt(len(paths)))
    rows = math.ceil(len(paths) / columns)
    grid = Image.new(mode="RGB", size=(columns * tile, rows * tile))
    for index, path in enumerate(paths):
        with open(path, "rb") as handle:
            image = Image.open(handle)
            side = min(image.size)
            left = (image.size[0] - side) // 2
            top = (image.size[1] - side) // 2
            square = image.crop((left, top, left + side, top + side))
            tile_image = square.resize((tile, tile))
        grid.paste(tile_image, ((index % columns) * tile, (index // columns) * tile))
    grid.save(out_file)


def peak_rss():
    """VmHWM: on Linux, getrusage's ru_maxrss of a spawned child starts at its parent's RSS."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    list_file, tile, out_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    with open(list_file) as handle:
        paths = [line for line in handle.read().split("\n") if line]
    runs_ms = []
    for _ in range(runs):
        start = time.perf_counter()
        build(paths, tile, out_file)
        runs_ms.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"runsMs": runs_ms, "peakRssBytes": peak_rss()}))


main()
