// Which batches must succeed before another may start: a batch waits for
// every earlier batch that holds a model its own models reference (or the
// same model, whose records may reference each other, like parent companies).

import { getModel, referencesOf } from '../schema/index.js';
import type { BatchInfo } from '../sinks/types.js';

/** Names of the models a model's records may point at. */
function parentsOf(modelName: string): Set<string> {
  const model = getModel(modelName);
  const parents = new Set<string>([modelName]);
  for (const ref of referencesOf(model)) {
    if (ref.target !== undefined) parents.add(ref.target);
    // A polymorphic key (CustomField.erpKey) may point at any model its tableKey names.
    else for (const name of model.byName.get('tableKey')?.enum ?? []) parents.add(name);
  }
  return parents;
}

/** For each batch, the indexes of earlier batches it waits for. */
export function batchDependencies(batches: readonly Pick<BatchInfo, 'entries'>[]): number[][] {
  return batches.map((batch, i) => {
    const parents = new Set(batch.entries.flatMap((e) => [...parentsOf(e.model)]));
    const waits: number[] = [];
    for (let j = 0; j < i; j++) {
      if (batches[j].entries.some((e) => parents.has(e.model))) waits.push(j);
    }
    return waits;
  });
}
