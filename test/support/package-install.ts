/**
 * How erp-delta goes from a checkout to an installed package: the same two commands in the tarball
 * test (test/integration/packaging/tarball.test.ts runs them) and in the Dockerfile (whose RUN
 * lines test/unit/packaging/dockerfile.test.ts compares with these). Change them here, and the
 * Dockerfile's test says what to change there.
 *
 * Both run where the checkout is installed already (`npm ci`, whose `prepare` built dist/): the
 * pack takes that dist/ as it is (--ignore-scripts: no second build, and no rewrite of a dist/
 * that other processes of a test run are loading).
 */
export const PACKAGE_STEPS = {
  /** In the checkout: the package as npm would publish it, into `destination`. */
  pack: (destination: string): string[] => ['npm', 'pack', '--ignore-scripts', '--pack-destination', destination],
  /**
   * Anywhere: the package and its dependencies from the registry into `prefix`/node_modules, with
   * their install scripts (classic-level's picks its prebuilt binary; erp-delta has none); no dev
   * dependencies, as for any installed package. The command is `prefix`/node_modules/.bin/erp-delta.
   */
  install: (prefix: string, tarball: string): string[] => ['npm', 'install', '--prefix', prefix, '--no-audit', '--no-fund', tarball],
} as const;
