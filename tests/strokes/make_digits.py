#!/usr/bin/env python3
"""Writes digits.json: hand-designed digit strokes for the drawn-digits test.

Each digit style below was designed by hand as a few key points per stroke, in a unit box
(x to the right, y downwards, the digit 1 high), in the order a person writes them. A point with
a third element "c" is a corner: the pen turns sharply there instead of curving through. This
script smooths each stroke through its key points (centripetal Catmull-Rom), wobbles the key
points a little, gives each drawing its own height, width, slant and place on the 280x280 pad
(seeded, so the file is reproducible), and samples the curves every few pixels, like the
pointer-move events of a pen on the page's pad.

Nothing here comes from MNIST. Run it from anywhere: python3 tests/strokes/make_digits.py
"""

import json
import math
import os
import random
import sys

PAD = 280
# The page's brush: 24 px on the 280 px pad. A digit drawn about 180-200 px high then has
# strokes 2.4-2.7 px wide once scaled to MNIST's 20 px box, like MNIST's pen (about 2.5-3 px).
BRUSH = 24
# Distance between successive points of a stroke, in pad pixels (pointer events).
STEP = 7.0

C = "c"

STYLES = {
    0: [
        ("oval, anticlockwise from the top", [[
            (0.40, 0.02), (0.16, 0.13), (0.04, 0.46), (0.13, 0.85), (0.38, 0.99),
            (0.60, 0.85), (0.68, 0.45), (0.58, 0.12), (0.40, 0.02), (0.32, 0.07)]]),
        ("narrow, closed at the top right", [[
            (0.50, 0.05), (0.26, 0.08), (0.09, 0.40), (0.11, 0.80), (0.30, 0.98),
            (0.50, 0.90), (0.60, 0.55), (0.58, 0.18), (0.46, 0.03)]]),
        ("round, clockwise", [[
            (0.35, 0.00), (0.62, 0.15), (0.74, 0.50), (0.62, 0.88), (0.36, 1.00),
            (0.11, 0.86), (0.00, 0.50), (0.10, 0.15), (0.40, 0.02)]]),
    ],
    1: [
        ("a single stroke", [[(0.33, 0.00), (0.31, 0.50), (0.28, 1.00)]]),
        ("with a flag", [[(0.14, 0.22), (0.36, 0.00, C), (0.34, 0.50), (0.32, 1.00)]]),
        ("a curved stroke", [[(0.40, 0.00), (0.34, 0.40), (0.30, 0.75), (0.31, 1.00)]]),
    ],
    2: [
        ("classic, flat base", [[
            (0.08, 0.22), (0.26, 0.03), (0.50, 0.02), (0.65, 0.20), (0.60, 0.42),
            (0.35, 0.70), (0.05, 0.98, C), (0.35, 0.95), (0.72, 0.97)]]),
        ("with a loop at the base", [[
            (0.10, 0.20), (0.35, 0.00), (0.60, 0.08), (0.62, 0.35), (0.42, 0.65),
            (0.14, 0.92), (0.12, 0.98), (0.26, 0.84), (0.30, 0.93), (0.22, 0.99),
            (0.45, 0.97), (0.72, 0.93)]]),
        ("angular, like a Z", [[
            (0.05, 0.15), (0.30, 0.00), (0.58, 0.05), (0.62, 0.30), (0.30, 0.70),
            (0.02, 1.00, C), (0.70, 0.98)]]),
    ],
    3: [
        ("two round bows", [[
            (0.08, 0.12), (0.30, 0.00), (0.55, 0.05), (0.62, 0.25), (0.45, 0.44),
            (0.28, 0.48, C), (0.50, 0.52), (0.68, 0.72), (0.58, 0.93), (0.30, 1.00),
            (0.05, 0.90)]]),
        ("flat top", [[
            (0.08, 0.02), (0.65, 0.02, C), (0.30, 0.42, C), (0.55, 0.47), (0.70, 0.70),
            (0.60, 0.92), (0.35, 1.00), (0.08, 0.88)]]),
        ("narrow, rounded middle", [[
            (0.10, 0.08), (0.35, 0.00), (0.55, 0.12), (0.50, 0.35), (0.30, 0.47),
            (0.52, 0.58), (0.60, 0.78), (0.45, 0.97), (0.20, 0.98), (0.05, 0.85)]]),
    ],
    4: [
        ("open top, two strokes", [
            [(0.18, 0.00), (0.05, 0.58, C), (0.72, 0.56)],
            [(0.56, 0.15), (0.55, 0.60), (0.54, 1.00)]]),
        ("closed top", [
            [(0.52, 0.00), (0.03, 0.64, C), (0.76, 0.62)],
            [(0.52, 0.00), (0.51, 0.50), (0.50, 1.00)]]),
        ("rounded, open top", [
            [(0.10, 0.05), (0.08, 0.35), (0.15, 0.50), (0.35, 0.53), (0.66, 0.46)],
            [(0.62, 0.00), (0.60, 0.50), (0.58, 1.00)]]),
    ],
    5: [
        ("bowl first, then the bar", [
            [(0.12, 0.02), (0.08, 0.45, C), (0.30, 0.38), (0.55, 0.45), (0.65, 0.68),
             (0.55, 0.92), (0.30, 1.00), (0.05, 0.90)],
            [(0.12, 0.03), (0.68, 0.00)]]),
        ("one stroke from the top right", [[
            (0.70, 0.02), (0.15, 0.03, C), (0.10, 0.42, C), (0.35, 0.36), (0.60, 0.48),
            (0.65, 0.72), (0.50, 0.95), (0.25, 0.98), (0.05, 0.85)]]),
        ("big bowl", [
            [(0.18, 0.00), (0.12, 0.40, C), (0.45, 0.38), (0.64, 0.60), (0.56, 0.86),
             (0.30, 0.98), (0.02, 0.88)],
            [(0.18, 0.00), (0.60, 0.02)]]),
    ],
    6: [
        ("curved stem", [[
            (0.55, 0.00), (0.30, 0.20), (0.10, 0.50), (0.08, 0.80), (0.30, 0.99),
            (0.55, 0.90), (0.60, 0.70), (0.45, 0.55), (0.20, 0.60), (0.10, 0.75)]]),
        ("straight stem", [[
            (0.60, 0.02), (0.25, 0.35), (0.08, 0.70), (0.20, 0.97), (0.45, 0.98),
            (0.60, 0.80), (0.50, 0.60), (0.25, 0.62), (0.10, 0.78)]]),
        ("hooked top, small loop", [[
            (0.65, 0.05), (0.40, 0.05), (0.20, 0.30), (0.12, 0.65), (0.25, 0.95),
            (0.48, 0.95), (0.56, 0.78), (0.42, 0.65), (0.18, 0.72)]]),
    ],
    7: [
        ("plain", [[(0.05, 0.05), (0.70, 0.03, C), (0.45, 0.45), (0.30, 1.00)]]),
        ("with a crossbar", [
            [(0.02, 0.08), (0.68, 0.02, C), (0.50, 0.40), (0.35, 1.00)],
            [(0.25, 0.50), (0.68, 0.48)]]),
        ("wavy top, curved stem", [[
            (0.06, 0.12), (0.35, 0.04), (0.72, 0.06, C), (0.50, 0.35), (0.38, 0.65),
            (0.32, 0.98)]]),
    ],
    8: [
        ("one stroke, S then back up", [[
            (0.60, 0.10), (0.35, 0.00), (0.12, 0.12), (0.18, 0.32), (0.45, 0.50),
            (0.65, 0.70), (0.55, 0.95), (0.30, 1.00), (0.08, 0.85), (0.15, 0.65),
            (0.40, 0.50), (0.58, 0.30), (0.60, 0.10), (0.52, 0.04)]]),
        ("two loops, small on big", [
            [(0.38, 0.00), (0.16, 0.12), (0.18, 0.35), (0.38, 0.44), (0.58, 0.33),
             (0.60, 0.12), (0.40, 0.00)],
            [(0.38, 0.44), (0.10, 0.60), (0.08, 0.85), (0.35, 1.00), (0.62, 0.88),
             (0.65, 0.62), (0.40, 0.44)]]),
        ("one stroke from the middle", [[
            (0.40, 0.45), (0.15, 0.30), (0.20, 0.05), (0.45, 0.00), (0.60, 0.15),
            (0.50, 0.35), (0.20, 0.60), (0.10, 0.85), (0.35, 1.00), (0.60, 0.88),
            (0.60, 0.65), (0.40, 0.45)]]),
    ],
    9: [
        ("loop and straight stem", [[
            (0.60, 0.15), (0.38, 0.00), (0.12, 0.10), (0.10, 0.32), (0.35, 0.45),
            (0.60, 0.30), (0.62, 0.08, C), (0.60, 0.55), (0.55, 1.00)]]),
        ("curled tail", [[
            (0.62, 0.20), (0.40, 0.02), (0.15, 0.12), (0.15, 0.38), (0.40, 0.45),
            (0.62, 0.30), (0.65, 0.05, C), (0.65, 0.50), (0.55, 0.85), (0.30, 1.00),
            (0.10, 0.92)]]),
        ("loop, then the stem apart", [
            [(0.55, 0.10), (0.30, 0.02), (0.10, 0.20), (0.20, 0.42), (0.45, 0.42),
             (0.60, 0.20), (0.50, 0.05)],
            [(0.62, 0.10), (0.55, 0.60), (0.48, 1.00)]]),
    ],
}


