/**
 * A source epoch (DESIGN "Vocabulary"): a span in which an entity's source positions only grow.
 * Epoch 0 is where every entity starts; `erp-delta capture reset --entity E` starts the next one
 * when the ERP database behind E was restored onto another server and its positions started over.
 * Versions of different epochs are never compared by position: a later epoch is newer
 * (version-order.ts).
 */
export interface SourceEpochs {
  epochOf(entity: string): number;
}
