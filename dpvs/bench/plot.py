#!/usr/bin/python3
"""Draws build/bench.csv as build/bench.png: one panel per kind of figure.

Left: the data plane in Mpps (testpmd, FullNAT/DR/NAT/TUN, FullNAT at
scale) with TSC cycles per packet written on the bars.  Middle: new
FullNAT connections/s and end-to-end requests/s.  Right: end-to-end
bulk throughput.  Every bar carries its ratio to its reference row.
    plot.py CSV PNG
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def bars(ax, rows, title, unit, color):
    names = [r["what"] for r in rows]
    vals = [float(r["value"]) for r in rows]
    ax.barh(range(len(rows)), vals, color=color)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(unit, fontsize=9)
    top = max(vals) if vals and max(vals) > 0 else 1
    for i, r in enumerate(rows):
        label = []
        if r["cycles_per_packet"] not in ("-", ""):
            label.append("%s cyc" % r["cycles_per_packet"])
        if r["ratio"] not in ("-", ""):
            label.append("x%s" % r["ratio"])
        ax.text(vals[i] + top * 0.01, i, "  ".join(label), va="center", fontsize=7)
    ax.set_xlim(0, top * 1.45)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = list(csv.DictReader(open(src)))
    mpps = [r for r in rows if r["unit"] == "Mpps"]
    rate = [r for r in rows if r["unit"] in ("conn/s", "req/s")]
    gbps = [r for r in rows if r["unit"] == "Gbit/s"]
    panels = [p for p in ((mpps, "Data plane, 1 worker, 64-byte frames", "Mpps", "tab:blue"),
                          (rate, "Connections and requests per second", "per second",
                           "tab:orange"),
                          (gbps, "End to end bulk TCP (iperf3)", "Gbit/s", "tab:green"))
              if p[0]]
    if not panels:
        sys.exit("plot: no figures in %s" % src)
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 5.5))
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