def catmull_rom(points, samples_per_unit):
    """Centripetal Catmull-Rom through `points` (pad coordinates), sampled about every STEP px."""
    if len(points) < 2:
        return list(points)
    ext = [points[0]] + points + [points[-1]]
    out = [points[0]]
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1], ext[i], ext[i + 1], ext[i + 2]

        def knot(t, a, b):
            d = math.dist(a, b)
            return t + max(d, 1e-6) ** 0.5

        t0 = 0.0
        t1 = knot(t0, p0, p1)
        t2 = knot(t1, p1, p2)
        t3 = knot(t2, p2, p3)
        n = max(1, math.ceil(math.dist(p1, p2) * samples_per_unit))
        for k in range(1, n + 1):
            t = t1 + (t2 - t1) * k / n

            def lerp(a, b, ta, tb):
                if tb - ta < 1e-9:
                    return a
                return tuple(((tb - t) * x + (t - ta) * y) / (tb - ta) for x, y in zip(a, b))

            a1 = lerp(p0, p1, t0, t1)
            a2 = lerp(p1, p2, t1, t2)
            a3 = lerp(p2, p3, t2, t3)
            b1 = lerp(a1, a2, t0, t2)
            b2 = lerp(a2, a3, t1, t3)
            out.append(lerp(b1, b2, t1, t2))
    return out


