// Runtime evidence from Tetragon: gRPC GetEvents client and export-stdout JSON parsing.
export {createTetragonClient, buildEventsRequest, DEFAULT_TETRAGON_TIMEOUT_MS} from './client.js'
export type {TetragonClient, TetragonClientOptions, TetragonEventFilter} from './client.js'
export {eventFromJson, isSigkill} from './normalize.js'
export {parseTetragonStream} from './stream.js'
export type {TetragonStreamOptions} from './stream.js'
export {EvidenceSourceError} from '../../../core/io/evidence-errors.js'
export {readTetragonGrpc, readTetragonLogs} from './reader.js'
export type {ProcessEventFilter, TetragonLogStream, TetragonReadOptions} from './reader.js'
