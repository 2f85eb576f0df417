"""The arithmetic of bench/load.py: a mix's CPU limit from its endpoints' costs, the search for the rate held, and
the machines a multiple of that rate needs. Pure functions, so tests can check them without a system running."""

import math

# Sized deployments leave this share of each core free, for peaks and for a machine lost.
UTILISATION = 0.6
FACTORS = (10, 100, 1000)
# Rates tried, as shares of the mix's CPU limit: a ladder that stops at its first failing rung, then bisections.
LADDER = (0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1.0, 1.1)
BISECTIONS = 2


def mix_limit(costs, shares, cores, idle=0.0):
    """(requests a second, CPU seconds a request): the rate of the mix that keeps `cores` busy.

    `costs` is each endpoint's CPU seconds a request across every process, measured alone; `shares` the mix's
    fraction of each endpoint; `idle` the cores the system uses doing nothing (heartbeats, queues' timers), which
    the mix's requests cannot use. limit = (cores - idle) / sum(share_i x cost_i)."""
    per_request = sum(share * costs[kind] for kind, share in shares.items())
    if per_request <= 0:
        raise ValueError("the mix's endpoints cost no CPU: the costs were not measured")
    return (cores - idle) / per_request, per_request


def rate_search(ladder, holds, bisections=BISECTIONS):
    """(highest rate held or None, [(rate, held)] in the order tried).

    Tries `ladder`'s rates in order and stops after the first that `holds(rate)` refuses, then bisects between the
    last rate held and that one `bisections` times. A system that fails the first rung has held nothing."""
    tried, held, failed = [], None, None
    for rate in ladder:
        ok = holds(rate)
        tried.append((rate, ok))
        if not ok:
            failed = rate
            break
        held = rate
    for _ in range(bisections if held is not None and failed is not None else 0):
        middle = (held + failed) / 2
        ok = holds(middle)
        tried.append((middle, ok))
        held, failed = (middle, failed) if ok else (held, middle)
    return held, tried


def sizing(held, cpu_per_request, cores, factors=FACTORS, utilisation=UTILISATION):
    """How many machines like this one, and how many cores each part needs, at `factors` times the rate `held`.

    `cpu_per_request` is {part: CPU seconds a request of the mix} at the rate held. Returns one row a factor:
    {"factor", "rate", "machines", "cores": {part: cores}}: machines = ceil(factor x held / (utilisation x held)),
    since one machine held `held`; a part's cores = its CPU a request x the rate / utilisation."""
    rows = []
    for factor in factors:
        rate = factor * held
        rows.append(
            {
                "factor": factor,
                "rate": rate,
                "machines": math.ceil(round(factor / utilisation, 9)),
                "cores": {part: cost * rate / utilisation for part, cost in cpu_per_request.items()},
                "machine_cores": cores,
            }
        )
    return rows


def first_to_saturate(cpu_per_request):
    """The part that uses the most CPU a request, and its share of the whole."""
    total = sum(cpu_per_request.values())
    part = max(cpu_per_request, key=cpu_per_request.get)
    return part, cpu_per_request[part] / total if total else 0.0
