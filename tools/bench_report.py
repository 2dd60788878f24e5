"""The report of tools/bench: its tables on the terminal and its chart.

The print_* functions print the tables tools/bench shows after a real run (not --tiny): the
budgets of BUDGETS and every figure (print_table), the figures of both kernels side by side
(print_side_by_side), gc_bench's write barriers (print_gc_barriers), the ratio budgets
(print_ratio_table), Atlas's wall-time figures alone (print_wall_atlas_only) and the
scaling table of the loops with its goals (print_scaling). draw_chart draws
build/bench/chart.svg with gnuplot from two panels, budget_panel and ratio_panel.
tools/bench imports this module (from its own directory); the tables it reports on are in
tools/bench_budgets.py. Python standard library only. See docs/performance.md.
"""
import math
import os
import shutil
import subprocess
import sys

from bench_budgets import WALL_REPEATS, hart_suffix, ratio


def format_number(value):
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def print_table(rows, figures):
    lines = [("budget", "figure", "budget", "% of budget", "verdict")]
    for row in rows:
        if row["figure"] is None:
            lines.append((row["name"], "-", "-", "-", row["verdict"]))
            continue
        sign = "<=" if row["direction"] == "most" else ">="
        load = "inf" if math.isinf(row["load"]) else f"{100 * row['load']:.0f}%"
        lines.append((row["name"], f"{format_number(row['figure'])} {row['unit']}",
                      f"{sign} {format_number(row['budget'])}", load, row["verdict"]))
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    for index, line in enumerate(lines):
        print("  ".join([line[0].ljust(widths[0]), line[1].rjust(widths[1]), line[2].rjust(widths[2]),
                         line[3].rjust(widths[3]), line[4]]).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print()
    print("All figures:")
    width = max((len(name) for name in figures), default=0)
    for name in sorted(figures):
        value, unit = figures[name]
        print(f"  {name.ljust(width)}  {format_number(value):>14} {unit}")


def print_side_by_side(figures, linux_figures):
    """Every figure both kernels produced: Atlas, Linux, Atlas/Linux."""
    names = sorted(name for name in figures if name in linux_figures)
    if not names:
        return
    lines = [("figure", "Atlas", "Linux", "Atlas/Linux", "unit")]
    for name in names:
        atlas, unit = figures[name]
        linux = linux_figures[name][0]
        share = ratio(atlas, linux)
        shown = "-" if atlas == linux == 0 else ("inf" if math.isinf(share) else f"{share:.2f}")
        lines.append((name, format_number(atlas), format_number(linux), shown, unit))
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    print()
    print("Side by side with Linux (tools/linux-ref --icount --cpus 1; Linux counts with rdtime x 100):")
    for index, line in enumerate(lines):
        print("  ".join([line[0].ljust(widths[0])] + [line[i].rjust(widths[i]) for i in (1, 2, 3)] +
                        [line[4]]).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


# gc_bench's workloads, each measured under both write barriers (print_gc_barriers).
GC_WORKLOADS = [("tree", "per mutation"), ("stores", "per store")]


def print_gc_barriers(figures, linux_figures):
    """gc_bench's page-protection and software write barriers side by side, per workload,
    on Atlas and (when it ran) on Linux: instructions and page/software."""
    if "gc_tree_page" not in figures:
        return
    kernels = [("Atlas", figures)] + ([("Linux", linux_figures)] if "gc_tree_page" in linux_figures else [])
    lines = [("workload", "kernel", "page protection", "software", "page/software", "barrier faults")]
    for workload, unit in GC_WORKLOADS:
        for kernel, values in kernels:
            page, software = values[f"gc_{workload}_page"][0], values[f"gc_{workload}_software"][0]
            faults = values[f"gc_{workload}_barrier_faults"][0]
            share = ratio(page, software)
            lines.append((f"{workload} ({unit})", kernel, format_number(page), format_number(software),
                          "inf" if math.isinf(share) else f"{share:.2f}", format_number(faults)))
    widths = [max(len(line[i]) for line in lines) for i in range(6)]
    print()
    print("The collector's write barriers (gc_bench, instructions; docs/vm.md):")
    for index, line in enumerate(lines):
        print("  ".join([line[0].ljust(widths[0]), line[1].ljust(widths[1])] +
                        [line[i].rjust(widths[i]) for i in (2, 3, 4, 5)]).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def ratio_verdict(row):
    if row["verdict"] == "BROKEN" and row["known_issue"]:
        return f"BROKEN (known, issue #{row['known_issue']})"
    if row["verdict"] == "ok" and row["known_issue"]:
        return f"ok (on the known-red list for issue #{row['known_issue']}: take it off)"
    return row["verdict"]


def format_ratio(value):
    return "-" if value is None else ("inf" if math.isinf(value) else f"{value:.2f}")


def print_ratio_table(rows):
    lines = [("ratio budget", "Atlas", "Linux", "unit", "Atlas/Linux", "limit", "runs", "verdict")]
    for row in rows:
        atlas = "-" if row["atlas"] is None else format_number(row["atlas"])
        linux = "-" if row["linux"] is None else format_number(row["linux"])
        runs = " ".join(format_ratio(value) for value in row.get("ratios", []))
        lines.append((row["name"], atlas, linux, row.get("unit", ""), format_ratio(row["ratio"]),
                      f"<= {row['limit']:.2f}", runs, ratio_verdict(row)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    print()
    print(f"Ratio budgets, Atlas over Linux on the same QEMU: instructions (-icount, one hart), and wall "
          f"time without -icount (the median of {WALL_REPEATS} back-to-back pairs; runs: each pair's ratio):")
    for index, line in enumerate(lines):
        print("  ".join([line[0].ljust(widths[0])] + [line[i].rjust(widths[i]) for i in (1, 2)] +
                        [line[3].ljust(widths[3])] + [line[i].rjust(widths[i]) for i in (4, 5)] +
                        [line[6].ljust(widths[6]), line[7]]).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def print_wall_atlas_only(wall):
    """The wall-time figures of Atlas alone (--no-linux with wall_bench named)."""
    print()
    print("Wall time on Atlas alone (no Linux run: ratio budgets skipped):")
    for (figure, harts), entry in sorted(wall.items(), key=lambda item: (item[0][1], item[0][0])):
        values = ", ".join(format_number(value) for value in entry["atlas"])
        print(f"  {(figure + hart_suffix(harts)).ljust(28)}  {values:>14} {entry['unit']}")


def print_scaling(table, goals, linux):
    cores = os.cpu_count() or 1
    print()
    print(f"Scaling, the loops with one process per hart (median pages/ms; N/1: throughput at N harts over "
          f"1 hart), on a host of {cores} cores:")
    lines = [("loop", "harts", "Atlas", "Atlas N/1") + (("Linux", "Linux N/1") if linux else ()) + ("",)]
    for row in table:
        values = [row["figure"], str(row["harts"]),
                  "-" if row["atlas"] is None else format_number(round(row["atlas"])),
                  format_ratio(row["atlas_scaling"])]
        if linux:
            values += ["-" if row["linux"] is None else format_number(round(row["linux"])),
                       format_ratio(row["linux_scaling"])]
        values.append(f"oversubscribed: {row['harts']} harts on {cores} cores" if row["oversubscribed"] else "")
        lines.append(tuple(values))
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for index, line in enumerate(lines):
        print("  ".join([line[0].ljust(widths[0])] + [line[i].rjust(widths[i]) for i in range(1, len(line) - 1)] +
                        [line[-1]]).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths[:-1]))
    for goal in goals:
        verdict = ratio_verdict(dict(goal, verdict=goal["verdict"]))
        if goal["verdict"] == "not judged":
            share = goal["foreign_share"]
            verdict = "not judged: " + ("no /proc/stat to tell a quiet host" if share is None else
                                        f"other programs used {100 * share:.0f}% of the host's CPU during the wall pass")
        print(f"  goal {goal['name']}: Atlas at {goal['harts']} harts >= {goal['least']:.1f}x its 1-hart "
              f"throughput (on a quiet machine): {format_ratio(goal['scaling'])}, {verdict}")


def budget_panel(rows, directory):
    """The gnuplot commands of the chart's budget panel (each judged row of BUDGETS as a
    horizontal bar, its figure as a percentage of its budget), and its height in pixels."""
    judged = [row for row in rows if row["load"] is not None and not math.isinf(row["load"])]
    if not judged:
        return [], 0
    data = os.path.join(directory, "chart.dat")
    with open(data, "w") as handle:
        for row in judged:
            colour = 0x2CA02C if row["verdict"] == "ok" else 0xD62728
            label = f"{format_number(row['figure'])} / {format_number(row['budget'])} {row['unit']}"
            handle.write(f"\"{row['name']}\"\t{100 * row['load']:.2f}\t{colour}\t\"{label}\"\n")
    top = max(100 * row["load"] for row in judged)
    script = [
        "set title 'Atlas: each figure as a percentage of its budget (100% = at the budget)' noenhanced",
        "set xlabel '% of budget (for \"at least\" budgets: budget / figure)' noenhanced",
        f"set yrange [{len(judged) - 0.5}:-0.5]",
        "set arrow 1 from 100, graph 0 to 100, graph 1 nohead dt 2 lw 2 lc rgb 'black'",
    ]
    if top > 400:
        script += ["set logscale x", f"set xrange [1:{top * 40:.0f}]", "low = 1"]
    else:
        script += ["unset logscale x", f"set xrange [0:{max(150, top * 1.35):.0f}]", "low = 0"]
    script.append(f"plot '{data}' using (low):0:(low):2:($0-0.35):($0+0.35):3:ytic(1) with boxxyerror "
                  "lc rgb variable, '' using 2:0:4 with labels left offset 0.6,0 noenhanced")
    return script, 120 + 34 * len(judged)


def ratio_panel(ratio_rows, directory):
    """The gnuplot commands of the chart's panel of both kernels: for each ratio budget, Linux
    as a grey bar of 1 and Atlas as a bar of Atlas/Linux (green if its ratio budget holds,
    orange if it is broken and on the known-red list, red otherwise) on a logarithmic axis,
    with a black tick at the budget; and its height in pixels."""
    judged = [row for row in ratio_rows if row["ratio"] is not None and not math.isinf(row["ratio"])
              and row["ratio"] > 0]
    if not judged:
        return [], 0
    data = os.path.join(directory, "chart-linux.dat")
    with open(data, "w") as handle:
        for row in judged:
            colour = 0x2CA02C if row["verdict"] == "ok" else (0xFF7F0E if row["known_issue"] else 0xD62728)
            label = (f"{format_ratio(row['ratio'])}: Atlas {format_number(row['atlas'])}, Linux "
                     f"{format_number(row['linux'])} {row['unit']}" +
                     (f" (known red, #{row['known_issue']})" if row["verdict"] != "ok" and row["known_issue"]
                      else ""))
            handle.write(f"\"{row['name']}\"\t{row['ratio']:.4f}\t{colour}\t\"{label}\"\t{row['limit']:.4f}\n")
    low = min([0.5] + [row["ratio"] / 2 for row in judged])
    high = max([2.0] + [row["ratio"] for row in judged]) * 100
    script = [
        "set title 'Atlas and Linux 6.12 on one QEMU, normalised to Linux = 1 (grey): instructions (-icount) "
        "and wall time; black tick: the budget' noenhanced",
        "set xlabel 'Atlas / Linux (logarithmic; left of 1: Atlas does less)' noenhanced",
        f"set yrange [{len(judged) - 0.5}:-0.5]",
        "set logscale x",
        f"set xrange [{low:.4f}:{high:.1f}]",
        f"low = {low:.4f}",
        "set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lw 1 lc rgb 'gray40'",
        f"plot '{data}' using (low):0:(low):(1):($0-0.42):($0-0.02):ytic(1) with boxxyerror lc rgb '#BBBBBB', "
        "'' using (low):0:(low):2:($0+0.02):($0+0.42):3 with boxxyerror lc rgb variable, "
        "'' using 5:($0-0.45):(0):(0.9) with vectors nohead lw 3 lc rgb 'black', "
        "'' using (($2 > 1 ? $2 : 1) * 1.1):0:4 with labels left noenhanced",
    ]
    return script, 140 + 40 * len(judged)


def draw_chart(rows, ratio_rows, directory):
    """Draws build/bench/chart.svg: the budget panel, and below it the panel of both kernels
    when Linux ran. Returns the chart's path, or None (with a message) if gnuplot is missing
    or fails."""
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        print("bench: gnuplot is missing (tools/install-deps installs gnuplot-nox): no chart", file=sys.stderr)
        return None
    panels = [panel for panel in (budget_panel(rows, directory), ratio_panel(ratio_rows, directory)) if panel[1]]
    if not panels:
        return None
    chart = os.path.join(directory, "chart.svg")
    height = sum(panel_height for _, panel_height in panels)
    script = [
        f"set terminal svg size 1100,{height} dynamic font 'sans,12' background rgb 'white'",
        f"set output '{chart}'",
        "set multiplot",
        "set lmargin 34",
        "set ytics noenhanced nomirror",
        "set grid xtics",
        "unset key",
        "set style fill solid 0.85 border -1",
    ]
    top = height
    for commands, panel_height in panels:
        top -= panel_height
        script += [f"set size 1,{panel_height / height:.4f}", f"set origin 0,{top / height:.4f}"] + commands
    script.append("unset multiplot")
    result = subprocess.run([gnuplot], input="\n".join(script) + "\n", text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    if result.returncode != 0:
        print(f"bench: gnuplot failed:\n{result.stdout}", file=sys.stderr)
        return None
    return chart
