"""Where bench/load.py's CPU goes: each part of the system read from /proc, the machine as a whole, and whether
anything else used the machine while the bench measured (then its figures are not written into the docs).

A part is a tree of processes. Its CPU is the sum, over the tree's living processes, of what each used itself and
what its children that ended used (`cutime`, `cstime`): a PostgreSQL backend or a gunicorn worker that exits within
a window is counted by the parent that reaped it, so nothing is lost between two readings and nothing counted
twice.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from bench import common
from bench.common import TICK

CORES = os.cpu_count() or 1
# A machine is quiet enough to measure on when its 1-minute load average before the run is at most this share of
# its cores, and when processes outside the bench's own parts used at most this share of them during every window.
QUIET_LOAD = 0.5
QUIET_OTHER = 0.1
# Server processes found by name: the whole PostgreSQL server and every RabbitMQ node on the machine (the bench's
# are the only load on them when the machine is quiet).
SERVERS = {"postgresql": ("postgres",), "rabbitmq": ("beam.smp", "epmd")}


def own_cpu():
    """This process's CPU seconds, every thread (the load generator and the SMTP sink), without its children."""
    times = os.times()
    return times.user + times.system


def machine_busy():
    """CPU seconds the machine spent on anything but idle and I/O wait since boot, every core together."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / TICK


def tree_cpu(table, roots):
    """CPU seconds of the processes `roots` and all their living descendants (see the module's docstring); `table`
    is bench.common.process_table()."""
    children = {}
    for pid, stat in table.items():
        children.setdefault(stat.parent, []).append(pid)
    total, todo, seen = 0.0, [pid for pid in roots if pid in table], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += table[pid].cpu + table[pid].reaped_cpu
        todo += children.get(pid, [])
    return total


def server_roots(table, names):
    """The top processes named one of `names` (a postmaster, a RabbitMQ node), not their children of that name."""
    return [
        pid
        for pid, stat in table.items()
        if stat.name in names and (stat.parent not in table or table[stat.parent].name != stat.name)
    ]


@dataclass
class Reading:
    at: float
    parts: dict
    machine: float


def reading(at, processes):
    """The CPU seconds of every part at `at` (time.monotonic()): `processes` maps a part to its root pids; the
    servers, and the bench itself, are added."""
    table = common.process_table()
    parts = {name: tree_cpu(table, roots) for name, roots in processes.items()}
    for part, names in SERVERS.items():
        parts[part] = tree_cpu(table, server_roots(table, names))
    parts["load generator"] = own_cpu()
    return Reading(at, parts, machine_busy())


def cores_busy(before, after):
    """{part: cores busy} between two readings, with "other": the machine's busy time that no part accounts for."""
    elapsed = after.at - before.at
    busy = {part: (after.parts[part] - before.parts.get(part, 0.0)) / elapsed for part in after.parts}
    busy["other"] = max(0.0, (after.machine - before.machine) / elapsed - sum(busy.values()))
    return busy


def quiet_reasons(load_before, windows):
    """Why the figures may not be trusted: [] when the machine was quiet. `windows` is [(label, cores busy)]."""
    reasons = []
    if load_before > QUIET_LOAD * CORES:
        reasons.append(f"the 1-minute load average was {load_before:.2f} before the run (limit {QUIET_LOAD * CORES:g})")
    busy = [(label, cores["other"]) for label, cores in windows if cores["other"] > QUIET_OTHER * CORES]
    if busy:
        label, most = max(busy, key=lambda item: item[1])
        reasons.append(
            f"other processes used more than {QUIET_OTHER * CORES:g} cores in {len(busy)} of {len(windows)} "
            f"measurements (at most {most:.2f} cores, during {label})"
        )
    return reasons
