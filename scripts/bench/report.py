#!/usr/bin/env python3
"""Turn the BENCH lines of a xenblk benchmark boot into build/reports/bench.md
(+ bench.csv and PNG plots when matplotlib is available).

Input lines (see tests/scenarios/bench/xenblk-bench.sh):
  BENCH-INFO: k=v ...   BENCH-NEG: k=v ...   BENCH-ERR: text
  BENCH: part=ab|ablate|scale|scale0 pair= round= cfg= dev= wl= guests= bs=
         rkb= rbw= riops= rp50= rp99= wkb= wbw= wiops= ... irqU= irq0=
         cpuU= cpu0= rreq= wreq= rsect= wsect= gmaps= ... rings= order= ...
Units: *kb KiB, *bw KiB/s, p50/p99/clat/lat usec (fio clat), cpu* jiffies
(USER_HZ=100), irq* interrupts delivered (irqU in the domU = backend->frontend
notifications, irq0 in dom0 = frontend->backend), *req/*sect blkback
statistics (512-byte sectors), gmaps our backend's grant map operations.
"""
import argparse
import csv
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys

JIFFY_US = 10000.0
WL_DESC = {
    "lat4k": "4k randread QD1, 1 job",
    "rr4k": "4k randread QD32 x vCPUs jobs",
    "rw4k": "4k randwrite QD32 x vCPUs jobs",
    "mix4k": "4k randrw 70/30 QD32 x vCPUs jobs",
    "sr64k": "64k seq read QD32",
    "sw64k": "64k seq write QD32",
    "sr1m": "1 MiB seq read QD8",
    "sw1m": "1 MiB seq write QD8",
}
ABL_DESC = {
    "default": "module defaults (A/B rounds when not run separately)",
    "ind0": "no indirect descriptors (11 segments)",
    "ind32": "indirect, 32 segments",
    "ind256": "indirect, 256 segments",
    "pers0": "persistent grants off",
    "pers1": "persistent grants on",
    "rings1": "1 ring",
    "rings2": "2 rings (max_queues=2)",
    "rings4": "4 rings (max_queues=4)",
    "order0": "ring order 0 (1 page)",
    "order4": "ring order 4 (16 pages)",
}


def kv(text):
    out = {}
    try:
        toks = shlex.split(text)
    except ValueError:
        toks = text.split()
    for t in toks:
        if "=" in t:
            k, v = t.split("=", 1)
            out[k] = v
    return out


def num(d, k, default=0.0):
    try:
        return float(d.get(k, default))
    except (TypeError, ValueError):
        return default


def derive(r):
    """Add derived metrics to one BENCH record."""
    bs = num(r, "bs", 4)
    wl = r.get("wl", "")
    for suffix, kib in (("64k", 64), ("1m", 1024), ("4k", 4)):
        if wl.endswith(suffix):
            bs = r["bs"] = kib  # (earlier scenario versions logged bs=4 for 64k jobs)
            break
    kb = num(r, "rkb") + num(r, "wkb")
    r["ios"] = kb / bs if bs else 0
    r["iops"] = num(r, "riops") + num(r, "wiops")
    r["mibs"] = (num(r, "rbw") + num(r, "wbw")) / 1024.0
    r["mib"] = kb / 1024.0
    # QD1 latency: the read clat percentiles (usec)
    r["p50"] = num(r, "rp50")
    r["p99"] = num(r, "rp99")
    reqs = num(r, "rreq") + num(r, "wreq")
    r["reqs"] = reqs
    ios = r["ios"]
    if r.get("pair") != "native" and reqs > 0:
        r["req_per_mib"] = reqs / r["mib"] if r["mib"] else None
        r["kib_per_req"] = (num(r, "rsect") + num(r, "wsect")) / 2.0 / reqs
        r["irqU_per_req"] = num(r, "irqU") / reqs
        r["irq0_per_req"] = num(r, "irq0") / reqs
        r["notif_per_req"] = (num(r, "irqU") + num(r, "irq0")) / reqs
        r["notif_per_mib"] = (num(r, "irqU") + num(r, "irq0")) / r["mib"] if r["mib"] else None
        # only our backend counts grant maps (debugfs); in-tree reads as 0
        # (over the whole agent call: debugfs deltas read at the fio marks came out 0)
        oreqs = num(r, "orreq") + num(r, "owreq")
        if r.get("back") != "ours":
            r["gmaps_per_req"] = None
        elif "ogmaps" in r and oreqs > 0:
            r["gmaps_per_req"] = num(r, "ogmaps") / oreqs
        else:
            r["gmaps_per_req"] = num(r, "gmaps") / reqs
    if ios > 0:
        r["cpu0_us_per_io"] = num(r, "cpu0") * JIFFY_US / ios
        if r.get("pair") != "native":
            r["cpuU_us_per_io"] = num(r, "cpuU") * JIFFY_US / ios
    return r


