"""Checks of a call's arguments that the method groups share, made before Ozon is asked: a
mistake of the caller is a `ValueError` at once, never a request Ozon refuses."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ozon.fields import canonical_id, fold_enum

__all__ = ["SORT_DIRS", "ids", "one_of", "required_id", "sku_number"]

SORT_DIRS = ("ASC", "DESC")


def one_of(value: str, allowed: Sequence[str]) -> str:
    """An enum value in Ozon's spelling (any case in, upper case out), when it is allowed."""
    folded = fold_enum(value)
    if folded not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return folded


def required_id(value: str) -> str:
    """An opaque id (a review's, a question's) without outer blanks; never empty."""
    text = value.strip()
    if not text:
        raise ValueError("an id must not be empty")
    return text


def ids(values: Sequence[str], what: str, most: int | None = None) -> list[str]:
    """Distinct ids in their order: at least one, at most `most` (None: no limit)."""
    if isinstance(values, str):
        raise TypeError(f"{what} must be a sequence of ids, not one string")
    distinct = [required_id(value) for value in dict.fromkeys(values)]
    if not distinct or (most is not None and len(distinct) > most):
        raise ValueError(f"{what} must name 1..{most or 'any number of'} ids")
    return distinct


def sku_number(value: str) -> int:
    """A SKU (decimal text, as the models keep it) as the JSON integer Ozon's schema asks for."""
    sku = int(canonical_id(value))
    if sku == 0:
        raise ValueError("sku must name a product")
    return sku
