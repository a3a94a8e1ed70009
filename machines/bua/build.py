"""Write the BUA state machines (``bua*.asl.json``) and ``substitutions.json`` of this folder.

    python machines/bua/build.py            # rewrite them
    python machines/bua/build.py --check    # exit 1 if a file differs from what would be written

The 14 definitions share their control, queue and error handling, so they are generated from
one description (this file and build_*.py) instead of being kept in step by hand; the stage list
and the stages each one reads come from :mod:`handlers.bua.control`, the same source the handlers
use. tests/pipelines/test_bua_machines.py checks the files are up to date.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]  # build_*.py beside this file; handlers/ at the root

from build_controller import OUTBOUND_PREFIX, camel, controller  # noqa: E402
from build_fanout import FanOut, fan_out_states, prepare_queue_states  # noqa: E402
from build_states import (  # noqa: E402
    BASE,
    BATCH_RETRY,
    State,
    begin_stage,
    end_stage,
    inline_map,
    invoke,
    pass_state,
    queue_url,
    readiness,
    stage_failed,
    task,
)

from handlers.bua.control import REQUIRES, STAGES, downstream  # noqa: E402

REGION, ACCOUNT = "ap-southeast-2", "123456789012"
"""Where the seed's project runs (the substitutions' ARNs)."""

RESOURCES = {
    "BuaControlTableName": "tst-anstead-ddb-bua",
    "BuaStatusTopicName": "tst-anstead-sns-bua-status",
    "BuaExportBucketName": "tst-anstead-s3-bua",
    "BuaIntegrationBucketName": "tst-anstead-s3-rw-integration",
    "BuaWorkBucketName": "tst-anstead-s3-bua-work",
}
"""The seed's resource names (queues: one per fan-out stage, see QUEUE_NAME), and the bucket
the fan-out stages keep their worklists in (the distributed Maps read them from there)."""

QUEUE_NAME = "tst-anstead-sqs-bua-{stage}"

FAN_OUTS = {
    "segments": FanOut("segments", "BuaProfileList", "BuaProfileExtract", noun="Profiles",
                       list_comment="The interval accounts whose reads feed the profiles, as a "
                                    "worklist in S3 in batches of the run's profile_batch_size."),
    "microscalar": FanOut("microscalar", "BuaMicroScalarList", "BuaMicroScalarBatch"),
    "reset-basicreads": FanOut("reset-basicreads", "BuaResetBasicReadsList", "BuaResetBasicReadsBatch"),
    "basicreads": FanOut("basicreads", "BuaBasicReadsList", "BuaBasicReadsBatch"),
    "nem12": FanOut("nem12", "BuaNem12List", "BuaNem12Batch"),
    "invoiceruns": FanOut("invoiceruns", "BuaInvoiceList", "BuaInvoiceBatch", resubmissions=2),
    "export": FanOut("export", "BuaExportList", "BuaExportBatch"),
}


def queue_placeholder(stage: str) -> str:
    return f"Bua{camel(stage)}QueueName"


def _single(function: str, comment: str, next_: str, payload: dict[str, Any] | None = None,
            **options: Any) -> State:
    options.setdefault("result_path", None)
    return invoke(function, payload or BASE, comment=comment, next_=next_, **options)


def _scale(target: dict[str, int], comment: str) -> dict[str, State]:
    return {"Scale": _single("BuaScale", comment, "EndStage", {**BASE, "target": target})}


def _warm_map(name: str, items: str, function: str, comment: str, next_: str) -> State:
    return inline_map(items, {"target.$": "$$.Map.Item.Value"}, name, {name: invoke(
        function, "$.target", retry=BATCH_RETRY, catch_to=None)}, next_, comment=comment,
        concurrency=4)


def _work(stage: str) -> tuple[dict[str, State], str | None]:
    """The stage's own states (the first one first), ending in EndStage; the detail to record."""
    if stage == "restore":
        return {"Restore": _single(
            "BuaRestore", "The run database from the snapshot (locally: a snapshot file, or the "
            "default synthetic retailer) and the run record every later stage reads.", "EndStage",
            {**BASE, **{f"{f}.$": f"$.{f}" for f in ("snapshot", "period_start", "period_end",
                                                     "config")}},
            selector={f"{f}.$": f"$.Payload.{f}" for f in ("accounts", "restored", "period_start",
                                                            "period_end")},
            result_path="$.restore")}, "$.restore"
    if stage in ("scaleup-workflow", "scaleup-meterdata", "scaledown"):
        targets = {"scaleup-workflow": {"nodes": 1, "workflow": 1},
                   "scaleup-meterdata": {"nodes": 10, "meterdata": 8},
                   "scaledown": {"nodes": 0, "workflow": 0, "meterdata": 0}}
        return _scale(targets[stage], "No cluster locally: checks the run (scale down "
                                      "checkpoints the database)."), None
    if stage == "warming":
        return {
            "ListTargets": _single("BuaWarmList", "The tables to analyse and the indexes to read.",
                                   "WarmTables", selector={"tables.$": "$.Payload.tables",
                                                           "indexes.$": "$.Payload.indexes"},
                                   result_path="$.targets"),
            "WarmTables": _warm_map("WarmTable", "$.targets.tables", "BuaWarm",
                                    "One Lambda per table (core_warm_table).", "WarmIndexes"),
            "WarmIndexes": _warm_map("WarmIndex", "$.targets.indexes", "BuaWarm",
                                     "One Lambda per index (core_warm_index).", "EndStage"),
        }, None
    if stage == "terminate":
        return {"Terminate": _single(
            "BuaTerminate", "Production deletes the database stack; locally the database goes "
            "only when asked (delete_database: true). The control record outlives it.", "EndStage",
            {**BASE, "delete_database.$": "$.delete_database"})}, None
    if stage == "segments":
        states = fan_out_states(FAN_OUTS[stage], "AverageProfiles")
        steps = [("AverageProfiles", "BuaProfileAverage", "SegmentJurisdictionAvgExclEst: M(d) per "
                  "segment, jurisdiction and nation, days with more than 5 % estimated intervals "
                  "left out."),
                 ("MarkInvalid", "BuaProfileMark", "SegmentJurisdictionCheck: fewer than 30 "
                  "accounts, missing or negative days."),
                 ("FillInvalid", "BuaProfileFill", "SegmentJurisdictionFix: jurisdiction-wide "
                  "profile or interpolation."),
                 ("Validate", "BuaProfileValidate", "Validate: usable values everywhere; anomalies noted."),
                 ("MacroProfile", "BuaMacroProfile", "bua_create_macro_profile.")]
        for (name, function, comment), following in zip(steps, [s[0] for s in steps[1:]] + ["EndStage"]):
            states[name] = _single(function, comment, following)
        first = {"ListAccounts": _single(
            "BuaListAccounts", "bua_list_all_accounts, bua_list_unbilled_accounts, "
            "bua_dates_to_check: who is accrued, over which days.", "ListProfiles")}
        return {**first, **states}, "$.verified.detail"
    if stage == "export":
        return _export(), "$.written"
    return fan_out_states(FAN_OUTS[stage], "EndStage"), "$.verified.detail"


