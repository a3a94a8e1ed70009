"""Smart-meter billing: the handlers behind machines/billing.asl.json and bulk-meter.asl.json.

One module per Lambda function (``validate``, ``status``, ``usage``, ``anomaly``, ``bill``,
``payment``, ``notify``), each with a ``handler(event, context)`` entry point; ``lambdas.HANDLERS``
maps the FunctionNames to them. The bill engine (:mod:`handlers.metering.tariffs`) is pure and
reusable; state lives in the embedded SQLite database (:mod:`handlers.metering.store`).
"""
