// Plain text by design: made on purpose, by someone who has unlocked the phone.

import * as drafts from './drafts.js';
import * as repo from './repo.js';
import { T } from './strings.js';
import * as vault from './vault.js';

// Each unsent visit, refusal (the visit's number) and draft (its words), by what it is, never by when the
// phone's clock said it was made: log-out (settings.js) waits until an export held every one.
export const unsentKeys = async () => [...repo.pending(), ...repo.rejected(), ...await drafts.allDrafts()]
  .map(x => x.mutation_id ?? x.id + JSON.stringify(x.values));

const about = mentee => (mentee ? { code: mentee.fields.code, name: mentee.fields.name || null } : null);

async function unsentDocument() {
  const { user } = vault.currentSession(),
    info = await vault.device().catch(() => null);
  return {
    app: 'banxing', exported_at: repo.isoNow(), device_id: info?.deviceId,
    user: user ? { id: user.id, name: user.name } : null,
    items: [
      ...repo.pending().map(e => ({
        state: 'unsent', ...e, mentee: about(repo.menteeFor(e.entity, e.record_id, e.fields)),
      })),
      ...repo.rejected().map(n => ({
        state: 'rejected', entity: n.entity, record_id: n.record_id, op: n.op, fields: n.fields, reason: n.reason,
        created_at: n.created_at, mentee: about(repo.noticeChild(n)),
      })),
      ...(await drafts.allDrafts()).map(d => ({ state: 'draft', form: d.id, values: d.values, saved_at: d.savedAt })),
    ],
  };
}

export async function exportUnsent() {
  const exported = await unsentKeys(); // before the file: what is saved meanwhile waits for the next export
  const doc = await unsentDocument(),
    link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
  link.download = T.exportFile( // Beijing's clock, for people (exported_at stays UTC, as every stamp)
    new Date(Date.parse(doc.exported_at) + 288e5).toISOString().slice(0, 16).replace(/[-:T]/g, ''));
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  await vault.updateSession({ exported }).catch(() => {});
  return doc.items.length;
}
