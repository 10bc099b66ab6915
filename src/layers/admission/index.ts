// Layer 1: admission (LATTICE-SPEC §2).
export {admitMeshMember, admitService, admitSpecSet, validateService, type AdmissionOptions} from './admit.js'
export {formatIssue, type AdmissionIssue, type AdmissionReport} from './issues.js'
export {admissionLayer} from './layer.js'
export {durationProblem, fileModeProblem, isDnsLabel, isQuantity, SECRET_TYPES} from './grammar.js'
