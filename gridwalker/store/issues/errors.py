"""What the issue log refuses: a bad input, an issue that is not there."""

from __future__ import annotations

from gridwalker.domain.validators import Invalid


class IssueInputError(ValueError):
    """Input that cannot be logged; `.problems` maps each bad field to its bilingual reason."""

    def __init__(self, problems: dict[str, Invalid]) -> None:
        super().__init__("; ".join(f"{k}: {v.zh} / {v.en}" for k, v in problems.items()))
        self.problems = problems


class IssueNotFound(LookupError):
    """No live issue has that uuid (or uuid prefix); `.invalid` says so in zh and en."""

    def __init__(self, invalid: Invalid) -> None:
        super().__init__(f"{invalid.zh} / {invalid.en}")
        self.invalid = invalid
