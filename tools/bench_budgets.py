"""The tables of tools/bench: what each benchmark is and the budgets its figures are judged by.

BENCHMARKS: each program of user/bench that tools/bench runs, with its arguments (the real
run's and the tiny run's of make check), its guest memory and the BENCH figures it must
print on Atlas and on Linux. BUDGETS: the absolute budgets (issue #6). WALL_ROWS and
LOOP_ROWS: the rows of wall_bench's wall-time pass, run at WALL_HARTS and SCALING_HARTS,
WALL_REPEATS times. RATIO_BUDGETS: the budgets on Atlas/Linux (issue #13), and KNOWN_RED,
those of them broken today with the issue that owns each fix. SCALING_GOALS: the loops'
scaling goals (issue #15). COUNTER_DISAGREEMENT_LIMIT: how far getpid_bench's two counters
may disagree. And their helpers (figure, page_tables, hart_suffix, ratio, figure_program).

tools/bench imports this module (from its own directory), runs the benchmarks and judges
their figures against these tables; tools/bench_report.py prints and draws the results.
Python standard library only. See docs/performance.md.
"""
import math

# gc_bench's figures: the collector of user/gc under each write barrier (docs/vm.md).
GC_FIGURES = ["gc_tree_page", "gc_tree_software", "gc_stores_page", "gc_stores_software",
              "gc_tree_barrier_faults", "gc_stores_barrier_faults", "gc_tree_minor_collections",
              "gc_stores_minor_collections"]

# program: arguments of the real run, arguments of the tiny run, guest memory, the BENCH
# names it must print (on Atlas), and "linux": the names it must print on Linux, where
# what needs Atlas's vmstat is not measured (see user/bench/bench.h). Memory: there is no page reclaim yet, so a benchmark's files stay
# cached whole (seqread's 64 MiB file, with its pages mapped) next to everything else.
BENCHMARKS = {
    "getpid_bench": {
        "args": ["1000", "10"], "tiny": ["100", "2"], "mem": "128M",
        "figures": ["getpid", "counter_disagreement"], "linux": ["getpid"],
    },
    "fault_bench": {
        "args": ["16", "5"], "tiny": ["1", "1"], "mem": "256M",
        "figures": ["minor_fault_shared", "faultaround_per_page", "faultaround_faults", "zero_fill_fault",
                    "cow_fault"],
        "linux": ["minor_fault_shared", "faultaround_per_page", "faultaround_faults", "zero_fill_fault",
                  "cow_fault"],
    },
    "fork_bench": {
        "args": ["64", "5"], "tiny": ["1", "1"], "mem": "256M",
        "figures": ["fork", "fork_mapped_pages"], "linux": ["fork", "fork_mapped_pages"],
    },
    "mmap_bench": {
        "args": ["10", "100000", "1000", "5"], "tiny": ["10", "1000", "50", "1"], "mem": "256M",
        "figures": ["mmap_munmap_few", "mmap_munmap_many", "mmap_few_mappings", "mmap_many_mappings"],
        "linux": ["mmap_munmap_few", "mmap_munmap_many", "mmap_few_mappings", "mmap_many_mappings"],
    },
    "seqread_bench": {
        "args": ["64", "3"], "tiny": ["1", "1"], "mem": "384M",
        "figures": ["seqread_mmap_cached", "seqread_read_cached", "seqread_mmap_uncached",
                    "seqread_read_uncached"] + [
            f"seqread_{way}_uncached_{what}" for way in ("mmap", "read")
            for what in ("requests", "request_size", "readahead")] + [
            f"{call}_cached_{size}" for call in ("read", "write") for size in ("4k", "64k")],
        "linux": ["seqread_mmap_cached", "seqread_read_cached"] + [
            f"{call}_cached_{size}" for call in ("read", "write") for size in ("4k", "64k")],
    },
    "share_bench": {
        "args": ["16"], "tiny": ["1"], "mem": "128M",
        "figures": ["share_frames_used", "share_second_mapper", "share_cached_pages", "share_file_pages"],
        "linux": ["share_frames_used", "share_second_mapper", "share_cached_pages", "share_file_pages"],
    },
    # Wall time: not run in the instruction pass but in the wall-time pass (WALL_HARTS,
    # WALL_REPEATS), without -icount; its tiny run (make check) is like the others'.
    "wall_bench": {
        "args": ["all", "80", "5", "16"], "tiny": ["all", "1", "1", "1"], "mem": "256M",
        "figures": ["wall_zero_fill", "wall_cow", "wall_minor_shared", "wall_read_cached", "wall_write_cached",
                    "wall_anon_loop", "wall_file_loop", "wall_fork", "wall_mmap_munmap"],
        "linux": ["wall_zero_fill", "wall_cow", "wall_minor_shared", "wall_read_cached", "wall_write_cached",
                  "wall_anon_loop", "wall_file_loop", "wall_fork", "wall_mmap_munmap"],
        "wall": True,
    },
    "reread_bench": {
        "args": ["16", "3"], "tiny": ["1", "1"], "mem": "128M",
        "figures": ["reread_closed", "reread_closed_requests"], "linux": ["reread_closed"],
    },
    "bufwrite_bench": {
        "args": ["64", "3"], "tiny": ["1", "1"], "mem": "128M",
        "figures": ["bufwrite_64m", "bufwrite_64m_write", "bufwrite_64m_written_back"],
        "linux": ["bufwrite_64m", "bufwrite_64m_write"],
    },
    "hotset_bench": {
        "args": ["4", "3"], "tiny": ["1", "1"], "mem": "128M",
        "figures": ["hotset_major_faults", "hotset_pages", "hotset_stream_mib"],
        "linux": ["hotset_major_faults", "hotset_pages", "hotset_stream_mib"],
    },
    "appel_li_bench": {
        "args": ["1000", "5"], "tiny": ["10", "1"], "mem": "128M",
        "figures": ["appel_li_trap_prot1_unprot", "appel_li_protn_trap_unprot", "appel_li_map2"],
        "linux": ["appel_li_trap_prot1_unprot", "appel_li_protn_trap_unprot", "appel_li_map2"],
    },
    "gc_bench": {
        "args": ["20000", "3"], "tiny": ["200", "1"], "mem": "128M",
        "figures": GC_FIGURES, "linux": GC_FIGURES,
    },
}
WALL_HARTS = (1, 2)
# The loops of LOOP_ROWS run at these, with one process per hart (issue #15).
SCALING_HARTS = (1, 2, 4)
WALL_REPEATS = 3
# getpid_bench's counter_disagreement must be under this (the Linux column rests on it).
COUNTER_DISAGREEMENT_LIMIT = 300


