// gRPC plumbing shared by the evidence clients (Hubble, Tetragon): lazy loading of
// @grpc/grpc-js and @grpc/proto-loader (never at CLI start-up), one loaded package per
// .proto file, and channel credentials from TLS options.
import {readFileSync} from 'node:fs'
import type * as GrpcJs from '@grpc/grpc-js'

// The options upstream documents for these protos; the record normalizers expect this shape.
export const LOADER_OPTIONS = {keepCase: false, longs: String, enums: String, defaults: true, oneofs: true}

export interface TlsOptions {
  tls?: boolean
  caFile?: string
  certFile?: string
  keyFile?: string
}

const loading = new Map<string, Promise<{grpc: typeof GrpcJs; pkg: unknown}>>()

/** protobufjs JSON descriptors made at build time (scripts/bundle-workers.mjs), by .proto file. */
const descriptors = new Map<string, object>()

/**
 * Loads `protoFile` from this JSON descriptor (protobufjs Root#toJSON of the same file, made at
 * build time) instead of parsing the .proto text: the bundled Hubble worker skips the parse.
 */
export function registerProtoDescriptor(protoFile: string, json: object): void {
  descriptors.set(protoFile, json)
}

/** Loads `protoFile` (relative to `includeDir`) once; a failed load is retried on the next call. `options` override LOADER_OPTIONS. */
export function loadGrpcPackage<T>(protoFile: string, includeDir: () => string, options: {longs?: typeof String | typeof Number} = {}): Promise<{grpc: typeof GrpcJs; pkg: T}> {
  let attempt = loading.get(protoFile)
  if (!attempt) {
    attempt = (async () => {
      const [grpcMod, loaderMod] = await Promise.all([import('@grpc/grpc-js'), import('@grpc/proto-loader')])
      // Both are CommonJS: under Node ESM their module.exports is the default export.
      const grpc = grpcMod.default as unknown as typeof GrpcJs
      const json = descriptors.get(protoFile)
      const def = json
        ? loaderMod.default.fromJSON(json, {...LOADER_OPTIONS, ...options})
        : await loaderMod.default.load(protoFile, {...LOADER_OPTIONS, ...options, includeDirs: [includeDir()]})
      return {grpc, pkg: grpc.loadPackageDefinition(def) as unknown}
    })()
    loading.set(protoFile, attempt)
    const current = attempt
    current.catch(() => {
      if (loading.get(protoFile) === current) loading.delete(protoFile)
    })
  }
  return attempt as Promise<{grpc: typeof GrpcJs; pkg: T}>
}

export function channelCredentials(grpc: typeof GrpcJs, opts: TlsOptions): GrpcJs.ChannelCredentials {
  if (!opts.tls && !opts.caFile) return grpc.credentials.createInsecure()
  const read = (file: string | undefined) => (file ? readFileSync(file) : null)
  return grpc.credentials.createSsl(read(opts.caFile), read(opts.keyFile), read(opts.certFile))
}

/** Channel options for a TLS server name that differs from the address (`--*-server-name`). */
export function channelOptions(serverName: string | undefined): GrpcJs.ChannelOptions {
  if (!serverName) return {}
  return {'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName}
}