def parse(raw):
    info, neg, errs, recs = {}, [], [], []
    with open(raw, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("BENCH-INFO: "):
                info.update(kv(line[12:]))
            elif line.startswith("BENCH-NEG: "):
                neg.append(kv(line[11:]))
            elif line.startswith("BENCH-ERR: "):
                errs.append(line[11:])
            elif line.startswith("BENCH-DBG: dmesg"):
                info.setdefault("_dmesg", []).append(line[17:])
            elif line.startswith("BENCH: "):
                recs.append(derive(kv(line[7:])))
    return info, neg, errs, recs


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return (statistics.median(vals), min(vals), max(vals), len(vals))


def fmt(v, nd=None):
    if v is None:
        return "–"
    if nd is None:
        a = abs(v)
        nd = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 1 else 3
    return f"{v:,.{nd}f}"


def fstat(s, nd=None):
    if s is None:
        return "–"
    med, lo, hi, n = s
    if n == 1:
        return fmt(med, nd)
    return f"{fmt(med, nd)} [{fmt(lo, nd)}–{fmt(hi, nd)}]"


def primary(wl):
    """(metric key, label, higher_is_better) for a workload."""
    if wl == "lat4k":
        return "p50", "p50 latency (µs)", False
    if wl.endswith("4k"):
        return "iops", "IOPS", True
    return "mibs", "MiB/s", True


def sel(recs, **kw):
    return [r for r in recs if all(r.get(k) == v for k, v in kw.items())]


def paired(ab, dev, w, key):
    """per-round ours/in-tree ratios of one workload (A/B pairs of the same round)"""
    out = []
    for r in sorted({x["round"] for x in sel(ab, dev=dev, wl=w)}, key=int):
        o = [num(x, key) for x in sel(ab, dev=dev, wl=w, pair="ours", round=r)]
        t = [num(x, key) for x in sel(ab, dev=dev, wl=w, pair="intree", round=r)]
        if o and t and o[0] and t[0]:
            out.append(o[0] / t[0])
    return out


def ratio(a, b):
    if a is None or b is None or not b[0]:
        return None
    return a[0] / b[0]


def machine_info(args):
    m = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                m["cpu"] = line.split(":", 1)[1].strip()
    except OSError:
        pass
    m["host_cpus"] = str(os.cpu_count())
    try:
        with open("/proc/meminfo") as f:
            m["host_mem"] = f"{int(f.readline().split()[1]) // 1024} MiB"
    except OSError:
        pass
    m["host_kernel"] = platform.release()
    hl = os.path.join(os.path.dirname(args.raw), "bench-hostload.txt")
    if os.path.exists(hl):
        rows = [ln.split() for ln in open(hl) if len(ln.split()) == 3]
        if rows:
            loads = [float(r[1]) for r in rows]
            qemus = [int(r[2]) for r in rows]
            m["load"] = (f"host load average {statistics.mean(loads):.1f} (max {max(loads):.1f}) on "
                         f"{os.cpu_count()} CPUs; {max(qemus)} QEMU processes at most (this run's included)")
    m["accel"] = "unknown"
    if args.runlog and os.path.exists(args.runlog):
        txt = open(args.runlog, errors="replace").read()
        mm = re.search(r"under QEMU \((\w+), ([^)]*)\)", txt)
        if mm:
            m["accel"] = mm.group(1).upper()
            m["qemu"] = mm.group(2)
    return m


def write_csv(recs, path):
    keys = sorted({k for r in recs for k in r})
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in recs:
            w.writerow(r)


COST = [
    ("req_per_mib", "req/MiB", 1),
    ("kib_per_req", "KiB/req (backend sectors)", 1),
    ("irqU_per_req", "back→front irq/req", 3),
    ("irq0_per_req", "front→back irq/req", 3),
    ("notif_per_mib", "irq/MiB (both ways)", 1),
    ("gmaps_per_req", "grant maps/req", 2),
    ("cpu0_us_per_io", "dom0 CPU µs/IO", None),
    ("cpuU_us_per_io", "domU CPU µs/IO", None),
]


def report(args):
    info, neg, errs, recs = parse(args.raw)
    mach = machine_info(args)
    md = []
    P = md.append
    ab = sel(recs, part="ab")
    devs = sorted({r["dev"] for r in ab}, key=lambda d: (d != "null", d))
    wls = [w for w in WL_DESC if any(r["wl"] == w for r in ab)]
    ours_is = info.get("ours_is", "ours")
    P("# xenblk benchmark report\n")
    P("Produced by `" + args.cmd + "` (scripts/bench/run.sh → one rig boot running "
      "tests/scenarios/bench/xenblk-bench.sh in dom0; parsed by scripts/bench/report.py).\n")
    if ours_is != "ours" or "WARNING" in info:
        P("> **WARNING: our modules were not loadable in this run: every 'ours' column below is the "
          "IN-TREE pair (in-tree vs in-tree).** " + info.get("WARNING", "") + "\n")
    if mach["accel"] != "KVM":
        P(f"> **Accelerator: {mach['accel']}.** Xen runs nested under QEMU's TCG emulator here: absolute "
          "IOPS/latency are emulator numbers, not hardware numbers. Ratios between pairs measured in the "
          "same boot, and the cost-per-I/O counters (notifications, grant maps, requests per MiB) are the "
          "parts that carry over to real hardware. CPU µs/IO is inflated by emulation but comparable "
          "between pairs.\n")
    P("## Setup\n")
    P("| | |\n|---|---|")
    P(f"| host | {mach.get('cpu', '?')}, {mach['host_cpus']} CPUs, {mach.get('host_mem', '?')}, Linux {mach['host_kernel']} |")
    P(f"| accelerator | {mach['accel']} ({mach.get('qemu', '')}) |")
    if "load" in mach:
        P(f"| host load during the run | {mach['load']} |")
    P(f"| Xen / dom0+domU kernel | {info.get('xen', '?')} / {info.get('kernel', '?')} |")
    mods = os.path.join(os.path.dirname(args.raw), "bench-modules.txt")
    if os.path.exists(mods):
        P("| our modules | " + "; ".join(ln.strip() for ln in open(mods) if ln.strip()) + " |")
    P(f"| Xen machine | {info.get('host_cpu', '?')} (what Xen sees inside QEMU) |")
    P(f"| dom0 | {info.get('dom0_vcpus', '?')} vCPUs, {int(num(info, 'dom0_mem_kib')) // 1024} MiB |")
    P(f"| domU (A/B, ablations) | {info.get('vcpus', '?')} vCPUs, 512 MiB; scaling guests 1 vCPU, {info.get('smem', '?')} MiB |")
    P(f"| fio | {info.get('fio', '?')}: `{info.get('fio_common', '')}` |")
    P(f"| rounds / runtime | {info.get('rounds', '?')} rounds A/B/A/B (native, ours, in-tree per round; modules reloaded on both sides between pairs), {info.get('runtime', '?')} s per job |")
    bd = [f"null_blk `{info.get('null_blk', '')}` (xvdb)"]
    if "brd" in info.get("devs", ""):
        bd.append(f"brd {info.get('brd_mib', '?')} MiB, prefilled (xvdc)")
    P(f"| backing devices | {'; '.join(bd)} |")
    P(f"| measurements | {len(recs)} BENCH lines, {len(errs)} errors, {info.get('secs', '?')} s in dom0 |")
    logs = args.log.split()
    if len(logs) > 1:
        P(f"| merged boots | {len(logs)} serial logs: {', '.join('/'.join(x.split('/')[-2:]) for x in logs)} "
          "(the settings rows show the last boot's) |")
    P("")
    P("Workloads: " + "; ".join(f"`{w}` {WL_DESC[w]}" for w in WL_DESC) + ". "
      "'native' = the same fio job in dom0 directly on the backing device (the local limit). "
      "Cells are median [min–max] over rounds.\n")
    negs = {}
    for n in neg:
        negs.setdefault((n.get("pair"), n.get("back_params", ""), n.get("front_params", "")), n)
    if negs:
        P("Negotiated (first VBD of each setup): " + "; ".join(
            f"{k[0]}{' (' + (k[1] + ' ' + k[2]).strip() + ')' if (k[1] + k[2]).strip() else ''}: "
            f"rings={v.get('rings')} order={v.get('order')} persistent(fe/be)={v.get('pers')} "
            f"indirect={v.get('ind')} modules={v.get('back')}/{v.get('front')}"
            for k, v in negs.items()) + "\n")

    targets = []
    # ---- targets
    def med(dev, w, p, k):
        return stats([r.get(k) for r in sel(ab, dev=dev, wl=w, pair=p)])

    for dev in devs:
        t = []
        rr = ratio(med(dev, "rr4k", "ours", "iops"), med(dev, "rr4k", "intree", "iops"))
        t.append(("4k randread IOPS ≥ 1.3× in-tree", rr, rr is not None and rr >= 1.3, f"{fmt(rr, 2)}×"))
        for w in ("sr1m", "sw1m"):
            x = ratio(med(dev, w, "ours", "mibs"), med(dev, w, "intree", "mibs"))
            t.append((f"1 MiB sequential {'read' if w == 'sr1m' else 'write'} ≥ 1.0× in-tree", x,
                      x is not None and x >= 1.0, f"{fmt(x, 2)}×"))
        x = ratio(med(dev, "lat4k", "ours", "p50"), med(dev, "lat4k", "intree", "p50"))
        t.append(("QD1 p50 latency ≤ in-tree", x, x is not None and x <= 1.0, f"{fmt(x, 2)}× in-tree"))
        x = ratio(med(dev, "lat4k", "ours", "p99"), med(dev, "lat4k", "intree", "p99"))
        t.append(("QD1 p99 latency ≤ in-tree", x, x is not None and x <= 1.0, f"{fmt(x, 2)}× in-tree"))
        for w in ("rr4k", "lat4k"):
            x = ratio(med(dev, w, "ours", "notif_per_req"), med(dev, w, "intree", "notif_per_req"))
            t.append((f"notifications/request ≤ in-tree ({w})", x, x is not None and x <= 1.0, f"{fmt(x, 2)}× in-tree"))
            x = ratio(med(dev, w, "ours", "cpu0_us_per_io"), med(dev, w, "intree", "cpu0_us_per_io"))
            t.append((f"dom0 CPU/request ≤ in-tree ({w})", x, x is not None and x <= 1.0, f"{fmt(x, 2)}× in-tree"))
        targets.append((dev, t))
    sc = sel(recs, part="scale")
    sc0 = sel(recs, part="scale0")
    scale_rows = {}
    for p in ("ours", "intree"):
        for n in sorted({int(r["guests"]) for r in sc}):
            per = [scale_round(sel(sc, pair=p, guests=str(n), round=rd), sel(sc0, pair=p, guests=str(n), round=rd))
                   for rd in sorted({r["round"] for r in sel(sc, pair=p, guests=str(n))})]
            if per:
                scale_rows[(p, n)] = scale_median(per)
    if scale_rows:
        ns = sorted({n for _, n in scale_rows})
        t = []
        for p in ("ours", "intree"):
            a1, an = scale_rows.get((p, ns[0])), scale_rows.get((p, ns[-1]))
            if a1 and an and len(ns) > 1:
                x = an["agg"] / a1["agg"] if a1["agg"] else None
                t.append((f"aggregate IOPS does not fall from {ns[0]} to {ns[-1]} guests ({p})", x,
                          x is not None and x >= 1.0, f"{fmt(x, 2)}× ({fmt(a1['agg'])} → {fmt(an['agg'])})"))
        o, i = scale_rows.get(("ours", ns[-1])), scale_rows.get(("intree", ns[-1]))
        if o and i:
            x = o["agg"] / i["agg"] if i["agg"] else None
            t.append((f"aggregate IOPS at {ns[-1]} guests ≥ in-tree", x, x is not None and x >= 1.0,
                      f"{fmt(x, 2)}× ({fmt(o['agg'])} vs {fmt(i['agg'])})"))
        targets.append(("scaling", t))
    P("## Headline: targets (median ours / median in-tree)\n")
    P("| device | target | measured (ours/in-tree) | met? |\n|---|---|---|---|")
    for dev, t in targets:
        for name, x, ok, txt in t:
            P(f"| {dev} | {name} | {txt} | {'n/a' if x is None else ('**met**' if ok else '**missed**')} |")
    P("")
    # ---- A/B tables
    for dev in devs:
        P(f"## Ours vs in-tree vs dom0-native: {dev}\n")
        P("| workload | metric | native | ours | in-tree | ours/in-tree (medians) | per-round ours/in-tree |")
        P("|---|---|---|---|---|---|---|")
        for w in wls:
            key, label, _ = primary(w)
            cells = {p: stats([r.get(key) for r in sel(ab, dev=dev, wl=w, pair=p)])
                     for p in ("native", "ours", "intree")}
            pr = ", ".join(f"{x:.2f}" for x in paired(ab, dev, w, key)) or "–"
            P(f"| {w} | {label} | {fstat(cells['native'])} | {fstat(cells['ours'])} | "
              f"{fstat(cells['intree'])} | {fmt(ratio(cells['ours'], cells['intree']), 2)} | {pr} |")
            if w == "lat4k":
                for k, lab in (("p99", "p99 latency (µs)"), ("rlat", "mean total latency (µs)")):
                    c = {p: stats([num(r, k) for r in sel(ab, dev=dev, wl=w, pair=p)])
                         for p in ("native", "ours", "intree")}
                    pr = ", ".join(f"{x:.2f}" for x in paired(ab, dev, w, k)) or "–"
                    P(f"| {w} | {lab} | {fstat(c['native'])} | {fstat(c['ours'])} | "
                      f"{fstat(c['intree'])} | {fmt(ratio(c['ours'], c['intree']), 2)} | {pr} |")
        P("")
        P(f"### Cost per I/O: {dev} (median over rounds)\n")
        P("| workload | pair | " + " | ".join(c[1] for c in COST) + " |")
        P("|---|---|" + "---|" * len(COST))
        for w in wls:
            for p in ("ours", "intree", "native"):
                rs = sel(ab, dev=dev, wl=w, pair=p)
                if not rs:
                    continue
                vals = []
                for k, _, nd in COST:
                    s = stats([r.get(k) for r in rs])
                    vals.append(fmt(s[0], nd) if s else "–")
                P(f"| {w} | {p} | " + " | ".join(vals) + " |")
        P("")
    # ---- ablation
    abl = sel(recs, part="ablate")
    if abl:
        cfgs = []
        for r in abl:
            if r["cfg"] not in cfgs:
                cfgs.append(r["cfg"])
        awls = [w for w in WL_DESC if any(r["wl"] == w for r in abl)]
        if "default" not in cfgs:
            # the reference row: our pair with default parameters from the A/B part
            ref = [dict(r, cfg="default") for r in sel(ab, dev="null", pair="ours") if r["wl"] in awls]
            if ref:
                abl = ref + abl
                cfgs.insert(0, "default")
        P("## Ablations (our pair, null_blk, module parameters on both sides)\n")
        hdr = " | ".join(f"{w} {primary(w)[1]}" for w in awls)
        seqw = [w for w in ("sr1m", "sw1m") if w in awls]
        P(f"| config | negotiated | {hdr} | notif/req (rr4k) | grant maps/req (rr4k) | dom0 µs/IO (rr4k) |"
          + "".join(f" req/MiB ({w}) |" for w in seqw))
        P("|---|---|" + "---|" * (len(awls) + 3 + len(seqw)))
        for c in cfgs:
            rs = sel(abl, cfg=c)
            n0 = rs[0]
            negs_ = f"rings={n0.get('rings')} order={n0.get('order')} pers={n0.get('pers')} ind={n0.get('ind')}"
            cells = [fstat(stats([r.get(primary(w)[0]) for r in sel(rs, wl=w)])) for w in awls]
            rr = sel(rs, wl="rr4k")
            extra = []
            for k, nd in (("notif_per_req", 3), ("gmaps_per_req", 2), ("cpu0_us_per_io", None)):
                st = stats([r.get(k) for r in rr])
                extra.append(fmt(st[0], nd) if st else "–")
            for w in seqw:
                st = stats([r.get("req_per_mib") for r in sel(rs, wl=w)])
                extra.append(fmt(st[0], 1) if st else "–")
            P(f"| {c}: {ABL_DESC.get(c, '')} | {negs_} | " + " | ".join(cells + extra) + " |")
        P("")
    # ---- scaling
    if scale_rows:
        P("## Multi-guest scaling (4k randread QD32, one null_blk VBD per guest; median [min–max] over rounds)\n")
        P("| guests | pair | aggregate IOPS | dom0 CPU µs/IO | domU CPU µs/IO (sum) | notifications/req |")
        P("|---|---|---|---|---|---|")
        for n in sorted({n for _, n in scale_rows}):
            for p in ("ours", "intree"):
                s = scale_rows.get((p, n))
                if s:
                    ran = "" if s["ng"] == n else f" ({s['ng']} ran)"
                    agg = fmt(s['agg']) + (f" [{fmt(s['agg_min'])}–{fmt(s['agg_max'])}]" if s["rounds"] > 1 else "")
                    P(f"| {n}{ran} | {p} | {agg} | "
                      f"{fmt(s['cpu0'])} | {fmt(s['cpuU'])} | {fmt(s['notif'], 3)} |")
        P("")
        pcpus = re.search(r"(\d+) pCPUs", info.get("host_cpu", ""))
        nmax = max(n for _, n in scale_rows)
        if pcpus and int(pcpus.group(1)) < nmax + 1:
            P(f"Xen had {pcpus.group(1)} pCPU(s) for dom0 and up to {nmax} guests: they all take turns on "
              "it, so aggregate IOPS cannot grow with the guest count, and it falls as far as the CPU time "
              "per I/O grows (the CPU columns). The comparison that carries over is then ours against "
              "in-tree at the same guest count (the last target row); the \"does not fall\" target needs "
              "a pCPU per guest plus one for dom0 (KVM or hardware, `QEMU_SMP`).\n")
    # ---- plots
    plots = make_plots(args.out, ab, devs, wls, abl, scale_rows)
    if plots:
        P("## Plots\n")
        for p, cap in plots:
            P(f"![{cap}]({os.path.basename(p)})\n")
    else:
        P("(no plots: python3-matplotlib not available)\n")
    if errs:
        P("## Errors during the run\n")
        for e in errs[:50]:
            P(f"- `{e}`")
        P("")
    if info.get("_dmesg"):
        P("## Driver messages during the run (dmesg, blkfront/blkback lines)\n")
        P("```")
        for ln in info["_dmesg"][-40:]:
            P(ln)
        P("```\n")
    P("## Method notes\n")
    P("- Latency: fio's completion-latency (clat) percentiles, µs, as terse output gives them, plus "
      "fio's mean total latency (lat). dom0-native clat on null_blk with irqmode=0 is ~0: the I/O "
      "completes inside io_submit, so compare native by the mean total latency. "
      "IOPS/MiB/s are fio's group totals.\n"
      "- Notifications: deltas of /proc/interrupts lines of the blkif event channels in the domU "
      "(back→front) and in dom0 (front→back) around each fio run, divided by the requests the backend "
      "counted (vbd statistics rd_req+wr_req). Grant maps: our backend's debugfs `grant_maps` (in-tree: –).\n"
      "- CPU per I/O: busy jiffies (user+nice+system+irq+softirq, 10 ms each) of /proc/stat in the domU "
      "around fio, and in dom0 between the domU's xenstore marks written right before and after fio "
      "(`marks=1`; when a mark was missed, `marks=0`, the window is the whole agent call and includes "
      "rig traffic); divided by fio's I/O count. In the scaling part the dom0 window is the whole "
      "concurrent call. dom0's CPU also contains idle-time housekeeping (xenstored, xenconsoled), equal "
      "for both pairs.\n"
      "- Requests per MiB: backend requests (rd_req+wr_req) / MiB fio moved (merging and indirect "
      "descriptors lower it); KiB/req: the backend's own sector counters (rd_sect+wr_sect) per request, "
      "a cross-check of the same thing.\n"
      "- Raw lines: bench-raw.txt; one row per run with derived metrics: bench.csv.\n")
    with open(os.path.join(args.out, "bench.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    write_csv(recs, os.path.join(args.out, "bench.csv"))
    # headline on stdout
    print("headline (median ours/in-tree):")
    for dev, t in targets:
        for name, x, ok, txt in t:
            print(f"  {dev:8s} {name}: {txt} -> {'n/a' if x is None else ('met' if ok else 'MISSED')}")


def scale_round(rs, r0):
    """One round of the scaling part: the guests' fio lines and dom0's line."""
    ios = sum(r["ios"] for r in rs)
    return dict(agg=sum(r["iops"] for r in rs), ng=len(rs),
                cpu0=(num(r0[0], "cpu0") * JIFFY_US / ios) if r0 and ios else None,
                cpuU=sum(num(r, "cpuU") for r in rs) * JIFFY_US / ios if ios else None,
                notif=((num(r0[0], "irq0") + sum(num(r, "irqU") for r in rs)) / r0[0]["reqs"]
                       if r0 and r0[0].get("reqs") else None))


def scale_median(per):
    """Median of each scaling metric over rounds; min and max of the IOPS."""
    out = {"rounds": len(per), "ng": min(x["ng"] for x in per)}
    for k in ("agg", "cpu0", "cpuU", "notif"):
        v = [x[k] for x in per if x[k] is not None]
        out[k] = statistics.median(v) if v else None
    out["agg_min"] = min(x["agg"] for x in per)
    out["agg_max"] = max(x["agg"] for x in per)
    return out


def make_plots(out, ab, devs, wls, abl, scale_rows):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return []
    plots = []
    colors = {"native": "#7f7f7f", "ours": "#1f77b4", "intree": "#ff7f0e"}
    for dev in devs:
        n = len(wls)
        cols = min(4, n)
        rows = (n + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.0 * rows), squeeze=False)
        for i, w in enumerate(wls):
            ax = axes[i // cols][i % cols]
            key, label, hib = primary(w)
            xs, meds, lo, hi, cs = [], [], [], [], []
            for p in ("native", "ours", "intree"):
                s = stats([r.get(key) for r in sel(ab, dev=dev, wl=w, pair=p)])
                if s is None:
                    continue
                xs.append(p if p != "intree" else "in-tree")
                meds.append(s[0])
                lo.append(s[0] - s[1])
                hi.append(s[2] - s[0])
                cs.append(colors[p])
            bars = ax.bar(xs, meds, yerr=[lo, hi], capsize=5, color=cs)
            ax.bar_label(bars, labels=[fmt(m) for m in meds], fontsize=7, padding=2)
            logy = meds and min(meds) > 0 and max(meds) / min(meds) > 20
            if logy:
                ax.set_yscale("log")
            ax.set_title(f"{w}: {label}{' (log scale)' if logy else ''}\n"
                         f"({'higher' if hib else 'lower'} is better)", fontsize=9)
            ax.tick_params(labelsize=8)
            ax.grid(axis="y", alpha=0.3)
        for j in range(n, rows * cols):
            axes[j // cols][j % cols].axis("off")
        fig.suptitle(f"xenblk: ours vs in-tree vs dom0-native on {dev} (median, whiskers min–max)", fontsize=11)
        fig.tight_layout()
        p = os.path.join(out, f"bench-ab-{dev}.png")
        fig.savefig(p, dpi=90)
        plt.close(fig)
        plots.append((p, f"A/B on {dev}"))
    for dev in devs:
        # paired per-round speed-ups (ours better > 1), median bar, min-max whiskers
        names, meds, lo, hi = [], [], [], []
        for w in wls:
            key, label, hib = primary(w)
            rs = []
            for r in sorted({x["round"] for x in sel(ab, dev=dev, wl=w)}):
                o = [x.get(key) for x in sel(ab, dev=dev, wl=w, pair="ours", round=r)]
                t = [x.get(key) for x in sel(ab, dev=dev, wl=w, pair="intree", round=r)]
                if o and t and o[0] and t[0]:
                    rs.append(o[0] / t[0] if hib else t[0] / o[0])
            st = stats(rs)
            if st:
                names.append(f"{w}\n{label.split(' (')[0]}")
                meds.append(st[0])
                lo.append(st[0] - st[1])
                hi.append(st[2] - st[0])
        if names:
            fig, ax = plt.subplots(figsize=(1.6 * len(names) + 2, 3.6))
            # bars grow from 1x (no difference) up or down
            bars = ax.bar(names, [m - 1 for m in meds], bottom=1, yerr=[lo, hi], capsize=5,
                          color=["#2ca02c" if m >= 1 else "#d62728" for m in meds])
            ylo = min([m - d for m, d in zip(meds, lo)] + [0.5])
            yhi = max([m + d for m, d in zip(meds, hi)] + [2])
            ax.set_ylim(ylo / 1.5, yhi * 1.5)
            ax.bar_label(bars, labels=[f"{m:.2f}x" for m in meds], fontsize=8, padding=2)
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=2))
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:.2g}x"))
            ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
            ax.axhline(1.0, color="black", lw=0.8)
            if "rr4k" in wls:
                ax.axhline(1.3, color="#1f77b4", lw=0.8, ls="--", label="rr4k target 1.3x")
                ax.legend(fontsize=8)
            ax.set_ylabel("ours vs in-tree (>1: ours better)")
            ax.tick_params(labelsize=8)
            ax.grid(axis="y", alpha=0.3)
            ax.set_title(f"xenblk speed-up over the in-tree pair on {dev}\n"
                         "(per-round A/B pairs: median, whiskers min-max; latency as in-tree/ours)", fontsize=10)
            fig.tight_layout()
            p = os.path.join(out, f"bench-ratio-{dev}.png")
            fig.savefig(p, dpi=90)
            plt.close(fig)
            plots.insert(0, (p, f"speed-up over in-tree on {dev}"))
    if abl:
        cfgs = []
        for r in abl:
            if r["cfg"] not in cfgs:
                cfgs.append(r["cfg"])
        awls = [w for w in WL_DESC if any(r["wl"] == w for r in abl)]
        # row 1: the timing of each workload; row 2: the per-request counters
        # that carry over to hardware
        costs = [(w, k, lab) for w in awls for k, lab in
                 (("notif_per_req", "notifications/request"), ("gmaps_per_req", "grant maps/request"),
                  ("req_per_mib", "requests/MiB")) if not (k == "req_per_mib" and w.endswith("4k"))]
        ncol = max(len(awls), len(costs))
        fig, axes = plt.subplots(2, ncol, figsize=(3.4 * ncol, 7.0), squeeze=False)
        for j, (w, k, lab) in enumerate(costs):
            ax = axes[1][j]
            vals = []
            for c in cfgs:
                st = stats([r.get(k) for r in sel(abl, cfg=c, wl=w)])
                vals.append(st[0] if st else 0)
            bars = ax.bar(cfgs, vals, color="#9467bd")
            ax.bar_label(bars, labels=[fmt(v, 2) for v in vals], fontsize=7, padding=2)
            ax.set_title(f"{w}: {lab} (lower is better)", fontsize=9)
            ax.tick_params(axis="x", labelrotation=45, labelsize=8)
            ax.grid(axis="y", alpha=0.3)
        for j in range(len(costs), ncol):
            axes[1][j].axis("off")
        for j in range(len(awls), ncol):
            axes[0][j].axis("off")
        for i, w in enumerate(awls):
            ax = axes[0][i]
            key, label, hib = primary(w)
            meds, lo, hi = [], [], []
            for c in cfgs:
                s = stats([r.get(key) for r in sel(abl, cfg=c, wl=w)]) or (0, 0, 0, 0)
                meds.append(s[0])
                lo.append(s[0] - s[1])
                hi.append(s[2] - s[0])
            bars = ax.bar(cfgs, meds, yerr=[lo, hi], capsize=3, color="#1f77b4")
            ax.bar_label(bars, labels=[fmt(m) for m in meds], fontsize=7, padding=2)
            ax.set_title(f"{w}: {label} ({'higher' if hib else 'lower'} is better)", fontsize=9)
            ax.tick_params(axis="x", labelrotation=45, labelsize=8)
            ax.grid(axis="y", alpha=0.3)
        fig.suptitle("xenblk ablations (our pair, null_blk)", fontsize=11)
        fig.tight_layout()
        p = os.path.join(out, "bench-ablation.png")
        fig.savefig(p, dpi=90)
        plt.close(fig)
        plots.append((p, "ablations"))
    if scale_rows:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
        for p in ("ours", "intree"):
            ns = sorted(n for q, n in scale_rows if q == p)
            if not ns:
                continue
            axes[0].plot(ns, [scale_rows[(p, n)]["agg"] for n in ns], marker="o", color=colors[p],
                         label="in-tree" if p == "intree" else p)
            axes[1].plot(ns, [scale_rows[(p, n)]["cpu0"] or 0 for n in ns], marker="o", color=colors[p],
                         label="in-tree" if p == "intree" else p)
        axes[0].set_title("aggregate 4k randread IOPS (higher is better)", fontsize=9)
        axes[1].set_title("dom0 CPU µs per I/O (lower is better)", fontsize=9)
        for ax in axes:
            ax.set_xlabel("guests")
            ax.set_xticks(sorted({n for _, n in scale_rows}))
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
        fig.suptitle("xenblk multi-guest scaling (one null_blk VBD per guest)", fontsize=11)
        fig.tight_layout()
        p = os.path.join(out, "bench-scaling.png")
        fig.savefig(p, dpi=90)
        plt.close(fig)
        plots.append((p, "scaling"))
    return plots


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--log", default="")
    ap.add_argument("--runlog", default="")
    ap.add_argument("--cmd", default="scripts/bench/run.sh")
    args = ap.parse_args()
    report(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
