"""A rate as the figures pages show it: numerator, denominator, and "—" when there is nothing to count."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def display(self) -> str:
        # A zero denominator is "no figure", never 0 %.
        return "—" if self.value is None else f"{self.value * 100:.1f}%"

    def __str__(self) -> str:
        return self.display
