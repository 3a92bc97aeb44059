#!/usr/bin/env python3
"""Reads callus's PNG plots with a third-party reader (Pillow).

    scripts/check_png_readers.py path/to/callus

Runs the small scenario (validation/small_run.toml) and a two-case sweep of it (rates 1 and 2
mm/day, no fields) into a temporary folder, then checks every plots/*.png they wrote (the run's,
the sweep's and each case's):
- every plots/*.svg has its .png beside it, and every .png its .svg;
- Pillow's verify() passes (signature, chunks and their CRCs);
- reopened, the image is 800 x 500 pixels and decodes;
- it is not uniform: some band of it takes more than one value (text, axes and curves drawn).
Prints one line per file; exits 1 if any check failed.
"""
import glob
import os
import subprocess
import sys
import tempfile

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SMALL_SCENARIO = os.path.join(ROOT, "validation", "small_run.toml")
SIZE = (800, 500)


def callus(binary, *args):
    out = subprocess.run([binary, *args], capture_output=True, text=True)
    if out.returncode != 0:
        print(f"FAIL: callus {' '.join(args)}: {out.stderr}")
        sys.exit(1)


def check_png(path):
    """The problems Pillow finds with the PNG at `path` (empty if none), and what it read."""
    try:
        with Image.open(path) as img:
            img.verify()
        with Image.open(path) as img:
            if img.format != "PNG":
                return [f"format {img.format}"], ""
            img.load()
            problems = []
            if img.size != SIZE:
                problems.append(f"size {img.size}, expected {SIZE}")
            extrema = img.getextrema()
            if not isinstance(extrema[0], tuple):  # one band: (min, max)
                extrema = (extrema,)
            if all(lo == hi for lo, hi in extrema):
                problems.append(f"uniform image (extrema {extrema})")
            return problems, f"{img.size[0]}x{img.size[1]} {img.mode}"
    except Exception as e:  # Pillow's errors are of many types
        return [f"Pillow: {type(e).__name__}: {e}"], ""


def main():
    binary = os.path.abspath(sys.argv[1])
    failures = 0
    checked = 0
    with tempfile.TemporaryDirectory() as d:
        callus(binary, "run", SMALL_SCENARIO, "--out", os.path.join(d, "run"), "--quiet")
        callus(binary, "sweep", SMALL_SCENARIO, "--rates", "1,2", "--out", os.path.join(d, "sweep"),
               "--quiet", "--no-fields")
        pngs = sorted(glob.glob(os.path.join(d, "**", "plots", "*.png"), recursive=True))
        svgs = sorted(glob.glob(os.path.join(d, "**", "plots", "*.svg"), recursive=True))
        stems = lambda paths: {os.path.splitext(p)[0] for p in paths}
        for stem in sorted(stems(svgs) ^ stems(pngs)):
            has = ".svg" if stem in stems(svgs) else ".png"
            print(f"FAIL {os.path.relpath(stem, d)}: only its {has}")
            failures += 1
        if not pngs:
            print("FAIL: no plots/*.png written")
            failures += 1
        for path in pngs:
            problems, read = check_png(path)
            name = os.path.relpath(path, d)
            checked += 1
            if problems:
                failures += 1
                print(f"FAIL {name}: {'; '.join(problems)}")
            else:
                print(f"ok   {name}: {read}, read by Pillow")
    if failures:
        print(f"PNG reader checks: {failures} failure(s)")
        sys.exit(1)
    print(f"PNG reader checks: {checked} plots read by Pillow {Image.__version__}: passed")


if __name__ == "__main__":
    main()
