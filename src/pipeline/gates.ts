// The Cedar gates of one compile, asked as admission passes each member and answered after
// the graph is built. With a Cedar worker (layers/cedar/thread.ts: fleet scale), each
// member's requests go to it in batches while this thread goes on; its verdicts come back
// by their position in the request sequence, and whatever it did not answer is asked of the
// set's engine here. Without one, every gate is asked of the engine when the reports are made.
import {authorizeMeshMember, authorizeService, gateSteps, meshMemberRequests, stepRequests} from '../layers/cedar/index.js'
import type {AuthorizeContext, CedarPolicySet, CedarRequest, CedarServiceReport, CedarThread, GateStep, Verdict} from '../layers/cedar/index.js'
import type {LatticeMeshMember, LatticeService} from '../spec/model.js'

/** Requests handed to the worker at a time: it starts on the first ones during admission. */
const ASK_BATCH = 2048

type Gated = {kind: 'service'; svc: LatticeService; steps: GateStep[]; from: number} | {kind: 'member'; m: LatticeMeshMember; from: number}

export class FleetGates {
  private readonly gated: Gated[] = []
  /** Requests handed over so far: the next member's first position. */
  private asked = 0
  private pending: CedarRequest[] = []

  constructor(
    private readonly thread: CedarThread | undefined,
    private readonly ctx: AuthorizeContext,
  ) {}

  service(svc: LatticeService): void {
    const steps = gateSteps(svc, this.ctx)
    this.gated.push({kind: 'service', svc, steps, from: this.asked})
    if (this.thread) this.ask(stepRequests(svc, steps))
  }

  /** An operator-written mesh member's AllowWildcard gates (§4.5). */
  member(m: LatticeMeshMember): void {
    this.gated.push({kind: 'member', m, from: this.asked})
    if (this.thread) this.ask(meshMemberRequests(m))
  }

  /** Hands over what is still pending: every member has been added. */
  close(): void {
    this.thread?.ask(this.pending)
    this.pending = []
  }

  /** Every member's report, in the order added; the worker's answers first (it ends then). */
  async reports(set: CedarPolicySet): Promise<Array<{member: LatticeService | LatticeMeshMember; report: CedarServiceReport}>> {
    const answers: Array<Verdict | undefined> = (await this.thread?.answered()) ?? []
    return this.gated.map((g) => {
      const answered = (k: number) => answers[g.from + k]
      return g.kind === 'service'
        ? {member: g.svc, report: authorizeService(set, g.svc, this.ctx, g.steps, answered)}
        : {member: g.m, report: authorizeMeshMember(set, g.m, answered)}
    })
  }

  private ask(requests: CedarRequest[]): void {
    this.asked += requests.length
    this.pending.push(...requests)
    if (this.pending.length >= ASK_BATCH) {
      this.thread!.ask(this.pending)
      this.pending = []
    }
  }
}