def _export() -> dict[str, State]:
    remove_old = {
        "ListOld": task("arn:aws:states:::aws-sdk:s3:listObjectsV2",
                        {"Bucket.$": "$.Bucket", "Prefix.$": "$.Prefix"},
                        result_path="$.listing", catch_to=None, next_="AnyOld?"),
        "AnyOld?": {"Type": "Choice", "Choices": [
            {"Variable": "$.listing.KeyCount", "NumericGreaterThan": 0, "Next": "DeleteOld"}],
            "Default": "Cleared"},
        "DeleteOld": {
            "Type": "Map", "ItemsPath": "$.listing.Contents",
            "ItemSelector": {"Key.$": "$$.Map.Item.Value.Key"},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Key",
                              "States": {"Key": {"Type": "Pass", "End": True}}},
            "ResultPath": "$.keys", "Next": "DeleteObjects"},
        "DeleteObjects": task("arn:aws:states:::aws-sdk:s3:deleteObjects",
                              {"Bucket.$": "$.Bucket", "Delete": {"Objects.$": "$.keys", "Quiet": True}},
                              result_path=None, catch_to=None, next_="ListOld"),
        "Cleared": {"Type": "Succeed", "Comment": "Nothing (more) under the prefix."},
    }
    states = {
        "ResetExport": _single("BuaExportReset", "Truncate BUAAccountSummary and "
                               "InvoiceLineItemMonthly (and the local copies of old files).",
                               "ExportPlaces"),
        "ExportPlaces": pass_state(
            {"export": {"Bucket": "${BuaExportBucketName}",
                        "Prefix.$": "States.Format('export/csv/{}/', $.run_date)"},
             "outbound": {"Bucket": "${BuaIntegrationBucketName}", "Prefix": OUTBOUND_PREFIX}},
            "OldFilePlaces", comment="The run's export folder, and the integration bucket's "
                                     "outbound folder (ADH picks the files up there).",
            result_path="$.s3"),
        "OldFilePlaces": pass_state({"places.$": "States.Array($.s3.export, $.s3.outbound)"},
                                    "RemoveOldFiles", result_path="$.old"),
        "RemoveOldFiles": inline_map(
            "$.old.places", {"Bucket.$": "$$.Map.Item.Value.Bucket",
                             "Prefix.$": "$$.Map.Item.Value.Prefix"},
            "ListOld", remove_old, "ListBatches", concurrency=2,
            comment="Old S3 files removed from both folders, 1,000 keys per deleteObjects."),
        **fan_out_states(FAN_OUTS["export"], "WriteCsv"),
        "WriteCsv": _single(
            "BuaExportWrite", "Both tables as CSV, uploaded to export/csv/<run date>/ "
            "(a local copy stays beside the run database).", "CopyOutbound",
            {**BASE, "s3": {"bucket.$": "$.s3.export.Bucket", "prefix.$": "$.s3.export.Prefix"}},
            selector={f"{f}.$": f"$.Payload.{f}" for f in (
                "uploaded", "account_rows", "line_rows", "accrued_ex_gst", "gst")},
            result_path="$.written"),
        "CopyOutbound": inline_map(
            "$.written.uploaded", {"source.$": "$$.Map.Item.Value", "target.$": "$.s3.outbound"},
            "CopyFile", {"CopyFile": task(
                "arn:aws:states:::aws-sdk:s3:copyObject",
                {"Bucket.$": "$.target.Bucket",
                 "Key.$": "States.Format('{}{}', $.target.Prefix, $.source.name)",
                 "CopySource.$": "States.Format('{}/{}', $.source.bucket, $.source.key)"},
                result_path=None, catch_to=None)},
            "EndStage", concurrency=2,
            comment="Copy S3 objects from the export folder to the integration bucket's "
                    "ADH/OUTBOUND/BUA/."),
    }
    return states


