/**
 * Installing erp-delta runs nothing of erp-delta's: dependencies are used as they are published,
 * so an install neither compiles nor patches one (issue 22). `prepare` is allowed: npm runs it only
 * in a checkout, where it builds erp-delta's own dist/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { projectFiles } from '../../../src/project-files.js';

const INSTALL_HOOKS = ['preinstall', 'install', 'postinstall'];

describe('package.json install steps', () => {
  it('has no script that npm runs when the package is installed', () => {
    const scripts = (JSON.parse(readFileSync(`${projectFiles.root}/package.json`, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    assert.deepEqual(
      INSTALL_HOOKS.filter((hook) => hook in scripts),
      [],
    );
  });
});
