"""Erlang C: how many counters a queue needs to meet a service-level target.

The M/M/N queue of the textbooks (Poisson arrivals, exponential handling times, N servers,
one queue, first come first served). With traffic A = arrival rate x mean handling time
(in erlangs) and N > A servers:

- P(wait) = Erlang C(N, A), computed through the Erlang B recursion, which stays exact
  for hundreds of servers where A^N / N! would overflow;
- service level = P(wait <= t) = 1 - P(wait) x exp(-(N - A) x t / h);
- mean wait = P(wait) x h / (N - A).

Pure arithmetic: no database, no clock.
"""

from __future__ import annotations

import math

MAX_SERVERS = 1000
"""No hall needs more; a target that cannot be met below it is reported as not met."""


def erlang_b(servers: int, traffic: float) -> float:
    """Blocking probability of `servers` lines offered `traffic` erlangs (Erlang B)."""
    if servers < 0 or traffic < 0:
        raise ValueError("servers and traffic must not be negative")
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(servers: int, traffic: float) -> float:
    """Probability that an arrival has to wait (Erlang C); 1.0 when the queue is unstable
    (servers <= traffic: it grows without end)."""
    if traffic <= 0:
        return 0.0
    if servers <= traffic:
        return 1.0
    blocking = erlang_b(servers, traffic)
    return servers * blocking / (servers - traffic * (1 - blocking))


def service_level(servers: int, traffic: float, handling: float, target: float) -> float:
    """Share of arrivals served (called) within `target`, in the unit of `handling`."""
    if traffic <= 0:
        return 1.0
    if servers <= traffic:
        return 0.0
    waiting = erlang_c(servers, traffic)
    return 1 - waiting * math.exp(-(servers - traffic) * target / handling)


def mean_wait(servers: int, traffic: float, handling: float) -> float:
    """Average wait over all arrivals, in the unit of `handling`; inf when unstable."""
    if traffic <= 0:
        return 0.0
    if servers <= traffic:
        return math.inf
    return erlang_c(servers, traffic) * handling / (servers - traffic)


def servers_needed(
    arrivals: float, handling: float, target: float, share: float
) -> int:
    """The fewest servers that answer `share` of `arrivals` within `target`.

    `arrivals` is a count per period and `handling` and `target` are in one time unit with
    the period measured in it too: 100 per 30 minutes with 3-minute handling is
    `servers_needed(100 / 30, 3, 20 / 60, 0.8)`. Zero arrivals need zero servers.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be > 0 and <= 1, got {share}")
    if handling <= 0 or target < 0 or arrivals < 0:
        raise ValueError("handling must be > 0, target and arrivals >= 0")
    traffic = arrivals * handling
    if traffic == 0:
        return 0
    servers = max(1, math.floor(traffic) + 1)
    while service_level(servers, traffic, handling, target) < share:
        servers += 1
        if servers > MAX_SERVERS:
            raise ValueError(f"more than {MAX_SERVERS} servers needed for {traffic:g} erlangs")
    return servers
