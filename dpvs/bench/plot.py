#!/usr/bin/python3
"""Draws build/bench.csv as build/bench.png: one panel per kind of figure.

Left: the data plane, one worker, in millions per second: testpmd, the
established-flow rows (packets) and new FullNAT connections, with TSC
cycles per packet (or connection) on the bars; a row run on hugepages
(`*_huge`) is drawn next to its --no-huge twin, in a darker shade.  Middle: end-to-end
requests/s.  Right: end-to-end bulk throughput.  Every bar carries its
ratio to its reference row.  Control-plane rows are in the table only.
    plot.py CSV PNG
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def base_of(what):
    """The row's name without the memory kind, and whether it is _huge."""
    for tail in ("_huge (Mconn/s)", "_huge"):
        if what.endswith(tail):
            return what[: -len(tail)] + tail[len("_huge"):], True
    return what, False


def slots(rows):
    """y positions: a _huge row just below its --no-huge twin."""
    order, pos = [], []
    for r in rows:
        name, huge = base_of(r["what"])
        if huge and name in order:
            pos.append(order.index(name) * 1.0 + 0.4)
            continue
        order.append(name)
        pos.append(len(order) - 1.0)
    return order, pos


def bars(ax, rows, title, unit, color):
    order, pos = slots(rows)
    paired = any(base_of(r["what"])[1] for r in rows)
    # Paired: a name's --no-huge bar spans y..y+0.4, its _huge one below.
    h, mid = (0.4, 0.2) if paired else (0.8, 0.0)
    vals = [float(r["value"]) for r in rows]
    colors = ["navy" if base_of(r["what"])[1] else color for r in rows]
    ax.barh([p + mid for p in pos], vals, height=h, color=colors)
    ax.set_yticks([i + 2 * mid for i in range(len(order))])
    ax.set_yticklabels(order, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title + ("\n(dark: the same row on hugepages)" if paired else ""),
                 fontsize=10)
    ax.set_xlabel(unit, fontsize=9)
    top = max(vals) if vals and max(vals) > 0 else 1
    for i, r in enumerate(rows):
        label = []
        if r["cycles_per_packet"] not in ("-", ""):
            label.append("%s cyc" % r["cycles_per_packet"])
        if r["ratio"] not in ("-", ""):
            label.append("x%s" % r["ratio"])
        ax.text(vals[i] + top * 0.01, pos[i] + mid, "  ".join(label),
                va="center", fontsize=6 if paired else 7)
    ax.set_xlim(0, top * 1.45)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(src)))
    mpps = []
    for r in rows:
        if r["unit"] == "Mpps":
            mpps.append(r)
        elif r["unit"] == "conn/s":
            r = dict(r, value=str(float(r["value"]) / 1e6),
                     what=r["what"] + " (Mconn/s)")
            mpps.append(r)
    rps = [r for r in rows if r["unit"] == "req/s" and r["what"].startswith("e2e_")]
    gbps = [r for r in rows if r["unit"] == "Gbit/s"]
    panels = [p for p in ((mpps, "Data plane, 1 worker, 64-byte frames",
                           "Mpps (new connections: millions/s)", "tab:blue"),
                          (rps, "End to end, short connections (wrk)", "requests/s",
                           "tab:orange"),
                          (gbps, "End to end, bulk TCP (iperf3)", "Gbit/s", "tab:green"))
              if p[0]]
    if not panels:
        sys.exit("plot: no figures in %s" % src)
    tall = max(len(slots(p[0])[0]) for p in panels)
    fig, axes = plt.subplots(1, len(panels),
                             figsize=(6.5 * len(panels), max(5.5, 1.5 + 0.3 * tall)))
    if len(panels) == 1:
        axes = [axes]
    for ax, p in zip(axes, panels):
        bars(ax, *p)
    fig.suptitle("dpvs make bench (ratios: to the reference row of the same run)",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    main()
