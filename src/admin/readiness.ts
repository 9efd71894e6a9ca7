/** What /readyz answers: ready, or the reasons it is not, each a short sentence. */
export interface Readiness {
  ready: boolean;
  reasons: string[];
  /**
   * The reasons of checks a probe may leave out by name, as kube-apiserver's /readyz does
   * (`/readyz?exclude=capture`); their reasons are in `reasons` too.
   */
  checks?: Record<string, string[]>;
  /** The checks left out of this answer. */
  excluded?: string[];
}

export interface ReadinessInputs {
  started: boolean;
  /** Tasks opened but not restored yet. */
  restoring: number;
  /** Tasks restored and processing. */
  tasks: number;
  kafka: { reachable: boolean; error?: string | undefined };
  registry: { reachable: boolean; error?: string | undefined };
}

/**
 * Ready means: started, every assigned task restored from its changelog and processing, Kafka and
 * the schema registry reachable. An instance with no partition (more instances than partitions)
 * is ready: it can take over a partition at the next rebalance.
 */
export function readiness(inputs: ReadinessInputs): Readiness {
  const reasons: string[] = [];
  if (!inputs.started) reasons.push('the tracker is starting');
  if (inputs.restoring > 0) reasons.push(`${inputs.restoring} task(s) are restoring their state stores`);
  if (!inputs.kafka.reachable) reasons.push(`Kafka is not reachable${inputs.kafka.error ? `: ${inputs.kafka.error}` : ''}`);
  if (!inputs.registry.reachable) reasons.push(`the schema registry is not reachable${inputs.registry.error ? `: ${inputs.registry.error}` : ''}`);
  return { ready: reasons.length === 0, reasons };
}

/**
 * `state` with the capture's reasons (capture/capture-health.ts: paused, failed, missing
 * connectors) added as the check `capture`, which a probe may leave out:
 * not ready while capture stops, since an instance that cannot see new changes is not doing its
 * job. The watch of the capture runs beside the tracker, so its reasons join the tracker's here.
 */
export function withCaptureReasons(state: Readiness, capture: string[]): Readiness {
  const reasons = [...state.reasons, ...capture];
  return { ...state, ready: reasons.length === 0, reasons, checks: { ...state.checks, capture } };
}

/** The answer without the named checks' reasons (unknown names are ignored, so the check stays on). */
export function excludeChecks(state: Readiness, exclude: readonly string[]): Readiness {
  const excluded = exclude.filter((name) => state.checks?.[name] !== undefined);
  if (excluded.length === 0) return state;
  const left = new Set(excluded.flatMap((name) => state.checks?.[name] ?? []));
  const reasons = state.reasons.filter((reason) => !left.has(reason));
  return { ...state, ready: reasons.length === 0, reasons, excluded };
}