def figure(name):
    return lambda f: f[name]


def page_tables(pages):
    """Frames of page table one process needs to map `pages` pages: a leaf table per 512
    pages and up to two tables above them."""
    return math.ceil(pages / 512) + 2


# THE budgets (issue #6). Each row: name, program, what it pins, the figure (a function of
# the figures, by BENCH name), the budget (a number or such a function), the unit, and
# "most" (figure <= budget) or "least" (figure >= budget).
BUDGETS = [
    ("getpid", "getpid_bench", "getpid() round trip",
     figure("getpid"), 300, "instructions", "most"),
    ("minor_fault_shared", "fault_bench", "minor fault on a cached MAP_SHARED file page",
     figure("minor_fault_shared"), 600, "instructions", "most"),
    ("faultaround_per_page", "fault_bench", "first touch of every page of a cached 16 MiB file, per page",
     figure("faultaround_per_page"), 150, "instructions", "most"),
    ("zero_fill_fault", "fault_bench", "zero-fill anonymous fault",
     figure("zero_fill_fault"), 1000, "instructions", "most"),
    ("cow_fault", "fault_bench", "copy-on-write fault after fork",
     figure("cow_fault"), 1600, "instructions", "most"),
    ("fork", "fork_bench", "fork of a process with 64 MiB touched: 40 per mapped page + 50,000",
     figure("fork"), lambda f: 40 * f["fork_mapped_pages"] + 50000, "instructions", "most"),
    ("mmap_munmap_few", "mmap_bench", "mmap+munmap of one page, 10 mappings present",
     figure("mmap_munmap_few"), 3000, "instructions", "most"),
    ("mmap_munmap_many", "mmap_bench", "mmap+munmap of one page, 100,000 mappings present",
     figure("mmap_munmap_many"), 3000, "instructions", "most"),
    ("mmap_many_over_few", "mmap_bench", "mmap+munmap with 100,000 mappings over with 10",
     lambda f: f["mmap_munmap_many"] / max(1, f["mmap_munmap_few"]), 2.0, "x", "most"),
    ("seqread_cached_mmap_vs_read", "seqread_bench", "64 MiB cached: mmap no worse than read() (64 KiB buffer)",
     figure("seqread_mmap_cached"), figure("seqread_read_cached"), "instructions/KiB", "most"),
    ("seqread_uncached_mmap_vs_read", "seqread_bench", "64 MiB uncached: mmap no worse than read() (64 KiB buffer)",
     figure("seqread_mmap_uncached"), figure("seqread_read_uncached"), "instructions/KiB", "most"),
    ("seqread_mmap_request_size", "seqread_bench", "uncached mmap streaming: average disk request >= 64 KiB (readahead)",
     figure("seqread_mmap_uncached_request_size"), 65536, "bytes", "least"),
    ("read_cached_64k", "seqread_bench", "cached read() with a 64 KiB buffer, per KiB (the copy alone is about 280)",
     figure("read_cached_64k"), 350, "instructions/KiB", "most"),
    ("write_cached_64k", "seqread_bench", "cached write() with a 64 KiB buffer, per KiB (write-back caching: the "
     "copy and marking pages dirty)",
     figure("write_cached_64k"), 450, "instructions/KiB", "most"),
    ("bufwrite_64m_written_back", "bufwrite_bench", "buffered write of 64 MiB then fsync: each page written back "
     "once",
     figure("bufwrite_64m_written_back"), 64 * 256, "pages", "most"),
    ("share_one_copy", "share_bench", "two MAP_SHARED mappers of 16 MiB: frames used <= one copy + 2% "
     "(page tables, the cache's index)",
     figure("share_frames_used"), lambda f: f["share_file_pages"] * 1.02, "frames", "most"),
    ("share_second_mapper", "share_bench", "the second MAP_SHARED mapper of 16 MiB adds only its page tables",
     figure("share_second_mapper"), lambda f: page_tables(f["share_file_pages"]), "frames", "most"),
    ("reread_closed_requests", "reread_bench", "re-read of a closed cached 16 MiB file: disk requests",
     figure("reread_closed_requests"), 0, "requests", "most"),
    ("appel_li_trap_prot1_unprot", "appel_li_bench", "Appel-Li TRAP+PROT1+UNPROT: protect a page, store, the "
     "SIGSEGV handler unprotects it (per trap)",
     figure("appel_li_trap_prot1_unprot"), 4000, "instructions", "most"),
    ("appel_li_protn_trap_unprot", "appel_li_bench", "Appel-Li PROTN+TRAP+UNPROT: protect 100 pages with one call, "
     "one trap per page whose handler unprotects it (per trap)",
     figure("appel_li_protn_trap_unprot"), 3000, "instructions", "most"),
    ("hotset_major_faults", "hotset_bench", "a 4 MiB mapped hot set re-read while 3 x RAM streams through read(): "
     "major faults <= 1% of its pages",
     figure("hotset_major_faults"), lambda f: f["hotset_pages"] / 100, "faults", "most"),
]

