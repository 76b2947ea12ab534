# Compares two trees written by scripts/output-snapshot.sh: .npy/.npz data byte for byte (npy
# arrays by dtype, shape and bytes, so a header's spacing does not count), JSON as parsed values
# without timings and the version, printed summaries exactly; the snapshot directories' own
# names ("before", "after") are ignored inside paths. Report files (HTML, SVG, PNG) are listed
# when they differ but not counted.
import json, os, sys, filecmp
a, b = sys.argv[1], sys.argv[2]
SKIP = {"seconds", "prediction_seconds", "scalebridge_version"}
def files(root):
    out = set()
    for d, _, fs in os.walk(root):
        for f in fs:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out
fa, fb = files(a), files(b)
bad = 0
for f in sorted(fa ^ fb):
    print("only in", "before" if f in fa else "after", f); bad += 1
def strip(v, path=""):
    if isinstance(v, str):
        return v.replace("/before", "/SNAP").replace("/after", "/SNAP")
    if isinstance(v, dict):
        return {k: strip(x, k) for k, x in v.items() if k not in SKIP}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
n = 0
for f in sorted(fa & fb):
    pa, pb = os.path.join(a, f), os.path.join(b, f)
    n += 1
    if f.endswith(".json"):
        ja, jb = strip(json.load(open(pa))), strip(json.load(open(pb)))
        if isinstance(ja, dict) and isinstance(jb, dict):
            added = sorted(set(jb) - set(ja))
            if added:
                print("JSON fields added", f, added)
            ks = sorted(k for k in ja if ja.get(k) != jb.get(k))
            if ks:
                print("JSON differs", f, ks[:10]); bad += 1
        elif ja != jb:
            print("JSON differs", f); bad += 1
    elif f.endswith(".html") or f.endswith(".svg") or f.endswith(".png"):
        if not filecmp.cmp(pa, pb, shallow=False):
            print("report file differs", f)
    elif f.endswith(".npy"):
        import numpy as np
        xa, xb = np.load(pa), np.load(pb)
        if xa.dtype != xb.dtype or xa.shape != xb.shape or xa.tobytes() != xb.tobytes():
            print("npy data differs", f); bad += 1
    elif f.endswith(".txt"):
        ta = open(pa).read().replace("/before", "/SNAP"); tb = open(pb).read().replace("/after", "/SNAP")
        if ta != tb:
            print("text differs", f); bad += 1
    elif not filecmp.cmp(pa, pb, shallow=False):
        print("DIFFERS", f); bad += 1
print(f"{n} common files, {bad} differences (data/JSON/text)")
