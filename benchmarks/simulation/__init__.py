"""A council's year, simulated on the real product: `python -m benchmarks.simulation` (or `make simulate`).

See docs/simulation.md: what it simulates, the invariants checked at the end of every simulated day, the
figures of a full run and the committee's report it writes.
"""

from .run import Result, Simulation
from .world import Options

__all__ = ["Options", "Result", "Simulation"]
