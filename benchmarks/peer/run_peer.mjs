// The five workloads of ../shared/bench run on aws-local-stepfunctions (benchmarks/peer_bench.py starts this).
//
//   node run_peer.mjs WORKLOADS_DIR RUNS [--outputs] [NAME...]
//
// Each workload's definition is compiled (and validated) once; then every input is run one after
// another, once to warm up and RUNS times timed; prints {"node", "figures": {name: {median, min, max}}}
// as JSON, and with --outputs each workload's outputs instead (the driver checks them against aslrun's).
// The Lambda tasks run local functions mirroring ../shared/bench/workloads/handlers.py, each result
// shaped as lambda:invoke's {"ExecutedVersion", "Payload", "StatusCode"} (the shape the Python adapters
// of ../shared/bench give; aslrun adds the SDK metadata AWS returns).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';

const WORKLOADS = ['w1_loop', 'w2_map', 'w3_parallel', 'w4_billing', 'w5_bulk'];

const HANDLERS = {
  ValidateMeterReading: (event) => ({ isValid: true, meterId: event.meterId ?? null }),
  CheckMeterStatus: () => ({ online: true, tamperDetected: false }),
  CalculateUsage: (event) => ({ usageRecord: { meterId: event.meterId ?? null, kwh: 42.5, tier: 'standard' } }),
  DetectAnomaly: () => ({ isAnomaly: false, score: 0.01 }),
  GenerateBill: (event) => ({ bill: { amount: 12.34, currency: 'USD', meterId: event.meterId ?? null } }),
  ProcessPayment: () => ({ status: 'ok', paymentId: 'pay-1' }),
  NotifyCustomer: () => ({ notified: true }),
  FlagForReview: () => ({ flagged: true }),
};

function taskStates(states, found = []) {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') found.push(name);
    for (const branch of state.Branches || []) taskStates(branch.States, found);
    const processor = state.ItemProcessor || state.Iterator;
    if (processor) taskStates(processor.States, found);
  }
  return found;
}

function load(folder, name) {
  // the placeholders ${XFunctionArn} name the function X, as aslrun bench fills them
  const text = readFileSync(join(folder, `${name}.asl.json`), 'utf8').replace(/\$\{([A-Za-z0-9]+)FunctionArn\}/g, '$1');
  const definition = JSON.parse(text);
  const single = join(folder, `${name}.input.json`);
  const inputs = existsSync(single) ? [JSON.parse(readFileSync(single, 'utf8'))]
    : JSON.parse(readFileSync(join(folder, `${name}.inputs.json`), 'utf8'));
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: false, checkArn: false } });
  const handlers = {};
  for (const task of taskStates(definition.States)) {
    handlers[task] = async (request) => ({
      ExecutedVersion: '$LATEST', Payload: HANDLERS[request.FunctionName](request.Payload), StatusCode: 200,
    });
  }
  const options = { overrides: { taskResourceLocalHandlers: handlers } };
  return async () => {
    const outputs = [];
    for (const input of inputs) outputs.push(await machine.run(input, options).result);
    return outputs;
  };
}

const args = process.argv.slice(2);
const outputsOnly = args.includes('--outputs');
const [folder, runsText, ...names] = args.filter((a) => a !== '--outputs');
const runs = Number(runsText || 7);
const chosen = WORKLOADS.filter((name) => names.length === 0 || names.includes(name));
const result = { node: process.version, figures: {}, outputs: {} };
for (const name of chosen) {
  const runAll = load(folder, name);
  const outputs = await runAll(); // the warm-up run, whose outputs are checked
  if (outputsOnly) {
    result.outputs[name] = outputs;
    continue;
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await runAll();
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  times.sort((a, b) => a - b);
  result.figures[name] = { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}
const printed = { node: result.node, ...(outputsOnly ? { outputs: result.outputs } : { figures: result.figures }) };
console.log(JSON.stringify(printed));
