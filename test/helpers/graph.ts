// Hand-built graphs for unit tests of the layer compilers and evaluators, independent of
// the real matcher in src/graph (which has its own tests).
import {createGraph} from '../../src/graph/graph.js'
import type {Edge, GraphNode, ServiceGraph} from '../../src/graph/model.js'
import type {LatticeMeshMember, MeshMemberPort} from '../../src/spec/model.js'

export interface NodeInput extends Partial<Omit<GraphNode, 'key' | 'namespace' | 'name'>> {
  ns: string
  name: string
}

export function node(input: NodeInput): GraphNode {
  const {ns, name, ...rest} = input
  const ports: MeshMemberPort[] = rest.ports ?? [{name: 'http', port: 8080, peerAuth: 'Strict'}]
  const member: LatticeMeshMember = rest.member ?? {
    kind: 'LatticeMeshMember',
    metadata: {name, namespace: ns},
    spec: {
      target: {selector: {'app.kubernetes.io/name': name}},
      ports,
      allowedCallers: rest.allowedCallers ?? [],
      dependencies: [],
      egress: rest.egress ?? [],
      allowPeerTraffic: rest.allowPeerTraffic ?? false,
      dependsAll: rest.dependsAll ?? false,
      ambient: rest.ambient ?? true,
    },
    origin: {file: 'test', index: 0},
    raw: {apiVersion: 'lattice.dev/v1alpha1', kind: 'LatticeMeshMember', metadata: {name, namespace: ns}},
    derived: true,
  }
  return {
    key: `${ns}/${name}`,
    namespace: ns,
    name,
    kind: 'LatticeService',
    serviceAccount: name,
    selector: {'app.kubernetes.io/name': name},
    namespaceScoped: false,
    ambient: true,
    egress: [],
    allowedCallers: [],
    allowsAll: false,
    dependsAll: false,
    allowPeerTraffic: false,
    ...rest,
    ports,
    member,
  }
}

/** Edges as [from, to] keys, or full partial edges. */
export function graph(nodes: GraphNode[], edges: Array<[string, string] | (Partial<Edge> & {from: string; to: string})>): ServiceGraph {
  const full: Edge[] = edges.map((e, i) => {
    const base = Array.isArray(e) ? {from: e[0], to: e[1]} : e
    return {order: i, viaWildcard: false, implicit: false, viaDependsAll: false, self: base.from === base.to, ...base}
  })
  return createGraph(nodes, full, [])
}
