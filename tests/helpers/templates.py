"""The fixture templates of the template tests (imported from here, not from a conftest)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
SAM_APP = FIXTURES / "sam_app" / "template.yaml"
CDK_APP = FIXTURES / "cdk_app" / "cdk.out" / "GreetingStack.template.json"
CDK_SYNTH_APP = FIXTURES / "cdk_synth_app" / "cdk.out" / "BillingStack.template.json"  # CDK's own output
CDK_SYNTH_FLOW = FIXTURES / "cdk_synth_app" / "cdk.out" / "FlowStack.template.json"  # ...its second stack
CDK_SYNTH_FILE = FIXTURES / "cdk_synth_app" / "cdk.out" / "FileStack.template.json"  # ...its third
CDK_SYNTH_EVENTS = FIXTURES / "cdk_synth_app" / "cdk.out" / "EventStack.template.json"  # ...its fourth
CDK_SYNTH_OUTER = FIXTURES / "cdk_synth_app" / "cdk.out" / "OuterStack.template.json"  # ...and its fifth (nested)
CFN_INTAKE = FIXTURES / "cfn" / "intake.json"
