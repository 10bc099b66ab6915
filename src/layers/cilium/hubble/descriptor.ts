// The observer protos as a protobufjs JSON descriptor, made at build time
// (scripts/bundle-workers.mjs) and compiled into the bundled Hubble worker, which then
// builds its gRPC package from it (core/io/grpc.ts registerProtoDescriptor) instead of
// reading and parsing the .proto text on every run. Parsed here exactly as
// @grpc/proto-loader's load() parses them (include dir first, protobufjs's own
// google/protobuf files otherwise; field names camel-cased as keepCase: false does at parse
// time), so both paths give the same package (test/evidence/hubble-descriptor.test.ts).
import {existsSync} from 'node:fs'
import path from 'node:path'
import {LOADER_OPTIONS} from '../../../core/io/grpc.js'
import {hubbleProtoDir} from './protoRoot.js'

export const OBSERVER_PROTO = 'observer/observer.proto'

export async function observerDescriptorJson(includeDir: string = hubbleProtoDir()): Promise<object> {
  const protobuf = (await import('protobufjs')).default
  const root = new protobuf.Root()
  const fallback = root.resolvePath.bind(root)
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target
    const local = path.join(includeDir, target)
    return existsSync(local) ? local : fallback(origin, target)
  }
  root.loadSync(OBSERVER_PROTO, {keepCase: LOADER_OPTIONS.keepCase})
  root.resolveAll()
  return root.toJSON()
}
