// Which kubeconfig, which context, which namespace. Mirrors kubectl's precedence, except
// that nothing silently falls back to http://localhost:8080 (client-node's loadFromDefault
// does): with no configuration at all the user gets an error that says where we looked.
import {existsSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {KubeConfig} from '@kubernetes/client-node'
import {InputError} from '../core/errors.js'
import {Redactor, urlSecrets} from './redact.js'
import {loadClientNode} from './client-node.js'

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

/** Where configuration is looked up; injectable so tests never depend on the machine. */
export interface ConnectEnvironment {
  env: Record<string, string | undefined>
  homeDir: string | undefined
  /** Prefix for the in-cluster service-account files (client-node's loadFromCluster prefix). */
  inClusterPathPrefix: string
}

export function defaultEnvironment(): ConnectEnvironment {
  return {env: process.env, homeDir: os.homedir(), inClusterPathPrefix: ''}
}

export interface KubeConfigSelection {
  kubeconfig?: string
  context?: string
  namespace?: string
}

export interface LoadedKubeConfig {
  kc: KubeConfig
  contextName: string
  namespace: string
  server: string
  /** Human-readable origin: a file path, `KUBECONFIG (a:b)` or `in-cluster service account`. */
  source: string
  redactor: Redactor
}

export async function loadKubeConfig(sel: KubeConfigSelection, envIn: ConnectEnvironment = defaultEnvironment()): Promise<LoadedKubeConfig> {
  const {KubeConfig} = await loadClientNode()
  const kc = new KubeConfig()
  const source = loadInto(kc, KubeConfig, sel, envIn)
  const contextName = sel.context ?? kc.getCurrentContext()
  const available = kc.getContexts().map((c) => c.name).sort()
  const list = available.length > 0 ? available.join(', ') : 'none'
  if (!contextName) throw new InputError(`${source} has no current-context; pass --context (available: ${list})`)
  const context = kc.getContextObject(contextName)
  if (!context) throw new InputError(`unknown context "${contextName}" in ${source} (available: ${list})`)
  kc.setCurrentContext(contextName)
  const cluster = kc.getCluster(context.cluster)
  if (!cluster) throw new InputError(`context "${contextName}" refers to unknown cluster "${context.cluster}" in ${source}`)
  if (!cluster.server) throw new InputError(`cluster "${cluster.name}" in ${source} has no server`)
  if (cluster.server.startsWith('http://') && !cluster.skipTLSVerify) {
    // A plain-HTTP server (`kubectl proxy`) has no TLS to verify, but client-node refuses to
    // apply credentials to it unless skipTLSVerify is set; kubectl just talks to it.
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? {...c, skipTLSVerify: true} : c))
  }
  if (context.user && !kc.getUser(context.user)) {
    throw new InputError(`context "${contextName}" refers to unknown user "${context.user}" in ${source}`)
  }
  const user = kc.getCurrentUser()
  const providerConfig = (user?.authProvider?.config ?? {}) as Record<string, unknown>
  const redactor = new Redactor([
    user?.token, user?.password, user?.keyData, user?.certData, ...urlSecrets(cluster.server),
    ...Object.values(providerConfig).filter((v): v is string => typeof v === 'string'),
  ])
  const namespace = sel.namespace || context.namespace?.trim() || 'default'
  return {kc, contextName, namespace, server: cluster.server.replace(/\/+$/, ''), source, redactor}
}

type KubeConfigCtor = new () => KubeConfig

function loadInto(kc: KubeConfig, Ctor: KubeConfigCtor, sel: KubeConfigSelection, envIn: ConnectEnvironment): string {
  if (sel.kubeconfig) {
    if (!existsSync(sel.kubeconfig)) throw new InputError(`kubeconfig ${sel.kubeconfig} not found`)
    loadFile(kc, sel.kubeconfig)
    return sel.kubeconfig
  }
  const fromEnv = envIn.env.KUBECONFIG
  if (fromEnv) {
    // kubectl ignores missing entries of the list and merges the rest, first one wins.
    const files = fromEnv.split(path.delimiter).filter((f) => f && existsSync(f))
    if (files.length === 0) throw new InputError(`KUBECONFIG (${fromEnv}) names no existing file`)
    loadFile(kc, files[0])
    for (const file of files.slice(1)) {
      const other = new Ctor()
      loadFile(other, file)
      mergeKeepingFirst(kc, other)
    }
    return files.length === 1 ? files[0] : `KUBECONFIG (${files.join(path.delimiter)})`
  }
  const home = envIn.homeDir ? path.join(envIn.homeDir, '.kube', 'config') : undefined
  if (home && existsSync(home)) {
    loadFile(kc, home)
    return home
  }
  const prefix = envIn.inClusterPathPrefix
  if (envIn.env.KUBERNETES_SERVICE_HOST && envIn.env.KUBERNETES_SERVICE_PORT && existsSync(`${prefix}${SERVICE_ACCOUNT_DIR}/token`)) {
    // loadFromCluster reads process.env; the environment we were given may differ in tests.
    const saved = {host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT}
    process.env.KUBERNETES_SERVICE_HOST = envIn.env.KUBERNETES_SERVICE_HOST
    process.env.KUBERNETES_SERVICE_PORT = envIn.env.KUBERNETES_SERVICE_PORT
    try {
      kc.loadFromCluster(prefix)
    } finally {
      restoreEnv('KUBERNETES_SERVICE_HOST', saved.host)
      restoreEnv('KUBERNETES_SERVICE_PORT', saved.port)
    }
    return 'in-cluster service account'
  }
  throw new InputError('no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config or run inside a pod')
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}

function loadFile(kc: KubeConfig, file: string): void {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as {code?: string}).code
    throw new InputError(`kubeconfig ${file}: ${code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : 'cannot be read'}`)
  }
  // client-node fails on these with a TypeError about `clusters`.
  if (text.trim() === '' || /^\s*(?:null|~|\{\})\s*$/.test(text)) throw new InputError(`kubeconfig ${file}: empty (no clusters, users or contexts)`)
  try {
    kc.loadFromFile(file)
  } catch (error) {
    // Parser messages quote the offending lines, which may hold a token: keep only the position.
    const mark = (error as {mark?: {line?: number}}).mark
    if (mark && typeof mark.line === 'number') throw new InputError(`kubeconfig ${file}: invalid YAML at line ${mark.line + 1}`)
    if (error instanceof TypeError) throw new InputError(`kubeconfig ${file}: not a kubeconfig (expected clusters, users and contexts lists)`)
    const message = new Redactor().oneLine(error instanceof Error ? error.message : String(error), 160)
    throw new InputError(`kubeconfig ${file}: ${message}`)
  }
}

/** kubectl semantics: the first file that sets a name wins, later duplicates are ignored. */
function mergeKeepingFirst(into: KubeConfig, other: KubeConfig): void {
  if (!into.getCurrentContext() && other.getCurrentContext()) into.setCurrentContext(other.getCurrentContext())
  for (const c of other.getClusters()) if (!into.getCluster(c.name)) into.addCluster(c)
  for (const u of other.getUsers()) if (!into.getUser(u.name)) into.addUser(u)
  for (const c of other.getContexts()) if (!into.getContextObject(c.name)) into.addContext(c)
}
