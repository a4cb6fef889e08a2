"""Small-cell suppression of the published figures, including complementary cells.

The figures form three two-way tables, status × D for D in (party, governorate, year), whose
margins are the four one-way charts and whose total is the number of cases. Every published
number belongs to one or more *lines*: a row or column of a table, with its total. A reader
who knows a line's total and all but some of its cells knows the sum of the hidden ones, so:

1. every count below the threshold (zero included, so a hidden cell is never known to be at
   least one) is hidden ("fewer than N");
2. a line with hidden cells must hide at least one cell of N or more as well: then the sum a
   reader can compute never pins a hidden small cell (it ranges from 0 to its own bound);
3. a line whose cells are all hidden hides its total too (it would tell their sum);

repeated over every line until nothing changes. Hiding only grows, so it ends. This guards
against differencing along any one line, e.g. a chart minus the same chart filtered by a
status; it is the usual line-by-line heuristic, not a linear-programming audit.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

Key = Hashable


def suppress(counts: dict[Key, int], lines: Iterable[tuple[list[Key], Key]],
             threshold: int) -> set[Key]:
    """The keys to hide: `counts` of every published figure, `lines` as (cells, total)."""
    lines = [(list(cells), total) for cells, total in lines]
    hidden = {key for key, n in counts.items() if n < threshold}
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            hid = [c for c in cells if c in hidden]
            if not hid:
                continue
            shown = [c for c in cells if c not in hidden]
            if any(counts[c] >= threshold for c in hid):
                continue
            if shown:
                hidden.add(min(shown, key=lambda c: (counts[c], str(c))))
                changed = True
            elif total not in hidden and counts[total] > 0:
                hidden.add(total)
                changed = True
    return hidden


def pinned_cells(counts: dict[Key, int], lines: Iterable[tuple[list[Key], Key]],
                 hidden: set[Key], threshold: int) -> list[Key]:
    """Hidden cells from 1 to threshold-1 whose value one line's arithmetic gives away
    (the check the tests run on every snapshot): with the line's total known, a hidden cell
    lies between total - shown - (upper bounds of the other hidden cells) and
    total - shown - (lower bounds of the others), a small hidden cell within [0, threshold-1]
    and a large one within [threshold, total]."""
    found = []
    for cells, total in lines:
        if total in hidden:
            continue
        hid = [c for c in cells if c in hidden]
        rest = counts[total] - sum(counts[c] for c in cells if c not in hidden)

        def bounds(c: Key) -> tuple[int, int]:
            return (0, threshold - 1) if counts[c] < threshold else (threshold, counts[total])
        for cell in hid:
            others = [bounds(o) for o in hid if o != cell]
            low_c, high_c = bounds(cell)
            low = max(low_c, rest - sum(hi for _lo, hi in others))
            high = min(high_c, rest - sum(lo for lo, _hi in others))
            if low == high and 0 < counts[cell] < threshold:
                found.append(cell)
    return found
