// The global tone-mapping operators the merge mode offers: their ids, in the
// order shaders/lib/operators.wgsl selects them by index, and their names.

/** The operators, in the order the WGSL apply_operator selects them by index. Do not reorder. */
export const OPERATOR_IDS = ['reinhard02', 'reinhardDevlin05', 'drago03', 'aces', 'agx', 'pbrNeutral'] as const;
export type OperatorId = (typeof OPERATOR_IDS)[number];

export const OPERATOR_LABELS: Record<OperatorId, string> = {
  reinhard02: 'Reinhard 2002',
  reinhardDevlin05: 'Reinhard & Devlin 2005',
  drago03: 'Drago 2003',
  aces: 'ACES (fitted)',
  agx: 'AgX',
  pbrNeutral: 'Khronos PBR Neutral',
};

/** The AgX looks, by the index the agxLook param holds. */
export const AGX_LOOKS = ['base', 'punchy'] as const;

/** Operators that carry colour by the luminance ratio with their own saturation; the others get it applied after. */
export const RATIO_OPERATORS: readonly OperatorId[] = ['reinhard02', 'drago03'];