# The wall-time rows of wall_bench (user/bench/wall_bench.c): figure, what it times.
WALL_ROWS = [
    ("wall_zero_fill", "zero fill: map 16 MiB, write every page, unmap (per page)"),
    ("wall_cow", "copy-on-write: write every page of 16 MiB a child shares (per page)"),
    ("wall_minor_shared", "minor faults: map a cached 16 MiB file shared, read every page, unmap (per page)"),
    ("wall_read_cached", "read() of a cached 16 MiB file, 64 KiB a call (per KiB)"),
    ("wall_write_cached", "write() of 1 MiB of a cached file, 64 KiB a call (per KiB)"),
    ("wall_fork", "fork + exit + wait, 16 MiB touched"),
    ("wall_mmap_munmap", "mmap + munmap of one page"),
]

# The scaling loops of wall_bench ("loops"), one process per hart, in pages per ms (a
# throughput: higher is better).
LOOP_ROWS = [
    ("wall_anon_loop", "anon loop: each process maps 16 MiB, writes every page, unmaps (pages/ms)"),
    ("wall_file_loop", "file loop: each process maps a cached 16 MiB file shared, reads every page (pages/ms)"),
]
LOOP_FIGURES = [figure for figure, _ in LOOP_ROWS]

# The scaling goals of issue #15, judged from the medians of Atlas's loops: name, figure,
# hart count, least throughput at that count over 1 hart. A goal for a quiet machine: on a
# loaded host a red goal is measured again before it is believed.
SCALING_GOALS = [(figure.replace("wall_", "") + "_scaling_2harts", figure, 2, 1.8) for figure in LOOP_FIGURES]


