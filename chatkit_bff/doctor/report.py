"""A doctor's report: one line per check with a verdict and, when something is wrong, the fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["ok", "info", "warn", "fail"]
_MARKS = {"ok": "ok  ", "info": "info", "warn": "WARN", "fail": "FAIL"}


@dataclass(frozen=True)
class Check:
    group: str
    name: str
    verdict: Verdict
    detail: str
    fix: str | None = None

    def line(self) -> str:
        text = f"[{_MARKS[self.verdict]}] {self.group}: {self.name}: {self.detail}"
        return text + (f"\n       fix: {self.fix}" if self.fix else "")


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    #: What this deployment must register elsewhere (provider, OpenAI dashboard), for copying.
    register: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(check.verdict == "fail" for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.verdict == "fail"]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [asdict(check) for check in self.checks],
            "register": self.register,
        }

    def to_text(self) -> str:
        lines = [check.line() for check in self.checks]
        if self.register:
            lines.append("")
            lines.append("Register these (copy exactly):")
            lines += [f"  {name}: {value}" for name, value in self.register.items()]
        lines.append("")
        failed = len(self.failures)
        lines.append("All checks passed." if not failed else f"{failed} check(s) failed.")
        return "\n".join(lines)
