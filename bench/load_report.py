"""bench/load.py's figures as text: the "Load: the whole system" section of docs/benchmarks.md, and the figures
block of docs/scaling.md (rewritten with --write-scaling)."""

import argparse
import re

from bench import load_cpu
from bench.common import REPO, machine, ms
from bench.load_limit import UTILISATION, first_to_saturate, sizing
from bench.load_traffic import MAX_IN_FLIGHT

SECTION = "Load: the whole system"
SCALING = REPO / "docs" / "scaling.md"
BEGIN, END = "<!-- figures: bench/load.py --write-scaling -->", "<!-- end of figures -->"
PARTS = ("web", "workers", "postgresql", "rabbitmq", "load generator")
# Issue 23's targets: the rate held against the mix's CPU limit, and against the baseline's rate held.
LIMIT_TARGET = 0.85
BASELINE_TARGET = 2


def web_model(text):
    """ "sync:4" or "gthread:2x4" -> (worker class, processes, threads)."""
    worker_class, _, size = text.partition(":")
    processes, _, threads = size.partition("x")
    if worker_class not in ("sync", "gthread") or not processes.isdigit() or (threads and not threads.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r}: expected sync:PROCESSES or gthread:PROCESSESxTHREADS")
    return worker_class, int(processes), int(threads or 1)


def model_name(model):
    worker_class, processes, threads = model
    return f"{worker_class}:{processes}" + (f"x{threads}" if worker_class == "gthread" else "")


def _met(ok):
    return "met" if ok else "**not met**"


def _ratio(value, reference):
    return "-" if value == float("inf") or not reference else f"{value / reference:.1f}x"


def _ms(seconds):
    return ms(seconds, digits=1, unit=False)


def held_step(ladder):
    """The step of the highest rate held, or None."""
    steps = [step for step in ladder["steps"] if step["held"]]
    return max(steps, key=lambda step: step["rate"]) if steps else None


def cpu_per_request(step):
    """{part: CPU seconds a request} while `step` ran."""
    return {part: step["cpu"][part] / step["achieved"] for part in PARTS if part in step["cpu"]}


def _costs(mix, candidate):
    shares = {kind: weight / sum(w for _, w in mix) for kind, weight in mix}
    lines = [
        "| endpoint | share | CPU ms a request | " + " | ".join(PARTS) + " | share x CPU ms |",
        "|---|---:|---:|" + "---:|" * len(PARTS) + "---:|",
    ]
    for kind, parts in candidate["costs"].items():
        total = sum(parts.values())
        cells = [_ms(parts.get(part, 0.0)) for part in PARTS]
        lines.append(
            f"| {kind} | {shares[kind]:.0%} | {_ms(total)} | " + " | ".join(cells) + f" | {_ms(shares[kind] * total)} |"
        )
    idle = sum(value for part, value in candidate["idle"].items() if part != "other")
    lines += [
        "",
        f"The mix's CPU limit: ({load_cpu.CORES} cores - {idle:.2f} cores busy when idle) / "
        f"{_ms(candidate['per_request'])} ms a request = **{candidate['limit']:.1f} requests/s**.",
    ]
    return lines


def _ladder(title, ladder):
    lines = [
        f"#### {title}",
        "",
        "| rate asked | req/s done | held | slowest p95 (endpoint) | errors | mails arrived | cores: ours / other "
        "| load avg before → after |",
        "|---:|---:|---|---|---:|---|---|---|",
    ]
    for step in ladder["steps"]:
        kind, row = max(step["rows"].items(), key=lambda item: item[1]["p95"])
        errors = sum(row["errors"] + row["busy"] for kind, row in step["rows"].items() if kind != "views")
        ours = sum(value for part, value in step["cpu"].items() if part != "other")
        before, after = step["load"]
        lines.append(
            f"| {step['rate']:.1f} | {step['achieved']:.1f} | {'yes' if step['held'] else 'no'} "
            f"| {ms(row['p95'], digits=0)} ({kind}) | {errors} | {'all' if step['arrived'] else 'NOT all'} "
            f"| {ours:.2f} / {step['cpu']['other']:.2f} | {before:.2f} → {after:.2f} |"
        )
    return [*lines, ""]


