"""``aslrun serve``: the AWS Step Functions API on localhost.

A layer above :class:`~aslrun.machine.StateMachine`: nothing below imports it.

    wire.py        the JSON 1.0 protocol, read from botocore's model (requests, answers, errors)
    app.py         the ASGI app (Starlette) that speaks it; server.py runs it (uvicorn)
    provider.py    the service: one object, one method per API action, found by name
    machines.py    state machines, tags, ValidateStateMachineDefinition     (versions.py: versions, aliases)
    executions.py  executions and their histories                           (runner.py: running them)
    tasks.py       SendTaskSuccess / Failure / Heartbeat                    (activities.py: activities)
    store.py       the crash-safe SQLite store; recorder.py writes what executions do into it
    catalog.py     state machines, revisions, versions, aliases as the engine runs them
    arns.py, faults.py, paging.py, context.py, definitions.py, tags.py: the small parts
    console/       the web console at the root URL, above the API's objects (docs/console.md)
"""

from .provider import ServiceConfig, StepFunctionsService

__all__ = ["ServiceConfig", "StepFunctionsService"]
