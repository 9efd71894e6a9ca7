#!/usr/bin/env node
/**
 * Builds classic-level's LevelDB so that it reads its table files with pread instead of mapping
 * them into memory (npm runs this after every install: `postinstall`).
 *
 * Why: LevelDB 1.20, as classic-level ships it prebuilt, maps up to 1,000 table files into the
 * process. Every page a lookup touches stays in the process's RSS, so the tracker's RSS grew with
 * the key count (346 MB at two million keys; bench/RESULTS.md) although its own memory does not.
 * Read with pread, the same pages live in the OS page cache, outside the process. classic-level
 * has no option for it; LevelDB's limit of mapped files is one constant, set here to 0.
 *
 * How: classic-level's own sources (its npm package carries them) are copied to a temporary
 * directory, that one constant is changed, node-gyp (bundled with npm) builds them against the
 * headers of the running Node, and the addon goes to classic-level's build/Release, which its
 * loader prefers to the prebuilt binaries. Nothing is downloaded. It takes about 15 s on two cores.
 *
 * A machine without a C++ compiler, make or Python keeps the prebuilt binary: erp-delta works, the
 * install says why loudly, and `erp-delta run` warns that the RSS then grows with the key count.
 * `npm run build:state-store` tries again.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('classic-level/package.json'));
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const releaseDir = join(packageDir, 'build', 'Release');
const stampFile = join(packageDir, 'build', 'erp-delta-table-reads.json');
const stamp = { classicLevel: version, tableReads: 'pread' };

const MAPPED_LIMIT = 'mmap_limit = sizeof(void*) >= 8 ? 1000 : 0;';
const NO_MAPPED_TABLES = 'mmap_limit = 0;  // erp-delta: tables are read with pread, never mapped';

function warn(reason) {
  process.stderr.write([
    '',
    `erp-delta: WARNING: classic-level's LevelDB could not be built to read its tables with pread: ${reason}`,
    'erp-delta: it keeps the prebuilt binary, which maps its table files into memory: erp-delta works,',
    'erp-delta: but its RSS grows with the key count. Install a C++ compiler, make and Python',
    'erp-delta: (Debian: apt-get install -y g++ make python3), then run: npm run build:state-store',
    '',
  ].join('\n'));
}

function alreadyBuilt() {
  if (!existsSync(stampFile) || !existsSync(join(releaseDir, 'classic_level.node'))) return false;
  return JSON.stringify(JSON.parse(readFileSync(stampFile, 'utf8'))) === JSON.stringify(stamp);
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(bundled) ? bundled : undefined;
}

function build() {
  const gyp = nodeGyp();
  if (!gyp) return warn('npm\'s node-gyp was not found');
  // The headers of the running Node, installed next to it: node-gyp would otherwise download them.
  const nodeDir = join(dirname(process.execPath), '..');
  if (!existsSync(join(nodeDir, 'include', 'node', 'common.gypi'))) return warn(`no Node headers under ${join(nodeDir, 'include', 'node')}`);

  const work = mkdtempSync(join(tmpdir(), 'erp-delta-classic-level-'));
  try {
    const sources = join(work, 'classic-level');
    cpSync(packageDir, sources, { recursive: true, filter: (path) => !path.startsWith(join(packageDir, 'prebuilds')) && !path.startsWith(join(packageDir, 'build')) });
    const envFile = join(sources, 'deps', 'leveldb', 'leveldb-1.20', 'util', 'env_posix.cc');
    if (!existsSync(envFile)) return warn(`classic-level ${version} does not carry ${join('deps', 'leveldb', 'leveldb-1.20', 'util', 'env_posix.cc')}; this script knows LevelDB 1.20`);
    const env = readFileSync(envFile, 'utf8');
    if (!env.includes(MAPPED_LIMIT)) return warn(`LevelDB's env_posix.cc in classic-level ${version} no longer sets "${MAPPED_LIMIT}"`);
    writeFileSync(envFile, env.replace(MAPPED_LIMIT, NO_MAPPED_TABLES));

    process.stderr.write(`erp-delta: building classic-level ${version}'s LevelDB to read tables with pread (about 15 s)\n`);
    const result = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodeDir}`, `--jobs=${availableParallelism()}`], {
      cwd: sources,
      encoding: 'utf8',
      // binding.gyp asks Node for napi-macros, installed next to classic-level, not in the copy.
      env: { ...process.env, NODE_PATH: dirname(packageDir) },
    });
    if (result.status !== 0) {
      // Kept, unlike the sources: whoever reads the warning needs the compiler's words.
      const log = join(mkdtempSync(join(tmpdir(), 'erp-delta-classic-level-log-')), 'node-gyp.log');
      writeFileSync(log, `${result.stdout ?? ''}\n${result.stderr ?? ''}\n${result.error?.message ?? ''}`);
      return warn(`node-gyp failed (exit ${result.status ?? result.error?.message}); its output is in ${log}`);
    }
    mkdirSync(releaseDir, { recursive: true });
    cpSync(join(sources, 'build', 'Release', 'classic_level.node'), join(releaseDir, 'classic_level.node'));
    writeFileSync(stampFile, `${JSON.stringify(stamp)}\n`);
    process.stderr.write(`erp-delta: classic-level's LevelDB now reads tables with pread (${join(releaseDir, 'classic_level.node')})\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (alreadyBuilt()) {
  process.stderr.write(`erp-delta: classic-level ${version} already reads tables with pread\n`);
} else {
  build();
}
