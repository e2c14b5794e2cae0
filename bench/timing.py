"""Repeated timing of one operation, with the median and 95th percentile of its latency."""

import dataclasses
import statistics
import time
from collections.abc import Callable


@dataclasses.dataclass
class Measurement:
    """Latencies of one benchmark case, in milliseconds."""

    group: str
    case: str
    user: str
    samples: list[float]
    # CPU time of this process per run; for HTTP runs the work happens in the server instead.
    cpu_samples: list[float] = dataclasses.field(default_factory=list)
    # What one call returned: the number of matching rows, or an HTTP status and body size.
    detail: str = ""
    # The target for p50 and p95 in milliseconds, or None where the brief sets none.
    target_p50: float | None = None
    target_p95: float | None = None

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=100, method="inclusive")[94]

    @property
    def cpu_p50(self) -> float | None:
        return statistics.median(self.cpu_samples) if self.cpu_samples else None

    @property
    def meets_target(self) -> bool | None:
        if self.target_p50 is None or self.target_p95 is None:
            return None
        return self.p50 <= self.target_p50 and self.p95 <= self.target_p95

    def as_dict(self) -> dict[str, object]:
        return {
            "group": self.group,
            "case": self.case,
            "user": self.user,
            "runs": len(self.samples),
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "min_ms": round(min(self.samples), 2),
            "max_ms": round(max(self.samples), 2),
            "cpu_p50_ms": None if self.cpu_p50 is None else round(self.cpu_p50, 2),
            "detail": self.detail,
            "target_p50_ms": self.target_p50,
            "target_p95_ms": self.target_p95,
            "meets_target": self.meets_target,
        }


def measure(
    operation: Callable[[], object],
    *,
    repeat: int,
    warmup: int,
    budget_seconds: float,
) -> tuple[list[float], list[float]]:
    """Run `operation` `warmup` times untimed, then up to `repeat` times timed.

    Returns the wall-clock and the CPU time of this process per timed run, in ms. CPU time
    shows the cost of the work itself when other processes compete for the CPUs. Timed runs
    stop early once `budget_seconds` have passed, so one slow case cannot hold up the whole run,
    and the number of samples shows when that happened.
    """
    for _ in range(warmup):
        operation()
    samples: list[float] = []
    cpu_samples: list[float] = []
    deadline = time.monotonic() + budget_seconds
    for _ in range(repeat):
        started = time.perf_counter()
        cpu_started = time.process_time()
        operation()
        cpu_samples.append((time.process_time() - cpu_started) * 1000)
        samples.append((time.perf_counter() - started) * 1000)
        if time.monotonic() > deadline:
            break
    return samples, cpu_samples


def markdown_table(measurements: list[Measurement]) -> str:
    """Format measurements as the table of docs/benchmarks.md."""
    lines = [
        "| group | case | user | runs | p50 ms | p95 ms | max ms | CPU p50 ms | result "
        "| target | met |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for item in measurements:
        verdict = {True: "yes", False: "**no**", None: ""}[item.meets_target]
        target = (
            f"p50 ≤ {item.target_p50:g}, p95 ≤ {item.target_p95:g}"
            if item.target_p50 is not None and item.target_p95 is not None
            else ""
        )
        cpu = "" if item.cpu_p50 is None else f"{item.cpu_p50:.1f}"
        lines.append(
            f"| {item.group} | {item.case} | {item.user} | {len(item.samples)} "
            f"| {item.p50:.1f} | {item.p95:.1f} | {max(item.samples):.1f} | {cpu} | {item.detail} "
            f"| {target} | {verdict} |"
        )
    return "\n".join(lines)


def measure_pair(
    first: Callable[[], object],
    second: Callable[[], object],
    *,
    repeat: int,
    warmup: int,
    budget_seconds: float,
) -> tuple[tuple[list[float], list[float]], tuple[list[float], list[float]]]:
    """Time two operations in turns, so both see the same load from other processes.

    Returns (wall-clock ms, CPU ms) per timed run for each operation. The order within a turn
    alternates, so neither always runs with the warmer cache.
    """
    for _ in range(warmup):
        first()
        second()
    results: tuple[tuple[list[float], list[float]], ...] = (([], []), ([], []))
    deadline = time.monotonic() + budget_seconds
    for turn in range(repeat):
        order = (0, 1) if turn % 2 == 0 else (1, 0)
        for index in order:
            operation = (first, second)[index]
            started = time.perf_counter()
            cpu_started = time.process_time()
            operation()
            results[index][1].append((time.process_time() - cpu_started) * 1000)
            results[index][0].append((time.perf_counter() - started) * 1000)
        if time.monotonic() > deadline:
            break
    return results[0], results[1]
