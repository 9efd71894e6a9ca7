import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The environment that makes a child process load classic-level's prebuilt binary, which maps its
 * LevelDB tables, instead of the install's pread build: node-gyp-build takes CLASSIC_LEVEL_PREBUILD
 * as the package's directory, and the one made here under `dir` holds the prebuilt binaries only.
 */
export function prebuiltClassicLevelEnv(dir: string): NodeJS.ProcessEnv {
  const packageDir = join(dir, 'classic-level-prebuilt');
  mkdirSync(packageDir, { recursive: true });
  symlinkSync(join(dirname(require.resolve('classic-level/package.json')), 'prebuilds'), join(packageDir, 'prebuilds'));
  writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ name: 'classic-level' }));
  return { CLASSIC_LEVEL_PREBUILD: packageDir };
}
