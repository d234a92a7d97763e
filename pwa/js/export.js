// 导出未同步记录: everything not yet accepted by the server — the outbox, rejected changes and
// half-filled forms — as one JSON file the volunteer can hand to the station. The export is
// plain text by design: it is made on purpose, by someone who has unlocked the phone.

import * as drafts from './drafts.js';
import * as repo from './repo.js';
import { T } from './strings.js';
import * as vault from './vault.js';

function describe(entity, recordId, fields) {
  const mentee = entity === 'mentee' ? repo.get(recordId)
    : repo.menteeOf({ ...(repo.get(recordId) || {}).fields, ...fields });
  return mentee ? { code: mentee.fields.code, name: mentee.fields.name || null } : null;
}

export async function unsentDocument() {
  const session = vault.currentSession();
  const info = await vault.device();
  const items = [];
  for (const e of repo.pending()) {
    items.push({ state: 'unsent', mutation_id: e.mutation_id, entity: e.entity, record_id: e.record_id, op: e.op,
      base_version: e.base_version, fields: e.fields, created_at: e.created_at,
      mentee: describe(e.entity, e.record_id, e.fields) });
  }
  for (const n of repo.noticeList().filter((x) => x.kind === 'rejected')) {
    items.push({ state: 'rejected', entity: n.entity, record_id: n.record_id, op: n.op, fields: n.fields,
      reason: n.reason, created_at: n.created_at, mentee: describe(n.entity, n.record_id, n.fields) });
  }
  for (const d of await drafts.allDrafts()) {
    items.push({ state: 'draft', form: d.id, values: d.values, saved_at: d.savedAt });
  }
  return {
    app: 'banxing', exported_at: new Date().toISOString(), device_id: info && info.deviceId,
    user: session.user ? { id: session.user.id, name: session.user.name } : null, items,
  };
}

/** Save the file through the browser's download; returns how many items it holds. */
export async function exportUnsent() {
  const doc = await unsentDocument();
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
  const stamp = doc.exported_at.slice(0, 16).replace(/[-:T]/g, '');
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = T.exportFile(stamp);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  await vault.updateSession({ exportedAt: doc.exported_at, exportedCount: doc.items.length });
  return doc.items.length;
}
