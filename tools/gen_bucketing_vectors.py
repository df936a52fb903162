#!/usr/bin/env python3
"""Generate tests/vectors/bucketing.json: (salt, unit, bucket) test vectors for edgeflag bucketing.

The algorithm (docs: snapshot format, section 5 "Bucketing"):
    unit   = a string as is, or an integer (|n| <= 2^53) written in decimal
    input  = UTF-8 bytes of  salt + ":" + unit
    h      = XXH3-64(input, seed 0)
    bucket = (h * 100000) >> 64          (128-bit arithmetic; 0 <= bucket < 100000)

The hash comes from the `xxhash` package on PyPI (python-xxhash, bindings to the reference C
library), an implementation independent of the engine's. Install it with `pip install xxhash`.

Usage (from the repository root):
    python3 tools/gen_bucketing_vectors.py            # (re)write tests/vectors/bucketing.json
    python3 tools/gen_bucketing_vectors.py --check    # exit 1 if the file is not what this script makes

The output is deterministic: the random part uses a fixed seed and Python's `random.Random`
(Mersenne Twister, stable across Python versions for the calls used here).
"""
import json
import os
import random
import sys

try:
    import xxhash
except ImportError:  # pragma: no cover
    sys.exit("needs the xxhash package: pip install xxhash")

SEED = 20261126
MAX_UNIT_INT = 2 ** 53
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors", "bucketing.json")


def unit_text(unit):
    if isinstance(unit, bool):
        raise TypeError("a boolean is not a unit")
    if isinstance(unit, int):
        if abs(unit) > MAX_UNIT_INT:
            raise ValueError("integer units are limited to 2^53 in magnitude")
        return str(unit)
    if isinstance(unit, str):
        return unit
    raise TypeError(f"not a unit: {unit!r}")


def bucket(salt, unit):
    data = (salt + ":" + unit_text(unit)).encode("utf-8")
    h = xxhash.xxh3_64_intdigest(data, seed=0)
    b = (h * 100000) >> 64
    assert 0 <= b < 100000
    return b


def self_test():
    # Published XXH3-64 values (seed 0) guard against a library that is not XXH3-64.
    assert xxhash.xxh3_64_hexdigest(b"") == "2d06800538d394c2", "xxhash does not compute XXH3-64"
    assert bucket("", "") == (xxhash.xxh3_64_intdigest(b":") * 100000) >> 64


# Alphabets for random strings: ASCII, Latin-1 and beyond, combining marks, CJK, emoji (4-byte UTF-8),
# and the characters that matter to the format (":" "." "/" and JSON escapes).
ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyz0123456789-_",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ:./@+ \"\\\t",
    "éèêëàâäöüßçñøåÆŒİıſ",
    "\u0301\u0300\u0308\u0327\u20dd",  # combining marks
    "日本語中文한국어ひらがなカタカナ",
    "😀🚀👍🏽🇩🇪🧪\U0001F9D1\u200d\U0001F4BB",
    "\u0000\u001f\u007f\u0080\u00a0\u2028\u2029\ufeff\uffff",
]


def random_string(rng, max_len):
    n = rng.randint(0, max_len)
    alphabet = "".join(rng.sample(ALPHABETS, rng.randint(1, 3)))
    return "".join(rng.choice(alphabet) for _ in range(n))


def build():
    rng = random.Random(SEED)
    vectors = []
    seen = set()

    def add(salt, unit):
        k = (salt, type(unit).__name__, unit)
        if k in seen:
            return
        seen.add(k)
        vectors.append({"salt": salt, "unit": unit, "bucket": bucket(salt, unit)})

    salts = ["new-checkout", "a", "flag:with:colons", ":", "früh:ling-é", "日本-flag", "🚀-launch", "checkout.v2", "", "x" * 256]
    units = [
        "", "u-1", "user-42", "42", "-42", "42.0", "0", "é", "e\u0301", "日本", "日本語のユーザー", "🚀", "👩\u200d💻", "🇩🇪",
        "a\u0300\u0301\u0302", "Ω", "Å", "A\u030a", "\u0000", "line\nbreak", "tab\there", "quote\"back\\slash", ":", "::", "a:b",
        " ", "  leading", "trailing  ", "İstanbul", "ß", "ẞ", "\ufeffbom", "\U0010ffff",
        0, 1, -1, 7, 42, -42, 1000, 2 ** 31 - 1, 2 ** 31, -2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), -(2 ** 53 - 1), 10 ** 15, 123456789012345,
    ]
    # 1. every fixed salt with every fixed unit
    for s in salts:
        for u in units:
            add(s, u)
    # 2. input lengths 1..320 bytes: covers every XXH3 length class (1-3, 4-8, 9-16, 17-128, 129-240, 241+)
    for n in range(0, 319):
        add("s", "a" * n)
    # 3. long units (around 1 KB and more), ASCII and multi-byte
    for n in (1000, 1023, 1024, 1025, 2048, 4096, 10000):
        add("long", ("0123456789abcdef" * (n // 16 + 1))[:n])
    for n in (341, 342, 512, 1024):
        add("long", "日" * n)          # 3 bytes each
        add("long", "🚀" * (n // 2))   # 4 bytes each
    add("long", "é" * 512)            # 1024 bytes
    add("x" * 1024, "u-1")             # long salt
    # 4. random strings and integers
    while len(vectors) < 1500:
        salt = random_string(rng, 24) if rng.random() < 0.7 else rng.choice(salts)
        r = rng.random()
        if r < 0.55:
            unit = random_string(rng, 40)
        elif r < 0.65:
            unit = random_string(rng, 300)
        elif r < 0.85:
            unit = rng.randint(-10 ** 6, 10 ** 6)
        else:
            unit = rng.randint(-MAX_UNIT_INT, MAX_UNIT_INT)
        add(salt, unit)
    return vectors


def document():
    self_test()
    return {
        "description": "edgeflag bucketing test vectors: for each (salt, unit) the bucket that every implementation must compute. "
                       "A unit is a JSON string, or a JSON integer of magnitude at most 2^53 that is hashed in its decimal form. "
                       "Generated by tools/gen_bucketing_vectors.py with the xxhash package (an XXH3 implementation independent of the engine).",
        "algorithm": "input = UTF-8 bytes of (salt + \":\" + unit), the unit being a string as is or an integer in decimal (\"42\", \"-7\"); "
                     "h = XXH3-64(input, seed 0) as an unsigned 64-bit integer; bucket = (h * 100000) >> 64 computed in 128 bits, "
                     "an integer in [0, 100000). A percent p covers buckets [0, round(p * 1000)).",
        "vectors": build(),
    }


def render(doc):
    # One vector per line keeps diffs readable.
    lines = ["{",
             f'  "description": {json.dumps(doc["description"], ensure_ascii=False)},',
             f'  "algorithm": {json.dumps(doc["algorithm"], ensure_ascii=False)},',
             '  "vectors": [']
    vs = doc["vectors"]
    for i, v in enumerate(vs):
        lines.append("    " + json.dumps(v, ensure_ascii=False) + ("," if i + 1 < len(vs) else ""))
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def main(argv):
    text = render(document())
    json.loads(text)  # well-formed
    if argv[1:] == ["--check"]:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{OUT} is out of date: run python3 tools/gen_bucketing_vectors.py")
        print("bucketing vectors up to date")
        return
    if argv[1:]:
        sys.exit(__doc__)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {len(json.loads(text)['vectors'])} vectors to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main(sys.argv)
