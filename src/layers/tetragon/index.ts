// Runtime layer (Tetragon): compiler, exec evaluator, connectivity verdict, drift form.

export {TETRAGON_API_VERSION, TETRAGON_KINDS, TRACING_POLICY, TRACING_POLICY_NAMESPACED, BASELINE_POLICY_NAME} from './constants.js'
export {allowlistOf, entrypointsOf, type Allowlist} from './allowlist.js'
export {podRuntimeProfile, type PodRuntimeProfile} from './aggregate.js'
export {compileTetragon, compileServiceRuntime, tetragonBaseline, tetragonGroups, tetragonObjects, type RuntimeGroup} from './compile.js'
export {appliesToPod, evaluateActivity, evaluateExec, policyMode, type Activity, type BlockAction, type ExecOptions, type ExecVerdict, type PodContext} from './evaluate.js'
export {hooksOf, classify, type Hook, type HookClass} from './hooks.js'
export {killsIn, isSigkill, eventInWorkload, type KillGroup} from './kills.js'
export {runtimeLayer, type RuntimeContext} from './layer.js'
export {canonicalTetragon} from './canonical.js'
