// `platform validate -o json|yaml`: a kubectl-style v1 List with one ValidationReport per
// object (the same document `compile --layer admission -o json` emits) and one InputProblem
// per file that could not be read (schema/validation-list.schema.json).

export const REPORT_API_VERSION = 'platform.lattice.dev/v1alpha1'

interface Issue {
  rule: string
  path: string
  message: string
  file: string
}

interface Report {
  object: string
  kind: 'LatticeService' | 'LatticeMeshMember'
  errors: Issue[]
  warnings: Issue[]
}

export function validationList(reports: Report[], problems: string[]) {
  const issue = (i: Issue) => ({rule: i.rule, path: i.path, message: i.message, file: i.file})
  const items: unknown[] = reports.map((r) => {
    const slash = r.object.indexOf('/')
    const metadata = {name: r.object.slice(slash + 1), namespace: r.object.slice(0, slash)}
    return {apiVersion: REPORT_API_VERSION, kind: 'ValidationReport', metadata, subject: {kind: r.kind, ...metadata}, status: {admitted: r.errors.length === 0, errors: r.errors.map(issue), warnings: r.warnings.map(issue)}}
  })
  for (const message of problems) items.push({apiVersion: REPORT_API_VERSION, kind: 'InputProblem', message})
  return {apiVersion: 'v1', kind: 'List', items}
}