COMMENTS = {
    "restore": "build the run database from the snapshot and create the run record every later stage reads",
    "scaleup-workflow": "node group to 1 node, workflow to 1 replica (a local check)",
    "warming": "analyse every table (core_warm_database_statistics), then read every index "
               "(core_warm_database_indexes), so the first stages do not pay for a cold database",
    "segments": "profile segments (jurisdiction x class x tariff type) from interval data; can be "
                "run again for the same run date (it replaces its own rows)",
    "microscalar": "k_a for every unbilled account (billed consumption / sum of M(d))",
    "reset-basicreads": "delete the basic reads an earlier attempt of this run estimated",
    "basicreads": "an estimated read at the period end for each unbilled basic meter (previous "
                  "read + daily estimates, modulo the register's rollover)",
    "scaleup-meterdata": "node group to 10 nodes, meterdata to 8 replicas (a local check)",
    "nem12": "missing interval days estimated, written as NEM12 (quality E), read back with "
             "nemreader and loaded; failed batches rescheduled once",
    "invoiceruns": "simulated invoices for the unbilled days with the billing pipeline's bill "
                   "engine, split by month; failed batches resubmitted up to twice",
    "scaledown": "node group and replicas to 0 (locally: checkpoint the database)",
    "export": "BUAAccountSummary and InvoiceLineItemMonthly (accrued revenue ex GST, GST separate, "
              "by month) prepared per batch, written as CSV to S3, copied to the integration bucket",
    "terminate": "the run is over; production deletes the database stack (locally only on "
                 "delete_database: true)",
}


