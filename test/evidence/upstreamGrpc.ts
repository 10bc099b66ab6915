// Test-only: gRPC servers built from the UPSTREAM .proto files in ../shared, fed with the
// protojson samples. The server side uses keepCase so sample keys (proto names) map 1:1;
// protojson-only encodings (RFC 3339 Timestamps, bare wrapper values) are converted to the
// message form by walking the upstream descriptors.
import type * as GrpcJs from '@grpc/grpc-js'
import {sharedPath} from '../helpers/shared.js'

type Obj = Record<string, any>
interface FieldDesc {
  name: string
  type: string
  typeName: string
  label: string
}
type PackageDef = Record<string, {type?: {field?: FieldDesc[]}}>

const WRAPPERS = new Set(['BoolValue', 'UInt32Value', 'Int32Value', 'UInt64Value', 'Int64Value', 'StringValue', 'DoubleValue', 'FloatValue', 'BytesValue'])

export async function grpcJs(): Promise<typeof GrpcJs> {
  return (await import('@grpc/grpc-js')).default as unknown as typeof GrpcJs
}

export async function loadUpstream(which: 'hubble' | 'tetragon'): Promise<{def: PackageDef; pkg: Obj}> {
  const protoLoader = (await import('@grpc/proto-loader')).default
  const grpc = await grpcJs()
  const opts = {keepCase: true, longs: String, enums: String, defaults: false, oneofs: true}
  const def = which === 'hubble'
    ? protoLoader.loadSync('observer/observer.proto', {...opts, includeDirs: [sharedPath('upstream', 'proto', 'hubble')]})
    : protoLoader.loadSync('tetragon/sensors.proto', {...opts, includeDirs: [sharedPath('upstream', 'proto')]})
  return {def: def as unknown as PackageDef, pkg: grpc.loadPackageDefinition(def) as Obj}
}

function resolve(def: PackageDef, scope: string, typeName: string): string | undefined {
  const name = typeName.startsWith('.') ? typeName.slice(1) : typeName
  const parts = scope.split('.')
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), name].join('.')
    if (def[candidate]?.type) return candidate
  }
  return undefined
}

export function rfc3339ToTimestamp(s: string): {seconds: string; nanos: number} {
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(s)
  if (!m) throw new Error(`bad timestamp ${s}`)
  const seconds = Math.floor(Date.parse(`${m[1]}Z`) / 1000)
  return {seconds: String(seconds), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0}
}

/** protojson (proto names) → proto-loader message object for `fullName`. */
export function fromProtoJson(def: PackageDef, fullName: string, json: Obj): Obj {
  const fields = def[fullName]?.type?.field ?? []
  const out: Obj = {}
  for (const [key, value] of Object.entries(json)) {
    const f = fields.find((x) => x.name === key)
    out[key] = f ? convertValue(def, fullName, f, value) : value
  }
  return out
}

function convertValue(def: PackageDef, scope: string, f: FieldDesc, value: any): any {
  if (f.type !== 'TYPE_MESSAGE') return value
  const short = f.typeName.split('.').pop() ?? ''
  if (Array.isArray(value)) return value.map((v) => convertOne(def, scope, f, short, v))
  if (f.label === 'LABEL_REPEATED') return value // a map<string, string>
  return convertOne(def, scope, f, short, value)
}

function convertOne(def: PackageDef, scope: string, f: FieldDesc, short: string, value: any): any {
  if (f.typeName.endsWith('google.protobuf.Timestamp')) return rfc3339ToTimestamp(value)
  if (f.typeName.includes('google.protobuf.') && WRAPPERS.has(short)) return {value}
  const target = resolve(def, scope, f.typeName)
  return target && value && typeof value === 'object' ? fromProtoJson(def, target, value) : value
}

export interface RunningServer {
  address: string
  server: GrpcJs.Server
  stop(): Promise<void>
}

export async function startServer(service: GrpcJs.ServiceDefinition, impl: GrpcJs.UntypedServiceImplementation): Promise<RunningServer> {
  const grpc = await grpcJs()
  const server = new grpc.Server()
  server.addService(service, impl)
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
  return {
    address: `127.0.0.1:${port}`,
    server,
    stop: () => new Promise<void>((resolve) => {
      server.forceShutdown()
      resolve()
    }),
  }
}
