#!/usr/bin/env python3
"""The HTTP API against its contract, docs/openapi.json.

Starts `cvsearch serve --port 0` on a fresh index of the corpus, then:
1. checks that the served /openapi.json is docs/openapi.json and a valid OpenAPI 3 document;
2. sends a table of real requests (good and bad) and checks that each status is documented
   for its operation and that each JSON body validates against the documented schema;
3. runs Schemathesis (property-based requests generated from the document, all checks but
   positive_data_acceptance: no 500, documented statuses, content types, headers and schemas,
   invalid data rejected, unsupported methods answered 405 with Allow, ...).

Needs:  pip install schemathesis jsonschema openapi-spec-validator
Run:    python3 Tests/Contract/contract_test.py --binary .build/debug/cvsearch --corpus corpus [--max-time 60]
Prints one PASS/FAIL line per check and exits non-zero on any failure.
"""
import argparse, json, os, re, shutil, signal, subprocess, sys, tempfile, threading, urllib.error, urllib.parse, urllib.request

import jsonschema
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource

failures = []


def check(name, ok, detail=""):
    print(f"{'PASS' if ok else 'FAIL'}  {name}{'' if ok else ': ' + detail}", flush=True)
    if not ok:
        failures.append(name)


def start_server(binary, corpus, workdir):
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--index", os.path.join(workdir, "index.db"),
                             "--corpus", corpus, "--log-level", "notice"], cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = threading.Event()
    port = []

    def drain():
        for line in proc.stderr:
            match = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
            if match and not found.is_set():
                port.append(int(match.group(1)))
                found.set()
    threading.Thread(target=drain, daemon=True).start()
    if not found.wait(60):
        raise RuntimeError("the server did not start")
    return proc, f"http://127.0.0.1:{port[0]}"


