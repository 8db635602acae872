"""ReviewError: a review action that cannot be taken, and why."""

from __future__ import annotations

from gridwalker.domain.validators import Invalid


class ReviewError(ValueError):
    """A review action that cannot be taken; `.invalid` says why in zh and en."""

    def __init__(self, invalid: Invalid) -> None:
        super().__init__(f"{invalid.zh} / {invalid.en}")
        self.invalid = invalid


def not_found(entity: str, uuid: str) -> ReviewError:
    """The error for a record the desk has no review row of."""
    return ReviewError(
        Invalid(
            "review.not_found",
            f"找不到待审核的记录「{entity} {uuid}」",
            f"No received record {entity} {uuid}",
        )
    )
