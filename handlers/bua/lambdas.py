"""Every BUA Lambda function by its FunctionName, for the engine's bindings and for deployment.

``HANDLERS = {FunctionName: handler(event, context)}``; the machines in ``machines/bua/`` call
them through ``arn:aws:states:::lambda:invoke`` with ``${<FunctionName>FunctionArn}``
placeholders (values in ``machines/bua/substitutions.json``). On AWS each would be deployed as
``handlers.bua.<module>.<function>``; the names mirror production's lambdas and stored procedures.

The machines themselves record stage statuses (DynamoDB), queue and drain batches (SQS), announce
the run (SNS) and clear and copy the exported files (S3); these functions do the work on the run
database, and the export's write step uploads its CSVs with boto3. BuaNotify is the pipeline's
trigger: mapped to the notify queue, it starts the controller.
"""

from __future__ import annotations

from typing import Any, Callable

from . import infra, notify, report, runner
from . import steps_accrual as accrual
from . import steps_profile as profile

__all__ = ["HANDLERS"]

HANDLERS: dict[str, Callable[[Any, Any], Any]] = {
    # batch control in the run database (lambda-bua-next), the run report (lambda-bua-controller)
    "BuaStageReset": runner.reset_handler,
    "BuaStageCheck": runner.check_handler,
    "BuaStageVerify": runner.verify_handler,
    "BuaRunReport": report.report_handler,
    # infrastructure stages
    "BuaRestore": infra.restore,
    "BuaScale": infra.scale,
    "BuaWarmList": infra.list_warm_targets,
    "BuaWarm": infra.warm_target,
    "BuaTerminate": infra.terminate,
    # segments (lambda-bua-site-segment) and micro scalars (lambda-bua-site-mscalar)
    "BuaListAccounts": profile.accounts_handler,
    "BuaProfileList": profile.profile_list_handler,
    "BuaProfileExtract": profile.profile_extract_handler,
    "BuaProfileAverage": profile.profile_average_handler,
    "BuaProfileMark": profile.profile_mark_handler,
    "BuaProfileFill": profile.profile_fill_handler,
    "BuaProfileValidate": profile.profile_validate_handler,
    "BuaMacroProfile": profile.macro_profile_handler,
    "BuaMicroScalarList": profile.microscalar_list_handler,
    "BuaMicroScalarBatch": profile.microscalar_batch_handler,
    # basic reads (lambda-bua-site-basic)
    "BuaResetBasicReadsList": accrual.reset_list_handler,
    "BuaResetBasicReadsBatch": accrual.reset_batch_handler,
    "BuaBasicReadsList": accrual.basicreads_list_handler,
    "BuaBasicReadsBatch": accrual.basicreads_batch_handler,
    # NEM12 for missing interval days (lambda-bua-site-nem12)
    "BuaNem12List": accrual.nem12_list_handler,
    "BuaNem12Batch": accrual.nem12_batch_handler,
    # invoice runs
    "BuaInvoiceList": accrual.invoice_list_handler,
    "BuaInvoiceBatch": accrual.invoice_batch_handler,
    # export (lambda-bua-site-prepare / lambda-bua-site-export)
    "BuaExportReset": accrual.export_reset_handler,
    "BuaExportList": accrual.export_list_handler,
    "BuaExportBatch": accrual.export_batch_handler,
    "BuaExportWrite": accrual.export_write_handler,
    # the trigger (lambda-bua-notify): EARL's snapshot-shared message, through the notify queue,
    # starts the controller (called by no machine: its SQS event source mapping invokes it)
    "BuaNotify": notify.handler,
}
