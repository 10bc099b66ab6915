// The one way product code loads @kubernetes/client-node. The build bundles the classes we
// use into dist/vendor/client-node.js (scripts/bundle-client-node.mjs): importing the
// package's ~940 modules costs ~1 s and ~55 MB, the bundle ~0.2 s. In the source tree
// (tests, tsx) the bundle does not exist and the package itself is loaded.
type ClientNode = Pick<typeof import('@kubernetes/client-node'), 'KubeConfig' | 'PortForward'>

let loading: Promise<ClientNode> | undefined

export function loadClientNode(): Promise<ClientNode> {
  loading ??= importClientNode()
  return loading
}

/** Where the build puts the bundle, relative to this module once compiled (dist/src/cluster). */
export const BUNDLE_URL = new URL('../../vendor/client-node.js', import.meta.url)

async function importClientNode(): Promise<ClientNode> {
  if (import.meta.url.endsWith('.js')) {
    try {
      return (await import(BUNDLE_URL.href)) as ClientNode
    } catch (error) {
      if ((error as {code?: string}).code !== 'ERR_MODULE_NOT_FOUND') throw error
    }
  }
  return import('@kubernetes/client-node')
}
