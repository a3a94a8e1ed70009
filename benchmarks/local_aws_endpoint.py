"""Benchmark the local AWS on ``aslrun serve``'s port: DynamoDB and S3 calls through boto3, in memory
and kept in ``--state-dir`` (each change journaled and fsynced before its answer).

    python benchmarks/local_aws_endpoint.py                    # 1,000 calls of each kind, 4 client threads
    python benchmarks/local_aws_endpoint.py --calls 2000 --threads 8 --json out.json

For each mode a fresh server (``python -m aslrun serve --port P``, stopped by its pid) gets, from
``--threads`` client threads: ``--calls`` PutItem of a small item, ``--calls`` GetItem, ``--calls``
UpdateItem adding 1 to one of 10 counters (so calls change the same items at once), and
``--calls / 10`` PutObject of 4 KiB. It prints calls/s and the p50 / p99 round trip of each kind.
With ``--state-dir`` the server is then killed (SIGKILL) and started again on the same directory,
and everything is read back: every item, the counters' totals (each must equal the number of
updates it got: none lost) and every object's bytes. Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.service import aws_client  # noqa: E402
from tests.service.server_process import ServerProcess  # noqa: E402

OBJECT = bytes(range(256)) * 16  # 4 KiB


def timed_calls(count: int, threads: int, call: Any) -> dict[str, float]:
    """``call(i)`` for i in range(count) from ``threads`` threads: calls/s, p50 and p99 in ms."""
    def one(i: int) -> float:
        started = time.perf_counter()
        call(i)
        return time.perf_counter() - started

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = sorted(pool.map(one, range(count)))
    seconds = time.perf_counter() - began
    return {"calls_per_second": round(count / seconds, 1),
            "p50_ms": round(1000 * statistics.median(latencies), 2),
            "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2)}


def run_mode(args: argparse.Namespace, state_dir: Path | None) -> dict[str, Any]:
    server = ServerProcess(state_dir=state_dir).start()
    try:
        clients = [(aws_client(server, "dynamodb"), aws_client(server, "s3")) for _ in range(args.threads)]
        dynamodb, s3 = clients[0]
        dynamodb.create_table(TableName="bench", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        s3.create_bucket(Bucket="bench")

        def client(i: int) -> Any:
            return clients[i % args.threads]

        figures: dict[str, Any] = {
            "PutItem": timed_calls(args.calls, args.threads, lambda i: client(i)[0].put_item(
                TableName="bench", Item={"id": {"S": f"item-{i}"}, "n": {"N": str(i)}, "text": {"S": "x" * 100}})),
            "GetItem": timed_calls(args.calls, args.threads, lambda i: client(i)[0].get_item(
                TableName="bench", Key={"id": {"S": f"item-{i}"}})),
            "UpdateItem": timed_calls(args.calls, args.threads, lambda i: client(i)[0].update_item(
                TableName="bench", Key={"id": {"S": f"counter-{i % 10}"}}, UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}})),
            "PutObject 4 KiB": timed_calls(args.calls // 10, args.threads, lambda i: client(i)[1].put_object(
                Bucket="bench", Key=f"objects/{i}", Body=OBJECT)),
        }
        problems = check(dynamodb, s3, args)  # before any restart: what the server answers now
        if state_dir is not None:
            server.kill()
            server = ServerProcess(state_dir=state_dir).start()
            problems += [f"after kill -9: {problem}" for problem in
                         check(aws_client(server, "dynamodb"), aws_client(server, "s3"), args)]
            journal = state_dir / "aws" / "journal.jsonl"
            figures["journal"] = {"bytes": journal.stat().st_size,
                                  "entries": len(journal.read_bytes().splitlines())}
        figures["problems"] = problems
        return figures
    finally:
        server.kill()


def check(dynamodb: Any, s3: Any, args: argparse.Namespace) -> list[str]:
    items: dict[str, Any] = {}
    paginator = dynamodb.get_paginator("scan")
    for page in paginator.paginate(TableName="bench"):
        items.update({item["id"]["S"]: item for item in page["Items"]})
    problems = []
    missing = [i for i in range(args.calls) if f"item-{i}" not in items]
    if missing:
        problems.append(f"{len(missing)} items missing (first: item-{missing[0]})")
    for counter in range(10):
        expected = len(range(counter, args.calls, 10))
        found = items.get(f"counter-{counter}", {}).get("n", {}).get("N")
        if found != str(expected):
            problems.append(f"counter-{counter} is {found}, {expected} updates were acknowledged")
    for i in range(args.calls // 10):
        body = s3.get_object(Bucket="bench", Key=f"objects/{i}")["Body"].read()
        if body != OBJECT:
            problems.append(f"objects/{i}: {len(body)} bytes differ")
            break
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["memory"] = run_mode(args, None)
        results["--state-dir"] = run_mode(args, Path(folder) / "state")
    print(f"{args.calls} calls of each kind ({args.calls // 10} PutObject), {args.threads} client threads")
    print(f"  {'':18}" + "".join(f"{mode:>34}" for mode in results))
    for kind in ("PutItem", "GetItem", "UpdateItem", "PutObject 4 KiB"):
        cells = [f"{r[kind]['calls_per_second']:>9.1f}/s  p50 {r[kind]['p50_ms']:>6.2f}  p99 {r[kind]['p99_ms']:>6.2f} ms"
                 for r in results.values()]
        print(f"  {kind:18}" + "".join(f"{cell:>34}" for cell in cells))
    journal = results["--state-dir"].get("journal")
    if journal:
        print(f"  journal after the run: {journal['entries']} entries, {journal['bytes'] / 1024:.0f} KiB")
    problems = [f"{mode}: {problem}" for mode, r in results.items() for problem in r["problems"]]
    print("  read back (and after kill -9 with --state-dir): " + ("; ".join(problems) if problems else "all there"))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
