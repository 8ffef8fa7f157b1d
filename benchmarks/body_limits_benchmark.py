"""Time `render_body` on the worst bodies `articles.limits` still accepts.

Not a test: a figure for benchmarks/RESULTS.md. Each body is built to sit exactly
at the limits (nesting depth, element count, characters), is checked to be
accepted by `limits.body_refusal`, then rendered several times; the median is
printed. The check's own time is printed too (it runs on every save).

    .venv/bin/python benchmarks/body_limits_benchmark.py [--runs 5]

Run from the project root (the `articles` package must be importable).
"""

import argparse
import statistics
import sys
import time

from articles import limits
from articles.rendering import HTML, MARKDOWN, render_body

DEPTH = limits.MAX_BODY_DEPTH
ELEMENTS = limits.MAX_BODY_ELEMENTS
CHARACTERS = limits.MAX_BODY_CHARACTERS


def nested_divs() -> str:
    """Blocks of `<div>` nested DEPTH deep, as many as the element limit allows."""
    block = "<div>" * DEPTH + "가" + "</div>" * DEPTH
    return block * (ELEMENTS // DEPTH)


def nested_divs_padded() -> str:
    """The same, with Korean text filling the body up to the character limit."""
    body = nested_divs()
    blocks = ELEMENTS // DEPTH
    filler = (CHARACTERS - len(body)) // blocks
    block = "<div>" * DEPTH + "가" * (filler + 1) + "</div>" * DEPTH
    return block * blocks


def one_deep_div() -> str:
    """One `<div>` nest DEPTH deep holding the rest of the body as text."""
    opening, closing = "<div>" * DEPTH, "</div>" * DEPTH
    return opening + "가" * (CHARACTERS - len(opening) - len(closing)) + closing


def table_rows() -> str:
    """A table with as many rows (tr + 2 td) as the element limit allows."""
    rows = (ELEMENTS - 2) // 3
    return "<table><tbody>" + "<tr><td>가</td><td>나</td></tr>" * rows + "</table>"


def markdown_headings() -> str:
    """The same heading repeated: the table of contents makes each id unique."""
    return "# 가\n" * (ELEMENTS - 1)


def markdown_lists() -> str:
    """Lists nested to the depth limit, repeated up to the element or size limit."""
    levels = (DEPTH - 1) // 2
    block = "".join("    " * level + "- 가\n" for level in range(levels)) + "\n"
    return block * min(ELEMENTS // (levels + 1), CHARACTERS // len(block))


def markdown_brackets() -> str:
    """Unclosed `[` in one paragraph, up to the bracket-scan limit."""
    count = 1
    while markdown_scan(count + 1) <= limits.MAX_MARKDOWN_SCAN:
        count += 1
    return "[가 " * count


def markdown_scan(count: int) -> int:
    return limits.markdown_bracket_scan("[가 " * count)


CASES = {
    "nested div, depth 32, 3,000 elements": (nested_divs, HTML),
    "nested div, depth 32, 3,000 elements, 50,000 characters": (
        nested_divs_padded,
        HTML,
    ),
    "one div nest 32 deep, 50,000 characters": (one_deep_div, HTML),
    "table, 999 rows (3,000 elements)": (table_rows, HTML),
    "Markdown, 2,999 identical headings": (markdown_headings, MARKDOWN),
    "Markdown, lists nested 15 deep, repeated": (markdown_lists, MARKDOWN),
    "Markdown, unclosed [ up to the scan limit": (markdown_brackets, MARKDOWN),
}


def median_seconds(function, args, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    say(
        f"limits: {CHARACTERS:,} characters, depth {DEPTH}, {ELEMENTS:,} elements, "
        f"Markdown scan {limits.MAX_MARKDOWN_SCAN:,}; median of {args.runs} runs"
    )
    say(f"{'body':58} {'chars':>7} {'check s':>8} {'render s':>9}")
    for name, (build, fmt) in CASES.items():
        body = build()
        refusal = limits.body_refusal(body, fmt)
        if refusal:
            raise SystemExit(f"{name}: refused, not at the limit: {refusal}")
        over = body + ("<div>" * (DEPTH + 1) if fmt == HTML else ">" * (DEPTH + 1))
        assert limits.body_refusal(over, fmt), f"{name}: one more level accepted"
        check = median_seconds(limits.body_refusal, (body, fmt), args.runs)
        render = median_seconds(render_body, (body, fmt), args.runs)
        say(f"{name:58} {len(body):>7,} {check:>8.3f} {render:>9.2f}")


if __name__ == "__main__":
    main()
