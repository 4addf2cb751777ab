"""Checks on a matched number: a real ID-card number has its checksum, a card number its Luhn.

Each takes the canonical text and the match span, and also refuses a match that is only part
of a longer run of digits (an order number is not an ID card because 18 of its digits are).
"""

from __future__ import annotations

from collections.abc import Callable

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10x98765432"


def _standalone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not (before.isdigit() or after.isdigit() or (after != "" and after in "xX"))


def id_check_digit(body: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_card_valid(number: str) -> bool:
    """GB 11643-1999 checksum of an 18-character resident ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return id_check_digit(number[:17]) == number[17].lower()


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit to append to ``body``."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:  # doubled: these are the odd positions once the check digit is added
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Luhn checksum (bank cards), 16 to 19 digits."""
    if not (16 <= len(number) <= 19 and number.isdigit()):
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def id_card(text: str, start: int, end: int) -> bool:
    """The span is a standalone ID number with a valid checksum."""
    return _standalone(text, start, end) and id_card_valid(text[start:end])


def bank_card(text: str, start: int, end: int) -> bool:
    """The span is a standalone card number that passes Luhn."""
    return _standalone(text, start, end) and luhn_valid(text[start:end])


def mobile(text: str, start: int, end: int) -> bool:
    """The span is a standalone 11-digit mainland mobile number."""
    return _standalone(text, start, end)


VALIDATORS: dict[str, Callable[[str, int, int], bool]] = {
    "id_card": id_card, "bank_card": bank_card, "mobile": mobile}