def hart_suffix(harts):
    return f"_{harts}hart" + ("s" if harts != 1 else "")


# Ratio budgets (issue #13): Atlas's figure over Linux's on the same QEMU, judged only when
# Linux ran (not with --no-linux or --tiny). Each row: name, what it pins, the figure (a
# BENCH name), the hart count for a wall-time row (None: an instruction figure of the
# -icount pass), and the largest Atlas/Linux allowed. An instruction row divides the two
# kernels' -icount figures; a wall-time row is the median, over WALL_REPEATS back-to-back
# pairs of runs (Atlas, then Linux), of the ratio of Atlas's time to Linux's. They come on
# top of BUDGETS, which stay as they are.
VM_SHARE = 1 / 3
RATIO_BUDGETS = [
    ("zero_fill_fault_vs_linux", "zero-fill fault, instructions", "zero_fill_fault", None, VM_SHARE),
    ("cow_fault_vs_linux", "copy-on-write fault, instructions", "cow_fault", None, VM_SHARE),
    ("minor_fault_shared_vs_linux", "minor fault on a cached shared page, instructions", "minor_fault_shared",
     None, VM_SHARE),
    ("faultaround_per_page_vs_linux", "first touch of a cached file, instructions per page",
     "faultaround_per_page", None, VM_SHARE),
    ("mmap_munmap_few_vs_linux", "mmap+munmap, 10 mappings, instructions", "mmap_munmap_few", None, VM_SHARE),
    ("mmap_munmap_many_vs_linux", "mmap+munmap, 100,000 mappings, instructions", "mmap_munmap_many", None,
     VM_SHARE),
    ("fork_vs_linux", "fork with 64 MiB touched, instructions", "fork", None, VM_SHARE),
    ("seqread_read_cached_vs_linux", "read() of a cached file and a sum of its words, instructions per KiB",
     "seqread_read_cached", None, 1.0),
] + [(f"{call}_cached_{size}_vs_linux", f"{call}() of a cached file, {size[:-1]} KiB a call, instructions per KiB",
      f"{call}_cached_{size}", None, 1.0) for call in ("read", "write") for size in ("4k", "64k")
] + [
] + [(figure + hart_suffix(harts), f"{what}, wall time, {harts} hart{'s' if harts != 1 else ''}", figure,
      harts, 1.0) for figure, what in WALL_ROWS + LOOP_ROWS for harts in WALL_HARTS]

# The ratio budgets broken today, each with the issue that owns its fix. Such a row prints as
# BROKEN (known, issue #N) and does not fail the run; any other broken ratio budget does, as
# does every broken row of BUDGETS. A known row that holds prints so, to be taken off.
KNOWN_RED = {
    # Empty. The loops' scaling goals at 2 harts (issue #15) came off it on 5 December:
    # after the work on atomics and frame locality (docs/performance.md, "Two harts") the
    # quiet passes gave 1.92x and 1.80x (anonymous and file loop), and 1.94x and 1.79x in the
    # one before. The file loop has the thinner margin: a noisy minute can still break it.
}


def ratio(atlas, linux):
    return atlas / linux if linux else math.inf


def figure_program(name):
    return next((program for program, spec in BENCHMARKS.items() if name in spec["figures"]), None)
