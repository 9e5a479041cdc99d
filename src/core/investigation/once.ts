// Apart from the MCP client and the payload builders, so the VS Code adapter can use it without loading them.
import type { InvestigationContext } from '../types';

export type InvestigationAnswers = { private: string | null; public: string | null };

/** Step 7 runs once per failure signature: a second call returns the first call's answers. */
export class OncePerSignature {
  private readonly done = new Map<string, Promise<InvestigationAnswers>>();

  answer(ctx: InvestigationContext, run: () => Promise<InvestigationAnswers>): Promise<InvestigationAnswers> {
    const key = ctx.failure.signature;
    const earlier = this.done.get(key);
    if (earlier) return earlier;
    const answers = run();
    this.done.set(key, answers);
    answers.catch(() => this.done.delete(key)); // a cancelled call may be asked again
    return answers;
  }
}
