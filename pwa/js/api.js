import { T } from './strings.js';

export class ApiError extends Error {
  constructor(status, code, message, restored = false) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.restored = restored; // cursor_invalid: the server lost what it had after this cursor
  }
}
export class OfflineError extends ApiError {}
export class ServerError extends ApiError {}
export class RevokedError extends ApiError {}
export class AuthError extends ApiError {}
export class InactiveError extends ApiError {}
export class TooLargeError extends ApiError {}

function errorFor(status, code, message, restored) {
  let Class = status == 413 ? TooLargeError : status >= 500 ? ServerError : ApiError;
  if (status == 401) {
    Class = code == 'device_revoked' ? RevokedError : code == 'user_inactive' ? InactiveError : AuthError;
  }
  return new Class(status, code, message, restored);
}

// The server's clock as of its last answer (its Date header): a phone whose clock reset (a flat
// battery, no signal to set it by) would otherwise date every visit wrongly without a word.
let serverClock = null;
export const lastServerClock = () => serverClock;

// `stop`: a tab that stops (another took the app, a lock) ends its sync's request at once, rather than
// holding the sync's Web Lock, and so the other tab's sync, until an answer or the 60 s timeout. The
// mutations stay in the outbox; the tab that syncs next sends them again with the same mutation_id,
// which the server answers as before if it had them (docs/sync-protocol.md, resends).
async function call(method, path, { token, body, stop } = {}) {
  const headers = {};
  if (token) headers.authorization = 'Bearer ' + token;
  if (body) headers['content-type'] = 'application/json';
  const controller = new AbortController(),
    abort = () => controller.abort(),
    timer = setTimeout(abort, 60000);
  stop?.addEventListener('abort', abort);
  if (stop?.aborted) abort();
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body && JSON.stringify(body), cache: 'no-store', credentials: 'omit',
      signal: controller.signal,
    });
  } catch (error) {
    if (stop?.aborted) throw error; // an AbortError: no problem with the network to report
    // With the phone online, a failed request means the server could not be reached (down, or a
    // weak signal timing out): saying "no network" would send the volunteer to their settings.
    if (globalThis.navigator?.onLine !== false) throw new ServerError(0, 'unreachable', T.serverDown);
    throw new OfflineError(0, 'offline', String(error?.message || error));
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', abort);
  }
  const said = Date.parse(response.headers.get('date') || '');
  if (!Number.isNaN(said)) serverClock = { server: said, phone: Date.now() };
  const answer = await response.json().catch(() => null); // a proxy's HTML page, a cut-off body
  if (response.ok && answer !== null) return answer;
  if (response.ok) throw new ServerError(response.status, 'bad_answer', T.badAnswer);
  const { status } = response,
    code = answer?.code || `http_${status}`;
  throw errorFor(status, code, answer?.error || T.serverSaid(status), answer?.restored === true);
}

export const enrol = (code, deviceName) => call('POST', '/api/enrol', { body: { code, device_name: deviceName } }),
  push = (token, mutations, stop) => call('POST', '/api/sync/push', { token, body: { mutations }, stop }),
  pull = (token, cursor, limit, stop) =>
    call('GET', `/api/sync/pull?${new URLSearchParams({ limit, ...(cursor && { cursor }) })}`, { token, stop }),
  phoneInfo = (token, stop) => call('GET', '/api/device', { token, stop }),
  uploadRecoveryKey = (token, key, stop) =>
    call('PUT', '/api/device/recovery-key', { token, body: { recovery_key: key }, stop }),
  recover = (recoveryToken, code) => call('POST', '/api/recovery', { token: recoveryToken, body: { code } });
