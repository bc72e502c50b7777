import type { DfoFieldError } from './sim-errors';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Collects every problem in a request body, each with the path of the field (`recipients[0].idOnExternalPlatform`),
 * so one 400 names them all. Hand-written rather than class-validator: DFO's error shape carries an errorCode per
 * field, the rules depend on run-time settings (recipients field, templates), and the hot paths stay allocation-light.
 */
export class FieldCheck {
  readonly errors: DfoFieldError[] = [];

  get ok(): boolean {
    return this.errors.length === 0;
  }

  add(field: string, message: string, errorCode = 'invalidValue'): void {
    this.errors.push({ field, message, errorCode });
  }

  /** A required object; undefined (and an error) when missing or not an object. */
  object(value: unknown, field: string): JsonObject | undefined {
    if (value === undefined || value === null) return this.missing(field);
    if (!isObject(value)) return this.wrongType(field, 'an object');
    return value;
  }

  optionalObject(value: unknown, field: string): JsonObject | undefined {
    return value === undefined || value === null ? undefined : this.object(value, field);
  }

  /** A required string, non-empty unless `allowEmpty`. */
  string(
    value: unknown,
    field: string,
    options: { allowEmpty?: boolean; maxLength?: number } = {},
  ): string | undefined {
    if (value === undefined || value === null) return this.missing(field);
    if (typeof value !== 'string') return this.wrongType(field, 'a string');
    if (!options.allowEmpty && value.trim() === '') {
      this.add(field, `${field} must not be empty`, 'required');
      return undefined;
    }
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      this.add(field, `${field} must be at most ${options.maxLength} characters`, 'tooLong');
      return undefined;
    }
    return value;
  }

  optionalString(value: unknown, field: string, options: { allowEmpty?: boolean; maxLength?: number } = {}) {
    return value === undefined || value === null ? undefined : this.string(value, field, options);
  }

  boolean(value: unknown, field: string): boolean | undefined {
    if (value === undefined || value === null) return this.missing(field);
    if (typeof value !== 'boolean') return this.wrongType(field, 'a boolean');
    return value;
  }

  optionalBoolean(value: unknown, field: string): boolean | undefined {
    return value === undefined || value === null ? undefined : this.boolean(value, field);
  }

  number(value: unknown, field: string, options: { min?: number; max?: number; integer?: boolean } = {}) {
    if (value === undefined || value === null) return this.missing(field);
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.wrongType(field, 'a number');
    if (options.integer && !Number.isInteger(value)) return this.wrongType(field, 'an integer');
    if ((options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) {
      const range = `${options.min ?? '-∞'}..${options.max ?? '∞'}`;
      this.add(field, `${field} must be within ${range}`, 'outOfRange');
      return undefined;
    }
    return value;
  }

  optionalNumber(value: unknown, field: string, options: { min?: number; max?: number; integer?: boolean } = {}) {
    return value === undefined || value === null ? undefined : this.number(value, field, options);
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
    if (value === undefined || value === null) return this.missing(field);
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.add(field, `${field} must be one of: ${allowed.join(', ')}`, 'invalidValue');
      return undefined;
    }
    return value as T;
  }

  optionalOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
    return value === undefined || value === null ? undefined : this.oneOf(value, field, allowed);
  }

  /** An ISO-8601 date-time with a time zone (`2025-07-25T20:05:57.123Z`). */
  isoDateTime(value: unknown, field: string): string | undefined {
    const text = this.string(value, field);
    if (text === undefined) return undefined;
    if (!ISO_8601.test(text) || Number.isNaN(Date.parse(text))) {
      this.add(field, `${field} must be an ISO-8601 date-time with a time zone`, 'invalidFormat');
      return undefined;
    }
    return text;
  }

  optionalIsoDateTime(value: unknown, field: string): string | undefined {
    return value === undefined || value === null ? undefined : this.isoDateTime(value, field);
  }

  array(value: unknown, field: string, options: { nonEmpty?: boolean } = {}): unknown[] | undefined {
    if (value === undefined || value === null) return this.missing(field);
    if (!Array.isArray(value)) return this.wrongType(field, 'an array');
    if (options.nonEmpty && value.length === 0) {
      this.add(field, `${field} must not be empty`, 'required');
      return undefined;
    }
    return value as unknown[];
  }

  optionalArray(value: unknown, field: string): unknown[] | undefined {
    return value === undefined || value === null ? undefined : this.array(value, field);
  }

  /** Reports properties of `object` that are not in `allowed` (control API bodies are strict). */
  noExtraKeys(object: JsonObject, allowed: readonly string[], parent = ''): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key))
        this.add(parent ? `${parent}.${key}` : key, `unknown property ${key}`, 'unknownProperty');
    }
  }

  private missing(field: string): undefined {
    this.add(field, `${field} is required`, 'required');
    return undefined;
  }

  private wrongType(field: string, expected: string): undefined {
    this.add(field, `${field} must be ${expected}`, 'invalidType');
    return undefined;
  }
}
