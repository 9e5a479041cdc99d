import { z } from 'zod';

/**
 * The escalation bundle, exactly the spec's fields in the spec's order. zod builds parsed objects in
 * the order of this shape, so `JSON.stringify(bundleSchema.parse(x))` always has the spec's order.
 */
export const stopReasonSchema = z.enum(['retry budget', 'regression', 'patch size', 'time budget']);

export const bundleFailureSchema = z
  .object({
    nodeid: z.string(),
    signature: z.string(),
    attempts: z.number().int().min(0),
  })
  .strict();

export const bundleSchema = z
  .object({
    reason: stopReasonSchema,
    failures: z.array(bundleFailureSchema),
    repro_commands: z.array(z.string()),
    last_patch_diff: z.string().nullable(),
    artifacts: z.array(z.string()).nullable(),
    exec_rpc_freshness: z
      .object({
        meta: z.string().nullable(),
        ss: z.string().nullable(),
      })
      .strict()
      .nullable(),
  })
  .strict();

export type EscalationBundle = z.infer<typeof bundleSchema>;

export const BUNDLE_KEY_ORDER = ['reason', 'failures', 'repro_commands', 'last_patch_diff', 'artifacts', 'exec_rpc_freshness'] as const;

/** Serialises a bundle in the spec's field order, validating it on the way. */
export function serializeBundle(bundle: EscalationBundle): string {
  return JSON.stringify(bundleSchema.parse(bundle), null, 2) + '\n';
}
