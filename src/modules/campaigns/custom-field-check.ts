import type { DfoCustomFieldDefinition } from '@/integrations/cxone/dfo.types';
import type { PreflightWarning } from './dto/preflight.dto';

/** Values kept per custom field when collecting what a campaign sets (enough to spot a typo in a list value). */
export const MAX_VALUES_PER_FIELD = 50;

/** The custom fields a campaign sets (its own and its recipients'), with a sample of their values. */
export class UsedCustomFields {
  readonly values = new Map<string, Set<string>>();

  add(fields: Readonly<Record<string, string>> | null | undefined): void {
    if (!fields) return;
    for (const [key, value] of Object.entries(fields)) this.addValue(key, value);
  }

  addValue(key: string, value: string): void {
    let set = this.values.get(key);
    if (!set) this.values.set(key, (set = new Set()));
    if (set.size < MAX_VALUES_PER_FIELD) set.add(value);
  }

  get size(): number {
    return this.values.size;
  }
}

/**
 * Custom fields CXone does not define are set on no contact, so a routing filter on them never matches; a value
 * outside a list field's values is refused or ignored. Both are warnings, not errors: CXone may be configured later.
 */
export function customFieldWarnings(
  definitions: readonly DfoCustomFieldDefinition[],
  used: UsedCustomFields,
): PreflightWarning[] {
  const byIdent = new Map(definitions.map((d) => [d.ident, d]));
  const warnings: PreflightWarning[] = [];
  for (const [key, values] of [...used.values].sort(([a], [b]) => a.localeCompare(b))) {
    const definition = byIdent.get(key);
    const field = `customFields.${key}`;
    if (!definition) {
      warnings.push({
        code: 'CUSTOM_FIELD_UNDEFINED',
        field,
        message:
          `${field}: CXone defines no contact custom field "${key}", so a routing filter on it would never match ` +
          `(defined: ${[...byIdent.keys()].sort().join(', ') || 'none'})`,
      });
      continue;
    }
    if (definition.type !== 'list' || !definition.values) continue;
    const allowed = new Set(definition.values.map((v) => v.value));
    const outside = [...values].filter((v) => !allowed.has(v)).sort();
    if (outside.length > 0) {
      warnings.push({
        code: 'CUSTOM_FIELD_VALUE_NOT_IN_LIST',
        field,
        message: `${field}: ${outside.map((v) => JSON.stringify(v)).join(', ')} not among CXone's values for it (${[...allowed].join(', ')})`,
      });
    }
  }
  return warnings;
}
