"""``tokenize.replace`` patterns are checked with RE2, the engine of the in-graph ops.

The tokenizers rewrite text with ``tf.strings.regex_replace`` (and split with
tensorflow-text's ``regex_split``), both RE2. A pattern RE2 refuses (lookaround,
backreferences, an unclosed group) used to surface as a long graph error in the middle
of a run; compiling it here with Google's RE2 binding (``google-re2``) refuses exactly
what the graph would, before any stage runs.
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=1)
def _options():
    import re2

    options = re2.Options()
    options.log_errors = False  # the error comes back as an exception; no stderr noise
    return options


@functools.lru_cache(maxsize=256)
def re2_groups(pattern: str) -> int:
    """The number of capturing groups of ``pattern``.

    Raises ValueError naming RE2's reason when RE2 cannot compile it.
    """
    import re2

    try:
        return re2.compile(pattern, _options()).groups
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        hint = ""
        if "(?=" in pattern or "(?!" in pattern or "(?<" in pattern:
            hint = " (RE2 has no lookahead or lookbehind)"
        elif re.search(r"\\[1-9]", pattern):
            hint = " (RE2 has no backreferences)"
        raise ValueError(f"not a valid RE2 pattern: {reason}{hint}; the in-graph "
                         "tokenizer uses RE2 syntax (e.g. \\pL for any letter)") from None


def check_re2_pattern(pattern: str) -> None:
    """Raise ValueError when RE2 (``tf.strings.regex_replace``) would refuse ``pattern``."""
    re2_groups(pattern)


def check_rewrite(pattern: str, rewrite: str) -> None:
    """Raise ValueError when ``rewrite`` is not a valid RE2 rewrite for ``pattern``:
    ``\\0``..``\\9`` must name an existing group, ``\\\\`` is a backslash, nothing else
    may follow a backslash."""
    groups = re2_groups(pattern)
    i = 0
    while i < len(rewrite):
        if rewrite[i] == "\\":
            nxt = rewrite[i + 1:i + 2]
            if nxt.isdigit():
                if int(nxt) > groups:
                    raise ValueError(f"rewrite {rewrite!r} uses group \\{nxt} but the pattern "
                                     f"has {groups} group(s)")
            elif nxt != "\\":
                raise ValueError(f"rewrite {rewrite!r}: a backslash must be followed by a "
                                 "group number (\\1) or another backslash")
            i += 2
        else:
            i += 1
