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
