import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository (or image) root: the nearest folder above this file holding package.json. Works from src and dist. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (no package.json above this file)');
    dir = parent;
  }
  return dir;
}
