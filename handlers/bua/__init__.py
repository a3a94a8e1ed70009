"""Bottom-Up Accruals (BUA): unbilled revenue per account, rebuilt to run offline.

Seed 003's production pipeline, stage for stage, on an embedded SQLite run database:

    restore -> scaleup-workflow -> warming -> segments -> microscalar -> reset-basicreads
    -> basicreads -> scaleup-meterdata -> nem12 -> invoiceruns -> scaledown -> export -> terminate

For one run date (passed to every stage) and accrual period ``[Ps, Pe)``, each account's unbilled
days ``[last billed end, Pe)`` are estimated and priced:

- segments (:mod:`.accounts`, :mod:`.profile_build`, :mod:`.profile_fix`): who is accrued over
  which days; macro profiles M(d) per jurisdiction x customer class x tariff type from interval
  data (days over 5 % estimated left out), thin/missing/negative profiles filled;
- microscalar (:mod:`.microscalar`): k_a = billed Wh / sum of M(d) over the last bill's days, or
  from a basic meter's actual reads either side of the period end (README.md: the rules);
- basic reads (:mod:`.basicreads`): estimated register reads at the period end, with rollover;
- nem12 (:mod:`.nem12_stage`): missing interval days as NEM12 (quality E), read back, loaded;
- invoice runs (:mod:`.invoices`): the billing pipeline's bill engine, lines split by month;
- export (:mod:`.export`, :mod:`.s3_upload`): BUAAccountSummary and InvoiceLineItemMonthly as
  CSV, uploaded to S3 when the machine names the bucket.

Lambda entry points: :data:`.lambdas.HANDLERS`; machines: ``machines/bua/`` (their README: the
DynamoDB control table, SQS queues, SNS topic and S3 buckets they use); batch control and the
driver's resume: :mod:`.control`; the run report: :mod:`.report`; running without the engine or
any AWS: :mod:`.pipeline` (``python -m handlers.bua``).
"""
