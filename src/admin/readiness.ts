/** What /readyz answers: ready, or the reasons it is not, each a short sentence. */
export interface Readiness {
  ready: boolean;
  reasons: string[];
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

/** Asks the schema registry for its subjects, within 2 s: what /readyz reports as reachable. */
export async function probeRegistry(url: string): Promise<ReadinessInputs['registry']> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? { reachable: true } : { reachable: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return { reachable: false, error: (error as Error).message };
  }
}