def stage_machine(stage: str) -> dict[str, Any]:
    work, detail = _work(stage)
    first = next(iter(work))
    queued = stage in FAN_OUTS
    after_begin = "ClearBatches" if queued else first
    needs = REQUIRES.get(stage, ())
    begin = "ReadControl" if needs else "BeginStage"
    states: dict[str, State] = {"Normalize": pass_state(
        {"merged.$": "States.JsonMerge(States.StringToJson('{\"db\":null,\"snapshot\":null,"
                     "\"period_start\":null,\"period_end\":null,\"config\":null,"
                     "\"delete_database\":false}'), $, false)"},
        "Locate" if queued else begin,
        comment="Every optional field present (null when not given), so later paths never miss.",
        output_path="$.merged")}
    if queued:
        states["Locate"] = pass_state(
            {"queue_url.$": queue_url(f"${{{queue_placeholder(stage)}}}"),
             "worklist": {"bucket": "${BuaWorkBucketName}",
                          "prefix.$": f"States.Format('worklists/{{}}/{stage}/', $.run_date)"}},
            begin, comment="This stage's queue, in the execution's region and account, and its "
                           "folder for worklists in the work bucket.", result_path="$.aws")
    if needs:
        states.update(readiness(stage, needs, "BeginStage"))
    states["BeginStage"] = begin_stage(stage, sorted(downstream(stage)), after_begin)
    if queued:
        states.update(prepare_queue_states(stage, f"${{{queue_placeholder(stage)}}}",
                                           first if stage != "export" else "ResetExport"))
    states.update(work)
    states["EndStage"] = end_stage(stage, detail)
    states["Done"] = {"Type": "Succeed"}
    states.update(stage_failed(stage))
    return {"Comment": f"bua-{stage}: {COMMENTS[stage]}.", "StartAt": "Normalize", "States": states}


def substitutions(definitions: dict[str, dict[str, Any]]) -> dict[str, str]:
    """A value for every placeholder the definitions use (ARNs in the seed's region)."""
    used = set()
    for definition in definitions.values():
        used |= set(re.findall(r"\$\{(\w+)\}", json.dumps(definition)))
    values = {**RESOURCES, **{queue_placeholder(s): QUEUE_NAME.format(stage=s) for s in FAN_OUTS}}
    out = {}
    for name in sorted(used):
        if name.endswith("FunctionArn"):
            out[name] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name.removesuffix('FunctionArn')}"
        elif name.endswith("StateMachineArn"):
            stage = next(s for s in STAGES if f"Bua{camel(s)}StateMachineArn" == name)
            out[name] = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:bua-{stage}"
        else:
            out[name] = values[name]
    return out


def render() -> dict[str, str]:
    """File name -> text of every file this script writes."""
    definitions = {"bua.asl.json": controller(STAGES)}
    definitions.update({f"bua-{stage}.asl.json": stage_machine(stage) for stage in STAGES})
    files = {name: json.dumps(d, indent=2, ensure_ascii=False) + "\n" for name, d in definitions.items()}
    files["substitutions.json"] = json.dumps(substitutions(definitions), indent=2) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    args = parser.parse_args(argv)
    stale = []
    for name, text in render().items():
        path = HERE / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "differ" if args.check else "written"
    print(f"{len(stale)} file(s) {verb}" + (f": {', '.join(stale)}" if stale else ""))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
