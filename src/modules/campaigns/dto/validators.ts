import { registerDecorator, ValidationOptions } from 'class-validator';

export const CUSTOM_FIELD_IDENT = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_CUSTOM_FIELDS = 50;
export const MAX_CUSTOM_FIELD_VALUE = 1000;
export const MAX_PARAMETERS = 50;
export const MAX_PARAMETER_VALUE = 1024;

/** Why a custom-fields value is unacceptable, or null. Shared by the DTO decorator and per-recipient intake. */
export function customFieldsProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object of text values';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_CUSTOM_FIELDS) return `must have at most ${MAX_CUSTOM_FIELDS} fields`;
  for (const [ident, v] of entries) {
    if (!CUSTOM_FIELD_IDENT.test(ident))
      return `field name "${ident.slice(0, 80)}" must be 1-64 letters, digits, _ . or -`;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      return `field "${ident}" must be text`;
    if (String(v).length > MAX_CUSTOM_FIELD_VALUE)
      return `field "${ident}" is longer than ${MAX_CUSTOM_FIELD_VALUE} characters`;
  }
  return null;
}

/** Why template parameters are unacceptable, or null: an object of text values, or an array of texts. */
export function templateParametersProblem(value: unknown): string | null {
  const values: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [String(i + 1), v])
    : value !== null && typeof value === 'object'
      ? Object.entries(value as Record<string, unknown>)
      : [];
  if (!Array.isArray(value) && (value === null || typeof value !== 'object'))
    return 'must be an object or an array of texts';
  if (values.length > MAX_PARAMETERS) return `must have at most ${MAX_PARAMETERS} parameters`;
  for (const [key, v] of values) {
    if (key.length === 0 || key.length > 64) return 'parameter names must be 1-64 characters';
    if (typeof v !== 'string' && typeof v !== 'number') return `parameter "${key}" must be text`;
    if (String(v).length > MAX_PARAMETER_VALUE)
      return `parameter "${key}" is longer than ${MAX_PARAMETER_VALUE} characters`;
  }
  return null;
}

export function toStringRecord(value: unknown): Record<string, string> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i + 1), String(v)]));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  return {};
}

function fromProblem(
  name: string,
  problem: (value: unknown) => string | null,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args) => `${args?.property ?? 'value'} ${problem(args?.value) ?? 'is invalid'}`,
      },
    });
  };
}

export const IsCustomFields = (options?: ValidationOptions): PropertyDecorator =>
  fromProblem('isCustomFields', customFieldsProblem, options);
export const IsTemplateParameters = (options?: ValidationOptions): PropertyDecorator =>
  fromProblem('isTemplateParameters', templateParametersProblem, options);
