#!/usr/bin/env python3
"""Build the benchmark corpus: Debian's Chinese man pages as a cvsearch JSON Lines corpus.

    apt-get install -y manpages-zh groff-base          # once, as root
    python3 scripts/build-bench-corpus.py [--out bench-data] [--scales 1,3,10,14]

Every regular file under /usr/share/man/zh_CN/man*/ (746 pages, technical Chinese mixed with
English) is rendered with `groff -Kutf8 -t -mandoc -Tutf8` (not `man -l`, whose pipeline hangs on
some pages here), in its own process group with a timeout. One entry per page:
{"id": "ls.1", "type": "page", "lang": "zh", "title": <the NAME section>, "tags": ["man1"],
 "url": "man:ls(1)", "body": <the rest>}. For each scale N it writes bench-data/manzh-Nx.jsonl
with N copies of every page under distinct ids (`ls.1~2`), so 10x has 7 460 entries and 14x
10 444 (the "10 000-entry corpus" of the HTTP benchmark).
bench-data/ is kept out of git.
"""
import argparse, glob, gzip, json, os, re, signal, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

ROOT = "/usr/share/man/zh_CN"
GROFF = ["groff", "-Kutf8", "-t", "-mandoc", "-Tutf8", "-rLL=100n", "-rLT=100n", "-rHY=0", "-P-cbou"]
ENV = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
NAME = re.compile(r"^(NAME|名\s*称|名\s*字|名称\s*NAME|NAME\s*名称)\b")


def render(path, timeout=60):
    """The page as plain text, or "" when groff does not finish in time (three tries)."""
    source = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    for _ in range(3):
        process = subprocess.Popen(GROFF, env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            return process.communicate(source, timeout=timeout)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    print(f"{path}: groff timed out", file=sys.stderr)
    return ""


def entry(path):
    name = os.path.basename(path)
    name = name[:-3] if name.endswith(".gz") else name
    lines = [line.rstrip() for line in render(path).splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    header = lambda line: re.search(r"\S\s{3,}\S", line) and line.rstrip().endswith(")")  # "LS(1)  用户命令  LS(1)"
    if lines and header(lines[0]):
        lines.pop(0)
    if lines and header(lines[-1]):
        lines.pop()
    title, rest = "", lines
    for i, line in enumerate(lines):  # NAME section: heading in column 0, indented text under it
        if not line.startswith(" ") and NAME.match(line.strip()):
            j = i + 1
            while j < len(lines) and (not lines[j] or lines[j].startswith(" ")):
                j += 1
            title = " ".join(x.strip() for x in lines[i + 1:j] if x.strip())
            rest = lines[:i] + lines[j:]
            break
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(re.sub(r"\s{2,}", " ", line.strip()) for line in rest)).strip()
    section = os.path.basename(os.path.dirname(path))
    base, _, number = name.rpartition(".")
    return {"id": name, "type": "page", "lang": "zh", "title": title or name, "tags": [section],
            "url": f"man:{base}({number})", "body": body}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-data")
    parser.add_argument("--scales", default="1,3,10,14")
    args = parser.parse_args()
    paths = sorted(p for p in glob.glob(f"{ROOT}/man*/*") if os.path.isfile(p) and not os.path.islink(p))
    if not paths:
        sys.exit(f"no pages under {ROOT}: apt-get install manpages-zh groff-base")
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        entries = [e for e in pool.map(entry, paths) if e["body"] or e["title"] != e["id"]]
    os.makedirs(args.out, exist_ok=True)
    for scale in (int(s) for s in args.scales.split(",")):
        path = os.path.join(args.out, f"manzh-{scale}x.jsonl")
        with open(path, "w", encoding="utf-8") as out:
            for copy in range(scale):
                for e in entries:
                    e = dict(e, id=e["id"] if copy == 0 else f"{e['id']}~{copy + 1}")
                    out.write(json.dumps(e, ensure_ascii=False) + "\n")
        print(f"{path}: {len(entries) * scale} entries, {os.path.getsize(path) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
