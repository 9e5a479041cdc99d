import { z } from 'zod';
import { settingsSchema } from '../core/settings';

/** One `contributes.configuration.properties` entry, as VS Code reads it. */
export interface ConfigProperty {
  type: string | string[];
  default: unknown;
  markdownDescription: string;
  scope?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  items?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  additionalProperties?: boolean;
  order?: number;
}

export const SETTINGS_SECTION = 'smokesFixer';

/** Settings whose value is a machine path or program: a workspace may override them only once trusted. */
const MACHINE_OVERRIDABLE = new Set(['pythonPath', 'producerCommand']);

/**
 * Converts the one zod settings schema into VS Code's contributed configuration, so package.json can be
 * generated from it and a test can prove the two agree key by key.
 */
export function configurationProperties(schema: z.AnyZodObject = settingsSchema): Record<string, ConfigProperty> {
  const out: Record<string, ConfigProperty> = {};
  let order = 0;
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodTypeAny>)) {
    const description = field.description ?? '';
    const json = toJsonSchema(field);
    out[`${SETTINGS_SECTION}.${key}`] = {
      ...json,
      default: defaultOf(field),
      markdownDescription: description,
      scope: MACHINE_OVERRIDABLE.has(key) ? 'machine-overridable' : 'resource',
      order: order++,
    } as ConfigProperty;
  }
  return out;
}

function defaultOf(field: z.ZodTypeAny): unknown {
  const parsed = field.safeParse(undefined);
  return parsed.success ? parsed.data : null;
}

/** JSON schema for one zod type; only the kinds the settings schema uses. */
export function toJsonSchema(field: z.ZodTypeAny): Record<string, unknown> {
  const def = field._def as { typeName: z.ZodFirstPartyTypeKind };
  switch (def.typeName) {
    case z.ZodFirstPartyTypeKind.ZodDefault:
      return toJsonSchema((field as z.ZodDefault<z.ZodTypeAny>).removeDefault());
    case z.ZodFirstPartyTypeKind.ZodOptional:
      return toJsonSchema((field as z.ZodOptional<z.ZodTypeAny>).unwrap());
    case z.ZodFirstPartyTypeKind.ZodNullable: {
      const inner = toJsonSchema((field as z.ZodNullable<z.ZodTypeAny>).unwrap());
      const type = inner.type as string | string[];
      return { ...inner, type: [...(Array.isArray(type) ? type : [type]), 'null'] };
    }
    case z.ZodFirstPartyTypeKind.ZodString:
      return { type: 'string' };
    case z.ZodFirstPartyTypeKind.ZodBoolean:
      return { type: 'boolean' };
    case z.ZodFirstPartyTypeKind.ZodNumber: {
      const n = field as z.ZodNumber;
      const out: Record<string, unknown> = { type: n.isInt ? 'integer' : 'number' };
      if (n.minValue !== null) out.minimum = n.minValue;
      if (n.maxValue !== null) out.maximum = n.maxValue;
      return out;
    }
    case z.ZodFirstPartyTypeKind.ZodEnum:
      return { type: 'string', enum: [...(field as z.ZodEnum<[string, ...string[]]>).options] };
    case z.ZodFirstPartyTypeKind.ZodArray:
      return { type: 'array', items: toJsonSchema((field as z.ZodArray<z.ZodTypeAny>).element) };
    case z.ZodFirstPartyTypeKind.ZodRecord:
      return { type: 'object', additionalProperties: toJsonSchema((field as z.ZodRecord).valueSchema) };
    case z.ZodFirstPartyTypeKind.ZodObject: {
      const shape = (field as z.AnyZodObject).shape as Record<string, z.ZodTypeAny>;
      const properties: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(shape)) {
        const schema = toJsonSchema(inner);
        if (inner.description) schema.description = inner.description;
        properties[key] = schema;
      }
      return { type: 'object', properties, additionalProperties: false };
    }
    default:
      throw new Error(`The settings schema uses a zod type the configuration converter does not know: ${def.typeName}`);
  }
}
