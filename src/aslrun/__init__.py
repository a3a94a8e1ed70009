"""aslrun: run AWS Step Functions state machines (Amazon States Language) locally, in-process."""

__version__ = "0.1.0"
