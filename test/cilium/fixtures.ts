// Graphs used by the Cilium tests: the §1.1/§5.5 commerce pair and a fleet that exercises
// every compiler branch.
import {graph, node} from '../helpers/graph.js'
import type {ServiceGraph} from '../../src/graph/model.js'

/** checkout → payments (both ambient), payments has FQDN egress to api.stripe.com:443. */
export function commerceGraph(): ServiceGraph {
  const checkout = node({ns: 'commerce', name: 'checkout'})
  const payments = node({ns: 'commerce', name: 'payments', egress: [{target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP'}]})
  return graph([checkout, payments], [['commerce/checkout', 'commerce/payments']])
}

export function fleetGraph(): ServiceGraph {
  const nodes = [
    node({ns: 'shop', name: 'web', ports: [{name: 'http', port: 8080, peerAuth: 'Strict'}, {name: 'nodeport', port: 30080, peerAuth: 'Permissive'}]}),
    node({
      ns: 'shop',
      name: 'api',
      ports: [{name: 'http', port: 8080, servicePort: 80, peerAuth: 'Strict'}, {name: 'hook', port: 9443, peerAuth: 'Webhook'}],
      egress: [
        {target: {fqdn: 'api.stripe.com'}, ports: [443], protocol: 'TCP'},
        {target: {fqdn: '*.s3.amazonaws.com'}, ports: [443], protocol: 'TCP'},
        {target: {cidr: '10.20.30.40/32'}, ports: [123], protocol: 'UDP'},
        {target: {entity: 'kube-apiserver'}, ports: [6443], protocol: 'TCP'},
        {target: {entity: 'world'}, ports: [], protocol: 'TCP'},
      ],
    }),
    // Method/path constraints on an inbound edge make orders waypoint-enforced.
    node({ns: 'shop', name: 'orders'}),
    // Non-ambient LatticeMeshMember with a custom selector and peer traffic.
    node({
      ns: 'data',
      name: 'db',
      kind: 'LatticeMeshMember',
      ambient: false,
      allowPeerTraffic: true,
      selector: {app: 'postgres', tier: 'db'},
      ports: [{name: 'pg', port: 5432, peerAuth: 'Strict'}, {name: 'stats', port: 8125, peerAuth: 'Strict', protocol: 'UDP'}],
    }),
    // Peer traffic through a self-edge, and cross-cluster advertise.
    node({ns: 'data', name: 'cache', advertise: {allowedServices: ['*']}}),
    // A namespace-scoped member with no ports.
    node({ns: 'data', name: 'legacy', kind: 'LatticeMeshMember', namespaceScoped: true, selector: {}, ambient: false, ports: []}),
  ]
  return graph(nodes, [
    ['shop/web', 'shop/api'],
    {from: 'shop/web', to: 'shop/orders', l7: {methods: ['GET'], paths: ['/orders/*']}},
    ['shop/api', 'data/db'],
    ['shop/api', 'data/cache'],
    ['data/cache', 'data/cache'],
    ['data/db', 'data/cache'],
    ['shop/web', 'data/legacy'],
    ['data/legacy', 'shop/web'],
  ])
}