def smooth(stroke):
    """Splits a stroke at its corners and smooths each piece."""
    pieces, piece = [], []
    for p in stroke:
        piece.append(p[:2])
        if len(p) > 2:
            pieces.append(piece)
            piece = [p[:2]]
    pieces.append(piece)
    out = []
    for piece in pieces:
        curve = catmull_rom(piece, 1.0 / STEP)
        out.extend(curve if not out else curve[1:])
    return out


def main():
    # Another seed (first argument) gives other sizes, slants, places and wobbles.
    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 2024)
    digits = []
    for label in range(10):
        for style, strokes in STYLES[label]:
            height = rng.uniform(120, 235)
            widen = rng.uniform(0.9, 1.15)
            slant = rng.uniform(-0.08, 0.3)  # top leans right by this fraction of the height
            wobble = 0.018

            def place(u, v):
                return ((u * widen + slant * (1.0 - v)) * height, v * height)

            # Wobble the key points (shared points between strokes wobble alike).
            moved = {}

            def jitter(p):
                key = (p[0], p[1])
                if key not in moved:
                    moved[key] = (p[0] + rng.gauss(0, wobble), p[1] + rng.gauss(0, wobble))
                return moved[key] + tuple(p[2:])

            curves = [smooth([place(*jitter(p)[:2]) + tuple(p[2:]) for p in s]) for s in strokes]
            margin = BRUSH / 2 + 2
            xs = [x for c in curves for x, _ in c]
            ys = [y for c in curves for _, y in c]
            # A wide, slanted digit that would not fit the pad is drawn smaller.
            fit = min(1.0, (PAD - 2 * margin) / max(max(xs) - min(xs), max(ys) - min(ys)))
            curves = [[(x * fit, y * fit) for x, y in c] for c in curves]
            xs = [x for c in curves for x, _ in c]
            ys = [y for c in curves for _, y in c]
            dx = rng.uniform(margin - min(xs), PAD - margin - max(xs))
            dy = rng.uniform(margin - min(ys), PAD - margin - max(ys))
            digits.append({
                "label": label,
                "style": style,
                "strokes": [[[round(x + dx), round(y + dy)] for x, y in c] for c in curves],
            })
    doc = {"pad": PAD, "brush": BRUSH, "digits": digits}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits.json")
    with open(path, "w") as f:
        f.write("{\n")
        f.write(f'  "pad": {PAD},\n  "brush": {BRUSH},\n  "digits": [\n')
        for i, d in enumerate(digits):
            comma = "," if i + 1 < len(digits) else ""
            strokes = json.dumps(d["strokes"], separators=(",", ":"))
            f.write(f'    {{"label": {d["label"]}, "style": {json.dumps(d["style"])}, '
                    f'"strokes": {strokes}}}{comma}\n')
        f.write("  ]\n}\n")
    print(f"wrote {len(digits)} digits to {path}")


if __name__ == "__main__":
    main()