def fetch(base, path, method="GET", headers=None):
    request = urllib.request.Request(base + path, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def sent_request_is_valid(document, url):
    """Whether the query a Schemathesis case actually sent is valid per the document.

    Schemathesis' negative cases mutate a parameter's type, but HTTP serializes some mutations
    to a valid request: an integer `offset` "become array" [1] is sent as `offset=1`, a `lang`
    "become string" as `lang=zh` (a known class of false positives, schemathesis#4600, #3962).
    Such a case, answered 200, is no accepted invalid data. Every case that is invalid as sent
    still fails the run."""
    parsed = urllib.parse.urlsplit(url)
    operation = document["paths"].get(parsed.path, {}).get("get")
    if operation is None:
        return False
    sent = {}
    for name, value in urllib.parse.parse_qsl(parsed.query, keep_blank_values=True):
        sent.setdefault(name, []).append(value)
    for parameter in operation.get("parameters", []):
        name, schema = parameter["name"], parameter["schema"]
        values = sent.pop(name, [])
        if schema.get("type") == "array":
            candidate = values
        elif len(values) > 1:
            return False
        elif not values:
            if parameter.get("required"):
                return False
            continue
        else:
            candidate = values[0]
            if schema.get("type") == "integer" and re.fullmatch(r"-?[0-9]+", candidate):
                candidate = int(candidate)
            elif schema.get("type") == "boolean" and candidate in ("true", "false"):
                candidate = candidate == "true"
        if not jsonschema.Draft7Validator(schema).is_valid(candidate):
            return False
    return not sent  # a parameter the document does not know makes it no clear case


def false_positives(document, output):
    """The failing cases of a Schemathesis report that are only ST201 on a valid request."""
    cases = output.split("Test Case ID:")[1:]
    found = []
    for case in cases:
        codes = set(re.findall(r"^- (ST\d+)", case, re.MULTILINE))
        curl = re.search(r"curl -X GET (?:-H '[^']*' )*'([^']+)'", case)
        if codes == {"ST201"} and curl and sent_request_is_valid(document, curl.group(1)):
            found.append(curl.group(1))
    return found, len(cases)


# (path, method, expected status) — statuses must be documented, bodies must match.
REQUESTS = [
    ("/search?q=RAG+Qwen", "GET", 200), ("/search?q=%E7%9F%A5%E8%AF%86&explain=true", "GET", 200),
    ("/search?q=langchan", "GET", 200), ("/search?q=customer+service&type=project&lang=zh", "GET", 200),
    ("/search?q=xyzzy", "GET", 200), ("/search?q=!!!", "GET", 200), ("/search?q=RAG&limit=100&offset=5", "GET", 200),
    ("/search", "GET", 400), ("/search?q=", "GET", 400), ("/search?q=RAG&limit=0", "GET", 400),
    ("/search?q=RAG&prefix=maybe", "GET", 400), ("/search?q=%ZZ", "GET", 400), ("/search?q=foo:bar", "GET", 400),
    ("/search?q=" + "a" * 1100, "GET", 400), ("/search?q=RAG&type=", "GET", 400), ("/healthz", "GET", 200), ("/ping", "GET", 200), ("/", "GET", 200),
    ("/widget.js", "GET", 200), ("/openapi.json", "GET", 200),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--max-time", type=int, default=60, help="Schemathesis time budget, seconds")
    parser.add_argument("--seed", default="20261125", help="Schemathesis seed")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    document = json.load(open(os.path.join(root, "docs", "openapi.json"), encoding="utf-8"))
    workdir = tempfile.mkdtemp(prefix="cvsearch-contract-")
    proc = None
    try:
        proc, base = start_server(os.path.abspath(args.binary), os.path.abspath(args.corpus), workdir)
        status, _, body = fetch(base, "/openapi.json")
        check("served /openapi.json is docs/openapi.json", status == 200 and json.loads(body) == document)
        try:
            validate_spec(document)
            check("docs/openapi.json is a valid OpenAPI 3 document", True)
        except Exception as error:  # the validator's own exception types
            check("docs/openapi.json is a valid OpenAPI 3 document", False, str(error)[:200])

        registry = Registry().with_resource("openapi.json", Resource.opaque(document))
        for path, method, expected in REQUESTS:
            status, headers, body = fetch(base, path, method)
            name = f"{method} {path[:60]} -> {expected}"
            operation = document["paths"].get(path.split("?")[0], {}).get(method.lower())
            documented = operation and str(status) in operation["responses"]
            if status != expected or not documented:
                check(name, False, f"status {status}, documented: {bool(documented)}")
                continue
            content = operation["responses"][str(status)].get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                check(name, True)
                continue
            try:
                target = {"$ref": "openapi.json" + schema["$ref"]} if "$ref" in schema else schema
                validator = jsonschema.Draft7Validator(target, registry=registry)
                validator.validate(json.loads(body))
                check(name, headers.get("Content-Type", "").startswith("application/json"), "content type")
            except jsonschema.ValidationError as error:
                check(name, False, f"{error.message} at {list(error.absolute_path)}")

        st = shutil.which("schemathesis") or shutil.which("st")
        if st is None:
            check("schemathesis run", False, "schemathesis is not installed (pip install schemathesis)")
        else:
            # All checks but positive_data_acceptance: the query language rejects some strings the
            # schema allows (`foo:bar` is a 400), and q's limit is in bytes, which JSON Schema cannot say.
            run = subprocess.run([st, "run", base + "/openapi.json", "--checks", "all",
                                  "--exclude-checks", "positive_data_acceptance", "--max-time", str(args.max_time),
                                  "--max-examples", "300", "--workers", "2", "--seed", str(args.seed),
                                  "--request-timeout", "30"],
                                 cwd=workdir, capture_output=True, text=True)
            summary = [line for line in run.stdout.splitlines() if "generated" in line or "failure" in line.lower()]
            print("\n".join("      " + line.strip() for line in summary[-4:]), flush=True)
            ok = run.returncode == 0
            if not ok:
                tolerated, cases = false_positives(document, run.stdout)
                for url in tolerated:
                    print(f"      tolerated: ST201 on a request that is valid as sent: {url}", flush=True)
                errors = any("generated" in line and "error" in line for line in run.stdout.splitlines())
                ok = cases > 0 and len(tolerated) == cases and not errors
                # Hypothesis' own optimiser has crashed here once in a 5-minute run ("208 is not
                # in list", inside hypothesis/internal/conjecture) after every case had passed:
                # a bug of the tool, not an answer of the server.
                passed = re.search(r"(\d+) generated, \1 passed", run.stdout)
                tool_crash = (cases == 0 and passed and "Runtime Error" in run.stdout
                              and "hypothesis/internal/conjecture" in run.stdout and "Network Error" not in run.stdout)
                if tool_crash:
                    print("      tolerated: Hypothesis crashed inside its optimiser after every case passed", flush=True)
                    ok = True
            check("schemathesis run (all checks)", ok, run.stdout[-3000:])
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            try:
                check("server stops on SIGTERM", proc.wait(10) == 0)
            except subprocess.TimeoutExpired:
                proc.kill()
                check("server stops on SIGTERM", False, "still running after 10 s")
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{len(failures)} failed", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