def _endpoints(step):
    lines = ["| endpoint | n | p50 ms | p95 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
    for kind, row in step["rows"].items():
        lines.append(
            f"| {kind} | {row['n']} | {_ms(row['p50'])} | {_ms(row['p95'])} | {_ms(row['p99'])} | {row['errors']} |"
        )
    return lines


def _bursts(args, candidate, baseline):
    runs = [(f"this code, gunicorn {name}", burst) for name, burst in candidate["bursts"].items()]
    if baseline:
        runs.append((f"baseline {args.baseline}, gunicorn {model_name(args.baseline_web)}", baseline["burst"]))
    rate = runs[0][1]["rate"]
    lines = [
        f"### Page views during a burst of sign-ups ({args.burst_seconds} s each)",
        "",
        f"Every page view of the mix at {rate:.1f} requests/s, alone, then with 5 sign-ups a second over the same "
        "views (each sign-up one PBKDF2 hash).",
        "",
        "| run | views p95 alone | views p95 during the burst | ratio | sign-ups p95 | sign-ups refused (503) "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, burst in runs:
        alone, during, signup = burst["alone"]["views"], burst["burst"]["views"], burst["burst"]["signup"]
        errors = during["errors"] + signup["errors"]
        lines.append(
            f"| {label} | {ms(alone['p95'])} | {ms(during['p95'])} | {_ratio(during['p95'], alone['p95'])} "
            f"| {ms(signup['p95'])} | {signup['busy']} of {signup['n']} | {errors} |"
        )
    return [*lines, ""]


def report(args, mix, candidate, baseline, load_before, reasons):
    first = next(iter(candidate["ladders"]))
    lines = [
        f"`bench/load.py --mix {args.mix}` ({machine()}; PostgreSQL; RabbitMQ "
        f"{'3-node cluster, quorum queues' if args.broker == 'cluster' else 'one node, classic queues'}; two "
        f"`rundramatiq` processes of 8 threads; SMTP sink on loopback; load average {load_before:.2f} before the "
        f"run). Open loop (at most {MAX_IN_FLIGHT} requests in flight), {args.seconds} s a rate, latency from each "
        "request's planned start; rate limits off. Mix: "
        + ", ".join(f"{weight} % {kind}" for kind, weight in mix)
        + ".",
        "",
    ]
    if reasons:
        why = "; ".join(reasons)
        lines += [f"**The machine was busy: these figures are not to be trusted.** {why[0].upper()}{why[1:]}.", ""]
    lines += ["### Each endpoint alone, and the mix's CPU limit", "", *_costs(mix, candidate), ""]
    bounds = ", ".join(f"{kind} {ms(bound, digits=0)}" for kind, bound in candidate["p95_limits"].items())
    lines += [
        "### The rate held",
        "",
        "A rate is held when no request failed or was refused, every mail it asked for arrived, and every endpoint's "
        f"p95 is under 500 ms; sign-ups and logins under 500 ms beyond their own CPU measured alone ({bounds}).",
        "",
    ]
    for name, ladder in candidate["ladders"].items():
        lines += _ladder(f"This code, gunicorn {name}", ladder)
    if baseline:
        lines += _ladder(f"Baseline {args.baseline}, gunicorn {model_name(args.baseline_web)}", baseline["ladder"])
    summary = []
    for name, ladder in candidate["ladders"].items():
        held = ladder["held"]
        summary.append(
            f"- gunicorn {name}: held **{held:.1f} requests/s**, {held / candidate['limit']:.2f}x the limit "
            f"(target {LIMIT_TARGET}x: {_met(held / candidate['limit'] >= LIMIT_TARGET)})"
            if held
            else f"- gunicorn {name}: held no rate tried"
        )
    if baseline:
        base, ours = baseline["ladder"]["held"], candidate["ladders"][first]["held"]
        ratio = f" ({ours / base:.2f}x the baseline)" if base and ours else ""
        summary.append(
            f"- baseline {args.baseline} ({model_name(args.baseline_web)}): held "
            f"{f'{base:.1f}' if base else 'no'} requests/s{ratio}; target {BASELINE_TARGET}x: "
            f"{_met(bool(ours) and (not base or ours / base >= BASELINE_TARGET))}"
        )
    lines += [*summary, ""]
    step = held_step(candidate["ladders"][first])
    if step:
        lines += [f"Each endpoint at {step['rate']:.1f} requests/s (gunicorn {first}, the highest rate held):", ""]
        lines += [*_endpoints(step), ""]
    lines += _bursts(args, candidate, baseline)
    mail = candidate["mail"]
    lines.append(
        f"- Mail: {mail['lost']} of {mail['asked']} mails asked for missing after the run "
        f"({'all arrived' if mail['complete'] else 'NOT all arrived'}), {mail['dup']} duplicate(s)."
    )
    if candidate["drain"]:
        one, two = candidate["drain"]
        lines.append(
            f"- Mail delivery from a backlog of {args.backlog} contact mails: one worker process {one:.1f} mails/s, "
            f"two {two:.1f} mails/s (x{two / one:.2f})."
        )
    return "\n".join(lines) + "\n"


def scaling_text(args, candidate):
    """The figures block of docs/scaling.md: what saturates first and the machines 10x, 100x, 1,000x need."""
    first = next(iter(candidate["ladders"]))
    step = held_step(candidate["ladders"][first])
    if step is None:
        return "The last run held no rate: no sizing could be drawn from it."
    cpu = cpu_per_request(step)
    clients = cpu.pop("load generator", 0.0)  # the visitors' side: in the rate held, not in a deployment
    part, share = first_to_saturate(cpu)
    held = step["rate"]
    per_machine = UTILISATION * held
    lines = [
        f"From `bench/load.py --mix {args.mix}` on one {load_cpu.CORES}-core machine (gunicorn {first}): held "
        f"**{held:.1f} requests/s** against a CPU limit of {candidate['limit']:.1f} "
        f"({held / candidate['limit']:.2f}x). CPU a request of the mix at that rate: "
        + ", ".join(f"{name} {value * 1000:.2f} ms" for name, value in cpu.items())
        + f" (and {clients * 1000:.2f} ms in the load generator, which shared the machine).",
        "",
        f"**What saturates first: {part}**, {share:.0%} of the deployment's CPU a request.",
        "",
        f"Machines like this one, each planned at {UTILISATION:.0%} of the rate it held ({per_machine:.1f} "
        f"requests/s): ceil(rate / {per_machine:.1f}). A part's cores: its CPU a request x the rate / {UTILISATION}, "
        f"e.g. {part} at 10x: {cpu[part] * 1000:.2f} ms x {10 * held:,.0f}/s / {UTILISATION} = "
        f"{cpu[part] * 10 * held / UTILISATION:.1f} cores.",
        "",
        "| | rate | machines like this one | " + " | ".join(f"{name} cores" for name in cpu) + " |",
        "|---|---:|---|" + "---:|" * len(cpu),
    ]
    for row in sizing(held, cpu, load_cpu.CORES):
        cores = " | ".join(f"{value:,.1f}" for value in row["cores"].values())
        machines = f"ceil({row['rate']:,.0f} / {per_machine:.1f}) = {row['machines']:,}"
        lines.append(f"| {row['factor']:,}x | {row['rate']:,.0f} req/s | {machines} | {cores} |")
    return "\n".join(lines)


def write_scaling(args, candidate):
    text = SCALING.read_text()
    block = f"{BEGIN}\n{scaling_text(args, candidate)}\n{END}"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{SCALING.name} has no figures block ({BEGIN} … {END}) to rewrite")
    SCALING.write_text(pattern.sub(lambda _: block, text))
    print(f"Written to {SCALING.relative_to(REPO)} (its figures block).")
