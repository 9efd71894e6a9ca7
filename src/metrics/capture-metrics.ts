import { Gauge, type Registry } from 'prom-client';
import type { CaptureHealth, CaptureState } from '../capture/capture-health.js';

const STATES: readonly CaptureState[] = ['RUNNING', 'STARTING', 'PAUSED', 'STOPPED', 'FAILED', 'MISSING', 'UNKNOWN'];

/**
 * The capture's health as Prometheus gauges (issue 19), read from the watch's last assessment when
 * scraped. A series is absent when it is not known (no heartbeats configured, the slot not read),
 * rather than a made-up zero that an alert would take for real.
 */
export function registerCaptureMetrics(registry: Registry, health: () => CaptureHealth | undefined): void {
  const gauge = (name: string, help: string, labelNames: string[], collect: (gauge: Gauge, health: CaptureHealth) => void): void => {
    const created: Gauge = new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect: () => {
        created.reset();
        const current = health();
        if (current) collect(created, current);
      },
    });
  };
  gauge('erp_delta_capture_connect_up', '1 when Kafka Connect answered the last poll of the capture watch, else 0', [], (metric, current) => {
    metric.set(current.connect.reachable ? 1 : 0);
  });
  gauge(
    'erp_delta_capture_connector_up',
    '1 when the connector and every task of it are RUNNING, else 0 (paused, stopped, failed, missing, starting, or Kafka Connect not answering)',
    ['connector'],
    (metric, current) => {
      for (const connector of current.connectors) metric.set({ connector: connector.name }, connector.state === 'RUNNING' ? 1 : 0);
    },
  );
  gauge('erp_delta_capture_connector_state', "the connector's capture state: 1 for the state it is in, 0 for the others", ['connector', 'state'], (metric, current) => {
    for (const connector of current.connectors) for (const state of STATES) metric.set({ connector: connector.name, state }, connector.state === state ? 1 : 0);
  });
  gauge(
    'erp_delta_capture_heartbeat_age_seconds',
    "seconds since the connector's heartbeat topic last grew (since the watch started, until it first does); only for connectors with heartbeat.interval.ms",
    ['connector'],
    (metric, current) => {
      for (const connector of current.connectors) if (connector.heartbeat.intervalMs !== null) metric.set({ connector: connector.name }, connector.heartbeat.ageSeconds);
    },
  );
  gauge(
    'erp_delta_capture_slot_retained_wal_bytes',
    "WAL the connector's replication slot keeps on the ERP server: pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)",
    ['connector', 'slot'],
    (metric, current) => {
      for (const connector of current.connectors) {
        if (connector.slot?.retainedBytes !== null && connector.slot?.retainedBytes !== undefined) metric.set({ connector: connector.name, slot: connector.slot.name }, connector.slot.retainedBytes);
      }
    },
  );
  gauge('erp_delta_capture_slot_lost', "1 when the connector's replication slot is missing or invalidated (wal_status lost): a capture reset is needed", ['connector', 'slot'], (metric, current) => {
    for (const connector of current.connectors) {
      if (connector.slot && connector.slot.status !== 'unknown')
        metric.set({ connector: connector.name, slot: connector.slot.name }, connector.slot.status === 'lost' || connector.slot.status === 'missing' ? 1 : 0);
    }
  });
  gauge(
    'erp_delta_capture_table_captured',
    "1 when the entity's table is in its connector's publication, 0 when it dropped out (its changes are not captured)",
    ['entity', 'connector'],
    (metric, current) => {
      for (const entity of current.entities) if (entity.inPublication !== null) metric.set({ entity: entity.entity, connector: entity.connector ?? '' }, entity.inPublication ? 1 : 0);
    },
  );
  gauge('erp_delta_capture_table_silent', '1 when the entity had no change for capture.silentTableAfterMs while another table of its connector changed', ['entity'], (metric, current) => {
    for (const entity of current.entities) if (entity.connector !== null) metric.set({ entity: entity.entity }, entity.silent ? 1 : 0);
  });
}
