/**
 * Precision, recall and F1 of skill extraction against labelled documents, by skill id. Pure: the
 * caller resolves labels to ids and runs the extractor. Used by scripts/evaluate-skills.ts and the
 * extraction tests, not by the server.
 */

export interface PRF {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface DocumentEvaluation extends PRF {
  document: string;
  /** Predicted ids that are not labelled, sorted. */
  falsePositiveIds: string[];
  /** Labelled ids that were not predicted, sorted. */
  falseNegativeIds: string[];
}

export interface Evaluation {
  /** Counts summed over all documents, then P/R/F1 (each skill occurrence weighs the same). */
  micro: PRF;
  /** The mean of the per-document P/R/F1 (each document weighs the same). */
  macro: { precision: number; recall: number; f1: number };
  documents: DocumentEvaluation[];
}

/** Ids per document; duplicates are ignored. */
export type IdsByDocument = Record<string, Iterable<string>>;

/**
 * Compares predictions with labels for every labelled document (a document without predictions
 * counts as predicting nothing; predictions for unlabelled documents are ignored). Conventions for
 * empty sets: precision is 1 when nothing was predicted, recall is 1 when nothing was labelled, F1
 * is 0 when precision + recall is 0.
 */
export function evaluateExtraction(predicted: IdsByDocument, labelled: IdsByDocument): Evaluation {
  const documents: DocumentEvaluation[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const document of Object.keys(labelled).sort()) {
    const gold = new Set(labelled[document]);
    const pred = new Set(predicted[document] ?? []);
    const falsePositiveIds = [...pred].filter((id) => !gold.has(id)).sort();
    const falseNegativeIds = [...gold].filter((id) => !pred.has(id)).sort();
    const truePositives = pred.size - falsePositiveIds.length;
    documents.push({
      document,
      ...prf(truePositives, falsePositiveIds.length, falseNegativeIds.length),
      falsePositiveIds,
      falseNegativeIds,
    });
    tp += truePositives;
    fp += falsePositiveIds.length;
    fn += falseNegativeIds.length;
  }
  const n = Math.max(1, documents.length);
  const mean = (pick: (d: DocumentEvaluation) => number) =>
    documents.reduce((sum, d) => sum + pick(d), 0) / n;
  return {
    micro: prf(tp, fp, fn),
    macro: { precision: mean((d) => d.precision), recall: mean((d) => d.recall), f1: mean((d) => d.f1) },
    documents,
  };
}

export function prf(truePositives: number, falsePositives: number, falseNegatives: number): PRF {
  const predicted = truePositives + falsePositives;
  const actual = truePositives + falseNegatives;
  const precision = predicted === 0 ? 1 : truePositives / predicted;
  const recall = actual === 0 ? 1 : truePositives / actual;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePositives, falsePositives, falseNegatives, precision, recall, f1 };
}

/** How often each id appears across documents' lists (most frequent first, then by id). */
export function mostFrequent(
  lists: Iterable<readonly string[]>,
  limit = 20,
): Array<{ id: string; count: number }> {
  const counts = new Map<string, number>();
  for (const list of lists) for (const id of new Set(list)) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts]
    .map(([id, count]) => ({ id, count }))
    .sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
}
