"""Compare a new report with a baseline: regressions fail the gate, improvements are listed."""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.report import ReportError


@dataclass
class GateResult:
    regressions: list[tuple[str, str, str]] = field(default_factory=list)  # id, old, new
    improvements: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.regressions


def compare(baseline: dict, new: dict, *, allow_other_impl: bool = False) -> GateResult:
    """A regression is a behaviour that passed in ``baseline`` and does not pass in ``new``
    (fails, became a listed deviation, or is missing); an improvement is the reverse."""
    old_name = baseline["implementation"]["name"]
    new_name = new["implementation"]["name"]
    if old_name != new_name and not allow_other_impl:
        raise ReportError(f"baseline is for {old_name!r} but the report is for {new_name!r} "
                          f"(use --allow-other-impl to compare them anyway)")
    if not new["run"].get("complete", False):
        raise ReportError(f"the report is incomplete (run status: {new['run'].get('status')}); "
                          f"a partial run cannot pass the gate")
    result = GateResult()
    old_behaviors, new_behaviors = baseline["behaviors"], new["behaviors"]
    for bid in sorted(set(old_behaviors) | set(new_behaviors)):
        old = old_behaviors.get(bid, {}).get("status", "missing")
        now = new_behaviors.get(bid, {}).get("status", "missing")
        if old == "pass" and now != "pass":
            result.regressions.append((bid, old, now))
        elif old != "pass" and now == "pass":
            result.improvements.append((bid, old, now))
    return result


def format_result(result: GateResult, baseline: str | None = None,
                  report: str | None = None) -> str:
    lines = []
    if result.regressions:
        lines.append(f"{len(result.regressions)} regression(s):")
        lines += [f"  {bid}: {old} -> {new}" for bid, old, new in result.regressions]
    if result.improvements:
        lines.append(f"{len(result.improvements)} improvement(s):")
        lines += [f"  {bid}: {old} -> {new}" for bid, old, new in result.improvements]
        if baseline and report and result.passed:
            lines.append(f"to take them into the baseline: cp {report} {baseline}")
    if not lines:
        lines.append("no change in behaviour status")
    lines.append("gate: " + ("passed" if result.passed else "FAILED"))
    return "\n".join(lines)
